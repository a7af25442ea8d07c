import CTASCore
import CTASEngine

/// The line above the status bar that says what is alarming: critical events since the
/// analyst last marked them seen, the busiest entity, type and source of the last minutes,
/// anomalies and intelligence sightings, and whether the feed shows only severe events.
public enum AttentionLine {
    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext) {
        let s = context.snapshot
        let a = s.attention
        b.fill(area, " ", style: .text)
        var x = area.x + 1
        func put(_ text: String, _ style: Style) {
            guard x < area.maxX else { return }
            x += b.write(text, x: x, y: area.y, style: style, clip: area)
        }
        func gap() { put("  ", .muted) }
        let fresh = max(0, a.critical - context.state.criticalSeen)
        if fresh > 0 {
            put("\(Format.count(fresh)) critical new", Style(.severityCritical, bold: true))
            put(" (" + key(.acknowledge, context) + " seen)", .muted)
        } else {
            put("no new critical", .muted)
        }
        gap()
        put("\(Format.count(a.high)) sev≥7", Style(a.high > 0 ? .severityHigh : .muted))
        if context.state.feed.filter.showsOnlySevere {
            gap()
            put("feed: sev≥7 only (" + key(.toggleSevere, context) + ")", Style(.accent, bold: true))
        }
        if let anomalies = s.anomalies, anomalies.rate + anomalies.rare > 0 {
            gap()
            put("\(Format.count(anomalies.rate + anomalies.rare)) anomalies", Style(.warning, bold: true))
        }
        if let sightings = s.intelSightings, sightings > 0 {
            gap()
            put("\(Format.count(sightings)) intel sightings", Style(.warning, bold: true))
        }
        // The busiest names last: the longest part, cut first on a narrow terminal.
        if a.topEntity != nil || a.topType != nil || a.topSource != nil {
            gap()
            put("last \(a.windowSeconds / 60)m:", .muted)
            for (label, value) in [("entity", a.topEntity), ("type", a.topType), ("source", a.topSource)] {
                guard let value else { continue }
                put(" " + label + " ", .muted)
                put(context.safe(DisplayText.truncate(value.name, to: 24, ellipsis: context.glyphs.ellipsis)), Style(.accent))
                put(" " + Format.compact(Double(value.count)), .text)
            }
        }
    }

    static func key(_ action: Action, _ context: RenderContext) -> String {
        let map = context.keymap.bindings[.global] ?? [:]
        return map.first { $0.value == action }?.key.description ?? ":"
    }
}

extension EventFilter {
    /// The term the severe-only toggle adds and removes.
    static let severeTerm = "sev>=7"

    /// Whether the filter holds the severe-only term.
    public var showsOnlySevere: Bool { terms.contains(.severity(.ge, 7)) && text.split(separator: " ").contains(Substring(Self.severeTerm)) }

    /// The filter with the severe-only term added, or removed when present.
    public func togglingSevere() -> EventFilter {
        var words = text.split(separator: " ").map(String.init)
        if words.contains(Self.severeTerm) { words.removeAll { $0 == Self.severeTerm } } else { words.append(Self.severeTerm) }
        return (try? EventFilter(parsing: words.joined(separator: " "))) ?? self
    }
}
