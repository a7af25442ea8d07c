import CTASCore
import CTASEngine
import Foundation
import Testing

/// A trap is ready when it is made: every signal it names has a handler by the time the
/// initializer returns (libdispatch installs it later, on its own thread, and a signal sent
/// in between was ignored), and a signal sent then reaches the action.
@Suite(.serialized) struct SignalTrapTests {
    @Test func signalsAreCaughtFromTheMomentTheTrapExists() async throws {
        // SIGUSR1 and SIGUSR2, not the quit signals: the test runner keeps its own.
        let signals = [SIGUSR1, SIGUSR2]
        defer { for signo in signals { signal(signo, SIG_DFL) } }
        let seen = Locked<[Int32]>([])
        let trap = SignalTrap(signals) { signo in seen.withLock { $0.append(signo) } }
        for signo in signals { #expect(SignalTrap.hasHandler(signo), "signal \(signo) has no handler yet") }
        kill(getpid(), SIGUSR2)
        var waited = 0
        while seen.withLock({ $0.isEmpty }) && waited < 200 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(seen.withLock { $0 } == [SIGUSR2])
        #expect(trap.caught == SIGUSR2)
    }
}
