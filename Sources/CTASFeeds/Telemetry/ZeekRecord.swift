import CTASCore

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

    /// A scalar field as text (a list's first element; nil when unset).
    func text(_ field: ZeekField) -> String? { schema.column(of: field).flatMap(text(at:)) }

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
    /// Whether `text(at:)` gives a value (without making the string for a scalar).
    func hasText(at i: Int) -> Bool {
        switch cells[i].kind {
        case .absent: return false
        case .tsvList, .jsonArray: return text(at: i) != nil
        case .scalar, .number, .boolean: return true
        }
    }

    /// `micros(_:)` of the cell's text (`text(at:)`), read straight from the bytes when the
    /// cell is a number or plain text (no string made).
    func micros(at i: Int) -> Int64? {
        let c = cells[i]
        switch c.kind {
        case .number: return Self.micros(bytes(c))
        case .scalar where !c.escaped: return Self.micros(bytes(c))
        default: return text(at: i).flatMap(Self.micros)
        }
    }

    func list(_ field: ZeekField) -> [String] { schema.column(of: field).map(list(at:)) ?? [] }

    func list(at i: Int) -> [String] {
        let c = cells[i]
        switch c.kind {
        case .absent: return []
        case .tsvList:
            var out: [String] = []
            forEachElement(c) { raw in
                out.append(raw.contains(UInt8(ascii: "\\")) ? String(decoding: ZeekHeader.unescape(Array(raw)), as: UTF8.self)
                                                           : String(decoding: raw, as: UTF8.self))
            }
            return out
        case .jsonArray:
            guard let tape else { return [] }
            var out: [String] = []
            tape.forEachElement(Int(c.node)) { e in
                if let text = tape.text(e) { out.append(text) }
            }
            return out
        default:
            return text(at: i).map { [$0] } ?? []
        }
    }

    /// Whether a TSV container cell is `(empty)` (no elements).
    private func isEmptyContainer(_ c: Cell) -> Bool {
        let start = Int(c.start), end = Int(c.end)
        let emptyField = schema.emptyField
        return end - start == emptyField.count && line[start..<end].elementsEqual(emptyField)
    }

    /// Calls `body` with the raw bytes of each element of a TSV container, in order (none for
    /// `(empty)`).
    private func forEachElement(_ c: Cell, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard !isEmptyContainer(c) else { return }
        let end = Int(c.end)
        var s = Int(c.start)
        var i = s
        let sep = schema.setSeparator
        while i <= end - sep.count, !sep.isEmpty {
            if line[i] == sep[0] && (sep.count == 1 || line[i..<(i + sep.count)].elementsEqual(sep)) {
                body(UnsafeBufferPointer(rebasing: line[s..<i]))
                i += sep.count
                s = i
            } else {
                i += 1
            }
        }
        body(UnsafeBufferPointer(rebasing: line[s..<end]))
    }

    func bool(_ field: ZeekField) -> Bool? { schema.column(of: field).flatMap(bool(at:)) }

    func bool(at i: Int) -> Bool? {
        let c = cells[i]
        guard c.kind == .boolean || c.kind == .scalar, c.end > c.start else { return nil }
        switch line[Int(c.start)] {
        case UInt8(ascii: "T"), UInt8(ascii: "t"): return true
        case UInt8(ascii: "F"), UInt8(ascii: "f"): return false
        default: return nil
        }
    }

    /// Calls `body` with every address the record holds, in column order: `addr`-typed
    /// columns (TSV), or (JSON, untyped) values that parse as IP addresses.
    func forEachAddress(_ body: (String) -> Void) {
        if let columns = schema.addressColumns {
            for i in columns {
                switch cells[i].kind {
                case .scalar: if let t = text(at: i) { body(t) }
                case .tsvList, .jsonArray: for t in list(at: i) { body(t) }
                default: break
                }
            }
            return
        }
        for (i, c) in cells.enumerated() {
            switch c.kind {
            case .scalar where !c.escaped && c.end - c.start >= 2 && c.end - c.start <= 45:
                if AddressScope(bytes: bytes(c)) != nil, let t = text(at: i) { body(t) }
            case .jsonArray:
                // Strings that parse as addresses (numbers and booleans never do), each made
                // into a string only when it is one.
                guard let tape, tape.kind(Int(c.node)) == .array else { continue }
                tape.forEachElement(Int(c.node)) { e in
                    let node = tape.nodes[e]
                    guard node.kind == .string else { return }
                    if node.escaped {
                        if let value = tape.string(e), AddressScope(address: value) != nil { body(value) }
                    } else {
                        let raw = UnsafeBufferPointer(rebasing: tape.bytes[Int(node.start)..<Int(node.end)])
                        if AddressScope(bytes: raw) != nil { body(String(decoding: raw, as: UTF8.self)) }
                    }
                }
            default: break
            }
        }
    }

    // MARK: identity

    /// A 128-bit hash of the record's content, the same for its TSV and its JSON form:
    /// fields in name order, times and numbers as exact microseconds, booleans as T/F,
    /// containers sorted, empty containers as unset. (Where the forms cannot agree: a JSON
    /// writer configured to print times as ISO strings inside containers, or a TSV `string`
    /// column holding what JSON wrote as a number.)
    func contentHash() -> StableHash128 {
        schema.nameSteps.withUnsafeBufferPointer { contentHash(steps: $0) }
    }

    private func contentHash(steps: UnsafeBufferPointer<UInt64>) -> StableHash128 {
        @inline(__always) func combineName(_ i: Int, into hash: inout StableHash128) {
            if let base = steps.baseAddress, base[i * StableHashStep.flatCount] != 0 {
                hash.combine(flatStep: base + i * StableHashStep.flatCount)
            } else {
                combineNameBytes(i, into: &hash)
            }
        }
        var hash = StableHash128()
        hash.combine(schema.path)
        let shapes = schema.shapes
        var elements = CanonicalElements()
        for i in schema.hashOrder {
            let c = cells[i]
            let shape = shapes[i]
            switch c.kind {
            case .absent: continue
            case .tsvList, .jsonArray:
                elements.removeAll()
                if c.kind == .tsvList { tsvCanonical(c, numeric: shape.numeric, into: &elements) } else { jsonCanonical(c, into: &elements) }
                guard !elements.isEmpty else { continue }
                combineName(i, into: &hash)
                elements.combineSorted(into: &hash)
            case .boolean:
                combineName(i, into: &hash)
                combineBool(line[Int(c.start)], into: &hash)
            case .number:
                combineName(i, into: &hash)
                combineNumber(bytes(c), into: &hash)
            case .scalar:
                combineName(i, into: &hash)
                if shape.typed {
                    if shape.bool, c.end - c.start == 1 {
                        combineBool(line[Int(c.start)], into: &hash)
                    } else if shape.numeric, let m = Self.micros(bytes(c)) {
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

    private func combineNameBytes(_ i: Int, into hash: inout StableHash128) {
        let range = schema.nameRanges[i]
        schema.nameBytes.withUnsafeBufferPointer { hash.combine(UnsafeBufferPointer(rebasing: $0[range])) }
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

    /// A TSV container's elements in canonical form: numbers as exact microseconds in decimal,
    /// Zeek escapes undone.
    private func tsvCanonical(_ c: Cell, numeric: Bool, into elements: inout CanonicalElements) {
        forEachElement(c) { raw in
            if numeric, let m = Self.micros(raw) {
                elements.append(m)
            } else if raw.contains(UInt8(ascii: "\\")) {
                ZeekHeader.unescape(Array(raw)).withUnsafeBufferPointer { elements.append($0) }
            } else {
                elements.append(raw)
            }
        }
    }

    /// A JSON array's elements in the same canonical form (null and nested values left out).
    private func jsonCanonical(_ c: Cell, into elements: inout CanonicalElements) {
        guard let tape else { return }
        let array = Int(c.node)
        guard tape.kind(array) == .array else { return }
        var e = array + 1
        let end = Int(tape.nodes[array].next)
        while e < end {
            let node = tape.nodes[e]
            let raw = UnsafeBufferPointer(rebasing: tape.bytes[Int(node.start)..<Int(node.end)])
            switch node.kind {
            case .number:
                if let m = Self.micros(raw) { elements.append(m) } else { elements.append(raw) }
            case .bool:
                elements.append(raw)
            case .string:
                if node.escaped { tape.string(e).map { var text = $0; text.withUTF8 { elements.append($0) } } } else { elements.append(raw) }
            case .null, .object, .array:
                break
            }
            e = Int(node.next)
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
        let end = b.count
        if i < end && b[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        while i < end {
            let byte = b[i]
            if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                // The exponent: an optional sign and 1–3 digits, to the end.
                var k = i + 1
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
                break
            }
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

    /// The record as the JSON object Zeek's JSON writer produces (`_path` first, unset
    /// fields left out, numbers as numbers, times as epoch seconds, sets and vectors as
    /// arrays), written in `scratch` (kept by the caller, so rows cost no growth).
    func originalJSON(scratch: inout [UInt8]) -> String {
        let pathBytes = schema.path.utf8.count
        // Escaping writes at most 6 bytes per byte; a container adds quotes and a comma per
        // element (at most one element per byte, plus one).
        let room = 16 + 6 * pathBytes + schema.jsonKeys.count + 9 * line.count + 8 * cells.count
        let (_, count) = ByteWriter.writing(into: &scratch, room: room) { out in writeJSON(&out) }
        return scratch.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[..<count]), as: UTF8.self) }
    }

    private func writeJSON(_ out: inout ByteWriter) {
        out.append(#"{"_path":""#)
        var path = schema.path
        path.withUTF8 { out.appendEscaped($0) }
        out.append(UInt8(ascii: "\""))
        let shapes = schema.shapes, keyRanges = schema.jsonKeyRanges
        let pathColumn = schema.pathColumn ?? -1
        schema.jsonKeys.withUnsafeBufferPointer { keys in
            for i in cells.indices where i != pathColumn {
                let c = cells[i]
                guard c.kind != .absent else { continue }
                out.append(UnsafeBufferPointer(rebasing: keys[keyRanges[i]]))
                let shape = shapes[i]
                switch c.kind {
                case .tsvList:
                    out.append(UInt8(ascii: "["))
                    var first = true
                    forEachElement(c) { raw in
                        if !first { out.append(UInt8(ascii: ",")) }
                        first = false
                        Self.appendTSVScalar(raw, shape: shape, to: &out)
                    }
                    out.append(UInt8(ascii: "]"))
                case .scalar:
                    Self.appendTSVScalar(bytes(c), shape: shape, to: &out)
                default:
                    out.append(bytes(c))
                }
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func appendTSVScalar(_ raw: UnsafeBufferPointer<UInt8>, shape: ZeekSchema.Shape, to out: inout ByteWriter) {
        if shape.typed {
            if shape.bool, raw.count == 1, raw[0] == UInt8(ascii: "T") || raw[0] == UInt8(ascii: "F") {
                out.append(raw[0] == UInt8(ascii: "T") ? "true" : "false")
                return
            }
            if shape.numeric, isPlainNumber(raw) {
                out.append(raw)
                return
            }
        }
        out.append(UInt8(ascii: "\""))
        if raw.contains(UInt8(ascii: "\\")) {
            ZeekHeader.unescape(Array(raw)).withUnsafeBufferPointer { out.appendEscaped($0) }
        } else {
            out.appendEscaped(raw)
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

    /// JSON string escaping of already-decoded bytes, appended to `out` (a schema's keys).
    static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var scratch: [UInt8] = []
        let (_, count) = ByteWriter.writing(into: &scratch, room: 6 * bytes.count + 1) { $0.appendEscaped(bytes) }
        out += scratch[..<count]
    }
}
