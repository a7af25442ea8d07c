import CTASCore

/// The columns a CSV feed's header names, mapped to their positions.
public struct CSVHeader: Sendable, Equatable {
    /// Column index per native field name; unknown columns are ignored.
    public let positions: [String: Int]
    public let columnCount: Int

    /// Reads a header line. Fails when a required column (`id`, `ts`, `type`) is missing or a
    /// column is named twice.
    public init(line: UnsafeBufferPointer<UInt8>) throws(LineProblem) {
        var fields = try CSVEventParser.split(line)
        if let first = fields.first, first.hasPrefix("\u{FEFF}") { fields[0] = String(first.dropFirst()) }
        var positions: [String: Int] = [:]
        for (i, raw) in fields.enumerated() {
            let name = raw.trimmingSpaces.lowercased()
            guard NDJSONEventParser.fieldNames.contains(name) else { continue }
            guard positions[name] == nil else {
                throw LineProblem("bad_header", field: name, "CSV header names column \"\(name)\" twice")
            }
            positions[name] = i
        }
        for required in ["id", "ts", "type"] where positions[required] == nil {
            throw LineProblem("bad_header", field: required,
                              "CSV header lacks column \"\(required)\"; expected a header row naming id, ts, type and optional columns")
        }
        self.positions = positions
        self.columnCount = fields.count
    }
}

/// Parses CSV feed records (RFC 4180: quoted fields, `""` escapes, line breaks inside
/// quotes) into events. Empty cells are absent values; `indicators` and `tags` are
/// `;`-separated lists.
public struct CSVEventParser: Sendable {
    public let header: CSVHeader

    public init(header: CSVHeader) { self.header = header }

    /// Whether a record that starts with these bytes ends inside a quoted field, so the next
    /// line belongs to it. Only a quote at the start of a field opens one; a quote inside an
    /// unquoted field is an error the record parser reports, not a reason to swallow lines.
    public static func hasOpenQuote(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var quoted = false
        var fieldStart = true
        var i = 0
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < b.count && b[i + 1] == UInt8(ascii: "\"") { i += 2; continue }
                    quoted = false
                }
            } else if c == UInt8(ascii: ",") || c == 0x0A {
                fieldStart = true
                i += 1
                continue
            } else if c == UInt8(ascii: "\"") && fieldStart {
                quoted = true
            }
            fieldStart = false
            i += 1
        }
        return quoted
    }

    /// Splits a record into unquoted field strings.
    static func split(_ b: UnsafeBufferPointer<UInt8>) throws(LineProblem) -> [String] {
        switch UTF8Check.scan(b) {
        case .ascii, .validUTF8: break
        case .nulByte(let at): throw LineProblem("nul_byte", "NUL byte at byte \(at + 1); expected text")
        case .invalidUTF8(let at): throw LineProblem("invalid_utf8", "invalid UTF-8 at byte \(at + 1); expected UTF-8 text")
        }
        var fields: [String] = []
        var field: [UInt8] = []
        var i = 0
        let n = b.count
        var quoted = false
        var fieldStart = true
        while i < n {
            let c = b[i]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if i + 1 < n && b[i + 1] == UInt8(ascii: "\"") {
                        field.append(c)
                        i += 2
                        continue
                    }
                    quoted = false
                    i += 1
                    if i < n && b[i] != UInt8(ascii: ",") {
                        throw LineProblem("invalid_csv", "at byte \(i + 1): expected ',' after a closing quote")
                    }
                    continue
                }
                field.append(c)
                i += 1
                continue
            }
            if c == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                fieldStart = true
                i += 1
                continue
            }
            if c == UInt8(ascii: "\"") {
                guard fieldStart else {
                    throw LineProblem("invalid_csv", "at byte \(i + 1): a quote inside an unquoted field; expected the field quoted with \"\" escapes")
                }
                quoted = true
                fieldStart = false
                i += 1
                continue
            }
            fieldStart = false
            field.append(c)
            i += 1
        }
        guard !quoted else { throw LineProblem("truncated_csv", "record ends inside a quoted field") }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields
    }

    /// Parses one complete record.
    public func parse(_ record: UnsafeBufferPointer<UInt8>) throws(LineProblem) -> Event {
        var notes = ParseNotes()
        return try parse(record, notes: &notes)
    }

    /// Parses one record, counting what was odd but accepted (an unknown priority word is
    /// kept as the tag `priority:WORD`, the event unrated).
    public func parse(_ record: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event {
        let fields = try Self.split(record)
        guard fields.count == header.columnCount else {
            throw LineProblem("invalid_csv", "expected \(header.columnCount) columns as in the header, found \(fields.count)")
        }
        func cell(_ name: String) -> String? {
            guard let i = header.positions[name] else { return nil }
            let value = fields[i]
            return value.isEmpty ? nil : value
        }
        func required(_ name: String, limit: Int) throws(LineProblem) -> String {
            guard let value = cell(name) else {
                throw LineProblem("missing_field", field: name, "column \"\(name)\" is empty; expected a value")
            }
            guard value.utf8.count <= limit else {
                throw LineProblem("too_long", field: name, "column \"\(name)\" has \(value.utf8.count) bytes; expected at most \(limit)")
            }
            return value
        }
        func optional(_ name: String, limit: Int) throws(LineProblem) -> String? {
            guard let value = cell(name) else { return nil }
            guard value.utf8.count <= limit else {
                throw LineProblem("too_long", field: name, "column \"\(name)\" has \(value.utf8.count) bytes; expected at most \(limit)")
            }
            return value
        }
        func list(_ name: String, count: Int, bytes: Int) throws(LineProblem) -> [String] {
            guard let value = cell(name) else { return [] }
            let items = value.split(separator: ";").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            guard items.count <= count else {
                throw LineProblem("too_long", field: name, "column \"\(name)\" has more than \(count) entries")
            }
            for item in items where item.utf8.count > bytes {
                throw LineProblem("too_long", field: name, "an entry of column \"\(name)\" has \(item.utf8.count) bytes; expected at most \(bytes)")
            }
            return items
        }

        let id = try required("id", limit: EventLimits.idBytes)
        let tsText = try required("ts", limit: 64)
        let ts: Timestamp
        do throws(TimestampError) {
            ts = try RFC3339.parse(tsText)
        } catch {
            throw LineProblem("bad_timestamp", field: "ts", "column \"ts\" = \"\(tsText.prefix(40))\": \(error.message); expected RFC 3339 such as \(RFC3339.example)")
        }
        let type = try required("type", limit: EventLimits.typeBytes)

        var severity: Severity?
        if let text = cell("severity") {
            guard let value = Int(text.trimmingSpaces) else {
                throw LineProblem("wrong_type", field: "severity", "column \"severity\" = \"\(text.prefix(20))\"; expected an integer 1–10")
            }
            guard let s = Severity(value) else {
                throw LineProblem("out_of_range", field: "severity", "column \"severity\" = \(value); expected an integer 1–10")
            }
            severity = s
        }
        func number(_ name: String, limit: Double) throws(LineProblem) -> Double? {
            guard let text = cell(name) else { return nil }
            let trimmed = text.trimmingSpaces
            guard trimmed.utf8.allSatisfy({ $0 &- 48 < 10 || $0 == 0x2D || $0 == 0x2B || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 }),
                  let value = Double(trimmed) else {
                throw LineProblem("wrong_type", field: name, "column \"\(name)\" = \"\(text.prefix(20))\"; expected a number")
            }
            guard value >= -limit && value <= limit else {
                throw LineProblem("out_of_range", field: name, "column \"\(name)\" = \(trimmed); expected a number −\(Int(limit))…\(Int(limit))")
            }
            return value
        }
        let lat = try number("lat", limit: 90)
        let lon = try number("lon", limit: 180)
        var location: GeoPoint?
        switch (lat, lon) {
        case (nil, nil): break
        case (.some, nil): throw LineProblem("missing_field", field: "lon", "\"lat\" is given without \"lon\"; expected both or neither")
        case (nil, .some): throw LineProblem("missing_field", field: "lat", "\"lon\" is given without \"lat\"; expected both or neither")
        case let (.some(la), .some(lo)): location = GeoPoint(latitude: la, longitude: lo)
        }
        var priority: Priority?
        var tags = try list("tags", count: EventLimits.tagCount, bytes: EventLimits.tagBytes)
        if let text = cell("priority"), !text.trimmingSpaces.isEmpty {
            if let p = Priority(lenient: text.trimmingSpaces) {
                priority = p
            } else {
                notes.warn("unknown_priority")
                if tags.count < EventLimits.tagCount { tags.append("priority:" + TelemetryMapping.clipped(text.trimmingSpaces, EventLimits.tagBytes - 9)) }
            }
        }
        return Event(
            id: id, timestamp: ts, type: type, severity: severity,
            source: try optional("source", limit: EventLimits.sourceBytes), location: location,
            entity: try optional("entity", limit: EventLimits.entityBytes), priority: priority,
            indicators: try list("indicators", count: EventLimits.indicatorCount, bytes: EventLimits.indicatorBytes),
            description: try optional("description", limit: EventLimits.descriptionBytes),
            tags: tags)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
