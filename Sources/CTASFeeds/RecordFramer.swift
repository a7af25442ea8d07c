import CTASCore

/// The framing a source's bytes need: lines (NDJSON, CSV, Zeek TSV), the elements of one JSON
/// array, or a stream of JSON values spread over lines (pretty-printed objects). Undecided
/// until the source's first line shows which when reading from the top; a reader resuming past
/// the top says which (`RecordLayout.Sniffer` over the file's first bytes tells).
public struct RecordFramer: Sendable {
    private enum Mode: Sendable {
        case undecided(start: SourcePosition, pending: [UInt8], sniffer: RecordLayout.Sniffer)
        case lines(LineFramer)
        case values(JSONValueFramer)
    }

    private var mode: Mode
    public let maxLineBytes: Int

    /// `layout`: nil decides from the first bytes (only valid at the top of a source).
    public init(start: SourcePosition = .start, layout: RecordLayout? = nil, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
        mode = .undecided(start: start, pending: [], sniffer: RecordLayout.Sniffer())
        if let layout {
            begin(layout, at: start)
        } else if start.offset != 0 {
            begin(.lines, at: start)
        }
    }

    /// How the source turned out to be framed (nil while undecided).
    public var layout: RecordLayout? {
        switch mode {
        case .undecided: nil
        case .lines: .lines
        case .values(let f): f.enclosure == .array ? .array : .values
        }
    }

    public var completedPosition: SourcePosition {
        switch mode {
        case .undecided(let start, _, _): start
        case .lines(let f): f.completedPosition
        case .values(let f): f.completedPosition
        }
    }

    public var pendingBytes: Int {
        switch mode {
        case .undecided(_, let pending, _): pending.count
        case .lines(let f): f.pendingBytes
        case .values: 0
        }
    }

    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        switch mode {
        case .lines(var f):
            let before = f.completedPosition
            let pending = f.pendingBytes
            // A line begun in an earlier chunk, kept in case it opens a pretty-printed value.
            // (An opening line is short; with its CR and a byte-order mark it is still under 256.)
            let carried = pending > 0 && pending <= 256 ? f.pendingPrefix : nil
            let firstNew = batch.lines.count
            f.frame(chunk, into: &batch)
            if let opening = Self.firstValueOpening(in: batch, from: firstNew), opening > firstNew || pending == 0 || carried != nil {
                switchToValues(at: opening, firstNew: firstNew, before: before, pending: pending, carried: carried, chunk: chunk, into: &batch)
            } else {
                mode = .lines(f)
            }
        case .values(var f):
            f.frame(chunk, into: &batch)
            mode = .values(f)
        case .undecided(let start, var pending, var sniffer):
            pending.append(contentsOf: chunk)
            var decided = sniffer.feed(chunk)
            if decided == nil, pending.count > maxLineBytes { decided = .lines }
            if let decided {
                begin(decided, at: start)
                pending.withUnsafeBufferPointer { frame($0, into: &batch) }
            } else {
                mode = .undecided(start: start, pending: pending, sniffer: sniffer)
            }
        }
    }

    public mutating func finish(into batch: inout LineBatch) {
        if case .undecided(let start, let pending, let sniffer) = mode {
            begin(sniffer.decision ?? .lines, at: start)
            pending.withUnsafeBufferPointer { frame($0, into: &batch) }
        }
        switch mode {
        case .lines(var f):
            f.finish(into: &batch)
            mode = .lines(f)
        case .values(var f):
            f.finish(into: &batch)
            mode = .values(f)
        case .undecided: break
        }
    }

    /// The longest line (spaces included) that can open a pretty-printed value mid-source.
    static let openingLineBytes = 64

    /// The index of the first line from `first` on that is a lone `{` (spaces and tabs
    /// around it): where a pretty-printer starts an object, and never a whole record.
    static func firstValueOpening(in batch: LineBatch, from first: Int) -> Int? {
        guard first < batch.lines.count else { return nil }
        return batch.buffer.withUnsafeBufferPointer { buffer -> Int? in
            for k in first..<batch.lines.count {
                let span = batch.lines[k]
                guard span.count > 0, span.count <= openingLineBytes, span.oversizedLength == nil else { continue }
                var sawBrace = false
                var alone = true
                for byte in buffer[span.start..<(span.start + span.count)] {
                    if byte == 0x20 || byte == 0x09 { continue }
                    if byte == UInt8(ascii: "{") && !sawBrace { sawBrace = true; continue }
                    alone = false
                    break
                }
                if sawBrace && alone { return k }
            }
            return nil
        }
    }

    /// A source read as lines (its first record fitted one) turns out to go on as values
    /// over several lines (say, `jq .` output appended to NDJSON): the lines from the one
    /// at `opening` on are taken back and their bytes framed as a stream of values from
    /// then on (which frames one-line values as lines are).
    private mutating func switchToValues(at opening: Int, firstNew: Int, before: SourcePosition, pending: Int, carried: [UInt8]?,
                                         chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        let span = batch.lines[opening]
        let start: SourcePosition = opening == firstNew ? before : SourcePosition(offset: batch.lines[opening - 1].endOffset,
                                                                                   line: batch.lines[opening - 1].number)
        let chunkStart = before.offset + Int64(pending)
        let fromCarried = start.offset < chunkStart
        var values = JSONValueFramer(.stream, start: SourcePosition(offset: start.offset, line: span.number), maxLineBytes: maxLineBytes)
        batch.buffer.removeSubrange(span.start...)
        batch.lines.removeSubrange(opening...)
        batch.end = start
        if fromCarried {
            (carried ?? []).withUnsafeBufferPointer { values.frame($0, into: &batch) }
            values.frame(chunk, into: &batch)
        } else {
            let skip = Int(clamping: max(0, start.offset - chunkStart))
            values.frame(UnsafeBufferPointer(rebasing: chunk[min(skip, chunk.count)...]), into: &batch)
        }
        mode = .values(values)
    }

    private mutating func begin(_ layout: RecordLayout, at start: SourcePosition) {
        switch layout {
        case .lines: mode = .lines(LineFramer(start: start, maxLineBytes: maxLineBytes))
        case .array: mode = .values(JSONValueFramer(.array, start: start, maxLineBytes: maxLineBytes))
        case .values: mode = .values(JSONValueFramer(.stream, start: start, maxLineBytes: maxLineBytes))
        }
    }
}

/// How a source's records are laid out in its bytes.
public enum RecordLayout: Sendable, Equatable {
    /// One record per line.
    case lines
    /// The elements of one JSON array.
    case array
    /// JSON values one after another, each over several lines (pretty-printed).
    case values

    /// Decides the layout from a source's first bytes: `[` is an array; a `{` whose object is
    /// still open at the end of its line is a stream of values; anything else is lines. A
    /// byte-order mark and blank lines before say nothing.
    public struct Sniffer: Sendable {
        public private(set) var decision: RecordLayout?
        private var seen = 0
        private var opened = false
        private var depth = 0
        private var strings = JSONStringTracker()

        public init() {}

        /// Feeds the next bytes; the layout once they tell it.
        public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> RecordLayout? {
            for byte in bytes where feed(byte) != nil { break }
            return decision
        }

        /// Feeds one byte; the layout once the bytes so far tell it.
        public mutating func feed(_ byte: UInt8) -> RecordLayout? {
            if decision == nil { decision = step(byte) }
            return decision
        }

        private mutating func step(_ byte: UInt8) -> RecordLayout? {
            defer { seen += 1 }
            guard opened else {
                if JSONValueFramer.isSpace(byte) || (seen < 3 && JSONValueFramer.isBOM(byte)) { return nil }
                if byte == UInt8(ascii: "[") { return .array }
                guard byte == UInt8(ascii: "{") else { return .lines }
                opened = true
                depth = 1
                return nil
            }
            if strings.inString && byte == 0x0A { return .lines }   // a line break in a string: a broken line
            if strings.consume(byte) { return nil }
            switch byte {
            case 0x0A: return .values
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return .lines }
            default: break
            }
            return nil
        }
    }
}
