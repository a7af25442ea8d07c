import H3

/// Where events sit on the H3 grid. Each stored event keeps its resolution-15 cell (about
/// 1 m²), so a cell of any coarser resolution is a contiguous range of stored values.
public enum GeoCell {
    /// The resolution stored with each event.
    public static let storedResolution = 15

    /// The event's resolution-15 cell, or nil when it has no location.
    public static func of(_ event: Event) -> H3Index? {
        event.location.flatMap(of)
    }

    /// The point's resolution-15 cell.
    public static func of(_ point: GeoPoint) -> H3Index? {
        try? H3.latLngToCell(lat: point.latitude, lng: point.longitude, res: storedResolution)
    }

    /// The stored values under `cell` (itself included): one indexed range scan.
    public static func storedRange(under cell: H3Index) -> ClosedRange<Int64>? {
        guard let r = try? H3.descendantRange(of: cell, res: storedResolution) else { return nil }
        return Int64(bitPattern: r.lowerBound)...Int64(bitPattern: r.upperBound)
    }

    /// A cell id as an analyst types it (hex, optional `0x`); nil unless it is a valid cell.
    public static func parse(_ text: String) -> H3Index? {
        guard let h = H3Index(string: text.trimmingCharacters(in: " ")), H3.isValidCell(h) else { return nil }
        return h
    }
}
