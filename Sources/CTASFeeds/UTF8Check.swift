/// Byte-level checks every feed line passes before parsing: raw NUL bytes and invalid UTF-8
/// are rejected with the offending offset instead of being silently repaired.
public enum UTF8Check {
    /// What a line's bytes hold, found in one pass (8 bytes at a time over ASCII).
    public enum Finding: Equatable, Sendable {
        case ascii
        case validUTF8
        case nulByte(at: Int)
        case invalidUTF8(at: Int)
    }

    public static func scan(_ b: UnsafeBufferPointer<UInt8>) -> Finding {
        let n = b.count
        var i = 0
        var sawHigh = false
        guard let base = b.baseAddress else { return .ascii }
        // Word-at-a-time: a word has a zero byte when (w - 0x01..) & ~w & 0x80.. is non-zero.
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let high = w & 0x8080_8080_8080_8080
            let zero = (w &- 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080
            if zero != 0 {
                for k in i..<(i + 8) where b[k] == 0 { return .nulByte(at: k) }
            }
            if high != 0 { sawHigh = true; break }
            i += 8
        }
        if !sawHigh {
            while i < n {
                let c = b[i]
                if c == 0 { return .nulByte(at: i) }
                if c >= 0x80 { sawHigh = true; break }
                i += 1
            }
            if !sawHigh { return .ascii }
        }
        // Full validation from the first non-ASCII word onward.
        while i < n {
            let c = b[i]
            if c < 0x80 {
                if c == 0 { return .nulByte(at: i) }
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch c {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return .invalidUTF8(at: i)
            }
            guard i + length <= n else { return .invalidUTF8(at: i) }
            let second = b[i + 1]
            guard second >= lower && second <= upper else { return .invalidUTF8(at: i) }
            for k in 2..<length where b[i + k] & 0xC0 != 0x80 { return .invalidUTF8(at: i) }
            i += length
        }
        return .validUTF8
    }
}
