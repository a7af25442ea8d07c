import CTASCore
import Foundation

extension AnomalyReport {
    /// The fields every output carries, in order.
    static let fieldNames = ["entity", "kind", "start", "end", "observed", "expected", "score", "detail"]

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.2f", value)
    }

    /// One JSON document: the anomalies and what the scan could not judge.
    public var json: String {
        var out = "{\n  \"anomalies\": ["
        for (i, a) in anomalies.enumerated() {
            out += i == 0 ? "\n" : ",\n"
            out += "    {\"entity\": \(JSONString.quoted(a.entity)), \"kind\": \"\(a.kind.rawValue)\", "
            out += "\"start\": \"\(a.start.rfc3339)\", \"end\": \"\(a.end.rfc3339)\", "
            out += "\"observed\": \(Self.number(a.observed)), \"expected\": \(String(format: "%.3f", a.expected)), "
            out += "\"score\": \(String(format: "%.1f", a.score)), \"detail\": \(JSONString.quoted(a.detail))}"
        }
        out += anomalies.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"events\": \(events), \"eventsWithoutEntity\": \(eventsWithoutEntity), \"entities\": \(entities),\n"
        out += "  \"seriesScored\": \(seriesScored), \"seriesUnscored\": \(seriesUnscored), \"saturatedAttributes\": \(saturatedAttributes),\n"
        out += "  \"windowStart\": \(windowStart.map { "\"\($0.rfc3339)\"" } ?? "null"), "
        out += "\"windowEnd\": \(windowEnd.map { "\"\($0.rfc3339)\"" } ?? "null")\n}\n"
        return out
    }

    /// CSV with a header; `sanitized` escapes control characters (for a terminal).
    public func csv(sanitized: Bool) -> String {
        func cell(_ raw: String) -> String {
            let s = sanitized ? SafeText.sanitize(raw) : raw
            let quoted = s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
            return quoted ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = Self.fieldNames.joined(separator: ",") + "\n"
        for a in anomalies {
            let cells = [a.entity, a.kind.rawValue, a.start.rfc3339, a.end.rfc3339, Self.number(a.observed),
                         String(format: "%.3f", a.expected), String(format: "%.1f", a.score), a.detail]
            out += cells.map(cell).joined(separator: ",") + "\n"
        }
        return out
    }

    /// A table for people, feed strings made safe for the terminal, then a line on what
    /// was not judged.
    public var table: String {
        var rows = [["SCORE", "KIND", "ENTITY", "START", "END", "OBSERVED", "EXPECTED", "DETAIL"]]
        for a in anomalies {
            rows.append([String(format: "%.0f", a.score), a.kind.rawValue, SafeText.sanitize(a.entity), a.start.rfc3339,
                         a.end.rfc3339, Self.number(a.observed), String(format: "%.1f", a.expected), SafeText.sanitize(a.detail)])
        }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], min(40, cell.count)) } }
        var out = ""
        for row in rows {
            let cells = row.enumerated().map { i, cell -> String in
                let clipped = cell.count > 40 ? String(cell.prefix(39)) + "…" : cell
                return i == row.count - 1 ? clipped : clipped.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            out += cells.joined(separator: "  ") + "\n"
        }
        if anomalies.isEmpty { out += "no anomalies\n" }
        out += "\(anomalies.count) anomalies; \(events) events, \(entities) entities (\(eventsWithoutEntity) events without one); "
        out += "\(seriesScored) series tested, \(seriesUnscored) with under \(SeasonalResiduals.minimumHours) h of history not scored\n"
        return out
    }
}
