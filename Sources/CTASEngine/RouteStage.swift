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

    func run() async {
        while var batch = await input.receive() {
            let started = MonotonicClock.nanoseconds()
            batch.indicators = batch.events.map(extractor.indicators(of:))
            if geolocator != nil { geolocate(&batch) }
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
            let intelScores = known.map { matchIntel(&batch, against: $0) } ?? []
            batch.cells = batch.events.map { GeoCell.of($0)?.rawValue ?? 0 }
            risk?.score(&batch.events, cells: batch.cells, intelScores: intelScores)
            batch.placements = zip(batch.events, batch.indicators).map { router.place($0, indicators: $1.count) }
            batch.rows = WarmRowBlock(batch.events)
            hub.stage(.route, events: batch.events.count, nanos: MonotonicClock.nanoseconds() - started)
            guard await output.send(batch) else { break }
        }
        input.close()
        output.close()
        executor.shutdown()
    }

    /// Marks events that carry known indicators (tag `intel`) and lists them for the writer,
    /// which records the sightings in the events' transaction. Returns per event the highest
    /// score (at the event's time) of the intelligence it carries.
    private func matchIntel(_ batch: inout EventBatch, against known: IntelEvidenceIndex) -> [Double?] {
        var scores = [Double?](repeating: nil, count: batch.events.count)
        for i in batch.events.indices {
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
        hub.intelSightings(sightings)
        return scores
    }

    /// Places the batch's events without coordinates (before their cells and rows are made).
    private func geolocate(_ batch: inout EventBatch) {
        guard var locator = geolocator else { return }
        geolocator = nil   // keep the cache uniquely referenced while it changes
        for i in batch.events.indices { locator.place(&batch.events[i], indicators: batch.indicators[i]) }
        var status = GeolocationStatus(database: locator.locator.label, files: locator.locator.databases.map(\.path))
        status.located = locator.counts.located
        status.notFound = locator.counts.notFound
        status.noAddress = locator.counts.noAddress
        status.hadCoordinates = locator.counts.hadCoordinates
        hub.geolocation(status)
        geolocator = locator
    }
}
