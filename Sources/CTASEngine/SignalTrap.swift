import Dispatch
import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns SIGINT, SIGTERM and SIGHUP into one graceful action (commit what is in flight,
/// checkpoint, summarise) instead of the default of dying mid-batch.
public final class SignalTrap: Sendable {
    /// The first signal caught; written on a dispatch queue, read by the command.
    private final class FirstSignal: Sendable {
        let value = Locked<Int32?>(nil)
    }

    private let first = FirstSignal()
    /// Held to keep the sources alive (behind a lock: dispatch sources are not Sendable).
    private let sources: Locked<[DispatchSourceSignal]>

    /// The first signal caught, if any.
    public var caught: Int32? { first.value.withLock { $0 } }

    public init(_ signals: [Int32] = [SIGINT, SIGTERM, SIGHUP], action: @escaping @Sendable (Int32) -> Void) {
        var made: [DispatchSourceSignal] = []
        let first = first
        for signo in signals {
            signal(signo, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
            source.setEventHandler {
                first.value.withLock { if $0 == nil { $0 = signo } }
                action(signo)
            }
            source.resume()
            made.append(source)
        }
        sources = Locked(made)
        Self.waitForHandlers(signals)
    }

    /// Waits (at most `timeout`) until each of `signals` has a handler installed. On Linux
    /// libdispatch installs its handler on its own thread some time after `resume()`; until
    /// then the signal is still set to be ignored and is dropped: a Ctrl-Z or SIGTERM in a
    /// program's first moments (a busy machine made that window last seconds) was lost.
    public static func waitForHandlers(_ signals: [Int32], timeout: Duration = .seconds(2)) {
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(0, timeout.components.seconds)) * 1_000_000_000
        while !signals.allSatisfy(hasHandler) && MonotonicClock.nanoseconds() < deadline {
            usleep(1_000)
        }
    }

    /// Whether `signo` is caught (neither ignored nor left to its default action).
    public static func hasHandler(_ signo: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signo, nil, &current) == 0 else { return false }
        // The handler's address: 0 is SIG_DFL, 1 is SIG_IGN.
        let address = withUnsafeBytes(of: current.__sigaction_handler) { $0.load(as: UInt.self) }
        return address > 1
    }

    deinit { sources.withLock { for source in $0 { source.cancel() } } }
}
