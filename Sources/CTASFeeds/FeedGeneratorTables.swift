import CTASCore

/// What a kind of event looks like in the generated feed.
struct EventProfile: Sendable {
    enum IndicatorKind: Sendable { case ipv4, ipv6, domain, url, md5, sha1, sha256, cve, email }

    var type: String
    var weight: Int
    var severity: ClosedRange<Int>
    var indicatorKinds: [IndicatorKind]
    var maxIndicators: Int
    var phrases: [String]
    var techniques: [String]

    static let all: [EventProfile] = [
        EventProfile(type: "port_scan", weight: 22, severity: 2...4, indicatorKinds: [.ipv4, .ipv4, .ipv6], maxIndicators: 2,
                     phrases: ["Horizontal port scan against {entity}", "SYN sweep of {entity} from the internet"], techniques: ["T1046"]),
        EventProfile(type: "c2_beacon", weight: 12, severity: 6...8, indicatorKinds: [.domain, .ipv4, .url], maxIndicators: 3,
                     phrases: ["Periodic beacon from {entity}", "C2 check-in observed on {entity}", "beacon to"], techniques: ["T1071.001", "T1573"]),
        EventProfile(type: "phishing", weight: 12, severity: 4...6, indicatorKinds: [.email, .url, .domain], maxIndicators: 3,
                     phrases: ["Phishing mail delivered to {entity}", "Credential phishing link clicked by {entity}"], techniques: ["T1566.001", "T1566.002"]),
        EventProfile(type: "malware_download", weight: 9, severity: 6...9, indicatorKinds: [.url, .sha256, .md5, .sha1], maxIndicators: 3,
                     phrases: ["{entity} downloaded a known malicious payload", "Dropper fetched by {entity}"], techniques: ["T1105"]),
        EventProfile(type: "brute_force", weight: 10, severity: 4...6, indicatorKinds: [.ipv4], maxIndicators: 2,
                     phrases: ["Repeated failed logins on {entity}", "SSH brute force against {entity}"], techniques: ["T1110.001", "T1110.003"]),
        EventProfile(type: "exfiltration", weight: 3, severity: 8...10, indicatorKinds: [.domain, .ipv4, .url], maxIndicators: 2,
                     phrases: ["Large outbound transfer from {entity}", "Data staged and sent out by {entity}"], techniques: ["T1041", "T1567.002"]),
        EventProfile(type: "dns_tunnel", weight: 4, severity: 6...8, indicatorKinds: [.domain], maxIndicators: 2,
                     phrases: ["High-entropy DNS queries from {entity}", "DNS tunnelling suspected on {entity}"], techniques: ["T1071.004"]),
        EventProfile(type: "ransomware", weight: 1, severity: 9...10, indicatorKinds: [.sha256, .domain, .email], maxIndicators: 3,
                     phrases: ["Mass file encryption on {entity}", "Ransom note written on {entity}"], techniques: ["T1486"]),
        EventProfile(type: "lateral_movement", weight: 4, severity: 7...9, indicatorKinds: [.ipv4, .sha1], maxIndicators: 2,
                     phrases: ["Remote service execution from {entity}", "PsExec-like activity from {entity}"], techniques: ["T1021.002", "T1570"]),
        EventProfile(type: "web_exploit", weight: 7, severity: 6...9, indicatorKinds: [.cve, .ipv4, .url], maxIndicators: 3,
                     phrases: ["Exploit attempt against {entity}", "Known vulnerability probed on {entity}"], techniques: ["T1190"]),
        EventProfile(type: "credential_access", weight: 4, severity: 6...8, indicatorKinds: [.sha256, .md5], maxIndicators: 2,
                     phrases: ["LSASS memory read on {entity}", "Credential dumping tool seen on {entity}"], techniques: ["T1003.001"]),
        EventProfile(type: "suspicious_login", weight: 8, severity: 3...5, indicatorKinds: [.ipv4, .ipv6], maxIndicators: 1,
                     phrases: ["Impossible-travel login for {entity}", "Login from a new country for {entity}"], techniques: ["T1078"]),
        EventProfile(type: "policy_violation", weight: 4, severity: 1...3, indicatorKinds: [.domain], maxIndicators: 1,
                     phrases: ["{entity} reached a blocked category site", "Unapproved software on {entity}"], techniques: ["T1204"]),
    ]

    private static let table: [Int] = all.indices.flatMap { Array(repeating: $0, count: all[$0].weight) }

    static func pick(_ rng: inout SeededRandom) -> EventProfile { all[table[rng.below(table.count)]] }
}

/// Pools of indicator values, each sampled with Zipf popularity: the first values of a pool
/// recur in many events. A public resolver leads the IPv4 pool, as it does in real traffic.
struct IndicatorPools: Sendable {
    var ipv4: [String] = []
    var ipv6: [String] = []
    var domains: [String] = []
    var urls: [String] = []
    var md5: [String] = []
    var sha1: [String] = []
    var sha256: [String] = []
    var cves: [String] = []
    var emails: [String] = []
    let zipf = ZipfSampler(count: 4000, exponent: 1.05)

    init(rng: inout SeededRandom) {
        let syllables = ["ka", "zo", "mi", "tor", "vex", "lin", "qua", "rho", "sel", "dun", "pra", "gix", "nob", "cyr", "fel",
                         "mar", "ost", "bel", "tri", "wen", "yar", "hex", "jum", "plo"]
        let words = ["cdn", "update", "secure", "login", "mail", "static", "api", "sync", "cloud", "dl", "files", "auth"]
        let tlds = ["com", "net", "org", "ru", "cn", "io", "xyz", "top", "info", "biz", "su", "online", "site", "club"]
        while ipv4.count < 4000 {
            let a = 1 + rng.below(223)
            let b = rng.below(256)
            if a == 10 || a == 127 || a == 100 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) || (a == 169 && b == 254) {
                continue
            }
            ipv4.append("\(a).\(b).\(rng.below(256)).\(1 + rng.below(254))")
        }
        ipv4[0] = "8.8.8.8"
        ipv4[3] = "1.1.1.1"
        for _ in 0..<4000 {
            ipv6.append("2a0\(1 + rng.below(9)):\(hex(&rng, 4)):\(hex(&rng, 4))::\(hex(&rng, 3))")
        }
        while domains.count < 4000 {
            var name = ""
            for _ in 0..<(2 + rng.below(2)) { name += rng.pick(syllables) }
            if rng.chance(0.4) { name += "-" + rng.pick(words) }
            let domain = (rng.chance(0.2) ? rng.pick(words) + "." : "") + name + "." + rng.pick(tlds)
            domains.append(domain)
        }
        for i in 0..<4000 {
            let scheme = rng.chance(0.6) ? "https" : "http"
            let path = ["/gate.php", "/a", "/dl/payload.bin", "/wp-content/x.js", "/index.html", "/api/v2/check", "/update.exe"][rng.below(7)]
            urls.append("\(scheme)://\(domains[(i * 7) % domains.count])\(path)")
        }
        for _ in 0..<4000 {
            md5.append(hex(&rng, 32))
            sha1.append(hex(&rng, 40))
            sha256.append(hex(&rng, 64))
        }
        for _ in 0..<4000 {
            cves.append("CVE-\(2014 + rng.below(13))-\(String(1000 + rng.below(60_000)))")
            emails.append("\(rng.pick(["billing", "hr", "it-support", "ceo", "noreply", "alerts"]))\(rng.below(100))@\(rng.pick(domains))")
        }
    }

    func sample(_ kind: EventProfile.IndicatorKind, _ rng: inout SeededRandom) -> String {
        let i = zipf.sample(&rng)
        switch kind {
        case .ipv4: return ipv4[i]
        case .ipv6: return ipv6[i]
        case .domain: return domains[i]
        case .url: return urls[i]
        case .md5: return md5[i]
        case .sha1: return rng.chance(0.5) ? sha1[i].uppercased() : sha1[i]
        case .sha256: return sha256[i]
        case .cve: return cves[i]
        case .email: return emails[i]
        }
    }

    private func hex(_ rng: inout SeededRandom, _ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        var s = ""
        for _ in 0..<digits { s.append(alphabet[rng.below(16)]) }
        return s
    }
}

/// Cities where generated activity concentrates, with relative weights and spread (degrees).
enum HotspotTable {
    struct City: Sendable {
        var name: String
        var lat: Double
        var lon: Double
        var weight: Double
        var spread: Double
    }

    static let cities: [City] = [
        City(name: "Moscow", lat: 55.7558, lon: 37.6173, weight: 10, spread: 0.25),
        City(name: "Beijing", lat: 39.9042, lon: 116.4074, weight: 9, spread: 0.3),
        City(name: "Ashburn", lat: 39.0438, lon: -77.4874, weight: 8, spread: 0.1),
        City(name: "Frankfurt", lat: 50.1109, lon: 8.6821, weight: 7, spread: 0.15),
        City(name: "Amsterdam", lat: 52.3676, lon: 4.9041, weight: 6, spread: 0.12),
        City(name: "Sao Paulo", lat: -23.5505, lon: -46.6333, weight: 5, spread: 0.3),
        City(name: "Lagos", lat: 6.5244, lon: 3.3792, weight: 4, spread: 0.25),
        City(name: "Singapore", lat: 1.3521, lon: 103.8198, weight: 5, spread: 0.08),
        City(name: "Seoul", lat: 37.5665, lon: 126.978, weight: 4, spread: 0.2),
        City(name: "Mumbai", lat: 19.076, lon: 72.8777, weight: 4, spread: 0.25),
        City(name: "Kyiv", lat: 50.4501, lon: 30.5234, weight: 3, spread: 0.2),
        City(name: "Tehran", lat: 35.6892, lon: 51.389, weight: 3, spread: 0.25),
        City(name: "Hong Kong", lat: 22.3193, lon: 114.1694, weight: 4, spread: 0.08),
        City(name: "Los Angeles", lat: 34.0522, lon: -118.2437, weight: 3, spread: 0.3),
        City(name: "Bucharest", lat: 44.4268, lon: 26.1025, weight: 2, spread: 0.15),
        City(name: "Paris", lat: 48.8566, lon: 2.3522, weight: 3, spread: 0.15),
    ]

    static let sampler: WeightedSampler = WeightedSampler(weights: cities.map(\.weight))
}

/// Samples indices in proportion to fixed weights.
struct WeightedSampler: Sendable {
    private let cumulative: [Double]

    init(weights: [Double]) {
        var total = 0.0
        cumulative = weights.map { total += $0; return total }.map { $0 / total }
    }

    func sample(_ rng: inout SeededRandom) -> Int {
        let u = rng.unit()
        return cumulative.firstIndex { $0 > u } ?? (cumulative.count - 1)
    }
}
