import CTASCore

/// Events as an aligned text table for terminals; every feed string is sanitized first.
public enum EventTable {
    public static func render(_ events: [Event], maxColumn: Int = 48) -> String {
        let header = ["TIME", "SEV", "TYPE", "SOURCE", "ENTITY", "ID", "INDICATORS"]
        var rows = [header]
        for e in events {
            rows.append([
                e.timestamp.rfc3339, e.severity.map { String($0.value) } ?? "-", e.type, e.source ?? "-", e.entity ?? "-", e.id,
                e.indicators.joined(separator: " "),
            ].map { clip(SafeText.sanitize($0), maxColumn) })
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            let line = row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
            out += line + "\n"
        }
        if events.isEmpty { out += "(no events)\n" }
        return out
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
