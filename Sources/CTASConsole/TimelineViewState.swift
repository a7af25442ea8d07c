import CTASCore
import CTASEngine

/// Where the analyst is on the timeline: a cursor over buckets, a range being selected, and
/// the span shown. Times, not columns, so the view stays put as events arrive and the
/// buckets widen.
public struct TimelineViewState: Sendable, Equatable {
    /// The cursor's time; nil: on the newest bucket, following it.
    public var cursor: Timestamp?
    /// Where a range selection began (`v`), until enter applies it or esc drops it.
    public var anchor: Timestamp?
    /// The span shown; nil: the bulk of the stored events (it grows as they arrive).
    public var zoom: TimeRange?

    public init() {}

    /// The share of events at each end left out of the fitted view (hostile or mistyped
    /// times would otherwise squeeze everything into a column or two).
    static let trim = 0.001

    /// How the span shown is laid out in `columns` (nil: no events yet).
    public func scale(_ histogram: TimeHistogram, columns: Int) -> TimelineScale? {
        guard columns > 0 else { return nil }
        if let zoom {
            return TimelineScale(from: zoom.from, until: zoom.until, columns: columns, finest: histogram.width)
        }
        guard let bulk = histogram.bulk(trimming: Self.trim) else { return nil }
        return TimelineScale(from: bulk.from, until: bulk.until, columns: columns, finest: histogram.width)
    }

    /// The cursor's column on a scale: its own, or the newest bucket's when following.
    public func cursorColumn(_ scale: TimelineScale, histogram: TimeHistogram) -> Int {
        if let cursor {
            if cursor < scale.start { return 0 }
            return scale.column(of: cursor) ?? scale.columns - 1
        }
        if let latest = histogram.latest, let column = scale.column(of: latest) { return column }
        return scale.columns - 1
    }

    /// The columns the selection covers: anchor to cursor while selecting.
    public func selecting(_ scale: TimelineScale, histogram: TimeHistogram) -> ClosedRange<Int>? {
        guard let anchor else { return nil }
        let a = scale.column(of: anchor) ?? (anchor < scale.start ? 0 : scale.columns - 1)
        let c = cursorColumn(scale, histogram: histogram)
        return min(a, c)...max(a, c)
    }
}
