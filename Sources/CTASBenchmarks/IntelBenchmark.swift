import CTASCore
import CTASFeeds
import Foundation

/// `ctas bench intel`: imports a generated MISP feed of N attributes with the real `ctas intel
/// import` (attributes/s), then ingests the same generated event feed into a data directory
/// without intelligence and into one holding those N indicators, alternating, best of
/// `rounds` each: the ingest rate with intelligence matched against every event, and its slowdown.
///
/// How many of the feed's own values the intelligence holds decides how many events are
/// sighted, and each sighting is written: the measured store holds `feedValues` of them (by
/// default 100: about one event in a hundred carries one, as intelligence hits go in a
/// SOC's telemetry); a second store, the same but holding one attribute in a hundred from
/// the feed (every event is sighted, some twice), gives the worst case beside it.
public enum IntelBenchmark {
    public struct Result: Codable, Sendable {
        public var attributes: Int
        public var events: Int
        /// The best of `rounds` imports, each into a fresh data directory.
        public var importSeconds: Double
        public var attributesPerSecond: Double
        /// Values of the event feed the measured store holds.
        public var feedValues: Int
        public var ingestWithoutIntelEventsPerSecond: Double
        public var ingestWithIntelEventsPerSecond: Double
        /// 1 − with/without: the share of ingest speed intelligence matching costs.
        public var slowdown: Double
        public var sightings: Int
        /// Sightings per ingested event.
        public var sightingsPerEvent: Double
        /// The same with one attribute in a hundred from the feed (every event sighted).
        public var denseFeedValues: Int
        public var denseIngestWithIntelEventsPerSecond: Double
        public var denseSlowdown: Double
        public var denseSightings: Int
        /// Processor time (user and system) of the best ingest round without and with the
        /// measured store, and 1 − without/with: the share of the work intelligence adds,
        /// steadier than the rates on a shared machine.
        public var cpuSecondsWithoutIntel: Double
        public var cpuSecondsWithIntel: Double
        public var cpuSlowdown: Double
        /// The median over rounds of each round's slowdown against the round without
        /// intelligence just before it (wall time, and processor time): steadier than the
        /// best of each kind when the machine's speed drifts between rounds.
        public var pairedSlowdownMedian: Double
        public var pairedCPUSlowdownMedian: Double
        /// Imports, and ingests of each kind.
        public var rounds: Int
        /// The highest peak resident size of the imports.
        public var importPeakResidentBytes: Int
    }

    public static func run(attributes: Int, events: Int, feedValues: Int = 100, rounds: Int = 3, seed: UInt64, directory: String,
                           executable: String) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        var options = FeedGenerator.Options()
        options.seed = seed
        let feed = try fixture.generateFeed(named: "events.ndjson", events: events, options: options)

        // Indicators the feed holds (one in a hundred of the attributes), then filler.
        let sample = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: feed)).read(upToCount: 4 << 20)) ?? Data()
        let known = Array(Set(IndicatorExtractor().indicators(in: String(decoding: sample, as: UTF8.self)).filter { $0.kind != .other }))
            .sorted().prefix(max(1, attributes / 100))
        // Which of them the measured store keeps: spread over the sorted list, not its head.
        let step = max(1, known.count / max(1, min(feedValues, known.count)))
        let kept = Set(stride(from: 0, to: known.count, by: step).prefix(feedValues).map { known[known.startIndex + $0] })
        var random = BenchRandom(seed: seed)
        func next() -> UInt64 { random.next() }
        func hex(_ count: Int) -> String {
            var s = ""
            while s.count < count { s += String(next(), radix: 16) }
            return String(s.prefix(count))
        }
        var attributeList: [(type: String, value: String, fromFeed: Bool)] = []
        attributeList.reserveCapacity(attributes)
        var pending = Array(known)
        while attributeList.count < attributes {
            if let indicator = pending.popLast() {
                let type: String
                switch indicator.kind {
                case .ipv4, .ipv6: type = "ip-dst"
                case .domain, .other: type = "domain"
                case .url: type = "url"
                case .email: type = "email-src"
                case .md5: type = "md5"
                case .sha1: type = "sha1"
                case .sha256: type = "sha256"
                case .cve: type = "vulnerability"
                }
                attributeList.append((type, indicator.kind == .other ? "x\(attributeList.count).bench-intel.net" : indicator.value,
                                      kept.contains(indicator)))
            } else {
                switch next() % 5 {
                case 0: attributeList.append(("ip-dst", "\(next() % 223 + 1).\(next() % 256).\(next() % 256).\(next() % 256)", false))
                case 1: attributeList.append(("domain", "\(hex(10)).bench-intel.net", false))
                case 2: attributeList.append(("md5", hex(32), false))
                case 3: attributeList.append(("sha256", hex(64), false))
                default: attributeList.append(("url", "http://\(hex(8)).bench-intel.org/\(hex(6))", false))
                }
            }
        }
        /// Writes the feed; `dense` keeps every value taken from the event feed, otherwise
        /// those not kept become filler of the same kind of attribute.
        func writeFeed(_ feedDir: String, dense: Bool) throws {
            try FileManager.default.createDirectory(atPath: feedDir, withIntermediateDirectories: true)
            let perEvent = 10_000
            var manifest: [String] = []
            var eventIndex = 0
            var start = 0
            while start < attributeList.count {
                let uuid = "00000000-0000-4000-8000-" + String(format: "%012x", eventIndex)
                var parts: [String] = []
                for i in start..<min(start + perEvent, attributeList.count) {
                    let a = attributeList[i]
                    let value = dense || a.fromFeed || i >= known.count ? a.value : "k\(i).bench-intel.net"
                    let type = value == a.value ? a.type : "domain"
                    parts.append("{\"type\":\"\(type)\",\"value\":\"\(value)\",\"to_ids\":true,\"category\":\"Network activity\"}")
                }
                let event = "{\"Event\":{\"uuid\":\"\(uuid)\",\"info\":\"bench \(eventIndex)\",\"date\":\"2026-11-01\",\"timestamp\":\"1790000000\",\"Attribute\":[" + parts.joined(separator: ",") + "]}}"
                try event.write(toFile: feedDir + "/\(uuid).json", atomically: false, encoding: .utf8)
                manifest.append("\"\(uuid)\":{\"info\":\"bench \(eventIndex)\"}")
                eventIndex += 1
                start += perEvent
            }
            try ("{" + manifest.joined(separator: ",") + "}").write(toFile: feedDir + "/manifest.json", atomically: false, encoding: .utf8)
        }
        let feedDir = directory + "/misp-feed"
        let denseFeedDir = directory + "/misp-feed-dense"
        try writeFeed(feedDir, dense: false)
        try writeFeed(denseFeedDir, dense: true)

        let withIntel = directory + "/with-intel"
        let without = directory + "/without-intel"
        // The import timed `rounds` times into a fresh data directory, best counts (like the
        // ingests: a slow spell of the machine is not the import's).
        var importSeconds = Double.infinity
        var importPeak = 0
        for _ in 0..<max(1, rounds) {
            try? FileManager.default.removeItem(atPath: withIntel)
            let started = MonotonicClock.nanoseconds()
            let imported = try BenchFixture.spawnMeasured(executable, ["intel", "import", feedDir, "--data-dir", withIntel], stdout: directory + "/import.json")
            let seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
            guard imported.status == 0 else { throw BenchError.childFailed(command: "ctas intel import", status: imported.status) }
            importSeconds = min(importSeconds, seconds)
            importPeak = max(importPeak, imported.peakResidentBytes)
        }
        // A copy of the intelligence for each run, so every ingest starts from the same store.
        let intelStore = directory + "/intel-only.sqlite"
        try FileManager.default.copyItem(atPath: withIntel + "/warm.sqlite", toPath: intelStore)
        let denseDir = directory + "/with-dense-intel"
        let denseImport = try BenchFixture.spawnAndWait(executable, ["intel", "import", denseFeedDir, "--data-dir", denseDir], stdout: directory + "/import-dense.json")
        guard denseImport == 0 else { throw BenchError.childFailed(command: "ctas intel import", status: denseImport) }
        let denseStore = directory + "/dense-intel-only.sqlite"
        try FileManager.default.copyItem(atPath: denseDir + "/warm.sqlite", toPath: denseStore)

        // Rounds interleaved (without, with, dense, without, …), best round of each: a slow
        // spell of this shared machine lands on every kind alike rather than on one.
        var rates: (with: [Double], dense: [Double], without: [Double]) = ([], [], [])
        var cpu: (with: [Double], dense: [Double], without: [Double]) = ([], [], [])
        var sightings = (measured: 0, dense: 0)
        for round in 0..<(3 * rounds) {
            let store: String? = [nil, intelStore, denseStore][round % 3]
            let data = [without, withIntel, denseDir][round % 3]
            try? FileManager.default.removeItem(atPath: data)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            if let store {
                try FileManager.default.copyItem(atPath: store, toPath: data + "/warm.sqlite")
                // On disk before the clock starts: otherwise the ingest's first checkpoint
                // (an fsync of this file) waited for the copy's 200 MB to be written out.
                let fd = open(data + "/warm.sqlite", O_RDONLY)
                if fd >= 0 { fsync(fd); close(fd) }
            }
            let begin = MonotonicClock.nanoseconds()
            let run = try BenchFixture.spawnMeasured(executable, ["ingest", feed, "--data-dir", data, "--quiet", "--no-geoip"], stdout: fixture.summaryPath)
            let seconds = Double(MonotonicClock.nanoseconds() - begin) / 1e9
            guard run.status == 0 else { throw BenchError.childFailed(command: "ctas ingest", status: run.status) }
            let summary = try fixture.storedSummary()
            let rate = Double(summary.accepted) / seconds
            switch round % 3 {
            case 0: rates.without.append(rate); cpu.without.append(run.cpuSeconds)
            case 1: rates.with.append(rate); cpu.with.append(run.cpuSeconds); sightings.measured = summary.intelSightings ?? 0
            default: rates.dense.append(rate); cpu.dense.append(run.cpuSeconds); sightings.dense = summary.intelSightings ?? 0
            }
        }
        let withRate = rates.with.max() ?? 0
        let denseRate = rates.dense.max() ?? 0
        let withoutRate = rates.without.max() ?? 0
        func slowdown(_ rate: Double) -> Double { withoutRate > 0 ? BenchFixture.round3(1 - rate / withoutRate) : 0 }
        let cpuWithout = cpu.without.min() ?? 0
        let cpuWith = cpu.with.min() ?? 0
        return Result(attributes: attributes, events: events, importSeconds: BenchFixture.round3(importSeconds),
                      attributesPerSecond: (Double(attributes) / importSeconds).rounded(), feedValues: kept.count,
                      ingestWithoutIntelEventsPerSecond: withoutRate.rounded(), ingestWithIntelEventsPerSecond: withRate.rounded(),
                      slowdown: slowdown(withRate), sightings: sightings.measured,
                      sightingsPerEvent: BenchFixture.round3(Double(sightings.measured) / Double(max(1, events))),
                      denseFeedValues: known.count, denseIngestWithIntelEventsPerSecond: denseRate.rounded(),
                      denseSlowdown: slowdown(denseRate), denseSightings: sightings.dense,
                      cpuSecondsWithoutIntel: BenchFixture.round3(cpuWithout), cpuSecondsWithIntel: BenchFixture.round3(cpuWith),
                      cpuSlowdown: cpuWith > 0 ? BenchFixture.round3(1 - cpuWithout / cpuWith) : 0,
                      pairedSlowdownMedian: BenchFixture.round3(Self.median(zip(rates.without, rates.with).map { $0 > 0 ? 1 - $1 / $0 : 0 })),
                      pairedCPUSlowdownMedian: BenchFixture.round3(Self.median(zip(cpu.without, cpu.with).map { $1 > 0 ? 1 - $0 / $1 : 0 })),
                      rounds: rounds,
                      importPeakResidentBytes: importPeak)
    }

    /// The median (the mean of the middle two for an even count; 0 for none).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
