import CTASCore
import CTASStore

/// Every indicator of the intelligence store with what scores it, held compactly for the
/// ingest path: a million indicators load in a fraction of a second and take ~36 bytes
/// each, where a dictionary keyed by `Indicator` took seconds and ~150 bytes.
///
/// Indicators are kept as 64-bit fingerprints (SipHash with this process's random seed,
/// over the kind and the value's bytes), not as text. Two different indicators share a
/// fingerprint with probability 2⁻⁶⁴ per pair — for a million known values against ten
/// million distinct observed ones, about 5 × 10⁻⁷ over the whole run — and the seed,
/// drawn afresh by every process, keeps input from being crafted to collide.
public struct IntelEvidenceIndex: Sendable {
    /// Open addressing with linear probing; 0 marks an empty slot.
    fileprivate var keys: [UInt64]
    fileprivate var confidence: [Double]      // NaN: no report gave one
    fileprivate var reference: [Int64]        // .min: no decay clock
    private var mask: Int
    public private(set) var count = 0

    /// An index with room for `expected` indicators (it grows past that).
    public init(expected: Int = 0) {
        var capacity = 16
        while capacity < expected + expected / 2 { capacity <<= 1 }
        keys = [UInt64](repeating: 0, count: capacity)
        confidence = [Double](repeating: .nan, count: capacity)
        reference = [Int64](repeating: .min, count: capacity)
        mask = capacity - 1
    }

    public var isEmpty: Bool { count == 0 }

    /// What the store says of `indicator`, or nil when it is not known.
    public func evidence(for indicator: Indicator) -> IntelEvidence? {
        let key = Self.fingerprint(indicator)
        var slot = Int(truncatingIfNeeded: key) & mask
        while true {
            let k = keys[slot]
            if k == 0 { return nil }
            if k == key {
                let c = confidence[slot]
                let r = reference[slot]
                return IntelEvidence(confidence: c.isNaN ? nil : c, reference: r == .min ? nil : Timestamp(microseconds: r))
            }
            slot = (slot + 1) & mask
        }
    }

    /// Whether `indicator` is known.
    public func contains(_ indicator: Indicator) -> Bool { evidence(for: indicator) != nil }

    static func fingerprint(_ indicator: Indicator) -> UInt64 {
        var value = indicator.value
        return value.withUTF8 { fingerprint(kind: indicator.kind.rawValue, bytes: UnsafeRawBufferPointer($0)) }
    }

    static func fingerprint(kind: UInt8, bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(kind)
        hasher.combine(bytes: bytes)
        let h = UInt64(bitPattern: Int64(hasher.finalize()))
        return h == 0 ? 1 : h
    }

    /// The slot of `key`, claiming an empty one when it is new.
    mutating func slot(of key: UInt64) -> Int {
        if (count + 1) * 3 > keys.count * 2 { grow() }
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 && keys[slot] != key { slot = (slot + 1) & mask }
        if keys[slot] == 0 {
            keys[slot] = key
            count += 1
        }
        return slot
    }

    private mutating func grow() {
        let old = (keys, confidence, reference)
        let capacity = keys.count * 2
        keys = [UInt64](repeating: 0, count: capacity)
        confidence = [Double](repeating: .nan, count: capacity)
        reference = [Int64](repeating: .min, count: capacity)
        mask = capacity - 1
        count = 0
        for i in old.0.indices where old.0[i] != 0 {
            let s = slot(of: old.0[i])
            confidence[s] = old.1[i]
            reference[s] = old.2[i]
        }
    }

    /// Folds one report's word on an indicator in: the highest confidence (never under 0,
    /// as `intel list` keeps it) and the newest time.
    mutating func fold(key: UInt64, confidence c: Double?, time: Int64?) {
        let s = slot(of: key)
        if let c {
            let kept = confidence[s]
            confidence[s] = kept.isNaN ? max(0, c) : max(kept, c)
        }
        if let time { reference[s] = max(reference[s], time) }
    }

    /// Sets the decay clock of a known indicator (a sighting outranks every other time).
    mutating func setReference(key: UInt64, _ time: Int64) {
        var slot = Int(truncatingIfNeeded: key) & mask
        while keys[slot] != 0 {
            if keys[slot] == key {
                reference[slot] = time
                return
            }
            slot = (slot + 1) & mask
        }
    }
}

extension IntelStore {
    /// Every indicator the store holds with what scores it at `time` — the confidence and
    /// decay clock `list` gives it (last sighting up to `time`, else last seen, else the
    /// newest report date) — for matching telemetry against and weighing the matches in an
    /// event's risk.
    public func evidenceIndex(at time: Timestamp = .now()) throws(StoreError) -> IntelEvidenceIndex {
        guard Self.exists(in: database) else { return IntelEvidenceIndex() }
        let total = try database.scalar("SELECT count(*) FROM intel_entries") ?? 0
        var index = IntelEvidenceIndex(expected: Int(clamping: total))
        var lastSeen = IntelEvidenceIndex(expected: Int(clamping: total))
        // Report by report: rows come in key order, no join.
        var reports: [(id: String, date: Int64?)] = []
        let listReports = try database.prepare("SELECT id, date FROM intel_reports")
        while try listReports.step() {
            reports.append((listReports.text(0) ?? "", listReports.isNull(1) ? nil : listReports.int64(1)))
        }
        let entries = try database.prepare("SELECT kind, value, confidence, last_seen FROM intel_entries WHERE report = ?")
        for report in reports {
            try entries.bind([.text(report.id)])
            while try entries.step() {
                guard let kind = UInt8(exactly: entries.int64(0)), IndicatorKind(rawValue: kind) != nil else { continue }
                let key = IntelEvidenceIndex.fingerprint(kind: kind, bytes: entries.textBytes(1))
                index.fold(key: key, confidence: entries.isNull(2) ? nil : entries.double(2), time: report.date)
                if !entries.isNull(3) { lastSeen.fold(key: key, confidence: nil, time: entries.int64(3)) }
            }
            entries.reset()
        }
        // The last time seen outranks the report dates; a sighting outranks both.
        for i in lastSeen.keys.indices where lastSeen.keys[i] != 0 && lastSeen.reference[i] != .min {
            index.setReference(key: lastSeen.keys[i], lastSeen.reference[i])
        }
        let sightings = try database.prepare("SELECT kind, value, max(ts) FROM intel_sightings WHERE ts <= ? GROUP BY kind, value")
        try sightings.bind([.integer(time.microseconds)])
        while try sightings.step() {
            guard let kind = UInt8(exactly: sightings.int64(0)) else { continue }
            index.setReference(key: IntelEvidenceIndex.fingerprint(kind: kind, bytes: sightings.textBytes(1)), sightings.int64(2))
        }
        return index
    }
}
