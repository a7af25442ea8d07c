import CTASCore
import CTASEngine

/// What the metrics pane's anomalies view shows and where its selection is (`v` in the
/// metrics pane, or `:focus anomalies`).
public struct AnomaliesViewState: Sendable, Equatable {
    /// The metrics pane shows the live anomalies instead of the engine's metrics.
    public var shown = false
    /// Strongest first (else newest first).
    public var strongestFirst = true
    public var selected = 0

    public init() {}
}

/// The behaviour anomalies found live, one row each: score, kind, entity, when, what was
/// unusual, observed against expected, and the entity's last 24 hours drawn hour by hour
/// against the band its cycle expects (red above it, amber below, green inside, grey before
/// the entity had history enough). Enter filters the feed to the entity and the anomaly's time.
public enum AnomaliesView {
    /// Rows above the list (the column heads and the legend).
    static let headerRows = 2

    /// The anomalies in the order shown.
    public static func list(_ snapshot: Snapshot, _ view: AnomaliesViewState) -> [AnomalyStatus.Note] {
        let recent = snapshot.anomalies?.recent ?? []
        guard view.strongestFirst else { return recent }
        return recent.enumerated().sorted { a, b in
            a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
        }.map(\.element)
    }

    /// List rows that fit in the pane's area.
    public static func listRows(in area: Rect) -> Int { max(0, area.height - 2 - headerRows) }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let g = context.glyphs
        let view = context.state.anomalies
        let status = context.snapshot.anomalies
        b.box(area, title: "Anomalies", glyphs: g, focused: focused)
        let inner = area.inset(1)
        guard inner.width > 10, inner.height > 0 else { return }
        var y = inner.y
        guard let status else {
            b.write("live anomaly detection is off (--no-anomalies); v: metrics", x: inner.x, y: y, style: .muted, clip: inner)
            return
        }
        let list = list(context.snapshot, view)
        let order = view.strongestFirst ? "strongest first" : "newest first"
        var counts = "\(Format.count(status.rate)) rate  \(Format.count(status.rare)) rare  \(Format.count(status.tracked)) entities  \(order)"
            + (inner.width >= 90 ? "  (s: order, enter: feed, v: metrics)" : "  s enter v")
        if (status.rebuiltFromEvents > 0 || status.resumedFromSaved) && inner.width >= 90 {
            let took = status.rebuildSeconds < 10 ? String(format: "%.1fs", status.rebuildSeconds) : Format.duration(status.rebuildSeconds)
            counts += status.resumedFromSaved
                ? "  history: saved + \(Format.count(status.rebuiltFromEvents)) stored events in \(took)"
                : "  history: \(Format.count(status.rebuiltFromEvents)) stored events in \(took)"
        }
        b.write(DisplayText.fit(counts, inner.width, ellipsis: g.ellipsis), x: inner.x, y: y, style: .muted, clip: inner)
        y += 1
        guard y < inner.maxY else { return }
        let sparkWidth = inner.width >= 90 ? 24 : inner.width >= 70 ? 12 : 0
        let entityWidth = inner.width >= 90 ? 18 : 10
        let detailWidth = inner.width >= 90 ? 16 : 10
        var head = DisplayText.fit("SCORE", 5, alignRight: true) + " " + DisplayText.fit("KIND", 4) + " " + DisplayText.fit("ENTITY", entityWidth)
            + " " + DisplayText.fit("WHEN", 17) + " " + DisplayText.fit("DETAIL", detailWidth) + " " + DisplayText.fit("OBS/EXP", 11)
        if sparkWidth > 0 { head += " " + "LAST \(sparkWidth)H" + (inner.width >= 90 ? " VS EXPECTED" : "") }
        b.write(DisplayText.fit(head, inner.width), x: inner.x, y: y, style: Style(.title), clip: inner)
        y += 1
        guard !list.isEmpty else {
            if y < inner.maxY {
                b.write("none yet: entities need 72 h of history before they are judged", x: inner.x, y: y, style: .muted, clip: inner)
            }
            return
        }
        let rows = max(0, inner.maxY - y)
        let selected = min(view.selected, list.count - 1)
        // The selected row stays on screen (the list grows at the top as anomalies are found).
        let scroll = max(0, min(selected - rows / 2, list.count - rows))
        for (i, note) in list.enumerated().dropFirst(scroll).prefix(rows) {
            let isSelected = focused && i == selected
            func style(_ role: Role, bold: Bool = false) -> Style { isSelected ? Style(.selection) : Style(role, bold: bold) }
            var x = inner.x
            let scoreRole: Role = note.score >= 90 ? .severityCritical : note.score >= 70 ? .severityHigh : .severityMedium
            x += b.write(DisplayText.fit(String(Int(note.score.rounded())), 5, alignRight: true) + " ", x: x, y: y,
                         style: style(scoreRole, bold: note.score >= 90), clip: inner)
            x += b.write(DisplayText.fit(context.safe(note.kind), 4) + " ", x: x, y: y, style: style(.muted), clip: inner)
            x += b.write(DisplayText.fit(context.safe(note.entity), entityWidth, ellipsis: g.ellipsis) + " ", x: x, y: y, style: style(.text), clip: inner)
            x += b.write(DisplayText.fit(Self.when(note), 17) + " ", x: x, y: y, style: style(.muted), clip: inner)
            x += b.write(DisplayText.fit(context.safe(note.detail), detailWidth, ellipsis: g.ellipsis) + " ", x: x, y: y, style: style(.accent), clip: inner)
            let counts = note.kind == "rate" ? Format.compact(note.observed) + "/" + Format.compact(note.expected) : "first"
            x += b.write(DisplayText.fit(counts, 11) + " ", x: x, y: y, style: style(.text), clip: inner)
            if sparkWidth > 0 { drawHours(note.hours.suffix(sparkWidth), into: &b, x: x, y: y, clip: inner, glyphs: g, selected: isSelected) }
            y += 1
        }
    }

    /// `11-20 14:00–16:00` for a rate anomaly's hours, `11-20 14:07` for a first.
    static func when(_ note: AnomalyStatus.Note) -> String {
        func part(_ text: String, _ from: Int, _ count: Int) -> String {
            let chars = Array(text)
            guard chars.count >= from + count else { return "" }
            return String(chars[from..<(from + count)])
        }
        let day = part(note.start, 5, 5)
        let start = part(note.start, 11, 5)
        guard note.kind == "rate", note.end != note.start else { return day + " " + start }
        return day + " " + start + "–" + part(note.end, 11, 5)
    }

    /// One column per hour: the bar's height is the count (scaled to the largest count or
    /// band top shown), its colour where the count lies against the expected band.
    static func drawHours(_ hours: ArraySlice<AnomalyStatus.Hour>, into b: inout ScreenBuffer, x: Int, y: Int, clip: Rect,
                          glyphs: Glyphs, selected: Bool) {
        let top = max(1, hours.map { max($0.observed, $0.high ?? 0) }.max() ?? 1)
        var column = x
        for hour in hours {
            let level = hour.observed <= 0 ? 0 : max(1, min(glyphs.bars.count, Int((hour.observed / top * Double(glyphs.bars.count)).rounded(.up))))
            let role: Role
            if let low = hour.low, let high = hour.high {
                role = hour.observed > high ? .severityCritical : hour.observed < low ? .warning : .good
            } else {
                role = .muted
            }
            // An empty hour inside its band draws as a dot so the band's colour still shows.
            let shown = level == 0 ? (role == .muted ? " " : glyphs.ascii ? "." : "·") : glyphs.bars[level - 1]
            column += b.write(shown, x: column, y: y, style: selected ? Style(.selection) : Style(role, bold: role == .severityCritical), clip: clip)
        }
    }
}
