/// Why a configuration or theme file could not be read: the file, line, key and what was
/// expected.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The subset of TOML that CTAS's theme and configuration files use: `[table]` headers,
/// `key = value` with basic or literal strings, integers, floats, booleans and single-line
/// arrays of those, and `#` comments. Anything else is an error naming the line.
public struct TOMLDocument: Sendable {
    public enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)
        case array([Value])

        public var string: String? { if case .string(let s) = self { s } else { nil } }
    }

    public struct Entry: Sendable {
        public var table: String
        public var key: String
        public var value: Value
        public var line: Int
    }

    public let origin: String
    public private(set) var entries: [Entry] = []

    /// Parses `text`; `origin` names the file in errors.
    public init(text: String, origin: String) throws(ConfigError) {
        self.origin = origin
        var table = ""
        var seen = Set<String>()
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var chars = Array(raw)
            if chars.last == "\r" { chars.removeLast() }
            var i = 0
            func fail(_ message: String) -> ConfigError { ConfigError("\(origin):\(lineNumber): \(message)") }
            func skipSpace() { while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 } }
            skipSpace()
            if i == chars.count || chars[i] == "#" { continue }
            if chars[i] == "[" {
                guard let close = chars[i...].firstIndex(of: "]") else { throw fail("expected ']' to close the table header") }
                let name = String(chars[(i + 1)..<close]).trimmingCharacters(in: " \t")
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
                    throw fail("'\(name)' is not a table name")
                }
                i = close + 1
                skipSpace()
                guard i == chars.count || chars[i] == "#" else { throw fail("unexpected text after the table header") }
                table = name
                continue
            }
            var key = ""
            if chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" { key.append(chars[i]); i += 1 }
                guard i < chars.count else { throw fail("unclosed quoted key") }
                i += 1
            } else {
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || chars[i] == "-" || chars[i] == "_" {
                    key.append(chars[i])
                    i += 1
                }
            }
            guard !key.isEmpty else { throw fail("expected 'key = value'") }
            skipSpace()
            guard i < chars.count, chars[i] == "=" else { throw fail("expected '=' after key '\(key)'") }
            i += 1
            skipSpace()
            let value = try Self.value(chars, &i, key: key, fail: fail)
            skipSpace()
            guard i == chars.count || chars[i] == "#" else { throw fail("unexpected text after the value of '\(key)'") }
            let full = table.isEmpty ? key : table + "." + key
            guard seen.insert(full).inserted else { throw fail("key '\(key)' is given twice") }
            entries.append(Entry(table: table, key: key, value: value, line: lineNumber))
        }
    }

    /// Arrays nest at most this deep: deeper input is refused, not recursed into until the
    /// stack runs out (a fuzzed `e = [[[[…` did exactly that).
    static let maximumArrayDepth = 16

    private static func value(_ chars: [Character], _ i: inout Int, key: String, depth: Int = 0,
                              fail: (String) -> ConfigError) throws(ConfigError) -> Value {
        guard i < chars.count else { throw fail("expected a value for '\(key)'") }
        switch chars[i] {
        case "\"":
            i += 1
            var s = ""
            while i < chars.count, chars[i] != "\"" {
                if chars[i] == "\\" {
                    i += 1
                    guard i < chars.count else { break }
                    switch chars[i] {
                    case "n": s.append("\n")
                    case "t": s.append("\t")
                    case "\"": s.append("\"")
                    case "\\": s.append("\\")
                    case "u":
                        let hex = String(chars[(i + 1)..<min(chars.count, i + 5)])
                        guard hex.count == 4, let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                            throw fail("bad \\u escape in the value of '\(key)'")
                        }
                        s.unicodeScalars.append(scalar)
                        i += 4
                    default: throw fail("unknown escape '\\\(chars[i])' in the value of '\(key)'")
                    }
                    i += 1
                    continue
                }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw fail("unclosed string in the value of '\(key)'") }
            i += 1
            return .string(s)
        case "'":
            i += 1
            var s = ""
            while i < chars.count, chars[i] != "'" { s.append(chars[i]); i += 1 }
            guard i < chars.count else { throw fail("unclosed string in the value of '\(key)'") }
            i += 1
            return .string(s)
        case "[":
            guard depth < maximumArrayDepth else {
                throw fail("arrays nested deeper than \(maximumArrayDepth) in the value of '\(key)'")
            }
            i += 1
            var items: [Value] = []
            while true {
                while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
                guard i < chars.count else { throw fail("unclosed array in the value of '\(key)' (arrays stay on one line)") }
                if chars[i] == "]" { i += 1; return .array(items) }
                items.append(try value(chars, &i, key: key, depth: depth + 1, fail: fail))
                while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
                guard i < chars.count else { throw fail("unclosed array in the value of '\(key)'") }
                if chars[i] == "," { i += 1; continue }
                guard chars[i] == "]" else { throw fail("expected ',' or ']' in the array of '\(key)'") }
            }
        default:
            var word = ""
            while i < chars.count, chars[i] != " ", chars[i] != "\t", chars[i] != ",", chars[i] != "]", chars[i] != "#" {
                word.append(chars[i])
                i += 1
            }
            if word == "true" { return .bool(true) }
            if word == "false" { return .bool(false) }
            if let n = Int(word.replacingUnderscores) { return .integer(n) }
            if let d = Double(word.replacingUnderscores), d.isFinite { return .float(d) }
            throw fail("'\(word)' is not a value for '\(key)'; expected a quoted string, a number, true/false or [array]")
        }
    }
}

extension String {
    var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
