/// A STIX 2.1 pattern read into its comparisons: `[ipv4-addr:value = '198.51.100.1']`,
/// `[file:hashes.'SHA-256' = '…' OR file:hashes.MD5 = '…']`, `[domain-name:value IN ('a.com',
/// 'b.com')] AND [url:value LIKE 'http%']`, with `NOT`, parentheses, every operator (`=`, `!=`,
/// `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`, `EXISTS`) and the
/// observation qualifiers (`WITHIN n SECONDS`, `REPEATS n TIMES`, `START t'…' STOP t'…'`), which
/// are parsed and listed but not evaluated. Errors say where the pattern went wrong.
public struct STIXPattern: Sendable, Equatable {
    public struct Comparison: Sendable, Equatable {
        /// `ipv4-addr`, `file`…
        public var objectType: String
        /// Property path, quoted keys unquoted: `hashes.SHA-256`, `value`.
        public var path: [String]
        public var op: String
        public var negated: Bool
        /// String values (numbers, booleans and t'' timestamps as written); IN gives several.
        public var values: [String]
    }

    public var comparisons: [Comparison] = []
    /// `WITHIN 600 SECONDS`, `REPEATS 5 TIMES`, `START … STOP …`, `FOLLOWEDBY`.
    public var qualifiers: [String] = []

    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var expected: String
        public var description: String { "at character \(offset + 1): expected \(expected)" }
    }

    private enum Token: Equatable {
        case open, close, lbracket, rbracket, comma, colon
        case word(String)        // identifiers, keywords, numbers
        case string(String)      // 'quoted'
        case typed(Character, String)   // t'…', b'…', h'…'
        case op(String)
    }

    public init(_ text: String) throws(SyntaxError) {
        let tokens = try Self.tokenize(Array(text))
        var parser = Parser(tokens: tokens)
        try parser.pattern(into: &self)
        guard parser.index == tokens.count else { throw parser.error("the end of the pattern") }
    }

    private static func tokenize(_ c: [Character]) throws(SyntaxError) -> [(Token, Int)] {
        var out: [(Token, Int)] = []
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" { i += 1; continue }
            let start = i
            switch ch {
            case "(": out.append((.open, i)); i += 1
            case ")": out.append((.close, i)); i += 1
            case "[": out.append((.lbracket, i)); i += 1
            case "]": out.append((.rbracket, i)); i += 1
            case ",": out.append((.comma, i)); i += 1
            case "*": out.append((.word("*"), i)); i += 1
            case ":": out.append((.colon, i)); i += 1
            case "=": out.append((.op("="), i)); i += 1
            case "!", "<", ">":
                if i + 1 < c.count && c[i + 1] == "=" {
                    out.append((.op(String(ch) + "="), i)); i += 2
                } else if ch == "!" {
                    throw SyntaxError(offset: i, expected: "!= (a lone ! is no operator)")
                } else {
                    out.append((.op(String(ch)), i)); i += 1
                }
            case "'":
                let (s, next) = try quoted(c, from: i)
                out.append((.string(s), start)); i = next
            default:
                if (ch == "t" || ch == "b" || ch == "h"), i + 1 < c.count, c[i + 1] == "'" {
                    let (s, next) = try quoted(c, from: i + 1)
                    out.append((.typed(ch, s), start)); i = next
                    continue
                }
                guard ch.isLetter || ch.isNumber || ch == "_" || ch == "-" || ch == "." || ch == "+" else {
                    throw SyntaxError(offset: i, expected: "a name, a value, an operator or a bracket, found '\(ch)'")
                }
                var word = ""
                while i < c.count, c[i].isLetter || c[i].isNumber || c[i] == "_" || c[i] == "-" || c[i] == "." || c[i] == "+" {
                    word.append(c[i]); i += 1
                }
                out.append((.word(word), start))
            }
        }
        return out
    }

    private static func quoted(_ c: [Character], from quote: Int) throws(SyntaxError) -> (String, Int) {
        var s = ""
        var i = quote + 1
        while i < c.count {
            if c[i] == "\\" {
                guard i + 1 < c.count, c[i + 1] == "'" || c[i + 1] == "\\" else {
                    throw SyntaxError(offset: i, expected: "\\' or \\\\ (the only escapes in a pattern string)")
                }
                s.append(c[i + 1]); i += 2
                continue
            }
            if c[i] == "'" { return (s, i + 1) }
            s.append(c[i]); i += 1
        }
        throw SyntaxError(offset: quote, expected: "a closing quote")
    }

    private struct Parser {
        let tokens: [(Token, Int)]
        var index = 0
        /// Parentheses open now: a hostile pattern must not recurse the stack away.
        var depth = 0
        static let maximumDepth = 64

        mutating func enter() throws(SyntaxError) {
            depth += 1
            guard depth <= Self.maximumDepth else { throw error("nesting at most \(Self.maximumDepth) parentheses deep") }
        }

        func error(_ expected: String) -> SyntaxError {
            SyntaxError(offset: index < tokens.count ? tokens[index].1 : (tokens.last?.1 ?? 0), expected: expected)
        }
        var current: Token? { index < tokens.count ? tokens[index].0 : nil }
        func isWord(_ w: String) -> Bool { if case .word(let x)? = current { x.uppercased() == w } else { false } }

        // pattern := observation ((AND|OR|FOLLOWEDBY) observation)*
        mutating func pattern(into p: inout STIXPattern) throws(SyntaxError) {
            try observation(into: &p)
            while isWord("AND") || isWord("OR") || isWord("FOLLOWEDBY") {
                if isWord("FOLLOWEDBY") { p.qualifiers.append("FOLLOWEDBY") }
                index += 1
                try observation(into: &p)
            }
        }

        // observation := '(' pattern ')' qualifier* | '[' comparisons ']' qualifier*
        mutating func observation(into p: inout STIXPattern) throws(SyntaxError) {
            switch current {
            case .open?:
                index += 1
                try enter()
                try pattern(into: &p)
                guard current == .close else { throw error("')'") }
                index += 1
                depth -= 1
            case .lbracket?:
                index += 1
                try comparisons(into: &p)
                guard current == .rbracket else { throw error("']' or AND/OR") }
                index += 1
            default:
                throw error("'[' starting an observation")
            }
            try qualifiers(into: &p)
        }

        mutating func qualifiers(into p: inout STIXPattern) throws(SyntaxError) {
            while true {
                if isWord("WITHIN") {
                    index += 1
                    guard case .word(let n)? = current, Double(n) != nil else { throw error("a number of seconds after WITHIN") }
                    index += 1
                    guard isWord("SECONDS") else { throw error("SECONDS") }
                    index += 1
                    p.qualifiers.append("WITHIN \(n) SECONDS")
                } else if isWord("REPEATS") {
                    index += 1
                    guard case .word(let n)? = current, Int(n) != nil else { throw error("a count after REPEATS") }
                    index += 1
                    guard isWord("TIMES") else { throw error("TIMES") }
                    index += 1
                    p.qualifiers.append("REPEATS \(n) TIMES")
                } else if isWord("START") {
                    index += 1
                    guard case .typed("t", let a)? = current else { throw error("t'timestamp' after START") }
                    index += 1
                    guard isWord("STOP") else { throw error("STOP") }
                    index += 1
                    guard case .typed("t", let b)? = current else { throw error("t'timestamp' after STOP") }
                    index += 1
                    p.qualifiers.append("START t'\(a)' STOP t'\(b)'")
                } else {
                    return
                }
            }
        }

        // comparisons := term ((AND|OR) term)* ; term := '(' comparisons ')' | comparison
        mutating func comparisons(into p: inout STIXPattern) throws(SyntaxError) {
            try term(into: &p)
            while isWord("AND") || isWord("OR") {
                index += 1
                try term(into: &p)
            }
        }

        mutating func term(into p: inout STIXPattern) throws(SyntaxError) {
            if current == .open {
                index += 1
                try enter()
                try comparisons(into: &p)
                guard current == .close else { throw error("')'") }
                index += 1
                depth -= 1
                return
            }
            if isWord("EXISTS") {
                index += 1
                let (type, path) = try objectPath()
                p.comparisons.append(Comparison(objectType: type, path: path, op: "EXISTS", negated: false, values: []))
                return
            }
            let (type, path) = try objectPath()
            var negated = false
            if isWord("NOT") { negated = true; index += 1 }
            let op: String
            switch current {
            case .op(let o)?: op = o
            case .word(let w)? where ["IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"].contains(w.uppercased()): op = w.uppercased()
            default: throw error("an operator (=, !=, <, >, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)")
            }
            index += 1
            var values: [String] = []
            if op == "IN" {
                guard current == .open else { throw error("'(' and a list after IN") }
                index += 1
                values.append(try value())
                while current == .comma { index += 1; values.append(try value()) }
                guard current == .close else { throw error("')' closing the list") }
                index += 1
            } else {
                values.append(try value())
            }
            p.comparisons.append(Comparison(objectType: type, path: path, op: op, negated: negated, values: values))
        }

        mutating func objectPath() throws(SyntaxError) -> (String, [String]) {
            guard case .word(let type)? = current else { throw error("an object type such as ipv4-addr") }
            index += 1
            guard current == .colon else { throw error("':' after the object type") }
            index += 1
            var path: [String] = []
            // The first step and every '.'-joined step: a name or a 'quoted' key; [n] or [*] indexes.
            while true {
                switch current {
                case .word(var w)?:
                    index += 1
                    if w.hasPrefix("."), !path.isEmpty { w.removeFirst() }
                    var parts = w.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                    let trailingDot = parts.last == ""
                    if trailingDot { parts.removeLast() }
                    guard !parts.contains("") else { throw error("a property name between dots") }
                    path += parts
                    if trailingDot, case .string(let key)? = current { path.append(key); index += 1 }
                case .string(let key)?:
                    index += 1
                    path.append(key)
                default:
                    throw error("a property name")
                }
                if current == .lbracket {
                    index += 1
                    guard case .word(let n)? = current, n == "*" || Int(n) != nil else { throw error("an index or * in []") }
                    index += 1
                    guard current == .rbracket else { throw error("']' closing the index") }
                    index += 1
                }
                // A quoted key after a dot ends a word with '.': handled above; continue on '.'.
                if case .word(let w)? = current, w.hasPrefix(".") {
                    continue
                }
                return (type, path)
            }
        }

        mutating func value() throws(SyntaxError) -> String {
            switch current {
            case .string(let s)?: index += 1; return s
            case .typed(let t, let s)?: index += 1; return "\(t)'\(s)'"
            case .word(let w)?:
                let lower = w.lowercased()
                guard Double(w) != nil || lower == "true" || lower == "false" else { throw error("a value ('text', a number, true/false)") }
                index += 1
                return w
            default: throw error("a value")
            }
        }
    }
}
