import CTASCore
import CTASStore
import Foundation
import Testing
@testable import CTASIntel
import CTASTestSupport

/// Reports are stored a group per transaction; where the groups are cut changes nothing:
/// new, updated, unchanged and older versions end the same.
@Suite struct IntelImportGroupingTests {
    @Test(arguments: [1, 2, 3, 1_000])
    func groupsOfAnySizeStoreTheSame(entriesPerTransaction: Int) throws {
        func batch(_ versions: [(id: String, modified: Int64, values: [String])]) -> IntelBatch {
            var b = IntelBatch()
            for v in versions {
                b.reports.append(IntelReport(id: v.id, format: "misp", name: v.id, modified: Timestamp(microseconds: v.modified)))
                for value in v.values { b.entries.append(IntelEntry(report: v.id, indicator: Indicator(.domain, value), sourceType: "domain")) }
            }
            return b
        }
        func stored(_ per: Int) throws -> ([String], IntelStore.ImportSummary) {
            let path = Scratch.path("grouping") + ".sqlite"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let store = try IntelStore(database: SQLiteDatabase(path: path))
            _ = try store.store(batch([("r1", 10, ["a.net", "b.net"]), ("r2", 10, ["c.net"])]), importedAt: Timestamp(microseconds: 0),
                                entriesPerTransaction: per)
            let summary = try store.store(batch([("r1", 20, ["a.net", "d.net"]), ("r2", 5, ["stale.net"]), ("r3", 1, ["e.net", "f.net", "g.net"]),
                                                 ("r4", 1, [])]), importedAt: Timestamp(microseconds: 0), entriesPerTransaction: per)
            let listed = try store.list(IntelStore.Selection(at: Timestamp(microseconds: 0)))
                .map { $0.indicator.value + ":" + $0.sources.map(\.report).sorted().joined(separator: "+") }.sorted()
            return (listed, summary)
        }
        let (listed, summary) = try stored(entriesPerTransaction)
        #expect(listed == ["a.net:r1", "c.net:r2", "d.net:r1", "e.net:r3", "f.net:r3", "g.net:r3"])
        #expect(summary.reportsNew == 2 && summary.reportsUpdated == 1 && summary.reportsUnchanged == 1 && summary.entries == 5)
    }
}
