import CTASCore

/// The feed formats CTAS reads.
public enum FeedFormat: String, Sendable, CaseIterable, Codable {
    /// Decide per source from its first non-blank line (and per JSON line among the JSON
    /// formats): `#` lines are a Zeek TSV header; a JSON object is native, EVE (it has
    /// `event_type`) or Zeek JSON (`_path`, `uid`); a JSON array's elements likewise;
    /// anything else is a CSV header.
    case auto
    /// CTAS's native NDJSON.
    case ndjson
    case csv
    /// Suricata EVE JSON (NDJSON, or one JSON array).
    case eve
    /// Zeek TSV logs with their header blocks.
    case zeek
    /// Zeek JSON logs.
    case zeekJSON = "zeek-json"
}

/// A line (or CSV record) that was not accepted, with why. It goes to the dead-letter file.
public struct Rejection: Sendable, Equatable {
    /// 1-based number of the (first) line.
    public var line: Int
    /// Source offset just after the line.
    public var endOffset: Int64
    public var problem: LineProblem
    /// The line's bytes (only the first 4 KiB of an oversized line).
    public var raw: [UInt8]
    /// The line's full length in bytes.
    public var rawLength: Int

    public init(line: Int, endOffset: Int64, problem: LineProblem, raw: [UInt8], rawLength: Int) {
        self.line = line
        self.endOffset = endOffset
        self.problem = problem
        self.raw = raw
        self.rawLength = rawLength
    }

    /// The key rejects are counted under: the problem code, with the field when there is one.
    public var reasonKey: String { problem.field.map { "\(problem.code):\($0)" } ?? problem.code }

    /// "line 12: field "severity" = 11; expected an integer 1–10".
    public var message: String { "line \(line): \(problem.message)" }
}

/// Events decoded from one `LineBatch`, with the rejects and the position to checkpoint.
public struct DecodedBatch: Sendable {
    public var events: [Event] = []
    /// Per event, the source position just after its line (or CSV record).
    public var eventEnds: [SourcePosition] = []
    public var rejects: [Rejection] = []
    public var blankLines = 0
    /// Resuming here loses nothing and repeats nothing (a CSV record still open at the end
    /// of the batch starts after it).
    public var checkpoint: SourcePosition = .start
    public var generation = 0
    public var pass = 0
    public var readAtNanos: UInt64 = 0
    /// Lines the batch covered (accepted, rejected, blank, header).
    public var lineCount = 0
    /// What was odd about accepted records (`timestamp_without_offset`…), counted.
    public var warnings: [String: Int] = [:]

    public init() {}
}

/// A fault that stops a source: it names the source and what was expected.
public enum FeedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An operating-system call on the source failed.
    case io(source: String, doing: String, reason: String)
    /// The path names a directory where a file was expected.
    case isDirectory(source: String)
    /// A stream or socket was asked to seek.
    case cannotSeek(source: String, kind: String)
    /// A listening address that cannot be used.
    case badAddress(source: String, problem: String)
    /// No format reads the source's first line.
    case unknownFormat(source: String, problem: String)
    /// The source's header (a CSV header row, a Zeek header block) cannot be used.
    case badHeader(source: String, line: Int, problem: String)
    /// The source's bytes are not what its format says (a gzip stream that is corrupt).
    case corrupt(source: String, offset: Int64, problem: String)
    /// The source is threat intelligence (a MISP event, a STIX bundle), not a feed of events.
    case intelligence(source: String, document: IntelligenceDocument)

    public var description: String {
        switch self {
        case .io(let source, let doing, let reason): "\(source): \(doing): \(reason)"
        case .isDirectory(let source): "\(source): is a directory; expected a feed file"
        case .cannotSeek(let source, let kind): "\(source): \(kind) cannot seek"
        case .badAddress(let source, let problem): "\(source): \(problem)"
        case .unknownFormat(let source, let problem): "\(source): cannot tell the feed format: \(problem)"
        case .badHeader(let source, let line, let problem): "\(source): line \(line): \(problem)"
        case .corrupt(let source, let offset, let problem): "\(source): at byte \(offset): \(problem)"
        case .intelligence(let source, let document):
            "\(source): is \(document.rawValue), not a feed of events; \(document.advice)"
        }
    }

    /// The description (for callers that only print).
    public var message: String { description }
}

/// Turns line batches into events for one source, keeping the state a stream needs: the
/// detected format, the CSV header or Zeek header block, and a CSV record that continues on
/// the next line.
public struct FeedDecoder: Sendable {
    /// How one source's records are read once detected.
    public enum RecordFormat: String, Sendable {
        case native, csv, eve, zeekTSV = "zeek", zeekJSON = "zeek-json"
    }

    public let requested: FeedFormat
    public private(set) var format: RecordFormat?
    public let sourceName: String
    private var csv: CSVEventParser?
    private let ndjson = NDJSONEventParser()
    private var eve: EVEEventParser
    private var zeek: ZeekLogParser
    private var zeekHeader = ZeekHeader() {
        didSet { zeekSchema = nil }
    }
    /// The current header block's schema, made on its first row.
    private var zeekSchema: ZeekSchemaHandle?

    /// Whether the first record was looked at for threat intelligence (`IntelligenceDocument`).
    private var firstRecordSeen = false
    private var pending: [UInt8] = []
    private var pendingFirstLine = 0
    private var pendingStart: SourcePosition?
    private var lastSafe: SourcePosition = .start
    /// Largest CSV record accepted (records may span lines).
    public static let maxRecordBytes = LineFramer.defaultMaxLineBytes

    public init(format: FeedFormat, sourceName: String, options: TelemetryOptions = TelemetryOptions()) {
        self.requested = format
        self.sourceName = sourceName
        eve = EVEEventParser(options: options)
        zeek = ZeekLogParser(options: options, pathFromFileName: ZeekLogParser.path(fromFileName: sourceName))
        switch format {
        case .auto: self.format = nil
        case .ndjson: self.format = .native
        case .csv: self.format = .csv
        case .eve: self.format = .eve
        case .zeek: self.format = .zeekTSV
        case .zeekJSON: self.format = .zeekJSON
        }
    }

    /// Forgets a partial record, e.g. after a seek.
    public mutating func reset(at position: SourcePosition) {
        firstRecordSeen = position.offset > 0
        pending.removeAll()
        pendingStart = nil
        lastSafe = position
    }

    private var needsHeader: Bool { format == nil || (format == .csv && csv == nil) }

    /// Decodes one batch. Throws only when the format cannot be determined or a CSV header is
    /// unusable: then no line of the source can be read.
    public mutating func decode(_ batch: LineBatch) throws(FeedError) -> DecodedBatch {
        var out = DecodedBatch()
        out.generation = batch.generation
        out.pass = batch.pass
        out.readAtNanos = batch.readAtNanos
        out.lineCount = batch.lines.count
        out.events.reserveCapacity(batch.lines.count)
        out.rejects += batch.problems
        var notes = ParseNotes()
        if let context = batch.context, batch.lines.first?.number != 1 {
            firstRecordSeen = true
            // Starting past the top: the first line decides the format, the header lines
            // before the start rebuild a Zeek header block.
            if needsHeader, !context.firstLine.isEmpty {
                _ = try context.firstLine.withBytes { (b) throws(FeedError) -> Bool in try detect(firstLine: b) }
            }
            if format == .zeekTSV {
                zeekHeader = ZeekHeader()
                for line in context.headerLines { _ = line.withBytes { b in try? zeekHeader.apply(b) } }
            }
        }
        var position = lastSafe
        for span in batch.lines {
            let previous = position
            position = SourcePosition(offset: span.endOffset, line: span.number)
            if !firstRecordSeen, span.count > 0, !isBlank(batch, span) {
                firstRecordSeen = true
                if let document = batch.withLine(span, { b in IntelligenceDocument.recognize(b) }) {
                    throw FeedError.intelligence(source: sourceName, document: document)
                }
            }
            if let length = span.oversizedLength {
                if pendingStart != nil { rejectPending(into: &out, because: LineProblem("too_long", "a CSV record continues into a line of \(length) bytes")) }
                let problem = LineProblem("line_too_long", "line has \(length) bytes; expected at most \(LineFramer.defaultMaxLineBytes)")
                out.rejects.append(Rejection(line: span.number, endOffset: span.endOffset, problem: problem,
                                             raw: Array(batch.buffer[span.start..<(span.start + span.count)]), rawLength: length))
                lastSafe = position
                continue
            }
            if needsHeader {
                if span.count == 0 || isBlank(batch, span) {
                    out.blankLines += 1
                    lastSafe = position
                    continue
                }
                let isHeader = try batch.withLine(span) { (b) throws(FeedError) -> Bool in try detect(firstLine: b) }
                if isHeader {
                    lastSafe = position
                    continue
                }
            }
            switch format {
            case .csv:
                decodeCSVLine(batch, span, before: previous, after: position, into: &out, notes: &notes)
            default:
                if span.count == 0 || isBlank(batch, span) {
                    out.blankLines += 1
                } else {
                    do throws(LineProblem) {
                        let event = try batch.withLine(span) { (b) throws(LineProblem) -> Event? in try decodeRecord(b, notes: &notes) }
                        if let event {
                            out.events.append(event)
                            out.eventEnds.append(position)
                        }
                    } catch {
                        out.rejects.append(Rejection(line: span.number, endOffset: span.endOffset, problem: error,
                                                     raw: Array(batch.buffer[span.start..<(span.start + span.count)]),
                                                     rawLength: span.count))
                    }
                }
                lastSafe = position
            }
        }
        out.checkpoint = pendingStart ?? lastSafe
        if !out.rejects.isEmpty && !batch.problems.isEmpty { out.rejects.sort { $0.endOffset < $1.endOffset } }
        out.warnings = notes.warnings
        return out
    }

    /// One line of a line-per-record format: an event, nil for a Zeek header line (applied).
    private mutating func decodeRecord(_ b: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event? {
        switch format {
        case .zeekTSV:
            if b.first == UInt8(ascii: "#") {
                // Whatever the line does (even when it is refused), the block's columns are
                // worked out again for the next row.
                zeekSchema = nil
                try zeekHeader.apply(b)
                return nil
            }
            let schema = zeekSchema ?? zeek.schema(for: zeekHeader)
            zeekSchema = schema
            return try zeek.parseRow(b, header: zeekHeader, schema: schema, notes: &notes)
        case .eve:
            do throws(LineProblem) {
                return try eve.parse(b, notes: &notes)
            } catch {
                return try fallback(b, error, notes: &notes)
            }
        case .zeekJSON:
            do throws(LineProblem) {
                return try zeek.parseJSON(b, notes: &notes)
            } catch {
                return try fallback(b, error, notes: &notes)
            }
        default:
            do throws(LineProblem) {
                return try ndjson.parse(b, notes: &notes)
            } catch {
                return try fallback(b, error, notes: &notes)
            }
        }
    }

    /// A JSON line that is not what the source's first line was (EVE and native lines mixed
    /// in one file): read by what its keys say when the format was detected, not forced.
    private mutating func fallback(_ b: UnsafeBufferPointer<UInt8>, _ error: LineProblem, notes: inout ParseNotes) throws(LineProblem) -> Event {
        guard requested == .auto, ["missing_field", "wrong_type"].contains(error.code), let tape = try? JSONTape(parsing: b) else { throw error }
        let kind = Self.sniff(tape)
        guard kind != format else { throw error }
        switch kind {
        case .eve: return try eve.event(from: tape, notes: &notes)
        case .zeekJSON: return try zeek.event(from: tape, notes: &notes)
        default: return try ndjson.parse(b, notes: &notes)
        }
    }

    /// Which JSON format an object is, by its keys.
    static func sniff(_ tape: JSONTape) -> RecordFormat {
        let root = JSONTape.root
        if tape.member(root, "event_type") != nil && tape.member(root, "timestamp") != nil { return .eve }
        if tape.member(root, "_path") != nil || (tape.member(root, "uid") != nil && tape.member(root, "ts") != nil)
            || tape.member(root, "id.orig_h") != nil { return .zeekJSON }
        return .native
    }

    /// At the end of the stream a record still open is rejected.
    public mutating func finish() -> DecodedBatch {
        var out = DecodedBatch()
        if pendingStart != nil {
            rejectPending(into: &out, because: LineProblem("truncated_csv", "stream ends inside a quoted CSV field"))
        }
        out.checkpoint = lastSafe
        return out
    }

    // MARK: detection

    /// Detects the format from the source's first non-blank line; returns whether that line
    /// was a header (a CSV header row or a Zeek header line) and so is no event.
    private mutating func detect(firstLine b: UnsafeBufferPointer<UInt8>) throws(FeedError) -> Bool {
        var i = 0
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF { i = 3 }
        while i < b.count, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        if format == nil {
            if i < b.count, b[i] == UInt8(ascii: "#") {
                format = .zeekTSV
            } else if i < b.count, b[i] == UInt8(ascii: "{") {
                if let tape = try? JSONTape(parsing: UnsafeBufferPointer(rebasing: b[i...])) {
                    format = Self.sniff(tape)
                } else {
                    format = .native   // a malformed first line: read as native, and rejected as such
                }
                return false
            } else {
                format = .csv
            }
        }
        if format == .zeekTSV {
            if i < b.count, b[i] == UInt8(ascii: "#") {
                zeekHeader = ZeekHeader()
                do throws(LineProblem) { try zeekHeader.apply(UnsafeBufferPointer(rebasing: b[i...])) } catch {
                    throw FeedError.badHeader(source: sourceName, line: 1, problem: error.message)
                }
                return true
            }
            return false
        }
        guard format == .csv else { return false }
        do throws(LineProblem) {
            csv = CSVEventParser(header: try CSVHeader(line: UnsafeBufferPointer(rebasing: b[i...])))
            return true
        } catch {
            if requested == .auto {
                throw FeedError.unknownFormat(source: sourceName, problem: "the first line is neither JSON, a Zeek header nor a CSV header (\(error.message)); expected NDJSON, EVE, Zeek or CSV, or pass --format")
            }
            throw FeedError.badHeader(source: sourceName, line: 1, problem: error.message)
        }
    }
    private func isBlank(_ batch: LineBatch, _ span: LineSpan) -> Bool {
        batch.withLine(span) { b in b.allSatisfy { $0 == 0x20 || $0 == 0x09 } }
    }

    // MARK: CSV records

    private mutating func decodeCSVLine(_ batch: LineBatch, _ span: LineSpan, before: SourcePosition, after: SourcePosition, into out: inout DecodedBatch, notes: inout ParseNotes) {
        guard let csv else { return }
        let line = Array(batch.buffer[span.start..<(span.start + span.count)])
        if pendingStart == nil {
            if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                out.blankLines += 1
                lastSafe = after
                return
            }
            pendingStart = before
            pendingFirstLine = span.number
            pending = line
        } else {
            pending.append(0x0A)
            pending.append(contentsOf: line)
        }
        let open = pending.withUnsafeBufferPointer { CSVEventParser.hasOpenQuote($0) }
        if open {
            if pending.count > Self.maxRecordBytes {
                rejectPending(into: &out, because: LineProblem("line_too_long", "CSV record has more than \(Self.maxRecordBytes) bytes (an unclosed quote?)"))
                lastSafe = after
            }
            return
        }
        do throws(LineProblem) {
            let event = try pending.withBytes { (b) throws(LineProblem) -> Event in try csv.parse(b, notes: &notes) }
            out.events.append(event)
            out.eventEnds.append(after)
        } catch {
            out.rejects.append(Rejection(line: pendingFirstLine, endOffset: after.offset, problem: error, raw: pending, rawLength: pending.count))
        }
        pending.removeAll(keepingCapacity: true)
        pendingStart = nil
        lastSafe = after
    }

    private mutating func rejectPending(into out: inout DecodedBatch, because problem: LineProblem) {
        out.rejects.append(Rejection(line: pendingFirstLine, endOffset: lastSafe.offset, problem: problem,
                                     raw: Array(pending.prefix(LineFramer.oversizedPrefixBytes)), rawLength: pending.count))
        pending.removeAll()
        pendingStart = nil
    }
}
