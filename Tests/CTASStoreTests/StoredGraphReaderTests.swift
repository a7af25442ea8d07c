import CTASCore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASStore

/// `StoredGraphReader` answers from the rows a question may visit; the loaded graph answers
/// from every row. They must give the same neighborhoods, to the order and the counts.
@Suite struct StoredGraphReaderTests {
    private static let day: Int64 = 86_400

    /// A store of random events: values of popular and rare kinds (some held by more events
    /// than the threshold, some warninglisted), node ids of one, two and three varint bytes,
    /// events past the graph's retention, several types and severities.
    private static func makeStore(seed: UInt64) throws -> (path: String, values: [String], ids: [String]) {
        let path = scratchDirectory() + "/warm.sqlite"
        var rng = TestRandom(seed: seed)
        let warm = try WarmTier(path: path)
        let graph = try GraphTier(database: warm.database, warninglist: .builtIn(), retention: .seconds(400 * day))
        try graph.load()
        var events: [Event] = []
        var ids: [String] = []
        // Names under example.com and documentation addresses are warninglisted: the popular
        // values here are not, except two public resolvers.
        let values = (0..<600).map { "h\($0).corp-mail.net" } + ["8.8.8.8", "1.1.1.1", "45.33.12.9", "45.33.12.10"]
        for n in 0..<4_000 {
            // Five values of this event's own (node ids past 16,384 take three varint bytes),
            // and shared ones: mostly rare, a few popular.
            var listed = (0..<5).map { "u\(n)-\($0).evil-cdn.net" }
            for _ in 0..<(1 + rng.below(3)) {
                let pick = rng.unit()
                if pick < 0.08 {
                    listed.append(values[600 + rng.below(4)])
                } else if pick < 0.5 {
                    listed.append(values[rng.below(40)])
                } else {
                    listed.append(values[rng.below(600)])
                }
            }
            let days = n < 60 ? -500 : Int64(rng.below(60))
            let id = "evt-\(n)"
            ids.append(id)
            events.append(Event(id: id, timestamp: Timestamp(microseconds: (1_795_132_800 + days * day + Int64(n)) * 1_000_000),
                                type: ["c2_beacon", "phishing", "scan"][rng.below(3)], severity: rng.below(4) == 0 ? nil : Severity(1 + rng.below(10)),
                                indicators: listed))
        }
        for start in stride(from: 0, to: events.count, by: 500) {
            let batch = Array(events[start..<(start + 500)])
            let extractor = IndicatorExtractor()
            _ = try warm.commit([WarmTier.Part(events: batch)], deadLetterSize: 0, alsoWrite: { (inserted) throws(StoreError) in
                try graph.write(zip(batch, inserted).filter { $0.1 }.map { GraphTier.Entry(event: $0.0, indicators: extractor.indicators(of: $0.0)) }
                    .filter { !$0.indicators.isEmpty })
            })
        }
        return (path, values, ids)
    }

    @Test(arguments: [UInt64(7), 31])
    func storedAnswersAreTheLoadedGraphs(seed: UInt64) throws {
        let (path, values, ids) = try Self.makeStore(seed: seed)
        let retention = Duration.seconds(400 * Self.day)
        let loaded = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: retention)
        let reader = try StoredGraphReader(path: path, warninglist: .builtIn(), retention: retention)
        #expect(loaded.graph.nodeCount > 16_384, "node ids of three varint bytes")
        var rng = TestRandom(seed: seed ^ 0xABCD)
        var texts = (0..<40).map { _ in ids[rng.below(ids.count)] } + ids.prefix(3)
        texts += (0..<40).map { _ in values[rng.below(40)] } + values.suffix(4) + (0..<20).map { _ in values[rng.below(600)] }
        texts += ["H7[.]corp-mail[.]net", "hxxp://u5-1[.]evil-cdn[.]net", "never.example.org", "evt-none", ""]
        var compared = 0, differing: [String] = []
        var sawSkipped = false, sawWarninglisted = false, sawPastRetention = false
        for (k, text) in texts.enumerated() {
            let focus = try reader.resolve(text)
            #expect(focus == loaded.resolve(text), "\(text)")
            guard let focus else { continue }
            let hops = 1 + k % 3
            for (threshold, all, limit) in [(20, false, 50), (4, false, 10), (20, true, Int.max), (1, false, 3)] {
                if all && hops == 3 { continue }   // the whole graph: nothing to narrow
                let query = NeighborQuery(focus: focus, hops: hops, limit: limit, includeOvercorrelated: all, overcorrelationThreshold: threshold)
                let stored = try reader.neighbors(query)
                let whole = loaded.neighbors(query)
                compared += 1
                if stored != whole { differing.append("\(text) hops \(hops) threshold \(threshold) all \(all) limit \(limit)") }
                sawSkipped = sawSkipped || (whole?.skippedOvercorrelated ?? 0) > 0
                sawWarninglisted = sawWarninglisted || (whole?.skippedWarninglisted ?? 0) > 0
                // A focus value's events past retention are counted, never found.
                if case .indicator = focus, hops == 1, let whole, let count = whole.indicators.first?.events, count > whole.total { sawPastRetention = true }
            }
        }
        // Compared outside #expect: a difference between two large neighborhoods would print both whole.
        #expect(differing.isEmpty, "\(differing.count) of \(compared) differ: \(differing.prefix(5))")
        #expect(compared > 300 && sawSkipped && sawWarninglisted && sawPastRetention)
        #expect(reader.rowsHeld < loaded.graph.eventCount / 2, "a narrow question reads a part of the graph")
    }

    /// A focus the store does not hold, a store without a graph, and a damaged node list.
    @Test func unknownFocusesEmptyStoresAndDamagedRows() throws {
        let (path, _, _) = try Self.makeStore(seed: 3)
        let reader = try StoredGraphReader(path: path, warninglist: .builtIn(), retention: .seconds(400 * Self.day))
        #expect(try reader.neighbors(NeighborQuery(focus: .event("evt-none"))) == nil)
        #expect(try reader.neighbors(NeighborQuery(focus: .indicator(Indicator(.domain, "never.example.org")))) == nil)
        let database = try SQLiteDatabase(path: path)
        try database.execute("UPDATE graph_events SET nodes = x'FFFFFFFFFFFF' WHERE id = 'evt-100'")
        try database.execute("UPDATE graph_events SET nodes = x'FFFF7F' WHERE id = 'evt-101'")   // a node no graph_nodes row has
        #expect(throws: StoreError.self) { try reader.neighbors(NeighborQuery(focus: .event("evt-100"))) }
        #expect(throws: StoreError.self) { try reader.neighbors(NeighborQuery(focus: .event("evt-101"))) }
        // A scan meeting the damaged row fails too, rather than answering from part of the graph.
        #expect(throws: StoreError.self) { try reader.neighbors(NeighborQuery(focus: .event("evt-102"), hops: 3, includeOvercorrelated: true)) }

        let empty = scratchDirectory() + "/warm.sqlite"
        _ = try WarmTier(path: empty)
        let none = try StoredGraphReader(path: empty, warninglist: .builtIn(), retention: .seconds(400 * Self.day))
        #expect(try none.resolve("evt-1") == nil)
    }
}
