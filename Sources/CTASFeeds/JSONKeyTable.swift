/// A fixed list of keys (at most `JSONKeyTable.capacity`) found in one pass over an object's
/// members, for parsers that read many fields of each record: each member's key is compared
/// by its hash against the table instead of each wanted key walking every member.
public struct JSONKeyTable: Sendable {
    public static let capacity = 32
    private let hashes: [UInt32]
    private let names: [[UInt8]]

    /// The keys, in the order `JSONKeyTable.Found` is indexed by.
    public init(_ keys: [StaticString]) {
        precondition(keys.count <= Self.capacity, "a key table holds at most \(Self.capacity) keys")
        names = keys.map { key in key.withUTF8Buffer { Array($0) } }
        hashes = names.map { $0.withUnsafeBufferPointer(JSONTape.keyHash) }
    }

    /// The value node of each key of the table in `object` (-1 when absent or `object` is no object).
    public struct Found {
        fileprivate var nodes = InlineArray<32, Int32>(repeating: -1)

        public subscript(_ key: Int) -> Int? {
            let node = nodes[key]
            return node < 0 ? nil : Int(node)
        }
    }

    /// Finds the table's keys among `object`'s members.
    public func find(in object: Int, of tape: JSONTape) -> Found {
        var found = Found()
        guard object < tape.nodes.count, tape.nodes[object].kind == .object else { return found }
        tape.forEachMember(object) { key, value in
            let node = tape.nodes[key]
            if node.escaped {
                var text = tape.key(key)
                text.withUTF8 { bytes in
                    if let k = index(of: bytes, hash: JSONTape.keyHash(bytes)), found.nodes[k] < 0 { found.nodes[k] = Int32(value) }
                }
                return
            }
            let bytes = UnsafeBufferPointer(rebasing: tape.bytes[Int(node.start)..<Int(node.end)])
            if let k = index(of: bytes, hash: node.keyHash) { found.nodes[k] = Int32(value) }
        }
        return found
    }

    private func index(of key: UnsafeBufferPointer<UInt8>, hash: UInt32) -> Int? {
        for k in hashes.indices where hashes[k] == hash && names[k].count == key.count {
            if names[k].withUnsafeBufferPointer({ $0.elementsEqual(key) }) { return k }
        }
        return nil
    }
}
