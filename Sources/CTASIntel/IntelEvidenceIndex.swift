import CTASCore
import CTASStore
#if canImport(Glibc)
import Glibc
#endif

/// Every indicator of the intelligence store with what scores it, held compactly for the
/// ingest path: a million indicators load in a fraction of a second and take 36–72 bytes
/// each (24-byte slots, a third to two thirds full), where a dictionary keyed by `Indicator`
/// took seconds and ~150 bytes. Memory matters twice here: every fresh page is zeroed by the
/// kernel when first touched, which cost an ingest 0.2 s for the 64 MB the slots once took.
///
/// Indicators are kept as 64-bit fingerprints (SipHash-1-3 over the kind and the value's
/// bytes, with a random key the index draws when it is built from rows and keeps in its
/// snapshot), not as text. Two different indicators share a fingerprint with probability
/// 2⁻⁶⁴ per pair — for a million known values against ten million distinct observed ones,
/// about 5 × 10⁻⁷ over the whole run — and the key, never shown to input, keeps input
/// from being crafted to collide.
public struct IntelEvidenceIndex: Sendable {
    /// One indicator: its fingerprint, highest confidence, and decay clock with the rank of
    /// what set it (a report's date < its last time seen < a sighting), in 24 bytes.
    struct Slot {
        var key: UInt64 = 0              // 0: empty
        var confidence: Double = .nan    // NaN: no report gave one
        /// The clock's time (µs, within ±2⁶¹) shifted left two bits, its rank in the low two.
        private var clock: Int64 = 0     // rank 0: no clock yet

        var rank: UInt8 { UInt8(truncatingIfNeeded: clock & 3) }
        var reference: Int64 { clock >> 2 }

        /// Sets the clock; a time beyond ±2⁶¹ µs (±73,000 years) is held at that bound.
        mutating func setClock(rank: UInt8, reference: Int64) {
            let bound: Int64 = (1 << 61) - 1
            clock = Swift.min(Swift.max(reference, -bound), bound) << 2 | Int64(rank & 3)
        }
    }

    /// What can set an indicator's decay clock, weakest first.
    enum Clock: UInt8 {
        case reportDate = 1, lastSeen, sighting
    }

    /// Open addressing with linear probing over any number of slots (a fingerprint's home
    /// slot is its low 32 bits scaled to the table, not masked, so the table need not be
    /// a power of two: two thirds full at most, not a third at times).
    private var slots: [Slot]
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
        let capacity = Self.capacity(for: expected)
        slots = Self.table(of: Slot(), count: capacity)
        (filter, filterMask) = Self.filter(for: capacity)
    }

    /// Slots for `expected` indicators: half as many again (at least 16, at most 2³²).
    static func capacity(for expected: Int) -> Int {
        let wanted = Swift.max(0, Swift.min(expected, 1 << 31))
        return Swift.min(Swift.max(16, wanted + wanted / 2 + 1), 1 << 32)
    }

    /// An empty filter for a table of `capacity` slots: a power of two of words, about one
    /// for every eight slots.
    private static func filter(for capacity: Int) -> (words: [UInt64], mask: Int) {
        var words = 2
        while words < capacity / 8 { words <<= 1 }
        return (table(of: 0, count: words), words - 1)
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

    /// An empty index of exactly `capacity` slots (16 to 2³²).
    private init(capacity: Int, key: (UInt64, UInt64)) {
        self.key = key
        slots = Self.table(of: Slot(), count: capacity)
        (filter, filterMask) = Self.filter(for: capacity)
    }

    /// Where `key`'s probe starts: its low 32 bits scaled to the table (the filter uses the
    /// high bits).
    @inline(__always)
    private func home(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: ((key & 0xFFFF_FFFF) &* UInt64(truncatingIfNeeded: slots.count)) >> 32)
    }

    /// The slot after `i`, wrapping at the end.
    @inline(__always)
    private func next(_ i: Int) -> Int { i + 1 == slots.count ? 0 : i + 1 }

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
        guard let index = Self.read(snapshot: [bytes]) else { return nil }
        self = index
    }

    /// The index a snapshot handed over in `pieces` holds (read as a stored one is, piece by
    /// piece), or nil when the bytes are not one. A stored snapshot is outside bytes too: a
    /// data directory can come from anywhere (the fuzz target `evidence` drives this).
    public static func read(snapshot pieces: [UnsafeRawBufferPointer]) -> IntelEvidenceIndex? {
        var reader = SnapshotReader(totalBytes: pieces.reduce(0) { $0 + $1.count })
        for piece in pieces { guard reader.consume(piece) else { return nil } }
        return reader.finish()
    }

    /// Reads a snapshot handed over in pieces of any size (as SQLite reads a stored one,
    /// without a copy of the whole), slot by slot into the index it holds.
    struct SnapshotReader {
        /// The snapshot's whole size, known before its first piece (the header's count is
        /// checked against it before any table is made).
        private let totalBytes: Int
        private var header: [UInt8] = []
        private var index: IntelEvidenceIndex?
        /// Records the header announces, and those read so far.
        private var expected = 0
        private var read = 0
        /// The start of a record cut between two pieces.
        private var partial: [UInt8] = []
        private var failed = false

        init(totalBytes: Int) { self.totalBytes = totalBytes }

        /// Takes the next piece; false once the bytes are known not to be a snapshot.
        mutating func consume(_ piece: UnsafeRawBufferPointer) -> Bool {
            guard !failed else { return false }
            var rest = piece[...]
            if index == nil {
                let wanted = IntelEvidenceIndex.snapshotHeader - header.count
                header += rest.prefix(wanted)
                rest = rest.dropFirst(wanted)
                guard header.count == IntelEvidenceIndex.snapshotHeader else { return true }
                guard let (index, records) = header.withUnsafeBytes({ IntelEvidenceIndex.emptyIndex(header: $0, totalBytes: totalBytes) }) else {
                    return fail()
                }
                self.index = index
                expected = records
            }
            let size = IntelEvidenceIndex.snapshotRecord
            if !partial.isEmpty {
                let wanted = size - partial.count
                partial += rest.prefix(wanted)
                rest = rest.dropFirst(wanted)
                guard partial.count == size else { return true }
                guard partial.withUnsafeBytes({ restore($0) }) else { return fail() }
                partial = []
            }
            let whole = rest.count / size * size
            let records = UnsafeRawBufferPointer(rebasing: rest.prefix(whole))
            var offset = 0
            while offset < records.count {
                guard restore(UnsafeRawBufferPointer(rebasing: records[offset..<(offset + size)])) else { return fail() }
                offset += size
            }
            partial += rest.dropFirst(whole)
            return true
        }

        /// The index, when every record the header announced came and nothing more.
        consuming func finish() -> IntelEvidenceIndex? {
            guard !failed, let index, partial.isEmpty, read == expected, index.count == expected else { return nil }
            return index
        }

        private mutating func fail() -> Bool {
            failed = true
            index = nil
            return false
        }

        /// One record (fingerprint, confidence, clock time, clock rank) into its slot.
        private mutating func restore(_ record: UnsafeRawBufferPointer) -> Bool {
            guard read < expected, var current = index else { return false }
            index = nil   // keeps the slots uniquely referenced while they change
            defer { index = current }
            func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: record.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
            let key = word(0)
            let rank = record[24]
            guard key != 0, rank <= Clock.sighting.rawValue else { return false }
            let before = current.count
            let i = current.index(of: key)
            guard current.count == before + 1 else { return false }   // a key given twice
            current.slots[i].confidence = Double(bitPattern: word(8))
            current.slots[i].setClock(rank: rank, reference: Int64(bitPattern: word(16)))
            read += 1
            return true
        }
    }

    /// The empty index a snapshot's header describes and how many records follow it, or nil
    /// when the header is not one (wrong magic, a capacity out of range or too small, a count
    /// the snapshot's size does not hold). Memory follows the records actually there: a
    /// capacity far above what the count needs (a hostile or damaged header asking for
    /// gigabytes) is replaced by the count's own (placement is by key, so only the order
    /// of filling, and with it some speed, is lost).
    private static func emptyIndex(header bytes: UnsafeRawBufferPointer, totalBytes: Int) -> (IntelEvidenceIndex, Int)? {
        func word(_ offset: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        let capacity = word(24), filled = word(32)
        guard word(0) == snapshotMagic, capacity >= 16, capacity <= 1 << 32, filled <= capacity / 3 * 2 + 1,
              totalBytes >= snapshotHeader, (totalBytes - snapshotHeader) % snapshotRecord == 0,
              UInt64((totalBytes - snapshotHeader) / snapshotRecord) == filled else { return nil }
        let needed = Self.capacity(for: Int(filled))
        let trusted = Int(capacity) <= 4 * needed ? Int(capacity) : needed
        return (IntelEvidenceIndex(capacity: trusted, key: (word(8), word(16))), Int(filled))
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
        var i = home(key)
        while true {
            let slot = slots[i]
            if slot.key == 0 { return nil }
            if slot.key == key {
                return IntelEvidence(confidence: slot.confidence.isNaN ? nil : slot.confidence,
                                     reference: slot.rank == 0 ? nil : Timestamp(microseconds: slot.reference))
            }
            i = next(i)
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
        var i = home(key)
        while slots[i].key != 0 && slots[i].key != key { i = next(i) }
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
        slots = Self.table(of: Slot(), count: Swift.min(old.count * 2, 1 << 32))
        (filter, filterMask) = Self.filter(for: slots.count)
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
            slots[i].setClock(rank: clock.rawValue, reference: time)
        }
    }

    /// Sets the decay clock of a known indicator to a sighting (which outranks every other time).
    mutating func sighted(key: UInt64, at time: Int64) {
        var i = home(key)
        while slots[i].key != 0 {
            if slots[i].key == key {
                if (Clock.sighting.rawValue, time) > (slots[i].rank, slots[i].reference) {
                    slots[i].setClock(rank: Clock.sighting.rawValue, reference: time)
                }
                return
            }
            i = next(i)
        }
    }
}
