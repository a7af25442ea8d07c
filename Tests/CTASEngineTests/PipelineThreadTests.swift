import CTASCore
import Dispatch
import Foundation
import Testing
@testable import CTASEngine

/// The engine's stages run on threads of their own: a process whose cooperative pool is
/// held by long synchronous work still ingests (the console's panes, a test's engine).
@Suite(.serialized) struct PipelineThreadTests {
    @Test func anIngestFinishesWhileEveryCooperativeThreadIsHeld() async throws {
        let dir = scratch()
        let (feed, _) = try await writeFeed(dir, events: 2000)
        let engine = try Engine(config([.file(feed)], dir))
        let finished = DispatchSemaphore(value: 0)
        let accepted = Locked<Int?>(nil)
        // Hold every cooperative thread (and one more, so none is left) until the engine has
        // finished or 60 s have passed; each holder says which came first.
        let holders = ProcessInfo.processInfo.activeProcessorCount + 1
        let outcomes = Locked<[DispatchTimeoutResult]>([])
        var held: [Task<Void, Never>] = []
        for _ in 0..<holders {
            held.append(Task.detached {
                let outcome = finished.wait(timeout: .now() + 60)
                finished.signal()
                outcomes.withLock { $0.append(outcome) }
            })
        }
        let run = Task(executorPreference: ThreadPoolExecutor.shared) {
            let summary = await engine.run()
            accepted.withLock { $0 = summary.accepted }
            finished.signal()
        }
        for task in held { await task.value }
        await run.value
        #expect(accepted.withLock { $0 } == 2000)
        #expect(outcomes.withLock { $0 }.allSatisfy { $0 == .success }, "the engine waited for the cooperative pool")
    }

    @Test func thePoolRunsEveryJobAndAnActorsCallsInOrder() async {
        let pool = ThreadPoolExecutor(threads: 3)
        actor Tally {
            var seen: [Int] = []
            func add(_ n: Int) { seen.append(n) }
        }
        let tally = Tally()
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<500 {
                group.addTask(executorPreference: pool) { await tally.add(n) }
            }
        }
        let ordered = Task(executorPreference: pool) {
            for n in 500..<600 { await tally.add(n) }
        }
        await ordered.value
        let seen = await tally.seen
        #expect(Set(seen.prefix(500)) == Set(0..<500))
        #expect(Array(seen.suffix(100)) == Array(500..<600))
        pool.shutdown()
    }

    @Test func anActorWhoseThreadHasEndedStillAnswersALateCall() async {
        actor Stage {
            nonisolated let executor = ThreadExecutor(name: "ctas-test-late")
            nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
            var calls = 0
            func call() -> Int { calls += 1; return calls }
        }
        let stage = Stage()
        #expect(await stage.call() == 1)
        stage.executor.shutdown()
        // Give the thread time to see the empty queue and end; the next call must start
        // another rather than wait forever (a seek on a source that has finished).
        try? await Task.sleep(for: .milliseconds(200))
        let answered = Task { await stage.call() }
        let deadline = Task { try? await Task.sleep(for: .seconds(60)); answered.cancel() }
        #expect(await answered.value == 2)
        #expect(await stage.call() == 3)
        deadline.cancel()
    }

    @Test func aStageSleepsOnItsOwnThreadAndAnswersCallsMeanwhile() async {
        actor Stage {
            nonisolated let executor = ThreadExecutor(name: "ctas-test-nap")
            nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
            var log: [String] = []
            /// Sleeps, then says how long it slept.
            func nap(_ nanos: UInt64) async -> UInt64 {
                let start = MonotonicClock.nanoseconds()
                log.append("nap")
                await executor.sleep(nanoseconds: nanos)
                log.append("woke")
                return MonotonicClock.nanoseconds() - start
            }
            func note(_ s: String) { log.append(s) }
        }
        let stage = Stage()
        let napping = Task { await stage.nap(300_000_000) }
        // While it sleeps the actor is free: a call runs before the nap ends.
        try? await Task.sleep(for: .milliseconds(50))
        await stage.note("call")
        let slept = await napping.value
        #expect(slept >= 300_000_000, "woke after \(slept) ns")
        #expect(await stage.log == ["nap", "call", "woke"])
        stage.executor.shutdown()
    }

    /// A thread that wakes late finds several timers due at once: they fire by deadline, not
    /// in the order they were set (a busy CI machine showed [1, 3, 2, 4] above).
    @Test func timersDueTogetherFireByDeadline() async {
        let executor = ThreadExecutor(name: "ctas-test-late")
        let fired = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        // The thread is held past every deadline below, then finds them all due.
        executor.schedule(after: 0) { usleep(200_000) }
        for (n, millis) in [(3, 90), (1, 10), (4, 90), (2, 50)] {
            executor.schedule(after: UInt64(millis) * 1_000_000) {
                fired.withLock { $0.append(n) }
                if n == 4 { done.signal() }
            }
        }
        let outcome = await withCheckedContinuation { (c: CheckedContinuation<DispatchTimeoutResult, Never>) in
            DispatchQueue.global().async { c.resume(returning: done.wait(timeout: .now() + 30)) }
        }
        #expect(outcome == .success)
        #expect(fired.withLock { $0 } == [1, 2, 3, 4], "by deadline; 3 and 4 (both at 90 ms) in the order set")
        executor.shutdown()
    }

    @Test func timersFireInDeadlineOrderAndOutliveAShutdown() async {
        let executor = ThreadExecutor(name: "ctas-test-timer")
        let fired = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        // Set out of order; the last one is set after the executor was told to shut down.
        for (n, millis) in [(3, 90), (1, 10), (2, 50)] {
            executor.schedule(after: UInt64(millis) * 1_000_000) { fired.withLock { $0.append(n) } }
        }
        executor.shutdown()
        executor.schedule(after: 150_000_000) {
            fired.withLock { $0.append(4) }
            done.signal()
        }
        let outcome = await withCheckedContinuation { (c: CheckedContinuation<DispatchTimeoutResult, Never>) in
            DispatchQueue.global().async { c.resume(returning: done.wait(timeout: .now() + 30)) }
        }
        #expect(outcome == .success, "a timer set after shutdown never fired")
        #expect(fired.withLock { $0 } == [1, 2, 3, 4])
    }
}
