import CTASCore
import CTASFeeds
import CTASGeoIP
import CTASStore
import Foundation

/// The demo the console opens when `ctas` runs without arguments: the bundled feed
/// (SampleData/demo-feed.ndjson) and recorded telemetry (SampleData/telemetry: Suricata EVE
/// alerts and Zeek logs) replayed in a loop at 20×, times shifted to now, into a demo data
/// directory of its own (`$XDG_DATA_HOME/ctas-demo`, else `~/.local/share/ctas-demo`) that
/// starts empty each time, so the demo never mixes with the analyst's data.
public enum DemoSession {
    public static let feedName = "demo-feed.ndjson"
    /// Recorded telemetry beside the feed (found next to it, under `telemetry/`).
    public static let telemetryNames = ["suricata-wrccdc-2017-alerts.json.gz", "zeek-notice.log.gz", "zeek-ssh.log.gz"]
    public static let speed = ReplaySpeed.factor(20)
    /// The demo's geolocation database beside the feed (under `geoip/`): the networks of the
    /// recorded telemetry's public addresses, from DB-IP City Lite (CC BY 4.0).
    public static let geoDatabaseName = "geoip/ctas-demo-city.mmdb"

    public static func dataDirectory(environment: [String: String]) -> DataDirectory {
        DataDirectory(path: DataDirectory.defaultPath(environment: environment) + "-demo")
    }

    /// The bundled feed: next to the working directory, or next to the binary (a SwiftPM build
    /// tree), or CTAS_DEMO_FEED.
    public static func bundledFeed(environment: [String: String], executable: String) -> String? {
        var candidates: [String] = []
        if let explicit = environment["CTAS_DEMO_FEED"] { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/SampleData/" + feedName)
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("SampleData/" + feedName).path)
            candidates.append(dir.appendingPathComponent("share/ctas/" + feedName).path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }

    /// The engine configuration for the demo. Clears the demo directory (unless another demo
    /// holds it) and, when the bundled feed cannot be found, generates the same feed there.
    public static func configuration(environment: [String: String], executable: String) throws -> Engine.Configuration {
        let directory = dataDirectory(environment: environment)
        try directory.create()
        for name in ["warm.sqlite", "warm.sqlite-wal", "warm.sqlite-shm", "dead-letter.ndjson", "anomaly-monitor.saved"] {
            try? FileManager.default.removeItem(atPath: directory.path + "/" + name)
        }
        var feed = bundledFeed(environment: environment, executable: executable)
        if feed == nil {
            let path = directory.path + "/" + feedName
            var options = FeedGenerator.Options()
            options.seed = 2026
            options.rate = 20
            options.malformedRate = 0.005
            var generator = FeedGenerator(options: options)
            do {
                try BufferedOutput.writeFile(atPath: path) { generator.write(events: 10_000, to: $0) }
            } catch {
                throw EngineError.cannotWrite(path: path, what: "the demo feed")
            }
            feed = path
        }
        var sources: [Engine.SourceSpec] = [.file(feed ?? feedName)]
        if let feed {
            let telemetry = URL(fileURLWithPath: feed).deletingLastPathComponent().appendingPathComponent("telemetry").path
            for name in telemetryNames where FileManager.default.isReadableFile(atPath: telemetry + "/" + name) {
                sources.append(.file(telemetry + "/" + name))
            }
        }
        var configuration = Engine.Configuration(sources: sources, dataDirectory: directory)
        if let feed {
            let database = URL(fileURLWithPath: feed).deletingLastPathComponent().appendingPathComponent(geoDatabaseName).path
            if FileManager.default.isReadableFile(atPath: database) {
                configuration.geolocator = try GeoLocator(paths: [database])
            }
        }
        configuration.speed = speed
        configuration.loop = true
        configuration.loopEpisodes = true
        configuration.rebaseToNow = true
        return configuration
    }
}
