import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation

/// `ctas bench graph`: builds the correlation graph from a generated feed with the real
/// `ctas ingest` (a child process), then measures what the analyst waits for: loading the
/// graph, and 2-hop neighbor queries around the busiest events and indicators. In the same
/// run, the same queries on a plain dictionary-of-sets graph (what a script would build) are
/// the reference. Also reports the graph tier's size on disk.
public enum GraphBenchmark {
    public struct Timing: Codable, Sendable {
        public var focus: String
        public var hops: Int
        public var includeOvercorrelated: Bool
        public var neighbors: Int
        public var p50Micros: Double
        public var p99Micros: Double
        public var maxMicros: Double
        /// The dictionary-of-sets reference on the same query (nil when not run).
        public var referenceP50Micros: Double?
    }

    public struct ClusterTiming: Codable, Sendable {
        public var recentEvents: Int
        public var clustersFound: Int
        public var p50Millis: Double
        public var maxMillis: Double
    }

    public struct Result: Codable, Sendable {
        public var events: Int
        public var ingestSeconds: Double
        public var ingestEventsPerSecond: Double
        public var graphEvents: Int
        public var graphNodes: Int
        public var graphEdges: Int
        public var loadSeconds: Double
        public var graphMemoryBytes: Int
        /// Bytes of the graph tables and their index in the database file, per million events ingested.
        public var graphDiskBytes: Int?
        public var graphDiskBytesPerMillionEvents: Int?
        public var warmDiskBytes: Int?
        public var timings: [Timing]
        /// The correlation pane's strongest clusters (the newest 20,000 events grouped, as the
        /// console asks every 2 s while events arrive): how long one answer takes.
        public var clusters: ClusterTiming?
        /// Reference p50 ÷ CTAS p50 on the busiest-event 2-hop query.
        public var speedupOverReference: Double?
        public var peakResidentBytes: Int
    }

    /// `reuse`: keep a graph ingested by an earlier run in `directory` (same events and seed)
    /// and only measure the queries.
    public static func run(events: Int, seed: UInt64, directory: String, executable: String, repeats: Int = 50,
                           reference: Bool = true, reuse: Bool = false) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        var ingestSeconds = 0.0
        let summary: IngestSummary
        if reuse && FileManager.default.fileExists(atPath: fixture.summaryPath) {
            summary = try fixture.storedSummary()
        } else {
            try fixture.reset()
            var options = FeedGenerator.Options()
            options.seed = seed
            options.plantedCampaigns = 200
            let feedPath = try fixture.generateFeed(named: "graph-feed.ndjson", events: events, options: options)
            (ingestSeconds, summary) = try fixture.ingest([feedPath])
        }

        let path = fixture.warmDatabase
        let loadStart = MonotonicClock.nanoseconds()
        let tier: GraphTier
        do throws(StoreError) {
            tier = try GraphTier.openForReading(path: path, warninglist: .builtIn(), retention: RoutingRules.builtIn().graphRetention)
        } catch {
            throw BenchError.store("\(error)")
        }
        let loadSeconds = Double(MonotonicClock.nanoseconds() - loadStart) / 1e9
        let graph = tier.graph
        let sizes = tableSizes(tier.database)

        // The busiest events: of a sample, those whose default 2-hop neighborhood is largest.
        var rng = SeededRandom(seed: seed ^ 0xBE4C)
        var candidates: [(id: String, total: Int)] = []
        for _ in 0..<min(3_000, graph.eventCount) {
            let id = graph.event(CorrelationGraph.EventSlot(rng.below(graph.eventCount))).id
            let total = graph.neighbors(NeighborQuery(focus: .event(id), hops: 2, limit: 50))?.total ?? 0
            candidates.append((id, total))
        }
        let busiest = candidates.sorted { $0.total > $1.total }.prefix(10).map(\.id)
        // The most popular indicator that is not warninglisted.
        var topNode: CorrelationGraph.NodeID?
        var topCount = 0
        for node in 0..<graph.nodeCount {
            let n = CorrelationGraph.NodeID(node)
            let count = graph.eventCount(of: n)
            if count > topCount && graph.describe(n, threshold: 20).warninglisted == nil {
                topCount = count
                topNode = n
            }
        }

        let naive = reference ? NaiveGraph(graph) : nil
        var timings: [Timing] = []
        func measure(_ focuses: [GraphFocus], hops: Int, include: Bool, label: String) {
            var samples: [Double] = []
            var references: [Double] = []
            var neighbors = 0
            for round in 0..<repeats {
                for focus in focuses {
                    let query = NeighborQuery(focus: focus, hops: hops, limit: 50, includeOvercorrelated: include)
                    let start = MonotonicClock.nanoseconds()
                    let answer = graph.neighbors(query)
                    samples.append(Double(MonotonicClock.nanoseconds() - start) / 1e3)
                    neighbors = max(neighbors, answer?.total ?? 0)
                    if let naive, round < max(3, repeats / 5) {
                        let s = MonotonicClock.nanoseconds()
                        _ = naive.neighbors(query)
                        references.append(Double(MonotonicClock.nanoseconds() - s) / 1e3)
                    }
                }
            }
            samples.sort()
            references.sort()
            timings.append(Timing(focus: label, hops: hops, includeOvercorrelated: include, neighbors: neighbors,
                                  p50Micros: round1(samples[samples.count / 2]),
                                  p99Micros: round1(samples[min(samples.count - 1, samples.count * 99 / 100)]),
                                  maxMicros: round1(samples.last ?? 0),
                                  referenceP50Micros: references.isEmpty ? nil : round1(references[references.count / 2])))
        }
        measure(busiest.map { .event($0) }, hops: 2, include: false, label: "10 busiest events (of 3,000 sampled)")
        if let topNode {
            let focus = GraphFocus.indicator(graph.indicator(topNode))
            measure([focus], hops: 2, include: false, label: "most popular indicator (\(topCount) events)")
            measure(busiest.prefix(3).map { .event($0) }, hops: 2, include: true, label: "3 busiest events, over-correlating values followed")
        }
        var clusterSamples: [Double] = []
        var clustersFound = 0
        let clusterQuery = ClusterQuery()
        for _ in 0..<max(3, repeats / 5) {
            let start = MonotonicClock.nanoseconds()
            clustersFound = graph.clusters(clusterQuery).count
            clusterSamples.append(Double(MonotonicClock.nanoseconds() - start) / 1e6)
        }
        clusterSamples.sort()
        let clusters = ClusterTiming(recentEvents: clusterQuery.recentEvents, clustersFound: clustersFound,
                                     p50Millis: round1(clusterSamples[clusterSamples.count / 2]), maxMillis: round1(clusterSamples.last ?? 0))
        let first = timings.first
        let speedup = first.flatMap { t in t.referenceP50Micros.map { $0 / max(0.1, t.p50Micros) } }
        let perMillion = sizes.graph.map { Int(Double($0) / Double(max(1, summary.accepted)) * 1_000_000) }
        return Result(events: events, ingestSeconds: round1(ingestSeconds), ingestEventsPerSecond: summary.eventsPerSecond,
                      graphEvents: graph.eventCount, graphNodes: graph.nodeCount, graphEdges: graph.edgeCount,
                      loadSeconds: round1(loadSeconds * 1000) / 1000, graphMemoryBytes: graph.memoryBytes,
                      graphDiskBytes: sizes.graph, graphDiskBytesPerMillionEvents: perMillion, warmDiskBytes: sizes.warm,
                      timings: timings, clusters: clusters, speedupOverReference: speedup.map { round1($0) },
                      peakResidentBytes: ProcessStats.peakResidentBytes())
    }

    /// Bytes of the graph tables (with their index) and of the rest, from SQLite's dbstat
    /// table when the library has it.
    static func tableSizes(_ database: SQLiteDatabase) -> (graph: Int?, warm: Int?) {
        let graph = try? database.scalar("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'graph%'")
        let warm = try? database.scalar("SELECT sum(pgsize) FROM dbstat WHERE name NOT LIKE 'graph%'")
        return (graph.flatMap { $0 }.map(Int.init), warm.flatMap { $0 }.map(Int.init))
    }

    static func round1(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}

/// The reference: the graph as a script would hold it, dictionaries of string sets, and the
/// same breadth-first search with the same rules.
struct NaiveGraph {
    var eventIndicators: [String: [Indicator]] = [:]
    var indicatorEvents: [Indicator: Set<String>] = [:]
    var times: [String: Int64] = [:]
    var warninglisted: Set<Indicator> = []

    init(_ graph: CorrelationGraph) {
        for slot in 0..<graph.eventCount {
            let s = CorrelationGraph.EventSlot(slot)
            let e = graph.event(s)
            let values = graph.nodes(ofEvent: s).map(graph.indicator)
            eventIndicators[e.id] = values
            times[e.id] = e.time.microseconds
            for v in values { indicatorEvents[v, default: []].insert(e.id) }
        }
        for i in indicatorEvents.keys where graph.warninglist.match(i) != nil { warninglisted.insert(i) }
    }

    func neighbors(_ q: NeighborQuery) -> Int {
        var seenEvents: Set<String> = []
        var seenIndicators: Set<Indicator> = []
        var frontier: [String] = []
        var found: [(String, Int)] = []
        var firstStep = 1
        switch q.focus {
        case .event(let id):
            seenEvents.insert(id)
            frontier = [id]
        case .indicator(let i):
            seenIndicators.insert(i)
            for e in indicatorEvents[i] ?? [] where seenEvents.insert(e).inserted {
                found.append((e, 1))
                frontier.append(e)
            }
            firstStep = 2
        }
        if firstStep <= q.hops {
            for distance in firstStep...q.hops {
                var next: [String] = []
                for e in frontier {
                    for i in eventIndicators[e] ?? [] where seenIndicators.insert(i).inserted {
                        if warninglisted.contains(i) { continue }
                        let holders = indicatorEvents[i] ?? []
                        if !q.includeOvercorrelated && holders.count > q.overcorrelationThreshold { continue }
                        for n in holders where seenEvents.insert(n).inserted {
                            found.append((n, distance))
                            next.append(n)
                        }
                    }
                }
                frontier = next
            }
        }
        found.sort { a, b in a.1 != b.1 ? a.1 < b.1 : (times[a.0] ?? 0) > (times[b.0] ?? 0) }
        return found.count
    }
}
