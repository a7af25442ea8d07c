/// An open-addressing index from byte strings (held elsewhere, in an arena) to dense
/// 32-bit ids: 8 bytes a slot, no per-key allocation. The caller hashes the key and says,
/// for a candidate id, whether its stored bytes equal the key, so lookups are exact.
struct HashIndex: Sendable {
    /// `hash32 << 32 | (id + 1)`; 0 is an empty slot. `hash32` (the hash's low half) both
    /// places the slot and screens candidates before the byte comparison.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// The id stored under `hash` whose bytes `equals` accepts, if any.
    @inline(__always)
    func find(hash: UInt64, equals: (UInt32) -> Bool) -> UInt32? {
        let h32 = hash & 0xFFFF_FFFF
        var i = Int(truncatingIfNeeded: h32) & mask
        return slots.withUnsafeBufferPointer { s -> UInt32? in
            while true {
                let slot = s[i]
                if slot == 0 { return nil }
                if slot >> 32 == h32 {
                    let id = UInt32(truncatingIfNeeded: slot) &- 1
                    if equals(id) { return id }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Adds `id` under `hash` (the caller has checked it is not present).
    mutating func insert(hash: UInt64, id: UInt32) {
        if (count + 1) * 2 > slots.count { grow() }
        place((hash & 0xFFFF_FFFF) << 32 | UInt64(id &+ 1))
        count += 1
    }

    /// Makes room for `total` ids in all without growing one doubling at a time (a load
    /// knows how many are coming; each doubling places every id again).
    mutating func reserve(_ total: Int) {
        guard total * 2 > slots.count else { return }
        var size = slots.count
        while size < total * 2 { size <<= 1 }
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for slot in old where slot != 0 { place(slot) }
    }

    /// Removes every id at or above `firstRemoved` (undoing additions after a failed commit).
    mutating func removeIDs(from firstRemoved: UInt32) {
        let kept = slots.filter { $0 != 0 && UInt32(truncatingIfNeeded: $0) &- 1 < firstRemoved }
        for i in slots.indices { slots[i] = 0 }
        count = 0
        for slot in kept {
            place(slot)
            count += 1
        }
    }

    private mutating func place(_ slot: UInt64) {
        var i = Int(truncatingIfNeeded: slot >> 32) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot != 0 { place(slot) }
    }

    /// Bytes the table occupies.
    var bytes: Int { slots.count * 8 }
}
