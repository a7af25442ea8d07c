import CTASCore

/// Splits a JSON array (`[ {…}, {…} ]`, as people export EVE alerts) into its elements, each
/// handed on like a line: a whole element per `LineSpan`, numbered by the line it starts on,
/// its end offset just past it (so a checkpoint resumes at the next element). Elements are
/// never held beyond `maxLineBytes` (a 50 MB one-line array costs one element of memory); a
/// longer element is cut to a prefix and flagged, as an over-long line is.
///
/// It tracks strings and nesting only; validating each element is the parser's job. An array
/// cut off mid-element hands the partial element on at the end (its parser rejects it).
public struct JSONArrayFramer: Sendable {
    private enum State: Sendable {
        case beforeArray, beforeElement, inElement, afterElement, afterArray
    }

    public let maxLineBytes: Int
    private var state: State
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var partial: [UInt8] = []
    private var partialLength = 0
    private var elementLine = 0
    /// Offset and line of the next byte to read.
    private var offset: Int64
    private var line: Int
    private var completed: SourcePosition

    /// A framer starting at `start`: at the top of the source (before `[`), or past an
    /// element a checkpoint recorded (before `,` or `]`).
    public init(start: SourcePosition = .start, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
        state = start.offset == 0 ? .beforeArray : .afterElement
        offset = start.offset
        line = max(1, start.line)
        completed = start
    }

    /// The position after the last complete element framed so far.
    public var completedPosition: SourcePosition { completed }

    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        var segmentStart = 0
        for i in 0..<chunk.count {
            let byte = chunk[i]
            defer {
                offset += 1
                if byte == 0x0A { line += 1 }
            }
            switch state {
            case .beforeArray:
                if byte == UInt8(ascii: "[") { state = .beforeElement } else if !Self.isSpace(byte) && !(offset < 3 && Self.isBOM(byte)) {
                    // Not an array after all: the rest is one malformed element.
                    state = .inElement
                    beginElement()
                    segmentStart = i
                    depth = 0
                }
            case .beforeElement, .afterElement:
                if Self.isSpace(byte) { continue }
                if byte == UInt8(ascii: ",") && state == .afterElement { state = .beforeElement; continue }
                if byte == UInt8(ascii: "]") { state = .afterArray; continue }
                state = .inElement
                beginElement()
                segmentStart = i
                depth = 0
                inString = false
                escaped = false
                if step(byte) {
                    appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart...i]))
                    endElement(into: &batch)
                }
            case .inElement:
                if !inString && depth == 0 && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")) {
                    // A scalar element ends before its separator.
                    appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart..<i]))
                    endElement(into: &batch, endOffset: offset)
                    state = byte == UInt8(ascii: ",") ? .beforeElement : .afterArray
                    continue
                }
                if step(byte) {
                    appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart...i]))
                    endElement(into: &batch)
                }
            case .afterArray:
                continue
            }
        }
        if state == .inElement { appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart...])) }
    }

    /// At the end of the stream: an element cut off is handed on as it is (and rejected).
    public mutating func finish(into batch: inout LineBatch) {
        if state == .inElement, partialLength > 0 { endElement(into: &batch, endOffset: offset) }
        state = .afterArray
    }

    private mutating func beginElement() {
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        partialLength = 0
        elementLine = line
    }

    /// Feeds one byte of an element; true when it closes the element.
    private mutating func step(_ byte: UInt8) -> Bool {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            return false
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            return depth <= 0
        default: break
        }
        return false
    }

    private mutating func appendPartial(_ piece: UnsafeBufferPointer<UInt8>) {
        let room = maxLineBytes - partial.count
        if room > 0 { partial.append(contentsOf: UnsafeBufferPointer(rebasing: piece[0..<min(room, piece.count)])) }
        partialLength += piece.count
    }

    private mutating func endElement(into batch: inout LineBatch, endOffset: Int64? = nil) {
        let end = endOffset ?? (offset + 1)
        var kept = partial[...]
        var oversized: Int?
        if partialLength > maxLineBytes {
            oversized = partialLength
            kept = partial.prefix(LineFramer.oversizedPrefixBytes)
        }
        completed = SourcePosition(offset: end, line: elementLine)
        batch.lines.append(LineSpan(start: batch.buffer.count, count: kept.count, number: elementLine, endOffset: end, oversizedLength: oversized))
        batch.buffer.append(contentsOf: kept)
        batch.end = completed
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        partialLength = 0
        state = .afterElement
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    static func isBOM(_ b: UInt8) -> Bool { b == 0xEF || b == 0xBB || b == 0xBF }
}

/// The framing a source's bytes need: lines (NDJSON, CSV, Zeek TSV), or the elements of one
/// JSON array. Undecided until the first non-blank byte when reading from the top; a reader
/// resuming past the top says which (the file's first byte tells).
public struct RecordFramer: Sendable {
    private enum Mode: Sendable {
        case undecided(start: SourcePosition, pending: [UInt8])
        case lines(LineFramer)
        case array(JSONArrayFramer)
    }

    private var mode: Mode
    public let maxLineBytes: Int

    /// `arrayMode`: nil decides from the first bytes (only valid at the top of a source).
    public init(start: SourcePosition = .start, arrayMode: Bool? = nil, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
        switch arrayMode {
        case true?: mode = .array(JSONArrayFramer(start: start, maxLineBytes: maxLineBytes))
        case false?: mode = .lines(LineFramer(start: start, maxLineBytes: maxLineBytes))
        case nil:
            mode = start.offset == 0 ? .undecided(start: start, pending: []) : .lines(LineFramer(start: start, maxLineBytes: maxLineBytes))
        }
    }

    /// Whether the source turned out to be a JSON array.
    public var isArray: Bool {
        if case .array = mode { return true }
        return false
    }

    public var completedPosition: SourcePosition {
        switch mode {
        case .undecided(let start, _): start
        case .lines(let f): f.completedPosition
        case .array(let f): f.completedPosition
        }
    }

    public var pendingBytes: Int {
        switch mode {
        case .undecided(_, let pending): pending.count
        case .lines(let f): f.pendingBytes
        case .array: 0
        }
    }

    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        switch mode {
        case .lines(var f):
            f.frame(chunk, into: &batch)
            mode = .lines(f)
        case .array(var f):
            f.frame(chunk, into: &batch)
            mode = .array(f)
        case .undecided(let start, var pending):
            pending.append(contentsOf: chunk)
            // A BOM and whitespace say nothing yet.
            var i = 0
            if pending.count >= 3, pending[0] == 0xEF, pending[1] == 0xBB, pending[2] == 0xBF { i = 3 }
            while i < pending.count, JSONArrayFramer.isSpace(pending[i]) { i += 1 }
            guard i < pending.count else {
                if pending.count > maxLineBytes { decideLines(start: start, replaying: pending, into: &batch) } else { mode = .undecided(start: start, pending: pending) }
                return
            }
            if pending[i] == UInt8(ascii: "[") {
                var f = JSONArrayFramer(start: start, maxLineBytes: maxLineBytes)
                pending.withUnsafeBufferPointer { f.frame($0, into: &batch) }
                mode = .array(f)
            } else {
                decideLines(start: start, replaying: pending, into: &batch)
            }
        }
    }

    private mutating func decideLines(start: SourcePosition, replaying pending: [UInt8], into batch: inout LineBatch) {
        var f = LineFramer(start: start, maxLineBytes: maxLineBytes)
        pending.withUnsafeBufferPointer { f.frame($0, into: &batch) }
        mode = .lines(f)
    }

    public mutating func finish(into batch: inout LineBatch) {
        switch mode {
        case .lines(var f):
            f.finish(into: &batch)
            mode = .lines(f)
        case .array(var f):
            f.finish(into: &batch)
            mode = .array(f)
        case .undecided(let start, let pending):
            var f = LineFramer(start: start, maxLineBytes: maxLineBytes)
            pending.withUnsafeBufferPointer { f.frame($0, into: &batch) }
            f.finish(into: &batch)
            mode = .lines(f)
        }
    }
}
