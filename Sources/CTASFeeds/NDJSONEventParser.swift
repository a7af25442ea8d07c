import CTASCore

/// Parses one line of the native NDJSON feed format into an `Event`, strictly.
///
/// The line must be one JSON object. Required: `id` (non-empty string), `ts` (RFC 3339
/// string), `type` (non-empty string). Optional: `severity` (integer 1–10), `source`,
/// `entity` (strings), `lat`/`lon` (numbers, both or neither, in range), `priority`
/// (`low`/`medium`/`high`/`critical`), `indicators` and `tags` (arrays of non-empty
/// strings), `description` (string). `null` counts as absent for optional fields. Unknown
/// keys are allowed (and validated as JSON); a key given twice is rejected.
public struct NDJSONEventParser: Sendable {
    public init() {}

    /// The field keys of the native format, in the order the writer emits them.
    public static let fieldNames = ["id", "ts", "source", "type", "severity", "lat", "lon", "entity",
                                    "priority", "indicators", "description", "tags", "flow", "country", "asn", "geoOrigin", "original"]

    private enum Key: Int {
        case id, ts, type, severity, source, lat, lon, entity, priority, indicators, description, tags
        case flow, country, asn, geoOrigin, original

        var name: String {
            switch self {
            case .id: "id"
            case .ts: "ts"
            case .type: "type"
            case .severity: "severity"
            case .source: "source"
            case .lat: "lat"
            case .lon: "lon"
            case .entity: "entity"
            case .priority: "priority"
            case .indicators: "indicators"
            case .description: "description"
            case .tags: "tags"
            case .flow: "flow"
            case .country: "country"
            case .asn: "asn"
            case .geoOrigin: "geoOrigin"
            case .original: "original"
            }
        }
    }

    /// Parses one line (without its newline; CR and BOM already stripped by the reader).
    public func parse(_ line: UnsafeBufferPointer<UInt8>) throws(LineProblem) -> Event {
        var notes = ParseNotes()
        return try parse(line, notes: &notes)
    }

    /// Parses one line, counting what was odd but accepted (a priority word not in the table
    /// is kept as the tag `priority:WORD`, the event unrated, and counted as `unknown_priority`).
    public func parse(_ line: UnsafeBufferPointer<UInt8>, notes: inout ParseNotes) throws(LineProblem) -> Event {
        switch UTF8Check.scan(line) {
        case .ascii, .validUTF8: break
        case .nulByte(let at):
            throw LineProblem("nul_byte", "NUL byte at byte \(at + 1); expected text")
        case .invalidUTF8(let at):
            throw LineProblem("invalid_utf8", "invalid UTF-8 at byte \(at + 1); expected UTF-8 text")
        }
        var c = JSONCursor(line)
        c.skipWhitespace()
        guard let first = c.peek() else { throw LineProblem("invalid_json", "blank line") }
        guard first == UInt8(ascii: "{") else {
            throw LineProblem("invalid_json", "expected a JSON object starting with '{', found \(JSONCursor.describe(first))")
        }
        c.index += 1

        var seen: UInt32 = 0
        var unknownKeys = KeySet()
        var id: String?
        var ts: Timestamp?
        var type: String?
        var severity: Severity?
        var source: String?
        var lat: Double?
        var lon: Double?
        var entity: String?
        var priority: Priority?
        var indicators: [String] = []
        var description: String?
        var tags: [String] = []
        var unratedPriority: String?
        var details = Event.Details()

        c.skipWhitespace()
        if c.peek() == UInt8(ascii: "}") {
            c.index += 1
        } else {
            while true {
                c.skipWhitespace()
                let keyToken = try c.readStringToken()
                try c.expect(UInt8(ascii: ":"), "':' after a key")
                c.skipWhitespace()
                if let key = Self.key(keyToken, in: line) {
                    let bit: UInt32 = 1 << UInt32(key.rawValue)
                    guard seen & bit == 0 else {
                        throw LineProblem("duplicate_key", field: key.name, "key \"\(key.name)\" appears twice; expected each key once")
                    }
                    seen |= bit
                    switch key {
                    case .id: id = try requiredString(&c, key, limit: EventLimits.idBytes)
                    case .type: type = try requiredString(&c, key, limit: EventLimits.typeBytes)
                    case .ts: ts = try timestamp(&c)
                    case .severity: severity = try severityValue(&c)
                    case .source: source = try optionalString(&c, key, limit: EventLimits.sourceBytes)
                    case .entity: entity = try optionalString(&c, key, limit: EventLimits.entityBytes)
                    case .description: description = try optionalString(&c, key, limit: EventLimits.descriptionBytes, allowEmpty: true)
                    case .lat: lat = try coordinate(&c, key)
                    case .lon: lon = try coordinate(&c, key)
                    case .priority: (priority, unratedPriority) = try priorityValue(&c)
                    case .indicators: indicators = try stringArray(&c, key, count: EventLimits.indicatorCount, bytes: EventLimits.indicatorBytes)
                    case .tags: tags = try stringArray(&c, key, count: EventLimits.tagCount, bytes: EventLimits.tagBytes)
                    case .flow: details.flow = try optionalString(&c, key, limit: EventLimits.flowBytes)
                    case .country: details.country = try optionalString(&c, key, limit: 8)
                    case .geoOrigin: details.geoOrigin = try optionalString(&c, key, limit: EventLimits.sourceBytes)
                    case .asn:
                        if !c.consumeNull() {
                            let token = try c.readNumberToken()
                            guard let value = c.integer(token), let asn = UInt32(exactly: value) else {
                                throw LineProblem("out_of_range", field: "asn", "field \"asn\" = \(c.text(token.start, token.end)); expected an AS number 0–4294967295")
                            }
                            details.asn = asn
                        }
                    case .original:
                        if !c.consumeNull() {
                            guard c.peek() == UInt8(ascii: "{") else { throw wrongType(c, key, "the original record as a JSON object") }
                            let start = c.index
                            try c.skipValue(depth: 1)
                            guard c.index - start <= EventLimits.originalBytes else {
                                throw LineProblem("too_long", field: "original", "field \"original\" has \(c.index - start) bytes; expected at most \(EventLimits.originalBytes)")
                            }
                            details.original = c.text(start, c.index, limit: EventLimits.originalBytes)
                        }
                    }
                } else {
                    try unknownKeys.insert(keyToken, in: c)
                    try c.skipValue(depth: 1)
                }
                c.skipWhitespace()
                guard let next = c.peek() else { throw c.truncated("the object") }
                c.index += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { c.index -= 1; throw c.unexpected("',' or '}'") }
            }
        }
        c.skipWhitespace()
        if !c.atEnd {
            throw LineProblem("invalid_json", "unexpected characters after the JSON object at byte \(c.index + 1)")
        }
        guard let id else { throw LineProblem("missing_field", field: "id", "field \"id\" is missing; expected a non-empty string") }
        guard let ts else { throw LineProblem("missing_field", field: "ts", "field \"ts\" is missing; expected an RFC 3339 timestamp such as \(RFC3339.example)") }
        guard let type else { throw LineProblem("missing_field", field: "type", "field \"type\" is missing; expected a non-empty string") }
        var location: GeoPoint?
        switch (lat, lon) {
        case (nil, nil): break
        case (.some, nil): throw LineProblem("missing_field", field: "lon", "\"lat\" is given without \"lon\"; expected both or neither")
        case (nil, .some): throw LineProblem("missing_field", field: "lat", "\"lon\" is given without \"lat\"; expected both or neither")
        case let (.some(la), .some(lo)):
            location = GeoPoint(latitude: la, longitude: lo)
        }
        if let unratedPriority {
            notes.warn("unknown_priority")
            if tags.count < EventLimits.tagCount { tags.append("priority:" + TelemetryMapping.clipped(unratedPriority, EventLimits.tagBytes - 9)) }
        }
        return Event(id: id, timestamp: ts, type: type, severity: severity, source: source, location: location,
                     entity: entity, priority: priority, indicators: indicators, description: description, tags: tags,
                     details: details.isEmpty ? nil : details)
    }

    // MARK: keys

    private static func key(_ t: JSONCursor.StringToken, in b: UnsafeBufferPointer<UInt8>) -> Key? {
        if t.hasEscapes { return escapedKey(t, in: b) }
        @inline(__always) func eq(_ word: StaticString) -> Bool {
            guard word.utf8CodeUnitCount == t.length else { return false }
            let p = word.utf8Start
            for k in 0..<t.length where b[t.start + k] != p[k] { return false }
            return true
        }
        switch t.length {
        case 2: return eq("id") ? .id : eq("ts") ? .ts : nil
        case 3: return eq("lat") ? .lat : eq("lon") ? .lon : eq("asn") ? .asn : nil
        case 4: return eq("type") ? .type : eq("tags") ? .tags : eq("flow") ? .flow : nil
        case 6: return eq("source") ? .source : eq("entity") ? .entity : nil
        case 7: return eq("country") ? .country : nil
        case 8: return eq("severity") ? .severity : eq("priority") ? .priority : eq("original") ? .original : nil
        case 9: return eq("geoOrigin") ? .geoOrigin : nil
        case 10: return eq("indicators") ? .indicators : nil
        case 11: return eq("description") ? .description : nil
        default: return nil
        }
    }

    /// A key written with escapes (`"\u0069d"`) still names the field; JSON says so.
    private static func escapedKey(_ t: JSONCursor.StringToken, in b: UnsafeBufferPointer<UInt8>) -> Key? {
        let cursor = JSONCursor(b)
        guard let name = try? cursor.string(t) else { return nil }
        for raw in 0...16 {
            if let key = Key(rawValue: raw), key.name == name { return key }
        }
        return nil
    }

    // MARK: values

    private func wrongType(_ c: JSONCursor, _ key: Key, _ expected: String) -> LineProblem {
        LineProblem("wrong_type", field: key.name, "field \"\(key.name)\": expected \(expected), found \(c.typeNameAtCursor())")
    }

    private func requiredString(_ c: inout JSONCursor, _ key: Key, limit: Int) throws(LineProblem) -> String {
        guard c.peek() == UInt8(ascii: "\"") else {
            if c.peek() == UInt8(ascii: "n") {
                throw LineProblem("missing_field", field: key.name, "field \"\(key.name)\" is null; expected a non-empty string")
            }
            throw wrongType(c, key, "a non-empty string")
        }
        let token = try c.readStringToken()
        let value = try c.string(token)
        guard !value.isEmpty else {
            throw LineProblem("empty_field", field: key.name, "field \"\(key.name)\" is empty; expected a non-empty string")
        }
        guard value.utf8.count <= limit else {
            throw LineProblem("too_long", field: key.name, "field \"\(key.name)\" has \(value.utf8.count) bytes; expected at most \(limit)")
        }
        return value
    }

    private func optionalString(_ c: inout JSONCursor, _ key: Key, limit: Int, allowEmpty: Bool = false) throws(LineProblem) -> String? {
        if c.consumeNull() { return nil }
        guard c.peek() == UInt8(ascii: "\"") else { throw wrongType(c, key, "a string") }
        let token = try c.readStringToken()
        let value = try c.string(token)
        if value.isEmpty { return allowEmpty ? value : nil }
        guard value.utf8.count <= limit else {
            throw LineProblem("too_long", field: key.name, "field \"\(key.name)\" has \(value.utf8.count) bytes; expected at most \(limit)")
        }
        return value
    }

    private func timestamp(_ c: inout JSONCursor) throws(LineProblem) -> Timestamp {
        guard c.peek() == UInt8(ascii: "\"") else {
            if c.peek() == UInt8(ascii: "n") {
                throw LineProblem("missing_field", field: "ts", "field \"ts\" is null; expected an RFC 3339 timestamp such as \(RFC3339.example)")
            }
            throw wrongType(c, .ts, "an RFC 3339 timestamp string such as \(RFC3339.example)")
        }
        let token = try c.readStringToken()
        let escapedText: String? = token.hasEscapes ? try c.string(token) : nil
        do throws(TimestampError) {
            if let escapedText { return try RFC3339.parse(escapedText) }
            return try RFC3339.parse(UnsafeBufferPointer(rebasing: c.bytes[token.start..<token.end]))
        } catch {
            let shown = c.text(token.start, token.end)
            throw LineProblem("bad_timestamp", field: "ts", "field \"ts\" = \"\(shown)\": \(error.message); expected RFC 3339 such as \(RFC3339.example)")
        }
    }

    private func severityValue(_ c: inout JSONCursor) throws(LineProblem) -> Severity? {
        if c.consumeNull() { return nil }
        guard let p = c.peek(), p == UInt8(ascii: "-") || p &- 48 < 10 else {
            throw wrongType(c, .severity, "an integer 1–10")
        }
        let token = try c.readNumberToken()
        let shown = c.text(token.start, token.end)
        guard let value = c.integer(token) else {
            throw LineProblem("wrong_type", field: "severity", "field \"severity\" = \(shown); expected an integer 1–10")
        }
        guard let severity = Severity(value) else {
            throw LineProblem("out_of_range", field: "severity", "field \"severity\" = \(shown); expected an integer 1–10")
        }
        return severity
    }

    private func coordinate(_ c: inout JSONCursor, _ key: Key) throws(LineProblem) -> Double? {
        if c.consumeNull() { return nil }
        guard let p = c.peek(), p == UInt8(ascii: "-") || p &- 48 < 10 else {
            throw wrongType(c, key, key == .lat ? "a number −90…90" : "a number −180…180")
        }
        let token = try c.readNumberToken()
        let value = c.double(token)
        let limit = key == .lat ? 90.0 : 180.0
        guard value.isFinite, value >= -limit, value <= limit else {
            throw LineProblem("out_of_range", field: key.name,
                              "field \"\(key.name)\" = \(c.text(token.start, token.end)); expected a number −\(Int(limit))…\(Int(limit))")
        }
        return value
    }

    /// A priority word or P1–P5 number (`Priority(lenient:)`); an unknown non-empty word is
    /// returned apart to be kept (the event is then unrated).
    private func priorityValue(_ c: inout JSONCursor) throws(LineProblem) -> (Priority?, String?) {
        if c.consumeNull() { return (nil, nil) }
        if let p = c.peek(), p == UInt8(ascii: "-") || p &- 48 < 10 {
            let token = try c.readNumberToken()
            guard let value = c.integer(token), let priority = Priority(number: value) else {
                throw LineProblem("out_of_range", field: "priority", "field \"priority\" = \(c.text(token.start, token.end)); expected a word such as low, normal, urgent or critical, or 1–5")
            }
            return (priority, nil)
        }
        guard c.peek() == UInt8(ascii: "\"") else { throw wrongType(c, .priority, Priority.spellings) }
        let token = try c.readStringToken()
        let text = try c.string(token)
        if let priority = Priority(lenient: text) { return (priority, nil) }
        let trimmed = text.trimmingCharacters(in: " \t")
        guard !trimmed.isEmpty else { return (nil, nil) }
        return (nil, trimmed)
    }

    private func stringArray(_ c: inout JSONCursor, _ key: Key, count limit: Int, bytes byteLimit: Int) throws(LineProblem) -> [String] {
        if c.consumeNull() { return [] }
        guard c.peek() == UInt8(ascii: "[") else { throw wrongType(c, key, "an array of strings") }
        c.index += 1
        var values: [String] = []
        c.skipWhitespace()
        if c.peek() == UInt8(ascii: "]") { c.index += 1; return values }
        while true {
            c.skipWhitespace()
            guard c.peek() == UInt8(ascii: "\"") else {
                guard !c.atEnd else { throw c.truncated("an array") }
                throw LineProblem("wrong_type", field: key.name,
                                  "\"\(key.name)\"[\(values.count)]: expected a string, found \(c.typeNameAtCursor())")
            }
            let token = try c.readStringToken()
            let value = try c.string(token)
            guard !value.isEmpty else {
                throw LineProblem("empty_field", field: key.name, "\"\(key.name)\"[\(values.count)] is empty; expected a non-empty string")
            }
            guard value.utf8.count <= byteLimit else {
                throw LineProblem("too_long", field: key.name, "\"\(key.name)\"[\(values.count)] has \(value.utf8.count) bytes; expected at most \(byteLimit)")
            }
            values.append(value)
            guard values.count <= limit else {
                throw LineProblem("too_long", field: key.name, "\"\(key.name)\" has more than \(limit) entries")
            }
            c.skipWhitespace()
            guard let next = c.peek() else { throw c.truncated("an array") }
            c.index += 1
            if next == UInt8(ascii: "]") { return values }
            guard next == UInt8(ascii: ",") else { c.index -= 1; throw c.unexpected("',' or ']'") }
        }
    }
}
