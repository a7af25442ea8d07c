import CTASCore
import Foundation
import Testing
@testable import CTASEngine

/// A paused stage waits on the replay settings instead of polling them: it is woken by the
/// change, at once when the change came first, and by its timeout when none comes.
///
/// The waits run on CTAS's own threads, as the stages do: other suites hold Swift's
/// cooperative pool on purpose (`PipelineThreadTests`), which would stall a waiter there for
/// as long. "Woken by the change" is told from "woken by the timeout" by a timeout of two
/// minutes against an answer in well under one.
@Suite struct ReplayControlTests {
    @Test func aWaitEndsWhenTheSettingsChange() async {
        await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            let control = ReplayControl(speed: .factor(20), paused: true)
            let version = control.current.version
            let started = MonotonicClock.nanoseconds()
            async let waited: Void = control.waitForChange(from: version, timeout: .seconds(120))
            // Until the waiter has registered, apply may come first: either way it must return.
            try? await Task.sleep(for: .milliseconds(50))
            control.apply(.resume)
            await waited
            #expect(MonotonicClock.nanoseconds() - started < 60_000_000_000, "woken by the change, not the timeout")
            #expect(!control.current.paused)
        }
    }

    @Test func aChangeBeforeTheWaitEndsItAtOnce() async {
        await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            let control = ReplayControl(speed: .max, paused: true)
            let version = control.current.version
            control.apply(.speed(.factor(2)))
            let started = MonotonicClock.nanoseconds()
            await control.waitForChange(from: version, timeout: .seconds(120))
            #expect(MonotonicClock.nanoseconds() - started < 60_000_000_000)
        }
    }

    @Test func withoutAChangeTheTimeoutEndsTheWait() async {
        let control = ReplayControl(speed: .factor(1), paused: true)
        let started = MonotonicClock.nanoseconds()
        await control.waitForChange(from: control.current.version, timeout: .milliseconds(30))
        #expect(MonotonicClock.nanoseconds() - started >= 25_000_000)
        #expect(control.current.paused)
    }

    @Test func manyWaitersAreAllWokenByOneChange() async {
        await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            let control = ReplayControl(speed: .factor(1), paused: true)
            let version = control.current.version
            let started = MonotonicClock.nanoseconds()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask { await control.waitForChange(from: version, timeout: .seconds(120)) }
                }
                try? await Task.sleep(for: .milliseconds(50))
                control.apply(.stop)
                await group.waitForAll()
            }
            #expect(MonotonicClock.nanoseconds() - started < 60_000_000_000, "woken by the change, not the timeout")
            #expect(control.current.stopping)
        }
    }
}
