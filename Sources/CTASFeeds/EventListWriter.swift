import CTASCore

/// Writes a stream of events to standard output in one of the query formats, one event at
/// a time (memory stays flat in the number of rows): `table` (aligned columns, sanitized),
/// `json` (one array), `ndjson` (the native feed format), `csv` (the native CSV columns).
///
/// Feed strings are attacker-controlled. JSON escapes control characters by itself; CSV
/// and table output show every control, C1, bidi and zero-width character escaped (`\e[31m`,
/// `\u{202e}`) unless `raw` is set (CSV only), so printing a result cannot drive the terminal.
public final class EventListWriter {
    public enum Format: String, Sendable, CaseIterable { case table, json, ndjson, csv }

    public let format: Format
    /// CSV with feed strings exactly as stored (for another program, not a terminal).
    public let raw: Bool
    /// Table cells longer than this are cut with `…` (nil: never, e.g. when piped).
    public let maxColumn: Int?
    private let out: BufferedOutput
    private var count = 0
    /// Table rows held until the column widths are known (the first `widthSample` rows).
    private var pendingRows: [[String]] = []
    private var widths: [Int]?
    public static let widthSample = 500
    static let tableHeader = ["TIME", "SEV", "RISK", "TYPE", "SOURCE", "ENTITY", "ID", "INDICATORS"]

    public init(format: Format, raw: Bool = false, maxColumn: Int? = 48, output: BufferedOutput = BufferedOutput()) {
        self.format = format
        self.raw = raw
        self.maxColumn = maxColumn
        self.out = output
    }

    /// Events written so far.
    public var written: Int { count }

    public func begin() {
        switch format {
        case .json: out.write("[")
        case .csv: out.write(CSVEventWriter.header + "\n")
        case .table: pendingRows.append(Self.tableHeader)
        case .ndjson: break
        }
    }

    /// Writes one event; `indicators` are the event's indicators to show in the table (the
    /// listed ones and those found in its description), its listed ones when nil.
    public func write(_ e: Event, indicators: [String]? = nil) {
        switch format {
        case .ndjson:
            var bytes: [UInt8] = []
            NDJSONEventWriter.append(e, to: &bytes, withRisk: true)
            out.write(bytes)
        case .json:
            var bytes: [UInt8] = Array((count == 0 ? "\n " : ",\n ").utf8)
            NDJSONEventWriter.append(e, to: &bytes, withRisk: true)
            if bytes.last == 0x0A { bytes.removeLast() }
            out.write(bytes)
        case .csv:
            let line = CSVEventWriter.line(e)
            out.write(raw ? line : SafeText.sanitizeKeepingNewlines(line))
        case .table:
            let row = [e.timestamp.rfc3339, e.severity.map { String($0.value) } ?? "-", e.risk.map { String($0.total) } ?? "-", e.type, e.source ?? "-", e.entity ?? "-", e.id,
                       (indicators ?? e.indicators).joined(separator: " ")].map { clip(SafeText.sanitize($0)) }
            if widths == nil {
                pendingRows.append(row)
                if pendingRows.count > Self.widthSample { flushPendingRows() }
            } else {
                writeRow(row)
            }
        }
        count += 1
    }

    public func end() {
        switch format {
        case .json: out.write(count == 0 ? "]\n" : "\n]\n")
        case .table:
            flushPendingRows()
            if count == 0 { out.write("(no events)\n") }
        case .csv, .ndjson: break
        }
        out.flush()
    }

    private func clip(_ s: String) -> String {
        guard let maxColumn, s.count > maxColumn else { return s }
        return String(s.prefix(maxColumn - 1)) + "…"
    }

    private func flushPendingRows() {
        guard widths == nil else { return }
        var w = [Int](repeating: 0, count: Self.tableHeader.count)
        for row in pendingRows { for (i, cell) in row.enumerated() { w[i] = max(w[i], cell.count) } }
        widths = w
        for row in pendingRows { writeRow(row) }
        pendingRows = []
    }

    private func writeRow(_ row: [String]) {
        let w = widths ?? []
        let line = row.enumerated().map { i, cell in
            i == row.count - 1 || i >= w.count ? cell : cell + String(repeating: " ", count: max(0, w[i] - cell.count))
        }.joined(separator: "  ")
        out.write(line + "\n")
    }
}
