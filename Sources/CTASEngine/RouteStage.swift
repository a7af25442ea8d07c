import CTASCore
import CTASFeeds
import CTASGeoIP
import CTASIntel
import CTASStore

/// Enriches and routes events off the writer's thread, so the writer only writes: extracts
/// each event's indicators (listed and from its description), decides its tiers, finds its
/// H3 cell, and encodes its warm-tier row.
actor RouteStage {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let input: BoundedQueue<EventBatch>
    private let output: BoundedQueue<EventBatch>
    private let router: TierRouter
    private let hub: MetricsHub
    private let extractor = IndicatorExtractor()
    private var geolocator: EventGeolocator?
    /// The intelligence store's indicators, matched against every event's, with what scores
    /// them: nil until the loader (nil: nothing to match) hands it over at the first batch.
    private var known: IntelEvidenceIndex?
    private var loader: IntelEvidenceLoader?
    private var loadError: StoreError?
    /// Reloads the watcher (`IntelWatch`) offers when an import changes the store, and the one loading now.
    private let reloads: IntelReloads?
    private var reloading: IntelEvidenceLoader?
    private var sightings = 0
    /// Anomalies and hot spots the later stages found (nil: events are not scored).
    private let risk: RiskBoard?

    init(input: BoundedQueue<EventBatch>, output: BoundedQueue<EventBatch>, router: TierRouter, hub: MetricsHub,
         geolocator: EventGeolocator?, intel loader: IntelEvidenceLoader?, reloads: IntelReloads? = nil, risk: RiskBoard?) {
        self.geolocator = geolocator
        self.loader = loader
        self.reloads = reloads
        self.risk = risk
        executor = ThreadExecutor(name: "ctas-route")
        self.input = input
        self.output = output
        self.router = router
        self.hub = hub
    }

    /// Events enriched together, through every step, before the next slice: a batch (a few
    /// thousand events) does not fit in a core's cache, and seven passes over all of it
    /// fetched each event seven times (measured: a quarter of the stage in retains that
    /// first touched an event).
    static let sliceEvents = 256

    func run() async {
        while var batch = await input.receive() {
            let started = MonotonicClock.nanoseconds()
            if let loader {
                self.loader = nil
                switch loader.wait() {
                case .success(let index): known = index.isEmpty ? nil : index
                case .failure(let error):
                    // The store was readable when the engine opened it; an error now (a disk
                    // failing) leaves events unmatched, said in every batch's warnings.
                    loadError = error
                }
            }
            // A reload swaps in once loaded, without waiting; one that fails keeps the index in use.
            if let next = reloads?.take() { reloading = next }
            if let pending = reloading, let outcome = pending.finished() {
                reloading = nil
                if case .success(let index) = outcome {
                    known = index.isEmpty ? nil : index
                    loadError = nil
                }
            }
            if loadError != nil { batch.warnings["intel_not_loaded", default: 0] += batch.events.count }
            enrich(&batch)
            hub.stage(.route, events: batch.events.count, nanos: MonotonicClock.nanoseconds() - started)
            guard await output.send(batch) else { break }
        }
        input.close()
        output.close()
        executor.shutdown()
    }

    /// Indicators, places, intelligence, cells, risk, tiers and the warm row of every event,
    /// a slice at a time (`sliceEvents`), in the events' order.
    private func enrich(_ batch: inout EventBatch) {
        let count = batch.events.count
        batch.indicators = []
        batch.cells = []
        batch.placements = []
        batch.indicators.reserveCapacity(count)
        batch.cells.reserveCapacity(count)
        batch.placements.reserveCapacity(count)
        var intelScores: [Double?] = known == nil ? [] : [Double?](repeating: nil, count: count)
        var rows = WarmRowBlock(reservingFor: count)
        for start in stride(from: 0, to: count, by: Self.sliceEvents) {
            let slice = start..<min(count, start + Self.sliceEvents)
            for i in slice { batch.indicators.append(extractor.indicators(of: batch.events[i])) }
            if geolocator != nil { geolocate(&batch, slice) }
            if let known { matchIntel(&batch, slice, against: known, scores: &intelScores) }
            for i in slice { batch.cells.append(GeoCell.of(batch.events[i])?.rawValue ?? 0) }
            risk?.score(&batch.events, slice, cells: batch.cells, intelScores: intelScores)
            for i in slice {
                batch.placements.append(router.place(batch.events[i], indicators: batch.indicators[i].count))
                rows.append(batch.events[i])
            }
        }
        if known != nil { hub.intelSightings(sightings) }
        if let geolocator { publishGeolocation(geolocator) }
        batch.rows = rows
    }

    /// Marks the slice's events that carry known indicators (tag `intel`) and lists them for
    /// the writer, which records the sightings in the events' transaction. Sets per event the
    /// highest score (at the event's time) of the intelligence it carries.
    private func matchIntel(_ batch: inout EventBatch, _ slice: Range<Int>, against known: IntelEvidenceIndex, scores: inout [Double?]) {
        for i in slice {
            // Each indicator looked up once (hashed, one probe), its evidence kept for the score.
            var hits: [Indicator] = []
            var found: [IntelEvidence] = []
            for indicator in batch.indicators[i] {
                guard let evidence = known.evidence(for: indicator) else { continue }
                hits.append(indicator)
                found.append(evidence)
            }
            guard !hits.isEmpty else { continue }
            // The event's time only for the few events that carry intelligence.
            let time = batch.events[i].timestamp
            var best: Double?
            for evidence in found {
                let score = evidence.score(at: time)
                best = Swift.max(best ?? score, score)
            }
            scores[i] = best
            batch.sightings.append((i, hits))
            if !batch.events[i].tags.contains("intel") { batch.events[i].tags.append("intel") }
            sightings += hits.count
        }
    }

    /// Places the slice's events without coordinates (before their cells and rows are made).
    private func geolocate(_ batch: inout EventBatch, _ slice: Range<Int>) {
        guard var locator = geolocator else { return }
        geolocator = nil   // keep the cache uniquely referenced while it changes
        for i in slice { locator.place(&batch.events[i], indicators: batch.indicators[i]) }
        geolocator = locator
    }

    /// The geolocation counts so far, published once a batch (the hub's lock and the list
    /// of database paths are not worth taking per slice).
    private func publishGeolocation(_ locator: EventGeolocator) {
        var status = GeolocationStatus(database: locator.locator.label, files: locator.locator.databases.map(\.path))
        status.located = locator.counts.located
        status.notFound = locator.counts.notFound
        status.noAddress = locator.counts.noAddress
        status.hadCoordinates = locator.counts.hadCoordinates
        hub.geolocation(status)
    }
}
