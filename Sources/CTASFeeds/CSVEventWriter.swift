import CTASCore

/// Writes events as CSV records in the column order of `FeedGenerator.csvHeader`; lists are
/// `;`-separated and fields holding commas, quotes or line breaks are quoted.
public enum CSVEventWriter {
    public static let header = "id,ts,source,type,severity,lat,lon,entity,priority,indicators,description,tags"

    public static func append(_ e: Event, to out: inout [UInt8]) {
        func field(_ s: String?) {
            guard let s, !s.isEmpty else { return }
            let needsQuotes = s.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            if needsQuotes {
                out.append(0x22)
                for byte in s.utf8 {
                    if byte == 0x22 { out.append(0x22) }
                    out.append(byte)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: s.utf8)
            }
        }
        func comma() { out.append(0x2C) }
        field(e.id); comma()
        field(e.timestamp.rfc3339); comma()
        field(e.source); comma()
        field(e.type); comma()
        field(e.severity.map { String($0.value) }); comma()
        field(e.location.map { $0.latitude.description }); comma()
        field(e.location.map { $0.longitude.description }); comma()
        field(e.entity); comma()
        field(e.priority?.name); comma()
        field(e.indicators.joined(separator: ";")); comma()
        field(e.description); comma()
        field(e.tags.joined(separator: ";"))
        out.append(0x0A)
    }

    public static func line(_ e: Event) -> String {
        var out: [UInt8] = []
        append(e, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
