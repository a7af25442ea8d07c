import Foundation

/// What `ctas schema` finds in source code: data structures with their fields, variants,
/// attributes and where they are, and what went wrong on the way.

/// The language a type was written in.
public enum SourceLanguage: String, Codable, Sendable {
    case rust, swift
}

/// What kind of declaration a type is.
public enum TypeKind: String, Codable, Sendable {
    case `struct`, tupleStruct = "tuple-struct", unitStruct = "unit-struct", `enum`, `class`, actor, union
}

/// A stored field (or a tuple element, named `0`, `1`…).
public struct FieldInfo: Codable, Sendable, Equatable {
    public var name: String
    /// The type as written, whitespace normalised.
    public var type: String
    /// `Option<T>` / `T?`: may be absent.
    public var optional: Bool
    /// `array`, `set` or `map` when the type is a collection (`Vec`, `[T]`, `HashMap`…).
    public var collection: String?
    /// Names of other discovered types this field's type mentions (filled after the crawl).
    public var references: [String] = []
    /// Attributes on the field (`#[serde(rename = "x")]`, `@Published`…).
    public var attributes: [String] = []

    public init(name: String, type: String, attributes: [String] = []) {
        self.name = name
        self.type = type
        self.attributes = attributes
        let shape = TypeShape(type)
        optional = shape.optional
        collection = shape.collection
    }
}

/// An enum's case.
public struct VariantInfo: Codable, Sendable, Equatable {
    public enum Shape: String, Codable, Sendable { case unit, tuple, `struct` }
    public var name: String
    public var shape: Shape
    public var fields: [FieldInfo]
    public var attributes: [String] = []

    public init(name: String, shape: Shape, fields: [FieldInfo] = [], attributes: [String] = []) {
        self.name = name
        self.shape = shape
        self.fields = fields
        self.attributes = attributes
    }
}

/// A discovered data structure.
public struct TypeInfo: Codable, Sendable, Equatable {
    public var name: String
    /// Enclosing modules and types, outermost first (`net::http`, `Outer.Inner`).
    public var path: [String]
    public var language: SourceLanguage
    public var kind: TypeKind
    public var file: String
    public var line: Int
    public var generics: [String] = []
    public var whereClause: String?
    /// Attributes as written (`#[serde(rename_all = "camelCase")]`, `@MainActor`…).
    public var attributes: [String] = []
    /// `#[derive(…)]` names, flattened.
    public var derives: [String] = []
    /// Swift inheritance and conformances (from the declaration and its extensions).
    public var conformances: [String] = []
    public var fields: [FieldInfo] = []
    public var variants: [VariantInfo] = []
    /// Swift `#if` clauses the declaration sits in, outermost first (`os(Linux)`; an
    /// `#else` reads `!(os(Linux))`). Empty when it is unconditional. The compiler reads
    /// only the clauses active on its platform; CTAS reads them all.
    public var conditions: [String] = []

    public init(name: String, path: [String], language: SourceLanguage, kind: TypeKind, file: String, line: Int) {
        self.name = name
        self.path = path
        self.language = language
        self.kind = kind
        self.file = file
        self.line = line
    }

    /// Declared only on some platforms or configurations: under a Swift `#if` or a Rust
    /// `#[cfg(…)]` attribute.
    public var isConditional: Bool {
        !conditions.isEmpty || attributes.contains { $0.hasPrefix("#[cfg(") || $0.hasPrefix("#[cfg (") }
    }

    /// `path::name` (Rust) or `Path.Name` (Swift).
    public var qualifiedName: String {
        (path + [name]).joined(separator: language == .rust ? "::" : ".")
    }
}

/// Something the crawl could not read or parse, where, and what happened.
public struct SchemaDiagnostic: Codable, Sendable, Equatable {
    public enum Severity: String, Codable, Sendable { case note, warning, error }
    public var file: String
    public var line: Int?
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int? = nil, severity: Severity, message: String) {
        self.file = file
        self.line = line
        self.severity = severity
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(severity.rawValue): \(message)"
    }
}

/// How a type expression reads: optional, a collection, and the names in it.
struct TypeShape {
    var optional = false
    var collection: String?

    init(_ type: String) {
        let t = type.utf8.contains(UInt8(ascii: " ")) ? String(type.unicodeScalars.filter { $0 != " " }) : type
        if t.hasPrefix("Option<") || t.hasSuffix("?") || t.hasSuffix("!") || t.hasPrefix("Optional<") { optional = true }
        let unwrapped = optional ? Self.unwrapOptional(t) : t
        let inner = Self.borrowedSlice(unwrapped) ?? unwrapped
        for (prefix, kind) in Self.collections where inner.hasPrefix(prefix) {
            collection = kind
            break
        }
        if collection == nil, inner.hasPrefix("["), inner.hasSuffix("]") {
            collection = Self.topLevelColon(inner) ? "map" : "array"
        }
    }

    static let collections: [(String, String)] = [
        ("Vec<", "array"), ("VecDeque<", "array"), ("SmallVec<", "array"), ("Box<[", "array"), ("&[", "array"), ("Array<", "array"),
        ("ContiguousArray<", "array"), ("LinkedList<", "array"), ("HashSet<", "set"), ("BTreeSet<", "set"), ("IndexSet<", "set"),
        ("Set<", "set"), ("HashMap<", "map"), ("BTreeMap<", "map"), ("IndexMap<", "map"), ("Dictionary<", "map"),
    ]

    /// The slice a borrow refers to: `[T]` for `&[T]`, `&mut[T]`, `&'a mut[T]` (spaces
    /// removed); nil for anything else.
    static func borrowedSlice(_ t: String) -> String? {
        guard t.hasPrefix("&"), let open = t.firstIndex(of: "["), t.hasSuffix("]"),
              t[..<open].allSatisfy({ $0 == "&" || $0 == "'" || $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return String(t[open...])
    }

    static func unwrapOptional(_ t: String) -> String {
        if t.hasPrefix("Option<"), t.hasSuffix(">") { return String(t.dropFirst(7).dropLast()) }
        if t.hasPrefix("Optional<"), t.hasSuffix(">") { return String(t.dropFirst(9).dropLast()) }
        if t.hasSuffix("?") || t.hasSuffix("!") { return String(t.dropLast()) }
        return t
    }

    /// Whether `[K: V]` has a colon at its top level (a dictionary, not an array).
    static func topLevelColon(_ t: String) -> Bool {
        var depth = 0
        for c in t {
            switch c {
            case "[", "<", "(": depth += 1
            case "]", ">", ")": depth -= 1
            case ":" where depth == 1: return true
            default: break
            }
        }
        return false
    }

    /// The identifiers in a type expression (candidates for references to discovered types).
    static func names(in type: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in type {
            if c.isLetter || c.isNumber || c == "_" {
                current.append(c)
            } else {
                if !current.isEmpty, current.first?.isNumber == false { out.append(current) }
                current = ""
            }
        }
        if !current.isEmpty, current.first?.isNumber == false { out.append(current) }
        return out
    }
}
