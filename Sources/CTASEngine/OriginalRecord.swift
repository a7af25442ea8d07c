import CTASCore
import CTASFeeds

/// A telemetry event's original record (the EVE line, the Zeek record) as the detail view
/// lists it: one `dotted.path = value` per scalar, in the order the sensor wrote them, array
/// elements numbered (`dns.answers[0].rdata`).
public enum OriginalRecord {
    public struct Field: Sendable, Equatable {
        public var path: String
        public var value: String
    }

    /// The fields of `json` (empty when it is not a JSON object), at most `limit`.
    public static func fields(_ json: String, limit: Int = 2_000) -> [Field] {
        var text = json
        return text.withUTF8 { bytes -> [Field] in
            guard let tape = try? JSONTape(parsing: bytes), tape.kind(JSONTape.root) == .object else { return [] }
            var out: [Field] = []
            func walk(_ node: Int, _ path: String) {
                guard out.count < limit else { return }
                switch tape.kind(node) {
                case .object:
                    tape.forEachMember(node) { key, value in walk(value, path.isEmpty ? tape.key(key) : path + "." + tape.key(key)) }
                case .array:
                    let elements = tape.elements(node)
                    if elements.isEmpty { out.append(Field(path: path, value: "[]")) }
                    for (i, element) in elements.enumerated() { walk(element, path + "[\(i)]") }
                case .null:
                    out.append(Field(path: path, value: "null"))
                default:
                    out.append(Field(path: path, value: tape.text(node) ?? ""))
                }
            }
            walk(JSONTape.root, "")
            return out
        }
    }
}
