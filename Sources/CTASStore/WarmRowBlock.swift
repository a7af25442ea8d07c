import CTASCore

/// The text columns of a batch of events, encoded once into one contiguous buffer.
///
/// Built off the writer's thread (the route stage), so the writer only binds pointers into
/// it (`SQLITE_STATIC`, no copies) and steps: the single SQLite writer is the pipeline's
/// narrowest point, and every microsecond moved off it is throughput.
public struct WarmRowBlock: Sendable {
    /// Text columns in bind order: id, type, source, entity, indicators (JSON), description, tags (JSON).
    static let textColumns = 7
    /// Starts with one padding byte so the buffer is never empty (an empty text needs a
    /// non-null pointer, or SQLite stores NULL).
    var bytes: [UInt8] = [0]
    /// Per event and text column: (offset, length) into `bytes`; length −1 is NULL.
    var spans: [Int32] = []
    public private(set) var count = 0

    public init() {}

    public init(_ events: [Event]) {
        bytes.reserveCapacity(events.count * 384)
        spans.reserveCapacity(events.count * Self.textColumns * 2)
        for e in events { append(e) }
    }

    public mutating func append(_ e: Event) {
        text(e.id)
        text(e.type)
        text(e.source)
        text(e.entity)
        list(e.indicators)
        text(e.description)
        list(e.tags)
        count += 1
    }

    private mutating func text(_ value: String?) {
        guard let value else {
            spans.append(0)
            spans.append(-1)
            return
        }
        let start = bytes.count
        bytes.append(contentsOf: value.utf8)
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }

    private mutating func list(_ values: [String]) {
        guard !values.isEmpty else {
            spans.append(0)
            spans.append(-1)
            return
        }
        let start = bytes.count
        JSONString.appendArray(values, to: &bytes)
        spans.append(Int32(start))
        spans.append(Int32(bytes.count - start))
    }
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
