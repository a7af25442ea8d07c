import CTASCore
import CTASEngine
import Dispatch

/// Wakes the console loop early: on input, a signal, or finished background work; otherwise
/// the loop sleeps until its frame timer.
///
/// The timer is a thread of the wakeup's own (`ThreadExecutor.schedule`): a frame's wait
/// wakes that thread and the loop, where a `Task.sleep` went through a task, the dispatch
/// timer thread and a dispatch worker ten times a second.
final class Wakeup: Sendable {
    private struct State {
        var signaled = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Which wait a timer belongs to: a timer set for an earlier wait, which a signal
        /// ended first, must not end a later wait early.
        var generation: UInt64 = 0
    }
    private let state = Locked(State())
    private let timer = ThreadExecutor(name: "ctas-frames")

    deinit { timer.shutdown() }

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.signaled = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Wakes the wait of `generation` if it still waits.
    private func expire(_ generation: UInt64) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.generation == generation, let waiter = s.waiter else { return nil }
            s.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when signalled or after `timeout`, whichever is first.
    func wait(timeout: Duration) async {
        let nanos = UInt64(max(0, timeout.components.seconds)) * 1_000_000_000 + UInt64(max(0, timeout.components.attoseconds / 1_000_000_000))
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let generation: UInt64? = state.withLock { s in
                if s.signaled {
                    s.signaled = false
                    return nil
                }
                s.waiter = c
                s.generation &+= 1
                return s.generation
            }
            guard let generation else {
                c.resume()
                return
            }
            timer.schedule(after: nanos) { [weak self] in self?.expire(generation) }
        }
        state.withLock { $0.signaled = false }
    }
}

/// A flag shared with a dispatch handler.
final class SharedFlag: Sendable {
    private let value = Locked(false)
    func set(_ v: Bool) { value.withLock { $0 = v } }
    /// The flag's value, cleared.
    func take() -> Bool { value.withLock { v in defer { v = false }; return v } }
    var isSet: Bool { value.withLock { $0 } }
}

/// A dispatch source handed to its own handler.
struct UncheckedSource: @unchecked Sendable {   // dispatch sources are thread-safe; Dispatch does not mark them Sendable
    let source: DispatchSourceRead
    init(_ source: DispatchSourceRead) { self.source = source }
}
