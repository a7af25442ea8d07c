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
}
