import CTASCore
import CTASStore
import Testing
@testable import CTASEngine

/// An engine on a stored graph reads only its nodes before the first commit; the stored event
/// rows follow in steps between commits, and this run's events join after them.
@Suite struct GraphLoadTests {
    @Test func aRestartCommitsWhileTheGraphLoadsAndEndsWithWhatAFreshLoadReads() async throws {
        let dir = scratch()
        let (first, _) = try await writeFeed(dir, events: 4_000, seed: 21)
        _ = await (try Engine(config([.file(first)], dir))).run()
        let (second, _) = try await writeFeed(dir, events: 3_000, seed: 22, name: "more.ndjson")
        var c = config([.file(second)], dir)
        // Steps so small that the run's events arrive while they go on (GraphTierTests covers
        // the interleaving step by step; here it depends on the threads' timing).
        c.graphLoadStep = 1
        let engine = try Engine(c)
        let summary = await engine.run()
        #expect(summary.accepted > 2_000)
        let status = engine.snapshot.graph
        #expect(status.loaded && status.loadSeconds > 0)
        let fresh = try GraphTier.openForReading(path: dir + "/data/warm.sqlite", warninglist: .builtIn(), retention: c.rules.graphRetention)
        #expect(status.events == fresh.storedEvents && status.nodes == fresh.graph.nodeCount && status.notHeld == 0)
        // Both runs' events, in the same slots: every question gets the fresh load's answer.
        var asked = 0
        for node in stride(from: 0, to: fresh.graph.nodeCount, by: max(1, fresh.graph.nodeCount / 40)) {
            let query = NeighborQuery(focus: .indicator(fresh.graph.indicator(CorrelationGraph.NodeID(node))), limit: 500)
            let answer = await engine.neighbors(query)
            #expect(answer == fresh.neighbors(query), "\(query.focus)")
            asked += answer == nil ? 0 : 1
        }
        for slot in stride(from: 0, to: fresh.graph.eventCount, by: max(1, fresh.graph.eventCount / 40)) {
            let query = NeighborQuery(focus: .event(fresh.graph.event(CorrelationGraph.EventSlot(slot)).id), limit: 500)
            #expect(await engine.neighbors(query) == fresh.neighbors(query), "\(query.focus)")
        }
        #expect(asked >= 30)
        // Slot for slot: the stored events, then this run's (committed while the load went on).
        let held = await engine.graphEventIDs()
        #expect(held.count == fresh.graph.eventCount)
        #expect(held == (0..<fresh.graph.eventCount).map { fresh.graph.event(CorrelationGraph.EventSlot($0)).id })
        let clusters = ClusterQuery()
        #expect(Set(await engine.clusters(clusters).map(\.newest.id)) == Set(fresh.clusters(clusters).map(\.newest.id)))
    }

    /// A question asked as the engine starts, while the stored graph loads in steps, waits and
    /// gets the whole answer: every stored neighbour (and maybe some of this run's).
    @Test func aQuestionAskedWhileTheGraphLoadsWaitsForTheWholeAnswer() async throws {
        let dir = scratch()
        let (first, _) = try await writeFeed(dir, events: 4_000, seed: 31)
        _ = await (try Engine(config([.file(first)], dir))).run()
        let stored = try GraphTier.openForReading(path: dir + "/data/warm.sqlite", warninglist: .builtIn(), retention: .seconds(365 * 86_400))
        // The stored event with the most neighbours among the first few hundred.
        let queries = (0..<min(300, stored.graph.eventCount)).map {
            NeighborQuery(focus: .event(stored.graph.event(CorrelationGraph.EventSlot($0)).id), limit: 100_000)
        }
        let query = try #require(queries.max { (stored.neighbors($0)?.neighbors.count ?? 0) < (stored.neighbors($1)?.neighbors.count ?? 0) })
        let before = Set(try #require(stored.neighbors(query)).neighbors.map(\.event.id))
        #expect(before.count >= 5)
        let (second, _) = try await writeFeed(dir, events: 3_000, seed: 32, name: "more.ndjson")
        var c = config([.file(second)], dir)
        c.graphLoadStep = 1
        let engine = try Engine(c)
        async let run = engine.run()
        let answer = await engine.neighbors(query)
        let found = await engine.resolveInGraph(before.sorted().first ?? "")
        _ = await run
        let ids = Set(answer?.neighbors.map(\.event.id) ?? [])
        #expect(before.isSubset(of: ids), "\(before.subtracting(ids).count) of \(before.count) stored neighbours missing")
        #expect(found != nil)
    }
}
