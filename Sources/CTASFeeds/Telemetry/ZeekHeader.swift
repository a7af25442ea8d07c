import CTASCore

/// A Zeek log column type from `#types`: the scalar types, and `set[…]`/`vector[…]` of them.
public indirect enum ZeekType: Sendable, Equatable, CustomStringConvertible {
    case time, interval, addr, subnet, port, count, int, double, bool, string, `enum`, pattern
    case set(ZeekType)
    case vector(ZeekType)
    /// A type this reader does not know: read as a string, counted as a warning.
    case unknown(String)

    public init(_ text: String) {
        switch text {
        case "time": self = .time
        case "interval": self = .interval
        case "addr": self = .addr
        case "subnet": self = .subnet
        case "port": self = .port
        case "count": self = .count
        case "int": self = .int
        case "double": self = .double
        case "bool": self = .bool
        case "string": self = .string
        case "enum": self = .enum
        case "pattern": self = .pattern
        default:
            if text.hasPrefix("set["), text.hasSuffix("]") {
                self = .set(ZeekType(String(text.dropFirst(4).dropLast())))
            } else if text.hasPrefix("vector["), text.hasSuffix("]") {
                self = .vector(ZeekType(String(text.dropFirst(7).dropLast())))
            } else {
                self = .unknown(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .time: "time"
        case .interval: "interval"
        case .addr: "addr"
        case .subnet: "subnet"
        case .port: "port"
        case .count: "count"
        case .int: "int"
        case .double: "double"
        case .bool: "bool"
        case .string: "string"
        case .enum: "enum"
        case .pattern: "pattern"
        case .set(let t): "set[\(t)]"
        case .vector(let t): "vector[\(t)]"
        case .unknown(let t): t
        }
    }

    /// The element type of a container, or the type itself.
    public var element: ZeekType {
        switch self {
        case .set(let t), .vector(let t): t
        default: self
        }
    }

    public var isContainer: Bool {
        switch self {
        case .set, .vector: true
        default: false
        }
    }

    /// Numbers in Zeek's JSON output (times as epoch seconds by default).
    var isNumeric: Bool {
        switch self {
        case .time, .interval, .port, .count, .int, .double: true
        default: false
        }
    }

    var isKnown: Bool {
        if case .unknown = self { return false }
        if case .unknown = element { return false }
        return true
    }
}

/// The header block of a Zeek TSV log (`#separator \x09`, `#set_separator ,`,
/// `#empty_field (empty)`, `#unset_field -`, `#path conn`, `#open …`, `#fields …`,
/// `#types …`); a file may hold several blocks (logs concatenated), each starting anew.
public struct ZeekHeader: Sendable, Equatable {
    public var separator: UInt8 = 0x09
    public var setSeparator: [UInt8] = [UInt8(ascii: ",")]
    public var emptyField: [UInt8] = Array("(empty)".utf8)
    public var unsetField: [UInt8] = Array("-".utf8)
    public var path: String?
    public var fields: [String] = []
    public var types: [ZeekType] = []

    public init() {}

    /// Whether rows can be read: fields and types given, one type per field.
    public var isComplete: Bool { !fields.isEmpty && fields.count == types.count }

    /// Applies one `#…` line. Throws for a header line that cannot be used (the rows after it
    /// would be misread) and leaves no block behind: fields and types are cleared, so rows
    /// are refused until a complete block. Unknown directives (`#open`, `#close`, comments)
    /// are ignored.
    public mutating func apply(_ line: UnsafeBufferPointer<UInt8>) throws(LineProblem) {
        do throws(LineProblem) {
            try applyDirective(line)
        } catch {
            fields = []
            types = []
            throw error
        }
    }

    private mutating func applyDirective(_ line: UnsafeBufferPointer<UInt8>) throws(LineProblem) {
        guard line.first == UInt8(ascii: "#") else { return }
        // `#separator` names the separator in `\xHH` form and is itself separated by a space.
        if Self.starts(line, with: "#separator") {
            let rest = String(decoding: UnsafeBufferPointer(rebasing: line[10...]), as: UTF8.self).trimmingCharacters(in: " \t")
            let decoded = Self.unescape(Array(rest.utf8))
            guard decoded.count == 1 else {
                throw LineProblem("bad_header", field: "#separator", "#separator '\(SafeText.sanitize(rest))': expected one byte such as \\x09")
            }
            separator = decoded[0]
            fields = []
            types = []
            return
        }
        var parts: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in line {
            if byte == separator {
                parts.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        parts.append(current)
        guard let directive = parts.first.map({ String(decoding: $0, as: UTF8.self) }) else { return }
        let values = Array(parts.dropFirst())
        switch directive {
        case "#set_separator":
            guard let value = values.first, !value.isEmpty else { throw LineProblem("bad_header", field: "#set_separator", "#set_separator has no value") }
            setSeparator = Self.unescape(value)
        case "#empty_field":
            emptyField = values.first.map(Self.unescape) ?? []
        case "#unset_field":
            unsetField = values.first.map(Self.unescape) ?? []
        case "#path":
            path = values.first.map { String(decoding: Self.unescape($0), as: UTF8.self) }
        case "#fields":
            guard !values.isEmpty else { throw LineProblem("bad_header", field: "#fields", "#fields names no column") }
            let names = values.map { String(decoding: Self.unescape($0), as: UTF8.self) }
            var seen = Set<String>()
            for name in names where !seen.insert(name).inserted {
                throw LineProblem("bad_header", field: "#fields", "#fields names '\(SafeText.sanitize(name))' twice; expected each column once")
            }
            fields = names
        case "#types":
            types = values.map { ZeekType(String(decoding: $0, as: UTF8.self)) }
        default:
            break
        }
    }

    static func starts(_ line: UnsafeBufferPointer<UInt8>, with prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard line.count >= n else { return false }
        let p = prefix.utf8Start
        for i in 0..<n where line[i] != p[i] { return false }
        return true
    }

    /// Zeek's escapes: `\xHH` for a byte, `\\` for a backslash (other backslashes stay).
    static func unescape(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\\")) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 3 < bytes.count, bytes[i + 1] == UInt8(ascii: "x"),
               let h = IPAddress.hexValue(bytes[i + 2]), let l = IPAddress.hexValue(bytes[i + 3]) {
                out.append(h << 4 | l)
                i += 4
            } else if b == UInt8(ascii: "\\"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\") {
                out.append(b)
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }
}
