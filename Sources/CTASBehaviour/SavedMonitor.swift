import CTASCore

/// The live behaviour monitor as a run left it, with the risk its findings gave entities, and
/// the stored event it had seen last: the next run starts from it and replays only what was
/// stored after, instead of rebuilding four weeks of history from the store at every start
/// (2.5 s of CPU for the newest two million events of a 12M-event store).
///
/// The bytes are CTAS's own (little-endian, lengths before contents, a version up front).
/// They come from a file, so reading them is strict: every count is checked against what is
/// left and against the monitor's limits, every hour against the years a timestamp can hold,
/// and the first wrong field is named with its offset. A file that fails is set aside and
/// the history rebuilt, as before there were files.
public struct SavedMonitor: Sendable {
    /// The risk a finding gave an entity (the engine's risk board keeps these).
    public struct EntityRisk: Sendable, Equatable {
        public var entity: String
        public var score: Double
        public var start: Timestamp
        public var end: Timestamp

        public init(entity: String, score: Double, start: Timestamp, end: Timestamp) {
            self.entity = entity
            self.score = score
            self.start = start
            self.end = end
        }
    }

    /// Why saved bytes were not taken.
    public enum Problem: Error, Equatable, Sendable {
        /// Not a saved monitor at all (another file, or empty).
        case notSavedMonitor
        /// Written by another version of the format.
        case version(found: UInt32)
        /// Saved under other monitor options (another history length, other limits): its
        /// counts would be judged by the wrong rules.
        case otherOptions
        /// The bytes end inside `field`.
        case truncated(field: String, offset: Int)
        /// `field` at `offset` holds what the monitor cannot have held.
        case invalid(field: String, offset: Int, expected: String)
        /// Bytes left over after the last field.
        case trailingBytes(offset: Int)

        public var description: String {
            switch self {
            case .notSavedMonitor: "not a saved behaviour monitor (expected the bytes CTAS writes)"
            case .version(let found): "format version \(found); expected \(SavedMonitor.formatVersion)"
            case .otherOptions: "saved under other monitor options; expected this run's"
            case .truncated(let field, let offset): "ends at byte \(offset) inside \(field); expected the rest of it"
            case .invalid(let field, let offset, let expected): "\(field) at byte \(offset): expected \(expected)"
            case .trailingBytes(let offset): "bytes left over at \(offset); expected the end after the last field"
            }
        }
    }

    /// The highest stored seq the monitor had seen, and that event's id (so a monitor is
    /// never resumed on another store that happens to reach the same seq).
    public var throughSeq: Int64
    public var idAtSeq: String
    public var monitor: LiveAnomalyMonitor
    public var risks: [EntityRisk]

    public init(throughSeq: Int64, idAtSeq: String, monitor: LiveAnomalyMonitor, risks: [EntityRisk]) {
        self.throughSeq = throughSeq
        self.idAtSeq = idAtSeq
        self.monitor = monitor
        self.risks = risks
    }

    static let magic: [UInt8] = Array("CTAS-MON".utf8)
    public static let formatVersion: UInt32 = 1
    /// Hours a timestamp can fall in (years 0000–9999 lie well inside): anything past is damage.
    static let hourBound: Int64 = 10_000 * 366 * 24

    /// The bytes of the saved monitor.
    public func encoded() -> [UInt8] {
        var w = SavedBytesWriter()
        w.bytes(Self.magic)
        w.u32(Self.formatVersion)
        let o = monitor.options
        w.f64(o.alpha)
        for value in [o.historyHours, o.maximumEntities, o.sparseEvents, o.typeCapacity, o.minimumEvents] { w.i64(Int64(value)) }
        w.i64(throughSeq)
        w.string(idAtSeq)
        w.i64(Int64(monitor.status.untracked))
        w.optional(monitor.clockHour) { $0.i64($1) }
        w.count(monitor.entities.count)
        for e in monitor.entities {
            w.string(e.name)
            w.count(e.ring.count)
            for c in e.ring { w.u16(c) }
            w.count(e.early.count)
            for h in e.early { w.i64(h) }
            w.i64(e.firstHour)
            w.i64(e.lastHour)
            w.i64(Int64(e.events))
            w.f64(e.scale)
            w.optional(e.scaleHour) { $0.i64($1) }
            for seen in [e.types, e.countries] {
                w.count(seen.values.count)
                for v in seen.values.sorted() { w.string(v) }
                w.optional(seen.last) { $0.string($1) }
            }
            w.count(e.asns.count)
            for a in e.asns.sorted() { w.u32(a) }
            w.u64(e.kinds)
            w.optional(e.open) { w, a in
                w.string(a.entity)
                w.u8(a.kind == .rate ? 0 : 1)
                w.i64(a.start.microseconds)
                w.i64(a.end.microseconds)
                w.f64(a.observed)
                w.f64(a.expected)
                w.f64(a.score)
                w.string(a.detail)
            }
            w.optional(e.openEndHour) { $0.i64($1) }
        }
        w.count(risks.count)
        for r in risks {
            w.string(r.entity)
            w.f64(r.score)
            w.i64(r.start.microseconds)
            w.i64(r.end.microseconds)
        }
        return w.out
    }

    /// Reads saved bytes for a monitor with `options` (they must be the ones it was saved
    /// under).
    public init(decoding bytes: [UInt8], options: LiveAnomalyMonitor.Options) throws(Problem) {
        var r = SavedBytesReader(bytes)
        guard bytes.count >= Self.magic.count + 4, r.matches(Self.magic) else { throw .notSavedMonitor }
        let version = try r.u32("format version")
        guard version == Self.formatVersion else { throw .version(found: version) }
        var monitor = LiveAnomalyMonitor(options: options)
        let o = monitor.options
        let savedAlpha = try r.f64("alpha")
        var savedLimits: [Int64] = []
        for name in ["history hours", "maximum entities", "sparse events", "type capacity", "minimum events"] { savedLimits.append(try r.i64(name)) }
        guard savedAlpha == o.alpha, savedLimits == [o.historyHours, o.maximumEntities, o.sparseEvents, o.typeCapacity, o.minimumEvents].map(Int64.init) else {
            throw .otherOptions
        }
        throughSeq = try r.i64("seq")
        guard throughSeq > 0 else { throw .invalid(field: "seq", offset: r.offset - 8, expected: "a stored seq (1 or more)") }
        idAtSeq = try r.string("id")
        let untracked = try r.i64("untracked events")
        guard untracked >= 0 else { throw .invalid(field: "untracked events", offset: r.offset - 8, expected: "a count") }
        monitor.clockHour = try r.optional("clock hour") { r throws(Problem) in try r.hour("clock hour") }
        let count = try r.count("entities", each: 60, atMost: o.maximumEntities)
        monitor.entities.reserveCapacity(count)
        for slot in 0..<count {
            let at = r.offset
            let name = try r.string("entity name")
            guard !name.isEmpty, monitor.index.updateValue(slot, forKey: name) == nil else {
                throw .invalid(field: "entity name", offset: at, expected: "a name not empty and not given twice")
            }
            var e = LiveAnomalyMonitor.EntityState(name: name, firstHour: 0, lastHour: 0)
            let ringCount = try r.count("ring of \(name)", each: 2, atMost: o.historyHours)
            guard ringCount == 0 || ringCount == o.historyHours else {
                throw .invalid(field: "ring of \(name)", offset: r.offset, expected: "no hours or \(o.historyHours)")
            }
            e.ring.reserveCapacity(ringCount)
            for _ in 0..<ringCount { e.ring.append(try r.u16("ring of \(name)")) }
            let earlyCount = try r.count("hours of \(name)", each: 8, atMost: ringCount == 0 ? max(0, o.sparseEvents - 1) : 0)
            for _ in 0..<earlyCount { e.early.append(try r.hour("hours of \(name)")) }
            e.firstHour = try r.hour("first hour of \(name)")
            e.lastHour = try r.hour("last hour of \(name)")
            guard e.firstHour <= e.lastHour else {
                throw .invalid(field: "last hour of \(name)", offset: r.offset - 8, expected: "an hour at or after its first")
            }
            let events = try r.i64("events of \(name)")
            guard events >= 0 && events <= 1 << 53 else {
                throw .invalid(field: "events of \(name)", offset: r.offset - 8, expected: "a count")
            }
            e.events = Int(events)
            e.scale = try r.f64("scale of \(name)")
            guard e.scale.isFinite && e.scale >= 1 else {
                throw .invalid(field: "scale of \(name)", offset: r.offset - 8, expected: "a finite scale of 1 or more")
            }
            e.scaleHour = try r.optional("scale hour of \(name)") { r throws(Problem) in try r.hour("scale hour of \(name)") }
            e.types = try r.seenValues("types of \(name)", capacity: o.typeCapacity)
            e.countries = try r.seenValues("countries of \(name)", capacity: o.typeCapacity)
            let asnCount = try r.count("ASes of \(name)", each: 4, atMost: o.typeCapacity)
            for _ in 0..<asnCount {
                guard e.asns.insert(try r.u32("ASes of \(name)")).inserted else {
                    throw .invalid(field: "ASes of \(name)", offset: r.offset - 4, expected: "each AS once")
                }
            }
            e.kinds = try r.u64("indicator kinds of \(name)")
            e.open = try r.optional("open anomaly of \(name)") { r throws(Problem) in try r.anomaly("open anomaly of \(name)") }
            e.openEndHour = try r.optional("open anomaly's hour of \(name)") { r throws(Problem) in try r.hour("open anomaly's hour of \(name)") }
            monitor.entities.append(e)
        }
        monitor.status.tracked = monitor.entities.count
        monitor.status.untracked = Int(untracked)
        let riskCount = try r.count("risks", each: 28, atMost: Int.max)
        var risks: [EntityRisk] = []
        risks.reserveCapacity(riskCount)
        for _ in 0..<riskCount {
            let entity = try r.string("risk's entity")
            let score = try r.f64("risk's score")
            guard score.isFinite && score >= 0 && score <= 100 else {
                throw .invalid(field: "risk's score", offset: r.offset - 8, expected: "a score from 0 to 100")
            }
            let start = try r.time("risk's start"), end = try r.time("risk's end")
            risks.append(EntityRisk(entity: entity, score: score, start: start, end: end))
        }
        guard r.offset == bytes.count else { throw .trailingBytes(offset: r.offset) }
        self.monitor = monitor
        self.risks = risks
    }
}

/// Appends the saved monitor's fields.
struct SavedBytesWriter {
    var out: [UInt8] = []

    mutating func bytes(_ b: [UInt8]) { out += b }
    mutating func u8(_ v: UInt8) { out.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func f64(_ v: Double) { u64(v.bitPattern) }
    mutating func count(_ n: Int) { u32(UInt32(clamping: n)) }
    mutating func string(_ s: String) {
        count(s.utf8.count)
        out += s.utf8
    }
    mutating func optional<T>(_ value: T?, _ write: (inout SavedBytesWriter, T) -> Void) {
        guard let value else { return u8(0) }
        u8(1)
        write(&self, value)
    }
}

/// Reads the saved monitor's fields, bounds-checked, naming the field that fails.
struct SavedBytesReader {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func matches(_ prefix: [UInt8]) -> Bool {
        guard bytes.count - offset >= prefix.count, bytes[offset..<(offset + prefix.count)].elementsEqual(prefix) else { return false }
        offset += prefix.count
        return true
    }

    private mutating func take<T: FixedWidthInteger>(_ type: T.Type, _ field: String) throws(SavedMonitor.Problem) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else { throw .truncated(field: field, offset: bytes.count) }
        var value = T.zero
        for k in 0..<size { value |= T(bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    mutating func u8(_ field: String) throws(SavedMonitor.Problem) -> UInt8 { try take(UInt8.self, field) }
    mutating func u16(_ field: String) throws(SavedMonitor.Problem) -> UInt16 { try take(UInt16.self, field) }
    mutating func u32(_ field: String) throws(SavedMonitor.Problem) -> UInt32 { try take(UInt32.self, field) }
    mutating func u64(_ field: String) throws(SavedMonitor.Problem) -> UInt64 { try take(UInt64.self, field) }
    mutating func i64(_ field: String) throws(SavedMonitor.Problem) -> Int64 { Int64(bitPattern: try take(UInt64.self, field)) }
    mutating func f64(_ field: String) throws(SavedMonitor.Problem) -> Double { Double(bitPattern: try take(UInt64.self, field)) }

    /// A count of items of at least `each` bytes: no more than the bytes left can hold (a
    /// damaged count never reserves gigabytes) nor than `atMost`.
    mutating func count(_ field: String, each: Int, atMost: Int) throws(SavedMonitor.Problem) -> Int {
        let n = Int(try u32(field))
        guard n <= atMost else { throw .invalid(field: field, offset: offset - 4, expected: "at most \(atMost)") }
        guard n <= (bytes.count - offset) / max(1, each) else { throw .truncated(field: field, offset: bytes.count) }
        return n
    }

    mutating func string(_ field: String) throws(SavedMonitor.Problem) -> String {
        let n = try count(field, each: 1, atMost: 1 << 20)
        let text = String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
        guard text.utf8.count == n else { throw .invalid(field: field, offset: offset, expected: "UTF-8 text") }
        offset += n
        return text
    }

    mutating func optional<T>(_ field: String, _ read: (inout SavedBytesReader) throws(SavedMonitor.Problem) -> T) throws(SavedMonitor.Problem) -> T? {
        switch try u8(field) {
        case 0: return nil
        case 1: return try read(&self)
        default: throw .invalid(field: field, offset: offset - 1, expected: "0 (absent) or 1 (present)")
        }
    }

    /// An hour a timestamp can fall in.
    mutating func hour(_ field: String) throws(SavedMonitor.Problem) -> Int64 {
        let h = try i64(field)
        // By magnitude: abs(Int64.min) traps.
        guard h.magnitude <= SavedMonitor.hourBound.magnitude else { throw .invalid(field: field, offset: offset - 8, expected: "an hour of years 0000–9999") }
        return h
    }

    mutating func time(_ field: String) throws(SavedMonitor.Problem) -> Timestamp {
        let t = Timestamp(microseconds: try i64(field))
        guard t.isRepresentable else { throw .invalid(field: field, offset: offset - 8, expected: "a time of years 0000–9999") }
        return t
    }

    mutating func seenValues(_ field: String, capacity: Int) throws(SavedMonitor.Problem) -> LiveAnomalyMonitor.SeenValues {
        var seen = LiveAnomalyMonitor.SeenValues()
        let n = try count(field, each: 4, atMost: capacity)
        for _ in 0..<n {
            let at = offset
            guard seen.remember(try string(field)) else { throw .invalid(field: field, offset: at, expected: "each value once") }
        }
        let at = offset
        seen.last = try optional(field) { r throws(SavedMonitor.Problem) in try r.string(field) }
        if let last = seen.last, !seen.contains(last) { throw .invalid(field: field, offset: at, expected: "a last value among the values") }
        return seen
    }

    mutating func anomaly(_ field: String) throws(SavedMonitor.Problem) -> Anomaly {
        let entity = try string(field)
        let kindAt = offset
        let kind: Anomaly.Kind
        switch try u8(field) {
        case 0: kind = .rate
        case 1: kind = .rare
        default: throw .invalid(field: field, offset: kindAt, expected: "kind 0 (rate) or 1 (rare)")
        }
        let start = try time(field), end = try time(field)
        let observed = try f64(field), expected = try f64(field), score = try f64(field)
        guard observed.isFinite, expected.isFinite, score.isFinite else {
            throw .invalid(field: field, offset: offset - 24, expected: "finite counts and score")
        }
        let detail = try string(field)
        return Anomaly(entity: entity, kind: kind, start: start, end: end, observed: observed, expected: expected, score: score, detail: detail)
    }
}
