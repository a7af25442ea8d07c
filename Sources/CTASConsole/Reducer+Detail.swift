import CTASCore
import CTASEngine
import H3

/// The detail view's pivots: the selected field filters the feed (enter), is focused in the
/// correlation pane (`c`), shown on the map (`m`: the event's place, drilled), or copied (`y`).
extension Reducer {
    func detailAction(_ key: Key, event: Event, state: inout ViewState, context: Context) -> [Effect] {
        let targets = DetailTarget.targets(of: event, links: state.detailLinks)
        guard !targets.isEmpty else { return [] }
        let target = targets[min(max(0, state.detailSelected), targets.count - 1)]
        switch key {
        case .character("y"):
            state.say("copied " + SafeText.sanitize(String(target.value.prefix(60))), now: context.now)
            return [.copy(target.value)]
        case .character("c"):
            guard state.panes.contains(.graph) else {
                state.say("no correlation pane on screen", error: true, now: context.now)
                return []
            }
            closeDetail(&state)
            state.focus = .graph
            switch target {
            case .indicator(let value):
                return [.findInGraph(value)]
            default:
                state.graph.move(to: .event(event.id), resetting: true)
                return [.queryGraph]
            }
        case .character("m"):
            guard let location = event.location, state.panes.contains(.heatmap) else {
                state.say(event.location == nil ? "this event has no location" : "no map on screen", error: true, now: context.now)
                return []
            }
            let resolution = max(0, min(GeoIndex.baseResolution, state.heatmap.viewport.displayResolution(width: max(1, context.heatmapSize.width))))
            guard let cell = try? H3.latLngToCell(lat: location.latitude, lng: location.longitude, res: max(resolution, 5)) else { return [] }
            closeDetail(&state)
            state.focus = .heatmap
            state.heatmap.viewport.centerLat = location.latitude
            state.heatmap.viewport.centerLng = location.longitude
            if state.heatmap.viewport.zoom < 4 { state.heatmap.viewport.zoom = 4 }
            state.heatmap.generation += 1
            state.heatmap.drill = HeatmapViewState.DrillState(cell: cell, generation: state.heatmap.generation)
            return [.drillCell]
        default:
            guard let term = target.filterText, let filter = try? EventFilter(parsing: term) else {
                if case .location = target {
                    state.say("a place is not a filter: m shows it on the map", error: true, now: context.now)
                } else {
                    state.say("it has spaces or quotes; filter with / instead", error: true, now: context.now)
                }
                return []
            }
            closeDetail(&state)
            state.focus = .feed
            let before = state.feed.filter
            let effects = setFilter(filter, state: &state)
            state.feed.beforePivot = before
            state.say("feed: " + SafeText.sanitize(term), now: context.now)
            return effects
        }
    }

    private func closeDetail(_ state: inout ViewState) {
        state.overlay = nil
        state.overlayScroll = 0
    }
}
