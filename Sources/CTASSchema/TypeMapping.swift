import Foundation

/// How a field's written type maps onto storage, for both languages: the scalar kind, or a
/// reference to another discovered type, or a collection, or free-form JSON.
///
/// | Rust | Swift | kind |
/// |---|---|---|
/// | i8…i128, u8…u128, isize, usize | Int, Int8…Int64, UInt… | integer |
/// | f32, f64 | Double, Float, CGFloat, Decimal | real |
/// | bool | Bool | boolean |
/// | String, &str, char, Cow<str>, PathBuf | String, Character, Substring, URL | text |
/// | Vec<u8>, Bytes, [u8; N] | Data, [UInt8] | bytes |
/// | DateTime, NaiveDateTime, SystemTime, OffsetDateTime | Date | timestamp |
/// | Uuid | UUID | uuid |
/// | serde_json::Value, HashMap<String, String> | Any, [String: Any], [String: String] | json |
/// | Option<T> | T? | T, nullable |
/// | Vec<T>, HashSet<T>… of a discovered type | [T], Set<T> of a discovered type | child table / array of references |
/// | Vec<T> of scalars | [T] of scalars | array (PostgreSQL arrays, JSON elsewhere) |
/// | another discovered struct or class | same | reference (foreign key) |
/// | a discovered enum without payloads | same | text with a CHECK of its cases |
/// | anything else (nested foreign types, tuples, generics) | same | json |
public enum StorageKind: Equatable, Sendable {
    case integer, real, boolean, text, bytes, timestamp, uuid, json
    /// Another discovered type (foreign key / record link / relationship).
    case reference(String)
    /// A discovered unit-only enum: text limited to its cases.
    case enumeration(String, [String])
    /// A collection of scalars (the element kind).
    indirect case array(StorageKind)
    /// A collection of another discovered type: a child table / relationship.
    case references(String)
}

public struct MappedField: Sendable {
    public var field: FieldInfo
    public var kind: StorageKind
    public var nullable: Bool
}

struct TypeMapper {
    /// Discovered types by name (same language), for references.
    let types: [String: TypeInfo]

    static let integers: Set<String> = ["i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "Int", "Int8",
                                        "Int16", "Int32", "Int64", "UInt", "UInt8", "UInt16", "UInt32", "UInt64", "NonZeroU64", "NonZeroU32"]
    static let reals: Set<String> = ["f32", "f64", "Double", "Float", "CGFloat", "Decimal", "Float32", "Float64"]
    static let texts: Set<String> = ["String", "str", "&str", "char", "Character", "Substring", "URL", "PathBuf", "Path", "Cow<str>", "Cow<'static,str>",
                                     "Box<str>", "Arc<str>", "Rc<str>", "SmolStr", "CompactString", "Url"]
    static let times: Set<String> = ["DateTime", "NaiveDateTime", "SystemTime", "OffsetDateTime", "PrimitiveDateTime", "Date", "Timestamp", "Instant"]

    func map(_ f: FieldInfo) -> MappedField {
        var type = f.type.replacingOccurrences(of: " ", with: "")
        var nullable = false
        if f.optional {
            nullable = true
            type = TypeShape.unwrapOptional(type)
        }
        for wrapper in ["Box<", "Arc<", "Rc<", "Cow<'static,", "RefCell<", "Mutex<", "RwLock<"] where type.hasPrefix(wrapper) && type.hasSuffix(">") {
            let inner = String(type.dropFirst(wrapper.count).dropLast())
            if !inner.hasPrefix("[") && !inner.hasPrefix("dyn") { type = inner }
        }
        return MappedField(field: f, kind: kind(of: type, collection: TypeShape(type).collection), nullable: nullable)
    }

    func kind(of type: String, collection: String?) -> StorageKind {
        if type == "Vec<u8>" || type == "Data" || type == "[UInt8]" || type == "Bytes" || type.hasPrefix("[u8;") { return .bytes }
        if let collection {
            if collection == "map" { return .json }
            let element = Self.element(of: type)
            // A shape the element cannot be read from: stored whole rather than looping.
            guard element != type, !element.isEmpty else { return .json }
            if let name = TypeShape.names(in: element).last, let t = types[name], t.kind != .enum || !t.variants.allSatisfy({ $0.shape == .unit }),
               TypeShape.names(in: element).count == 1 || element.hasSuffix(name) {
                return .references(name)
            }
            // One level only: a collection of collections is JSON (bytes excepted, which are a
            // scalar here), so hostile nesting cannot recurse deeply.
            let inner = kind(of: element, collection: nil)
            if TypeShape(element).collection != nil, inner != .bytes { return .json }
            return .array(inner)
        }
        let last = type.split(separator: "::").last.map(String.init) ?? type
        let head = last.split(separator: "<").first.map(String.init) ?? last
        if Self.integers.contains(head) { return .integer }
        if Self.reals.contains(head) { return .real }
        if head == "bool" || head == "Bool" { return .boolean }
        if Self.texts.contains(type) || Self.texts.contains(head) { return .text }
        if Self.times.contains(head) { return .timestamp }
        if head == "Uuid" || head == "UUID" { return .uuid }
        if SchemaRules.isFreeForm(FieldInfo(name: "", type: type)) { return .json }
        if let t = types[head] {
            if t.kind == .enum, t.variants.allSatisfy({ $0.shape == .unit }) { return .enumeration(head, t.variants.map(\.name)) }
            return .reference(head)
        }
        return .json
    }

    /// The element type of `Vec<T>`, `[T]`, `Set<T>`, `[T; N]`.
    static func element(of type: String) -> String {
        if let slice = TypeShape.borrowedSlice(type) { return element(of: slice) }
        if type.hasPrefix("["), type.hasSuffix("]") {
            let inner = String(type.dropFirst().dropLast())
            return inner.split(separator: ";").first.map(String.init) ?? inner
        }
        if let open = type.firstIndex(of: "<"), type.hasSuffix(">") {
            let inner = String(type[type.index(after: open)..<type.index(before: type.endIndex)])
            return inner.split(separator: ",").first.map(String.init) ?? inner
        }
        return type
    }
}
