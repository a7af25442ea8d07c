import CTASCore
import CTASStore
import Foundation

/// `ctas intel import` as a pipeline: a reader thread parses the next files while this
/// thread stores the ones already read, in chunks of about `chunkEntries` entries (whole
/// files), so parsing and writing overlap and memory holds two chunks, not the whole import.
public enum IntelImport {
    /// What the import did, and every problem met (with file and JSON path).
    public struct Outcome: Sendable {
        public var summary = IntelStore.ImportSummary()
        public var problems: [IntelProblem] = []
    }

    /// `rebuildValueIndex`: drop the store's value index while writing and build it once at
    /// the end (nil: when `shouldRebuildValueIndex` says so for the files' sizes).
    public static func run(paths: [String], into store: IntelStore, importedAt: Timestamp, chunkEntries: Int = 100_000,
                           rebuildValueIndex: Bool? = nil) throws(StoreError) -> Outcome {
        let rebuild: Bool
        if let rebuildValueIndex {
            rebuild = rebuildValueIndex
        } else {
            rebuild = shouldRebuildValueIndex(estimatedEntries: estimatedEntries(paths), stored: try store.entryCount(upTo: rebuildLimit + 1))
        }
        if rebuild { try store.dropValueIndex() }
        var outcome: Outcome
        do throws(StoreError) {
            outcome = try pipeline(paths: paths, into: store, importedAt: importedAt, chunkEntries: chunkEntries)
        } catch {
            if rebuild { _ = try? store.buildValueIndex() }
            throw error
        }
        let changed = outcome.summary.reportsNew + outcome.summary.reportsUpdated > 0
        let current = try store.hasCurrentEvidenceSnapshot()
        if changed || !current {
            // The engine's evidence index, stored for the next ingest to start from: read over a
            // connection of its own while this one builds the value index (a million entries:
            // about 0.3 s of reading under about 1.4 s of index building).
            let reading = EvidenceReading(store: store)
            if rebuild { try store.buildValueIndex() }
            try store.storeEvidenceSnapshot(try reading.result())
        } else if rebuild {
            try store.buildValueIndex()
        }
        outcome.summary.rebuiltValueIndex = rebuild
        return outcome
    }

    /// The entries' evidence read (and made into a snapshot's bytes) on a thread of its own over
    /// a second connection to the store's file (on the store's own connection, when it has no
    /// file to share).
    private struct EvidenceReading {
        private let store: IntelStore
        private let read: BackgroundRead<(snapshot: [UInt8], generation: Int64)>?

        init(store: IntelStore) {
            self.store = store
            let path = store.database.path
            guard !path.isEmpty, path != ":memory:" else {
                read = nil
                return
            }
            read = BackgroundRead(name: "ctas-intel-evid") { () throws(StoreError) -> (snapshot: [UInt8], generation: Int64) in
                try Self.snapshot(of: IntelStore(database: SQLiteDatabase(path: path, readOnly: true), readOnly: true))
            }
        }

        /// The snapshot's bytes and the generation they are of.
        func result() throws(StoreError) -> (snapshot: [UInt8], generation: Int64) {
            guard let read else { return try Self.snapshot(of: store) }
            return try read.wait().get()
        }

        private static func snapshot(of store: IntelStore) throws(StoreError) -> (snapshot: [UInt8], generation: Int64) {
            let evidence = try store.entryEvidence()
            return (evidence.index.snapshot(), evidence.generation)
        }
    }

    /// Entries in store and import together up to which the index is rebuilt: building it
    /// takes about 1.4 µs an entry here, so the write lock an ingest into the same store waits
    /// on (SQLite's busy timeout is 5 s) stays under about 3 s.
    static let rebuildLimit = 2_000_000

    /// Rebuilding pays when the import is large (≥ 100,000 entries) and the store not much
    /// larger than twice it (then one sorted build costs less than an insert an entry at a
    /// random page of the index), within `rebuildLimit`.
    static func shouldRebuildValueIndex(estimatedEntries: Int, stored: Int) -> Bool {
        // Both bounded by the limit before any arithmetic, so nothing overflows.
        (100_000...rebuildLimit).contains(estimatedEntries) && (0...rebuildLimit).contains(stored)
            && stored <= 2 * estimatedEntries && stored + estimatedEntries <= rebuildLimit
    }

    /// About how many entries `paths` hold: their JSON bytes ÷ 150 (a MISP attribute written
    /// tersely; real exports are larger per attribute, so this errs on the side of fewer).
    static func estimatedEntries(_ paths: [String]) -> Int {
        var bytes: Int64 = 0
        for path in paths {
            for file in IntelFileReader.jsonFiles(under: path) {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
                let (sum, overflow) = bytes.addingReportingOverflow(max(0, size))
                bytes = overflow ? .max : sum
            }
        }
        return Int(clamping: bytes / 150)
    }

    private static func pipeline(paths: [String], into store: IntelStore, importedAt: Timestamp, chunkEntries: Int) throws(StoreError) -> Outcome {
        let queue = ChunkQueue(capacity: 2)
        let reader = Thread {
            // Whole files' batches, handed over as they are (not gathered into one batch).
            var files: [IntelBatch] = []
            var entries = 0
            for path in paths {
                guard !queue.isCancelled else { break }
                IntelFileReader().forEachFile(in: path) { batch in
                    entries += batch.entries.count
                    files.append(batch)
                    if entries >= chunkEntries {
                        queue.put(IntelStore.PreparedBatch(files: files))
                        files = []
                        entries = 0
                    }
                }
            }
            queue.put(IntelStore.PreparedBatch(files: files))
            queue.finish()
        }
        reader.name = "ctas-intel-read"
        reader.start()
        var outcome = Outcome()
        defer { queue.cancel() }
        while let chunk = queue.take() {
            outcome.problems += chunk.problems
            let summary = try store.store(chunk, importedAt: importedAt, entriesPerTransaction: chunkEntries)
            outcome.summary.add(summary)
        }
        return outcome
    }
}

extension IntelStore.ImportSummary {
    /// Adds another chunk's counts.
    mutating func add(_ other: Self) {
        reportsNew += other.reportsNew
        reportsUpdated += other.reportsUpdated
        reportsUnchanged += other.reportsUnchanged
        entries += other.entries
        sightings += other.sightings
        problems += other.problems
        for (key, count) in other.problemsByKind { problemsByKind[key, default: 0] += count }
    }
}

/// A bounded hand-off of chunks from the reader thread to the writer.
final class ChunkQueue: @unchecked Sendable {   // `items`, `done`, `cancelled` only under `condition`'s lock
    private let condition = NSCondition()
    private var items: [IntelStore.PreparedBatch] = []
    private var done = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits while the queue is full; drops the chunk once the writer has stopped.
    func put(_ chunk: IntelStore.PreparedBatch) {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return }
        items.append(chunk)
        condition.broadcast()
    }

    func finish() {
        condition.lock()
        done = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next chunk, or nil when the reader has finished and everything was taken.
    func take() -> IntelStore.PreparedBatch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !done { condition.wait() }
        guard !items.isEmpty else { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    /// The writer stopped (finished or failed): the reader stops reading.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }
}
