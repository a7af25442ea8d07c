/// Strict parsing of IP address text into canonical form, over bytes (no Foundation).
///
/// Strict on purpose: an indicator extractor meets dotted numbers of every kind (versions,
/// OIDs, section numbers), so only the unambiguous forms are addresses: IPv4 as four decimal
/// parts 0–255 without leading zeros, IPv6 as RFC 4291 text; output is RFC 5952.
public enum IPAddress {
    /// The canonical text of an IPv4 address written in `bytes`, or nil.
    public static func canonicalIPv4(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let value = parseIPv4(bytes, bytes.indices) else { return nil }
        return formatIPv4(value)
    }

    /// The canonical text of an IPv6 address written in `bytes`, or nil.
    public static func canonicalIPv6(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard let groups = parseIPv6(bytes, bytes.indices) else { return nil }
        return formatIPv6(groups)
    }

    /// Canonical IPv4 text of a `String` (convenience for tests and the CLI).
    public static func canonicalIPv4(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { canonicalIPv4($0) }
    }

    /// Canonical IPv6 text of a `String`.
    public static func canonicalIPv6(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { canonicalIPv6($0) }
    }

    /// The 32-bit value of an IPv4 address written in `bytes`, or nil.
    public static func ipv4(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32? { parseIPv4(bytes, bytes.indices) }

    /// The eight groups of an IPv6 address written in `bytes`, or nil.
    public static func ipv6(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt16]? { parseIPv6(bytes, bytes.indices) }

    /// RFC 5952 text of eight IPv6 groups.
    public static func ipv6Text(_ groups: [UInt16]) -> String { formatIPv6(groups) }

    /// The 32-bit value of an IPv4 address in `text`, or nil.
    public static func parseIPv4(_ text: String) -> UInt32? {
        var text = text
        return text.withUTF8 { parseIPv4($0, $0.indices) }
    }

    /// The eight groups of an IPv6 address in `text`, or nil.
    public static func parseIPv6(_ text: String) -> [UInt16]? {
        var text = text
        return text.withUTF8 { parseIPv6($0, $0.indices) }
    }

    /// Four decimal parts 0–255, no leading zeros, nothing else.
    static func parseIPv4(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> UInt32? {
        guard range.count >= 7, range.count <= 15 else { return nil }
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        var leadingZero = false
        for i in range {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if digits == 0 { leadingZero = c == 0x30 } else if leadingZero { return nil }
                part = part * 10 + UInt32(c - 0x30)
                digits += 1
                if digits > 3 || part > 255 { return nil }
            } else if c == 0x2E {
                guard digits > 0 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// Dotted-quad text, written digit by digit into a small string (string interpolation
    /// was a tenth of the route stage's time on address-heavy telemetry).
    static func formatIPv4(_ value: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { out in
            var n = 0
            for shift in [24, 16, 8, 0] as [UInt32] {
                let octet = UInt8(truncatingIfNeeded: value >> shift)
                if octet >= 100 { out[n] = 48 + octet / 100; n += 1 }
                if octet >= 10 { out[n] = 48 + octet / 10 % 10; n += 1 }
                out[n] = 48 + octet % 10
                n += 1
                if shift > 0 { out[n] = UInt8(ascii: "."); n += 1 }
            }
            return n
        }
    }

    /// RFC 4291 text: eight groups of 1–4 hex digits, at most one `::`, optionally ending in
    /// an IPv4 address. Zone ids (`%eth0`) are not part of an indicator and are rejected.
    static func parseIPv6(_ b: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [UInt16]? {
        guard range.count >= 2, range.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var compressed = false
        var i = range.lowerBound
        let end = range.upperBound
        if b[i] == 0x3A {
            guard i + 1 < end, b[i + 1] == 0x3A else { return nil }
            compressed = true
            i += 2
            if i == end { return [UInt16](repeating: 0, count: 8) }
        }
        while i < end {
            // One group, or a trailing dotted IPv4 part.
            var j = i
            var value: UInt32 = 0
            while j < end, let digit = hexValue(b[j]) {
                value = value << 4 | UInt32(digit)
                j += 1
                if j - i > 4 { break }
            }
            if j < end, b[j] == 0x2E {
                guard let v4 = parseIPv4(b, i..<end) else { return nil }
                let pair = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if compressed { tail += pair } else { head += pair }
                i = end
                break
            }
            let length = j - i
            guard length >= 1, length <= 4 else { return nil }
            if compressed { tail.append(UInt16(value)) } else { head.append(UInt16(value)) }
            i = j
            if i == end { break }
            guard b[i] == 0x3A else { return nil }
            i += 1
            if i < end, b[i] == 0x3A {
                guard !compressed else { return nil }
                compressed = true
                i += 1
                if i == end { break }
            } else if i == end {
                return nil  // a trailing single colon
            }
        }
        let count = head.count + tail.count
        if compressed {
            guard count <= 7 else { return nil }
            return head + [UInt16](repeating: 0, count: 8 - count) + tail
        }
        return count == 8 ? head : nil
    }

    /// RFC 5952: lower-case, no leading zeros, the longest run (≥2) of zero groups as `::`,
    /// IPv4-mapped addresses with a dotted tail.
    static func formatIPv6(_ g: [UInt16]) -> String {
        if g[0..<5].allSatisfy({ $0 == 0 }) && g[5] == 0xFFFF {
            let v4 = UInt32(g[6]) << 16 | UInt32(g[7])
            return "::ffff:" + formatIPv4(v4)
        }
        var bestStart = -1
        var bestLength = 1
        var i = 0
        while i < 8 {
            if g[i] == 0 {
                var j = i
                while j < 8 && g[j] == 0 { j += 1 }
                if j - i > bestLength {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ v: UInt16) -> String { String(v, radix: 16) }
        if bestStart < 0 { return g.map(hex).joined(separator: ":") }
        let left = g[0..<bestStart].map(hex).joined(separator: ":")
        let right = g[(bestStart + bestLength)...].map(hex).joined(separator: ":")
        return left + "::" + right
    }

    @inline(__always)
    /// The value of a hexadecimal digit (either case), or nil.
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
