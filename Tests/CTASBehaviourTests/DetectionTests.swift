import CTASCore
import Foundation
import Testing
@testable import CTASBehaviour

/// What the detector finds in planted activity, and what it leaves alone.
@Suite struct DetectionTests {
    static func detect(_ events: [Event], _ configure: (inout AnomalyOptions) -> Void = { _ in }) -> AnomalyReport {
        var options = AnomalyOptions()
        configure(&options)
        var detector = AnomalyDetector(options: options)
        for event in events { detector.observe(event) }
        return detector.finish()
    }

    static func matches(_ planted: PlantedActivity.Planted, _ anomalies: [Anomaly]) -> Bool {
        let start = Timestamp(microseconds: planted.firstHour * 3_600_000_000)
        let end = Timestamp(microseconds: (planted.firstHour + Int64(planted.hours)) * 3_600_000_000)
        return anomalies.contains { a in
            a.kind == .rate && a.entity == planted.entity && a.start < end && start < a.end
                && a.detail.hasPrefix(planted.burst ? "burst" : "silence")
        }
    }

    /// A fresh seed each run (`CTAS_ANOMALY_SEED` repeats one).
    static var freshSeed: UInt64 {
        ProcessInfo.processInfo.environment["CTAS_ANOMALY_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
    }

    @Test(arguments: [UInt64(20_261_202), DetectionTests.freshSeed])
    func findsPlantedBurstsAndSilences(seed: UInt64) {
        let activity = PlantedActivity(entities: 120, days: 28, bursts: 40, silences: 10, seed: seed)
        let report = Self.detect(activity.events)
        let found = activity.planted.filter { Self.matches($0, report.anomalies) }
        let missed = activity.planted.filter { !Self.matches($0, report.anomalies) }
        #expect(activity.planted.count >= 45, "seed \(seed): only \(activity.planted.count) planted")
        #expect(Double(found.count) >= 0.95 * Double(activity.planted.count),
                "seed \(seed): found \(found.count) of \(activity.planted.count); missed \(missed.prefix(5))")
        // Everything else reported is a false anomaly: at most one per 10,000 entity-hours.
        let planted = Set(activity.planted.map(\.entity))
        let falses = report.anomalies.filter { $0.kind == .rate && !planted.contains($0.entity) }
        let entityHours = 120 * 28 * 24
        #expect(falses.count <= entityHours / 10_000, "seed \(seed): \(falses.count) false anomalies in \(entityHours) entity-hours: \(falses.prefix(3))")
        #expect(report.seriesScored == 120 && report.seriesUnscored == 0)
        for anomaly in report.anomalies where anomaly.kind == .rate {
            #expect((0...100).contains(anomaly.score) && anomaly.end > anomaly.start)
        }
    }

    @Test(arguments: [UInt64(7), DetectionTests.freshSeed])
    func quietWhenNothingIsPlanted(seed: UInt64) {
        let activity = PlantedActivity(entities: 150, days: 28, bursts: 0, silences: 0, seed: seed)
        let report = Self.detect(activity.events)
        let entityHours = 150 * 28 * 24
        let rate = report.anomalies.filter { $0.kind == .rate }
        #expect(rate.count <= entityHours / 10_000, "seed \(seed): \(rate.count) false anomalies in \(entityHours) entity-hours: \(rate.prefix(3))")
    }

    @Test func shortHistoryIsNotScoredAndSaysSo() {
        // Two days of a busy entity, with a huge burst: too little history to judge.
        let activity = PlantedActivity(entities: 3, days: 2, bursts: 0, silences: 0, seed: 3)
        var events = activity.events
        let last = events.last?.timestamp ?? Timestamp(microseconds: 0)
        for i in 0..<500 { events.append(Event(id: "b\(i)", timestamp: last, type: "conn", entity: "host-0")) }
        let report = Self.detect(events)
        #expect(report.anomalies.isEmpty)
        #expect(report.seriesScored == 0 && report.seriesUnscored == 3)
        #expect(report.table.contains("3 with under 72 h of history not scored"))
    }

    @Test func firstsAreRareOnlyForEstablishedEntities() {
        let hour: Int64 = 3_600_000_000
        let base = PlantedActivity.startHour * hour
        var events: [Event] = []
        // An established host: DNS every hour for ten days, then its first SMB, from a new country.
        for h in 0..<240 {
            events.append(Event(id: "d\(h)", timestamp: Timestamp(microseconds: base + Int64(h) * hour), type: "dns", entity: "ws-1",
                                details: Event.Details(country: "GB", asn: 2856)))
        }
        events.append(Event(id: "s1", timestamp: Timestamp(microseconds: base + 240 * hour), type: "smb", entity: "ws-1",
                            indicators: ["198.51.100.7"], details: Event.Details(country: "RU", asn: 2856)))
        // A newcomer showing many things in its first hours: no storm.
        for (i, type) in ["dns", "http", "smb", "ssh", "tls"].enumerated() {
            events.append(Event(id: "n\(i)", timestamp: Timestamp(microseconds: base + 239 * hour + Int64(i)), type: type, entity: "new-1"))
        }
        let report = Self.detect(events.sorted { $0.timestamp < $1.timestamp }) { $0.kinds = [.rare] }
        let details = Set(report.anomalies.map { "\($0.entity) \($0.detail)" })
        #expect(details == ["ws-1 new type smb", "ws-1 new country RU", "ws-1 new indicator kind ipv4"], "\(details)")
        #expect(report.anomalies.allSatisfy { $0.score >= 50 && $0.score <= 100 && $0.expected == 0 })
        // Only the firsts after --since are reported; the history before it still counts.
        let later = Self.detect(events.sorted { $0.timestamp < $1.timestamp }) {
            $0.kinds = [.rare]
            $0.since = Timestamp(microseconds: base + 241 * hour)
        }
        #expect(later.anomalies.isEmpty)
    }

    @Test func tooManyValuesSaturateInsteadOfStorming() {
        let hour: Int64 = 3_600_000_000
        let base = PlantedActivity.startHour * hour
        var events: [Event] = []
        for h in 0..<400 {
            events.append(Event(id: "x\(h)", timestamp: Timestamp(microseconds: base + Int64(h) * hour), type: "t\(h)", entity: "scanner"))
        }
        let report = Self.detect(events) { $0.kinds = [.rare] }
        // Firsts are reported until the entity has shown 256 types; then it is too varied.
        #expect(report.saturatedAttributes == 1)
        #expect(report.anomalies.count <= AnomalyDetector.attributeCapacity)
    }

    @Test func hostileAndMissingEntitiesAreHandled() {
        let hour: Int64 = 3_600_000_000
        let base = PlantedActivity.startHour * hour
        var events: [Event] = []
        let hostile = "evil\u{1B}[2J\u{07}\n,\"host"
        for h in 0..<200 {
            events.append(Event(id: "h\(h)", timestamp: Timestamp(microseconds: base + Int64(h) * hour), type: "dns", entity: hostile))
            events.append(Event(id: "n\(h)", timestamp: Timestamp(microseconds: base + Int64(h) * hour), type: "dns"))
        }
        events.append(Event(id: "burst", timestamp: Timestamp(microseconds: base + 150 * hour), type: "x\u{1B}]0;t\u{07}", entity: hostile))
        let report = Self.detect(events) { $0.kinds = [.rare] }
        #expect(report.eventsWithoutEntity == 200)
        #expect(report.anomalies.count == 1)
        #expect(!report.table.contains("\u{1B}") && !report.table.contains("\u{07}"))
        #expect(!report.csv(sanitized: true).contains("\u{1B}"))
        #expect(report.csv(sanitized: false).contains("\u{1B}"))
        let json = try? JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
        let first = (json?["anomalies"] as? [[String: Any]])?.first
        #expect(first?["entity"] as? String == hostile)
    }

    @Test func extremeTimesNeverTrap() {
        let events = [Timestamp.earliest, Timestamp(microseconds: -1), Timestamp(microseconds: 0), Timestamp.latest].enumerated().map {
            Event(id: "e\($0.offset)", timestamp: $0.element, type: "t", entity: "e")
        }
        let report = Self.detect(events)
        #expect(report.events == 4)
        let empty = Self.detect([])
        #expect(empty.anomalies.isEmpty && empty.events == 0)
    }
}
