import CTASCore
import CTASEngine
import H3

/// An answer the engine sent back to a question the console asked: it goes through the
/// reducer like a key, so every change of view state happens in one pure place.
public enum Arrival: Sendable {
    /// A page of stored history for the feed (`generation`: the filter it was asked under).
    case historyPage(HistoryPage, generation: Int)
    /// The correlation neighbourhood of the pane's focus (nil: the graph does not hold it).
    case neighborhood(Neighborhood?, generation: Int)
    /// The strongest clusters of recent events.
    case clusters([EventCluster])
    /// The graph's view of an event's indicators (nil: it does not hold the event).
    case eventIndicators(String, [GraphIndicator]?, intel: [Indicator: Double] = [:])
    /// What `:graph TEXT` names in the graph (nil: nothing yet).
    case graphFocus(GraphFocus?, text: String)
    /// Densities and hot spots for the heatmap.
    case heatmap(HeatmapData, generation: Int)
    /// What the crosshair cell holds.
    case cursorSummary(CellDrill)
    /// The drilled cell's events.
    case drill(CellDrill, generation: Int)
    /// An engine command could not be applied.
    case engineProblem(String)
    /// A stored event asked for by id (nil: the warm tier does not hold it).
    case storedEvent(String, Event?)
    /// An export finished.
    case exported(Result<ExportReport, ExportProblem>)
}

extension Reducer {
    /// Applies an arrival to the view state; returns what else must happen.
    public func receive(_ arrival: Arrival, state: inout ViewState, context: Context) -> [Effect] {
        switch arrival {
        case .historyPage(let page, let generation):
            guard generation == state.feed.historyGeneration else { return [] }
            state.feed.historyLoading = false
            state.feed.historyStarted = true
            state.feed.history += page.events
            state.feed.historyNext = page.next
            if page.next == nil { state.feed.historyExhausted = true }
            if let error = page.error {
                state.feed.historyExhausted = true
                // Nothing stored yet is not worth a message.
                if case .failed(let message) = error { state.say("history: \(message)", error: true, now: context.now) }
            }
        case .neighborhood(let answer, let generation):
            guard generation == state.graph.generation else { return [] }
            state.graph.loading = false
            state.graph.missing = answer == nil
            if let answer {
                let selectable = GraphPane.selectable(GraphPane.rows(answer))
                state.graph.selected = min(state.graph.selected, max(0, selectable.count - 1))
            }
            state.graph.result = answer
        case .exported(let result):
            exported(result, state: &state, context: context)
        case .storedEvent(let id, let event):
            guard let event else {
                state.say("event " + SafeText.sanitize(id) + " is no longer in the warm tier (the graph keeps events longer)",
                          error: true, now: context.now)
                return []
            }
            state.overlay = .detail(event)
            state.overlayScroll = 0
            state.detailLinks = nil
            state.detailSelected = 0
            return [.describeEvent(id)]
        case .eventIndicators(let id, let indicators, let intel):
            guard case .detail(let e) = state.overlay, e.id == id else { return [] }
            state.detailLinks = DetailLinks(eventID: id, indicators: indicators, intel: intel)
        case .clusters(let clusters):
            state.graph.clusters = clusters
            state.graph.clusterSelected = min(state.graph.clusterSelected, max(0, clusters.count - 1))
        case .graphFocus(let focus, let text):
            guard let focus else {
                state.say("graph: no event or indicator '\(SafeText.sanitize(text))' (yet)", error: true, now: context.now)
                return []
            }
            state.graph.move(to: focus)
            state.focus = .graph
            return [.queryGraph]
        case .heatmap(let data, let generation):
            state.heatmap.loading = false
            // An answer to an older question still beats none (it is replaced within a second).
            if generation == state.heatmap.generation || state.heatmap.data == nil { state.heatmap.data = data }
            let size = context.heatmapSize
            if let step = state.heatmap.pendingHotspotStep, size.width > 0, size.height > 0,
               state.heatmap.data?.query == state.heatmap.query(width: size.width, height: size.height) {
                state.heatmap.pendingHotspotStep = nil
                state.say(state.heatmap.stepHotspot(step), now: context.now)
            }
        case .cursorSummary(let summary):
            state.heatmap.cursorSummary = summary
        case .drill(let result, let generation):
            guard state.heatmap.drill?.generation == generation, state.heatmap.drill?.cell == result.cell else { return [] }
            state.heatmap.drill?.result = result
            state.heatmap.drill?.sortEvents()
        case .engineProblem(let problem):
            state.say(problem, error: true, now: context.now)
        }
        return []
    }
}
