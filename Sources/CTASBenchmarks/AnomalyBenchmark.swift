import CTASCore
import CTASEngine
import CTASFeeds
import Foundation

/// `ctas bench anomalies`: generates per-entity activity (`gen-feed --anomalies`) for a small
/// and a large population over the same days, ingests each with the real `ctas ingest`, and
/// runs the real `ctas anomalies` on each (best of three): events scanned per second, the
/// scan's time against the ingest's, and memory per tracked entity as the difference of the
/// two runs' peak RSS over the difference of their entity counts (so what every process
/// carries anyway cancels out). Also ingest with live detection on and off (best of two
/// each, alternating) and how many of the planted anomalies each way found.
public enum AnomalyBenchmark {
    public struct Run: Codable, Sendable {
        public var entities: Int
        public var events: Int
        public var ingestSeconds: Double
        public var ingestEventsPerSecond: Double
        public var scanSeconds: Double
        public var scanEventsPerSecond: Double
        /// Scan time / ingest time for the same events.
        public var scanToIngest: Double
        public var scanPeakResidentBytes: Int
        public var planted: Int
        public var found: Int
        public var reported: Int
        /// Ingest with live detection off (`--no-anomalies`), best of two alternating with on.
        public var ingestWithoutLiveEventsPerSecond: Double
        public var ingestWithLiveEventsPerSecond: Double
        /// 1 − with/without: the share of ingest speed live detection costs.
        public var liveSlowdown: Double
        /// Planted anomalies the live run's summary lists.
        public var foundLive: Int
    }

    public struct Result: Codable, Sendable {
        public var days: Int
        public var small: Run
        public var large: Run
        /// (large − small peak RSS) / (large − small entities).
        public var bytesPerEntity: Double
    }

    public static func run(entities: Int, days: Int, seed: UInt64, directory: String, executable: String) throws -> Result {
        let small = try measure(entities: max(10, entities / 10), days: days, seed: seed, directory: directory + "/small", executable: executable)
        let large = try measure(entities: entities, days: days, seed: seed, directory: directory + "/large", executable: executable)
        let perEntity = Double(large.scanPeakResidentBytes - small.scanPeakResidentBytes) / Double(max(1, large.entities - small.entities))
        return Result(days: days, small: small, large: large, bytesPerEntity: perEntity)
    }

    struct Planted: Decodable {
        var entity: String
        var kind: String
        var start: String
        var end: String
        var detail: String?
    }

    static func measure(entities: Int, days: Int, seed: UInt64, directory: String, executable: String) throws -> Run {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        let feed = directory + "/activity.ndjson"
        let manifest = directory + "/planted.json"
        let planted = max(1, entities / 10)
        let gen = try BenchFixture.spawnAndWait(executable, ["gen-feed", "--anomalies", "\(planted)", "--entities", "\(entities)",
                                                             "--days", "\(days)", "--seed", "\(seed)", "--plant-manifest", manifest,
                                                             "-o", feed], stdout: "/dev/null")
        guard gen == 0 else { throw BenchError.childFailed(command: "ctas gen-feed --anomalies", status: gen) }
        // Live detection on and off, alternating, best of two each (fresh data directories).
        var withLive = Double.infinity
        var withoutLive = Double.infinity
        var liveSummary: IngestSummary?
        for round in 0..<2 {
            for live in (round == 0 ? [true, false] : [false, true]) {
                try? FileManager.default.removeItem(atPath: fixture.dataDirectory)
                let (seconds, summary) = try fixture.ingest([feed], extraArguments: live ? [] : ["--no-anomalies"])
                if live {
                    withLive = min(withLive, seconds)
                    liveSummary = summary
                } else {
                    withoutLive = min(withoutLive, seconds)
                }
            }
        }
        try? FileManager.default.removeItem(atPath: fixture.dataDirectory)
        let (ingestSeconds, summary) = try fixture.ingest([feed])
        let output = directory + "/anomalies.json"
        var best = Double.infinity
        var peak = 0
        for _ in 0..<3 {
            let started = MonotonicClock.nanoseconds()
            let (status, rss, _) = try BenchFixture.spawnMeasured(executable, ["anomalies", "--format", "json", "--data-dir", fixture.dataDirectory],
                                                               stdout: output)
            guard status == 0 else { throw BenchError.childFailed(command: "ctas anomalies", status: status) }
            best = min(best, Double(MonotonicClock.nanoseconds() - started) / 1e9)
            peak = max(peak, rss)
        }
        let truth = (try? JSONDecoder().decode([String: [Planted]].self, from: Data(contentsOf: URL(fileURLWithPath: manifest))))?["anomalies"] ?? []
        let report = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output)))) as? [String: Any]
        let found = report?["anomalies"] as? [[String: Any]] ?? []
        let hits = truth.filter { p in
            found.contains { a in
                guard a["entity"] as? String == p.entity, let start = a["start"] as? String, let end = a["end"] as? String,
                      let detail = a["detail"] as? String else { return false }
                if p.kind == "first" { return a["kind"] as? String == "rare" && detail == "new type \(p.detail ?? "")" }
                return a["kind"] as? String == "rate" && detail.hasPrefix(p.kind) && start < p.end && p.start < end
            }
        }.count
        let recent = liveSummary?.anomalies?.recent ?? []
        let liveHits = truth.filter { p in
            recent.contains { a in
                guard a.entity == p.entity else { return false }
                if p.kind == "first" { return a.kind == "rare" && a.detail == "new type \(p.detail ?? "")" }
                return a.kind == "rate" && a.detail.hasPrefix(p.kind) && a.start < p.end && p.start < a.end
            }
        }.count
        let events = Double(summary.accepted)
        return Run(entities: entities, events: summary.accepted, ingestSeconds: ingestSeconds,
                   ingestEventsPerSecond: Double(summary.accepted) / ingestSeconds, scanSeconds: best,
                   scanEventsPerSecond: Double(summary.accepted) / best, scanToIngest: best / ingestSeconds,
                   scanPeakResidentBytes: peak, planted: truth.count, found: hits, reported: found.count,
                   ingestWithoutLiveEventsPerSecond: events / withoutLive, ingestWithLiveEventsPerSecond: events / withLive,
                   liveSlowdown: 1 - withoutLive / withLive, foundLive: liveHits)
    }
}
