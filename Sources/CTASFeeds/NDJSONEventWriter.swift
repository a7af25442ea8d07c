import CTASCore

/// Writes events in the native NDJSON format, one object per line, keys in a fixed order.
/// What it writes, `NDJSONEventParser` reads back to the same `Event`.
public enum NDJSONEventWriter {
    /// One event as a line (with the trailing newline).
    public static func line(_ event: Event) -> String {
        var out: [UInt8] = []
        append(event, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one event and a newline to `out`; `withRisk` adds the risk score it was given
    /// (`"risk":{"score":…,"severity":…,"intel":…,"anomaly":…,"hotspot":…}`), which query
    /// output shows and a recording leaves out (it is computed again at every ingest).
    public static func append(_ e: Event, to out: inout [UInt8], withRisk: Bool = false) {
        out.append(contentsOf: #"{"id":"#.utf8)
        appendString(e.id, to: &out)
        out.append(contentsOf: #","ts":""#.utf8)
        e.timestamp.appendRFC3339(to: &out)
        out.append(UInt8(ascii: "\""))
        if let source = e.source {
            out.append(contentsOf: #","source":"#.utf8)
            appendString(source, to: &out)
        }
        out.append(contentsOf: #","type":"#.utf8)
        appendString(e.type, to: &out)
        if let severity = e.severity {
            out.append(contentsOf: #","severity":"#.utf8)
            out.append(contentsOf: String(severity.value).utf8)
        }
        if let point = e.location {
            out.append(contentsOf: #","lat":"#.utf8)
            out.append(contentsOf: point.latitude.description.utf8)
            out.append(contentsOf: #","lon":"#.utf8)
            out.append(contentsOf: point.longitude.description.utf8)
        }
        if let entity = e.entity {
            out.append(contentsOf: #","entity":"#.utf8)
            appendString(entity, to: &out)
        }
        if let priority = e.priority {
            out.append(contentsOf: #","priority":""#.utf8)
            out.append(contentsOf: priority.name.utf8)
            out.append(UInt8(ascii: "\""))
        }
        if !e.indicators.isEmpty {
            out.append(contentsOf: #","indicators":"#.utf8)
            appendArray(e.indicators, to: &out)
        }
        if let description = e.description {
            out.append(contentsOf: #","description":"#.utf8)
            appendString(description, to: &out)
        }
        if !e.tags.isEmpty {
            out.append(contentsOf: #","tags":"#.utf8)
            appendArray(e.tags, to: &out)
        }
        if let d = e.details {
            if let flow = d.flow {
                out.append(contentsOf: #","flow":"#.utf8)
                appendString(flow, to: &out)
            }
            if let country = d.country {
                out.append(contentsOf: #","country":"#.utf8)
                appendString(country, to: &out)
            }
            if let asn = d.asn {
                out.append(contentsOf: #","asn":"#.utf8)
                out.append(contentsOf: String(asn).utf8)
            }
            if let origin = d.geoOrigin {
                out.append(contentsOf: #","geoOrigin":"#.utf8)
                appendString(origin, to: &out)
            }
            if let original = d.original, Self.isOneJSONValue(original) {
                // The sensor's record as it was: embedded as JSON, not as a string.
                out.append(contentsOf: #","original":"#.utf8)
                out.append(contentsOf: original.utf8.filter { $0 != 0x0A && $0 != 0x0D })
            }
        }
        if withRisk, let risk = e.risk {
            out.append(contentsOf: #","risk":{"score":"#.utf8)
            out.append(contentsOf: "\(risk.total),\"severity\":\(risk.severity),\"intel\":\(risk.intel),\"anomaly\":\(risk.anomaly),\"hotspot\":\(risk.hotspot)}".utf8)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// Whether `text` is one JSON object (originals always are; checked so a line stays valid).
    static func isOneJSONValue(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { b in (try? JSONTape(parsing: b)).map { $0.kind(JSONTape.root) == .object } ?? false }
    }

    public static func appendArray(_ values: [String], to out: inout [UInt8]) { JSONString.appendArray(values, to: &out) }

    public static func appendString(_ s: String, to out: inout [UInt8]) { JSONString.append(s, to: &out) }
}
