import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// `ctas bench growth` end to end on small feeds: every feed is ingested into one store, the
/// stored event times (read from the store, not from the report) follow each other or overlap
/// as asked, and the report's numbers add up.
@Suite struct GrowthBenchTests {
    @Test func consecutiveFeedsGrowOneStoreInTimeOrder() async throws {
        let dir = scratchDir()
        let run = try await CLI.run(["bench", "growth", "--feeds", "3", "--events", "1500", "--seed", "41",
                                     "--directory", dir + "/b", "--keep"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(json(run.stdout), "\(run.stdout)")
        let steps = try #require(result["steps"] as? [[String: Any]])
        #expect(steps.count == 3 && result["timing"] as? String == "consecutive")
        #expect(steps.map { $0["accepted"] as? Int } == [1500, 1500, 1500])
        #expect(steps.map { $0["duplicates"] as? Int } == [0, 0, 0] && steps.map { $0["rejected"] as? Int } == [0, 0, 0])
        #expect(steps.map { $0["storedBefore"] as? Int } == [0, 1500, 3000])
        let sizes = steps.compactMap { $0["storeBytes"] as? Int }
        #expect(sizes.count == 3 && sizes[0] > 0 && sizes[0] < sizes[1] && sizes[1] < sizes[2], "\(sizes)")
        let busy = steps.compactMap { $0["writeBusySeconds"] as? Double }
        #expect(busy.count == 3 && busy.allSatisfy { $0 > 0 }, "\(busy)")
        let rates = steps.compactMap { $0["eventsPerSecond"] as? Double }
        #expect(rates.count == 3 && rates.allSatisfy { $0 > 0 })
        let ratio = try #require(result["lastToFirst"] as? Double)
        #expect(abs(ratio - rates[2] / rates[0]) < 0.001)
        #expect(run.stderr.components(separatedBy: "\n").filter { $0.hasPrefix("feed ") }.count == 3, "a line per feed: \(run.stderr)")

        // The store holds every feed, and each feed's events come after the one before's.
        let db = try SQLiteDatabase(path: dir + "/b/data/warm.sqlite", readOnly: true)
        #expect(try db.scalar("SELECT count(*) FROM events") == 4500)
        for (earlier, later) in [(41, 42), (42, 43)] {
            let last = try #require(try db.scalar("SELECT max(ts) FROM events WHERE id LIKE 'evt-\(earlier)-%'"))
            let first = try #require(try db.scalar("SELECT min(ts) FROM events WHERE id LIKE 'evt-\(later)-%'"))
            #expect(first > last, "feed of seed \(later) starts after seed \(earlier)'s last event")
        }
        // The report's times are the stored ones.
        let firstStored = try #require(try db.scalar("SELECT min(ts) FROM events WHERE id LIKE 'evt-41-%'"))
        #expect(steps[0]["firstEventTime"] as? String == rfc3339(firstStored))
    }

    @Test func overlappingFeedsShareTheirHours() async throws {
        let dir = scratchDir()
        let run = try await CLI.run(["bench", "growth", "--feeds", "2", "--events", "800", "--seed", "5", "--overlapping",
                                     "--directory", dir + "/b", "--keep"])
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(json(run.stdout), "\(run.stdout)")
        #expect(result["timing"] as? String == "overlapping")
        let db = try SQLiteDatabase(path: dir + "/b/data/warm.sqlite", readOnly: true)
        #expect(try db.scalar("SELECT count(*) FROM events") == 1600)
        let lastOfFirst = try #require(try db.scalar("SELECT max(ts) FROM events WHERE id LIKE 'evt-5-%'"))
        let firstOfSecond = try #require(try db.scalar("SELECT min(ts) FROM events WHERE id LIKE 'evt-6-%'"))
        #expect(firstOfSecond < lastOfFirst, "the second feed's events fall among the first's")
    }

    @Test func aFeedCountOutOfRangeIsRefused() async throws {
        let dir = scratchDir()
        for feeds in ["0", "1001"] {
            let bad = try await CLI.run(["bench", "growth", "--feeds", feeds, "--events", "10", "--directory", dir + "/b"])
            #expect(bad.status == 2 && bad.stderr.contains("--feeds"), "\(bad.stderr)")
        }
        let noEvents = try await CLI.run(["bench", "growth", "--events", "0", "--directory", dir + "/b"])
        #expect(noEvents.status == 2 && noEvents.stderr.contains("--events"), "\(noEvents.stderr)")
    }

    private func rfc3339(_ micros: Int64) -> String {
        let seconds = micros / 1_000_000, fraction = micros % 1_000_000
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var text = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
        guard fraction > 0 else { return text }
        text.removeLast()   // the Z
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return text + "." + digits + "Z"
    }
}
