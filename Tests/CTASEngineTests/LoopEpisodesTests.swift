import CTASCore
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASEngine

/// A looping replay with episodes: each pass gets indicator values of its own, so planted
/// campaigns stay walkable pass after pass instead of over-correlating.
@Suite struct LoopEpisodesTests {
    let episodes = LoopEpisodes(warninglist: .builtIn())

    /// A generated feed with planted campaigns, written to `dir`; its path and the campaigns.
    func plantedFeed(_ dir: String, seed: UInt64, campaigns: Int, events: Int) throws -> (String, [PlantedCampaign]) {
        var options = FeedGenerator.Options()
        options.seed = seed
        options.plantedCampaigns = campaigns
        var generator = FeedGenerator(options: options)
        var bytes: [UInt8] = []
        for _ in 0..<events { generator.appendNext(to: &bytes) }
        let feed = dir + "/planted.ndjson"
        try Data(bytes).write(to: URL(fileURLWithPath: feed))
        return (feed, generator.planted?.campaigns ?? [])
    }

    /// The warninglist verdicts are remembered: asked again, and past the memo's limit, a
    /// value gets what a fresh instance gives it.
    @Test func rememberedVerdictsAnswerAsTheWarninglist() {
        let values: [Indicator] = [Indicator(.domain, "google.com"), Indicator(.domain, "gixquafel.io"), Indicator(.ipv4, "8.8.8.8"),
                                   Indicator(.ipv4, "185.220.101.4"), Indicator(.url, "https://www.google.com/x"), Indicator(.url, "http://gixquafel.io/a")]
        let fresh = values.map { LoopEpisodes(warninglist: .builtIn()).episodeValue($0, pass: 3) }
        #expect(fresh.contains(nil) && fresh.contains { $0 != nil }, "the values should mix kept and moved ones")
        let remembering = LoopEpisodes(warninglist: .builtIn())
        for round in 0..<3 {
            #expect(values.map { remembering.episodeValue($0, pass: 3) } == fresh, "round \(round)")
        }
        for n in 0..<(LoopEpisodes.memoLimit + 10) { _ = remembering.episodeValue(Indicator(.domain, "filler-\(n).example"), pass: 3) }
        #expect(values.map { remembering.episodeValue($0, pass: 3) } == fresh, "after the memo was cleared")
    }

    @Test func valuesMoveConsistentlyAndBenignOnesStay() {
        func value(_ kind: IndicatorKind, _ v: String, _ pass: Int = 2) -> String? { episodes.episodeValue(Indicator(kind, v), pass: pass) }
        #expect(value(.domain, "gixquafel.io") == "gixquafel-e2.io")
        #expect(value(.domain, "cdn.gixquafel.io") == "cdn.gixquafel-e2.io")
        #expect(value(.url, "http://gixquafel.io/wp/x.php") == "http://gixquafel-e2.io/wp/x.php")
        #expect(value(.url, "http://185.220.101.4:8080/a") == "http://185.220.175.4:8080/a")
        // No repetition after 256 passes (a CI run looped 517 times and met pass 5 again).
        #expect(value(.ipv4, "185.220.101.4", 5) != value(.ipv4, "185.220.101.4", 261))
        #expect(value(.md5, "d41d8cd98f00b204e9800998ecf8427e", 5) != value(.md5, "d41d8cd98f00b204e9800998ecf8427e", 261))
        #expect(Set((1...2000).compactMap { value(.ipv4, "185.220.101.4", $0) }).count == 2000)
        // Never moved into private or reserved space.
        #expect(value(.ipv4, "172.15.250.1", 1) == "172.32.31.1")
        #expect(value(.email, "it@nobka.com") == "it@nobka-e2.com")
        #expect(value(.ipv4, "185.220.101.4") == "185.220.175.4")
        #expect(value(.ipv4, "185.220.101.4", 3) != value(.ipv4, "185.220.101.4", 2))
        #expect(value(.md5, "d41d8cd98f00b204e9800998ecf8427e") == "d41d8cd98f00b204e9800998ecf84280")
        #expect(value(.sha256, String(repeating: "a", count: 60) + "ffff", 1) == String(repeating: "a", count: 60) + "0000")
        for kept in [Indicator(.ipv4, "10.1.2.3"), Indicator(.ipv4, "192.168.0.9"), Indicator(.ipv4, "8.8.8.8"),
                     Indicator(.cve, "CVE-2019-0708"), Indicator(.domain, "google.com")] {
            #expect(episodes.episodeValue(kept, pass: 2) == nil, "\(kept.value)")
        }
    }

    @Test func anEventsListedValuesAndDescriptionMoveTogether() {
        var e = Event(id: "x~2", timestamp: Timestamp(microseconds: 1), type: "c2_beacon",
                      indicators: ["185.220.101.4", "evil[.]com", "mutex-77"],
                      description: "beacon to hxxp://evil[.]com/gate from 185.220.101.4 via 10.0.0.5 (CVE-2019-0708)")
        episodes.rewrite(&e, pass: 2)
        #expect(e.indicators == ["185.220.175.4", "evil-e2.com", "mutex-77-e2"])
        #expect(e.description == "beacon to http://evil-e2.com/gate from 185.220.175.4 via 10.0.0.5 (CVE-2019-0708)")
        var first = e
        episodes.rewrite(&first, pass: 0)
        #expect(first == e, "pass 0 is left as recorded")
        // The same recorded event again, on other passes: what was found in it is remembered,
        // and the rewrite is what a fresh instance makes of it.
        for pass in [3, 2, 3] {
            var again = Event(id: "x~2", timestamp: Timestamp(microseconds: 1), type: "c2_beacon",
                              indicators: ["185.220.101.4", "evil[.]com", "mutex-77"],
                              description: "beacon to hxxp://evil[.]com/gate from 185.220.101.4 via 10.0.0.5 (CVE-2019-0708)")
            var fresh = again
            episodes.rewrite(&again, pass: pass)
            LoopEpisodes(warninglist: .builtIn()).rewrite(&fresh, pass: pass)
            #expect(again == fresh, "pass \(pass)")
            #expect(again.indicators.contains("evil-e\(pass).com") && again.description?.contains("http://evil-e\(pass).com/gate") == true)
        }
        // A text too long to be remembered is rewritten the same way.
        let long = String(repeating: "padding ", count: 200) + "beacon to hxxp://evil[.]com/gate"
        #expect(long.utf8.count > LoopEpisodes.memoTextBytes)
        for _ in 0..<2 {
            var e = Event(id: "y~3", timestamp: Timestamp(microseconds: 1), type: "c2_beacon", description: long)
            episodes.rewrite(&e, pass: 3)
            #expect(e.description?.hasSuffix("beacon to http://evil-e3.com/gate") == true)
        }
    }

    /// Six passes of a planted feed: with episodes a campaign's copy of pass 5 links exactly
    /// to its own pass's events; without, its values over-correlate.
    @Test(arguments: [true, false])
    func campaignsStayWalkableAfterManyPasses(episodes: Bool) async throws {
        let dir = scratch()
        let (feed, planted) = try plantedFeed(dir, seed: 11, campaigns: 2, events: 600)
        let campaign = try #require(planted.first)
        var c = config([.file(feed)], dir)
        c.loop = true
        c.loopEpisodes = episodes
        let engine = try Engine(c)
        engine.start()
        #expect(await waitFor { (engine.snapshot.sources.first?.pass ?? 0) >= 7 })
        _ = await engine.stop()
        let tier = try GraphTier.openForReading(path: dir + "/data/warm.sqlite", warninglist: .builtIn(), retention: .seconds(3650 * 86_400))
        let focus = try #require(campaign.events.first) + "~5"
        let n = try #require(tier.neighbors(NeighborQuery(focus: .event(focus), hops: 1, limit: 1000)))
        if episodes {
            #expect(n.indicators.allSatisfy { !$0.overcorrelated }, "\(n.indicators.map { "\($0.indicator.value) \($0.events)" })")
            let expected = Set(campaign.events.dropFirst().map { $0 + "~5" })
            #expect(Set(n.neighbors.map(\.event.id)).isSuperset(of: expected), "the campaign's own pass")
            #expect(n.neighbors.allSatisfy { $0.event.id.hasSuffix("~5") }, "\(n.neighbors.map(\.event.id))")
        } else {
            #expect(n.indicators.contains { $0.overcorrelated }, "the problem episodes solve")
        }
    }

    @Test func theEngineListsThePlantedCampaignsAsClusters() async throws {
        let dir = scratch()
        let (feed, campaigns) = try plantedFeed(dir, seed: 12, campaigns: 3, events: 3000)
        try #require(campaigns.count == 3)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        let clusters = await engine.clusters(ClusterQuery(limit: 10_000))
        for campaign in campaigns {
            // The group its values start: every campaign event holds both; a value shared
            // by one of them and another event may bring that event in (a real link too).
            let found = clusters.first { c in campaign.indicators.allSatisfy { v in c.indicators.contains { $0.indicator.value == v } } }
            #expect(found != nil, "\(campaign.name): \(clusters.prefix(20).map { "\($0.newest.id) \($0.size)" })")
            for value in campaign.indicators {
                #expect(found?.indicators.first { $0.indicator.value == value }?.events == campaign.events.count, "\(value)")
            }
            #expect((found?.size ?? 0) >= campaign.events.count && (found?.size ?? 0) <= campaign.events.count + 3)
            // What the warm tier adds: the entities and the risk of its events, as a direct
            // read of those events counts them.
            guard let found else { continue }
            #expect(found.sampleIDs.count == found.size)
            let stored = try WarmReader(path: dir + "/data/warm.sqlite").events(ids: found.sampleIDs, matching: EventQuery())
            var counts: [String: Int] = [:]
            for e in stored { if let entity = e.entity { counts[entity, default: 0] += 1 } }
            let expected = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
            #expect(found.entities.map(\.name) == expected.map(\.key) && found.entities.map(\.events) == expected.map(\.value))
            #expect(found.maximumRisk == stored.compactMap { $0.risk.map { Int($0.total) } }.max())
            #expect(found.intelScore == 0, "no intelligence imported")
        }
    }
}
