/// Known-benign indicator values that never link events: public resolvers, loopback,
/// private and documentation ranges, example domains, large CDNs. Without it, a handful of
/// popular values would connect everything to everything.
///
/// The file format is one entry per line under `[section]` headers (the section names the
/// reason shown to the analyst); `#` starts a comment:
/// ```
/// [public resolvers]
/// 8.8.8.8                 an exact value (any indicator type, canonical form)
/// [documentation]
/// 192.0.2.0/24            a network (IPv4 or IPv6 CIDR)
/// *.example.com           a domain and every name under it
/// *tracking*              any value matching a pattern with * wildcards
/// ```
/// A URL matches through its host, an e-mail address through its domain.
public struct Warninglist: Sendable {
    /// What matched: the section's name and the entry.
    public struct Match: Sendable, Equatable {
        public var section: String
        public var entry: String
    }

    private var exact: [String: Match] = [:]
    /// `*.example.com` stored as `example.com`: the name itself and everything below it.
    private var domains: [String: Match] = [:]
    private var networks4: [(network: UInt32, mask: UInt32, match: Match)] = []
    private var networks6: [(network: [UInt16], bits: Int, match: Match)] = []
    private var patterns: [(parts: [Substring], anchoredStart: Bool, anchoredEnd: Bool, match: Match)] = []
    /// Entries loaded, for display.
    public private(set) var count = 0
    /// Where the entries came from ("built-in", file paths).
    public private(set) var origins: [String] = []

    /// An empty list.
    public init() {}

    /// Parses `text`; errors name `origin`, the line and what was expected.
    public init(text: String, origin: String) throws(WarninglistError) {
        try add(text: text, origin: origin)
    }

    /// The built-in list (the same text as SampleData/warninglist.txt).
    public static func builtIn() -> Warninglist {
        // The built-in text is tested to parse; failing here would be a programming error.
        (try? Warninglist(text: builtInText, origin: "built-in warninglist")) ?? Warninglist()
    }

    /// Adds the entries of another file to this list.
    public mutating func add(text: String, origin: String) throws(WarninglistError) {
        origins.append(origin)
        var section = "warninglist"
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = raw
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            line = line.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            while let last = line.last, last == " " || last == "\t" || last == "\r" { line = line.dropLast() }
            if line.isEmpty { continue }
            if line.first == "[" {
                guard line.last == "]", line.count > 2 else {
                    throw WarninglistError("\(origin):\(lineNumber): expected a section header like [public resolvers]")
                }
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard !line.contains(" ") && !line.contains("\t") else {
                throw WarninglistError("\(origin):\(lineNumber): expected one value per line, found '\(line)'; put notes after #")
            }
            try addEntry(String(line), match: Match(section: section, entry: String(line)), origin: origin, line: lineNumber)
            count += 1
        }
    }

    private mutating func addEntry(_ entry: String, match: Match, origin: String, line: Int) throws(WarninglistError) {
        let lower = entry.lowercased()
        if let slash = lower.firstIndex(of: "/") {
            let address = String(lower[..<slash])
            guard let bits = Int(lower[lower.index(after: slash)...]) else {
                throw WarninglistError("\(origin):\(line): expected a network such as 10.0.0.0/8, found '\(entry)'")
            }
            if let v4 = IPAddress.parseIPv4(address), (0...32).contains(bits) {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                networks4.append((v4 & mask, mask, match))
                return
            }
            if let v6 = IPAddress.parseIPv6(address), (0...128).contains(bits) {
                networks6.append((v6, bits, match))
                return
            }
            throw WarninglistError("\(origin):\(line): expected a network such as 10.0.0.0/8 or fc00::/7, found '\(entry)'")
        }
        if lower.hasPrefix("*.") && !lower.dropFirst(2).contains("*") {
            let name = String(lower.dropFirst(2))
            guard !name.isEmpty else { throw WarninglistError("\(origin):\(line): '*.' needs a domain after it") }
            domains[name] = match
            return
        }
        if lower.contains("*") {
            let parts = lower.split(separator: "*", omittingEmptySubsequences: true)
            guard !parts.isEmpty else { throw WarninglistError("\(origin):\(line): a pattern of only '*' would match everything") }
            patterns.append((parts, !lower.hasPrefix("*"), !lower.hasSuffix("*"), match))
            return
        }
        // Exact values are kept lower-case (IPv6 canonical), and looked up the same way.
        exact[IPAddress.canonicalIPv6(lower) ?? lower] = match
    }

    /// Why `indicator` is warninglisted, or nil when it is not.
    public func match(_ indicator: Indicator) -> Match? {
        if let m = exact[indicator.value] ?? exact[indicator.value.lowercased()] { return m }
        switch indicator.kind {
        case .ipv4:
            let address = indicator.value.split(separator: "/").first.map(String.init) ?? indicator.value
            if let v4 = IPAddress.parseIPv4(address) {
                for n in networks4 where v4 & n.mask == n.network { return n.match }
            }
        case .ipv6:
            if let v6 = IPAddress.parseIPv6(indicator.value) {
                for n in networks6 where Self.prefixMatches(v6, n.network, bits: n.bits) { return n.match }
            }
        case .domain:
            if let m = matchDomain(indicator.value) { return m }
        case .url:
            if let host = Self.host(ofURL: indicator.value) {
                if let m = exact[host] { return m }
                if let v4 = IPAddress.parseIPv4(host) {
                    for n in networks4 where v4 & n.mask == n.network { return n.match }
                } else if host.contains(":"), let v6 = IPAddress.parseIPv6(host) {
                    // `http://[2001:db8::3]:8080/x`: the bracketed host against the IPv6 networks.
                    for n in networks6 where Self.prefixMatches(v6, n.network, bits: n.bits) { return n.match }
                } else if let m = matchDomain(host) {
                    return m
                }
            }
        case .email:
            if let at = indicator.value.lastIndex(of: "@") {
                let domain = String(indicator.value[indicator.value.index(after: at)...])
                if let m = exact[domain] ?? matchDomain(domain) { return m }
            }
        default:
            break
        }
        for p in patterns where Self.glob(indicator.value, p.parts, anchoredStart: p.anchoredStart, anchoredEnd: p.anchoredEnd) {
            return p.match
        }
        return nil
    }

    private func matchDomain(_ name: String) -> Match? {
        if domains.isEmpty { return nil }
        var rest = Substring(name)
        while true {
            if let m = domains[String(rest)] { return m }
            guard let dot = rest.firstIndex(of: ".") else { return nil }
            rest = rest[rest.index(after: dot)...]
        }
    }

    static func host(ofURL url: String) -> String? {
        guard let scheme = url.range(of: "://") else {
            return url.split(separator: "/").first.map(String.init)
        }
        var authority = url[scheme.upperBound...]
        if let end = authority.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { authority = authority[..<end] }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.first == "[", let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        if let colon = authority.lastIndex(of: ":") { authority = authority[..<colon] }
        return authority.isEmpty ? nil : String(authority)
    }

    private static func prefixMatches(_ a: [UInt16], _ b: [UInt16], bits: Int) -> Bool {
        var remaining = bits
        for i in 0..<8 where remaining > 0 {
            let take = min(16, remaining)
            let mask: UInt16 = take == 16 ? 0xFFFF : ~UInt16(0) << (16 - take)
            if a[i] & mask != b[i] & mask { return false }
            remaining -= take
        }
        return true
    }

    private static func glob(_ value: String, _ parts: [Substring], anchoredStart: Bool, anchoredEnd: Bool) -> Bool {
        var rest = Substring(value)
        for (i, part) in parts.enumerated() {
            if i == 0 && anchoredStart {
                guard rest.hasPrefix(part) else { return false }
                rest = rest.dropFirst(part.count)
            } else if i == parts.count - 1 && anchoredEnd {
                return rest.hasSuffix(part)
            } else {
                guard let r = rest.range(of: String(part)) else { return false }
                rest = rest[r.upperBound...]
            }
        }
        return true
    }
}

/// A warninglist file that could not be read, naming the file, line and what was expected.
public struct WarninglistError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
