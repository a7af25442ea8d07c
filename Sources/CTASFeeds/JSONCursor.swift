/// Why a line failed: a counting `code` (e.g. `wrong_type`), the field it concerns, and a
/// message saying what was expected.
public struct LineProblem: Error, Equatable, Sendable {
    public var code: String
    public var field: String?
    public var message: String

    public init(_ code: String, field: String? = nil, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }
}

/// A strict, allocation-light JSON reader over one line's bytes (RFC 8259 grammar).
///
/// It reads exactly what the event parser needs (objects, strings, numbers, arrays of
/// strings) and validates everything else it skips, so a line is either fully valid JSON
/// or rejected. Nesting deeper than `maxDepth` is rejected rather than recursed into.
struct JSONCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int = 0
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    @inline(__always)
    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    func truncated(_ what: String) -> LineProblem {
        LineProblem("truncated_json", "line ends inside \(what); expected the rest of a JSON object")
    }

    func unexpected(_ expected: String) -> LineProblem {
        guard let byte = peek() else { return truncated("the object") }
        return LineProblem("invalid_json", "at byte \(index + 1): expected \(expected), found \(Self.describe(byte))")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: String) throws(LineProblem) {
        skipWhitespace()
        guard index < bytes.count else { throw truncated("the object") }
        guard bytes[index] == byte else { throw unexpected(what) }
        index += 1
    }

    // MARK: strings

    /// A string token: the byte range between the quotes and whether it holds escapes.
    struct StringToken {
        var start: Int
        var end: Int
        var hasEscapes: Bool
        var length: Int { end - start }
    }

    /// Reads a string token starting at the opening quote (whitespace already skipped).
    mutating func readStringToken() throws(LineProblem) -> StringToken {
        guard index < bytes.count else { throw truncated("the object") }
        guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected("a string") }
        index += 1
        let start = index
        var escapes = false
        // Skip 8 bytes at a time while none is a quote, a backslash or a control character,
        // then straight to the first that is: the lowest flagged byte of these tests is
        // always a true one (a borrow can only flag bytes after it).
        if let base = bytes.baseAddress {
            while index + 8 <= bytes.count {
                let w = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let quote = w ^ 0x2222_2222_2222_2222
                let slash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = (((quote &- 0x0101_0101_0101_0101) & ~quote)
                    | ((slash &- 0x0101_0101_0101_0101) & ~slash)
                    | ((w &- 0x2020_2020_2020_2020) & ~w)) & 0x8080_8080_8080_8080
                if special != 0 {
                    index += special.trailingZeroBitCount >> 3
                    break
                }
                index += 8
            }
        }
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                let token = StringToken(start: start, end: index, hasEscapes: escapes)
                index += 1
                return token
            }
            if c == UInt8(ascii: "\\") {
                escapes = true
                try checkEscape(at: index)
                index += bytes[index + 1] == UInt8(ascii: "u") ? 6 : 2
                continue
            }
            if c < 0x20 {
                throw LineProblem("invalid_json", "at byte \(index + 1): control character 0x\(String(c, radix: 16, uppercase: true)) inside a string; expected it escaped")
            }
            index += 1
        }
        throw truncated("a string")
    }

    /// Checks the escape starting with the backslash at `i` (RFC 8259: one of `\" \\ \/ \b
    /// \f \n \r \t` or `\u` and four hex digits), so strings that are skipped (unknown keys)
    /// are held to the same rules as strings that are read.
    private func checkEscape(at i: Int) throws(LineProblem) {
        guard i + 1 < bytes.count else { throw truncated("a string") }
        let e = bytes[i + 1]
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
             UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "u"):
            guard hex4(at: i + 2, end: bytes.count) != nil else {
                throw LineProblem("invalid_json", "at byte \(i + 1): \\u must be followed by four hex digits")
            }
        default:
            throw LineProblem("invalid_json", "at byte \(i + 1): unknown escape \\\(Self.describe(e)); expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    /// Decodes a string token to a Swift string (the line was UTF-8 validated up front).
    func string(_ token: StringToken) throws(LineProblem) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[token.start..<token.end])
        if !token.hasEscapes { return String(decoding: slice, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(token.length)
        var i = token.start
        func bad(_ text: String) -> LineProblem { LineProblem("invalid_json", "at byte \(i + 1): \(text)") }
        while i < token.end {
            let c = bytes[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            guard i + 1 < token.end else { throw bad("a string ends with a lone backslash") }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard let high = hex4(at: i, end: token.end) else { throw bad("\\u must be followed by four hex digits") }
                i += 4
                var scalar = high
                if (0xD800...0xDBFF).contains(high) {
                    guard i + 6 <= token.end, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                          let low = hex4(at: i + 2, end: token.end), (0xDC00...0xDFFF).contains(low) else {
                        throw bad("a high surrogate \\u\(String(high, radix: 16)) is not followed by a low surrogate")
                    }
                    i += 6
                    scalar = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(high) {
                    throw bad("a lone low surrogate \\u\(String(high, radix: 16))")
                }
                appendUTF8(scalar, to: &out)
            default:
                throw bad("unknown escape \\\(Self.describe(e)); expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func hex4(at i: Int, end: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in i..<(i + 4) {
            let c = bytes[k]
            let d: UInt8
            switch c {
            case 48...57: d = c - 48
            case 65...70: d = c - 55
            case 97...102: d = c - 87
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    private func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80: out.append(UInt8(scalar))
        case ..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6)); out.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12)); out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18)); out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F)); out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: numbers

    /// A number token, validated against the JSON grammar.
    struct NumberToken {
        var start: Int
        var end: Int
        var isInteger: Bool
    }

    mutating func readNumberToken() throws(LineProblem) -> NumberToken {
        let start = index
        func digits() -> Int {
            let s = index
            while index < bytes.count, bytes[index] &- 48 < 10 { index += 1 }
            return index - s
        }
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek() else { throw truncated("a number") }
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), next &- 48 < 10 {
                throw LineProblem("invalid_json", "at byte \(index + 1): a number has a leading zero")
            }
        } else if digits() == 0 {
            throw unexpected("a digit")
        }
        var integer = true
        if peek() == UInt8(ascii: ".") {
            index += 1
            integer = false
            guard digits() > 0 else { throw unexpected("a digit after '.'") }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            index += 1
            integer = false
            if let s = peek(), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw unexpected("a digit in the exponent") }
        }
        // A number ends at whitespace or structure: `0x5`, `1_000`, `12abc` are not JSON.
        if let next = peek() {
            switch next {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"),
                 UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"):
                break
            default:
                throw LineProblem("invalid_json", "at byte \(index + 1): \(Self.describe(next)) after the number \(text(start, index)); expected ',' or the end of the value")
            }
        }
        return NumberToken(start: start, end: index, isInteger: integer)
    }

    /// The token's value as the nearest Double (correctly rounded).
    func double(_ token: NumberToken) -> Double {
        // Clinger's fast path: an integer mantissa below 2^53 scaled by an exactly
        // representable power of ten is correctly rounded by one multiply or divide.
        var i = token.start
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var seenNonZero = false
        while i < token.end, bytes[i] &- 48 < 10 {
            let d = UInt64(bytes[i] - 48)
            if d != 0 || seenNonZero { seenNonZero = true; significant += 1 }
            mantissa = mantissa &* 10 &+ d
            i += 1
        }
        if i < token.end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < token.end, bytes[i] &- 48 < 10 {
                let d = UInt64(bytes[i] - 48)
                if d != 0 || seenNonZero { seenNonZero = true; significant += 1 }
                mantissa = mantissa &* 10 &+ d
                exponent -= 1
                i += 1
            }
        }
        if significant <= 15 && i == token.end && exponent >= -22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[token.start..<token.end]), as: UTF8.self)
        return Double(text) ?? .nan
    }

    /// The token's value as an Int when it is an integer that fits.
    func integer(_ token: NumberToken) -> Int? {
        guard token.isInteger, token.end - token.start <= 18 else { return nil }
        var i = token.start
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var v = 0
        while i < token.end { v = v * 10 + Int(bytes[i] - 48); i += 1 }
        return negative ? -v : v
    }

    func text(_ start: Int, _ end: Int, limit: Int = 40) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(end, start + limit)]), as: UTF8.self)
    }

    private static let powersOfTen: [Double] = (0...22).map { p in
        var v = 1.0
        for _ in 0..<p { v *= 10 }
        return v
    }

    // MARK: skipping

    /// Skips any JSON value, validating it.
    mutating func skipValue(depth: Int = 0) throws(LineProblem) {
        skipWhitespace()
        guard let c = peek() else { throw truncated("a value") }
        switch c {
        case UInt8(ascii: "\""): _ = try readStringToken()
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else {
                throw LineProblem("too_deep", "nesting deeper than \(Self.maxDepth) levels")
            }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "}") { index += 1; return }
            var keys = KeySet()
            while true {
                skipWhitespace()
                let key = try readStringToken()
                try keys.insert(key, in: self)
                try expect(UInt8(ascii: ":"), "':' after a key")
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let n = peek() else { throw truncated("an object") }
                index += 1
                if n == UInt8(ascii: "}") { return }
                guard n == UInt8(ascii: ",") else { index -= 1; throw unexpected("',' or '}'") }
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else {
                throw LineProblem("too_deep", "nesting deeper than \(Self.maxDepth) levels")
            }
            index += 1
            skipWhitespace()
            if peek() == UInt8(ascii: "]") { index += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard let n = peek() else { throw truncated("an array") }
                index += 1
                if n == UInt8(ascii: "]") { return }
                guard n == UInt8(ascii: ",") else { index -= 1; throw unexpected("',' or ']'") }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), 48...57: _ = try readNumberToken()
        default: throw unexpected("a JSON value")
        }
    }

    mutating func literal(_ word: StaticString) throws(LineProblem) {
        let n = word.utf8CodeUnitCount
        let p = word.utf8Start
        for k in 0..<n {
            guard index + k < bytes.count else { throw truncated("the literal \(word)") }
            guard bytes[index + k] == p[k] else {
                index += k
                throw unexpected("the literal \(word)")
            }
        }
        index += n
    }

    /// Whether the value at the cursor is `null` (consuming it when so).
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        guard index + 4 <= bytes.count, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    /// A short name for the JSON type of the value at the cursor, for "found …" messages.
    func typeNameAtCursor() -> String {
        guard let c = peek() else { return "the end of the line" }
        return switch c {
        case UInt8(ascii: "\""): "a string"
        case UInt8(ascii: "{"): "an object"
        case UInt8(ascii: "["): "an array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "a boolean"
        case UInt8(ascii: "n"): "null"
        case UInt8(ascii: "-"), 48...57: "a number"
        default: "invalid JSON"
        }
    }
}

/// The keys of one JSON object seen so far, to refuse a key given twice (RFC 8259 leaves
/// duplicates to the reader; CTAS refuses them everywhere, known keys or not). Compares
/// decoded keys, so `"a"` and `"\u0061"` are the same key. Keys are byte ranges of the line
/// (no copies); past 32 keys a hash of their bytes narrows the comparisons.
struct KeySet {
    /// Past this many keys an object's keys are checked through a hashed set (seeded per
    /// process), not by walking the earlier ones: a hostile object of 100,000 keys is read in
    /// linear time.
    static let walkLimit = 32

    private var keys: [(start: Int32, end: Int32, escaped: Bool, hash: UInt32)] = []
    private var many: Set<[UInt8]>?

    mutating func insert(_ token: JSONCursor.StringToken, in cursor: JSONCursor) throws(LineProblem) {
        let b = cursor.bytes
        if many == nil && keys.count >= Self.walkLimit {
            var all = Set<[UInt8]>()
            for k in keys {
                let other = JSONCursor.StringToken(start: Int(k.start), end: Int(k.end), hasEscapes: k.escaped)
                all.insert(k.escaped ? Array(try cursor.string(other).utf8) : Array(b[Int(k.start)..<Int(k.end)]))
            }
            many = all
            keys = []
        }
        if many != nil {
            let text = token.hasEscapes ? Array(try cursor.string(token).utf8) : Array(b[token.start..<token.end])
            if let result = many?.insert(text), !result.inserted { throw duplicate(text) }
            return
        }
        if token.hasEscapes || keys.contains(where: \.escaped) {
            // Rare: compare decoded keys.
            let key = try cursor.string(token)
            for k in keys {
                let other = k.escaped
                    ? try cursor.string(JSONCursor.StringToken(start: Int(k.start), end: Int(k.end), hasEscapes: true))
                    : String(decoding: UnsafeBufferPointer(rebasing: b[Int(k.start)..<Int(k.end)]), as: UTF8.self)
                if other == key { throw duplicate(Array(key.utf8)) }
            }
            keys.append((Int32(token.start), Int32(token.end), token.hasEscapes, 0))
            return
        }
        var hash: UInt32 = 2_166_136_261
        for i in token.start..<token.end { hash = (hash ^ UInt32(b[i])) &* 16_777_619 }
        let length = token.end - token.start
        for k in keys where k.hash == hash && Int(k.end - k.start) == length {
            var same = true
            var i = 0
            while i < length {
                if b[token.start + i] != b[Int(k.start) + i] { same = false; break }
                i += 1
            }
            if same { throw duplicate(Array(UnsafeBufferPointer(rebasing: b[token.start..<token.end]))) }
        }
        keys.append((Int32(token.start), Int32(token.end), false, hash))
    }

    private func duplicate(_ key: [UInt8]) -> LineProblem {
        let name = String(decoding: key.prefix(64), as: UTF8.self)
        return LineProblem("duplicate_key", field: name, "key \"\(SafeTextKey.shown(name))\" appears twice; expected each key once")
    }
}

/// Keys quoted in messages (a hostile key cannot carry escapes into a message).
enum SafeTextKey {
    static func shown(_ key: String) -> String {
        String(key.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
