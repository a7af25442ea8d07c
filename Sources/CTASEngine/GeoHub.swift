import CTASCore
import CTASStore
import H3

/// The engine's geo index, shared by the fan-out stage (which adds committed events) and
/// the console's heatmap questions (answered off the pipeline's threads). The lock is held
/// only to add events or to fold tallies; hot spots are computed outside it and cached
/// until the index changes.
final class GeoHub: Sendable {
    private let index = Locked(GeoIndex())
    private let loadedFlag: Locked<Bool>
    private let cache = Locked<[HeatmapQuery: HeatmapData]>([:])
    private let cancelled = Locked(false)

    /// `loaded`: nothing stored will be loaded (a fresh store, or no geo index), so the index
    /// is whole from the start; otherwise it is whole once `load` has run.
    init(loaded: Bool = false) { loadedFlag = Locked(loaded) }

    /// Stops a `load` under way at its next chunk (the engine is stopping: nobody will look).
    func cancelLoading() { cancelled.withLock { $0 = true } }

    /// Whether `cancelLoading` was called.
    var loadCancelled: Bool { cancelled.withLock { $0 } }

    /// Adds committed events (their resolution-15 cells, 0 for none).
    func add(_ events: [Event], cells: [UInt64], inserted: ArraySlice<Bool>) {
        index.withLock { geo in
            var flag = inserted.startIndex
            for (i, e) in events.enumerated() {
                defer { flag += 1 }
                guard inserted[flag] else { continue }
                let cell = i < cells.count && cells[i] != 0 ? H3Index(cells[i]) : nil
                geo.add(cell: cell, time: e.timestamp, severity: e.severity.map { Int($0.value) })
            }
        }
    }

    /// Reads what earlier runs stored (rows up to `throughSeq`: later ones arrive through the
    /// pipeline), in chunks so the lock is never held long. `each` sees every row's time and
    /// severity too (the timeline is filled from the same scan). The scan stops early, leaving
    /// the index partly filled, once `cancelLoading` was called (checked every chunk).
    func load(from path: String, throughSeq: Int64, each: (Timestamp, Int?) -> Void = { _, _ in }) -> String? {
        defer { loadedFlag.withLock { $0 = true } }
        do throws(StoreError) {
            let reader = try WarmReader(path: path)
            var chunk: [(UInt64, Timestamp, Int?)] = []
            chunk.reserveCapacity(50_000)
            func flush() {
                index.withLock { geo in
                    for (cell, time, severity) in chunk { geo.add(cell: cell == 0 ? nil : H3Index(cell), time: time, severity: severity) }
                }
                chunk.removeAll(keepingCapacity: true)
            }
            var stopped = false
            try reader.scanCells(throughSeq: throughSeq, stoppingWhen: { stopped }) { cell, time, severity in
                chunk.append((cell, time, severity))
                each(time, severity)
                if chunk.count == 50_000 {
                    flush()
                    stopped = loadCancelled
                }
            }
            flush()
            return nil
        } catch {
            return error.message
        }
    }

    /// The last hour (to the newest event's minute) against the hour before, per cell, from the
    /// index's minute buckets.
    func trend(of cells: [H3Index], resolution: Int, newest: Timestamp?) -> [H3Index: HotspotTrend] {
        guard !cells.isEmpty, let newest else { return [:] }
        let minute: Int64 = 60_000_000, hour: Int64 = 3_600_000_000
        let end = newest.microseconds.floorDivided(by: minute).quotient &* minute &+ minute
        guard let last = TimeRange(from: Timestamp(microseconds: end &- hour), until: Timestamp(microseconds: end)),
              let before = TimeRange(from: Timestamp(microseconds: end &- 2 &* hour), until: Timestamp(microseconds: end &- hour)) else { return [:] }
        let (recent, earlier) = index.withLock { ($0.tallies(resolution: resolution, range: last), $0.tallies(resolution: resolution, range: before)) }
        guard let recent, let earlier else { return [:] }
        var out: [H3Index: HotspotTrend] = [:]
        for cell in cells { out[cell] = HotspotTrend(lastHour: recent[cell]?.count ?? 0, hourBefore: earlier[cell]?.count ?? 0) }
        return out
    }

    var status: GeoStatus {
        let loaded = loadedFlag.withLock { $0 }
        return index.withLock { GeoStatus(loaded: loaded, located: $0.located, unlocated: $0.unlocated, baseCells: $0.cellCount, version: $0.version) }
    }

    /// Densities and hot spots for `query` (cached per question until the index changes).
    /// Whether the index's minute buckets answer a range (else the warm tier must).
    func covers(_ range: TimeRange) -> Bool {
        index.withLock { $0.covers(range) }
    }

    /// `stored`: the warm tier's tallies for a range the index's minutes do not cover.
    func heatmap(_ query: HeatmapQuery, stored: [H3Index: CellTally]? = nil) -> HeatmapData {
        let started = MonotonicClock.nanoseconds()
        var (found, version, start, newest, unlocated): ([H3Index: CellTally]?, Int, Timestamp?, Timestamp?, Int) = index.withLock { geo in
            if let cached = cache.withLock({ $0[query] }), cached.version == geo.version {
                return ([:], -1, nil, nil, 0)
            }
            if let range = query.range {
                return (geo.tallies(resolution: query.resolution, range: range), geo.version, range.from, geo.newestTime, geo.unlocated)
            }
            return (geo.tallies(resolution: query.resolution, window: query.window), geo.version, geo.windowStart(query.window),
                    geo.newestTime, geo.unlocated)
        }
        if version < 0, let cached = cache.withLock({ $0[query] }) { return cached }
        if found == nil { found = stored }
        let tallies = found ?? [:]
        var data = HeatmapData(query: query, tallies: tallies, windowStart: start, newestTime: newest, unlocated: unlocated,
                               version: version)
        data.trend = trend(of: data.analysis.hotspots.prefix(10).map(\.cell), resolution: query.resolution, newest: newest)
        data.computeMillis = Double(MonotonicClock.nanoseconds() - started) / 1e6
        cache.withLock { c in
            if c.count > 16 { c.removeAll() }
            c[query] = data
        }
        return data
    }
}
