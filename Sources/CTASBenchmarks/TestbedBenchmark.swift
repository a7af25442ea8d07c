import CTASCore
import CTASEngine
import CTASFeeds
import CTASStore
import Foundation
import H3

/// `ctas bench testbed FEED`: CTAS's ingest against the Python testbed (`testbed/ctas_testbed.py`,
/// the same pipeline written plainly) on the same feed in the same run — how many times faster
/// CTAS is, end to end and per stage, and whether the two give the same answers.
///
/// Answers compared (every difference listed, a few by example): the accepted ids, the
/// rejected lines and their reasons, the indicators of each event (CTAS's as its graph tier
/// stored them), events per cell at one resolution (the event's resolution-15 cell's parent,
/// CTAS's definition), the correlation components (events linked through values neither
/// warninglisted nor held by more than the over-correlation limit; CTAS's own judgement of
/// each value), and the significant Gi* hot cells with their z-scores.
public enum TestbedBenchmark {
    /// One comparison: how many answers were compared and which differ.
    public struct Check: Codable, Sendable, Equatable {
        public var name: String
        public var compared: Int
        public var differences: Int
        /// The first differences, each naming both sides.
        public var examples: [String]
    }

    /// Seconds one stage took on each side, and the factor.
    public struct Stage: Codable, Sendable, Equatable {
        public var name: String
        /// CTAS's stages that do this work (they run concurrently; their busy time summed).
        public var ctasStages: [String]
        public var ctasSeconds: Double
        public var testbedSeconds: Double
        public var factor: Double
    }

    public struct Result: Codable, Sendable {
        public var feed: String
        public var events: Int
        public var ctasSeconds: Double
        public var testbedSeconds: Double
        public var ctasEventsPerSecond: Double
        public var testbedEventsPerSecond: Double
        /// CTAS events/s over the testbed's, wall time of each whole process.
        public var improvementFactor: Double
        public var stages: [Stage]
        public var checks: [Check]
        /// True when no check found a difference.
        public var answersMatch: Bool
    }

    /// What either side answered, in one shape.
    public struct Answers: Sendable {
        public var accepted: Set<String> = []
        /// Line number → reason key.
        public var rejected: [Int: String] = [:]
        /// Event id → its indicators as `kind value`.
        public var indicators: [String: Set<String>] = [:]
        /// Cell (hex) → events.
        public var cells: [String: Int] = [:]
        /// Each component's sorted event ids.
        public var components: Set<[String]> = []
        /// Significant hot cell (hex) → z.
        public var hotCells: [String: Double] = [:]
        public init() {}
    }

    public static let overcorrelationThreshold = CorrelationGraph.defaultOvercorrelationThreshold

    /// Runs both on `feed` and compares; every difference goes to `differencesPath` when given.
    public static func run(feed: String, directory: String, executable: String, python: String, script: String,
                           resolution: Int, differencesPath: String? = nil) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        let (ctasSeconds, summary) = try fixture.ingest([feed], extraArguments: ["--no-geoip"])
        let answersPath = directory + "/testbed-answers.json"
        let started = MonotonicClock.nanoseconds()
        let status = try BenchFixture.spawnMeasured(python, [script, feed, "--out", answersPath, "--resolution", String(resolution),
                                                              "--threshold", String(overcorrelationThreshold)],
                                                    stdout: directory + "/testbed-stdout.txt", stderr: directory + "/testbed-stderr.txt").status
        let testbedSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
        guard status == 0 else {
            // The scratch directory goes when the command ends: say what the testbed said.
            let said = (try? String(contentsOfFile: directory + "/testbed-stderr.txt", encoding: .utf8)) ?? ""
            let last = said.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw BenchError.store("\(python) \(script) exited with status \(status)\(last.isEmpty ? "" : ": " + last)")
        }
        let (testbed, testbedStages) = try readTestbed(answersPath)
        var ctasHotspotSeconds = 0.0
        let ctas = try readCTAS(dataDirectory: fixture.dataDirectory, resolution: resolution, hotspotSeconds: &ctasHotspotSeconds)
        var lines: [String] = []
        let checks = compare(ctas: ctas, testbed: testbed) { lines.append($0) }
        if let differencesPath {
            let text = lines.map { $0.replacingOccurrences(of: "\n", with: "\\n") + "\n" }.joined()
            guard FileManager.default.createFile(atPath: differencesPath, contents: Data(text.utf8)) else {
                throw BenchError.cannotCreate(path: differencesPath)
            }
        }

        func busy(_ names: [String]) -> Double { names.reduce(0) { $0 + (summary.stages[$1]?.busySeconds ?? 0) } }
        func stage(_ name: String, _ ctasStages: [String], _ testbedNames: [String], ctasSeconds: Double? = nil) -> Stage {
            let c = ctasSeconds ?? busy(ctasStages)
            let t = testbedNames.reduce(0) { $0 + (testbedStages[$1] ?? 0) }
            return Stage(name: name, ctasStages: ctasStages, ctasSeconds: BenchFixture.round3(c), testbedSeconds: BenchFixture.round3(t),
                         factor: c > 0 ? BenchFixture.round3(t / c) : 0)
        }
        let stages = [
            stage("read and validate", ["read", "parse"], ["parse"]),
            stage("extract indicators", ["route"], ["extract"]),
            stage("cells, correlate and store", ["fanout", "write"], ["cells", "correlate", "store"]),
            stage("hot spots", ["ctas hotspots"], ["hotspots"], ctasSeconds: ctasHotspotSeconds),
        ]
        let events = summary.accepted
        let ctasRate = ctasSeconds > 0 ? Double(events) / ctasSeconds : 0
        let testbedRate = testbedSeconds > 0 ? Double(testbed.accepted.count) / testbedSeconds : 0
        return Result(feed: feed, events: events, ctasSeconds: BenchFixture.round3(ctasSeconds), testbedSeconds: BenchFixture.round3(testbedSeconds),
                      ctasEventsPerSecond: ctasRate.rounded(), testbedEventsPerSecond: testbedRate.rounded(),
                      improvementFactor: testbedRate > 0 ? BenchFixture.round3(ctasRate / testbedRate) : 0,
                      stages: stages, checks: checks, answersMatch: checks.allSatisfy { $0.differences == 0 })
    }

    /// A generated feed for the comparison (a thousandth of its lines malformed, so rejects
    /// are compared too) in `directory`; returns its path.
    public static func generateFeed(events: Int, seed: UInt64, directory: String) throws -> String {
        let fixture = BenchFixture(directory: directory, executable: "")
        try fixture.reset()
        var options = FeedGenerator.Options()
        options.seed = seed
        options.malformedRate = 0.001
        return try fixture.generateFeed(named: "feed.ndjson", events: events, options: options)
    }

    // MARK: Reading each side

    /// CTAS's answers from a data directory it ingested into.
    public static func readCTAS(dataDirectory: String, resolution: Int, hotspotSeconds: inout Double) throws -> Answers {
        let directory = DataDirectory(path: dataDirectory)
        var answers = Answers()
        do {
            let database = try SQLiteDatabase(path: directory.warmDatabase, readOnly: true)
            let rows = try database.prepare("SELECT id, cell FROM events")
            while try rows.step() {
                guard let id = rows.text(0) else { continue }
                answers.accepted.insert(id)
                if !rows.isNull(1), let cell = try? H3.cellToParent(H3Index(UInt64(bitPattern: rows.int64(1))), res: resolution) {
                    answers.cells[cell.description, default: 0] += 1
                }
            }
            let tier = try GraphTier.openForReading(path: directory.warmDatabase, warninglist: .builtIn(), retention: .seconds(100 * 365 * 86_400))
            let graph = tier.graph
            for slot in 0..<graph.eventCount {
                let nodes = graph.nodes(ofEvent: CorrelationGraph.EventSlot(slot))
                guard !nodes.isEmpty else { continue }
                answers.indicators[graph.event(CorrelationGraph.EventSlot(slot)).id] = Set(nodes.map { node in
                    let indicator = graph.indicator(node)
                    return indicator.kind.name + " " + indicator.value
                })
            }
            answers.components = components(of: graph)
            let report = try HotspotReport.build(path: directory.warmDatabase, resolution: resolution, k: 1, window: nil, weighting: .count,
                                                 falseDiscoveryRate: 0.05, top: 0)
            hotspotSeconds = report.seconds
            for score in report.analysis.hotCells { answers.hotCells[score.cell.description] = score.z }
        } catch {
            throw BenchError.store("\(directory.warmDatabase): \(error)")
        }
        if let text = try? String(contentsOfFile: directory.deadLetterFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let number = object["line"] as? Int, let reason = object["reason"] as? String else { continue }
                answers.rejected[number] = reason
            }
        }
        return answers
    }

    /// Groups of two or more events linked through values the graph follows (neither
    /// warninglisted nor over-correlating, as the graph itself judges them).
    static func components(of graph: CorrelationGraph) -> Set<[String]> {
        var parent = Array(0..<graph.eventCount)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        for node in 0..<graph.nodeCount {
            let id = CorrelationGraph.NodeID(node)
            guard graph.eventCount(of: id) >= 2 else { continue }
            let described = graph.describe(id, threshold: overcorrelationThreshold)
            guard described.warninglisted == nil, !described.overcorrelated else { continue }
            var first: Int?
            graph.eventsOf(id) { slot in
                let r = root(Int(slot))
                if let f = first {
                    if r != f { parent[r] = f }
                } else {
                    first = r
                }
                return true
            }
        }
        var groups: [Int: [String]] = [:]
        for slot in 0..<graph.eventCount { groups[root(slot), default: []].append(graph.event(CorrelationGraph.EventSlot(slot)).id) }
        return Set(groups.values.filter { $0.count >= 2 }.map { $0.sorted() })
    }

    /// The testbed's answers and its stages' seconds.
    public static func readTestbed(_ path: String) throws -> (Answers, [String: Double]) {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchError.store("\(path): expected the testbed's answers (a JSON object)")
        }
        var answers = Answers()
        answers.accepted = Set(object["accepted"] as? [String] ?? [])
        for pair in object["rejected"] as? [[Any]] ?? [] {
            if pair.count == 2, let line = pair[0] as? Int, let key = pair[1] as? String { answers.rejected[line] = key }
        }
        for (id, found) in object["indicators"] as? [String: [[String]]] ?? [:] {
            answers.indicators[id] = Set(found.compactMap { $0.count == 2 ? $0[0] + " " + $0[1] : nil })
        }
        answers.cells = object["cells"] as? [String: Int] ?? [:]
        answers.components = Set((object["components"] as? [[String]] ?? []).map { $0.sorted() })
        for hot in object["hotspots"] as? [[String: Any]] ?? [] {
            if let cell = hot["cell"] as? String, let z = hot["z"] as? Double { answers.hotCells[cell] = z }
        }
        return (answers, object["seconds"] as? [String: Double] ?? [:])
    }

    // MARK: Comparing

    /// Every check, CTAS against the testbed.
    /// `everyDifference` receives each difference, named by its check, in order.
    public static func compare(ctas: Answers, testbed: Answers, examples: Int = 8,
                               everyDifference: (String) -> Void = { _ in }) -> [Check] {
        var checks: [Check] = []
        func check(_ name: String, compared: Int, _ differences: [String]) {
            let sorted = differences.sorted()
            for d in sorted { everyDifference(name + ": " + d) }
            checks.append(Check(name: name, compared: compared, differences: differences.count, examples: Array(sorted.prefix(examples))))
        }
        check("accepted ids", compared: ctas.accepted.union(testbed.accepted).count,
              ctas.accepted.subtracting(testbed.accepted).map { "\($0): accepted by CTAS only" }
                + testbed.accepted.subtracting(ctas.accepted).map { "\($0): accepted by the testbed only" })
        let lines = Set(ctas.rejected.keys).union(testbed.rejected.keys)
        check("rejected lines and reasons", compared: lines.count, lines.compactMap { line in
            let c = ctas.rejected[line], t = testbed.rejected[line]
            return c == t ? nil : "line \(line): CTAS \(c ?? "accepted"), testbed \(t ?? "accepted")"
        })
        let ids = Set(ctas.indicators.keys).union(testbed.indicators.keys).intersection(ctas.accepted.intersection(testbed.accepted))
        check("indicators per event", compared: ids.count, ids.compactMap { id in
            let c = ctas.indicators[id] ?? [], t = testbed.indicators[id] ?? []
            guard c != t else { return nil }
            let onlyC = c.subtracting(t).sorted(), onlyT = t.subtracting(c).sorted()
            return "\(id): CTAS only \(onlyC), testbed only \(onlyT)"
        })
        let cells = Set(ctas.cells.keys).union(testbed.cells.keys)
        check("events per cell", compared: cells.count, cells.compactMap { cell in
            ctas.cells[cell] == testbed.cells[cell] ? nil : "\(cell): CTAS \(ctas.cells[cell] ?? 0), testbed \(testbed.cells[cell] ?? 0)"
        })
        check("correlation components", compared: ctas.components.union(testbed.components).count,
              ctas.components.subtracting(testbed.components).map { "CTAS only: \($0.count) events from \($0.first ?? "")" }
                + testbed.components.subtracting(ctas.components).map { "testbed only: \($0.count) events from \($0.first ?? "")" })
        let hot = Set(ctas.hotCells.keys).union(testbed.hotCells.keys)
        check("hot cells and z", compared: hot.count, hot.compactMap { cell in
            guard let c = ctas.hotCells[cell], let t = testbed.hotCells[cell] else {
                return "\(cell): hot for \(ctas.hotCells[cell] == nil ? "the testbed" : "CTAS") only"
            }
            return abs(c - t) <= 1e-6 * max(1, abs(t)) ? nil : "\(cell): z \(c) against \(t)"
        })
        return checks
    }
}
