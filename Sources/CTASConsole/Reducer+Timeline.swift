import CTASCore
import CTASEngine

/// The timeline pane's keys: move the cursor over buckets, zoom, select a range that every
/// pane then follows.
extension Reducer {
    func timelineAction(_ action: Action, state: inout ViewState, context: Context) -> [Effect] {
        let histogram = context.snapshot.timeline
        var view = state.timeline
        guard let scale = view.scale(histogram, columns: context.timelineColumns) else {
            state.say("the timeline has no events yet", now: context.now)
            return []
        }
        let column = view.cursorColumn(scale, histogram: histogram)
        let page = max(1, scale.columns / 8)
        switch action {
        case .left, .right, .pageUp, .pageDown:
            let step = action == .left ? -1 : action == .right ? 1 : action == .pageUp ? -page : page
            let target = column + step
            if target < 0 || target >= scale.columns {
                // Past the edge: a zoomed view pans by the overshoot; a fitted one stops.
                guard let zoom = view.zoom, let moved = Self.shifted(zoom, by: Int64(target < 0 ? target : target - scale.columns + 1) * scale.width) else {
                    view.cursor = scale.columnStart(target < 0 ? 0 : scale.columns - 1)
                    break
                }
                view.zoom = moved
            }
            view.cursor = scale.columnStart(target)
        case .top:
            view.cursor = scale.columnStart(0)
        case .live:
            view.cursor = nil
            view.zoom = nil
        case .fit:
            view.zoom = nil
        case .zoomIn, .zoomOut:
            let finestWidth = TimelineScale.niceWidth(atLeast: histogram.width)
            if action == .zoomIn && scale.width <= finestWidth {
                state.say("finest already: the timeline counts \(TimelineScale.spanText(histogram.width)) buckets", now: context.now)
                return []
            }
            // One nice width finer (at most half) or coarser (at least double), around the cursor.
            let width = action == .zoomIn
                ? max(finestWidth, TimelineScale.niceWidth(atMost: scale.width / 2) ?? finestWidth)
                : TimelineScale.niceWidth(atLeast: min(Int64.max / 8, scale.width.multipliedReportingOverflow(by: 2).partialValue))
            let wantedSpan = width.multipliedReportingOverflow(by: Int64(max(1, scale.columns))).partialValue
            let centre = scale.columnStart(column).microseconds.addingReportingOverflow(scale.width / 2).partialValue
            let from = centre.subtractingReportingOverflow(wantedSpan / 2).partialValue.floorDivided(by: width).quotient
                .multipliedReportingOverflow(by: width).partialValue
            let wanted = TimeRange(from: Timestamp(microseconds: max(Timestamp.earliest.microseconds, from)),
                                   until: Timestamp(microseconds: min(Timestamp.latest.microseconds,
                                                                      from.addingReportingOverflow(wantedSpan).partialValue)))
            if action == .zoomOut, let bulk = histogram.bulk(trimming: TimelineViewState.trim), let wanted,
               wanted.from <= bulk.from && wanted.until >= bulk.until {
                view.zoom = nil
                state.say("all of the stored events", now: context.now)
            } else {
                view.zoom = wanted
            }
            if view.cursor == nil { view.cursor = scale.columnStart(column) }
        case .selectRange:
            guard view.anchor != nil else {
                view.anchor = scale.columnStart(column)
                state.timeline = view
                state.say("range from \(TimelinePane.label(scale.columnStart(column), scale, long: true)): move, then enter", now: context.now)
                return []
            }
            state.timeline = view
            return applySelection(scale: scale, state: &state, context: context)
        case .open:
            state.timeline = view
            return applySelection(scale: scale, state: &state, context: context)
        default:
            return []
        }
        state.timeline = view
        return []
    }

    /// A click on the timeline (mouse on): the cursor goes to that column.
    public func clickTimeline(column: Int, state: inout ViewState, context: Context) -> [Effect] {
        guard let scale = state.timeline.scale(context.snapshot.timeline, columns: context.timelineColumns),
              (0..<scale.columns).contains(column) else { return [] }
        state.timeline.cursor = scale.columnStart(column)
        return []
    }

    /// The anchor-to-cursor columns (or the cursor's bucket alone) become the range every
    /// pane follows.
    private func applySelection(scale: TimelineScale, state: inout ViewState, context: Context) -> [Effect] {
        let histogram = context.snapshot.timeline
        let columns = state.timeline.selecting(scale, histogram: histogram) ?? {
            let c = state.timeline.cursorColumn(scale, histogram: histogram)
            return c...c
        }()
        state.timeline.anchor = nil
        guard let range = TimeRange(from: scale.columnStart(columns.lowerBound), until: scale.columnStart(columns.upperBound + 1)) else {
            return []
        }
        return follow(range, state: &state, context: context)
    }

    /// Every pane follows `range` (nil: all of time again): the feed's filter gets its time
    /// terms (its other terms stay), the map and the clusters are asked again.
    func follow(_ range: TimeRange?, state: inout ViewState, context: Context) -> [Effect] {
        state.range = range
        state.heatmap.range = range
        state.graph.range = range
        state.graph.clusters = nil
        state.graph.clusterSelected = 0
        var effects: [Effect] = [.queryHeatmap, .queryClusters]
        do throws(FilterError) {
            let filter = try state.feed.filter.limited(to: range)
            state.filterHistory.append(filter.text)
            effects += setFilter(filter, state: &state, syncRange: false)
        } catch {
            state.say(error.message, error: true, now: context.now)
            return effects
        }
        if let range {
            let scale = TimelineScale(from: range.from, until: range.until, columns: 1, finest: 1_000_000)
            let width = range.until.microseconds.subtractingReportingOverflow(range.from.microseconds).partialValue
            let fine = TimelineScale(width: min(scale.width, width), from: range.from, columns: 1)
            state.say("every pane follows \(TimelinePane.label(range.from, fine, long: true)) – "
                      + "\(TimelinePane.label(range.until, fine, long: true)) (esc clears)", now: context.now)
        } else {
            state.say("every pane shows all of time again", now: context.now)
        }
        return effects
    }

    /// A range moved by `delta` µs, nil when it would leave the representable times.
    static func shifted(_ range: TimeRange, by delta: Int64) -> TimeRange? {
        guard let from = range.from.checkedShift(byMicroseconds: delta), let until = range.until.checkedShift(byMicroseconds: delta) else {
            return nil
        }
        return TimeRange(from: from, until: until)
    }
}
