import CTASCore
import CTASEngine
import H3

/// The heatmap pane's keys: pan, zoom, go to, hot spots, window, drill-down.
extension Reducer {
    func heatmapAction(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        if state.heatmap.drill != nil { return drillAction(action, state: &state, context: context) }
        let (w, h) = context.heatmapSize
        guard w > 0, h > 0 else { return [] }
        var hm = state.heatmap
        // Any other key supersedes a hot spot step still waiting for its answer.
        hm.pendingHotspotStep = nil
        switch action {
        case .left, .right, .up, .down:
            let dx = action == .left ? -1 : action == .right ? 1 : 0
            let dy = action == .up ? -1 : action == .down ? 1 : 0
            hm.viewport = hm.viewport.panned(dx: dx, dy: dy, width: w, height: h)
        case .pageUp, .pageDown:
            hm.viewport = hm.viewport.panned(dx: 0, dy: action == .pageUp ? -3 : 3, width: w, height: h)
        case .zoomIn, .zoomOut:
            let next = hm.viewport.zoomed(by: action == .zoomIn ? 1 : -1)
            guard next != hm.viewport else {
                state.say(action == .zoomIn ? "closest zoom" : "whole world", now: context.now)
                return []
            }
            hm.viewport = next
            // The ranking is the new view's: n starts again at its #1.
            hm.hotspotIndex = nil
        case .top:
            hm.viewport = HeatmapViewport()
        case .cycleWindow:
            hm.window = hm.window.next
            hm.hotspotIndex = nil
            state.say("window \(hm.window.rawValue)", now: context.now)
        case .goTo:
            state.prompt = Prompt(kind: .goTo, text: "", historyIndex: nil)
            return []
        case .nextHotspot, .previousHotspot:
            let step = action == .nextHotspot ? 1 : -1
            // Hot spots of an answer for another view (the zoom just changed) would send the
            // map to a cell that is not ranked here: wait for this view's answer.
            guard let data = hm.data, data.query == hm.query(width: w, height: h) else {
                hm.pendingHotspotStep = step
                state.heatmap = hm
                state.say("finding hot spots for this view…", now: context.now)
                return []
            }
            state.say(hm.stepHotspot(step), now: context.now)
        case .open:
            guard let cell = hm.cursorCell(width: w, height: h) else { return [] }
            hm.drill = HeatmapViewState.DrillState(cell: cell, generation: hm.generation + 1)
            hm.generation += 1
            state.heatmap = hm
            return [.drillCell]
        default:
            return []
        }
        state.heatmap = hm
        return [.queryHeatmap]
    }

    private func drillAction(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        guard var drill = state.heatmap.drill else { return [] }
        let events = drill.result?.events ?? []
        let last = max(0, events.count - 1)
        let page = max(1, context.drillRows)
        switch action {
        case .up: drill.selected = max(0, drill.selected - 1)
        case .down: drill.selected = min(last, drill.selected + 1)
        case .pageUp: drill.selected = max(0, drill.selected - page)
        case .pageDown: drill.selected = min(last, drill.selected + page)
        case .top: drill.selected = 0
        case .cycleOrder:
            drill.order = drill.order.next
            drill.sortEvents()
            drill.selected = 0
            drill.scroll = 0
            state.say("cell events by \(drill.order.rawValue)", now: context.now)
        case .left:
            state.heatmap.drill = nil
            return [.queryHeatmap]
        case .open:
            guard events.indices.contains(drill.selected) else { return [] }
            let event = events[drill.selected]
            state.overlay = .detail(event)
            state.detailLinks = nil
            state.detailSelected = 0
            guard state.panes.contains(.graph) else { return [.describeEvent(event.id)] }
            let focus = GraphFocus.event(event.id)
            if state.graph.focus != focus { state.graph.move(to: focus, resetting: true) }
            return [.describeEvent(event.id), .queryGraph]
        default: return []
        }
        if drill.selected < drill.scroll { drill.scroll = drill.selected }
        if drill.selected >= drill.scroll + page { drill.scroll = drill.selected - page + 1 }
        state.heatmap.drill = drill
        return []
    }

    /// A click on the map (mouse on): the crosshair moves there (the map recentres on it).
    public func clickMap(column: Int, row: Int, state: inout ViewState, context: Context) -> [Effect] {
        let (w, h) = context.heatmapSize
        guard state.heatmap.drill == nil, (0..<w).contains(column), (0..<h).contains(row),
              let p = state.heatmap.viewport.point(px: column, py: 2 * row, width: w, height: h) else { return [] }
        state.heatmap.viewport.centerLat = p.lat
        state.heatmap.viewport.centerLng = p.lng
        state.heatmap.pendingHotspotStep = nil
        return [.queryHeatmap]
    }

    /// `g` and `:goto`: a cell id, "lat,lng" (also "lat lng"), or a place's name (a city,
    /// a country, or a country's ISO code).
    func goTo(_ text: String, state: inout ViewState, context: Context) -> [Effect] {
        let t = text.trimmingCharacters(in: " ")
        let (w, _) = context.heatmapSize
        if let cell = GeoCell.parse(t) {
            guard let v = HeatmapViewport.showing(cell, width: max(1, w)) else { return [] }
            state.heatmap.viewport = v
            state.heatmap.drill = nil
            state.say("cell \(cell) (resolution \(cell.resolution))", now: context.now)
            return [.queryHeatmap]
        }
        let parts = t.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard parts.count == 2, let lat = Double(parts[0]), let lng = Double(parts[1]), lat.isFinite, lng.isFinite,
              (-90...90).contains(lat), (-180...180).contains(lng) else {
            if let place = state.heatmap.atlas?.places(named: t).first {
                state.heatmap.viewport.centerLat = place.lat
                state.heatmap.viewport.centerLng = place.lng
                // A country is seen whole; a city up close.
                let zoom = place.kind == .country ? (place.weight > 500 ? 1 : place.weight > 40 ? 2 : 3) : 4
                state.heatmap.viewport.zoom = zoom
                state.heatmap.drill = nil
                state.say("\(DisplayText.safe(place.name, ascii: false)) \(place.code)", now: context.now)
                return [.queryHeatmap]
            }
            state.say("go to '\(DisplayText.safe(String(t.prefix(60)), ascii: true))': expected a place (Paris, France, DEU), "
                      + "lat,lng (48.85,2.35) or an H3 cell id", error: true, now: context.now)
            return []
        }
        state.heatmap.viewport.centerLat = lat
        state.heatmap.viewport.centerLng = lng
        if state.heatmap.viewport.zoom < 4 { state.heatmap.viewport.zoom = 4 }
        state.heatmap.drill = nil
        state.say("\(Format.fixed(lat, 4)),\(Format.fixed(lng, 4))", now: context.now)
        return [.queryHeatmap]
    }
}
