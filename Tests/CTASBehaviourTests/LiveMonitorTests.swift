import CTASCore
import Testing
@testable import CTASBehaviour

@Suite struct LiveMonitorTests {
    /// The planted activity of the batch tests, given hour by hour in batches.
    @Test func findsPlantedBurstsLiveWithoutFalseOnes() {
        let activity = PlantedActivity(entities: 80, days: 28, bursts: 25, silences: 0, seed: 20_261_202)
        var monitor = LiveAnomalyMonitor()
        var found: [Anomaly] = []
        let events = activity.events
        var start = 0
        while start < events.count {
            let end = min(events.count, start + 3000)
            found += monitor.observe(Array(events[start..<end]))
            start = end
        }
        let hits = activity.planted.filter { DetectionTests.matches($0, found) }
        #expect(Double(hits.count) >= 0.9 * Double(activity.planted.count), "found \(hits.count) of \(activity.planted.count)")
        let planted = Set(activity.planted.map(\.entity))
        let falses = Set(found.filter { $0.kind == .rate && !planted.contains($0.entity) }.map { "\($0.entity) \($0.start)" })
        #expect(falses.count <= 80 * 28 * 24 / 10_000, "\(falses.prefix(3))")
        #expect(monitor.status.tracked == 80)
    }

    @Test func entitiesPastTheLimitAreCountedNotTracked() {
        var options = LiveAnomalyMonitor.Options()
        options.maximumEntities = 10
        var monitor = LiveAnomalyMonitor(options: options)
        let events = (0..<25).map { Event(id: "e\($0)", timestamp: Timestamp(microseconds: Int64($0)), type: "t", entity: "host-\($0)") }
        _ = monitor.observe(events)
        _ = monitor.observe(events)
        #expect(monitor.status.tracked == 10 && monitor.status.untracked == 30)
    }

    @Test func extremeAndBackwardTimesNeverTrap() {
        var monitor = LiveAnomalyMonitor()
        let times = [Timestamp.earliest, .latest, Timestamp(microseconds: 0), .earliest, Timestamp(microseconds: -1), .latest]
        let events = times.enumerated().map { Event(id: "e\($0.offset)", timestamp: $0.element, type: "t\($0.offset)", entity: "x") }
        _ = monitor.observe(events)
        _ = monitor.observe([Event(id: "none", timestamp: .latest, type: "t")])
        #expect(monitor.status.tracked == 1)
    }
}

extension LiveMonitorTests {
    @Test func nonsenseOptionsAreRaisedNotTrapped() {
        var options = LiveAnomalyMonitor.Options()
        options.historyHours = 0
        options.maximumEntities = -5
        var monitor = LiveAnomalyMonitor(options: options)
        let hour: Int64 = 3_600_000_000
        _ = monitor.observe((0..<200).map { Event(id: "e\($0)", timestamp: Timestamp(microseconds: Int64($0) * hour), type: "t", entity: "a") })
        #expect(monitor.options.historyHours == SeasonalResiduals.minimumHours + 1 && monitor.status.tracked == 1)
    }
}
