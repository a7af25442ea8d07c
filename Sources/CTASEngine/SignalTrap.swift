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
    }

    deinit { sources.withLock { for source in $0 { source.cancel() } } }
}
