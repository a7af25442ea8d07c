import CTASCore
import CTASTestSupport
import Foundation
import Synchronization
import Testing
@testable import CTASEngine

@Suite struct BoundedQueueTests {
    @Test func sendWaitsWhileFull() async {
        let queue = BoundedQueue<Int>(capacity: 2)
        #expect(await queue.send(1))
        #expect(await queue.send(2))
        let third = Task { await queue.send(3) }
        // However slowly the sending task is scheduled, it comes to wait (and is counted).
        #expect(await waitFor { queue.depth == 3 }, "two queued, one sender waiting")
        #expect(await queue.receive() == 1)
        #expect(await third.value)
        #expect(await queue.receive() == 2)
        #expect(await queue.receive() == 3)
    }

    @Test func offerRefusesWhenFull() {
        let queue = BoundedQueue<Int>(capacity: 1)
        #expect(queue.offer(1))
        #expect(!queue.offer(2))
        #expect(queue.poll() == 1)
        #expect(queue.poll() == nil)
    }

    @Test func closeDrainsThenEnds() async {
        let queue = BoundedQueue<Int>(capacity: 4)
        await queue.send(1)
        await queue.send(2)
        queue.close()
        #expect(!(await queue.send(3)))
        #expect(!queue.offer(4))
        #expect(await queue.receive() == 1)
        #expect(await queue.receive() == 2)
        #expect(await queue.receive() == nil)
    }

    @Test func closeReleasesWaitingSendersAndReceivers() async {
        let full = BoundedQueue<Int>(capacity: 1)
        await full.send(0)
        let waiting = Task { await full.send(1) }
        let empty = BoundedQueue<Int>(capacity: 1)
        let receiving = Task { await empty.receive() }
        // Both tasks come to wait, however slowly they are scheduled.
        #expect(await waitFor { full.depth == 2 && empty.hasWaitingReceiver })
        full.close()
        empty.close()
        #expect(!(await waiting.value))
        #expect(await receiving.value == nil)
    }

    @Test func manyProducersLoseNothing() async {
        let queue = BoundedQueue<Int>(capacity: 3)
        let producers = (0..<4).map { p in Task { for i in 0..<500 { await queue.send(p * 1000 + i) } } }
        let consumer = Task { () -> [Int] in
            var got: [Int] = []
            while got.count < 2000, let v = await queue.receive() { got.append(v) }
            return got
        }
        for p in producers { await p.value }
        let got = await consumer.value
        #expect(got.count == 2000)
        #expect(Set(got).count == 2000)
        for p in 0..<4 { #expect(got.filter { $0 / 1000 == p } == (0..<500).map { p * 1000 + $0 }, "per-producer order kept") }
    }
}

@Suite struct ReplayTests {
    @Test func speedParsingAndLadder() {
        #expect(ReplaySpeed("max") == .max)
        #expect(ReplaySpeed("10") == .factor(10))
        #expect(ReplaySpeed("2.5x") == .factor(2.5))
        #expect(ReplaySpeed("0") == nil)
        #expect(ReplaySpeed("-3") == nil)
        #expect(ReplaySpeed("fast") == nil)
        #expect(ReplaySpeed("nan") == nil)
        #expect(ReplaySpeed.factor(10).stepped(up: true) == .factor(20))
        #expect(ReplaySpeed.factor(10).stepped(up: false) == .factor(5))
        #expect(ReplaySpeed.factor(1000).stepped(up: true) == .max)
        #expect(ReplaySpeed.max.stepped(up: false) == .factor(1000))
        #expect(ReplaySpeed.factor(0.1).stepped(up: false) == .factor(0.1))
        #expect(ReplaySpeed.factor(3).stepped(up: true) == .factor(5))
    }

    @Test func clockPacesByEventTime() {
        var clock = ReplayClock(speed: .factor(10))
        let t0 = Timestamp(microseconds: 1_000_000_000)
        let start: UInt64 = 5_000_000_000
        #expect(clock.due(t0, now: start) == start, "the first event anchors the clock")
        #expect(clock.due(t0 + .seconds(10), now: start + 1) == start + 1_000_000_000, "10 s of event time at 10x is 1 s")
        #expect(clock.due(t0 - .seconds(5), now: start + 2) == start, "older events are due at once")
        clock.reanchor(speed: .factor(1))
        #expect(clock.due(t0 + .seconds(20), now: start + 7) == start + 7)
        #expect(clock.due(t0 + .seconds(21), now: start + 8) == start + 7 + 1_000_000_000)
        var max = ReplayClock(speed: .max)
        #expect(max.due(t0 + .seconds(1_000_000), now: start) == 0)
    }
}
