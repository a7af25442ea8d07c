import CTASCore
import CTASEngine

extension Reducer {
    /// Keys of the metrics pane: `v` switches it between the engine's metrics and the live
    /// anomalies; in the anomalies view the list keys move, `s` orders, enter narrows the
    /// feed to the selected anomaly's entity and hours (which the map and clusters follow).
    func anomaliesAction(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        if action == .toggleView {
            state.anomalies.shown.toggle()
            state.anomalies.selected = 0
            return []
        }
        guard state.anomalies.shown else { return [] }
        let list = AnomaliesView.list(context.snapshot, state.anomalies)
        let last = max(0, list.count - 1)
        switch action {
        case .up: state.anomalies.selected = max(0, state.anomalies.selected - 1)
        case .down: state.anomalies.selected = min(last, state.anomalies.selected + 1)
        case .pageUp: state.anomalies.selected = max(0, state.anomalies.selected - 10)
        case .pageDown: state.anomalies.selected = min(last, state.anomalies.selected + 10)
        case .top, .live: state.anomalies.selected = 0
        case .cycleOrder:
            state.anomalies.strongestFirst.toggle()
            state.anomalies.selected = 0
            state.say(state.anomalies.strongestFirst ? "anomalies: strongest first" : "anomalies: newest first", now: context.now)
        case .open:
            guard list.indices.contains(state.anomalies.selected) else { return [] }
            return showInFeed(list[state.anomalies.selected], state: &state, context: context)
        default: break
        }
        state.anomalies.selected = min(last, state.anomalies.selected)
        return []
    }

    /// The feed filtered to the anomaly's entity over its hours (a first: the hour it fell in).
    private func showInFeed(_ note: AnomalyStatus.Note, state: inout ViewState, context: Context) -> [Effect] {
        guard !note.entity.isEmpty, !note.entity.contains(where: { $0 == " " || $0 == "\"" || $0.isNewline }) else {
            state.say("this entity's name has spaces or quotes; filter with / instead", error: true, now: context.now)
            return []
        }
        guard let start = try? RFC3339.parse(note.start), let end = try? RFC3339.parse(note.end) else {
            state.say("this anomaly's times cannot be read", error: true, now: context.now)
            return []
        }
        let hour: Int64 = 3_600_000_000
        let from = Timestamp(microseconds: start.microseconds.floorDivided(by: hour).quotient &* hour)
        let until = end > start ? end : from.shifted(byMicroseconds: hour)
        let text = "entity=\(note.entity) time>=\(from.rfc3339) time<\(until.rfc3339)"
        guard let filter = try? EventFilter(parsing: text) else {
            state.say("this anomaly cannot be a filter; filter with / instead", error: true, now: context.now)
            return []
        }
        state.filterHistory.append(filter.text)
        let effects = setFilter(filter, state: &state)
        state.focus = .feed
        state.say("feed: " + SafeText.sanitize(note.entity) + " during its " + SafeText.sanitize(note.detail) + " (esc: every event)",
                  now: context.now)
        return effects
    }
}
