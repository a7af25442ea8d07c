/// Finds Swift source that Swift's parsers cannot read in reasonable time or stack, before
/// swift-syntax is given it. Measured with swift-syntax 603 (and the compiler's own parser
/// alike): array brackets nested N deep (`[[[…1…]]]`) take time growing ~1.8× per level
/// (16 levels 0.2 s, 20 levels 1.8 s, 24 levels 20 s), from the lookahead that tells inline
/// array types from literals; and its lookahead recursion has no depth limit of its own, so
/// tens of thousands of brackets exhaust any stack. Real code nests a few levels, so the
/// limits here only meet generated or hostile input, and such a file is reported, not read.
///
/// Comments and string literals (plain, multi-line, raw with `#`) are skipped, so brackets
/// written in them do not count.
struct NestingCheck {
    /// `[` nested deeper than this is refused (exponential time).
    static let maximumArrayNesting = 16
    /// `(`, `[`, `{` and generic `<` nested deeper than this are refused (stack depth).
    static let maximumNesting = 10_000

    struct Problem: Equatable {
        var line: Int
        var what: String
        var limit: Int
        var why: String
    }

    let problem: Problem?

    init(_ source: String) {
        problem = Self.check(Array(source.utf8))
    }

    static func check(_ bytes: [UInt8]) -> Problem? {
        let n = bytes.count
        var i = 0, line = 1
        var brackets: [UInt8] = []   // open brackets, innermost last
        var squares = 0, angles = 0
        func at(_ k: Int) -> UInt8 { k < n ? bytes[k] : 0 }
        while i < n {
            let c = bytes[i]
            switch c {
            case 0x0A:
                line += 1
            case UInt8(ascii: "/") where at(i + 1) == UInt8(ascii: "/"):
                while i < n, bytes[i] != 0x0A { i += 1 }
                continue
            case UInt8(ascii: "/") where at(i + 1) == UInt8(ascii: "*"):
                var depth = 0
                while i < n {
                    if bytes[i] == 0x0A { line += 1 }
                    if bytes[i] == UInt8(ascii: "/"), at(i + 1) == UInt8(ascii: "*") { depth += 1; i += 2; continue }
                    if bytes[i] == UInt8(ascii: "*"), at(i + 1) == UInt8(ascii: "/") { depth -= 1; i += 2; if depth == 0 { break }; continue }
                    i += 1
                }
                continue
            case UInt8(ascii: "#"), UInt8(ascii: "\""):
                var hashes = 0
                while at(i + hashes) == UInt8(ascii: "#") { hashes += 1 }
                guard at(i + hashes) == UInt8(ascii: "\"") else { break }
                i = skipString(bytes, from: i + hashes, hashes: hashes, line: &line)
                continue
            case UInt8(ascii: "("), UInt8(ascii: "{"), UInt8(ascii: "["):
                brackets.append(c)
                if c == UInt8(ascii: "[") {
                    squares += 1
                    if squares > maximumArrayNesting {
                        return Problem(line: line, what: "array brackets", limit: maximumArrayNesting,
                                       why: "the parser's time grows exponentially with this nesting")
                    }
                }
                if c == UInt8(ascii: "{") { angles = 0 }
            case UInt8(ascii: ")"), UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let open = brackets.popLast(), open == UInt8(ascii: "[") { squares -= 1 }
                if c == UInt8(ascii: "}") { angles = 0 }
            case UInt8(ascii: "<"):
                // `Array<Array<…` (a name before, a name or bracket after), not `a < b`.
                if i > 0, isNameByte(bytes[i - 1]), isNameByte(at(i + 1)) || at(i + 1) == UInt8(ascii: "[") || at(i + 1) == UInt8(ascii: "(") {
                    angles += 1
                }
            case UInt8(ascii: ">"):
                angles = max(0, angles - 1)
            case UInt8(ascii: ";"):
                angles = 0
            default:
                break
            }
            if brackets.count + angles > maximumNesting {
                return Problem(line: line, what: "brackets", limit: maximumNesting, why: "the parser's recursion would exhaust its stack")
            }
            i += 1
        }
        return nil
    }

    /// Skips a string literal whose opening quote is at `q` (after `hashes` `#`): `"…"`,
    /// `"""…"""`, raw `#"…"#`; returns the index after it. Escapes are honoured in plain
    /// strings; an unterminated single-line string ends at the line's end.
    static func skipString(_ b: [UInt8], from q: Int, hashes: Int, line: inout Int) -> Int {
        let n = b.count
        func at(_ k: Int) -> UInt8 { k < n ? b[k] : 0 }
        func closes(_ k: Int, quotes: Int) -> Bool {
            for j in 0..<quotes where at(k + j) != UInt8(ascii: "\"") { return false }
            for j in 0..<hashes where at(k + quotes + j) != UInt8(ascii: "#") { return false }
            return true
        }
        let multiline = at(q + 1) == UInt8(ascii: "\"") && at(q + 2) == UInt8(ascii: "\"")
        let quotes = multiline ? 3 : 1
        var i = q + quotes
        while i < n {
            let c = b[i]
            if c == 0x0A {
                if !multiline { return i }
                line += 1
            } else if c == UInt8(ascii: "\\"), hashes == 0 {
                if at(i + 1) == 0x0A { line += 1 }
                i += 2
                continue
            } else if c == UInt8(ascii: "\""), closes(i, quotes: quotes) {
                return i + quotes + hashes
            }
            i += 1
        }
        return n
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_") || b >= 0x80
    }
}
