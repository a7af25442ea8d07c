import CTASCore

/// Lets at most `limit` file sources read at once when ingesting at full speed: a directory
/// of hundreds of logs is read a few files at a time (in the order given, oldest first)
/// instead of holding a reader and a queue of batches for every file at once. Paced replays
/// do not use it: their sources must advance together to stay merged in time order.
final class SourceGate: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Locked<State>

    init(limit: Int) { state = Locked(State(free: max(1, limit))) }

    func enter() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.free > 0 {
                    s.free -= 1
                    return true
                }
                s.waiting.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    func leave() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.waiting.isEmpty {
                s.free += 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
