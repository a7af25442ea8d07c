import CTASCore
import Foundation

/// Generates realistic telemetry, reproducibly, from the feed generator's events: Suricata
/// EVE lines (alerts, dns, http, tls and flow records) or Zeek `dns` logs (TSV with their
/// header block, or JSON), for `ctas gen-feed --format eve|zeek|zeek-json` and `ctas bench
/// formats`. Addresses, names and times follow the events (so correlation still means
/// something); internal hosts live in 10.0.0.0/8.
public struct TelemetryGenerator {
    public enum Kind: String, Sendable, CaseIterable {
        case eve, zeek, zeekJSON = "zeek-json"
    }

    public let kind: Kind
    private var events: FeedGenerator
    private var rng: SeededRandom
    private var flow: UInt64
    public private(set) var produced = 0

    public init(kind: Kind, options: FeedGenerator.Options) {
        self.kind = kind
        events = FeedGenerator(options: options)
        rng = SeededRandom(seed: options.seed ^ 0x7E1E_3E7E)
        flow = 1_000_000_000_000 + options.seed % 1_000_000
    }

    /// The Zeek TSV header block (`#separator` … `#types`), written before the rows.
    public static let zeekDNSHeader = [
        "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tdns", "#open\t2026-11-20-00-00-00",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected",
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool",
    ].joined(separator: "\n") + "\n"

    /// What precedes the first record (the Zeek TSV header), if anything.
    public var preamble: String { kind == .zeek ? Self.zeekDNSHeader : "" }

    static let signatures: [(Int, String, String, Int)] = [
        (2_001_219, "ET SCAN Potential SSH Scan", "Attempted Information Leak", 2),
        (2_024_792, "ET MALWARE Cobalt Strike Beacon Observed", "A Network Trojan was detected", 1),
        (2_013_028, "ET POLICY curl User-Agent Outbound", "Attempted Information Leak", 2),
        (2_027_865, "ET INFO Observed DNS Query to .cloud TLD", "Potentially Bad Traffic", 2),
        (2_210_045, "SURICATA STREAM Packet with invalid ack", "Generic Protocol Command Decode", 3),
        (2_019_401, "ET POLICY Vulnerable Java Version 1.8.x Detected", "Potential Corporate Privacy Violation", 1),
    ]

    /// Appends the next record and its newline.
    public mutating func appendNext(to out: inout [UInt8]) {
        let e = events.nextEvent()
        produced += 1
        flow &+= UInt64(1 + rng.below(97))
        let inside = "10.\(rng.below(64)).\(rng.below(256)).\(1 + rng.below(254))"
        let external = e.indicators.first { AddressScope(address: $0) != nil } ?? "198.51.100.\(1 + rng.below(254))"
        let name = e.indicators.first { $0.contains(".") && AddressScope(address: $0) == nil && !$0.contains("/") && !$0.contains("@") }
            ?? "host\(rng.below(5000)).example.net"
        let port = 1024 + rng.below(64_000)
        switch kind {
        case .eve: appendEVE(e, inside, external, name, port, to: &out)
        case .zeek, .zeekJSON: appendZeekDNS(e, inside, name, port, to: &out)
        }
    }

    private mutating func appendEVE(_ e: Event, _ inside: String, _ external: String, _ name: String, _ port: Int, to out: inout [UInt8]) {
        var line: [UInt8] = Array(#"{"timestamp":""#.utf8)
        e.timestamp.appendRFC3339(to: &line)
        line.removeLast()   // the Z: EVE writes +0000
        line += Array(#"+0000","flow_id":\#(flow),"in_iface":"eth0","#.utf8)
        let kind = rng.below(10)
        let outbound = rng.chance(0.7)
        let (src, dst) = outbound ? (inside, external) : (external, inside)
        let (sport, dport) = outbound ? (port, [443, 80, 53, 22, 8080][rng.below(5)]) : ([443, 80, 22][rng.below(3)], port)
        func endpoints(_ proto: String) { line += Array(#""src_ip":"\#(src)","src_port":\#(sport),"dest_ip":"\#(dst)","dest_port":\#(dport),"proto":"\#(proto)""#.utf8) }
        switch kind {
        case 0...3:
            let (sid, signature, category, severity) = Self.signatures[rng.below(Self.signatures.count)]
            line += Array(#""event_type":"alert","#.utf8)
            endpoints("TCP")
            line += Array(#","tx_id":\#(rng.below(4)),"alert":{"action":"allowed","gid":1,"signature_id":\#(sid),"rev":\#(1 + rng.below(20)),"signature":"\#(signature)","category":"\#(category)","severity":\#(severity)},"app_proto":"tls","tls":{"sni":"#.utf8)
            JSONString.append(name, to: &line)
            line += Array(#","version":"TLS 1.2"}}"#.utf8)
        case 4...5:
            line += Array(#""event_type":"dns","#.utf8)
            endpoints("UDP")
            line += Array(#","dns":{"type":"answer","id":\#(rng.below(65_536)),"rrname":"#.utf8)
            JSONString.append(name, to: &line)
            line += Array(#","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"#.utf8)
            JSONString.append(name, to: &line)
            line += Array(#","rrtype":"A","ttl":300,"rdata":"\#(external)"}]}}"#.utf8)
        case 6...7:
            line += Array(#""event_type":"http","#.utf8)
            endpoints("TCP")
            line += Array(#","tx_id":0,"http":{"hostname":"#.utf8)
            JSONString.append(name, to: &line)
            line += Array(#","url":"/\#(["index.html", "api/v1/beacon", "login.php", "update.bin"][rng.below(4)])?id=\#(rng.below(100_000))","http_user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)","http_method":"GET","protocol":"HTTP/1.1","status":\#([200, 200, 301, 404, 500][rng.below(5)]),"length":\#(rng.below(50_000))}}"#.utf8)
        default:
            line += Array(#""event_type":"flow","#.utf8)
            endpoints("TCP")
            line += Array(#","app_proto":"tls","flow":{"pkts_toserver":\#(1 + rng.below(200)),"pkts_toclient":\#(rng.below(200)),"bytes_toserver":\#(60 + rng.below(90_000)),"bytes_toclient":\#(rng.below(900_000)),"age":\#(rng.below(300)),"state":"closed","reason":"timeout","alerted":false}}"#.utf8)
        }
        out += line
        out.append(0x0A)
    }

    private mutating func appendZeekDNS(_ e: Event, _ inside: String, _ name: String, _ port: Int, to out: inout [UInt8]) {
        let micros = e.timestamp.microseconds
        let seconds = micros.floorDividedBy(1_000_000)
        let fraction = String(micros - seconds * 1_000_000)
        let ts = "\(seconds)." + String(repeating: "0", count: 6 - fraction.count) + fraction
        let uid = "C" + String(flow, radix: 36)
        let resolver = ["10.0.0.2", "10.0.0.3", "192.168.1.1"][rng.below(3)]
        let answer = "198.51.100.\(1 + rng.below(254))"
        let trans = rng.below(65_536)
        let rtt = "0.\(String(1000 + rng.below(9000)))"
        if kind == .zeek {
            let fields = [ts, uid, inside, String(port), resolver, "53", "udp", String(trans), rtt, name, "1", "C_INTERNET", "1", "A", "0", "NOERROR",
                          "F", "F", "T", "T", "0", answer, "300.000000", "F"]
            out += Array(fields.joined(separator: "\t").utf8)
        } else {
            var line: [UInt8] = Array(#"{"_path":"dns","ts":\#(ts),"uid":"\#(uid)","id.orig_h":"\#(inside)","id.orig_p":\#(port),"id.resp_h":"\#(resolver)","id.resp_p":53,"proto":"udp","trans_id":\#(trans),"rtt":\#(rtt),"query":"#.utf8)
            JSONString.append(name, to: &line)
            line += Array(#","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["\#(answer)"],"TTLs":[300.0],"rejected":false}"#.utf8)
            out += line
        }
        out.append(0x0A)
    }
}

extension Int64 {
    /// Floor division (toward −∞).
    func floorDividedBy(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

extension TelemetryGenerator {
    /// Writes the preamble and `records` records to `output`, in 1 MiB writes. A failed write
    /// (a full disk) ends the generation; the caller reads `output.failure`.
    public mutating func write(records: Int, to output: BufferedOutput) {
        var buffer: [UInt8] = Array(preamble.utf8)
        buffer.reserveCapacity(1 << 21)
        for _ in 0..<records {
            appendNext(to: &buffer)
            if buffer.count >= 1 << 20 {
                output.write(buffer)
                buffer.removeAll(keepingCapacity: true)
                if output.failure != nil { return }
            }
        }
        output.write(buffer)
        output.flush()
    }
}
