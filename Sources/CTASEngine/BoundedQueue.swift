import DequeModule
import CTASCore

/// A bounded multi-producer, single-consumer queue between pipeline stages.
///
/// `send` waits while the queue is full (backpressure for sources that can wait); `offer`
/// never waits and reports whether the element was taken (live sources count what it
/// refuses). `close` lets the consumer drain what is queued, then `receive` returns nil.
public final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var items = Deque<Element>()
        var closed = false
        var receiver: CheckedContinuation<Element?, Never>?
        var senders = Deque<(Element, CheckedContinuation<Bool, Never>)>()
    }

    public let capacity: Int
    private let state = Locked(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for at least one element")
        self.capacity = capacity
    }

    /// Elements waiting (for metrics).
    public var depth: Int { state.withLock { $0.items.count + $0.senders.count } }

    /// Whether `close` was called (elements may still be queued).
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Whether the consumer is waiting for an element (the queue is empty and open).
    public var hasWaitingReceiver: Bool { state.withLock { $0.receiver != nil } }

    /// Enqueues, waiting while full. Returns false when the queue was closed.
    ///
    /// Runs on the caller's actor (a stage's own thread): no hop to another executor per
    /// batch, and nothing waits for the cooperative pool.
    @discardableResult
    public func send(_ element: Element, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        if let taken = state.withLock({ Self.enqueue(element, into: &$0, capacity: capacity) }) { return taken }
        return await withCheckedContinuation(isolation: isolation) { (c: CheckedContinuation<Bool, Never>) in
            let taken: Bool? = state.withLock { s in
                if let taken = Self.enqueue(element, into: &s, capacity: capacity) { return taken }
                s.senders.append((element, c))
                return nil
            }
            if let taken { c.resume(returning: taken) }
        }
    }

    /// Hands `element` to a waiting receiver or queues it: true when taken, false when the
    /// queue is closed, nil when it is full.
    private static func enqueue(_ element: Element, into s: inout State, capacity: Int) -> Bool? {
        if s.closed { return false }
        if let receiver = s.receiver {
            s.receiver = nil
            receiver.resume(returning: element)
            return true
        }
        guard s.items.count < capacity else { return nil }
        s.items.append(element)
        return true
    }

    /// Enqueues only if there is room now; false when full or closed.
    public func offer(_ element: Element) -> Bool {
        state.withLock { Self.enqueue(element, into: &$0, capacity: capacity) ?? false }
    }

    /// The next element, waiting while empty; nil once closed and drained.
    /// Runs on the caller's actor, like `send`.
    public func receive(isolation: isolated (any Actor)? = #isolation) async -> Element? {
        if let ready = takeReady() { return ready.value }
        return await withCheckedContinuation(isolation: isolation) { (c: CheckedContinuation<Element?, Never>) in
            let now: Element?? = state.withLock { s in
                if let ready = Self.take(&s) { return .some(ready.value) }
                if s.closed { return .some(nil) }
                s.receiver = c
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    /// The next element if one is ready now (nil when empty, even if not closed).
    public func poll() -> Element? {
        state.withLock { s in Self.take(&s)?.value }
    }

    private struct Taken { var value: Element? }

    private func takeReady() -> Taken? {
        state.withLock { s in
            if let ready = Self.take(&s) { return ready }
            if s.closed { return Taken(value: nil) }
            return nil
        }
    }

    /// Takes the head, refilling from a waiting sender.
    private static func take(_ s: inout State) -> Taken? {
        guard let head = s.items.popFirst() else {
            if let (element, sender) = s.senders.popFirst() {
                sender.resume(returning: true)
                return Taken(value: element)
            }
            return nil
        }
        if let (element, sender) = s.senders.popFirst() {
            s.items.append(element)
            sender.resume(returning: true)
        }
        return Taken(value: head)
    }

    /// No more elements will be sent; waiting senders are refused, the receiver drains.
    public func close() {
        state.withLock { s in
            s.closed = true
            for (_, sender) in s.senders { sender.resume(returning: false) }
            s.senders.removeAll()
            if s.items.isEmpty, let receiver = s.receiver {
                s.receiver = nil
                receiver.resume(returning: nil)
            }
        }
    }
}
