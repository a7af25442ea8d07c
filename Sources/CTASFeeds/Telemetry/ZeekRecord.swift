import CTASCore

/// The columns of a Zeek log, worked out once per header block (TSV) or per distinct key
/// sequence (JSON): names, types when the log says them, the order fields are hashed in, and
/// where the fields the mapping reads most live.
final class ZeekSchema: Sendable {
    let path: String
    let names: [String]
    let nameBytes: [[UInt8]]
    /// Zeek types (TSV); nil per column in JSON, whose values carry their own kind.
    let types: [ZeekType?]
    let index: [String: Int]
    /// Columns in name order (byte-wise), format fields (`_path`, `_write_ts`…) left out.
    let hashOrder: [Int]
    let ts: Int?, uid: Int?, origH: Int?, origP: Int?, respH: Int?, respP: Int?, localOrig: Int?, localResp: Int?
    /// Columns holding addresses (`addr`, `set[addr]`, `vector[addr]`); JSON: nil (values are checked).
    let addressColumns: [Int]?

    init(path: String, names: [String], types: [ZeekType?]) {
        self.path = path
        self.names = names
        nameBytes = names.map { Array($0.utf8) }
        self.types = types
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() where index[name] == nil { index[name] = i }
        self.index = index
        let bytes = nameBytes
        hashOrder = names.indices.filter { !ZeekRecord.formatFields.contains(names[$0]) }
            .sorted { bytes[$0].lexicographicallyPrecedes(bytes[$1]) }
        ts = index["ts"]
        uid = index["uid"]
        origH = index["id.orig_h"]
        origP = index["id.orig_p"]
        respH = index["id.resp_h"]
        respP = index["id.resp_p"]
        localOrig = index["local_orig"]
        localResp = index["local_resp"]
        addressColumns = types.contains { $0 != nil } ? types.indices.filter { types[$0]?.element == .addr } : nil
    }
}

/// One Zeek log record, whichever form it was written in (a TSV row under its header, or a
/// JSON object), read in place: its cells are byte ranges of the line, decoded only when a
/// field is asked for. The mapping to an event, the id and the original record are made from
/// this, so both forms of a record read the same.
struct ZeekRecord {
    /// How a cell is written.
    enum Kind: UInt8 {
        case absent
        /// A string: Zeek TSV escapes (`\xHH`, `\\`) or JSON escapes, by `jsonEscapes`.
        case scalar
        /// A TSV container, elements separated by the set separator (possibly `(empty)`).
        case tsvList
        /// A JSON number (its exact decimal text).
        case number
        case boolean
        /// A JSON array (`node` is its tape node).
        case jsonArray
    }

    struct Cell {
        var kind: Kind = .absent
        var start: Int32 = 0
        var end: Int32 = 0
        /// JSON: the value's tape node.
        var node: Int32 = -1
        var escaped = false
    }

    let schema: ZeekSchema
    let line: UnsafeBufferPointer<UInt8>
    var cells: [Cell]
    /// TSV: the header's set separator and empty-container marker.
    var setSeparator: [UInt8] = [UInt8(ascii: ",")]
    var emptyField: [UInt8] = Array("(empty)".utf8)
    /// JSON: the tape the cells point into.
    let tape: JSONTape?

    static let formatFields: Set<String> = ["_path", "_write_ts", "_system_name", "_node"]

    var path: String { schema.path }

    // MARK: reading cells

    private func bytes(_ c: Cell) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[Int(c.start)..<Int(c.end)])
    }

    /// The decoded bytes of a string cell (Zeek or JSON escapes undone).
    private func decoded(_ c: Cell) -> [UInt8] {
        let raw = bytes(c)
        guard c.escaped else { return Array(raw) }
        if tape != nil {
            let cursor = JSONCursor(line)
            return Array(((try? cursor.string(JSONCursor.StringToken(start: Int(c.start), end: Int(c.end), hasEscapes: true))) ?? "").utf8)
        }
        return ZeekHeader.unescape(Array(raw))
    }

    func column(_ name: String) -> Int? { schema.index[name] }

    /// A scalar field as text (a list's first element; nil when unset).
    func text(_ name: String) -> String? { column(name).flatMap(text(at:)) }

    func text(at i: Int) -> String? {
        let c = cells[i]
        switch c.kind {
        case .absent: return nil
        case .scalar: return c.escaped ? String(decoding: decoded(c), as: UTF8.self) : String(decoding: bytes(c), as: UTF8.self)
        case .number: return String(decoding: bytes(c), as: UTF8.self)
        case .boolean: return line[Int(c.start)] == UInt8(ascii: "T") || line[Int(c.start)] == UInt8(ascii: "t") ? "T" : "F"
        case .tsvList, .jsonArray: return list(at: i).first
        }
    }

    /// A field's elements (a scalar as one).
    func list(_ name: String) -> [String] { column(name).map(list(at:)) ?? [] }

    func list(at i: Int) -> [String] {
        let c = cells[i]
        switch c.kind {
        case .absent: return []
        case .tsvList:
            return elementRanges(c).map { String(decoding: ZeekHeader.unescape(Array(UnsafeBufferPointer(rebasing: line[$0]))), as: UTF8.self) }
        case .jsonArray:
            guard let tape else { return [] }
            return tape.elements(Int(c.node)).compactMap { tape.text($0) }
        default:
            return text(at: i).map { [$0] } ?? []
        }
    }

    /// The byte ranges of a TSV container's elements (none for `(empty)`).
    private func elementRanges(_ c: Cell) -> [Range<Int>] {
        let start = Int(c.start), end = Int(c.end)
        if end - start == emptyField.count && line[start..<end].elementsEqual(emptyField) { return [] }
        var out: [Range<Int>] = []
        var s = start
        var i = start
        let sep = setSeparator
        while i <= end - sep.count, !sep.isEmpty {
            if line[i] == sep[0] && (sep.count == 1 || line[i..<(i + sep.count)].elementsEqual(sep)) {
                out.append(s..<i)
                i += sep.count
                s = i
            } else {
                i += 1
            }
        }
        out.append(s..<end)
        return out
    }

    func bool(_ name: String) -> Bool? {
        guard let i = column(name) else { return nil }
        let c = cells[i]
        guard c.kind == .boolean || c.kind == .scalar, c.end > c.start else { return nil }
        switch line[Int(c.start)] {
        case UInt8(ascii: "T"), UInt8(ascii: "t"): return true
        case UInt8(ascii: "F"), UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// Every address the record holds: `addr`-typed columns (TSV), or (JSON, untyped) values
    /// that parse as IP addresses.
    func addresses() -> [String] {
        var out: [String] = []
        if let columns = schema.addressColumns {
            for i in columns {
                switch cells[i].kind {
                case .scalar: if let t = text(at: i) { out.append(t) }
                case .tsvList, .jsonArray: out += list(at: i)
                default: break
                }
            }
            return out
        }
        for (i, c) in cells.enumerated() {
            switch c.kind {
            case .scalar where !c.escaped && c.end - c.start >= 2 && c.end - c.start <= 45:
                if AddressScope(bytes: bytes(c)) != nil, let t = text(at: i) { out.append(t) }
            case .jsonArray:
                for value in list(at: i) where AddressScope(address: value) != nil { out.append(value) }
            default: break
            }
        }
        return out
    }

    // MARK: identity

    /// A 128-bit hash of the record's content, the same for its TSV and its JSON form:
    /// fields in name order, times and numbers as exact microseconds, booleans as T/F,
    /// containers sorted, empty containers as unset. (Where the forms cannot agree: a JSON
    /// writer configured to print times as ISO strings inside containers, or a TSV `string`
    /// column holding what JSON wrote as a number.)
    func contentHash() -> StableHash128 {
        var hash = StableHash128()
        hash.combine(schema.path)
        for i in schema.hashOrder {
            let c = cells[i]
            let type = schema.types[i]
            switch c.kind {
            case .absent: continue
            case .tsvList, .jsonArray:
                let elements = c.kind == .tsvList ? elementCanonical(c, type: type?.element) : jsonElementCanonical(c)
                guard !elements.isEmpty else { continue }
                combineName(i, into: &hash)
                for e in elements.sorted(by: { $0.lexicographicallyPrecedes($1) }) { e.withUnsafeBufferPointer { hash.combine($0) }; hash.separator() }
            case .boolean:
                combineName(i, into: &hash)
                combineBool(line[Int(c.start)], into: &hash)
            case .number:
                combineName(i, into: &hash)
                combineNumber(bytes(c), into: &hash)
            case .scalar:
                combineName(i, into: &hash)
                if let type {
                    if type == .bool, c.end - c.start == 1 {
                        combineBool(line[Int(c.start)], into: &hash)
                    } else if type.isNumeric, let m = Self.micros(bytes(c)) {
                        hash.combine(m)
                        hash.separator()
                    } else if c.escaped {
                        decoded(c).withUnsafeBufferPointer { hash.combine($0) }
                        hash.separator()
                    } else {
                        hash.combine(bytes(c))
                        hash.separator()
                    }
                } else {
                    // Untyped (JSON): an ISO 8601 time string is a time.
                    let raw = bytes(c)
                    if Self.looksLikeISOTime(raw), let t = try? RFC3339.parse(raw) {
                        hash.combine(t.microseconds)
                        hash.separator()
                    } else if c.escaped {
                        decoded(c).withUnsafeBufferPointer { hash.combine($0) }
                        hash.separator()
                    } else {
                        hash.combine(raw)
                        hash.separator()
                    }
                }
            }
            hash.separator()
        }
        return hash
    }

    private func combineName(_ i: Int, into hash: inout StableHash128) {
        schema.nameBytes[i].withUnsafeBufferPointer { hash.combine($0) }
        hash.separator()
    }

    private func combineNumber(_ raw: UnsafeBufferPointer<UInt8>, into hash: inout StableHash128) {
        if let m = Self.micros(raw) { hash.combine(m) } else { hash.combine(raw) }
        hash.separator()
    }

    /// T/t/true and F/f/false alike.
    private func combineBool(_ first: UInt8, into hash: inout StableHash128) {
        hash.combine(first == UInt8(ascii: "T") || first == UInt8(ascii: "t") ? "T" : "F")
    }

    private func elementCanonical(_ c: Cell, type: ZeekType?) -> [[UInt8]] {
        elementRanges(c).map { range in
            let raw = UnsafeBufferPointer(rebasing: line[range])
            if let type, type.isNumeric, let m = Self.micros(raw) { return Array(String(m).utf8) }
            return raw.contains(UInt8(ascii: "\\")) ? ZeekHeader.unescape(Array(raw)) : Array(raw)
        }
    }

    private func jsonElementCanonical(_ c: Cell) -> [[UInt8]] {
        guard let tape else { return [] }
        return tape.elements(Int(c.node)).compactMap { e -> [UInt8]? in
            if tape.kind(e) == .number, let m = Self.micros(Array(tape.raw(e).utf8)) { return Array(String(m).utf8) }
            return tape.text(e).map { Array($0.utf8) }
        }
    }

    static func looksLikeISOTime(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.count >= 19 && b.count <= 40 && b[4] == UInt8(ascii: "-") && b[7] == UInt8(ascii: "-")
            && (b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ")) && b[13] == UInt8(ascii: ":")
    }

    static func micros(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { micros($0) }
    }

    static func micros<C: Collection>(_ bytes: C) -> Int64? where C.Element == UInt8 {
        Array(bytes).withUnsafeBufferPointer { micros($0) }
    }

    /// A decimal number's value × 10⁶ as an exact integer, truncated toward zero (nil when
    /// it is not a plain decimal, `1521911720.629574`, or one in exponent form, `2.385616957e+09`
    /// as Zeek writes large times, or does not fit).
    static func micros(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var mantissa: Int64 = 0
        var fractionDigits = 0
        var exponent = 0
        var negative = false
        var seenDot = false
        var any = false
        var i = 0
        var end = b.count
        if i < end && b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        if let e = (i..<end).first(where: { b[$0] == UInt8(ascii: "e") || b[$0] == UInt8(ascii: "E") }) {
            var k = e + 1
            var expNegative = false
            if k < end && (b[k] == UInt8(ascii: "+") || b[k] == UInt8(ascii: "-")) {
                expNegative = b[k] == UInt8(ascii: "-")
                k += 1
            }
            guard k < end, end - k <= 3 else { return nil }
            var value = 0
            while k < end {
                let d = b[k] &- 48
                guard d < 10 else { return nil }
                value = value * 10 + Int(d)
                k += 1
            }
            exponent = expNegative ? -value : value
            end = e
        }
        while i < end {
            let byte = b[i]
            i += 1
            if byte == UInt8(ascii: ".") && !seenDot { seenDot = true; continue }
            let d = byte &- 48
            guard d < 10 else { return nil }
            any = true
            if mantissa > 99_999_999_999_999_999 / 10 {
                guard seenDot else { return nil }
                continue
            }
            mantissa = mantissa * 10 + Int64(d)
            if seenDot { fractionDigits += 1 }
        }
        guard any else { return nil }
        var scale = 6 + exponent - fractionDigits
        var value = mantissa
        while scale > 0 {
            let (m, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            value = m
            scale -= 1
        }
        while scale < 0 && value != 0 {
            value /= 10
            scale += 1
        }
        return negative ? -value : value
    }

    // MARK: the original

    /// The record as the JSON object Zeek's JSON writer produces (`_path` first, unset fields
    /// left out, numbers as numbers, times as epoch seconds, sets and vectors as arrays).
    func json() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(line.count * 2 + 64 + cells.count * 16)
        out.append(contentsOf: #"{"_path":"#.utf8)
        JSONString.append(schema.path, to: &out)
        for (i, c) in cells.enumerated() where c.kind != .absent && schema.names[i] != "_path" {
            out.append(UInt8(ascii: ","))
            out.append(UInt8(ascii: "\""))
            schema.nameBytes[i].withUnsafeBufferPointer { appendEscaped($0, to: &out) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
            let type = schema.types[i]
            switch c.kind {
            case .tsvList:
                out.append(UInt8(ascii: "["))
                for (k, range) in elementRanges(c).enumerated() {
                    if k > 0 { out.append(UInt8(ascii: ",")) }
                    appendTSVScalar(UnsafeBufferPointer(rebasing: line[range]), type: type?.element, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .scalar:
                appendTSVScalar(bytes(c), type: type, to: &out)
            default:
                out.append(contentsOf: bytes(c))
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private func appendTSVScalar(_ raw: UnsafeBufferPointer<UInt8>, type: ZeekType?, to out: inout [UInt8]) {
        if let type {
            if type == .bool, raw.count == 1, raw[0] == UInt8(ascii: "T") || raw[0] == UInt8(ascii: "F") {
                out.append(contentsOf: (raw[0] == UInt8(ascii: "T") ? "true" : "false").utf8)
                return
            }
            if type.isNumeric, Self.isPlainNumber(raw) {
                out.append(contentsOf: raw)
                return
            }
        }
        out.append(UInt8(ascii: "\""))
        if raw.contains(UInt8(ascii: "\\")) {
            ZeekHeader.unescape(Array(raw)).withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        } else {
            appendEscaped(raw, to: &out)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether the bytes are a JSON number as written: `-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?`.
    static func isPlainNumber(_ raw: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = raw.count
        func digits() -> Int {
            let s = i
            while i < n, raw[i] &- 48 < 10 { i += 1 }
            return i - s
        }
        if i < n, raw[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return false }
        if raw[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
        if i < n, raw[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        }
        if i < n, raw[i] == UInt8(ascii: "e") || raw[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, raw[i] == UInt8(ascii: "+") || raw[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == n
    }

    /// JSON string escaping of already-decoded bytes (control characters as \u00XX); bytes
    /// that need none are copied whole.
    private func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }) {
            out.append(contentsOf: bytes)
            return
        }
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0..<0x20, 0x7F:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
    }
}
