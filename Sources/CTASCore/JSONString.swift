/// JSON string literals: the escaping shared by every writer of JSON in CTAS (feeds,
/// summaries, dead letters, list columns), so that all of them agree byte for byte.
public enum JSONString {
    /// Appends `s` as a JSON string literal: quotes, backslashes and control characters
    /// escaped, everything else as UTF-8.
    public static func append(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { bytes in
            // Copy runs of bytes that need no escape in bulk.
            var runStart = 0
            for i in 0..<bytes.count {
                let byte = bytes[i]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F else { continue }
                if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
                case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
                case 0x0A: out.append(contentsOf: #"\n"#.utf8)
                case 0x0D: out.append(contentsOf: #"\r"#.utf8)
                case 0x09: out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    out.append(hexDigit(byte >> 4))
                    out.append(hexDigit(byte & 0xF))
                }
            }
            if bytes.count > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `s` as a JSON string literal.
    public static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        append(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends a JSON array of strings.
    public static func appendArray(_ values: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, value) in values.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A JSON array of strings as text.
    public static func array(_ values: [String]) -> String {
        var out: [UInt8] = []
        appendArray(values, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Reads back what `array(_:)` wrote (and any JSON array of strings using the standard
    /// escapes); nil when the text is not such an array.
    public static func decodeArray(_ text: String) -> [String]? {
        var values: [String] = []
        var bytes = Array(text.utf8)[...]
        func skipSpace() { while let c = bytes.first, c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D { bytes.removeFirst() } }
        skipSpace()
        guard bytes.popFirst() == UInt8(ascii: "[") else { return nil }
        skipSpace()
        if bytes.first == UInt8(ascii: "]") { return values }
        while true {
            skipSpace()
            guard bytes.popFirst() == UInt8(ascii: "\"") else { return nil }
            var out: [UInt8] = []
            while true {
                guard let c = bytes.popFirst() else { return nil }
                if c == UInt8(ascii: "\"") { break }
                guard c == UInt8(ascii: "\\") else { out.append(c); continue }
                guard let e = bytes.popFirst() else { return nil }
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard bytes.count >= 4, let v = UInt32(String(decoding: bytes.prefix(4), as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(v) else { return nil }
                    bytes.removeFirst(4)
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(e)
                }
            }
            values.append(String(decoding: out, as: UTF8.self))
            skipSpace()
            guard let next = bytes.popFirst() else { return nil }
            if next == UInt8(ascii: "]") { return values }
            guard next == UInt8(ascii: ",") else { return nil }
        }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }
}
