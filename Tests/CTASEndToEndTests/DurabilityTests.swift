import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing

/// The durability contract, proven on the real binary: `kill -9` at random moments during
/// ingest, then a restart of the same command, ends with every valid event stored exactly
/// once and every rejected line listed exactly once in the dead-letter file.
@Suite(.serialized) struct DurabilityTests {
    @Test func killNineAtRandomPointsLosesNothingAndRepeatsNothing() async throws {
        let dir = scratchDir()
        let feed = try await onOwnThread { try GeneratedFeed(dir: dir, events: 150_000, seed: 42, malformed: 0.01) }
        let data = dir + "/data"
        let args = ["ingest", feed.path, "--data-dir", data, "--quiet"]
        var rng = SystemRandomNumberGenerator()
        var killedMidway = 0
        for round in 0..<6 {
            let (process, exit) = try CLI.start(args)
            let delay = Double.random(in: 0.05...(round < 3 ? 0.8 : 2.0), using: &rng)
            if await signal(process, SIGKILL, after: delay) { killedMidway += 1 }
            _ = await exit.status()
        }
        #expect(killedMidway >= 3, "the kills landed mid-ingest")
        let final = try await CLI.run(args)
        #expect(final.status == 0, "\(final.stderr)")
        let summary = try #require(json(final.stdout))
        #expect(summary["failure"] == nil)

        let stored = try WarmReader(path: data + "/warm.sqlite").allIDs()
        #expect(stored.count == feed.ids.count, "every valid event stored")
        #expect(Set(stored) == feed.ids, "and exactly those")
        #expect(Set(stored).count == stored.count, "none stored twice")
        let warm = try WarmTier(path: data + "/warm.sqlite")
        let checkpoint = try #require(try warm.checkpoint(for: URL(fileURLWithPath: feed.path).resolvingSymlinksInPath().path))
        #expect(checkpoint.offset == Int64(feed.bytes), "the checkpoint reached the end of the file")
        let letters = try String(contentsOfFile: data + "/dead-letter.ndjson", encoding: .utf8).split(separator: "\n")
        #expect(letters.count == feed.rejects, "each rejected line listed once, despite the kills")
        // Running again finds nothing left to do.
        let again = try #require(json(try await CLI.run(args).stdout))
        #expect(again["accepted"] as? Int == 0 && again["duplicates"] as? Int == 0)
    }
}

extension DurabilityTests {
    /// The narrowest window: killed after writing dead letters but before the first commit.
    @Test func killBeforeTheFirstCommitLeavesNoDuplicateDeadLetters() async throws {
        for attempt in 0..<5 {
            let dir = scratchDir()
            let feed = try await onOwnThread { try GeneratedFeed(dir: dir, events: 20_000, seed: UInt64(100 + attempt), malformed: 0.2) }
            let args = ["ingest", feed.path, "--data-dir", dir + "/data", "--quiet"]
            let (process, exit) = try CLI.start(args)
            _ = await signal(process, SIGKILL, after: 0.02 + 0.02 * Double(attempt))
            _ = await exit.status()
            #expect(try await CLI.run(args).status == 0)
            let letters = try String(contentsOfFile: dir + "/data/dead-letter.ndjson", encoding: .utf8).split(separator: "\n")
            #expect(letters.count == feed.rejects, "attempt \(attempt)")
            #expect(Set(try WarmReader(path: dir + "/data/warm.sqlite").allIDs()) == feed.ids)
        }
    }
}
