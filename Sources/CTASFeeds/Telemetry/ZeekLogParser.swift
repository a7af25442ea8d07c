import CTASCore

/// Reads Zeek logs: TSV rows under their header block (`ZeekHeader`), and Zeek JSON lines
/// (`_path`, or the file name, says the log). Both become a `ZeekRecord`, mapped by
/// `ZeekEventMapper`.
public struct ZeekLogParser: Sendable {
    public let options: TelemetryOptions
    /// The log's path when the records do not say it (`dns` for `dns.2026-11-20.log.gz`).
    public let pathFromFileName: String?

    public init(options: TelemetryOptions = TelemetryOptions(), pathFromFileName: String? = nil) {
        self.options = options
        self.pathFromFileName = pathFromFileName
    }

    /// A TSV row under `header`. Rows with more or fewer columns than `#fields` are refused.
    public func parseRow(_ line: UnsafeBufferPointer<UInt8>, header: ZeekHeader, notes: inout ParseNotes) throws(LineProblem) -> Event {
        try EVEEventParser.checkText(line)
        guard header.isComplete else {
            throw LineProblem("bad_header", field: "#fields", "a row before a complete header block; expected #fields and #types with one type per field")
        }
        var record = ZeekRecord(path: header.path ?? pathFromFileName ?? "unknown")
        record.types = []
        var column = 0
        var start = 0
        let separator = header.separator
        let count = header.fields.count
        func take(_ end: Int) throws(LineProblem) {
            guard column < count else {
                throw LineProblem("wrong_column_count", field: "#fields", "the row has more columns than the \(count) of #fields")
            }
            let cell = UnsafeBufferPointer(rebasing: line[start..<end])
            let type = header.types[column]
            if !type.isKnown { notes.warn("unknown_zeek_type") }
            if let value = Self.value(cell, type: type, header: header) {
                record.names.append(header.fields[column])
                record.values.append(value)
                record.types?.append(type)
            }
            column += 1
        }
        for i in 0..<line.count where line[i] == separator {
            try take(i)
            start = i + 1
        }
        try take(line.count)
        guard column == count else {
            throw LineProblem("wrong_column_count", field: "#fields", "the row has \(column) columns; expected the \(count) of #fields")
        }
        return try ZeekEventMapper.event(record, notes: &notes, options: options, original: record.json())
    }

    /// A cell's value (nil when unset; an empty container when `#empty_field`).
    static func value(_ cell: UnsafeBufferPointer<UInt8>, type: ZeekType, header: ZeekHeader) -> ZeekRecord.Value? {
        if Self.equals(cell, header.unsetField) { return nil }
        if type.isContainer {
            if Self.equals(cell, header.emptyField) { return .list([]) }
            var elements: [String] = []
            var start = 0
            let sep = header.setSeparator
            var i = 0
            while i <= cell.count - sep.count, !sep.isEmpty {
                if Self.equals(UnsafeBufferPointer(rebasing: cell[i..<(i + sep.count)]), sep) {
                    elements.append(Self.text(UnsafeBufferPointer(rebasing: cell[start..<i])))
                    i += sep.count
                    start = i
                } else {
                    i += 1
                }
            }
            elements.append(Self.text(UnsafeBufferPointer(rebasing: cell[start...])))
            return .list(elements)
        }
        return .scalar(Self.text(cell))
    }

    static func equals(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where a[i] != b[i] { return false }
        return true
    }

    /// A cell's text with Zeek's `\xHH` escapes undone.
    static func text(_ cell: UnsafeBufferPointer<UInt8>) -> String {
        if !cell.contains(UInt8(ascii: "\\")) { return String(decoding: cell, as: UTF8.self) }
        return String(decoding: ZeekHeader.unescape(Array(cell)), as: UTF8.self)
    }

    /// A Zeek JSON line (one object).
    public func parseJSON(_ line: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event {
        try EVEEventParser.checkText(line)
        let tape = try JSONTape(parsing: line)
        return try event(from: tape, notes: &notes)
    }

    public func event(from tape: JSONTape, notes: inout ParseNotes) throws(LineProblem) -> Event {
        guard tape.kind(JSONTape.root) == .object else { throw LineProblem("invalid_json", "expected a Zeek record (a JSON object)") }
        let path = tape.member(JSONTape.root, "_path").flatMap(tape.string) ?? pathFromFileName ?? "unknown"
        var record = ZeekRecord(path: path)
        var problem: LineProblem?
        tape.forEachMember(JSONTape.root) { key, value in
            let name = tape.key(key)
            switch tape.kind(value) {
            case .null: break
            case .string: record.append(name, .scalar(tape.string(value) ?? ""))
            case .number: record.append(name, .number(tape.raw(value)))
            case .bool: record.append(name, .bool(tape.bool(value) ?? false))
            case .array:
                let elements = tape.elements(value)
                if !elements.isEmpty, elements.allSatisfy({ tape.kind($0) == .number }) {
                    record.append(name, .numbers(elements.map(tape.raw)))
                } else {
                    record.append(name, .list(elements.compactMap(tape.text)))
                }
            case .object:
                problem = problem ?? LineProblem("wrong_type", field: name, "field \"\(SafeText.sanitize(name))\" is an object; Zeek JSON records are flat (dotted names)")
            }
        }
        if let problem { throw problem }
        let original = tape.bytes.count <= EventLimits.originalBytes
            ? EVEEventParser.compactJSON(tape.bytes) : nil
        return try ZeekEventMapper.event(record, notes: &notes, options: options, original: original)
    }

    /// The log path a file name implies: `conn.log`, `dns.2026-11-20-15-00-00.log.gz`,
    /// `ssl.json`, `http_80.log` → `conn`, `dns`, `ssl`, `http_80`.
    public static func path(fromFileName name: String) -> String? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard let first = base.split(separator: ".").first, !first.isEmpty else { return nil }
        return String(first)
    }
}
