import CTASCore
import CTASEngine
import CTASFeeds
import Foundation

/// `ctas bench formats`: how fast each feed format is read (framing, gzip, parsing and mapping
/// to events, one thread), against the native NDJSON parser on the same number of records in
/// the same run; and, when lnav is installed, `ctas ingest` of a Zeek dns log (durable,
/// correlated) against lnav indexing the same file and counting its rows.
public enum FormatsBenchmark {
    public struct Rate: Codable, Sendable {
        public var format: String
        public var compressed: Bool
        public var records: Int
        public var bytes: Int64
        public var seconds: Double
        public var recordsPerSecond: Double
        /// This rate ÷ the native NDJSON rate, plain (target ≥ 0.5: within 2×).
        public var ratioToNative: Double
        /// This rate ÷ the native NDJSON rate of the same compression (a gzip file against
        /// native gzip): the parser's own cost, with gzip's paid on both sides.
        public var ratioToNativeSameCompression: Double
        public var rejects: Int
    }

    public struct LnavComparison: Codable, Sendable {
        public var records: Int
        public var lnav: String
        public var lnavSeconds: Double
        public var lnavPeakResidentBytes: Int
        public var lnavCount: Int?
        public var ctasIngestSeconds: Double
        public var ctasPeakResidentBytes: Int
        public var ctasAccepted: Int
        /// lnav's time ÷ CTAS's (above 1: CTAS is faster).
        public var speedupOverLnav: Double
    }

    public struct Result: Codable, Sendable {
        public var records: Int
        public var rates: [Rate]
        public var lnav: LnavComparison?
        public var cores: Int
    }

    /// Runs the benchmark. `formats` limits the telemetry formats read (nil: every one; the
    /// native reference always runs), for profiling one parser.
    public static func run(records: Int, seed: UInt64, directory: String, executable: String, lnavRecords: Int, repeats: Int = 3,
                           formats: Set<String>? = nil) throws -> Result {
        let fixture = BenchFixture(directory: directory, executable: executable)
        try fixture.reset()
        var options = FeedGenerator.Options()
        options.seed = seed
        var files: [(String, String)] = []
        let native = try fixture.generateFeed(named: "native.ndjson", events: records, options: options)
        files.append(("ndjson", native))
        for kind in TelemetryGenerator.Kind.allCases where formats?.contains(kind.rawValue) ?? true {
            let path = directory + "/telemetry." + kind.rawValue + (kind == .zeek ? ".log" : ".json")
            try write(kind, records: records, options: options, to: path)
            files.append((kind.rawValue, path))
        }
        // Every file is read once per round, rounds interleaved, and each keeps its best round:
        // a slow spell of this (shared, noisy) machine then costs every format alike.
        var inputs: [(format: String, compressed: Bool, path: String)] = []
        for (format, path) in files {
            for compressed in [false, true] { inputs.append((format, compressed, compressed ? try gzip(path) : path)) }
        }
        var best = [Double](repeating: .infinity, count: inputs.count)
        var counted = [(Int, Int)](repeating: (0, 0), count: inputs.count)
        for _ in 0..<max(1, repeats) {
            for (k, input) in inputs.enumerated() {
                let started = MonotonicClock.nanoseconds()
                counted[k] = try decode(input.path)
                best[k] = min(best[k], Double(MonotonicClock.nanoseconds() - started) / 1e9)
            }
        }
        var rates: [Rate] = []
        var nativeRate = 0.0, nativeCompressedRate = 0.0
        for (k, input) in inputs.enumerated() {
            let rate = Double(counted[k].0) / max(best[k], 1e-9)
            if input.format == "ndjson" {
                if input.compressed { nativeCompressedRate = rate } else { nativeRate = rate }
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: input.path)[.size] as? Int64) ?? 0
            rates.append(Rate(format: input.format, compressed: input.compressed, records: counted[k].0, bytes: bytes,
                              seconds: BenchFixture.round3(best[k]), recordsPerSecond: rate.rounded(), ratioToNative: 0, ratioToNativeSameCompression: 0,
                              rejects: counted[k].1))
        }
        func ratio(_ rate: Double, _ reference: Double) -> Double { reference > 0 ? BenchFixture.round3(rate / reference) : 0 }
        for i in rates.indices {
            rates[i].ratioToNative = ratio(rates[i].recordsPerSecond, nativeRate)
            rates[i].ratioToNativeSameCompression = ratio(rates[i].recordsPerSecond, rates[i].compressed ? nativeCompressedRate : nativeRate)
        }
        var lnav: LnavComparison?
        if lnavRecords > 0, let tool = BenchFixture.executable(named: "lnav") {
            lnav = try compareWithLnav(tool, records: lnavRecords, seed: seed, fixture: fixture)
        }
        return Result(records: records, rates: rates, lnav: lnav, cores: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The telemetry format names `--formats` takes.
    public static let formatNames = TelemetryGenerator.Kind.allCases.map(\.rawValue)

    static func write(_ kind: TelemetryGenerator.Kind, records: Int, options: FeedGenerator.Options, to path: String) throws {
        var generator = TelemetryGenerator(kind: kind, options: options)
        try BufferedOutput.writeFile(atPath: path) { generator.write(records: records, to: $0) }
    }

    /// Reads a file the way a source does (framing, gzip) and decodes every record; returns
    /// (events, rejects).
    static func decode(_ path: String) throws -> (Int, Int) {
        let reader = try FileFeedReader(path: path)
        var decoder = FeedDecoder(format: .auto, sourceName: path)
        var events = 0
        var rejects = 0
        while case .lines(let batch) = try reader.read(maxBytes: 1 << 20) {
            let out = try decoder.decode(batch)
            events += out.events.count
            rejects += out.rejects.count
        }
        return (events, rejects)
    }

    /// `gzip -1 -k` beside the file.
    static func gzip(_ path: String) throws -> String {
        guard let tool = BenchFixture.executable(named: "gzip") else { throw BenchError.cannotStart(executable: "gzip", reason: "not installed") }
        let status = try BenchFixture.spawnAndWait(tool, ["-1", "-k", "-f", path], stdout: "/dev/null")
        guard status == 0 else { throw BenchError.childFailed(command: "gzip", status: status) }
        return path + ".gz"
    }

    /// `ctas ingest` of a Zeek dns log against `lnav -n -c ';SELECT count(*) FROM bro_dns_log'`.
    static func compareWithLnav(_ lnav: String, records: Int, seed: UInt64, fixture: BenchFixture) throws -> LnavComparison {
        var options = FeedGenerator.Options()
        options.seed = seed ^ 0x1A4A
        let path = fixture.directory + "/dns.log"
        try write(.zeek, records: records, options: options, to: path)
        let lnavOut = fixture.directory + "/lnav.out"
        let started = MonotonicClock.nanoseconds()
        let (status, lnavRSS, _) = try BenchFixture.spawnMeasured(lnav, ["-n", "-c", ";SELECT count(*) FROM bro_dns_log", path], stdout: lnavOut,
                                                               environment: ["HOME=" + fixture.directory, "TERM=dumb"])
        let lnavSeconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
        guard status == 0 else { throw BenchError.childFailed(command: "lnav", status: status) }
        let text = (try? String(contentsOfFile: lnavOut, encoding: .utf8)) ?? ""
        let count = text.split(whereSeparator: \.isNewline).compactMap { Int($0.filter(\.isNumber)) }.last
        let (ctasSeconds, summary) = try fixture.ingest([path])
        return LnavComparison(records: records, lnav: lnav, lnavSeconds: BenchFixture.round3(lnavSeconds), lnavPeakResidentBytes: lnavRSS,
                              lnavCount: count, ctasIngestSeconds: BenchFixture.round3(ctasSeconds),
                              ctasPeakResidentBytes: summary.peakResidentBytes, ctasAccepted: summary.accepted,
                              speedupOverLnav: BenchFixture.round3(lnavSeconds / max(ctasSeconds, 1e-9)))
    }
}
