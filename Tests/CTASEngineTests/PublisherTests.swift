import CTASCore
import CTASStore
import CTASTestSupport
import Foundation
import Testing
@testable import CTASEngine

/// The publisher's last snapshot says the run finished. A console shows DONE, and opens the
/// stored events of a store it was opened on without a feed, only once a published snapshot
/// says so; the publisher used to stop on a snapshot built just before the run finished, and
/// such a console then waited forever.
@Suite struct PublisherTests {
    @Test func theLastPublishedSnapshotSaysTheRunFinished() async throws {
        var late: [Int] = []
        for round in 0..<100 {
            let dir = scratch("publisher\(round)")
            var c = config([], dir)
            c.holdAtEnd = true
            c.publishInterval = .milliseconds(1)
            let engine = try Engine(c)
            engine.start()
            // No source: the run finishes at once, while the publisher is at its first turns.
            if !(await waitFor(10) { engine.snapshot.finished }) { late.append(round) }
            _ = await engine.stop()
        }
        #expect(late.isEmpty, "rounds whose published snapshots never said finished: \(late)")
    }

    /// Snapshots published at the same time (the publisher's turn, and the end of the run's
    /// own, which the summary reads) never leave an older one last: what anyone reads only
    /// moves forward, and the summary counts every accepted event.
    @Test func aSnapshotBuiltEarlierNeverReplacesALaterOne() async throws {
        let dir = scratch()
        let (feed, counts) = try await writeFeed(dir, events: 10_000)
        let engine = try Engine(config([.file(feed)], dir))
        let done = Locked(false)
        let backwards = Locked<[String]>([])
        var threads: [Thread] = []
        for _ in 0..<3 {
            threads.append(Thread { while !done.withLock({ $0 }) { engine.publish() } })
        }
        threads.append(Thread {
            var last = (sequence: 0, accepted: 0)
            while !done.withLock({ $0 }) {
                let s = engine.snapshot
                if s.sequence < last.sequence || s.totals.accepted < last.accepted {
                    backwards.withLock { $0.append("seq \(last.sequence) → \(s.sequence), accepted \(last.accepted) → \(s.totals.accepted)") }
                }
                last = (s.sequence, s.totals.accepted)
            }
        })
        for thread in threads { thread.start() }
        let summary = await engine.run()
        done.withLock { $0 = true }
        #expect(summary.accepted == counts["events"])
        #expect(backwards.withLock { $0 }.isEmpty, "\(backwards.withLock { $0.prefix(5) })")
    }

    /// The recent window is copied into a snapshot only when it changed: publishes of an
    /// unchanged window share one copy, and it always holds the newest events.
    @Test func anUnchangedRecentWindowIsSharedNotCopied() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 3_000)
        let events = try FeedDecoderHelper.events(feed)
        let engine = try Engine(config([.file(feed)], dir))
        _ = await engine.run()
        let before = engine.snapshot
        engine.publish()
        let after = engine.snapshot
        #expect(after.sequence == before.sequence + 1)
        #expect(after.recent.map(\.id) == events.suffix(1_000).map(\.id), "the newest 1,000, oldest first")
        let shared = before.recent.withUnsafeBufferPointer { a in after.recent.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        #expect(shared, "an unchanged window is shared")
    }
}
