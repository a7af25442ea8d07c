import CTASCore

/// Text and JSON views of a `Neighborhood` for `ctas graph neighbors`. Every value from a
/// feed is sanitized in the text view; JSON escapes it.
public enum NeighborhoodReport {
    public static func text(_ n: Neighborhood) -> String {
        var out = ""
        if let e = n.event {
            out += "event \(SafeText.sanitize(e.id))  \(e.time.rfc3339)  \(SafeText.sanitize(e.type))"
            out += "  sev \(e.severity.map(String.init(describing:)) ?? "-")  \(e.indicatorCount) indicator(s)\n"
        } else if let first = n.indicators.first {
            out += "indicator \(first.indicator.kind.name) \(SafeText.sanitize(first.indicator.value))\n"
        }
        out += "indicators:\n"
        let width = min(60, n.indicators.map { SafeText.sanitize($0.indicator.value).count }.max() ?? 0)
        for i in n.indicators {
            var line = "  " + pad(i.indicator.kind.name, 7) + " " + pad(SafeText.sanitize(i.indicator.value), width)
            line += "  " + String(i.events) + (i.events == 1 ? " event" : " events")
            if let section = i.warninglisted {
                line += "  warninglisted (\(section)): never followed"
            } else if i.overcorrelated {
                line += "  over-correlating (> \(n.query.overcorrelationThreshold))" + (n.query.includeOvercorrelated ? "" : ": not followed")
            }
            out += line + "\n"
        }
        out += "neighbors within \(n.query.hops) hop(s): \(n.total)\(n.truncated ? "+" : "") event(s)"
        if n.more > 0 { out += ", showing \(n.neighbors.count) (+\(n.more) more)" }
        if n.skippedOvercorrelated > 0 { out += "; \(n.skippedOvercorrelated) over-correlating value(s) not followed" }
        if n.skippedWarninglisted > 0 { out += "; \(n.skippedWarninglisted) warninglisted value(s) not followed" }
        out += "\n"
        if !n.notFollowed.isEmpty {
            let skipped = n.skippedOvercorrelated + n.skippedWarninglisted
            out += "not followed" + (skipped > n.notFollowed.count ? " (the first \(n.notFollowed.count) of \(skipped) met)" : "") + ":\n"
            let width = min(60, n.notFollowed.map { SafeText.sanitize($0.indicator.value).count }.max() ?? 0)
            for i in n.notFollowed {
                var line = "  " + pad(i.indicator.kind.name, 7) + " " + pad(SafeText.sanitize(i.indicator.value), width)
                line += "  " + String(i.events) + (i.events == 1 ? " event" : " events")
                line += i.warninglisted.map { "  warninglisted (\($0))" } ?? "  over-correlating (> \(n.query.overcorrelationThreshold))"
                out += line + "\n"
            }
        }
        for nb in n.neighbors {
            out += "  \(nb.distance)  \(SafeText.sanitize(nb.event.id))  \(nb.event.time.rfc3339)  \(SafeText.sanitize(nb.event.type))"
            out += "  sev \(nb.event.severity.map(String.init(describing:)) ?? "-")"
            out += "  via \(nb.via.kind.name) \(SafeText.sanitize(nb.via.value))"
            out += nb.parent.map { "  from \(SafeText.sanitize($0))" } ?? ""
            out += "\n"
        }
        return out
    }

    /// One JSON object; `loadMillis` and `queryMicros` say what the answer cost.
    public static func json(_ n: Neighborhood, loadMillis: Double, queryMicros: Double) -> String {
        var o: [UInt8] = []
        func key(_ k: String) { JSONString.append(k, to: &o); o.append(UInt8(ascii: ":")) }
        func str(_ s: String) { JSONString.append(s, to: &o) }
        func raw(_ s: String) { o.append(contentsOf: s.utf8) }
        func event(_ e: GraphEvent) {
            raw("{"); key("id"); str(e.id); raw(","); key("ts"); str(e.time.rfc3339); raw(","); key("type"); str(e.type)
            raw(","); key("severity"); raw(e.severity.map { String($0.value) } ?? "null")
            raw(","); key("indicatorCount"); raw(String(e.indicatorCount)); raw("}")
        }
        raw("{"); key("focus")
        switch n.query.focus {
        case .event(let id): raw("{"); key("event"); str(id); raw("}")
        case .indicator(let i): raw("{"); key("type"); str(i.kind.name); raw(","); key("value"); str(i.value); raw("}")
        }
        raw(","); key("hops"); raw(String(n.query.hops))
        raw(","); key("overcorrelationThreshold"); raw(String(n.query.overcorrelationThreshold))
        raw(","); key("includeOvercorrelated"); raw(String(n.query.includeOvercorrelated))
        if let e = n.event { raw(","); key("event"); event(e) }
        raw(","); key("indicators"); raw("[")
        for (k, i) in n.indicators.enumerated() {
            if k > 0 { raw(",") }
            raw("{"); key("type"); str(i.indicator.kind.name); raw(","); key("value"); str(i.indicator.value)
            raw(","); key("events"); raw(String(i.events)); raw(","); key("overcorrelated"); raw(String(i.overcorrelated))
            raw(","); key("warninglisted"); if let w = i.warninglisted { str(w) } else { raw("null") }
            raw("}")
        }
        raw("],"); key("neighbors"); raw("[")
        for (k, nb) in n.neighbors.enumerated() {
            if k > 0 { raw(",") }
            raw("{"); key("distance"); raw(String(nb.distance)); raw(","); key("via"); raw("{"); key("type"); str(nb.via.kind.name)
            raw(","); key("value"); str(nb.via.value); raw("},"); key("event"); event(nb.event)
            raw(","); key("parent"); if let parent = nb.parent { str(parent) } else { raw("null") }
            raw("}")
        }
        raw("],"); key("total"); raw(String(n.total))
        raw(","); key("more"); raw(String(n.more))
        raw(","); key("totalByType"); raw("{")
        for (k, kind) in n.totalByKind.keys.sorted().enumerated() {
            if k > 0 { raw(",") }
            key(kind.name); raw(String(n.totalByKind[kind] ?? 0))
        }
        raw("},"); key("skippedOvercorrelated"); raw(String(n.skippedOvercorrelated))
        raw(","); key("skippedWarninglisted"); raw(String(n.skippedWarninglisted))
        raw(","); key("notFollowed"); raw("[")
        for (k, i) in n.notFollowed.enumerated() {
            if k > 0 { raw(",") }
            raw("{"); key("type"); str(i.indicator.kind.name); raw(","); key("value"); str(i.indicator.value)
            raw(","); key("events"); raw(String(i.events))
            raw(","); key("reason"); str(i.warninglisted == nil ? "overcorrelated" : "warninglisted")
            raw(","); key("warninglisted"); if let w = i.warninglisted { str(w) } else { raw("null") }
            raw("}")
        }
        raw("],"); key("truncated"); raw(String(n.truncated))
        raw(","); key("loadMillis"); raw(String((loadMillis * 10).rounded() / 10))
        raw(","); key("queryMicros"); raw(String((queryMicros * 10).rounded() / 10))
        raw("}\n")
        return String(decoding: o, as: UTF8.self)
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
