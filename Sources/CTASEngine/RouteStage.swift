import CTASCore
import CTASFeeds
import CTASStore

/// Decides each event's tiers (and, as analysis grows, enriches events) off the writer's
/// thread, so the writer only writes.
actor RouteStage {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let input: BoundedQueue<EventBatch>
    private let output: BoundedQueue<EventBatch>
    private let router: TierRouter
    private let hub: MetricsHub

    init(input: BoundedQueue<EventBatch>, output: BoundedQueue<EventBatch>, router: TierRouter, hub: MetricsHub) {
        executor = ThreadExecutor(name: "ctas-route")
        self.input = input
        self.output = output
        self.router = router
        self.hub = hub
    }

    func run() async {
        while var batch = await input.receive() {
            let started = MonotonicClock.nanoseconds()
            batch.placements = batch.events.map(router.place)
            batch.rows = WarmRowBlock(batch.events)
            hub.stage(.route, events: batch.events.count, nanos: MonotonicClock.nanoseconds() - started)
            guard await output.send(batch) else { break }
        }
        input.close()
        output.close()
        executor.shutdown()
    }
}
