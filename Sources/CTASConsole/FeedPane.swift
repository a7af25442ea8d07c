import CTASCore
import CTASEngine

/// The feed ingest pane: newest events first, with a header for the sources, the counts and
/// the live rate, and the filter and whether the view follows new events.
public enum FeedPane {
    static let headerRows = 4

    /// Rows left for events in a pane of this area.
    public static func listRows(in area: Rect) -> Int { max(0, area.height - 2 - headerRows) }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let s = context.snapshot
        let feed = context.state.feed
        let g = context.glyphs
        b.box(area, title: PaneKind.feed.title, glyphs: g, focused: focused)
        let inner = area.inset(1)
        guard inner.width > 4, inner.height > 0 else { return }
        var y = inner.y

        // 1. Sources.
        var x = inner.x
        for (i, source) in s.sources.enumerated() {
            if i > 0 { x += b.write("  ", x: x, y: y, style: .muted, clip: inner) }
            x += b.write(sourceText(source, context: context, room: inner.maxX - x), x: x, y: y, style: .text, clip: inner)
        }
        if s.sources.isEmpty { b.write("no source", x: x, y: y, style: .muted, clip: inner) }
        y += 1
        guard y < inner.maxY else { return }

        // 2. Counts and rate.
        x = inner.x
        let counts: [(String, Int, Role)] = [("accepted", s.totals.accepted, .good), ("rejected", s.totals.rejected, .error),
                                             ("duplicates", s.totals.duplicates, .warning), ("dropped", s.totals.dropped, .error)]
        for (label, value, role) in counts {
            let short = inner.width < 90 ? ["accepted": "acc", "rejected": "rej", "duplicates": "dup", "dropped": "drop"][label] ?? label : label
            x += b.write(short + " ", x: x, y: y, style: .muted, clip: inner)
            x += b.write(Format.count(value), x: x, y: y, style: Style(value > 0 && role != .good ? role : .text, bold: role == .good), clip: inner)
            x += b.write("  ", x: x, y: y, style: .muted, clip: inner)
        }
        let rate = Format.compact(s.currentRate) + "/s "
        x += b.write(rate, x: x, y: y, style: Style(.accent), clip: inner)
        let sparkWidth = inner.maxX - x
        if sparkWidth >= 4 {
            b.write(Sparkline.render(s.rateHistory.map(Double.init), width: sparkWidth, glyphs: g), x: x, y: y, style: Style(.sparkline), clip: inner)
        }
        y += 1
        guard y < inner.maxY else { return }

        // 3. View state: following or held, and the filter.
        let list = context.feedList ?? FeedList.events(s, feed)
        x = inner.x
        if feed.following && s.replay.paused {
            // The list follows, but nothing new comes while the replay is paused: say so where "live" would be.
            x += b.write(g.ascii ? "|| PAUSED" : "⏸ PAUSED", x: x, y: y, style: Style(.warning, bold: true), clip: inner)
            if let key = context.keymap.key(for: .pause, in: .feed) {
                x += b.write(" (\(key): resume)", x: x, y: y, style: .muted, clip: inner)
            }
        } else if feed.following {
            x += b.write(g.ascii ? "> live" : "▶ live", x: x, y: y, style: Style(.good, bold: true), clip: inner)
        } else {
            x += b.write(g.ascii ? "|| held" : "⏸ held", x: x, y: y, style: Style(.warning, bold: true), clip: inner)
            x += b.write(" (end: back to live)", x: x, y: y, style: .muted, clip: inner)
        }
        if feed.order == .risk {
            x += b.write("  riskiest first", x: x, y: y, style: Style(.accent, bold: true), clip: inner)
        }
        if !feed.filter.isEmpty {
            x += b.write("  filter ", x: x, y: y, style: .muted, clip: inner)
            x += b.write(context.safe(feed.filter.text), x: x, y: y, style: Style(.accent), clip: inner)
        }
        let position = list.isEmpty ? "0 events" : "\(feed.selected + 1)/\(Format.count(list.count))\(feed.historyExhausted ? "" : "+")"
        let loading = feed.historyLoading ? " loading…" : ""
        let right = position + loading
        let rx = inner.maxX - DisplayText.width(right)
        if rx > x + 1 { b.write(right, x: rx, y: y, style: .muted, clip: inner) }
        y += 1
        guard y < inner.maxY else { return }

        // 4. Column header and rows.
        let columns = Columns(width: inner.width)
        b.write(columns.header, x: inner.x, y: y, style: Style(.title), clip: inner)
        y += 1
        let rows = inner.maxY - y
        guard rows > 0 else { return }
        if list.isEmpty {
            let text = feed.filter.isEmpty ? "waiting for events…" : "no events match the filter"
            b.write(text, x: inner.x + 1, y: y, style: .muted, clip: inner)
            return
        }
        for r in 0..<rows {
            let index = feed.scroll + r
            guard list.indices.contains(index) else { break }
            let e = list[index]
            let selected = index == feed.selected && focused
            let rowRect = Rect(x: inner.x, y: y + r, width: inner.width, height: 1)
            if selected { b.fill(rowRect, " ", style: Style(.selection)) }
            columns.draw(e, into: &b, y: y + r, clip: rowRect, context: context, selected: selected)
        }
    }

    static func sourceText(_ source: SourceStatus, context: RenderContext, room: Int) -> String {
        let name = context.safe(source.name.split(separator: "/").last.map(String.init) ?? source.name)
        var parts = [name]
        switch source.kind {
        case .file:
            if let fraction = source.fractionDone {
                let width = max(4, min(20, room / 5))
                let filled = Int(fraction * Double(width))
                let bar = context.glyphs.ascii
                    ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
                    : String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
                parts.append("\(bar) \(Int(fraction * 100))%")
            }
            if let eta = source.etaSeconds, source.state == .reading { parts.append("ETA " + Format.duration(eta)) }
            if source.pass > 0 { parts.append("pass \(source.pass + 1)") }
        case .follow: parts.append("following")
        case .stdin, .pipe, .udp: parts.append("live")
        }
        switch source.state {
        case .failed(let message): parts.append("failed: " + context.safe(message))
        case .ended: parts.append("ended")
        case .waiting: parts.append("waiting for data")
        default: break
        }
        if source.dropped > 0 { parts.append("dropped \(Format.count(source.dropped))") }
        return parts.joined(separator: "  ")
    }

    /// Column widths for a given pane width: time, severity, risk, type, source, entity,
    /// indicators.
    struct Columns {
        var showRisk: Bool
        var showSource: Bool
        var showEntity: Bool
        var typeWidth: Int
        var sourceWidth = 14
        var entityWidth = 18
        var width: Int

        init(width: Int) {
            self.width = width
            showEntity = width >= 64
            showRisk = width >= 72
            showSource = width >= 96
            typeWidth = width >= 80 ? 18 : 14
        }

        var header: String {
            var h = DisplayText.fit("TIME", 8) + " " + DisplayText.fit("SEV", 3) + " "
            if showRisk { h += DisplayText.fit("RSK", 3) + " " }
            h += DisplayText.fit("TYPE", typeWidth) + " "
            if showSource { h += DisplayText.fit("SOURCE", sourceWidth) + " " }
            if showEntity { h += DisplayText.fit("ENTITY", entityWidth) + " " }
            return h + "INDICATORS"
        }

        func draw(_ e: Event, into b: inout ScreenBuffer, y: Int, clip: Rect, context: RenderContext, selected: Bool) {
            let g = context.glyphs
            func style(_ role: Role) -> Style { selected ? Style(.selection) : Style(role) }
            var x = clip.x
            x += b.write(Format.clock(e.timestamp) + " ", x: x, y: y, style: style(.muted), clip: clip)
            let sev = e.severity.map { String($0.value) } ?? "-"
            x += b.write(DisplayText.fit(sev, 3, alignRight: true), x: x, y: y,
                         style: selected ? Style(.selection) : Style(context.severityRole(e.severity), bold: (e.severity?.value ?? 0) >= 7), clip: clip)
            x += b.write(" ", x: x, y: y, style: style(.text), clip: clip)
            if showRisk {
                let risk = e.risk.map { String($0.total) } ?? "-"
                let total = Int(e.risk?.total ?? 0)
                let role: Role = total >= 70 ? .severityCritical : total >= 40 ? .severityHigh : .muted
                x += b.write(DisplayText.fit(risk, 3, alignRight: true), x: x, y: y,
                             style: selected ? Style(.selection) : Style(role, bold: total >= 70), clip: clip)
                // `!`: the score holds its entity's live anomaly (the detail view says how much).
                let anomalous = (e.risk?.anomaly ?? 0) > 0
                x += b.write(anomalous ? "!" : " ", x: x, y: y, style: selected ? Style(.selection) : Style(.warning, bold: true), clip: clip)
            }
            x += b.write(DisplayText.fit(context.safe(e.type), typeWidth, ellipsis: g.ellipsis) + " ", x: x, y: y, style: style(.text), clip: clip)
            if showSource {
                x += b.write(DisplayText.fit(context.safe(e.source ?? "-"), sourceWidth, ellipsis: g.ellipsis) + " ", x: x, y: y,
                             style: style(.muted), clip: clip)
            }
            if showEntity {
                x += b.write(DisplayText.fit(context.safe(e.entity ?? "-"), entityWidth, ellipsis: g.ellipsis) + " ", x: x, y: y,
                             style: style(.text), clip: clip)
            }
            let indicators = e.indicators.isEmpty ? "-" : e.indicators.map(context.safe).joined(separator: " ")
            b.write(DisplayText.truncate(indicators, to: clip.maxX - x, ellipsis: g.ellipsis), x: x, y: y, style: style(.accent), clip: clip)
        }
    }
}
