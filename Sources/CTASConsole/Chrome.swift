import CTASCore
import CTASEngine

/// The bottom line: mode, replay speed, event time against wall time, messages, key hints.
public enum StatusBar {
    static func mode(_ s: Snapshot, demo: Bool) -> String {
        var mode: String
        if s.failure != nil { mode = "FAILED" }
        else if s.replay.paused { mode = "PAUSED" }
        else if s.finished { mode = "DONE" }
        else if s.sources.contains(where: { $0.kind == .stdin || $0.kind == .udp }) { mode = "LIVE" }
        else if s.sources.contains(where: { $0.kind == .follow }) { mode = "FOLLOW" }
        else { mode = "REPLAY \(s.replay.speed)" }
        return demo ? "DEMO " + mode : mode
    }

    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext) {
        let s = context.snapshot
        b.fill(area, " ", style: Style(.statusBar))
        var x = area.x
        let badge = " " + mode(s, demo: context.state.demo) + " "
        x += b.write(badge, x: x, y: area.y, style: Style(.statusAccent), clip: area)
        let hintWidth = DisplayText.width(hintText(context)) + 1
        var behind: String?
        // Against the wall clock only where the two meet: a recording from 2015 is not
        // "behind 4278d", nor is a feed that has ended behind at all.
        let onWallTime = s.replay.rebased || s.sources.contains { $0.kind != .file }
        if let t = s.replay.eventTime, !s.replay.paused, !s.finished, onWallTime {
            let lag = context.now.seconds - t.seconds
            if abs(lag) >= 1 { behind = (lag > 0 ? "behind " : "ahead ") + Format.duration(abs(lag)) }
        }
        // The times, shorter on a narrow screen so the key hints keep their room.
        let event = s.replay.eventTime
        let choices: [[String?]] = [
            [event.map { "event " + Format.dateTime($0) }, "wall " + Format.clock(context.now) + "Z", behind],
            [event.map { "event " + Format.dateTime($0) }, behind],
            [event.map { "event " + Format.clock($0) + "Z" }, behind],
            [event.map { Format.clock($0) + "Z" }],
        ]
        // Trouble in the lag keeps its room too: the times give way first.
        let trouble = s.lag.level == .keepingUp ? 0 : (lagSegment(s).map { DisplayText.width($0.0) + 2 } ?? 0)
        // So does a message (it answers what the analyst just did).
        let said = context.state.message.map { $0.expires > context.now ? DisplayText.width($0.text) + 2 : 0 } ?? 0
        let room = area.maxX - hintWidth - x - 2 - trouble - said
        let parts = choices.map { $0.compactMap { $0 } }.first { DisplayText.width(" " + $0.joined(separator: "  ")) <= room }
            ?? choices[choices.count - 1].compactMap { $0 }
        // The key hints keep their room on the right; everything else is cut before them.
        let left = area.width >= hintWidth + 30 ? Rect(x: area.x, y: area.y, width: area.width - hintWidth - 1, height: 1) : area
        x += b.write(" " + parts.joined(separator: "  "), x: x, y: area.y, style: Style(.statusBar), clip: left)
        // A message first (it answers what the analyst just did), then the lag: trouble
        // always shows, "keeping up" only where it fits whole.
        if let message = context.state.message, message.expires > context.now {
            x += b.write("  " + message.text, x: x, y: area.y, style: Style(message.isError ? .error : .statusBar, bold: true), clip: left)
        } else if let failure = s.failure {
            x += b.write("  " + context.safe(failure), x: x, y: area.y, style: Style(.error, bold: true), clip: left)
        }
        if let (text, style) = lagSegment(s), s.lag.level != .keepingUp || x + 2 + DisplayText.width(text) <= left.maxX {
            let shown = DisplayText.truncate("  " + text, to: max(0, left.maxX - x), ellipsis: context.glyphs.ellipsis)
            x += b.write(shown, x: x, y: area.y, style: style, clip: left)
        }
        let hints = hintText(context)
        let hx = area.maxX - DisplayText.width(hints) - 1
        if left != area || hx > x + 2 { b.write(hints, x: hx, y: area.y, style: Style(.statusBar), clip: area) }
    }

    /// Whether ingest keeps up: green while events become durable within seconds, amber
    /// when they wait, red when they wait long or a live source is dropping lines. Nothing
    /// once every source is done.
    static func lagSegment(_ s: Snapshot) -> (String, Style)? {
        guard !s.finished, !s.sources.isEmpty, s.failure == nil else { return nil }
        let lag = s.lag
        let queued = lag.eventsInFlight > 0 ? ", " + Format.compact(Double(lag.eventsInFlight)) + " queued" : ""
        switch lag.level {
        case .keepingUp:
            return ("keeping up", Style(.good))
        case .slow:
            return ("lag " + Format.duration(lag.oldestWaitSeconds) + queued, Style(.warning, bold: true))
        case .fallingBehind:
            if lag.recentlyDropped > 0 {
                return ("DROPPING " + Format.compact(Double(lag.recentlyDropped)) + " lines in "
                        + Format.duration(PipelineLag.dropWindowSeconds), Style(.error, bold: true))
            }
            return ("FALLING BEHIND " + Format.duration(lag.oldestWaitSeconds) + queued, Style(.error, bold: true))
        }
    }

    static func hintText(_ context: RenderContext) -> String {
        let map = context.keymap.bindings[.global] ?? [:]
        func key(_ action: Action) -> String? { map.first { $0.value == action }?.key.description }
        let pairs: [(Action, String)] = [(.help, "help"), (.quit, "quit"), (.pause, "pause"), (.filter, "filter"), (.command, "cmd")]
        return pairs.compactMap { action, label in key(action).map { "\($0) \(label)" } }.joined(separator: "  ")
    }
}

/// The `:` or `/` line while it is being typed.
public enum PromptLine {
    public static func render(into b: inout ScreenBuffer, area: Rect, prompt: Prompt, context: RenderContext) {
        b.fill(area, " ", style: Style(.prompt))
        let lead = prompt.kind == .command ? ":" : prompt.kind == .filter ? "/" : "go to (lat,lng or cell): "
        let cursor = context.glyphs.ascii ? "_" : "█"
        var text = context.safe(prompt.text)
        let room = area.width - 2 - 1
        while DisplayText.width(text) > room && !text.isEmpty { text.removeFirst() }
        b.write(lead + text + cursor, x: area.x, y: area.y, style: Style(.prompt, bold: true), clip: area)
        if let message = context.state.message, message.isError, message.expires > context.now {
            let mx = area.maxX - DisplayText.width(message.text) - 1
            if mx > area.x + DisplayText.width(lead + text) + 4 {
                b.write(message.text, x: mx, y: area.y, style: Style(.error, bold: true), clip: area)
            }
        }
    }
}

/// Overlays: the help generated from the keymap, and an event's full detail.
public enum Overlays {
    static func frame(_ screen: Rect, width: Int, height: Int) -> Rect {
        let w = min(screen.width - 2, width)
        let h = min(screen.height - 2, height)
        return Rect(x: screen.x + (screen.width - w) / 2, y: screen.y + (screen.height - h) / 2, width: w, height: h)
    }

    static func drawLines(_ lines: [(String, Style)], in rect: Rect, title: String, into b: inout ScreenBuffer, glyphs: Glyphs, scroll: Int) {
        b.fill(rect, " ", style: Style(.overlay))
        b.box(rect, title: title, glyphs: glyphs, focused: true)
        let inner = rect.inset(1)
        let body = Rect(x: inner.x + 1, y: inner.y, width: inner.width - 2, height: inner.height)
        let first = min(max(0, scroll), max(0, lines.count - body.height))
        for (i, (text, style)) in lines.dropFirst(first).prefix(body.height).enumerated() {
            b.write(text, x: body.x, y: body.y + i, style: style, clip: body)
        }
        if lines.count > body.height + first {
            b.write(glyphs.arrowDown + " more", x: rect.maxX - 9, y: rect.maxY - 1, style: Style(.overlayTitle), clip: rect)
        }
    }

    public static func help(into b: inout ScreenBuffer, screen: Rect, context: RenderContext) {
        var lines: [(String, Style)] = []
        func section(_ title: String, _ entries: [(String, String)]) {
            guard !entries.isEmpty else { return }
            lines.append((title, Style(.overlayTitle, bold: true)))
            for (keys, summary) in entries { lines.append(("  " + DisplayText.fit(keys, 18) + " " + summary, Style(.overlay))) }
            lines.append(("", Style(.overlay)))
        }
        section("Everywhere", context.keymap.helpLines(for: .global).map { ($0.keys, $0.summary) })
        let focus = context.state.focus
        section("\(focus.title) pane", context.keymap.helpLines(for: focus.context).map { ($0.keys, $0.summary) })
        section("Commands (after :, tab completes)", ConsoleVerb.allCases.map { ($0.usage, $0.summary) })
        section("Filters (after /)", [("word", "anywhere in the event"), ("sev>=7  sev:9", "severity (=, <, <=, >, >=)"),
                                      ("risk>=70", "risk score 0–100 (:sort risk orders by it)"),
                                      ("type:c2_beacon", "a field: type src entity id ind tag desc prio"),
                                      ("entity=host-1", "a field exactly (not host-12); e t s i in the feed set one"),
                                      ("-word  !type:x", "negated"), ("\"two words\"", "quoted text")])
        drawLines(lines, in: frame(screen, width: 84, height: lines.count + 2), title: "Help (esc closes, up/down scroll)",
                  into: &b, glyphs: context.glyphs, scroll: context.state.overlayScroll)
    }

    public static func detail(_ e: Event, into b: inout ScreenBuffer, screen: Rect, context: RenderContext) {
        let width = min(screen.width - 2, 100)
        let textWidth = max(10, width - 16)
        var lines: [(String, Style)] = []
        // The field tab has selected (enter, c, m, y act on it), shown reversed.
        let targets = DetailTarget.targets(of: e, links: context.state.detailLinks)
        let selected = targets.isEmpty ? nil : targets[min(max(0, context.state.detailSelected), targets.count - 1)]
        func field(_ name: String, _ value: String?, _ style: Style = Style(.overlay), target: DetailTarget? = nil) {
            guard let value, !value.isEmpty else { return }
            let wrapped = wrap(context.safe(value), width: textWidth)
            let shown = target != nil && target == selected ? Style(.selection) : style
            for (i, part) in wrapped.enumerated() {
                lines.append(((i == 0 ? DisplayText.fit(name, 12) : String(repeating: " ", count: 12)) + "  " + part, shown))
            }
        }
        lines.append(("tab: select a field · enter: filter the feed on it · c: correlate · m: its place on the map · y: copy", Style(.overlay)))
        field("id", e.id)
        field("time", e.timestamp.rfc3339)
        field("type", e.type, Style(.overlayTitle, bold: true), target: .type(e.type))
        field("severity", e.severity.map { "\($0.value) (\($0.band.rawValue))" }, Style(context.severityRole(e.severity)))
        field("priority", e.priority?.name)
        if let risk = e.risk {
            // The parts, each what it alone would give; the total combines them (`RiskScore`).
            let parts = [("severity", risk.severity), ("intel", risk.intel), ("anomaly", risk.anomaly), ("hot spot", risk.hotspot)]
            let said = parts.filter { $0.1 > 0 }.map { "\($0.0) \($0.1)" }
            let role: Role = risk.total >= 70 ? .severityCritical : risk.total >= 40 ? .severityHigh : .overlay
            field("risk", "\(risk.total)/100" + (said.isEmpty ? "" : " from " + said.joined(separator: ", ") + " (each alone; combined as independent evidence)"),
                  Style(role, bold: risk.total >= 70))
        }
        field("source", e.source, target: e.source.map { .source($0) })
        field("entity", e.entity, target: e.entity.map { .entity($0) })
        field("location", e.location.map { "\($0.latitude), \($0.longitude)" }, target: e.location.map { .location($0) })
        let graphAnswered = context.state.detailLinks.map { $0.eventID == e.id && !($0.indicators ?? []).isEmpty } ?? false
        for (i, indicator) in e.indicators.enumerated() {
            field(i == 0 ? "indicators" : "", indicator, target: graphAnswered ? nil : .indicator(indicator))
        }
        field("tags", e.tags.joined(separator: ", "))
        field("description", e.description)
        // What links it: each indicator (listed or found in the text) with how many events hold it.
        if let links = context.state.detailLinks, links.eventID == e.id {
            if let indicators = links.indicators, !indicators.isEmpty {
                let width = min(40, indicators.map { DisplayText.width(context.safe($0.indicator.value)) }.max() ?? 0)
                for (i, g) in indicators.enumerated() {
                    var text = DisplayText.fit(g.indicator.kind.label, 7) + " " + DisplayText.fit(context.safe(g.indicator.value), width, ellipsis: context.glyphs.ellipsis)
                        + "  " + Format.count(g.events) + (g.events == 1 ? " event" : " events")
                    var style = Style(.overlay)
                    defer { if selected == .indicator(g.indicator.value) { lines[lines.count - 1].1 = Style(.selection) } }
                    if let section = g.warninglisted {
                        text += "  warninglisted: " + context.safe(section)
                    } else if g.overcorrelated {
                        text += "  over-correlating"
                        style = Style(.warning)
                    } else if g.events > 1 {
                        style = Style(.overlayTitle)
                    }
                    // Known intelligence: with its score at the event's time (its risk's intel part).
                    if let score = links.intel[g.indicator] {
                        text += "  known intel, score \(Int(score.rounded()))"
                        style = Style(.severityCritical, bold: score >= 50)
                    }
                    lines.append(((i == 0 ? DisplayText.fit("linked by", 12) : String(repeating: " ", count: 12)) + "  " + text, style))
                }
            } else {
                field("linked by", links.indicators == nil ? "not in the graph (yet)" : "no indicators")
            }
        } else {
            field("linked by", "asking the graph…")
        }
        if let d = e.details {
            field("flow", d.flow)
            field("country", d.country)
            field("asn", d.asn.map { "AS\($0)" })
            field("geo", d.geoOrigin)
            if let original = d.original {
                lines.append(("", Style(.overlay)))
                lines.append(("original record", Style(.overlayTitle, bold: true)))
                let fields = OriginalRecord.fields(original)
                let keyWidth = min(28, fields.map { DisplayText.width($0.path) }.max() ?? 0)
                for f in fields {
                    let wrapped = wrap(context.safe(f.value), width: max(10, width - keyWidth - 6))
                    for (i, part) in wrapped.enumerated() {
                        let key = i == 0 ? DisplayText.fit(context.safe(f.path), keyWidth) : String(repeating: " ", count: keyWidth)
                        lines.append(("  " + key + "  " + part, Style(.overlay)))
                    }
                }
            }
        }
        let title = lines.count + 2 > screen.height ? "Event (↑↓ scroll, esc closes)" : "Event (esc closes)"
        drawLines(lines, in: frame(screen, width: width, height: lines.count + 2), title: context.glyphs.ascii ? title.replacingOccurrences(of: "↑↓", with: "up/down") : title,
                  into: &b, glyphs: context.glyphs, scroll: context.state.overlayScroll)
    }

    /// Words wrapped to `width` columns (a word longer than a line is cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = ""
            for word in paragraph.split(separator: " ") {
                var w = String(word)
                while DisplayText.width(w) > width {
                    if !current.isEmpty { lines.append(current); current = "" }
                    let head = DisplayText.truncate(w, to: width, ellipsis: "")
                    lines.append(head)
                    w = String(w.dropFirst(head.count))
                }
                if current.isEmpty { current = w }
                else if DisplayText.width(current) + 1 + DisplayText.width(w) <= width { current += " " + w }
                else { lines.append(current); current = w }
            }
            lines.append(current)
        }
        return lines
    }
}
