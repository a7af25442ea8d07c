import CTASCore
import CTASEngine

extension Reducer {
    /// `:export FORMAT FILE`: writes what the focused pane shows — the correlation pane's
    /// event and its neighbours, the drilled cell's events over the map's time span, or
    /// else the feed's events under its filter (every stored one, not only those on screen).
    func export(_ argument: String, state: inout ViewState, context: Context) -> [Effect] {
        func fail(_ message: String) -> [Effect] {
            state.say(message, error: true, now: context.now)
            return []
        }
        let formats = ExportRequest.Format.allCases.map(\.rawValue).joined(separator: ", ")
        let words = argument.split(separator: " ", maxSplits: 1).map(String.init)
        guard words.count == 2, let format = ExportRequest.Format(rawValue: words[0].lowercased()) else {
            return fail(":export FORMAT FILE: FORMAT is one of \(formats)")
        }
        let path = words[1].trimmingCharacters(in: " ")
        guard !path.isEmpty, path != "-" else { return fail(":export \(format.rawValue) needs a file (the screen is the console's)") }
        guard !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return fail(":export: the file name holds control characters")
        }
        let scope: ExportRequest.Scope
        let what: String
        switch state.focus {
        case .graph:
            guard let result = state.graph.result, state.graph.focus != nil else {
                return fail(":export from the correlation pane: focus an event or an indicator first (enter on a cluster)")
            }
            let ids = (result.event.map { [$0.id] } ?? []) + result.neighbors.map(\.event.id)
            guard !ids.isEmpty else { return fail(":export: the correlation pane shows no events") }
            scope = .events(ids)
            what = "\(ids.count) correlated event(s)"
        case .heatmap:
            guard let drill = state.heatmap.drill else { return fail(":export from the map: drill into a cell first (enter)") }
            let since = state.heatmap.range?.from ?? (state.heatmap.window == .all ? nil : state.heatmap.data?.windowStart)
            scope = .cell(drill.cell, since: since, until: state.heatmap.range?.until, filter: .all)
            what = "the cell's events"
        default:
            scope = .filtered(state.feed.filter)
            what = state.feed.filter.isEmpty ? "every stored event" : "the stored events matching '\(state.feed.filter.text)'"
        }
        state.say("exporting \(SafeText.sanitize(what)) as \(format.rawValue)…", now: context.now)
        return [.export(ExportRequest(format: format, path: path, scope: scope))]
    }

    /// An export finished: what it wrote, or why it wrote nothing.
    func exported(_ result: Result<ExportReport, ExportProblem>, state: inout ViewState, context: Context) {
        switch result {
        case .success(let report):
            var text = "exported \(report.events) event(s) as \(report.format.rawValue) to \(SafeText.sanitize(report.path))"
            if report.moreEvents { text += " (the newest \(report.events); more matched)" }
            if report.leftOut > 0 { text += "; \(report.leftOut) left out (no \(report.format == .stix ? "observable" : "Zeek type"))" }
            state.say(text, now: context.now)
        case .failure(let problem):
            state.say("export failed: " + SafeText.sanitize(problem.message), error: true, now: context.now)
        }
    }
}
