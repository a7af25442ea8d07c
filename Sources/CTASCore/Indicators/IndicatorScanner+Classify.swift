/// Token classification: which indicators a token holds, in canonical form.
///
/// Order of questions: is it a URL (`scheme://`)? an e-mail address? a path (`host/…`, CIDR)?
/// `host:port` or IPv6? a bare host (IPv4 or domain)? Hashes and CVE ids are found as
/// letter-digit runs bounded by punctuation anywhere in a non-URL token.
extension IndicatorScanner {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    mutating func classify(_ b: Bytes, _ range: Range<Int>) {
        if let separator = find(b, range, UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "/")) {
            classifyURL(b, range, separator: separator)
            return
        }
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi && !isAlnum(b[lo]) && !(b[lo] == UInt8(ascii: ":") && lo + 1 < hi && b[lo + 1] == UInt8(ascii: ":")) { lo += 1 }
        while hi > lo && !isAlnum(b[hi - 1]) && !(b[hi - 1] == UInt8(ascii: ":") && hi - 2 >= lo && b[hi - 2] == UInt8(ascii: ":")) { hi -= 1 }
        guard lo < hi else { return }
        if tokenMayHoldHash && hi - lo >= 13 { findHashesAndCVEs(b, lo..<hi) }
        classifyPlain(b, lo..<hi)
    }

    // MARK: URLs

    private mutating func classifyURL(_ b: Bytes, _ range: Range<Int>, separator: Int) {
        // The scheme: letters (then letters, digits, + - .) just before `://`.
        var schemeStart = separator
        while schemeStart > range.lowerBound && isSchemeByte(b[schemeStart - 1]) { schemeStart -= 1 }
        while schemeStart < separator && !isAlpha(b[schemeStart]) { schemeStart += 1 }
        let schemeLength = separator - schemeStart
        if schemeStart > range.lowerBound {
            // `C2:hxxp://…`, `label/http://…`: what precedes may itself hold indicators.
            classify(b, range.lowerBound..<schemeStart)
        }
        guard schemeLength >= 2, schemeLength <= 16 else { return }
        let scheme = Self.refangedScheme(lowercased(b, schemeStart..<separator))
        var defanged = tokenDefanged || scheme.wasDefanged

        // Trim trailing punctuation that closes the sentence rather than the URL.
        var hi = range.upperBound
        while hi > separator + 3 {
            let c = b[hi - 1]
            if c == UInt8(ascii: ".") || c == UInt8(ascii: ",") || c == UInt8(ascii: ";") || c == UInt8(ascii: ":") || c == UInt8(ascii: "!") || c == UInt8(ascii: "?") || c == UInt8(ascii: "'") || c == UInt8(ascii: "*") || c == UInt8(ascii: "+") {
                hi -= 1
            } else if c == UInt8(ascii: ")") && count(b, separator..<hi, UInt8(ascii: "(")) < count(b, separator..<hi, UInt8(ascii: ")")) {
                hi -= 1
            } else {
                break
            }
        }
        let rest = (separator + 3)..<hi
        guard !rest.isEmpty else { return }
        // Authority: up to the first / ? #; userinfo before the last @; then host[:port].
        var authorityEnd = rest.lowerBound
        while authorityEnd < hi, b[authorityEnd] != UInt8(ascii: "/"), b[authorityEnd] != UInt8(ascii: "?"), b[authorityEnd] != UInt8(ascii: "#") { authorityEnd += 1 }
        var hostStart = rest.lowerBound
        for k in rest.lowerBound..<authorityEnd where b[k] == UInt8(ascii: "@") { hostStart = k + 1 }
        guard hostStart < authorityEnd else { return }
        var hostEnd = authorityEnd
        var host: (kind: IndicatorKind, value: String)?
        if b[hostStart] == UInt8(ascii: "[") {
            guard let close = find(b, hostStart..<authorityEnd, UInt8(ascii: "]")),
                  let groups = IPAddress.parseIPv6(b, (hostStart + 1)..<close) else { return }
            host = (.ipv6, IPAddress.formatIPv6(groups))
            hostEnd = close + 1
            guard hostEnd == authorityEnd || (b[hostEnd] == UInt8(ascii: ":") && isPort(b, (hostEnd + 1)..<authorityEnd)) else { return }
        } else {
            if let colon = find(b, hostStart..<authorityEnd, UInt8(ascii: ":")) {
                guard isPort(b, (colon + 1)..<authorityEnd) else { return }
                hostEnd = colon
            }
            let hostRange = hostStart..<hostEnd
            if let v4 = IPAddress.parseIPv4(b, hostRange) {
                host = (.ipv4, IPAddress.formatIPv4(v4))
            } else if DomainName.isValid(b, hostRange) {
                host = (.domain, lowercased(b, hostRange))
            }
        }
        guard let host else { return }
        if hi - schemeStart <= Self.maximumValueBytes {
            var value = scheme.text + "://"
            value += text(b, rest.lowerBound..<hostStart)
            value += host.kind == .ipv6 ? "[\(host.value)]" : host.value
            value += text(b, hostEnd..<hi)
            defanged = defanged || tokenDefanged
            emit(.url, value, b, schemeStart..<hi, defanged: defanged)
        }
        let hostRange = b[hostStart] == UInt8(ascii: "[") ? (hostStart + 1)..<(hostEnd - 1) : hostStart..<hostEnd
        emit(host.kind, host.value, b, hostRange, defanged: defanged)
    }

    /// `hxxp`, `hXXp`, `h__p`, `fxp`… read back as `http`, `ftp`.
    private static func refangedScheme(_ scheme: String) -> (text: String, wasDefanged: Bool) {
        switch scheme {
        case "hxxp", "hxtp", "htxp", "h__p": return ("http", true)
        case "hxxps", "hxtps", "htxps", "h__ps": return ("https", true)
        case "fxp": return ("ftp", true)
        case "fxps": return ("ftps", true)
        default: return (scheme, false)
        }
    }

    // MARK: Everything but URLs

    private mutating func classifyPlain(_ b: Bytes, _ range: Range<Int>) {
        guard range.count >= 2 else { return }
        if let at = findLast(b, range, UInt8(ascii: "@")) {
            if classifyEmail(b, range, at: at) { return }
            classifyPlain(b, trimmed(b, (at + 1)..<range.upperBound))
            return
        }
        if let slash = find(b, range, UInt8(ascii: "/")) {
            classifyPath(b, range, slash: slash)
            return
        }
        let colons = count(b, range, UInt8(ascii: ":"))
        if colons >= 2 {
            if let groups = IPAddress.parseIPv6(b, range) {
                if isPlausibleIPv6(b, range, groups) { emit(.ipv6, IPAddress.formatIPv6(groups), b, range, defanged: tokenDefanged) }
                return
            }
            splitOnColons(b, range)
            return
        }
        if colons == 1, let colon = find(b, range, UInt8(ascii: ":")) {
            if isPort(b, (colon + 1)..<range.upperBound) {
                classifyHost(b, range.lowerBound..<colon, context: .hostPort)
            } else {
                classifyPlain(b, trimmed(b, range.lowerBound..<colon))
                classifyPlain(b, trimmed(b, (colon + 1)..<range.upperBound))
            }
            return
        }
        classifyHost(b, range, context: .bare)
    }

    private mutating func splitOnColons(_ b: Bytes, _ range: Range<Int>) {
        var start = range.lowerBound
        for k in range where b[k] == UInt8(ascii: ":") {
            classifyPlain(b, trimmed(b, start..<k))
            start = k + 1
        }
        classifyPlain(b, trimmed(b, start..<range.upperBound))
    }

    /// `local@domain`: true when it was an e-mail address.
    private mutating func classifyEmail(_ b: Bytes, _ range: Range<Int>, at: Int) -> Bool {
        var localStart = at
        while localStart > range.lowerBound && isLocalPartByte(b[localStart - 1]) { localStart -= 1 }
        while localStart < at && !isAlnum(b[localStart]) { localStart += 1 }
        var domainEnd = at + 1
        while domainEnd < range.upperBound && isHostByte(b[domainEnd]) { domainEnd += 1 }
        while domainEnd > at + 1 && !isAlnum(b[domainEnd - 1]) { domainEnd -= 1 }
        guard localStart < at, at - localStart <= 64, DomainName.isValid(b, (at + 1)..<domainEnd) else { return false }
        emit(.email, lowercased(b, localStart..<domainEnd), b, localStart..<domainEnd, defanged: tokenDefanged)
        return true
    }

    /// `host/path` (a URL written without its scheme) or `a.b.c.d/nn` (an IPv4 network).
    private mutating func classifyPath(_ b: Bytes, _ range: Range<Int>, slash: Int) {
        let first = range.lowerBound..<slash
        let rest = trimmed(b, (slash + 1)..<range.upperBound)
        if let v4 = IPAddress.parseIPv4(b, first) {
            if rest.isEmpty {
                emitIPv4(v4, b, first)
            } else if rest.count <= 2, rest.lowerBound == slash + 1, let bits = Int(text(b, rest)), bits <= 32, rest.upperBound == range.upperBound {
                emit(.ipv4, IPAddress.formatIPv4(v4) + "/\(bits)", b, range, defanged: tokenDefanged)
            } else {
                emitURLWithoutScheme(b, range, host: (.ipv4, IPAddress.formatIPv4(v4)), hostRange: first)
            }
            return
        }
        var hostEnd = slash
        if let colon = find(b, first, UInt8(ascii: ":")) {
            guard isPort(b, (colon + 1)..<slash) else { return }
            hostEnd = colon
        }
        let hostRange = range.lowerBound..<hostEnd
        guard DomainName.isValid(b, hostRange) else { return }
        if mode == .text && !tokenDefanged && (DomainName.looksLikeNonHost(b, hostRange) || precededByPathSeparator(b, hostRange)) { return }
        if rest.isEmpty {
            emit(.domain, lowercased(b, hostRange), b, hostRange, defanged: tokenDefanged)
        } else {
            emitURLWithoutScheme(b, range, host: (.domain, lowercased(b, hostRange)), hostRange: hostRange)
        }
    }

    /// A URL written without its scheme is the `http://` URL (as browsers and MISP read it):
    /// `evil.example/gate.php` in a report and `http://evil.example/gate.php` in a feed are one
    /// indicator, and correlate and match intelligence as one.
    private mutating func emitURLWithoutScheme(_ b: Bytes, _ range: Range<Int>, host: (IndicatorKind, String), hostRange: Range<Int>) {
        if range.count + Self.impliedScheme.utf8.count <= Self.maximumValueBytes {
            emit(.url, Self.impliedScheme + host.1 + text(b, hostRange.upperBound..<range.upperBound), b, range, defanged: tokenDefanged)
        }
        emit(host.0, host.1, b, hostRange, defanged: tokenDefanged)
    }

    /// The scheme a URL written without one is given.
    static let impliedScheme = "http://"

    enum HostContext { case bare, hostPort }

    /// An IPv4 address or a domain name on its own (the port, if any, already split off).
    private mutating func classifyHost(_ b: Bytes, _ range: Range<Int>, context: HostContext) {
        guard range.count >= 4 else { return }
        var numeric = true
        for k in range where !(isDigit(b[k]) || b[k] == UInt8(ascii: ".")) {
            numeric = false
            break
        }
        if numeric {
            if let v4 = IPAddress.parseIPv4(b, range) { emitIPv4(v4, b, range) }
            return  // dotted numbers that are not addresses: versions, OIDs, section numbers
        }
        guard DomainName.isValid(b, range) else { return }
        if mode == .text && !tokenDefanged && (DomainName.looksLikeNonHost(b, range) || precededByPathSeparator(b, range)) { return }
        emit(.domain, lowercased(b, range), b, range, defanged: tokenDefanged)
    }

    private mutating func emitIPv4(_ value: UInt32, _ b: Bytes, _ range: Range<Int>) {
        if mode == .text && !tokenDefanged {
            // 0.0.0.0 and 255.255.255.255 are placeholders; x.y.0.0, and four single digits
            // with a zero among them (4.0.9.3), are versions more often than hosts.
            if value == 0 || value == .max || value & 0xFFFF == 0 { return }
            let octets = [value >> 24, value >> 16 & 0xFF, value >> 8 & 0xFF, value & 0xFF]
            if octets.allSatisfy({ $0 < 10 }) && octets.contains(0) { return }
            if precededByVersionWord(rawStart(range.lowerBound)) { return }
        }
        emit(.ipv4, IPAddress.formatIPv4(value), b, range, defanged: tokenDefanged)
    }

    /// IPv6 text also matches times and MAC-like byte strings when written without `::`;
    /// require `::` or a group of three or four digits.
    private func isPlausibleIPv6(_ b: Bytes, _ range: Range<Int>, _ groups: [UInt16]) -> Bool {
        if mode == .listed || tokenDefanged { return true }
        if find(b, range, UInt8(ascii: ":"), UInt8(ascii: ":")) != nil { return range.count > 2 && groups.contains { $0 != 0 } }
        var run = 0
        for k in range {
            if b[k] == UInt8(ascii: ":") || b[k] == UInt8(ascii: ".") { run = 0 } else {
                run += 1
                if run >= 3 { return true }
            }
        }
        return false
    }

    // MARK: Hashes and CVE ids

    private mutating func findHashesAndCVEs(_ b: Bytes, _ range: Range<Int>) {
        var k = range.lowerBound
        let end = range.upperBound
        while k < end {
            guard isAlnum(b[k]) else {
                k += 1
                continue
            }
            var e = k
            var allHex = true
            while e < end && isAlnum(b[e]) {
                if !isHex(b[e]) { allHex = false }
                e += 1
            }
            let length = e - k
            if allHex && (length == 32 || length == 40 || length == 64) {
                let kind: IndicatorKind = length == 32 ? .md5 : length == 40 ? .sha1 : .sha256
                emit(kind, lowercased(b, k..<e), b, k..<e, defanged: false)
            } else if length == 3 && (b[k] | Self.lowercaseBit) == UInt8(ascii: "c") && (b[k + 1] | Self.lowercaseBit) == UInt8(ascii: "v") && (b[k + 2] | Self.lowercaseBit) == UInt8(ascii: "e") {
                if let cveEnd = cveEnd(b, from: e, limit: end) {
                    emit(.cve, "CVE-" + text(b, (e + 1)..<cveEnd), b, k..<cveEnd, defanged: false)
                    e = cveEnd
                }
            }
            k = e
        }
    }

    /// `-YYYY-NNNN…` after `CVE`: a year and a 4–7 digit sequence number.
    private func cveEnd(_ b: Bytes, from start: Int, limit: Int) -> Int? {
        guard start + 10 <= limit, b[start] == UInt8(ascii: "-") else { return nil }
        for k in (start + 1)..<(start + 5) where !isDigit(b[k]) { return nil }
        guard b[start + 5] == UInt8(ascii: "-") else { return nil }
        var e = start + 6
        while e < limit && isDigit(b[e]) { e += 1 }
        let digits = e - start - 6
        guard digits >= 4, digits <= 7, e == limit || !isAlnum(b[e]) else { return nil }
        return e
    }

    // MARK: Context in the input

    /// Is the raw text just before the token a word that makes dotted numbers a version or
    /// a section (`version 1.2.3.4`, `build 10.0.0.1`, `§ 4.1.2.3`, `OID 1.3.6.1`)?
    private func precededByVersionWord(_ start: Int) -> Bool {
        var k = start
        while k > 0 && (input[k - 1] == UInt8(ascii: " ") || input[k - 1] == UInt8(ascii: "\t")) { k -= 1 }
        let wordEnd = k
        while k > 0 && isAlpha(input[k - 1]) { k -= 1 }
        if wordEnd - k == 0 {
            return wordEnd >= 2 && input[wordEnd - 2] == sectionSign.0 && input[wordEnd - 1] == sectionSign.1
        }
        guard wordEnd - k <= 12 else { return false }
        var word = ""
        for i in k..<wordEnd { word.unicodeScalars.append(Unicode.Scalar(input[i] | Self.lowercaseBit)) }
        return Self.versionWords.contains(word)
    }

    private static let versionWords: Set<String> = [
        "v", "ver", "version", "versions", "release", "build", "firmware", "fw", "oid", "section", "chapter",
        "rev", "revision", "patch", "kb", "sp", "vers",
    ]

    /// A name right after `\`, `%` or `$` is a path component or a variable, not a host
    /// (`C:\Windows\command.com`, `%TEMP%\a.cmd`).
    private func precededByPathSeparator(_ b: Bytes, _ range: Range<Int>) -> Bool {
        let start = rawStart(range.lowerBound)
        guard start > 0 else { return false }
        let c = input[start - 1]
        return c == UInt8(ascii: "\\") || c == UInt8(ascii: "%") || c == UInt8(ascii: "$")
    }

    // MARK: Output

    private mutating func emit(_ kind: IndicatorKind, _ value: String, _ b: Bytes, _ range: Range<Int>, defanged: Bool) {
        let start = rawStart(range.lowerBound)
        var end = rawEnd(range.upperBound)
        if end < start { end = start }
        found.append(Found(kind: kind, value: value, rawStart: start, rawEnd: end, line: line, defanged: defanged))
    }

    // MARK: Byte helpers

    /// Letters and digits as bitmaps over the byte values 0–63 and 64–127 (no table load).
    @inline(__always) func isAlnum(_ c: UInt8) -> Bool {
        let word: UInt64 = c < 64 ? 0x03FF_0000_0000_0000 : c < 128 ? 0x07FF_FFFE_07FF_FFFE : 0
        return (word >> UInt64(c & 63)) & 1 != 0
    }
    @inline(__always) func isHex(_ c: UInt8) -> Bool {
        let word: UInt64 = c < 64 ? 0x03FF_0000_0000_0000 : c < 128 ? 0x0000_007E_0000_007E : 0
        return (word >> UInt64(c & 63)) & 1 != 0
    }
    @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
    @inline(__always) func isAlpha(_ c: UInt8) -> Bool { (c | Self.lowercaseBit) >= UInt8(ascii: "a") && (c | Self.lowercaseBit) <= UInt8(ascii: "z") }
    @inline(__always) func isSchemeByte(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") }
    @inline(__always) func isHostByte(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") }
    @inline(__always) func isLocalPartByte(_ c: UInt8) -> Bool { isAlnum(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "+") }

    private func isPort(_ b: Bytes, _ range: Range<Int>) -> Bool {
        guard range.count >= 1, range.count <= 5 else { return false }
        var value = 0
        for k in range {
            guard isDigit(b[k]) else { return false }
            value = value * 10 + Int(b[k] - UInt8(ascii: "0"))
        }
        return value <= 65_535
    }

    private func trimmed(_ b: Bytes, _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi && !isAlnum(b[lo]) { lo += 1 }
        while hi > lo && !isAlnum(b[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    private func find(_ b: Bytes, _ range: Range<Int>, _ c: UInt8) -> Int? {
        for k in range where b[k] == c { return k }
        return nil
    }

    private func findLast(_ b: Bytes, _ range: Range<Int>, _ c: UInt8) -> Int? {
        var k = range.upperBound
        while k > range.lowerBound {
            k -= 1
            if b[k] == c { return k }
        }
        return nil
    }

    private func find(_ b: Bytes, _ range: Range<Int>, _ c0: UInt8, _ c1: UInt8) -> Int? {
        guard range.count >= 2 else { return nil }
        for k in range.lowerBound..<(range.upperBound - 1) where b[k] == c0 && b[k + 1] == c1 { return k }
        return nil
    }

    private func find(_ b: Bytes, _ range: Range<Int>, _ c0: UInt8, _ c1: UInt8, _ c2: UInt8) -> Int? {
        guard range.count >= 3 else { return nil }
        for k in range.lowerBound..<(range.upperBound - 2) where b[k] == c0 && b[k + 1] == c1 && b[k + 2] == c2 { return k }
        return nil
    }

    private func count(_ b: Bytes, _ range: Range<Int>, _ c: UInt8) -> Int {
        var n = 0
        for k in range where b[k] == c { n += 1 }
        return n
    }

    func text(_ b: Bytes, _ range: Range<Int>) -> String {
        guard !range.isEmpty, let base = b.baseAddress else { return "" }
        return String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    func lowercased(_ b: Bytes, _ range: Range<Int>) -> String {
        guard !range.isEmpty else { return "" }
        return String(unsafeUninitializedCapacity: range.count) { out in
            for (i, k) in range.enumerated() {
                let c = b[k]
                out[i] = c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z") ? c | Self.lowercaseBit : c
            }
            return range.count
        }
    }
}

/// The UTF-8 bytes of "§" (a section sign before a number: "§ 1.2.3" is no IP address).
private let sectionSign: (UInt8, UInt8) = (0xC2, 0xA7)
