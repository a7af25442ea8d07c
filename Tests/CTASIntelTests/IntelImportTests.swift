import CTASCore
import CTASStore
import Foundation
import Testing
@testable import CTASIntel
import CTASTestSupport

/// The pipelined import (a reader thread, the writer here) stores what one batch would,
/// wherever its chunks are cut, and keeps every problem with its file.
@Suite struct IntelImportTests {
    @Test(arguments: [1, 2, 3, 1_000_000], [false, true])
    func chunksOfAnySizeImportTheSame(chunkEntries: Int, rebuildValueIndex: Bool) throws {
        let dir = Scratch.path("import")
        try FileManager.default.createDirectory(atPath: dir + "/events", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for e in 0..<5 {
            let attributes = (0...e).map { #"{"type":"domain","value":"d\#($0)-e\#(e).example-import.net","to_ids":true}"# }.joined(separator: ",")
            try #"{"Event":{"uuid":"00000000-0000-4000-8000-00000000000\#(e)","info":"E\#(e)","date":"2026-10-01","timestamp":"1790000000","Attribute":[\#(attributes),{"type":"regkey","value":"HKLM\\x"}]}}"#
                .write(toFile: dir + "/events/e\(e).json", atomically: true, encoding: .utf8)
        }
        try "{not json".write(toFile: dir + "/events/zz-broken.json", atomically: true, encoding: .utf8)
        let store = try IntelStore(database: SQLiteDatabase(path: dir + "/warm.sqlite"))
        let outcome = try IntelImport.run(paths: [dir + "/events", dir + "/missing.json"], into: store, importedAt: Timestamp(microseconds: 0),
                                          chunkEntries: chunkEntries, rebuildValueIndex: rebuildValueIndex)
        #expect(outcome.summary.rebuiltValueIndex == rebuildValueIndex)
        // Whether dropped and built again or kept, the value index is there and finds values.
        #expect(try store.database.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'intel_entries_value'") == 1)
        #expect(try store.database.scalar("SELECT count(*) FROM intel_entries INDEXED BY intel_entries_value WHERE value = 'd0-e3.example-import.net'") == 1)
        #expect(outcome.summary.reportsNew == 5 && outcome.summary.entries == 15, "\(outcome.summary)")
        #expect(outcome.summary.problems == outcome.problems.count)
        let files = Set(outcome.problems.map { URL(fileURLWithPath: $0.file).lastPathComponent })
        #expect(files.isSuperset(of: ["zz-broken.json", "missing.json"]), "\(files)")
        #expect(outcome.problems.filter { if case .unsupportedType = $0.reason { true } else { false } }.count == 5)
        let values = try store.list(IntelStore.Selection(at: Timestamp(microseconds: 0))).map(\.indicator.value)
        #expect(Set(values) == Set((0..<5).flatMap { e in (0...e).map { "d\($0)-e\(e).example-import.net" } }))
        // Again: nothing new, nothing lost.
        let again = try IntelImport.run(paths: [dir + "/events"], into: store, importedAt: Timestamp(microseconds: 0), chunkEntries: chunkEntries,
                                        rebuildValueIndex: rebuildValueIndex)
        #expect(again.summary.reportsUnchanged == 5 && again.summary.reportsNew == 0 && again.summary.entries == 0)
    }

    /// The index is rebuilt for a large import into a store not much larger, within the
    /// limit that keeps the build under SQLite's busy timeout; otherwise entries go into it.
    @Test func theValueIndexIsRebuiltOnlyWhereThatIsCheaper() {
        #expect(IntelImport.shouldRebuildValueIndex(estimatedEntries: 1_000_000, stored: 0))
        #expect(IntelImport.shouldRebuildValueIndex(estimatedEntries: 400_000, stored: 800_000))
        #expect(!IntelImport.shouldRebuildValueIndex(estimatedEntries: 400_000, stored: 800_001), "store more than twice the import")
        #expect(!IntelImport.shouldRebuildValueIndex(estimatedEntries: 99_999, stored: 0), "a small import")
        #expect(!IntelImport.shouldRebuildValueIndex(estimatedEntries: 1_500_000, stored: 600_000), "past the limit")
        #expect(!IntelImport.shouldRebuildValueIndex(estimatedEntries: Int.max, stored: 0), "no overflow")
        // Sizes: 150 bytes an entry; missing paths count nothing.
        let dir = Scratch.directory("import-estimate")
        #expect(FileManager.default.createFile(atPath: dir + "/a.json", contents: Data(count: 15_000)))
        #expect(FileManager.default.createFile(atPath: dir + "/b.txt", contents: Data(count: 15_000)))
        #expect(IntelImport.estimatedEntries([dir, dir + "/a.json", dir + "/none.json"]) == 200)
    }
}
