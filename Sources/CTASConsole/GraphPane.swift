import CTASCore
import CTASEngine

/// The correlation pane: a focused event or indicator, its indicators with how many events
/// hold each, and its linked events as a tree — each event one hop out, and under it the
/// events it led to (two and three hops), with the value that linked each.
/// Over-correlating and warninglisted values are marked; Enter walks to the selected row.
public enum GraphPane {
    /// One line of the pane's list.
    public enum Row: Equatable, Sendable {
        case heading(String)
        case indicator(GraphIndicator)
        /// A linked event, `depth` levels down the tree (0: reached from the focus).
        case neighbor(GraphNeighbor, depth: Int)
        case more(Int)
        case note(String)

        /// Rows Enter can walk to.
        public var isSelectable: Bool {
            switch self {
            case .indicator, .neighbor: true
            default: false
            }
        }

        /// Where Enter on this row goes.
        public var target: GraphFocus? {
            switch self {
            case .indicator(let i): .indicator(i.indicator)
            case .neighbor(let n, _): .event(n.event.id)
            default: nil
            }
        }
    }

    /// Lines above the list: the focus and the state of the question.
    static let headerRows = 2

    /// Rows left for the list in a pane of this area.
    public static func listRows(in area: Rect) -> Int { max(0, area.height - 2 - headerRows) }

    /// The list for a neighborhood: the focus event's indicators, then the reach as a tree —
    /// the events one hop out (newest first), each followed by the listed events it led to,
    /// indented — with "+N more" where the engine counted more than it listed; events whose
    /// nearer event is not listed come last, each naming the event it came through.
    public static func rows(_ n: Neighborhood) -> [Row] {
        var rows: [Row] = []
        if n.event != nil {
            rows.append(.heading("indicators (\(n.indicators.count))"))
            for i in n.indicators { rows.append(.indicator(i)) }
            if n.indicators.isEmpty { rows.append(.note("none")) }
        }
        if n.total > 0 {
            let byKind = n.totalByKind.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
                .map { "\($0.key.label) \(Format.count($0.value))" }.joined(separator: ", ")
            rows.append(.heading("linked (\(Format.count(n.total))\(n.truncated ? "+" : "")) via \(byKind)"))
            let listed = Set(n.neighbors.map(\.event.id))
            var children: [String: [GraphNeighbor]] = [:]
            var roots: [GraphNeighbor] = []
            var strays: [GraphNeighbor] = []
            for nb in n.neighbors {
                if let parent = nb.parent {
                    if listed.contains(parent) { children[parent, default: []].append(nb) } else { strays.append(nb) }
                } else {
                    roots.append(nb)
                }
            }
            var placed = Set<String>()
            func place(_ nb: GraphNeighbor, depth: Int) {
                guard placed.insert(nb.event.id).inserted else { return }
                rows.append(.neighbor(nb, depth: depth))
                for child in children[nb.event.id] ?? [] where depth < 3 { place(child, depth: depth + 1) }
            }
            for nb in roots { place(nb, depth: 0) }
            let more = n.total - n.neighbors.count
            if more > 0 { rows.append(.more(more)) }
            let left = strays.filter { !placed.contains($0.event.id) }
            if !left.isEmpty {
                rows.append(.heading("further out, through events not listed (\(left.count))"))
                for nb in left { place(nb, depth: 0) }
            }
        }
        // Values met further out and not followed, named so the analyst can walk to one.
        let shown = Set(n.indicators.map(\.indicator))
        let unnamed = n.notFollowed.filter { !shown.contains($0.indicator) }
        if !unnamed.isEmpty {
            rows.append(.heading("not followed (\(unnamed.count))"))
            for i in unnamed { rows.append(.indicator(i)) }
        }
        if n.total == 0 {
            var why = "no linked events"
            var reasons: [String] = []
            if n.skippedOvercorrelated > 0 { reasons.append("\(n.skippedOvercorrelated) over-correlating value(s) not followed (o)") }
            if n.skippedWarninglisted > 0 { reasons.append("\(n.skippedWarninglisted) warninglisted") }
            if !reasons.isEmpty { why += ": " + reasons.joined(separator: ", ") }
            rows.append(.note(why))
        }
        return rows
    }

    /// Indices of the selectable rows.
    public static func selectable(_ rows: [Row]) -> [Int] { rows.indices.filter { rows[$0].isSelectable } }

    /// What the graph in memory leaves out, when its memory budget made it leave out anything.
    static func heldText(_ status: GraphStatus) -> String {
        guard status.notHeld > 0 else { return "" }
        let since = status.oldestHeld.map { " (since \(Format.dateTime($0)))" } ?? ""
        return "; questions reach the newest \(Format.count(max(0, status.events - status.notHeld)))\(since), "
            + "\(Format.count(status.notHeld)) older stay stored ([graph] memory)"
    }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext, focused: Bool) {
        let g = context.glyphs
        let graph = context.state.graph
        let status = context.snapshot.graph
        b.box(area, title: PaneKind.graph.title, glyphs: g, focused: focused)
        let inner = area.inset(1)
        guard inner.width > 10, inner.height > 0 else { return }
        var y = inner.y

        // 1. The focus.
        guard let focus = graph.focus else {
            if let clusters = graph.clusters, !clusters.isEmpty {
                renderClusters(clusters, selected: graph.clusterSelected, into: &b, inner: inner, context: context, focused: focused)
                return
            }
            let lines = [
                status.loaded ? "Select an event in the feed (c correlates it here), or :graph VALUE." : "loading the graph…",
                "\(Format.count(status.events)) events, \(Format.count(status.nodes)) indicators; "
                    + "values in more than \(status.overcorrelationThreshold) events are over-correlating"
                    + heldText(status),
                status.loaded && graph.clusters != nil
                    ? graph.range.map { "No events in \(HeatmapPane.rangeText($0)) share an indicator." } ?? "No recent events share an indicator yet."
                    : "",
            ]
            for (i, line) in lines.enumerated() where y + i < inner.maxY {
                b.write(line, x: inner.x + 1, y: y + i, style: i == 0 ? .text : .muted, clip: inner)
            }
            return
        }
        var x = inner.x
        let diamond = g.ascii ? "* " : "◆ "
        x += b.write(diamond, x: x, y: y, style: Style(.accent, bold: true), clip: inner)
        switch focus {
        case .event(let id):
            x += b.write("event ", x: x, y: y, style: .muted, clip: inner)
            x += b.write(context.safe(id), x: x, y: y, style: Style(.title, bold: true), clip: inner)
            if let e = graph.result?.event {
                x += b.write("  " + context.safe(e.type), x: x, y: y, style: .text, clip: inner)
                x += b.write("  sev ", x: x, y: y, style: .muted, clip: inner)
                x += b.write(e.severity.map { String($0.value) } ?? "-", x: x, y: y,
                             style: Style(context.severityRole(e.severity), bold: true), clip: inner)
                b.write("  " + Format.dateTime(e.time), x: x, y: y, style: .muted, clip: inner)
            }
        case .indicator(let indicator):
            x += b.write(indicator.kind.label + " ", x: x, y: y, style: .muted, clip: inner)
            x += b.write(context.safe(indicator.value), x: x, y: y, style: Style(.title, bold: true), clip: inner)
            if let i = graph.result?.indicators.first {
                x += b.write("  in \(Format.count(i.events)) events", x: x, y: y, style: .text, clip: inner)
                mark(i, into: &b, x: x, y: y, clip: inner, context: context, threshold: graph.result?.query.overcorrelationThreshold ?? 20)
            }
        }
        y += 1
        guard y < inner.maxY else { return }

        // 2. The question: hops, totals, walk depth.
        x = inner.x
        x += b.write("hops \(graph.hops)", x: x, y: y, style: Style(.accent), clip: inner)
        if let n = graph.result {
            x += b.write("  \(Format.count(n.total))\(n.truncated ? "+" : "") linked", x: x, y: y, style: .text, clip: inner)
            if n.skippedOvercorrelated > 0 && !n.query.includeOvercorrelated {
                x += b.write("  \(n.skippedOvercorrelated) over-corr. not followed", x: x, y: y, style: Style(.warning), clip: inner)
            }
        } else if graph.missing {
            x += b.write("  not in the graph (yet)" + (status.notHeld > 0 ? ", or older than the events held" : ""), x: x, y: y,
                         style: Style(.warning), clip: inner)
        }
        if status.notHeld > 0, let oldest = status.oldestHeld {
            x += b.write("  since \(Format.dateTime(oldest))", x: x, y: y, style: .muted, clip: inner)
        }
        if graph.includeOvercorrelated { x += b.write("  following over-corr.", x: x, y: y, style: Style(.warning), clip: inner) }
        if graph.loading { x += b.write("  querying…", x: x, y: y, style: .muted, clip: inner) }
        let back = graph.history.isEmpty ? "1-3 hops  o over-corr." : "backspace: back (\(graph.history.count))"
        let bx = inner.maxX - DisplayText.width(back)
        if bx > x + 1 { b.write(back, x: bx, y: y, style: .muted, clip: inner) }
        y += 1

        // 3. The list.
        guard let n = graph.result else { return }
        let rows = Self.rows(n)
        let selectable = Self.selectable(rows)
        let selectedRow = selectable.indices.contains(graph.selected) ? selectable[graph.selected] : -1
        let visible = inner.maxY - y
        guard visible > 0 else { return }
        let first = max(0, min(graph.scroll, max(0, rows.count - visible)))
        let valueWidth = min(48, max(12, inner.width / 3))
        for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
            let index = first + offset
            let rowY = y + offset
            let rect = Rect(x: inner.x, y: rowY, width: inner.width, height: 1)
            let selected = index == selectedRow && focused
            if selected { b.fill(rect, " ", style: Style(.selection)) }
            func style(_ role: Role, bold: Bool = false) -> Style { selected ? Style(.selection, bold: bold) : Style(role, bold: bold) }
            var x = inner.x
            switch row {
            case .heading(let text):
                b.write(text.uppercased(), x: x, y: rowY, style: Style(.title), clip: rect)
            case .note(let text):
                b.write("  " + text, x: x, y: rowY, style: .muted, clip: rect)
            case .more(let count):
                b.write("  +\(Format.count(count)) more", x: x, y: rowY, style: .muted, clip: rect)
            case .indicator(let i):
                x += b.write("  " + DisplayText.fit(i.indicator.kind.label, 7) + " ", x: x, y: rowY, style: style(.muted), clip: rect)
                x += b.write(DisplayText.fit(context.safe(i.indicator.value), valueWidth, ellipsis: g.ellipsis) + " ", x: x, y: rowY,
                             style: style(i.isExpanded(includeOvercorrelated: n.query.includeOvercorrelated) ? .accent : .muted), clip: rect)
                x += b.write(DisplayText.fit("\(Format.count(i.events)) ev", 8, alignRight: true), x: x, y: rowY, style: style(.text), clip: rect)
                mark(i, into: &b, x: x, y: rowY, clip: rect, context: context, threshold: n.query.overcorrelationThreshold, selected: selected)
            case .neighbor(let nb, let depth):
                let e = nb.event
                x += b.write(" \(nb.distance) ", x: x, y: rowY, style: style(.muted), clip: rect)
                if depth > 0 {
                    let branch = String(repeating: "  ", count: depth - 1) + (g.ascii ? "`-" : "└─")
                    x += b.write(branch, x: x, y: rowY, style: style(.muted), clip: rect)
                }
                x += b.write(Format.clock(e.time) + " ", x: x, y: rowY, style: style(.muted), clip: rect)
                x += b.write(DisplayText.fit(e.severity.map { String($0.value) } ?? "-", 2, alignRight: true) + " ", x: x, y: rowY,
                             style: selected ? Style(.selection) : Style(context.severityRole(e.severity), bold: (e.severity?.value ?? 0) >= 7),
                             clip: rect)
                x += b.write(DisplayText.fit(context.safe(e.type), 16, ellipsis: g.ellipsis) + " ", x: x, y: rowY, style: style(.text), clip: rect)
                x += b.write(DisplayText.fit(context.safe(e.id), 20, ellipsis: g.ellipsis) + " ", x: x, y: rowY, style: style(.text), clip: rect)
                x += b.write("via ", x: x, y: rowY, style: style(.muted), clip: rect)
                x += b.write(DisplayText.truncate(context.safe(nb.via.value), to: rect.maxX - x, ellipsis: g.ellipsis), x: x, y: rowY,
                             style: style(.accent), clip: rect)
                // A stray (its nearer event not listed) names the event it came through.
                if depth == 0, let parent = nb.parent, x + 8 < rect.maxX {
                    x += b.write(" from ", x: x, y: rowY, style: style(.muted), clip: rect)
                    b.write(DisplayText.truncate(context.safe(parent), to: rect.maxX - x, ellipsis: g.ellipsis), x: x, y: rowY,
                            style: style(.text), clip: rect)
                }
            }
        }
    }

    /// The strongest clusters of recent events: size, worst severity, time span with a
    /// sparkline, types, and the values that link them; enter focuses one.
    static func renderClusters(_ clusters: [EventCluster], selected: Int, into b: inout ScreenBuffer, inner: Rect,
                               context: RenderContext, focused: Bool) {
        let g = context.glyphs
        var y = inner.y
        let when = context.state.graph.range.map { "IN " + HeatmapPane.rangeText($0) } ?? "NOW"
        b.write("STRONGEST CLUSTERS \(when) (\(clusters.count))", x: inner.x, y: y, style: Style(.title), clip: inner)
        let hint = "enter focuses  esc/backspace returns here"
        let hx = inner.maxX - DisplayText.width(hint)
        if hx > inner.x + 30 { b.write(hint, x: hx, y: y, style: .muted, clip: inner) }
        y += 1
        // Two lines a cluster; keep the selected one on screen.
        let perPage = max(1, (inner.maxY - y) / 2)
        let first = max(0, min(selected - perPage + 1, clusters.count - perPage))
        for (i, c) in clusters.enumerated().dropFirst(max(0, first)) {
            guard y + 1 < inner.maxY || (y < inner.maxY && i == clusters.count - 1) else { break }
            let isSelected = focused && i == selected
            func style(_ role: Role) -> Style { isSelected ? Style(.selection) : Style(role) }
            var x = inner.x
            if isSelected { b.fill(Rect(x: inner.x, y: y, width: inner.width, height: 1), " ", style: Style(.selection)) }
            x += b.write(DisplayText.fit("\(Format.count(c.size)) ev", 8, alignRight: true) + " ", x: x, y: y, style: style(.text), clip: inner)
            x += b.write("sev " + (c.maximumSeverity.map { String($0.value) } ?? "-") + " ", x: x, y: y,
                         style: isSelected ? Style(.selection) : Style(context.severityRole(c.maximumSeverity), bold: (c.maximumSeverity?.value ?? 0) >= 7),
                         clip: inner)
            let span = Format.clock(c.first) + (c.first == c.last ? "" : "–" + Format.clock(c.last))
            x += b.write(span + " ", x: x, y: y, style: style(.muted), clip: inner)
            x += b.write(Sparkline.render(c.timeline.map(Double.init), width: g.ascii ? 12 : 6, glyphs: g) + " ", x: x, y: y, style: style(.sparkline), clip: inner)
            if let intel = c.intelScore, intel > 0 {
                x += b.write("intel \(Int(intel.rounded())) ", x: x, y: y, style: isSelected ? Style(.selection) : Style(.severityCritical, bold: true), clip: inner)
            }
            if let risk = c.maximumRisk {
                x += b.write("max risk \(risk) ", x: x, y: y, style: style(.muted), clip: inner)
            }
            var what = c.types.joined(separator: ", ")
            if !c.entities.isEmpty { what += (g.ascii ? " | " : " · ") + c.entities.map { "\($0.name) (\($0.events))" }.joined(separator: ", ") }
            b.write(DisplayText.truncate(context.safe(what), to: max(0, inner.maxX - x), ellipsis: g.ellipsis),
                    x: x, y: y, style: style(.text), clip: inner)
            y += 1
            guard y < inner.maxY else { break }
            let via = c.indicators.map { context.safe($0.indicator.value) + " (\($0.events))" }.joined(separator: ", ")
            b.write("         via " + DisplayText.truncate(via, to: max(0, inner.width - 13), ellipsis: g.ellipsis), x: inner.x, y: y,
                    style: style(.accent), clip: inner)
            y += 1
        }
    }

    /// "over-correlating" or "warninglisted: section" after an indicator.
    static func mark(_ i: GraphIndicator, into b: inout ScreenBuffer, x: Int, y: Int, clip: Rect, context: RenderContext,
                     threshold: Int, selected: Bool = false) {
        if let section = i.warninglisted {
            b.write("  warninglisted: " + context.safe(section), x: x, y: y, style: selected ? Style(.selection) : .muted, clip: clip)
        } else if i.overcorrelated {
            b.write("  over-correlating (>\(threshold))", x: x, y: y, style: selected ? Style(.selection, bold: true) : Style(.warning, bold: true),
                    clip: clip)
        }
    }
}
