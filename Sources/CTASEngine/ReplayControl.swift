import CTASCore

/// How fast a recorded feed is replayed: a factor of event time (`10` = ten times real
/// time), or `max` (as fast as the pipeline takes it).
public enum ReplaySpeed: Sendable, Equatable, CustomStringConvertible {
    case factor(Double)
    case max

    /// Parses `max`, `10`, `0.5`, `10x`.
    public init?(_ text: String) {
        let lower = text.lowercased()
        if lower == "max" { self = .max; return }
        let t = lower.hasSuffix("x") ? String(lower.dropLast()) : lower
        guard let v = Double(t), v.isFinite, v > 0, v <= 1_000_000 else { return nil }
        self = .factor(v)
    }

    public var description: String {
        switch self {
        case .max: return "max"
        case .factor(let v):
            return v == v.rounded() ? "\(Int(v))x" : "\(v)x"
        }
    }

    /// The next step up or down on a 1-2-5 ladder (`[` and `]` in the console).
    public func stepped(up: Bool) -> ReplaySpeed {
        let ladder: [Double] = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        switch self {
        case .max: return up ? .max : .factor(ladder.last ?? 1000)
        case .factor(let v):
            if up {
                if let next = ladder.first(where: { $0 > v * 1.0001 }) { return .factor(next) }
                return .max
            }
            if let previous = ladder.last(where: { $0 < v * 0.9999 }) { return .factor(previous) }
            return .factor(ladder[0])
        }
    }
}

/// A command to the engine, sent as a value (the console and headless control both use it).
public enum EngineCommand: Sendable, Equatable {
    case pause
    case resume
    case togglePause
    case speed(ReplaySpeed)
    case seek(Timestamp)
    case stop
}

/// Replay settings shared by every source's parse stage. Each change bumps `version`, so
/// stages notice and re-anchor their clocks.
final class ReplayControl: Sendable {
    struct State: Sendable {
        var speed: ReplaySpeed
        var paused = false
        var stopping = false
        var version = 0
        var seekTarget: Timestamp?
        var seekVersion = 0
        /// The pacing anchor every source shares (event time ↔ wall time), per version, so
        /// several recordings replay merged in time order rather than each from its own start.
        var anchorVersion = -1
        var anchorEvent = Timestamp(microseconds: 0)
        var anchorWall: UInt64 = 0
        /// Stages waiting for the settings to change (`waitForChange`), by ticket.
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextTicket = 0
    }

    private let state: Locked<State>

    init(speed: ReplaySpeed, paused: Bool) {
        state = Locked(State(speed: speed, paused: paused))
    }

    var current: State { state.withLock { $0 } }

    /// The shared anchor of `version`, set by the first source to ask (with its first event
    /// and the wall time now).
    func anchor(version: Int, proposing event: Timestamp, wall: UInt64) -> (event: Timestamp, wall: UInt64) {
        state.withLock { s in
            if s.anchorVersion != version {
                s.anchorVersion = version
                s.anchorEvent = event
                s.anchorWall = wall
            }
            return (s.anchorEvent, s.anchorWall)
        }
    }

    /// Returns once the settings differ from `version` (at once when they already do), or
    /// after `timeout`. A paused stage sleeps here instead of polling: it costs nothing until
    /// resume, seek or stop, and the timeout only guards against a change never coming.
    func waitForChange(from version: Int, timeout: Duration) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ticket: Int? = state.withLock { s in
                guard s.version == version else { return nil }
                s.nextTicket += 1
                s.waiters[s.nextTicket] = c
                return s.nextTicket
            }
            guard let ticket else {
                c.resume()
                return
            }
            Task(executorPreference: ThreadPoolExecutor.shared) { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.release(ticket)
            }
        }
    }

    /// Resumes the waiter holding `ticket` if it still waits.
    private func release(_ ticket: Int) {
        state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume()
    }

    func apply(_ command: EngineCommand) {
        // The change and the waiters it wakes are taken under one lock: a stage that saw the
        // old version is either among them or sees the new one.
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { s in
            switch command {
            case .pause: s.paused = true
            case .resume: s.paused = false
            case .togglePause: s.paused.toggle()
            case .speed(let speed): s.speed = speed
            case .seek(let target):
                s.seekTarget = target
                s.seekVersion += 1
            case .stop: s.stopping = true
            }
            s.version += 1
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }
}

/// Paces events by event time: an event at time t is released at
/// `anchorWall + (t − anchorEvent) / speed`. Re-anchored on start, resume, speed change and
/// seek, so changes take effect from the current position without jumps.
struct ReplayClock {
    private(set) var speed: ReplaySpeed
    private var anchorEvent: Timestamp?
    private var anchorWall: UInt64 = 0
    /// When set, the anchor is shared with the other sources of the engine (`version` picks
    /// the anchor of the current replay settings).
    private let shared: ReplayControl?
    private var version = 0

    init(speed: ReplaySpeed, shared: ReplayControl? = nil, version: Int = 0) {
        self.speed = speed
        self.shared = shared
        self.version = version
    }

    mutating func reanchor(speed: ReplaySpeed, version: Int = 0) {
        self.speed = speed
        self.version = version
        anchorEvent = nil
    }

    /// The wall time (monotonic ns) at which an event at `time` is due; anchors on the first
    /// event seen after a re-anchor.
    mutating func due(_ time: Timestamp, now: UInt64) -> UInt64 {
        guard case .factor(let factor) = speed else { return 0 }
        guard let anchor = anchorEvent else {
            if let shared {
                let (event, wall) = shared.anchor(version: version, proposing: time, wall: now)
                anchorEvent = event
                anchorWall = wall
                return due(time, now: now)
            }
            anchorEvent = time
            anchorWall = now
            return now
        }
        let deltaMicros = time.microseconds - anchor.microseconds
        if deltaMicros <= 0 { return anchorWall }
        let wait = Double(deltaMicros) * 1000 / factor
        return anchorWall &+ UInt64(Swift.min(wait, 1e18))
    }
}
