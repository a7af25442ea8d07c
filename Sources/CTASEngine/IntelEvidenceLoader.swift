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
