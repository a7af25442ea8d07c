import CTASCore
import CTASFeeds
import Foundation
import Testing

/// Eighteen days of generated activity (Monday to the third Thursday) split the way a
/// restarted engine meets it: the first sixteen days stored by an earlier run, the last two
/// live, with a burst of `host-0` at 10:00 on the last day that only the stored weeks make an
/// anomaly (two days alone are too short to judge it).
struct StoredAndLiveActivity {
    let stored: [Event]
    /// The last two days and the burst, in (time, id) order.
    let live: [Event]
    let burst: [Event]
    let burstHour: Timestamp

    init(entities: Int, seed: UInt64, in dir: String) throws {
        var options = ActivityGenerator.Options()
        options.entities = entities
        options.days = 18
        options.seed = seed
        var generator = ActivityGenerator(options: options)
        let path = dir + "/activity.ndjson"
        try BufferedOutput.writeFile(atPath: path) { generator.write(to: $0) }
        let generated = try FeedDecoderHelper.events(path)
        let first = try #require(generated.map(\.timestamp).min())
        let firstDay = first.microseconds.floorDivided(by: 86_400_000_000).quotient * 86_400_000_000
        let split = Timestamp(microseconds: firstDay + 16 * 86_400_000_000)
        burstHour = Timestamp(microseconds: firstDay + 17 * 86_400_000_000 + 10 * 3_600_000_000)
        let hour = burstHour
        burst = (0..<150).map { Event(id: "burst-\($0)", timestamp: hour.shifted(byMicroseconds: Int64($0) * 20_000_000), type: "conn", entity: "host-0") }
        stored = generated.filter { $0.timestamp < split }
        live = (generated.filter { $0.timestamp >= split } + burst).sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
    }

    /// Writes `events` as a native feed in `dir`; returns its path.
    static func write(_ events: [Event], named name: String, in dir: String) throws -> String {
        var bytes: [UInt8] = []
        for e in events { NDJSONEventWriter.append(e, to: &bytes) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name))
        return dir + "/" + name
    }
}
