import CTASCore

/// Splits JSON that is not one value per line into its values, each handed on like a line: a
/// whole value per `LineSpan`, numbered by the line it starts on, its end offset just past it
/// (so a checkpoint resumes at the next value). Two shapes:
/// - `.array`: the elements of one array (`[ {…}, {…} ]`, as people export EVE alerts);
/// - `.stream`: values one after another, each over as many lines as it likes (what `jq .`
///   and other pretty-printers write).
///
/// Values are never held beyond `maxLineBytes` (a 50 MB one-line array costs one value of
/// memory); a longer value is cut to a prefix and flagged, as an over-long line is.
///
/// It tracks strings and nesting only; validating each value is the parser's job. A value cut
/// off at the end is handed on as it is (its parser rejects it). In a stream, a value cut off
/// in the middle does not swallow the rest: a line starting with `{` where the open object
/// cannot take one (no `:` before it) begins the next value, and the cut one is handed on.
public struct JSONValueFramer: Sendable {
    public enum Enclosure: Sendable {
        case array, stream
    }

    private enum State: Sendable {
        case beforeArray, beforeElement, inElement, afterElement, afterArray
    }

    public let enclosure: Enclosure
    public let maxLineBytes: Int
    private var state: State
    private var depth = 0
    private var strings = JSONStringTracker()
    /// Whether each of the innermost 64 open containers is an object (bit `depth - 1`).
    private var objects: UInt64 = 0
    /// The last byte outside strings that was not white space (`"` for a closed string).
    private var lastSignificant: UInt8 = 0
    /// A stream's value that is no object or array: it ends with its line.
    private var bareValue = false
    private var atLineStart = true
    private var partial: [UInt8] = []
    private var partialLength = 0
    private var elementLine = 0
    /// Offset and line of the next byte to read.
    private var offset: Int64
    private var line: Int
    private var completed: SourcePosition

    /// A framer starting at `start`: at the top of the source, or past a value a checkpoint
    /// recorded (in an array, before `,` or `]`).
    public init(_ enclosure: Enclosure, start: SourcePosition = .start, maxLineBytes: Int = LineFramer.defaultMaxLineBytes) {
        self.enclosure = enclosure
        self.maxLineBytes = maxLineBytes
        switch enclosure {
        case .array: state = start.offset == 0 ? .beforeArray : .afterElement
        case .stream: state = .beforeElement
        }
        offset = start.offset
        line = max(1, start.line)
        completed = start
    }

    /// The position after the last complete value framed so far.
    public var completedPosition: SourcePosition { completed }

    public mutating func frame(_ chunk: UnsafeBufferPointer<UInt8>, into batch: inout LineBatch) {
        var segmentStart = 0
        for i in 0..<chunk.count {
            let byte = chunk[i]
            let lineStart = atLineStart
            atLineStart = byte == 0x0A
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
                }
            case .beforeElement, .afterElement:
                if Self.isSpace(byte) || (enclosure == .stream && offset < 3 && Self.isBOM(byte)) { continue }
                if enclosure == .array {
                    if byte == UInt8(ascii: ",") && state == .afterElement { state = .beforeElement; continue }
                    if byte == UInt8(ascii: "]") { state = .afterArray; continue }
                }
                state = .inElement
                beginElement()
                segmentStart = i
                bareValue = enclosure == .stream && byte != UInt8(ascii: "{") && byte != UInt8(ascii: "[")
                if bareValue { continue }
                if step(byte) {
                    appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart...i]))
                    endElement(into: &batch)
                }
            case .inElement:
                if enclosure == .stream {
                    if byte == 0x0A && (bareValue || strings.inString) {
                        if bareValue {
                            appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart..<i]))
                            endElement(into: &batch, endOffset: offset)
                            continue
                        }
                        // No JSON string holds a line break: this one was cut off.
                        strings.leaveString()
                        lastSignificant = UInt8(ascii: "\"")
                    }
                    if lineStart && byte == UInt8(ascii: "{") && !bareValue && cannotTakeObject {
                        appendPartial(UnsafeBufferPointer(rebasing: chunk[segmentStart..<i]))
                        endElement(into: &batch, endOffset: offset)
                        state = .inElement
                        beginElement()
                        segmentStart = i
                        _ = step(byte)
                        continue
                    }
                    if bareValue { continue }
                } else if !strings.inString && depth == 0 && (byte == UInt8(ascii: ",") || byte == UInt8(ascii: "]")) {
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

    /// At the end of the stream: a value cut off is handed on as it is (and rejected).
    public mutating func finish(into batch: inout LineBatch) {
        if state == .inElement, partialLength > 0 { endElement(into: &batch, endOffset: offset) }
        state = .afterArray
    }

    /// Inside an object, `{` may only follow `:`; anywhere else it is no part of this value.
    private var cannotTakeObject: Bool {
        guard depth >= 1, depth <= 64, objects >> UInt64(depth - 1) & 1 == 1 else { return false }
        return lastSignificant != UInt8(ascii: ":")
    }

    private mutating func beginElement() {
        partial.removeAll(keepingCapacity: partial.capacity <= 1 << 16)
        partialLength = 0
        elementLine = line
        depth = 0
        objects = 0
        strings = JSONStringTracker()
        bareValue = false
        lastSignificant = 0
    }

    /// Feeds one byte of a value; true when it closes the value.
    private mutating func step(_ byte: UInt8) -> Bool {
        if strings.consume(byte) {
            lastSignificant = UInt8(ascii: "\"")
            return false
        }
        if !Self.isSpace(byte) { lastSignificant = byte }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            if depth < 64 {
                let bit: UInt64 = 1 << UInt64(depth)
                objects = byte == UInt8(ascii: "{") ? objects | bit : objects & ~bit
            }
            depth += 1
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

    static func isSpace(_ b: UInt8) -> Bool { JSONStringTracker.isSpace(b) }
    static func isBOM(_ b: UInt8) -> Bool { b == 0xEF || b == 0xBB || b == 0xBF }
}
