import CTASCore
import Testing
import CTASTestSupport
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

    /// An attribute's values: the first is held apart from the rest (most entities show one),
    /// and the set of them behaves as one set: held values are not firsts, whichever was last,
    /// and past the capacity a new value is neither a first nor remembered.
    @Test func seenValuesAreOneSetHoweverHeld() {
        var seen = LiveAnomalyMonitor.SeenValues()
        #expect(seen.count == 0 && !seen.contains("a"))
        var firsts: [Bool] = []
        for value in ["a", "a", "b", "a", "c", "d"] { firsts.append(seen.isFirst(value, capacity: 3)) }
        #expect(firsts == [true, false, true, false, true, false])
        #expect(seen.last == "c")
        #expect(!seen.contains("d"))
        #expect(seen.count == 3 && Set(seen.values) == ["a", "b", "c"])
        let again = [seen.remember("a"), seen.remember("c"), seen.remember("e")]
        #expect(again == [false, false, true] && seen.count == 4)
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

extension LiveMonitorTests {
    /// The band drawn for an entity is the one the live test judges by: every burst hour it
    /// flagged lies above the band, and the hours it did not flag lie inside it.
    @Test func theProfileBandAgreesWithTheLiveJudgement() {
        let activity = PlantedActivity(entities: 30, days: 28, bursts: 10, silences: 0, seed: 20_261_203)
        var monitor = LiveAnomalyMonitor()
        var found: [Anomaly] = []
        let events = activity.events
        var start = 0
        while start < events.count {
            let end = min(events.count, start + 3000)
            // Profiles taken as the fan-out stage takes them: right after the anomaly is found.
            for anomaly in monitor.observe(Array(events[start..<end])) where anomaly.kind == .rate && anomaly.detail == "burst" {
                found.append(anomaly)
                let hours = monitor.profile(of: anomaly.entity, endingAt: anomaly.end.shifted(byMicroseconds: -1))
                #expect(hours.count == 24)
                let last = hours[hours.count - 1]
                #expect(last.high.map { last.observed > $0 } == true, "\(anomaly.entity) \(anomaly.start): \(last)")
            }
            start = end
        }
        #expect(found.count >= 5)
        // An established entity's quiet, unflagged hour lies inside its band.
        let flaggedHours = Set(found.map { "\($0.entity) \(HourlyCounts.hour(of: $0.end.shifted(byMicroseconds: -1)))" })
        let entity = activity.events.compactMap(\.entity).first { name in !found.contains { $0.entity == name } } ?? ""
        let lastEvent = activity.events.last { $0.entity == entity }?.timestamp ?? .latest
        let profile = monitor.profile(of: entity, endingAt: lastEvent.shifted(byMicroseconds: -3_600_000_000))
        #expect(!entity.isEmpty && profile.count == 24)
        for (i, hour) in profile.enumerated() {
            guard let low = hour.low, let high = hour.high else { continue }
            #expect(low <= high && low >= 0)
            #expect(hour.observed >= low && hour.observed <= high || flaggedHours.contains("\(entity) \(i)"), "hour \(i): \(hour)")
        }
        #expect(monitor.profile(of: "nobody", endingAt: .latest).isEmpty)
        #expect(monitor.profile(of: entity, endingAt: .earliest).allSatisfy { $0.low == nil && $0.observed == 0 })
    }
}

extension LiveMonitorTests {
    /// Live firsts cover what `ctas anomalies` judges: type, country, AS and indicator kind,
    /// once the entity is established (20 events over 72 hours), never before.
    @Test func liveFirstsOfCountryASAndIndicatorKind() {
        var monitor = LiveAnomalyMonitor()
        let hour: Int64 = 3_600_000_000
        func event(_ n: Int, at h: Int64, country: String = "GB", asn: UInt32 = 64500, indicators: [String] = ["198.51.100.7"]) -> Event {
            Event(id: "e\(n)", timestamp: Timestamp(microseconds: 1_795_132_800_000_000 + h * hour), type: "conn", entity: "host-1",
                  indicators: indicators, details: Event.Details(country: country, asn: asn))
        }
        // Early: a new country before the entity is established is learned, not flagged.
        var found = monitor.observe((0..<30).map { event($0, at: Int64($0) * 3) } + [event(99, at: 2, country: "FR")])
        #expect(found.filter { $0.kind == .rare }.isEmpty)
        found = monitor.observe([event(100, at: 100, country: "FR"), event(101, at: 100, country: "RU", asn: 4134),
                                 event(102, at: 101, indicators: ["evil-c2.net"]), event(103, at: 101)])
        let firsts = found.filter { $0.kind == .rare }.map(\.detail)
        #expect(firsts == ["new country RU", "new asn 4134", "new indicator kind domain"], "\(firsts)")
        #expect(monitor.status.rare == 3)
    }
}

extension LiveMonitorTests {
    /// Rarely seen entities keep their events' hours instead of a four-week ring until their
    /// `sparseEvents`-th event; the answers are the same whenever the ring is made — on
    /// planted activity with quiet hosts (a few events a day), out-of-order events, and
    /// hosts seen once.
    @Test(arguments: [1, 5, 24, 100_000])
    func sparseEntitiesAnswerAsRingsDo(sparseEvents: Int) {
        let activity = PlantedActivity(entities: 60, days: 28, bursts: 12, silences: 4, seed: 77)
        var events = activity.events
        // Late and early arrivals, and hosts seen once or twice.
        let hour: Int64 = 3_600_000_000
        for i in 0..<200 {
            let at = events[events.count / 2].timestamp.microseconds - Int64(i % 50) * hour
            events.insert(Event(id: "late\(i)", timestamp: Timestamp(microseconds: at), type: "conn", entity: "host-\(i % 60)"), at: events.count / 2 + i)
            events.append(Event(id: "once\(i)", timestamp: events[events.count - 1].timestamp, type: "dns", entity: "guest-\(i)"))
        }
        func run(_ sparse: Int) -> ([Anomaly], [LiveAnomalyMonitor.HourBand], LiveAnomalyMonitor.Status) {
            var options = LiveAnomalyMonitor.Options()
            options.sparseEvents = sparse
            var monitor = LiveAnomalyMonitor(options: options)
            var found: [Anomaly] = []
            var start = 0
            while start < events.count {
                let end = min(events.count, start + 2500)
                found += monitor.observe(Array(events[start..<end]))
                start = end
            }
            let band = monitor.profile(of: "host-7", endingAt: events[events.count - 1].timestamp, hours: 48)
            return (found, band, monitor.status)
        }
        let ring = run(1)
        let sparse = run(sparseEvents)
        #expect(ring.0.count > 10)
        #expect(sparse.0 == ring.0)
        #expect(sparse.1 == ring.1)
        #expect(sparse.2 == ring.2)
    }
}

extension LiveMonitorTests {
    /// The start-up rebuild feeds stored activity (time, type, entity) instead of events: the
    /// answers are those of the same events. And the "new type" firsts (with a repeated type
    /// short-cut) are exactly the first sightings, within the type capacity, of an
    /// established entity, as a brute-force walk finds them.
    /// A live event kept as what the monitor reads of it (`Activity(event)`, while the
    /// store's history loads) is judged as the event itself: places and indicators included,
    /// so the firsts of countries, networks and indicator kinds come out the same.
    @Test func aLiveEventsActivityAnswersAsTheEventDoes() {
        let planted = PlantedActivity(entities: 16, days: 24, bursts: 4, silences: 1, seed: 57)
        var random = TestRandom(seed: 57)
        let countries = ["DE", "US", nil]
        let indicators = [["198.51.100.7"], ["evil.example"], [], ["CVE-2026-1234", "10.0.0.1"]]
        let lastDay = (planted.events.map(\.timestamp).max() ?? Timestamp(microseconds: 0)).shifted(byMicroseconds: -86_400_000_000)
        let events = planted.events.map { e -> Event in
            // On the last day, now and then a place, a network and a kind of indicator never seen before.
            let novel = e.timestamp > lastDay && random.below(40) == 0
            let country = novel ? "KP" : countries[Int(random.below(countries.count))]
            let asn: UInt32? = novel ? 65_000 : random.below(4) == 0 ? nil : UInt32(64_500 + random.below(3))
            let details = country == nil && asn == nil ? nil : Event.Details(original: "{\"x\":1}", country: country, asn: asn)
            return Event(id: e.id, timestamp: e.timestamp, type: e.type, entity: random.below(50) == 0 ? nil : e.entity,
                         indicators: novel ? ["http://novel.example/x"] : indicators[Int(random.below(indicators.count))],
                         description: "kept out of the activity", details: details)
        }
        var byEvents = LiveAnomalyMonitor(options: LiveAnomalyMonitor.Options())
        var byActivity = LiveAnomalyMonitor(options: LiveAnomalyMonitor.Options())
        var foundByEvents: [Anomaly] = [], foundByActivity: [Anomaly] = []
        var start = 0
        while start < events.count {
            let chunk = Array(events[start..<min(events.count, start + 2500)])
            foundByEvents += byEvents.observe(chunk)
            foundByActivity += byActivity.observe(chunk.compactMap(LiveAnomalyMonitor.Activity.init))
            start += 2500
        }
        #expect(foundByEvents.contains { $0.kind == .rare } && foundByEvents.contains { $0.kind == .rate })
        #expect(foundByActivity == foundByEvents)
        #expect(byActivity.status == byEvents.status)
        #expect(LiveAnomalyMonitor.Activity(Event(id: "x", timestamp: Timestamp(microseconds: 0), type: "t", entity: "")) == nil)
    }

    @Test func activityAnswersAsEventsDoAndTypeFirstsAreExact() {
        let planted = PlantedActivity(entities: 40, days: 28, bursts: 10, silences: 3, seed: 91)
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        // An empty type is a type too (the first sight of it is a first like any other).
        let types = ["conn", "dns", "http", "ssl", "smtp", "ssh", "notice", ""]
        // Mostly each entity's usual type, now and then another, so types repeat and change.
        // Countries the same way: mostly one, now and then another of eight (past the capacity of five).
        let countries = ["DE", "US", "RU", "CN", "FR", "BR", "IN", "JP"]
        let events = planted.events.map { e -> Event in
            let type = next() % 10 < 7 ? types[Int(UInt64(e.entity?.utf8.count ?? 0) % 3)] : types[Int(next() % 8)]
            var event = Event(id: e.id, timestamp: e.timestamp, type: type, entity: e.entity)
            let country = next() % 10 < 8 ? countries[Int(UInt64(e.entity?.utf8.count ?? 0) % 2)] : countries[Int(next() % 8)]
            event.details = Event.Details(country: country)
            return event
        }
        var options = LiveAnomalyMonitor.Options()
        options.typeCapacity = 5
        var byEvents = LiveAnomalyMonitor(options: options)
        var byActivity = LiveAnomalyMonitor(options: options)
        var foundByEvents: [Anomaly] = [], foundByActivity: [Anomaly] = []
        var start = 0
        while start < events.count {
            let chunk = Array(events[start..<min(events.count, start + 3000)])
            foundByEvents += byEvents.observe(chunk)
            foundByActivity += byActivity.observe(chunk.map {
                LiveAnomalyMonitor.Activity(time: $0.timestamp, type: $0.type, entity: $0.entity ?? "", country: $0.details?.country)
            })
            start += 3000
        }
        #expect(foundByEvents.count > 10)
        #expect(foundByActivity == foundByEvents)
        #expect(byActivity.status == byEvents.status)

        // Brute force: per entity, the types and countries seen (at most five each), its event
        // count and first hour.
        var seen: [String: [String]] = [:], counts: [String: Int] = [:], first: [String: Int64] = [:]
        var seenCountries: [String: [String]] = [:]
        var expected: [String] = [], expectedCountries: [String] = []
        for e in events {
            guard let name = e.entity else { continue }
            let hour = HourlyCounts.hour(of: e.timestamp)
            first[name] = min(first[name] ?? hour, hour)
            let established = (counts[name] ?? 0) >= options.minimumEvents
                && hour - (first[name] ?? hour) >= Int64(SeasonalResiduals.minimumHours)
            var list = seen[name] ?? []
            if !list.contains(e.type), list.count < options.typeCapacity {
                list.append(e.type)
                if established { expected.append(name + " new type " + e.type) }
            }
            seen[name] = list
            if let country = e.details?.country {
                var places = seenCountries[name] ?? []
                if !places.contains(country), places.count < options.typeCapacity {
                    places.append(country)
                    if established { expectedCountries.append(name + " new country " + country) }
                }
                seenCountries[name] = places
            }
            counts[name, default: 0] += 1
        }
        let countryFirsts = foundByEvents.filter { $0.kind == .rare && $0.detail.hasPrefix("new country") }.map { $0.entity + " " + $0.detail }
        #expect(!expectedCountries.isEmpty)
        #expect(countryFirsts == expectedCountries)
        let typeFirsts = foundByEvents.filter { $0.kind == .rare && $0.detail.hasPrefix("new type") }.map { $0.entity + " " + $0.detail }
        #expect(!expected.isEmpty)
        #expect(typeFirsts == expected)

        // An entity whose very first event has an empty type: that type takes one of its
        // places like any other, so with two places "dns" is past the capacity, with three a first.
        let hour: Int64 = 3_600_000_000, origin: Int64 = 1_795_132_800_000_000
        func activity(_ type: String, at h: Int64) -> LiveAnomalyMonitor.Activity {
            LiveAnomalyMonitor.Activity(time: Timestamp(microseconds: origin + h * hour), type: type, entity: "host-1")
        }
        for (places, firsts) in [(2, [String]()), (3, ["new type dns"])] {
            var small = LiveAnomalyMonitor.Options()
            small.typeCapacity = places
            var monitor = LiveAnomalyMonitor(options: small)
            _ = monitor.observe([activity("", at: 0)] + (1..<30).map { activity("conn", at: Int64($0) * 3) })
            let late = monitor.observe([activity("dns", at: 100), activity("", at: 100), activity("conn", at: 101)])
            #expect(late.filter { $0.kind == .rare }.map(\.detail) == firsts, "\(places) places")
        }
    }
}
