#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fixed list of keys (at most `JSONKeyTable.capacity`) found in one pass over an object's
/// members, for parsers that read many fields of each record: each member's key is compared
/// by its hash against the table instead of each wanted key walking every member.
public struct JSONKeyTable: Sendable {
    public static let capacity = 32
    private let hashes: [UInt32]
    /// The keys themselves: static text, compared in place (no array to retain per probe).
    private let names: [StaticString]
    /// Open addressing by key hash: key index + 1 per slot (0: empty); twice the capacity,
    /// so a member's key costs one or two probes instead of a walk of every key.
    private let slots: [Int8]
    private static let slotCount = 2 * capacity

    /// The keys, in the order `JSONKeyTable.Found` is indexed by.
    public init(_ keys: [StaticString]) {
        precondition(keys.count <= Self.capacity, "a key table holds at most \(Self.capacity) keys")
        precondition(keys.allSatisfy(\.hasPointerRepresentation), "a key table's keys are string literals")
        names = keys
        hashes = keys.map { $0.withUTF8Buffer(JSONTape.keyHash) }
        var slots = [Int8](repeating: 0, count: Self.slotCount)
        for k in hashes.indices {
            var slot = Int(hashes[k]) & (Self.slotCount - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (Self.slotCount - 1) }
            slots[slot] = Int8(k + 1)
        }
        self.slots = slots
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
        var slot = Int(hash) & (Self.slotCount - 1)
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            let k = entry - 1
            if hashes[k] == hash {
                let name = names[k]
                if name.utf8CodeUnitCount == key.count, key.isEmpty || key.baseAddress.map({ memcmp(name.utf8Start, $0, key.count) == 0 }) == true {
                    return k
                }
            }
            slot = (slot + 1) & (Self.slotCount - 1)
        }
    }
}
