import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A header block's column schema, made once per block (the decoder keeps it).
public struct ZeekSchemaHandle: Sendable {
    let schema: ZeekSchema
    let hasUnknownTypes: Bool

    init(_ schema: ZeekSchema) {
        self.schema = schema
        hasUnknownTypes = schema.types.contains { $0.map { !$0.isKnown } ?? false }
    }
}

/// Reads Zeek logs: TSV rows under their header block (`ZeekHeader`), and Zeek JSON lines
/// (`_path`, or the file name, says the log). Both are read in place as a `ZeekRecord` (byte
/// ranges of the line, decoded only when asked) and mapped by `ZeekEventMapper`.
public struct ZeekLogParser: Sendable {
    public let options: TelemetryOptions
    /// The log's path when the records do not say it (`dns` for `dns.2026-11-20.log.gz`).
    public let pathFromFileName: String?
    /// JSON: schemas by key sequence, so each record does not build its own.
    private var schemas: [UInt64: ZeekSchema] = [:]
    /// The schema of the last JSON record, with its key-sequence hash: tried first.
    private var lastSchema: (key: UInt64, schema: ZeekSchema)?
    /// The buffer a TSV row's original JSON is written in (kept, so rows cost no growth).
    private var scratch: [UInt8] = []
    /// The tape's node buffer, lent to each JSON record's tape (no allocation per record).
    private var tapeStorage: [JSONTape.Node] = []
    /// A JSON record's cell buffer, likewise lent to each record.
    private var cellStorage: [ZeekRecord.Cell] = []
    /// The content hash's steps for column names seen (4 KB each), copied into the schemas
    /// made here; past `keptNameSteps` names, further ones are hashed byte by byte.
    private var nameSteps: [String: StableHashStep] = [:]
    static let keptNameSteps = 256
    /// Columns given a step so far: each schema keeps its own copy of its columns' steps
    /// (4 KB a column), so past `keptStepColumns` new schemas hash names byte by byte.
    private var stepColumns = 0
    static let keptStepColumns = 1024

    public init(options: TelemetryOptions = TelemetryOptions(), pathFromFileName: String? = nil) {
        self.options = options
        self.pathFromFileName = pathFromFileName
    }

    /// The column schema of a header block.
    public mutating func schema(for header: ZeekHeader) -> ZeekSchemaHandle {
        ZeekSchemaHandle(ZeekSchema(path: header.path ?? pathFromFileName ?? "unknown", names: header.fields, types: header.types,
                                    setSeparator: header.setSeparator, emptyField: header.emptyField,
                                    nameSteps: steps(for: header.fields)))
    }

    /// The hash steps of `names`' columns (format fields, which are not hashed, get none).
    private mutating func steps(for names: [String]) -> [StableHashStep?] {
        guard stepColumns + names.count <= Self.keptStepColumns else { return [] }
        stepColumns += names.count
        return names.map { name -> StableHashStep? in
            guard !ZeekRecord.formatFields.contains(name) else { return nil }
            if let step = nameSteps[name] { return step }
            guard nameSteps.count < Self.keptNameSteps else { return nil }
            var bytes = name
            let step = bytes.withUTF8 { StableHashStep(bytes: $0) }
            nameSteps[name] = step
            return step
        }
    }

    /// A TSV row under `header` (with its schema). Rows with more or fewer columns than
    /// `#fields` are refused.
    public mutating func parseRow(_ line: UnsafeBufferPointer<UInt8>, header: ZeekHeader, schema handle: ZeekSchemaHandle,
                         notes: inout ParseNotes) throws(LineProblem) -> Event {
        try EVEEventParser.checkText(line)
        guard header.isComplete else {
            throw LineProblem("bad_header", field: "#fields", "a row before a complete header block; expected #fields and #types with one type per field")
        }
        let count = header.fields.count
        guard handle.schema.names.count == count, handle.schema.types.count == count else {
            throw LineProblem("bad_header", field: "#fields", "the row's column schema is not its header block's (\(handle.schema.names.count) columns for \(count) fields)")
        }
        var cells = [ZeekRecord.Cell](repeating: ZeekRecord.Cell(), count: count)
        var column = 0
        var start = 0
        let separator = header.separator
        let unset = header.unsetField
        let shapes = handle.schema.shapes
        func take(_ end: Int) throws(LineProblem) {
            guard column < count else {
                throw LineProblem("wrong_column_count", field: "#fields", "the row has more columns than the \(count) of #fields")
            }
            let length = end - start
            let isUnset = length == unset.count && (length == 1 ? line[start] == unset[0] : line[start..<end].elementsEqual(unset))
            if !isUnset {
                var escaped = false
                for i in start..<end where line[i] == UInt8(ascii: "\\") {
                    escaped = true
                    break
                }
                cells[column] = ZeekRecord.Cell(kind: shapes[column].container ? .tsvList : .scalar, start: Int32(start),
                                                 end: Int32(end), escaped: escaped)
            }
            column += 1
        }
        if let base = line.baseAddress {
            var i = 0
            while i < line.count, let hit = memchr(base + i, Int32(separator), line.count - i) {
                let j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                try take(j)
                start = j + 1
                i = j + 1
            }
        }
        try take(line.count)
        guard column == count else {
            throw LineProblem("wrong_column_count", field: "#fields", "the row has \(column) columns; expected the \(count) of #fields")
        }
        if handle.hasUnknownTypes { notes.warn("unknown_zeek_type") }
        let record = ZeekRecord(schema: handle.schema, line: line, cells: cells, tape: nil)
        let original = record.originalJSON(scratch: &scratch)
        if scratch.count > 1 << 20 { scratch = [] }   // one huge row does not pin its buffer
        return try ZeekEventMapper.event(record, notes: &notes, options: options, original: original)
    }

    /// A Zeek JSON line (one object).
    public mutating func parseJSON(_ line: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event {
        try EVEEventParser.checkText(line)
        let tape = try JSONTape(parsing: line, storage: &tapeStorage)
        defer { tape.recycle(into: &tapeStorage) }
        return try event(from: tape, notes: &notes)
    }

    public mutating func event(from tape: JSONTape, notes: inout ParseNotes) throws(LineProblem) -> Event {
        guard tape.kind(JSONTape.root) == .object else { throw LineProblem("invalid_json", "expected a Zeek record (a JSON object)") }
        var cells = cellStorage
        cellStorage = []
        defer { if cells.capacity <= Self.keptCells { cellStorage = cells } }
        // A log's records share one key sequence: read in one pass against the last
        // record's schema, the general path below only when this record differs.
        let schema: ZeekSchema
        if let last = lastSchema?.schema, Self.readCells(of: tape, as: last, pathFromFileName: pathFromFileName, into: &cells) {
            schema = last
        } else {
            schema = try resolveSchema(of: tape)
            cells.removeAll(keepingCapacity: true)
            cells.append(contentsOf: repeatElement(ZeekRecord.Cell(), count: schema.names.count))
            var i = 0
            tape.forEachMember(JSONTape.root) { _, value in
                cells[i] = Self.cell(tape, value)
                i += 1
            }
        }
        let record = ZeekRecord(schema: schema, line: tape.bytes, cells: cells, tape: tape)
        let original = tape.bytes.count <= EventLimits.originalBytes ? EVEEventParser.compactJSON(tape.bytes) : nil
        return try ZeekEventMapper.event(record, notes: &notes, options: options, original: original)
    }

    /// The largest cell buffer kept between records (one record with thousands of fields
    /// does not pin its buffer).
    static let keptCells = 4096

    /// The cell of one member value.
    private static func cell(_ tape: JSONTape, _ value: Int) -> ZeekRecord.Cell {
        let n = tape.nodes[value]
        switch n.kind {
        case .null, .object: return ZeekRecord.Cell()
        case .string: return ZeekRecord.Cell(kind: .scalar, start: n.start, end: n.end, escaped: n.escaped)
        case .number: return ZeekRecord.Cell(kind: .number, start: n.start, end: n.end)
        case .bool: return ZeekRecord.Cell(kind: .boolean, start: n.start, end: n.end)
        case .array: return ZeekRecord.Cell(kind: .jsonArray, start: n.start, end: n.end, node: Int32(value))
        }
    }

    /// Reads the record's cells in one pass when its keys are `schema`'s names in order, byte
    /// for byte, unescaped, no value an object, and its `_path` (or, without one, the file
    /// name's) is the schema's path written plainly; false (cells undefined) otherwise, and
    /// the general path decides, refusing or building a schema.
    private static func readCells(of tape: JSONTape, as schema: ZeekSchema, pathFromFileName: String?,
                                  into cells: inout [ZeekRecord.Cell]) -> Bool {
        let root = tape.nodes[JSONTape.root]
        let count = schema.names.count
        guard Int(root.count) == count else { return false }
        cells.removeAll(keepingCapacity: true)
        var pathNode = -1
        let same = schema.nameBytes.withUnsafeBufferPointer { names -> Bool in
            guard let line = tape.bytes.baseAddress else { return count == 0 }
            var i = JSONTape.root + 1
            let end = Int(root.next)
            var column = 0
            while i < end {
                let key = tape.nodes[i]
                let range = schema.nameRanges[column]
                guard !key.escaped, Int(key.end - key.start) == range.count else { return false }
                if !range.isEmpty, let all = names.baseAddress,
                   memcmp(line + Int(key.start), all + range.lowerBound, range.count) != 0 { return false }
                let value = i + 1
                guard tape.nodes[value].kind != .object else { return false }
                if column == schema.pathColumn { pathNode = value }
                cells.append(cell(tape, value))
                column += 1
                i = Int(tape.nodes[value].next)
            }
            return column == count
        }
        guard same else { return false }
        guard pathNode >= 0 else { return schema.path == (pathFromFileName ?? "unknown") }
        let node = tape.nodes[pathNode]
        guard node.kind == .string, !node.escaped else { return false }
        var path = schema.path
        return path.withUTF8 { wanted in
            guard Int(node.end - node.start) == wanted.count else { return false }
            guard let line = tape.bytes.baseAddress, let name = wanted.baseAddress else { return wanted.isEmpty }
            return memcmp(line + Int(node.start), name, wanted.count) == 0
        }
    }

    /// The schema of a record whose keys are not the last record's: the cache's, or a new
    /// one. Refuses an object value (Zeek JSON records are flat).
    private mutating func resolveSchema(of tape: JSONTape) throws(LineProblem) -> ZeekSchema {
        var keyHash: UInt64 = 0xCBF2_9CE4_8422_2325
        var count = 0
        var problem: LineProblem?
        tape.forEachMember(JSONTape.root) { key, value in
            // The tape's hash of each key (0 for escaped keys), mixed in order: the cache's key;
            // a cached schema is used only after its names are compared byte for byte.
            keyHash = (keyHash ^ UInt64(tape.nodes[key].keyHash)) &* 0x0000_0100_0000_01B3
            count += 1
            if tape.kind(value) == .object, problem == nil {
                let name = tape.key(key)
                problem = LineProblem("wrong_type", field: name, "field \"\(SafeText.sanitize(name))\" is an object; Zeek JSON records are flat (dotted names)")
            }
        }
        if let problem { throw problem }
        let logPath = tape.member(JSONTape.root, "_path").flatMap(tape.string) ?? pathFromFileName ?? "unknown"
        // The last record's schema first (a log's records share one), then the cache.
        let schema: ZeekSchema
        if let last = lastSchema, last.key == keyHash, Self.fits(last.schema, tape, path: logPath, count: count) {
            schema = last.schema
        } else if let cached = schemas[keyHash], Self.fits(cached, tape, path: logPath, count: count) {
            schema = cached
        } else {
            var names: [String] = []
            names.reserveCapacity(count)
            tape.forEachMember(JSONTape.root) { key, _ in names.append(tape.key(key)) }
            schema = ZeekSchema(path: logPath, names: names, types: Array(repeating: nil, count: count), nameSteps: steps(for: names))
            if schemas.count < 256 { schemas[keyHash] = schema }
        }
        lastSchema = (keyHash, schema)
        return schema
    }

    /// Whether `schema` is the record's: its path, and its names in order, byte for byte
    /// (every record of a log asks: the names' buffer is opened once, not per column).
    private static func fits(_ schema: ZeekSchema, _ tape: JSONTape, path: String, count: Int) -> Bool {
        guard schema.path == path, schema.names.count == count else { return false }
        return schema.nameBytes.withUnsafeBufferPointer { names in
            var column = 0
            var same = true
            tape.forEachMember(JSONTape.root) { key, _ in
                guard same else { return }
                let node = tape.nodes[key]
                let range = schema.nameRanges[column]
                if node.escaped {
                    var name = tape.key(key)
                    same = name.withUTF8 { $0.elementsEqual(names[range]) }
                } else {
                    same = Int(node.end - node.start) == range.count
                    if same, !range.isEmpty, let line = tape.bytes.baseAddress, let all = names.baseAddress {
                        same = memcmp(line + Int(node.start), all + range.lowerBound, range.count) == 0
                    }
                }
                column += 1
            }
            return same
        }
    }

    /// The log path a file name implies: `conn.log`, `dns.2026-11-20-15-00-00.log.gz`,
    /// `ssl.json`, `http_80.log` → `conn`, `dns`, `ssl`, `http_80`.
    public static func path(fromFileName name: String) -> String? {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        guard let first = base.split(separator: ".").first, !first.isEmpty else { return nil }
        return String(first)
    }
}
