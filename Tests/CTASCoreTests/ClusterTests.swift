import Testing
@testable import CTASCore

/// The strongest clusters: groups of recent events through shared values, the benign and
/// the over-correlating left out, ranked by size and recency.
@Suite struct ClusterTests {
    func ts(_ seconds: Int64) -> Timestamp { Timestamp(microseconds: 1_795_000_000_000_000 + seconds * 1_000_000) }

    func graph() -> CorrelationGraph {
        let g = CorrelationGraph()
        func add(_ id: String, _ t: Int64, _ values: [Indicator], severity: Int? = nil, type: String = "c2_beacon") {
            g.addEvent(id: id, time: ts(t), type: type, severity: severity.flatMap(Severity.init), nodes: values.map { g.intern($0).node })
        }
        let popular = Indicator(.domain, "popular-cdn.net")
        for i in 0..<25 { add("noise\(i)", Int64(i), [popular, Indicator(.ipv4, "185.1.\(i).1")]) }
        // Campaign A: 4 events through one domain and a chain through an address.
        add("a1", 100, [Indicator(.domain, "evil-a.net")], severity: 5)
        add("a2", 110, [Indicator(.domain, "evil-a.net"), Indicator(.ipv4, "185.220.101.4")], severity: 9, type: "phishing")
        add("a3", 120, [Indicator(.ipv4, "185.220.101.4")])
        add("a4", 130, [Indicator(.domain, "evil-a.net"), Indicator(.ipv4, "8.8.8.8")])
        // Campaign B: 2 events, an hour later; linked to A only through 8.8.8.8 (warninglisted).
        add("b1", 3700, [Indicator(.sha256, String(repeating: "b", count: 64)), Indicator(.ipv4, "8.8.8.8")], type: "malware")
        add("b2", 3710, [Indicator(.sha256, String(repeating: "b", count: 64))], type: "malware")
        add("lonely", 3720, [Indicator(.domain, "alone.org")])
        return g
    }

    /// A span of time (the timeline's selection) keeps only the clusters of events inside it.
    @Test func aTimeRangeKeepsOnlyItsEvents() throws {
        let g = graph()
        let late = try #require(TimeRange(from: ts(3600), until: ts(4000)))
        let clusters = g.clusters(ClusterQuery(limit: 10, overcorrelationThreshold: 20, range: late))
        #expect(clusters.map(\.newest.id) == ["b2"])
        let early = try #require(TimeRange(from: ts(100), until: ts(125)))
        let a = g.clusters(ClusterQuery(limit: 10, overcorrelationThreshold: 20, range: early))
        #expect(a.map(\.newest.id) == ["a3"] && a.first?.size == 3, "a4 at 130 is outside")
        // A range holding more events than `recentEvents` keeps its newest ones.
        let capped = g.clusters(ClusterQuery(recentEvents: 2, limit: 10, overcorrelationThreshold: 20,
                                             range: TimeRange(from: ts(0), until: ts(5000))))
        #expect(capped.isEmpty, "the newest two (b2, lonely) share nothing")
        #expect(g.clusters(ClusterQuery(limit: 10, overcorrelationThreshold: 20, range: TimeRange(from: ts(9000), until: ts(9999)))).isEmpty)
    }

    /// A cluster's worst severity and top types, read from the graph's columns, are what its
    /// events say: one value shared by every event makes one cluster of all of them.
    @Test func severityAndTypesAreThoseOfTheEvents() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let typeNames = ["scan", "beacon", "phish", "exfil", "drop"]
        for round in 0..<40 {
            let g = CorrelationGraph()
            let shared = g.intern(Indicator(.domain, "shared-\(round).evil-campaign.net")).node
            var severities: [Int?] = []
            var types: [String] = []
            for i in 0..<(2 + next(30)) {
                let severity: Int? = next(4) == 0 ? nil : 1 + next(10)
                let type = typeNames[next(next(2) == 0 ? 2 : typeNames.count)]
                severities.append(severity)
                types.append(type)
                g.addEvent(id: "r\(round)-\(i)", time: ts(Int64(i)), type: type, severity: severity.flatMap(Severity.init), nodes: [shared])
            }
            let clusters = g.clusters(ClusterQuery(limit: 5, overcorrelationThreshold: 1_000))
            let cluster = try #require(clusters.first)
            #expect(clusters.count == 1 && cluster.size == types.count)
            #expect(cluster.maximumSeverity == severities.compactMap { $0 }.max().flatMap(Severity.init), "round \(round)")
            let counts = Dictionary(types.map { ($0, 1) }, uniquingKeysWith: +)
            let expected = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3).map(\.key)
            #expect(cluster.types == expected, "round \(round)")
        }
    }

    @Test func groupsThroughSharedValuesOnly() throws {
        let clusters = graph().clusters(ClusterQuery(limit: 10, overcorrelationThreshold: 20))
        #expect(clusters.count == 2, "\(clusters.map(\.newest.id))")
        let a = try #require(clusters.first { $0.newest.id == "a4" })
        #expect(a.size == 4)
        #expect(a.maximumSeverity == Severity(9))
        #expect(a.first == ts(100) && a.last == ts(130))
        #expect(a.indicators.map(\.indicator.value) == ["evil-a.net", "185.220.101.4"])
        #expect(a.indicators.map(\.events) == [3, 2])
        #expect(a.types == ["c2_beacon", "phishing"])
        #expect(a.timeline.reduce(0, +) == 4 && a.timeline.count == 12)
        let b = try #require(clusters.first { $0.newest.id == "b2" })
        #expect(b.size == 2 && b.types == ["malware"])
        // size × (0.5 + worst severity / 20) / (1 + hours behind the newest event).
        #expect(abs(a.score - 4 * 0.95 / (1 + 3590.0 / 3600)) < 1e-9)
        #expect(abs(b.score - 2 * 0.5 / (1 + 10.0 / 3600)) < 1e-9)
        #expect(clusters.map(\.newest.id) == ["a4", "b2"])
    }

    @Test func aRaisedThresholdLetsTheCommonValueLinkAndTheWindowLimitsTheSearch() throws {
        let g = graph()
        let all = g.clusters(ClusterQuery(limit: 10, overcorrelationThreshold: 30))
        #expect(all.contains { $0.size == 25 }, "the 25 events through popular-cdn.net: \(all.map(\.size))")
        // Only the newest three events: b1, b2 and lonely.
        let recent = g.clusters(ClusterQuery(recentEvents: 3, limit: 10))
        #expect(recent.map(\.newest.id) == ["b2"])
        #expect(g.clusters(ClusterQuery(limit: 0)).isEmpty)
        #expect(CorrelationGraph().clusters(ClusterQuery()).isEmpty)
        g.retentionCutoff = ts(3000)
        #expect(g.clusters(ClusterQuery()).map(\.newest.id) == ["b2"], "past retention: left out")
    }

    /// Ranking the groups before describing them gives what describing every group and
    /// ranking the descriptions gives: on random graphs with ties in score and time, benign
    /// and over-correlating values, windows, ranges, limits and retention.
    @Test func theBestGroupsAreThoseEveryDescriptionRanks() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var compared = 0
        for round in 0..<60 {
            let g = CorrelationGraph()
            let pool = (0..<(5 + next(60))).map { i -> Indicator in
                next(10) == 0 ? Indicator(.ipv4, "8.8.\(i % 4).8") : Indicator(.domain, "v\(i).round\(round).example-evil.net")
            }
            let events = 20 + next(400)
            for i in 0..<events {
                let values = (0..<(1 + next(3))).map { _ in g.intern(pool[next(pool.count)]).node }
                // Coarse times and few severities: scores and newest times often tie.
                g.addEvent(id: "e\(next(1000))-\(i)", time: ts(Int64(next(events / 4 + 1)) * 60), type: ["a", "b", "c"][next(3)],
                           severity: next(3) == 0 ? nil : Severity(1 + next(3) * 4), nodes: Array(Set(values)))
            }
            if next(4) == 0 { g.retentionCutoff = ts(Int64(next(events / 8 + 1)) * 60) }
            let range = next(3) == 0 ? TimeRange(from: ts(Int64(next(events / 8 + 1)) * 60), until: ts(Int64(events / 4 + 1) * 60)) : nil
            let query = ClusterQuery(recentEvents: next(2) == 0 ? 20_000 : 10 + next(events), limit: 1 + next(25),
                                     overcorrelationThreshold: 2 + next(40), range: range)
            let ranked = g.clusters(query)
            let plain = g.clusters(query, describingAll: true)
            #expect(ranked == plain, "round \(round): \(ranked.map(\.newest.id)) against \(plain.map(\.newest.id))")
            #expect(ranked.map(\.sampleIDs) == plain.map(\.sampleIDs), "round \(round)")
            if !plain.isEmpty { compared += 1 }
        }
        #expect(compared > 40, "most rounds have clusters to compare")
    }
}
