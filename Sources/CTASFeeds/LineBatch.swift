import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
/// One line inside a `LineBatch`'s buffer.
public struct LineSpan: Sendable, Equatable {
    /// Byte range of the line's content in the batch buffer (no newline, no CR).
    public var start: Int
    public var count: Int
    /// 1-based line number in the source.
    public var number: Int
    /// Source offset just after this line's newline.
    public var endOffset: Int64
    /// When the line was longer than the reader's limit: its full length. The buffer then
    /// holds only its first bytes, kept for the dead-letter file.
    public var oversizedLength: Int?

    public init(start: Int, count: Int, number: Int, endOffset: Int64, oversizedLength: Int? = nil) {
        self.start = start
        self.count = count
        self.number = number
        self.endOffset = endOffset
        self.oversizedLength = oversizedLength
    }
}

/// Complete lines read from a source, in order, sharing one buffer (batches, not lines,
/// cross actor boundaries).
public struct LineBatch: Sendable {
    public var buffer: [UInt8] = []
    public var lines: [LineSpan] = []
    /// Increases when the source is repositioned (seek, loop); stale batches are dropped.
    public var generation: Int = 0
    /// Loop pass number (0 for the first pass over a file).
    public var pass: Int = 0
    /// The position after the last line in this batch.
    public var end: SourcePosition = .start
    /// Set on a source's first batch after a reposition past its top: its first line (format
    /// detection, the CSV header) and the header lines before the start (a Zeek header block).
    public var context: SourceContext?
    /// Faults of the bytes themselves that the reader found (a truncated gzip stream), each
    /// counted as a reject with where it happened.
    public var problems: [Rejection] = []
    /// Set on the first batch after the source opened or moved: where reading started.
    public var startedAt: SourcePosition?
    /// When the bytes were read (monotonic nanoseconds), for end-to-end latency.
    public var readAtNanos: UInt64 = 0
    /// Set on the empty batch a source sends once it has read to its end: the batches before
    /// it were all there is. What follows the last record (a JSON array's `]`, blank lines)
    /// holds none, so the last record's end falls short of the file's.
    public var reachedEnd = false

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }

    /// Bytes of one line.
    public func withLine<R, E: Error>(_ span: LineSpan, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        try buffer.withBytes { (all) throws(E) -> R in
            try body(UnsafeBufferPointer(rebasing: all[span.start..<(span.start + span.count)]))
        }
    }
}

/// Splits a byte stream into lines: LF or CRLF endings, a UTF-8 byte-order mark at a line's
/// start dropped, lines beyond `maxLineBytes` cut to a prefix and flagged (never buffered
/// whole, so a hostile multi-gigabyte line costs no memory).
public struct LineFramer: Sendable {
    public static let defaultMaxLineBytes = 1 << 20
    /// How much of an oversized line is kept for the dead-letter file.
    public static let oversizedPrefixBytes = 4096

    public let maxLineBytes: Int
    private var partial: [UInt8] = []
    private var partialLength = 0     // full length of the partial line seen so far
    private var position: SourcePosition

    public init(start: SourcePosition = .start, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.position = start
        self.maxLineBytes = maxLineBytes
    }

    /// The position after the last complete line framed so far.
    public var completedPosition: SourcePosition { position }

    /// Bytes held for a line that has not ended yet.
    public var pendingBytes: Int { partialLength }

    /// The bytes held for a line that has not ended yet (all of them unless it is over-long).
    public var pendingPrefix: [UInt8] { partial }

    /// Frames `chunk`, appending complete lines to `batch`.
    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        var i = 0
        let n = chunk.count
        guard let base = chunk.baseAddress else { return }
        while i < n {
            let j: Int
            if let hit = memchr(base + i, 0x0A, n - i) {
                j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            } else {
                j = n
            }
            let piece = UnsafeBufferPointer(rebasing: chunk[i..<j])
            if j < n && partialLength == 0 {
                emit(piece, rawLength: piece.count, newlineBytes: 1, into: &batch)   // whole line in this chunk
            } else {
                appendPartial(piece)
                if j < n { emitPartial(newlineBytes: 1, into: &batch) }
            }
            i = j + 1
        }
    }

    /// At end of stream: a final line without a newline is still a line.
    public mutating func finish(into batch: inout LineBatch) {
        if partialLength > 0 { emitPartial(newlineBytes: 0, into: &batch) }
    }

    private mutating func appendPartial(_ piece: UnsafeBufferPointer<UInt8>) {
        let room = maxLineBytes + 1 - partial.count   // +1 keeps a trailing CR until we know
        if room > 0 {
            partial.append(contentsOf: UnsafeBufferPointer(rebasing: piece[0..<min(room, piece.count)]))
        }
        partialLength += piece.count
    }

    private mutating func emitPartial(newlineBytes: Int, into batch: inout LineBatch) {
        let held = partial
        let rawLength = partialLength
        held.withUnsafeBufferPointer { emit($0, rawLength: rawLength, newlineBytes: newlineBytes, into: &batch) }
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        partialLength = 0
    }

    /// Appends one line; `kept` holds its first bytes (all of them unless it is oversized).
    private mutating func emit(_ kept: UnsafeBufferPointer<UInt8>, rawLength: Int, newlineBytes: Int, into batch: inout LineBatch) {
        var start = 0
        var end = kept.count
        var length = rawLength
        if length > 0, end == length, kept[end - 1] == 0x0D {
            end -= 1
            length -= 1
        }
        position.offset += Int64(rawLength + newlineBytes)
        position.line += 1
        var oversized: Int?
        if length > maxLineBytes {
            oversized = length
            end = min(end, Self.oversizedPrefixBytes)
        } else if end >= 3, kept[0] == 0xEF, kept[1] == 0xBB, kept[2] == 0xBF {
            start = 3
        }
        let bytes = UnsafeBufferPointer(rebasing: kept[start..<end])
        batch.lines.append(LineSpan(start: batch.buffer.count, count: bytes.count, number: position.line,
                                    endOffset: position.offset, oversizedLength: oversized))
        batch.buffer.append(contentsOf: bytes)
        batch.end = position
    }
}
