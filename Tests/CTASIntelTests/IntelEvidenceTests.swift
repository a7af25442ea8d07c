import CTASCore
import CTASFeeds
import CTASStore
import Foundation
import Testing
@testable import CTASIntel
import CTASTestSupport

/// The engine's compact evidence index gives every indicator the confidence and decay clock
/// `intel list` gives it, on a store shaped by chance: several reports per value, missing
/// and present confidences, last-seen times and report dates, sightings before and after
/// the time asked.
@Suite struct IntelEvidenceTests {
    /// Rows are folded in runs: runs of 1, 7 and the default (more than the store holds) give
    /// the same index.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5], [1, 7, 65_536])
    func evidenceMatchesTheFullListing(seed: UInt64, foldRun: Int) throws {
        let path = Scratch.path("evidence") + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try IntelStore(database: SQLiteDatabase(path: path))
        var random = SeededRandom(seed: seed)
        let day: Int64 = 86_400_000_000
        let base: Int64 = 1_790_000_000_000_000
        func maybeTime() -> Timestamp? { random.next() % 3 == 0 ? nil : Timestamp(microseconds: base + Int64(random.next() % 200) * day) }
        let values = (0..<60).map { Indicator(.domain, "v\($0).example-evidence.net") }
        var batch = IntelBatch()
        for r in 0..<8 {
            let id = "report-\(r)"
            batch.reports.append(IntelReport(id: id, format: "misp", name: "R\(r)", date: maybeTime(), modified: Timestamp(microseconds: base)))
            for value in values where random.next() % 3 == 0 {
                let confidence: Double? = random.next() % 2 == 0 ? nil : Double(random.next() % 101)
                batch.entries.append(IntelEntry(report: id, indicator: value, sourceType: "domain", lastSeen: maybeTime(), confidence: confidence))
            }
        }
        for value in values where random.next() % 4 == 0 {
            for _ in 0..<Int(random.next() % 3 + 1) {
                batch.sightings.append(IntelSighting(indicator: value, time: Timestamp(microseconds: base + Int64(random.next() % 300) * day), source: "s"))
            }
        }
        _ = try store.store(batch, importedAt: Timestamp(microseconds: base))
        for at in [base + 100 * day, base + 400 * day] {
            let time = Timestamp(microseconds: at)
            let listed = try store.list(IntelStore.Selection(at: time))
            let index = try store.evidenceIndex(at: time, foldRun: foldRun)
            #expect(listed.count == index.count)
            #expect(!listed.isEmpty)
            for listing in listed {
                let found = try #require(index.evidence(for: listing.indicator))
                #expect(found.confidence == listing.confidence, "\(listing.indicator.value) confidence")
                #expect(found.reference == listing.reference, "\(listing.indicator.value) reference")
                #expect(abs(found.score(at: time) - listing.score) < 1e-9, "\(listing.indicator.value) score")
            }
            // Read one by one (what an export of events asks), each is the listing `list` gives.
            let one = try store.listings(of: Set(listed.map(\.indicator)).union([Indicator(.domain, "absent.example-evidence.net")]), at: time)
            #expect(one.count == listed.count)
            for listing in listed { #expect(one[listing.indicator] == listing, "\(listing.indicator.value)") }
            // Values the store does not hold, of the same and of other kinds, are not known.
            for n in 0..<10_000 {
                #expect(!index.contains(Indicator(.domain, "w\(n).example-evidence.net")))
                #expect(!index.contains(Indicator(.url, "v\(n % 60).example-evidence.net")))
            }
        }
    }
}
