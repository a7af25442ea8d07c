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

    /// A chunk of several files' batches stores what the same entries in one batch store:
    /// reports spread over files, tags, and entries in any order.
    @Test func filesPreparedTogetherStoreWhatOneBatchStores() throws {
        var entries: [IntelEntry] = []
        var reports: [IntelReport] = []
        for r in 0..<3 {
            reports.append(IntelReport(id: "r\(r)", format: "misp", name: "r\(r)", modified: Timestamp(microseconds: 1)))
        }
        for n in 0..<60 {
            let report = "r\(n % 3)"
            entries.append(IntelEntry(report: report, indicator: Indicator(.domain, "host\((n * 37) % 60).example"), sourceType: n % 2 == 0 ? "domain" : "hostname",
                                      tags: n % 5 == 0 ? ["tlp:amber", "t\(n)"] : [], comment: n % 7 == 0 ? "c\(n)" : nil))
        }
        func rows(_ prepared: IntelStore.PreparedBatch) throws -> [String] {
            let path = Scratch.path("prepared") + ".sqlite"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let store = try IntelStore(database: SQLiteDatabase(path: path))
            _ = try store.store(prepared, importedAt: Timestamp(microseconds: 0))
            let statement = try store.database.prepare("SELECT report, value, source_type, tags, ifnull(comment, '') FROM intel_entries ORDER BY report, value, source_type")
            var out: [String] = []
            while try statement.step() {
                out.append((0..<5).map { statement.text(Int32($0)) ?? "" }.joined(separator: " "))
            }
            return out
        }
        var whole = IntelBatch()
        whole.reports = reports
        whole.entries = entries
        // Three files: the reports in the first, the entries cut at places that split runs.
        var files = [IntelBatch(), IntelBatch(), IntelBatch()]
        files[0].reports = reports
        files[0].entries = Array(entries[0..<7])
        files[1].entries = Array(entries[7..<40])
        files[2].entries = Array(entries[40...])
        let expected = try rows(IntelStore.PreparedBatch(whole))
        #expect(expected.count == 60)
        #expect(expected.contains { $0.contains("[\"tlp:amber\",\"t0\"]") })
        #expect(try rows(IntelStore.PreparedBatch(files: files)) == expected)
        #expect(try rows(IntelStore.PreparedBatch(files: [])) == [])
    }
}
