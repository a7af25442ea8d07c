import CTASCore
import CTASIntel
import CTASStore
import Foundation

/// Loads the intelligence store's evidence index on a thread of its own, over a read-only
/// connection of its own, while the pipeline starts: reading a million indicators takes
/// about 0.3 s from the rows (~0.05 s from an import's snapshot), which the engine waited
/// out before reading its first line. Now the sources read and the parsers parse meanwhile;
/// the route stage waits only when its first batch is ready to be matched (`wait()`).
typealias IntelEvidenceLoader = BackgroundRead<IntelEvidenceIndex>

extension BackgroundRead where Value == IntelEvidenceIndex {
    /// Starts loading the index of the database at `path` as it stands at `time`.
    convenience init(databasePath path: String, at time: Timestamp = .now()) {
        self.init(name: "ctas-intel-load") { () throws(StoreError) -> IntelEvidenceIndex in
            try IntelStore(database: SQLiteDatabase(path: path, readOnly: true), readOnly: true).evidenceIndex(at: time)
        }
    }
}

/// A reload of the intelligence handed from the watcher, which sees an import change the
/// store (its generation moves), to the route stage, which swaps its index once the new one
/// has loaded: a console or a follow that runs for days matches what was imported meanwhile.
final class IntelReloads: @unchecked Sendable {   // `pending`, `latest` only under `lock`
    private let lock = NSLock()
    private var pending: IntelEvidenceLoader?
    /// The last load offered, taken or not.
    private var latest: IntelEvidenceLoader?

    /// Offers a load in progress (replacing one not yet taken).
    func offer(_ loader: IntelEvidenceLoader) {
        lock.lock()
        pending = loader
        latest = loader
        lock.unlock()
    }

    /// Whether a reload was offered and has finished loading (the next batch uses it).
    var latestHasLoaded: Bool {
        lock.lock()
        defer { lock.unlock() }
        return latest?.finished() != nil
    }

    /// The load offered since the last call, if any.
    func take() -> IntelEvidenceLoader? {
        lock.lock()
        defer { pending = nil; lock.unlock() }
        return pending
    }
}

/// Watches the intelligence store's generation on a thread and read-only connection of its
/// own, every `interval`, and offers a reload when an import moved it. Independent of the
/// pipeline's commits: a follow with no new lines reloads too, so the first line after an
/// import is matched against what was imported (it was matched against the old index when
/// the writer checked after its commits).
final class IntelWatch: @unchecked Sendable {   // `stopped` only under `condition`
    private let condition = NSCondition()
    private var stopped = false
    private let path: String
    private let interval: Duration
    private let reloads: IntelReloads
    private let initialGeneration: Int64

    /// `generation`: the store's generation the index in use was loaded at.
    init(databasePath path: String, generation: Int64, interval: Duration, reloads: IntelReloads) {
        self.path = path
        self.interval = interval
        self.reloads = reloads
        initialGeneration = generation
    }

    func start() {
        let thread = Thread { [self] in watch() }
        thread.name = "ctas-intel-watch"
        thread.start()
    }

    /// Ends the watch (at once: the thread's wait is cut short).
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func watch() {
        var generation = initialGeneration
        var previous = initialGeneration
        var store: IntelStore?
        let seconds = max(0.001, Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        while true {
            condition.lock()
            if !stopped { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
            let done = stopped
            condition.unlock()
            if done { return }
            // Opened when first needed, kept open: one indexed read each turn.
            if store == nil { store = try? IntelStore(database: SQLiteDatabase(path: path, readOnly: true), readOnly: true) }
            guard let current = try? store?.generation() else { continue }
            defer { previous = current }
            guard current != generation else { continue }
            // Not in the middle of an import (its transactions move the generation one after
            // another, and a reload then would read rows a snapshot soon replaces): once the
            // import has stored its snapshot, or the generation held still for a turn.
            let snapshotted = (try? store?.hasCurrentEvidenceSnapshot()) ?? false
            guard snapshotted || current == previous else { continue }
            generation = current
            reloads.offer(IntelEvidenceLoader(databasePath: path))
        }
    }
}
