import CTASCore

/// A batch of events encoded once as `EventCodec` records, back to back in one buffer.
///
/// Built off the writer's thread (the route stage): the writer binds the text columns by
/// pointer (`SQLITE_STATIC`, no copies) and the hot tier copies whole records verbatim. The
/// single SQLite writer is the pipeline's narrowest point, and the core that parses is the
/// other: neither should encode an event twice.
public struct WarmRowBlock: Sendable {
    static let textColumns = EventCodec.textColumns
    /// Starts with one padding byte so the buffer is never empty (an empty text needs a
    /// non-null pointer, or SQLite stores NULL).
    var bytes: [UInt8] = [0]
    /// Per event and text column: (offset, length) into `bytes`; length −1 is NULL.
    var spans: [Int32] = []
    /// Per event, where its record starts; one more entry marks the end.
    var starts: [Int32] = [1]
    /// The block's distinct source and type values, and per event the place of its source
    /// and of its type among them (−1: no source). Found where the block is built, so the
    /// writer counts the listed names' new events without hashing a name per event.
    var names: [String] = []
    var sourceOf: [Int32] = []
    var typeOf: [Int32] = []
    private var nameIndex: [String: Int32] = [:]
    public var count: Int { starts.count - 1 }

    public init() {}

    public init(_ events: [Event]) {
        self.init(reservingFor: events.count)
        for e in events { append(e) }
    }

    /// An empty block with room for about `count` events, filled by `append(_:)`.
    public init(reservingFor count: Int) {
        bytes.reserveCapacity(count * 400)
        spans.reserveCapacity(count * Self.textColumns * 2)
        starts.reserveCapacity(count + 1)
        sourceOf.reserveCapacity(count)
        typeOf.reserveCapacity(count)
    }

    public mutating func append(_ e: Event) {
        EventCodec.append(e, to: &bytes, spans: &spans)
        starts.append(Int32(bytes.count))
        sourceOf.append(e.source.map { place(of: $0) } ?? -1)
        typeOf.append(place(of: e.type))
    }

    /// The place of `name` in `names`, added when new (events of one value come in runs, so
    /// the last one is looked at first).
    private mutating func place(of name: String) -> Int32 {
        if let last = names.last, last == name { return Int32(names.count - 1) }
        if let known = nameIndex[name] { return known }
        let place = Int32(names.count)
        names.append(name)
        nameIndex[name] = place
        return place
    }

    /// The bytes of record `row`.
    func record(_ row: Int) -> Range<Int> { Int(starts[row])..<Int(starts[row + 1]) }
}

extension Array where Element == Int32 {
    /// `withUnsafeBufferPointer` keeping the body's typed error.
    func withBytes32<R, E: Error>(_ body: (UnsafeBufferPointer<Int32>) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBufferPointer { buffer in
            do throws(E) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
