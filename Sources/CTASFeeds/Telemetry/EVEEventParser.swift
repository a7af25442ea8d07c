import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads one Suricata EVE JSON record (a line of `eve.json`, or an element of an exported
/// array) into an event. Required: `timestamp` and `event_type`; every `event_type` is read
/// (alert, dns, http, tls, fileinfo, flow, anomaly, ssh, smtp get their own description and
/// indicators; any other is a generic event). The record is kept whole as the event's
/// original, so nothing the sensor wrote is lost.
///
/// Mapping (README, "Suricata EVE"):
/// - `type`: an alert's category in snake case (`attempted_information_leak`), else the
///   `event_type` (`dns`, `flow`…);
/// - `severity`: alert severity 1 → 8, 2 → 5, 3 → 3, 4 and above → 1; anomalies 3; others unrated;
/// - `source`: the sensor (`host`), else `suricata@<in_iface>`, else `suricata`;
/// - `entity`: the internal side of `src_ip`/`dest_ip` (private address space);
/// - `indicators`: both addresses, DNS names and answers, HTTP host and URL, TLS SNI, JA3/JA3S
///   hashes, file hashes, SMTP addresses (user agents and certificate subjects stay context);
/// - `description`: the signature with `[gid:sid:rev]` and action, or a one-line summary;
/// - `flow`: `flow_id` (events of one flow are found together);
/// - id: `eve-` and a 128-bit hash of what makes the record itself (flow, type, time,
///   transaction, signature, endpoints, sensor), so reading it twice gives the same id.
public struct EVEEventParser: Sendable {
    public let options: TelemetryOptions
    /// The tape's node buffer, lent to each record's tape (no allocation per record).
    private var tapeStorage: [JSONTape.Node] = []

    public init(options: TelemetryOptions = TelemetryOptions()) { self.options = options }

    /// Parses a record's bytes (one JSON object).
    public mutating func parse(_ line: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event {
        try Self.checkText(line)
        let tape = try JSONTape(parsing: line, storage: &tapeStorage)
        defer { tape.recycle(into: &tapeStorage) }
        return try event(from: tape, notes: &notes)
    }

    static func checkText(_ line: UnsafeBufferPointer<UInt8>) throws(LineProblem) {
        switch UTF8Check.scan(line) {
        case .ascii, .validUTF8: break
        case .nulByte(let at): throw LineProblem("nul_byte", "NUL byte at byte \(at + 1); expected text")
        case .invalidUTF8(let at): throw LineProblem("invalid_utf8", "invalid UTF-8 at byte \(at + 1); expected UTF-8 text")
        }
    }

    /// The top-level fields the mapping reads, found in one pass (indexes into `rootKeys`).
    private enum Root {
        static let timestamp = 0, eventType = 1, srcIP = 2, destIP = 3, srcPort = 4, destPort = 5, alert = 6, anomaly = 7
        static let dns = 8, http = 9, tls = 10, fileinfo = 11, ssh = 12, smtp = 13, email = 14, flow = 15, proto = 16
        static let appProto = 17, host = 18, inIface = 19, flowID = 20, txID = 21, pcapCount = 22
    }

    private static let rootKeys = JSONKeyTable([
        "timestamp", "event_type", "src_ip", "dest_ip", "src_port", "dest_port", "alert", "anomaly",
        "dns", "http", "tls", "fileinfo", "ssh", "smtp", "email", "flow", "proto",
        "app_proto", "host", "in_iface", "flow_id", "tx_id", "pcap_cnt",
    ])

    /// An alert's fields (indexes into `alertKeys`).
    private enum Alert {
        static let signature = 0, category = 1, severity = 2, gid = 3, signatureID = 4, rev = 5, action = 6
    }

    private static let alertKeys = JSONKeyTable(["signature", "category", "severity", "gid", "signature_id", "rev", "action"])

    /// Maps a parsed EVE record.
    public func event(from tape: JSONTape, notes: inout ParseNotes) throws(LineProblem) -> Event {
        let root = JSONTape.root
        guard tape.kind(root) == .object else { throw LineProblem("invalid_json", "expected an EVE record (a JSON object)") }
        let fields = Self.rootKeys.find(in: root, of: tape)
        guard let tsNode = fields[Root.timestamp] else {
            throw LineProblem("missing_field", field: "timestamp", "field \"timestamp\" is missing; expected an EVE timestamp such as 2026-11-20T10:15:30.123456+0000")
        }
        guard tape.kind(tsNode) == .string else {
            throw LineProblem("wrong_type", field: "timestamp", "field \"timestamp\" is not a string; expected an EVE timestamp")
        }
        let timestamp: Timestamp
        if tape.nodes[tsNode].escaped {
            timestamp = try Self.time(tape.string(tsNode) ?? "", field: "timestamp", options: options, notes: &notes)
        } else {
            // Read from the line's bytes: no string made for the time.
            let node = tape.nodes[tsNode]
            timestamp = try Self.time(UnsafeBufferPointer(rebasing: tape.bytes[Int(node.start)..<Int(node.end)]), field: "timestamp",
                                      options: options, notes: &notes)
        }
        guard let typeNode = fields[Root.eventType], let eventType = tape.string(typeNode), !eventType.isEmpty else {
            throw LineProblem("missing_field", field: "event_type", "field \"event_type\" is missing; expected alert, dns, http, flow…")
        }
        func top(_ key: Int) -> String? { fields[key].flatMap(tape.text) }
        func sub(_ object: Int?, _ key: String) -> String? { object.flatMap { tape.member($0, key) }.flatMap(tape.text) }
        let src = top(Root.srcIP), dest = top(Root.destIP)
        let sides = TelemetryMapping.sides(originator: src, responder: dest)
        var indicators: [String] = []
        indicators.reserveCapacity(6)
        TelemetryMapping.add(sides.external, to: &indicators)
        TelemetryMapping.add(sides.entity, to: &indicators)
        func endpoints() -> String {
            TelemetryMapping.concatenated(src ?? "?", ":", top(Root.srcPort) ?? "?", " → ", dest ?? "?", ":", top(Root.destPort) ?? "?")
        }

        var type = TelemetryMapping.snake(eventType)
        var severity: Severity?
        var description: String?
        let alert = fields[Root.alert]
        let alertFields = alert.map { Self.alertKeys.find(in: $0, of: tape) }
        func alertText(_ key: Int) -> String? { alertFields?[key].flatMap(tape.text) }
        switch eventType {
        case "alert":
            let signature = alertText(Alert.signature)
            if let category = alertText(Alert.category), !category.isEmpty { type = TelemetryMapping.snake(category) }
            if let value = alertFields?[Alert.severity].flatMap(tape.integer) {
                severity = Severity(value <= 1 ? 8 : value == 2 ? 5 : value == 3 ? 3 : 1)
            }
            var text = signature ?? "alert"
            text += " [" + (alertText(Alert.gid) ?? "1") + ":" + (alertText(Alert.signatureID) ?? "?") + ":" + (alertText(Alert.rev) ?? "?") + "]"
            if let action = alertText(Alert.action) { text += " " + action }
            description = text
        case "stats":
            // The sensor's own counters (every few seconds in a default eve.json): what an
            // analyst looks for in them is uptime, packets and what the kernel dropped.
            let stats = tape.member(JSONTape.root, "stats")
            let capture = stats.flatMap { tape.member($0, "capture") }
            let packets = sub(capture, "kernel_packets") ?? sub(stats.flatMap { tape.member($0, "decoder") }, "pkts")
            description = TelemetryMapping.joined("stats", sub(stats, "uptime").map { "uptime " + $0 + "s" },
                                                  packets.map { $0 + " packets" }, sub(capture, "kernel_drops").map { $0 + " dropped" })
        case "anomaly":
            severity = Severity(3)
            let anomaly = fields[Root.anomaly]
            description = TelemetryMapping.joined("anomaly", sub(anomaly, "layer"), sub(anomaly, "event"), sub(anomaly, "type"))
        default:
            break
        }
        // Application-layer objects appear on their own events and on alerts alike.
        if let dns = fields[Root.dns] {
            let summary = dnsSummary(tape, dns, &indicators)
            if description == nil { description = summary }
        }
        if let http = fields[Root.http] {
            let host = sub(http, "hostname")
            let url = TelemetryMapping.url(host: host, target: sub(http, "url"))
            TelemetryMapping.add(host, to: &indicators)
            TelemetryMapping.add(url, to: &indicators)
            if description == nil { description = TelemetryMapping.joined("http", sub(http, "http_method"), url ?? host, sub(http, "status")) }
        }
        if let tls = fields[Root.tls] {
            let sni = sub(tls, "sni")
            TelemetryMapping.add(sni, to: &indicators)
            TelemetryMapping.add(sub(tape.member(tls, "ja3"), "hash"), to: &indicators)
            TelemetryMapping.add(sub(tape.member(tls, "ja3s"), "hash"), to: &indicators)
            if description == nil { description = TelemetryMapping.joined("tls", sub(tls, "version"), sni.map { "sni " + $0 }, sub(tls, "subject")) }
        }
        if let file = fields[Root.fileinfo] {
            TelemetryMapping.add(sub(file, "md5"), to: &indicators)
            TelemetryMapping.add(sub(file, "sha1"), to: &indicators)
            TelemetryMapping.add(sub(file, "sha256"), to: &indicators)
            if description == nil {
                description = TelemetryMapping.joined("file", sub(file, "filename"), sub(file, "magic"), sub(file, "size").map { $0 + " bytes" })
            }
        }
        if let ssh = fields[Root.ssh], description == nil {
            description = TelemetryMapping.joined("ssh", sub(tape.member(ssh, "client"), "software_version"), "→", sub(tape.member(ssh, "server"), "software_version"))
        }
        if let smtp = fields[Root.smtp] {
            TelemetryMapping.add(sub(smtp, "mail_from").map(Self.bareAddress), to: &indicators)
            for to in tape.member(smtp, "rcpt_to").map(tape.strings) ?? [] { TelemetryMapping.add(Self.bareAddress(to), to: &indicators) }
            if description == nil { description = TelemetryMapping.joined("smtp", sub(smtp, "helo"), sub(smtp, "mail_from")) }
        }
        if let subject = sub(fields[Root.email], "subject") {
            description = description.map { $0 + " subject " + subject } ?? "email subject " + subject
        }
        if eventType == "flow", description == nil {
            let flow = fields[Root.flow]
            description = TelemetryMapping.joined("flow", top(Root.proto), top(Root.appProto), endpoints(), sub(flow, "state"), sub(flow, "reason"))
        }
        if description == nil { description = src == nil && dest == nil ? eventType : eventType + " " + endpoints() }

        let host = top(Root.host), iface = top(Root.inIface)
        let sensor = host.flatMap(TelemetryMapping.useful) ?? iface.map { "suricata@" + $0 } ?? "suricata"
        let flowID = top(Root.flowID)
        var hash = StableHash128()
        if let flowID {
            hash.combine(flowID)
            hash.combine(eventType)
            Self.combineText(tsNode, of: tape, into: &hash)
            Self.combineText(fields[Root.txID], of: tape, into: &hash)
            Self.combineText(alertFields?[Alert.gid], of: tape, into: &hash)
            Self.combineText(alertFields?[Alert.signatureID], of: tape, into: &hash)
            hash.combine(src ?? "")
            Self.combineText(fields[Root.srcPort], of: tape, into: &hash)
            hash.combine(dest ?? "")
            Self.combineText(fields[Root.destPort], of: tape, into: &hash)
            hash.combine(host ?? "")
            hash.combine(iface ?? "")
            Self.combineText(fields[Root.pcapCount], of: tape, into: &hash)
        } else {
            // A record without a flow: its bytes are its identity, white space outside strings
            // aside (Suricata writes none; `jq .` and other pretty-printers add it).
            Self.combineCompact(tape.bytes, into: &hash)
        }
        var event = Event(id: hash.hex(prefixedBy: "eve-"), timestamp: timestamp, type: TelemetryMapping.clipped(type, EventLimits.typeBytes),
                          severity: severity, source: TelemetryMapping.clipped(sensor, EventLimits.sourceBytes),
                          entity: sides.entity.map { TelemetryMapping.clipped($0, EventLimits.entityBytes) },
                          indicators: indicators, description: description.map { TelemetryMapping.clipped($0, EventLimits.descriptionBytes) })
        event.details = Event.Details(original: Self.original(tape), flow: flowID.map { TelemetryMapping.clipped($0, EventLimits.flowBytes) })
        return event
    }

    /// Combines what `tape.text(node)` gives (nil as empty text), from the line's bytes
    /// when nothing needs decoding: the id without a string made per field.
    static func combineText(_ node: Int?, of tape: JSONTape, into hash: inout StableHash128) {
        guard let node, node < tape.nodes.count else {
            hash.combine("")
            return
        }
        let n = tape.nodes[node]
        switch n.kind {
        case .number, .bool, .string:
            if n.kind == .string && n.escaped {
                hash.combine(tape.string(node) ?? "")
            } else {
                hash.combine(UnsafeBufferPointer(rebasing: tape.bytes[Int(n.start)..<Int(n.end)]))
                hash.separator()
            }
        case .null, .object, .array:
            hash.combine("")
        }
    }

    /// The query and answers of a DNS record (EVE v1 `rrname`/`rdata`, v2 `queries`/`answers`/`grouped`).
    private func dnsSummary(_ tape: JSONTape, _ dns: Int, _ indicators: inout [String]) -> String {
        var names: [String] = []
        if let name = tape.member(dns, "rrname").flatMap(tape.text) { names.append(name) }
        if let queries = tape.member(dns, "queries") {
            tape.forEachElement(queries) { query in
                if let name = tape.member(query, "rrname").flatMap(tape.text) { names.append(name) }
            }
        }
        var answers: [String] = []
        if let data = tape.member(dns, "rdata").flatMap(tape.text) { answers.append(data) }
        if let list = tape.member(dns, "answers") {
            tape.forEachElement(list) { answer in
                if let data = tape.member(answer, "rdata").flatMap(tape.text) { answers.append(data) }
            }
        }
        if let grouped = tape.member(dns, "grouped") {
            tape.forEachMember(grouped) { _, values in answers += tape.strings(values) }
        }
        for name in names { TelemetryMapping.add(name, to: &indicators) }
        for answer in answers.prefix(50) where answer.utf8.contains(UInt8(ascii: ".")) || AddressScope(address: answer) != nil {
            TelemetryMapping.add(answer, to: &indicators)
        }
        let kind = tape.member(dns, "type").flatMap(tape.text) ?? "query"
        let firstQuery = tape.member(dns, "queries").flatMap { queries in tape.kind(queries) == .array && tape.nodes[queries].count > 0 ? queries + 1 : nil }
        let rrtype = tape.member(dns, "rrtype").flatMap(tape.text) ?? firstQuery.flatMap { tape.member($0, "rrtype") }.flatMap(tape.text)
        var text = "dns " + kind + " " + (names.first ?? "?")
        if let rrtype { text += " " + rrtype }
        if let list = TelemetryMapping.listed(answers, lead: " → ", limit: 4) { text += list }
        return text
    }

    /// `"Alice" <alice@example.com>` → `alice@example.com`.
    static func bareAddress(_ text: String) -> String {
        guard let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close else { return text }
        return String(text[text.index(after: open)..<close])
    }

    /// The record as written, for the detail view and export: a pretty-printed element of an
    /// exported array is kept compact (whitespace between tokens dropped, strings untouched).
    static func original(_ tape: JSONTape) -> String? {
        guard tape.bytes.count <= EventLimits.originalBytes else { return nil }
        return compactJSON(tape.bytes)
    }

    /// Hashes `bytes` (JSON) as `compactJSON` would write them, without making them.
    static func combineCompact(_ bytes: UnsafeBufferPointer<UInt8>, into hash: inout StableHash128) {
        var strings = JSONStringTracker()
        var start = 0
        for (i, b) in bytes.enumerated() where !strings.consume(b) && JSONStringTracker.isSpace(b) {
            if start < i { hash.combine(UnsafeBufferPointer(rebasing: bytes[start..<i])) }
            start = i + 1
        }
        if start < bytes.count { hash.combine(UnsafeBufferPointer(rebasing: bytes[start...])) }
    }

    /// `bytes` (valid JSON) without whitespace outside strings.
    static func compactJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let newline = bytes.baseAddress.map { memchr($0, 0x0A, bytes.count) != nil } ?? false
        guard newline || bytes.first == 0x20 || bytes.last == 0x20 else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var strings = JSONStringTracker()
        for b in bytes where strings.consume(b) || !JSONStringTracker.isSpace(b) { out.append(b) }
        return String(decoding: out, as: UTF8.self)
    }

    /// An EVE or ISO 8601 time; without an offset it is read at the assumed offset and counted.
    static func time(_ text: String, field: String, options: TelemetryOptions, notes: inout ParseNotes) throws(LineProblem) -> Timestamp {
        var copy = text
        let parsed: Result<Timestamp, LineProblem> = copy.withUTF8 { bytes in
            do throws(LineProblem) {
                return .success(try time(bytes, field: field, options: options, notes: &notes))
            } catch {
                return .failure(error)
            }
        }
        return try parsed.get()
    }

    /// `time(_:field:options:notes:)` of text given as its UTF-8 bytes.
    static func time(_ bytes: UnsafeBufferPointer<UInt8>, field: String, options: TelemetryOptions, notes: inout ParseNotes) throws(LineProblem) -> Timestamp {
        var hadOffset = true
        do throws(TimestampError) {
            let time = try RFC3339.parse(bytes, assumedOffsetSeconds: options.assumedOffset.seconds, hadOffset: &hadOffset)
            if !hadOffset { notes.warn("timestamp_without_offset") }
            return time
        } catch {
            let text = String(decoding: bytes, as: UTF8.self)
            throw LineProblem("bad_timestamp", field: field, "field \"\(field)\" = \"\(SafeText.sanitize(String(text.prefix(40))))\": \(error.message); expected a time such as 2026-11-20T10:15:30.123456+0000")
        }
    }
}
