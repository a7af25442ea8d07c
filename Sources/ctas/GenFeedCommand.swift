import ArgumentParser
import CTASCore
import CTASFeeds
import Foundation

struct GenFeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen-feed",
        abstract: "Generate a realistic, reproducible threat feed (NDJSON or CSV) on stdout.",
        discussion: """
            Events cluster around geographic hotspots with background noise; indicators recur with \
            Zipf-like popularity; entities act in bursts; descriptions carry defanged indicators. \
            --malformed-rate adds bad lines of every kind the parser must survive. A JSON line with the \
            counts of what was generated goes to stderr.
            """)

    @Option(help: "Number of valid events.")
    var events: Int = 1000

    @Option(help: "Random seed (the same seed gives the same feed).")
    var seed: UInt64 = 7

    @Option(help: "Event time of the first event.")
    var start: TimeValue?

    @Option(help: "Mean events per second of event time.")
    var rate: Double = 100

    @Option(help: "Share (0–1) of extra malformed or odd lines.")
    var malformedRate: Double = 0

    @Option(help: "Output format: ndjson or csv (native events), eve (Suricata EVE lines), zeek or zeek-json (a Zeek dns log).")
    var format: FeedFormat = .ndjson

    @Option(name: [.short, .long], help: "Write to FILE instead of stdout.")
    var output: String?

    @Option(help: "Plant N campaigns of correlated events (3–6 events each sharing a domain and an IP, some only in defanged text) and one value shared by 25 events.")
    var plant: Int = 0

    @Option(help: "Plant a dense cluster: LAT,LNG[,SHARE] puts SHARE (default 0.1) of the located events within a few km of the point (write --cluster=-1.29,36.82 for a negative latitude).")
    var cluster: String?

    @Option(help: "Write the planted correlations' (or anomalies') ground truth (JSON) to FILE.")
    var plantManifest: String?

    @Option(help: "Generate weeks of per-entity activity with daily and weekly cycles instead, planting N behaviour anomalies (bursts, silences, firsts; see --entities, --days). --events and --rate do not apply.")
    var anomalies: Int?

    @Option(help: "With --anomalies: how many entities.")
    var entities = 200

    @Option(help: "With --anomalies: how many days of activity (starting the Monday on or before --start).")
    var days = 28

    func validate() throws {
        guard events >= 0 else { throw ValidationError("--events must be 0 or more") }
        guard rate.isFinite, (0.001...1_000_000).contains(rate) else {
            throw ValidationError("--rate must be between 0.001 and 1000000 events per second of event time")
        }
        guard (0...1).contains(malformedRate) else { throw ValidationError("--malformed-rate must be between 0 and 1") }
        guard format != .auto else { throw ValidationError("--format must be ndjson, csv, eve, zeek or zeek-json") }
        if [.eve, .zeek, .zeekJSON].contains(format) && (malformedRate > 0 || plant > 0) {
            throw ValidationError("--malformed-rate and --plant apply to the native formats (ndjson, csv)")
        }
        guard (0...10_000).contains(plant) else { throw ValidationError("--plant must be 0–10000") }
        if let anomalies {
            guard (0...100_000).contains(anomalies) else { throw ValidationError("--anomalies must be 0–100000") }
            guard (1...1_000_000).contains(entities) else { throw ValidationError("--entities must be 1–1000000") }
            guard (1...366).contains(days) else { throw ValidationError("--days must be 1–366") }
            guard anomalies <= entities else { throw ValidationError("--anomalies must not exceed --entities (one anomaly per entity)") }
            guard format == .ndjson, malformedRate == 0, plant == 0, cluster == nil else {
                throw ValidationError("--anomalies writes native NDJSON activity: --format csv/eve/zeek, --malformed-rate, --plant and --cluster do not apply")
            }
        }
        if plantManifest != nil && plant == 0 && anomalies == nil { throw ValidationError("--plant-manifest needs --plant N or --anomalies N") }
        if let cluster, parsedCluster == nil {
            throw ValidationError("--cluster '\(SafeText.sanitize(cluster))': expected LAT,LNG or LAT,LNG,SHARE with latitude −90…90, longitude −180…180, share 0–1")
        }
    }

    /// `--cluster LAT,LNG[,SHARE]`.
    var parsedCluster: FeedGenerator.Cluster? {
        guard let cluster else { return nil }
        let parts = cluster.split(separator: ",").map { Double(String($0).trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2 || parts.count == 3, let lat = parts[0], let lng = parts[1],
              let point = GeoPoint(latitude: lat, longitude: lng) else { return nil }
        let share = parts.count == 3 ? parts[2] : 0.1
        guard let share, share > 0, share <= 1 else { return nil }
        return FeedGenerator.Cluster(point: point, share: share)
    }

    func run() throws {
        var options = FeedGenerator.Options()
        options.seed = seed
        if let start { options.start = start.timestamp }
        options.rate = rate
        options.malformedRate = malformedRate
        options.format = format
        options.plantedCampaigns = plant
        options.cluster = parsedCluster
        var generator = FeedGenerator(options: options)
        if let anomalies {
            var activity = ActivityGenerator.Options()
            activity.entities = entities
            activity.days = days
            activity.anomalies = anomalies
            activity.seed = seed
            if let start { activity.start = start.timestamp }
            var generator = ActivityGenerator(options: activity)
            try writeFeed { generator.write(to: $0) }
            if let plantManifest {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                struct Manifest: Encodable { var anomalies: [ActivityGenerator.Planted] }
                try Self.write(try encoder.encode(Manifest(anomalies: generator.planted)), inPlaceAt: plantManifest)
            }
            StandardStreams.writeErrorLine("{\"events\":\(generator.produced),\"planted\":\(generator.planted.count)}")
            return
        }
        if let kind = TelemetryGenerator.Kind(rawValue: format.rawValue) {
            var telemetry = TelemetryGenerator(kind: kind, options: options)
            try writeFeed { telemetry.write(records: events, to: $0) }
            StandardStreams.writeErrorLine("{\"records\":\(telemetry.produced)}")
            return
        }
        try writeFeed { generator.write(events: events, to: $0) }
        if let plantManifest, let planted = generator.planted {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            struct Manifest: Encodable { var campaigns: [PlantedCampaign]; var overcorrelated: PlantedCampaign }
            let data = try encoder.encode(Manifest(campaigns: planted.campaigns, overcorrelated: planted.overcorrelated))
            try Self.write(data, inPlaceAt: plantManifest)
        }
        let counts = generator.counts.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        StandardStreams.writeErrorLine("{\(counts)}")
    }

    /// Writes `data` to `path` in place (created or truncated, never renamed over: the path
    /// may be a device, a FIFO or a link).
    static func write(_ data: Data, inPlaceAt path: String) throws {
        do {
            try BufferedOutput.writeFile(atPath: path) { $0.write(Array(data)) }
        } catch let failure as BufferedOutput.FileFailure {
            throw RuntimeError("\(SafeText.sanitize(path)): cannot write manifest: \(String(cString: strerror(failure.code)))")
        }
    }

    /// Runs `body` on the feed's output, the file `--output` names or standard output, and
    /// throws when the feed could not be written whole (a full disk, an I/O error). The file
    /// is opened in place (created or truncated), never replaced: `createFile` wrote a new file
    /// and renamed it over the path, which turned `-o /dev/null` into a regular file (and would
    /// replace a FIFO or a symlink's link). A reader of standard output that stopped reading
    /// (`gen-feed | head`) is not an error.
    func writeFeed(_ body: (BufferedOutput) -> Void) throws {
        guard let output else {
            let out = BufferedOutput(fd: 1)
            body(out)
            out.flush()
            if let failure = out.failure, failure != EPIPE {
                throw RuntimeError("standard output: cannot write the feed: \(String(cString: strerror(failure)))")
            }
            return
        }
        do {
            try BufferedOutput.writeFile(atPath: output, body)
        } catch let failure as BufferedOutput.FileFailure {
            throw RuntimeError("\(SafeText.sanitize(output)): cannot write the feed: \(String(cString: strerror(failure.code)))")
        }
    }
}
