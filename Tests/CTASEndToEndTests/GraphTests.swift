import CTASCore
import CTASFeeds
import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// A generated feed with planted correlations and its ground truth.
private struct PlantedFeed {
    var path: String
    var campaigns: [PlantedCampaign]
    var overcorrelated: PlantedCampaign

    init(dir: String, events: Int, campaigns: Int, seed: UInt64 = 11) throws {
        var options = FeedGenerator.Options()
        options.seed = seed
        options.plantedCampaigns = campaigns
        var generator = FeedGenerator(options: options)
        var data: [UInt8] = []
        for _ in 0..<events { generator.appendNext(to: &data) }
        path = dir + "/planted.ndjson"
        try Data(data).write(to: URL(fileURLWithPath: path))
        let planted = try #require(generator.planted)
        self.campaigns = planted.campaigns
        self.overcorrelated = planted.overcorrelated
    }
}

private func neighborsJSON(_ args: [String]) async throws -> [String: Any] {
    let result = try await CLI.run(["graph", "neighbors"] + args + ["--format", "json"])
    #expect(result.status == 0, "\(args): \(result.stderr)")
    return try #require(json(result.stdout), "\(result.stdout)")
}

private func neighborIDs(_ object: [String: Any]) -> Set<String> {
    Set(((object["neighbors"] as? [[String: Any]]) ?? []).compactMap { ($0["event"] as? [String: Any])?["id"] as? String })
}

@Suite(.serialized) struct GraphTests {
    /// Every planted value links exactly its campaign's events: no more, no fewer, whether
    /// listed or only written defanged in a description.
    @Test func plantedCorrelationsAreFoundExactly() async throws {
        let dir = scratchDir()
        let feed = try await onOwnThread { try PlantedFeed(dir: dir, events: 6_000, campaigns: 12) }
        let data = dir + "/data"
        #expect(try await CLI.run(["ingest", feed.path, "--data-dir", data, "--quiet"]).status == 0)
        #expect(feed.campaigns.count == 12 && feed.campaigns.allSatisfy { $0.events.count >= 3 })
        for campaign in feed.campaigns {
            for value in campaign.indicators {
                let n = try await neighborsJSON([value, "--data-dir", data, "--limit", "100"])
                #expect(neighborIDs(n) == Set(campaign.events), "\(campaign.name) \(value)")
                #expect(n["total"] as? Int == campaign.events.count)
            }
            // From one member, one hop reaches the others through both planted values.
            let first = try #require(campaign.events.first)
            let n = try await neighborsJSON([first, "--data-dir", data, "--limit", "1000"])
            #expect(neighborIDs(n).isSuperset(of: Set(campaign.events.dropFirst())), "\(campaign.name)")
        }
        // Defanged input names the same node.
        let domain = feed.campaigns[0].indicators[0]
        let defanged = try await neighborsJSON([domain.replacingOccurrences(of: ".", with: "[.]").uppercased(), "--data-dir", data])
        #expect(neighborIDs(defanged) == Set(feed.campaigns[0].events))
        // query events --indicator lists the same events, whole.
        let listed = try await CLI.run(["query", "events", "--indicator", domain, "--format", "ndjson", "--data-dir", data])
        let ids = listed.stdout.split(separator: "\n").compactMap { json(String($0))?["id"] as? String }
        #expect(Set(ids) == Set(feed.campaigns[0].events))
    }

    @Test func overcorrelatedValueIsShownWithItsCountAndFollowedOnlyWhenAsked() async throws {
        let dir = scratchDir()
        let feed = try await onOwnThread { try PlantedFeed(dir: dir, events: 2_000, campaigns: 2) }
        let data = dir + "/data"
        #expect(try await CLI.run(["ingest", feed.path, "--data-dir", data, "--quiet"]).status == 0)
        let shared = feed.overcorrelated
        #expect(shared.events.count == 25)
        let member = try #require(shared.events.first)
        let plain = try await neighborsJSON([member, "--data-dir", data, "--limit", "500"])
        let indicators = try #require(plain["indicators"] as? [[String: Any]])
        let node = try #require(indicators.first { $0["value"] as? String == shared.indicators[0] })
        #expect(node["events"] as? Int == 25)
        #expect(node["overcorrelated"] as? Bool == true)
        #expect((plain["skippedOvercorrelated"] as? Int ?? 0) >= 1)
        let named = try #require(plain["notFollowed"] as? [[String: Any]])
        #expect(named.contains { $0["value"] as? String == shared.indicators[0] && $0["reason"] as? String == "overcorrelated" && $0["events"] as? Int == 25 })
        let vias = ((plain["neighbors"] as? [[String: Any]]) ?? []).compactMap { ($0["via"] as? [String: Any])?["value"] as? String }
        #expect(!vias.contains(shared.indicators[0]), "not followed by default")
        let all = try await neighborsJSON([member, "--data-dir", data, "--limit", "500", "--include-overcorrelated"])
        #expect(neighborIDs(all).isSuperset(of: Set(shared.events.dropFirst())))
        // A higher threshold makes it an ordinary value.
        let raised = try await neighborsJSON([member, "--data-dir", data, "--limit", "500", "--overcorrelation", "25"])
        #expect(neighborIDs(raised).isSuperset(of: Set(shared.events.dropFirst())))
        // The text view says why.
        let text = try await CLI.run(["graph", "neighbors", member, "--data-dir", data])
        #expect(text.stdout.contains("over-correlating (> 20): not followed"))
        #expect(text.stdout.contains("not followed:\n"), "the values skipped are named: \(text.stdout)")
        #expect(text.stdout.contains(shared.indicators[0] + "  25 events  over-correlating (> 20)")
                || text.stdout.split(separator: "\n").contains { $0.contains(shared.indicators[0]) && $0.contains("25 events  over-correlating (> 20)") && !$0.contains(": not followed") })
    }

    @Test func warninglistedValuesNeverLinkEventsAndUserListsExtendIt() async throws {
        let dir = scratchDir()
        let feed = dir + "/feed.ndjson"
        let lines = [
            #"{"id":"a","ts":"2026-11-20T10:00:00Z","type":"dns","indicators":["8.8.8.8","evil-one.com"]}"#,
            #"{"id":"b","ts":"2026-11-20T10:00:01Z","type":"dns","indicators":["8.8.8.8"],"description":"lookup via www.example.com"}"#,
            #"{"id":"c","ts":"2026-11-20T10:00:02Z","type":"dns","description":"resolver 8.8.8[.]8 asked for evil-one[.]com and www.example.com"}"#,
            #"{"id":"d","ts":"2026-11-20T10:00:03Z","type":"dns","indicators":["noisy.internal-tool.net"]}"#,
            #"{"id":"e","ts":"2026-11-20T10:00:04Z","type":"dns","indicators":["noisy.internal-tool.net"]}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: feed, atomically: true, encoding: .utf8)
        let data = dir + "/data"
        #expect(try await CLI.run(["ingest", feed, "--data-dir", data, "--quiet"]).status == 0)
        let a = try await neighborsJSON(["a", "--data-dir", data, "--hops", "3"])
        #expect(neighborIDs(a) == ["c"], "only through evil-one.com, never through 8.8.8.8")
        #expect(a["skippedWarninglisted"] as? Int == 2, "8.8.8.8, then www.example.com two hops out")
        let resolver = try #require((a["indicators"] as? [[String: Any]])?.first { $0["value"] as? String == "8.8.8.8" })
        #expect(resolver["warninglisted"] as? String == "public resolvers")
        #expect(resolver["events"] as? Int == 3, "kept and counted")
        // Focused on, a warninglisted value still lists its events.
        #expect(neighborIDs(try await neighborsJSON(["8.8.8.8", "--data-dir", data])) == ["a", "b", "c"])
        // A user warninglist file (exact value and wildcard) extends the built-in one.
        #expect(neighborIDs(try await neighborsJSON(["d", "--data-dir", data])) == ["e"])
        let user = dir + "/mine.txt"
        try "[internal tools]\n*.internal-tool.net\n".write(toFile: user, atomically: true, encoding: .utf8)
        let d = try await neighborsJSON(["d", "--data-dir", data, "--warninglist", user])
        #expect(neighborIDs(d) == [])
        #expect((d["indicators"] as? [[String: Any]])?.first?["warninglisted"] as? String == "internal tools")
        // A bad warninglist file is a usage error naming file and line.
        try "[x]\n10.0.0.0/99\n".write(toFile: user, atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["graph", "neighbors", "d", "--data-dir", data, "--warninglist", user])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("mine.txt:2: expected a network"))
    }

    @Test func graphCommandErrorsAreClear() async throws {
        let dir = scratchDir()
        let empty = try await CLI.run(["graph", "neighbors", "x", "--data-dir", dir + "/none"])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no stored events yet"))
        let feed = dir + "/f.ndjson"
        try #"{"id":"a","ts":"2026-11-20T10:00:00Z","type":"t","indicators":["1.2.3.4"]}"#.write(toFile: feed, atomically: true, encoding: .utf8)
        #expect(try await CLI.run(["ingest", feed, "--data-dir", dir + "/d", "--quiet"]).status == 0)
        let missing = try await CLI.run(["graph", "neighbors", "evil\u{1b}[31m.com", "--data-dir", dir + "/d"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no event or indicator"))
        #expect(!missing.stderr.contains("\u{1b}"), "feed-like input is sanitized in messages")
        #expect(try await CLI.run(["graph", "neighbors", "a", "--hops", "4", "--data-dir", dir + "/d"]).status == 2)
        #expect(try await CLI.run(["graph", "neighbors", "a", "--limit", "-1", "--data-dir", dir + "/d"]).status == 2)
        let ok = try await CLI.run(["graph", "neighbors", "1.2.3.4", "--data-dir", dir + "/d"])
        #expect(ok.status == 0 && ok.stdout.contains("indicator ipv4 1.2.3.4"))
    }
}

/// The graph tier keeps the warm tier's durability contract: after `kill -9` at random
/// moments, the graph holds exactly the stored events that have indicators, each with
/// exactly its indicators; a restart completes it to the same graph a clean run builds.
@Suite(.serialized) struct GraphDurabilityTests {
    @Test func killNineLeavesTheGraphConsistentWithTheWarmTier() async throws {
        let dir = scratchDir()
        let feed = try await onOwnThread { try GeneratedFeed(dir: dir, events: 120_000, seed: 77, malformed: 0.01) }
        let data = dir + "/data"
        let args = ["ingest", feed.path, "--data-dir", data, "--quiet"]
        var rng = SystemRandomNumberGenerator()
        var audited = 0
        func stored() -> Int { (try? WarmReader(path: data + "/warm.sqlite").count()) ?? 0 }
        for round in 0..<4 {
            let before = stored()
            let (process, exit) = try CLI.start(args)
            if round > 0 {
                // Kill once this run has committed something (however loaded the machine is),
                // at a random moment after that.
                let deadline = Date().addingTimeInterval(60)
                while process.isRunning, stored() <= before, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            }
            _ = await signal(process, SIGKILL, after: Double.random(in: 0.05...(round < 2 ? 0.8 : 1.6), using: &rng))
            _ = await exit.status()
            // Killed before its first commit, a run leaves no store or an empty file.
            guard WarmReader.exists(at: data + "/warm.sqlite") else { continue }
            let audit = try await onOwnThread { try GraphAudit(data: data) }
            #expect(audit.problems == [], "round \(round)")
            if audit.warmEvents > 0 { audited += 1 }
        }
        #expect(audited >= 2, "the audits saw partial ingests")
        #expect(try await CLI.run(args).status == 0)
        let final = try await onOwnThread { try GraphAudit(data: data) }
        #expect(final.problems == [])
        #expect(final.warmEvents == feed.ids.count)

        // The same graph as one uninterrupted run.
        let clean = dir + "/clean"
        #expect(try await CLI.run(["ingest", feed.path, "--data-dir", clean, "--quiet"]).status == 0)
        let reference = try await onOwnThread { try GraphAudit(data: clean) }
        #expect(final.graphEvents == reference.graphEvents)
        #expect(final.distinctIndicators == reference.distinctIndicators)
        #expect(final.edges == reference.edges)
    }
}

/// Checks a data directory's graph against its warm tier.
private struct GraphAudit {
    var warmEvents = 0
    var graphEvents = 0
    var distinctIndicators = 0
    var edges = 0
    var problems: [String] = []

    init(data: String) throws {
        let path = data + "/warm.sqlite"
        let reader = try WarmReader(path: path)
        var query = EventQuery()
        query.limit = Int(Int32.max)
        let events = try reader.events(query)
        warmEvents = events.count
        let tier = try GraphTier.openForReading(path: path, warninglist: Warninglist(), retention: .seconds(10 * 365 * 86_400))
        let graph = tier.graph
        graphEvents = graph.eventCount
        edges = graph.edgeCount
        let extractor = IndicatorExtractor()
        var expectedGraphEvents = 0
        var values = Set<Indicator>()
        for event in events {
            let expected = extractor.indicators(of: event)
            values.formUnion(expected)
            let slot = graph.slot(ofEvent: event.id)
            if expected.isEmpty {
                if slot != nil { problems.append("\(event.id): in the graph without indicators") }
                continue
            }
            expectedGraphEvents += 1
            guard let slot else {
                problems.append("\(event.id): stored warm but missing from the graph")
                continue
            }
            let held = graph.nodes(ofEvent: slot).map(graph.indicator)
            if held != expected { problems.append("\(event.id): graph holds \(held), expected \(expected)") }
        }
        if graphEvents != expectedGraphEvents {
            problems.append("graph has \(graphEvents) events, the warm tier \(expectedGraphEvents) with indicators (extra or repeated rows)")
        }
        distinctIndicators = values.count
        let orphanFree = graph.unreferencedNodes().count
        if graph.nodeCount - orphanFree < values.count { problems.append("graph has fewer live nodes than distinct values") }
        if problems.count > 5 { problems = Array(problems.prefix(5)) + ["…"] }
    }
}
