import CTASCore
import CTASStore
#if canImport(Glibc)
import Glibc
#endif

/// Every indicator of the intelligence store with what scores it, held compactly for the
/// ingest path: a million indicators load in a fraction of a second and take ~64 bytes
/// each (32-byte slots, at most two thirds full), where a dictionary keyed by `Indicator`
/// took seconds and ~150 bytes.
///
/// Indicators are kept as 64-bit fingerprints (SipHash-1-3 over the kind and the value's
/// bytes, with a random key the index draws when it is built from rows and keeps in its
/// snapshot), not as text. Two different indicators share a fingerprint with probability
/// 2⁻⁶⁴ per pair — for a million known values against ten million distinct observed ones,
/// about 5 × 10⁻⁷ over the whole run — and the key, never shown to input, keeps input
/// from being crafted to collide.
public struct IntelEvidenceIndex: Sendable {
    /// One indicator: its fingerprint, highest confidence, and decay clock with the rank of
    /// what set it (a report's date < its last time seen < a sighting), in one 32-byte slot
    /// so that a lookup touches one cache line.
    struct Slot {
        var key: UInt64 = 0              // 0: empty
        var confidence: Double = .nan    // NaN: no report gave one
        var reference: Int64 = .min
        var rank: UInt8 = 0              // 0: no clock yet
    }

    /// What can set an indicator's decay clock, weakest first.
    enum Clock: UInt8 {
        case reportDate = 1, lastSeen, sighting
    }

    /// Open addressing with linear probing.
    private var slots: [Slot]
    private var mask: Int
    public private(set) var count = 0
    /// A Bloom filter over the fingerprints, one 64-bit word per lookup with three bits set
    /// per indicator (8 bits per slot of `slots`, 12 or more per indicator: a few percent
    /// of false positives at the fullest, which the slots then answer). Most of what telemetry carries is not known; its lookups end here, in a
    /// table of 2 MB per million indicators that stays in cache, instead of a cache miss
    /// into the 64 MB of slots.
    private var filter: [UInt64]
    private var filterMask: Int

    /// The fingerprint key.
    let key: (UInt64, UInt64)

    /// An index with room for `expected` indicators (it grows past that), fingerprinting
    /// with `key` (nil: a random one).
    public init(expected: Int = 0, key: (UInt64, UInt64)? = nil) {
        self.key = key ?? (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
        var capacity = 16
        while capacity < expected + expected / 2 { capacity <<= 1 }
        slots = Self.table(of: Slot(), count: capacity)
        mask = capacity - 1
        filter = Self.table(of: 0, count: capacity / 8)
        filterMask = capacity / 8 - 1
    }

    /// An array of `count` copies of `value` whose pages are huge pages where the kernel
    /// offers them on request (Linux's transparent huge pages in `madvise` mode): lookups
    /// land anywhere in tens of megabytes, and with 4 KB pages nearly every one also missed
    /// the TLB; filling the table (one page fault per 2 MB instead of per 4 KB) gets cheaper
    /// too. Elsewhere an ordinary array.
    static func table<T>(of value: T, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if canImport(Glibc)
            let huge = 2 << 20
            if let base = buffer.baseAddress, count * MemoryLayout<T>.stride >= 2 * huge {
                let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
                let end = (Int(bitPattern: base) + count * MemoryLayout<T>.stride) & ~(huge - 1)
                if end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) {
                    _ = madvise(aligned, end - start, MADV_HUGEPAGE)   // advice only: no huge pages is fine
                }
            }
            #endif
            UnsafeMutableBufferPointer(rebasing: buffer[..<count]).initialize(repeating: value)
            initialized = count
        }
    }

    /// An empty index of exactly `capacity` slots (a power of two, at least 16).
    private init(capacity: Int, key: (UInt64, UInt64)) {
        self.key = key
        slots = Self.table(of: Slot(), count: capacity)
        mask = capacity - 1
        filter = Self.table(of: 0, count: capacity / 8)
        filterMask = capacity / 8 - 1
    }

    public var isEmpty: Bool { count == 0 }

    // MARK: Snapshot

    /// "CTASEVI1": the snapshot's first eight bytes.
    private static let snapshotMagic: UInt64 = 0x3149_5645_5341_5443
    private static let snapshotHeader = 40
    private static let snapshotRecord = 25

    /// The index as bytes to store: a header (magic, the key, the capacity, the count) and
    /// each filled slot in table order (fingerprint, confidence, clock time, clock rank),
    /// little-endian. Read back by `init(snapshot:)` with the same key and capacity, the
    /// slots go back in order into the same places: a sequential pass, where folding the
    /// rows again was a cache miss each.
    func snapshot() -> [UInt8] {
        let size = Self.snapshotHeader + count * Self.snapshotRecord
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var offset = 0
            func put(_ value: UInt64) {
                raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            put(Self.snapshotMagic)
            put(key.0)
            put(key.1)
            put(UInt64(slots.count))
            put(UInt64(count))
            for slot in slots where slot.key != 0 {
                put(slot.key)
                put(slot.confidence.bitPattern)
                put(UInt64(bitPattern: slot.reference))
                raw[offset] = slot.rank
                offset += 1
            }
            initialized = offset
        }
    }

    /// The index a snapshot holds, or nil when the bytes are not one (wrong magic, sizes
    /// that do not add up, a capacity out of range, more slots filled than the table keeps).
    init?(snapshot bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.snapshotHeader else { return nil }
        func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        let capacity = word(24), filled = word(32)
        guard word(0) == Self.snapshotMagic, capacity >= 16, capacity <= 1 << 32, capacity & (capacity - 1) == 0,
              filled <= capacity / 3 * 2 + 1,
              bytes.count == Self.snapshotHeader + Int(filled) * Self.snapshotRecord else { return nil }
        self.init(capacity: Int(capacity), key: (word(8), word(16)))
        var offset = Self.snapshotHeader
        for _ in 0..<Int(filled) {
            let key = word(offset)
            let rank = bytes[offset + 24]
            guard key != 0, rank <= Clock.sighting.rawValue else { return nil }
            let i = index(of: key)
            slots[i].confidence = Double(bitPattern: word(offset + 8))
            slots[i].reference = Int64(bitPattern: word(offset + 16))
            slots[i].rank = rank
            offset += Self.snapshotRecord
        }
        guard count == Int(filled) else { return nil }   // a key given twice
    }

    /// The filter word of `key` and the three bits it sets there (from bits the slot index,
    /// taken from the low end, does not use).
    @inline(__always)
    private func filterPosition(_ key: UInt64) -> (word: Int, bits: UInt64) {
        let word = Int(truncatingIfNeeded: key >> 40) & filterMask
        let bits = (1 as UInt64) << ((key >> 22) & 63) | (1 as UInt64) << ((key >> 28) & 63) | (1 as UInt64) << ((key >> 34) & 63)
        return (word, bits)
    }

    /// What the store says of `indicator`, or nil when it is not known.
    public func evidence(for indicator: Indicator) -> IntelEvidence? {
        let key = fingerprint(indicator)
        let (word, bits) = filterPosition(key)
        guard filter[word] & bits == bits else { return nil }
        var i = Int(truncatingIfNeeded: key) & mask
        while true {
            let slot = slots[i]
            if slot.key == 0 { return nil }
            if slot.key == key {
                return IntelEvidence(confidence: slot.confidence.isNaN ? nil : slot.confidence,
                                     reference: slot.rank == 0 ? nil : Timestamp(microseconds: slot.reference))
            }
            i = (i + 1) & mask
        }
    }

    /// Whether `indicator` is known.
    public func contains(_ indicator: Indicator) -> Bool { evidence(for: indicator) != nil }

    func fingerprint(_ indicator: Indicator) -> UInt64 {
        var value = indicator.value
        return value.withUTF8 { fingerprint(kind: indicator.kind.rawValue, bytes: UnsafeRawBufferPointer($0)) }
    }

    func fingerprint(kind: UInt8, bytes: UnsafeRawBufferPointer) -> UInt64 {
        let h = SipHash.hash(prefix: kind, bytes, key: key)
        return h == 0 ? 1 : h
    }

    /// The slot of `key`, claiming an empty one when it is new.
    private mutating func index(of key: UInt64) -> Int {
        if (count + 1) * 3 > slots.count * 2 { grow() }
        var i = Int(truncatingIfNeeded: key) & mask
        while slots[i].key != 0 && slots[i].key != key { i = (i + 1) & mask }
        if slots[i].key == 0 {
            slots[i].key = key
            count += 1
            let (word, bits) = filterPosition(key)
            filter[word] |= bits
        }
        return i
    }

    private mutating func grow() {
        let old = slots
        slots = Self.table(of: Slot(), count: old.count * 2)
        mask = slots.count - 1
        filter = Self.table(of: 0, count: slots.count / 8)
        filterMask = slots.count / 8 - 1
        count = 0
        for slot in old where slot.key != 0 { slots[index(of: slot.key)] = slot }
    }

    /// Folds one report's word on an indicator in: the highest confidence (never under 0,
    /// as `intel list` keeps it), and a time that may set the decay clock — a stronger kind
    /// of time wins, then the newest.
    mutating func fold(key: UInt64, confidence c: Double?, time: Int64?, clock: Clock) {
        let i = index(of: key)
        if let c {
            let kept = slots[i].confidence
            slots[i].confidence = kept.isNaN ? max(0, c) : max(kept, c)
        }
        if let time, (clock.rawValue, time) > (slots[i].rank, slots[i].reference) {
            slots[i].rank = clock.rawValue
            slots[i].reference = time
        }
    }

    /// Sets the decay clock of a known indicator to a sighting (which outranks every other time).
    mutating func sighted(key: UInt64, at time: Int64) {
        var i = Int(truncatingIfNeeded: key) & mask
        while slots[i].key != 0 {
            if slots[i].key == key {
                if (Clock.sighting.rawValue, time) > (slots[i].rank, slots[i].reference) {
                    slots[i].rank = Clock.sighting.rawValue
                    slots[i].reference = time
                }
                return
            }
            i = (i + 1) & mask
        }
    }
}
