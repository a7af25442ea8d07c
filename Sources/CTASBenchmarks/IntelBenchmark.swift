import CTASCore
import CTASFeeds
import Foundation

/// `ctas bench intel`: imports a generated MISP feed of N attributes with the real `ctas intel
/// import` (attributes/s), then ingests the same generated event feed into a data directory
/// without intelligence and into one holding those N indicators (some of them the feed's own),
/// alternating, best of two each: the ingest rate with intelligence matched against every
/// event, and its slowdown.
public enum IntelBenchmark {
    public struct Result: Codable, Sendable {
        public var attributes: Int
        public var events: Int
        public var importSeconds: Double
        public var attributesPerSecond: Double
        public var ingestWithoutIntelEventsPerSecond: Double
        public var ingestWithIntelEventsPerSecond: Double
        /// 1 − with/without: the share of ingest speed intelligence matching costs.
        public var slowdown: Double
        public var sightings: Int
        public var importPeakResidentBytes: Int
    }

    public static func run(attributes: Int, events: Int, seed: UInt64, directory: String, executable: String) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        var options = FeedGenerator.Options()
        options.seed = seed
        let feed = try fixture.generateFeed(named: "events.ndjson", events: events, options: options)

        // Indicators the feed holds (about one in a hundred of the attributes), then filler.
        let sample = (try? FileHandle(forReadingFrom: URL(fileURLWithPath: feed)).read(upToCount: 4 << 20)) ?? Data()
        var known = Array(Set(IndicatorExtractor().indicators(in: String(decoding: sample, as: UTF8.self)).filter { $0.kind != .other }))
            .sorted().prefix(max(1, attributes / 100))
        var random = BenchRandom(seed: seed)
        func next() -> UInt64 { random.next() }
        func hex(_ count: Int) -> String {
            var s = ""
            while s.count < count { s += String(next(), radix: 16) }
            return String(s.prefix(count))
        }
        let feedDir = directory + "/misp-feed"
        try FileManager.default.createDirectory(atPath: feedDir, withIntermediateDirectories: true)
        let perEvent = 10_000
        var manifest: [String] = []
        var written = 0
        var eventIndex = 0
        while written < attributes {
            let uuid = "00000000-0000-4000-8000-" + String(format: "%012x", eventIndex)
            var parts: [String] = []
            for _ in 0..<min(perEvent, attributes - written) {
                let (type, value): (String, String)
                if let indicator = known.popLast() {
                    switch indicator.kind {
                    case .ipv4, .ipv6: (type, value) = ("ip-dst", indicator.value)
                    case .domain: (type, value) = ("domain", indicator.value)
                    case .url: (type, value) = ("url", indicator.value)
                    case .email: (type, value) = ("email-src", indicator.value)
                    case .md5: (type, value) = ("md5", indicator.value)
                    case .sha1: (type, value) = ("sha1", indicator.value)
                    case .sha256: (type, value) = ("sha256", indicator.value)
                    case .cve: (type, value) = ("vulnerability", indicator.value)
                    case .other: (type, value) = ("domain", "x\(written).bench-intel.net")
                    }
                } else {
                    switch next() % 5 {
                    case 0: (type, value) = ("ip-dst", "\(next() % 223 + 1).\(next() % 256).\(next() % 256).\(next() % 256)")
                    case 1: (type, value) = ("domain", "\(hex(10)).bench-intel.net")
                    case 2: (type, value) = ("md5", hex(32))
                    case 3: (type, value) = ("sha256", hex(64))
                    default: (type, value) = ("url", "http://\(hex(8)).bench-intel.org/\(hex(6))")
                    }
                }
                parts.append("{\"type\":\"\(type)\",\"value\":\"\(value)\",\"to_ids\":true,\"category\":\"Network activity\"}")
                written += 1
            }
            let event = "{\"Event\":{\"uuid\":\"\(uuid)\",\"info\":\"bench \(eventIndex)\",\"date\":\"2026-11-01\",\"timestamp\":\"1790000000\",\"Attribute\":[" + parts.joined(separator: ",") + "]}}"
            try event.write(toFile: feedDir + "/\(uuid).json", atomically: false, encoding: .utf8)
            manifest.append("\"\(uuid)\":{\"info\":\"bench \(eventIndex)\"}")
            eventIndex += 1
        }
        try ("{" + manifest.joined(separator: ",") + "}").write(toFile: feedDir + "/manifest.json", atomically: false, encoding: .utf8)

        let withIntel = directory + "/with-intel"
        let without = directory + "/without-intel"
        let started = MonotonicClock.nanoseconds()
        let imported = try BenchFixture.spawnMeasured(executable, ["intel", "import", feedDir, "--data-dir", withIntel], stdout: directory + "/import.json")
        let importSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
        guard imported.status == 0 else { throw BenchError.childFailed(command: "ctas intel import", status: imported.status) }
        // A copy of the intelligence for each run, so every ingest starts from the same store.
        let intelStore = directory + "/intel-only.sqlite"
        try FileManager.default.copyItem(atPath: withIntel + "/warm.sqlite", toPath: intelStore)

        var rates: (with: [Double], without: [Double]) = ([], [])
        var sightings = 0
        for round in 0..<4 {
            let intel = round % 2 == 1
            let data = intel ? withIntel : without
            try? FileManager.default.removeItem(atPath: data)
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            if intel { try FileManager.default.copyItem(atPath: intelStore, toPath: data + "/warm.sqlite") }
            let begin = MonotonicClock.nanoseconds()
            let status = try BenchFixture.spawnAndWait(executable, ["ingest", feed, "--data-dir", data, "--quiet", "--no-geoip"], stdout: fixture.summaryPath)
            let seconds = Double(MonotonicClock.nanoseconds() - begin) / 1e9
            guard status == 0 else { throw BenchError.childFailed(command: "ctas ingest", status: status) }
            let summary = try fixture.storedSummary()
            if intel { sightings = summary.intelSightings ?? 0; rates.with.append(Double(summary.accepted) / seconds) } else { rates.without.append(Double(summary.accepted) / seconds) }
        }
        let withRate = rates.with.max() ?? 0
        let withoutRate = rates.without.max() ?? 0
        return Result(attributes: attributes, events: events, importSeconds: BenchFixture.round3(importSeconds),
                      attributesPerSecond: (Double(attributes) / importSeconds).rounded(),
                      ingestWithoutIntelEventsPerSecond: withoutRate.rounded(), ingestWithIntelEventsPerSecond: withRate.rounded(),
                      slowdown: withoutRate > 0 ? BenchFixture.round3(1 - withRate / withoutRate) : 0, sightings: sightings,
                      importPeakResidentBytes: imported.peakResidentBytes)
    }
}
