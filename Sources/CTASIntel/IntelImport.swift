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

    public static func run(paths: [String], into store: IntelStore, importedAt: Timestamp, chunkEntries: Int = 100_000) throws(StoreError) -> Outcome {
        let queue = ChunkQueue(capacity: 2)
        let reader = Thread {
            var chunk = IntelBatch()
            for path in paths {
                guard !queue.isCancelled else { break }
                IntelFileReader().forEachFile(in: path) { batch in
                    chunk.append(batch)
                    if chunk.entries.count >= chunkEntries {
                        queue.put(chunk)
                        chunk = IntelBatch()
                    }
                }
            }
            queue.put(chunk)
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
    private var items: [IntelBatch] = []
    private var done = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits while the queue is full; drops the chunk once the writer has stopped.
    func put(_ chunk: IntelBatch) {
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
    func take() -> IntelBatch? {
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
