import Dispatch
import CTASCore

/// Wakes the console loop early: on input, a signal, or finished background work; otherwise
/// the loop sleeps until its frame timer.
final class Wakeup: Sendable {
    private struct State {
        var signaled = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The pending timeout of the current wait, cancelled when a signal comes first: a stale
        /// timer must not wake a later wait early (nor idle waits pile up sleeping tasks).
        var timer: Task<Void, Never>?
    }
    private let state = Locked(State())

    func signal() {
        let (waiter, timer): (CheckedContinuation<Void, Never>?, Task<Void, Never>?) = state.withLock { s in
            s.signaled = true
            defer {
                s.waiter = nil
                s.timer = nil
            }
            return (s.waiter, s.timer)
        }
        timer?.cancel()
        waiter?.resume()
    }

    /// Returns when signalled or after `timeout`, whichever is first.
    func wait(timeout: Duration) async {
        let nanos = max(0, timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready: Bool = state.withLock { s in
                if s.signaled {
                    s.signaled = false
                    return true
                }
                s.waiter = c
                s.timer = Task(executorPreference: ThreadPoolExecutor.shared) { [weak self] in
                    try? await Task.sleep(for: .nanoseconds(nanos))
                    if !Task.isCancelled { self?.signal() }
                }
                return false
            }
            if ready { c.resume() }
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
