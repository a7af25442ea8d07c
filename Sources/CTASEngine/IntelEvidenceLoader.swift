import CTASCore
import CTASIntel
import CTASStore
import Foundation

/// Loads the intelligence store's evidence index on a thread of its own, over a read-only
/// connection of its own, while the pipeline starts: reading a million indicators takes
/// about 0.3 s, which the engine waited out before reading its first line. Now the sources
/// read and the parsers parse meanwhile; the route stage waits only when its first batch
/// is ready to be matched (`index()`).
final class IntelEvidenceLoader: @unchecked Sendable {   // `outcome` is written once and read under `condition`
    private let condition = NSCondition()
    private var outcome: Result<IntelEvidenceIndex, StoreError>?

    /// Starts loading the index of the database at `path` as it stands at `time`.
    init(databasePath path: String, at time: Timestamp = .now()) {
        let thread = Thread { [self] in
            let loaded: Result<IntelEvidenceIndex, StoreError>
            do throws(StoreError) {
                let store = try IntelStore(database: SQLiteDatabase(path: path, readOnly: true), readOnly: true)
                loaded = .success(try store.evidenceIndex(at: time))
            } catch {
                loaded = .failure(error)
            }
            condition.lock()
            outcome = loaded
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "ctas-intel-load"
        thread.start()
    }

    /// The index when it has loaded, else nil (does not wait).
    func finished() -> Result<IntelEvidenceIndex, StoreError>? {
        condition.lock()
        defer { condition.unlock() }
        return outcome
    }

    /// The index, once loaded (blocks the calling thread until then).
    func index() -> Result<IntelEvidenceIndex, StoreError> {
        condition.lock()
        defer { condition.unlock() }
        while outcome == nil { condition.wait() }
        // Non-nil: the loop above ended.
        return outcome ?? .success(IntelEvidenceIndex())
    }
}

/// A reload of the intelligence handed from the writer, which sees an import change the
/// store (its generation moves), to the route stage, which swaps its index once the new one
/// has loaded: a console or a follow that runs for days matches what was imported meanwhile.
final class IntelReloads: @unchecked Sendable {   // `pending` only under `lock`
    private let lock = NSLock()
    private var pending: IntelEvidenceLoader?

    /// Offers a load in progress (replacing one not yet taken).
    func offer(_ loader: IntelEvidenceLoader) {
        lock.lock()
        pending = loader
        lock.unlock()
    }

    /// The load offered since the last call, if any.
    func take() -> IntelEvidenceLoader? {
        lock.lock()
        defer { pending = nil; lock.unlock() }
        return pending
    }
}
