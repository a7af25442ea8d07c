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
    }

    public mutating func append(_ e: Event) {
        EventCodec.append(e, to: &bytes, spans: &spans)
        starts.append(Int32(bytes.count))
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
