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
        // From the rows, then (seeds 1 and 2) from a snapshot stored as `intel import` stores it.
        if seed <= 2 {
            #expect(try store.storeEvidenceSnapshot({ let e = try store.entryEvidence(foldRun: foldRun); return (e.index.snapshot(), e.generation) }()))
            #expect(try store.hasCurrentEvidenceSnapshot())
        }
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

    /// Sightings the engine logs count as imported ones do, whether they are still in the log
    /// or merged into the indexed table (a limit of 1 merges at every call, 7 now and then,
    /// 100,000 never): counts, latest sightings, the newest three with their events, the
    /// evidence index's decay clock and the one-by-one listings all equal a count made here.
    @Test(arguments: [1, 7, 100_000])
    func loggedSightingsCountBeforeAndAfterTheMerge(limit: Int) throws {
        let path = Scratch.path("sighting-log") + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try SQLiteDatabase(path: path)
        let store = try IntelStore(database: database)
        var random = SeededRandom(seed: UInt64(limit))
        let day: Int64 = 86_400_000_000
        let base: Int64 = 1_790_000_000_000_000
        let values = (0..<12).map { Indicator(.domain, "s\($0).example-log.net") }
        var batch = IntelBatch()
        batch.reports.append(IntelReport(id: "r", format: "misp", name: "R", date: Timestamp(microseconds: base), modified: Timestamp(microseconds: base)))
        for value in values { batch.entries.append(IntelEntry(report: "r", indicator: value, sourceType: "domain", confidence: 70)) }
        // Two imported sightings, kept in the indexed table as before.
        batch.sightings.append(IntelSighting(indicator: values[0], time: Timestamp(microseconds: base + 3 * day), source: "org"))
        batch.sightings.append(IntelSighting(indicator: values[1], time: Timestamp(microseconds: base + 50 * day), source: "org"))
        _ = try store.store(batch, importedAt: Timestamp(microseconds: base))
        var expected: [(indicator: Indicator, time: Int64, source: String, event: String)] = [
            (values[0], base + 3 * day, "org", ""), (values[1], base + 50 * day, "org", ""),
        ]
        var eventNumber = 0
        for _ in 0..<9 {
            var rows: [(Indicator, Timestamp, String, String)] = []
            for _ in 0..<Int(random.next() % 6) {
                let value = values[Int(random.next() % 8)]   // four values are never sighted
                let time = base + Int64(random.next() % 100) * day + Int64(random.next() % 1000)
                let source = random.next() % 2 == 0 ? "sensor-a" : "sensor-b"
                eventNumber += 1
                rows.append((value, Timestamp(microseconds: time), source, "event-\(eventNumber)"))
                expected.append((value, time, source, "event-\(eventNumber)"))
            }
            try database.transaction { () throws(StoreError) in try store.logSightings(rows, limit: limit) }
            #expect(try store.loggedSightingCount() < limit)
        }
        #expect(eventNumber > 10)
        for at in [base + 40 * day, base + 200 * day] {
            let time = Timestamp(microseconds: at)
            let listed = try store.list(IntelStore.Selection(at: time))
            #expect(listed.count == values.count)
            let index = try store.evidenceIndex(at: time)
            for listing in listed {
                let seen = expected.filter { $0.indicator == listing.indicator && $0.time <= at }
                #expect(listing.sightings == seen.count, "\(listing.indicator.value)")
                #expect(listing.lastSighting == seen.map(\.time).max().map { Timestamp(microseconds: $0) }, "\(listing.indicator.value)")
                #expect(try #require(index.evidence(for: listing.indicator)).reference == listing.reference)
                var one = IntelStore.Selection(at: time)
                one.value = listing.indicator.value
                one.sightingsShown = 3
                let shown = try #require(try store.list(one).first)
                let newest = seen.sorted { ($0.time, $1.source, $1.event) > ($1.time, $0.source, $0.event) }.prefix(3)
                #expect(shown.recentSightings.map(\.time.microseconds) == newest.map(\.time), "\(listing.indicator.value)")
                #expect(shown.recentSightings.map(\.event) == newest.map(\.event), "\(listing.indicator.value)")
                #expect(shown == listing)
            }
            let each = try store.listings(of: Set(values), at: time)
            for listing in listed { #expect(each[listing.indicator] == listing) }
        }
    }

    /// A store written before the sighting log existed, read without writing (so without
    /// the log table), still lists its sightings.
    @Test func storeWithoutTheLogListsItsSightings() throws {
        let path = Scratch.path("no-sighting-log") + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let base: Int64 = 1_790_000_000_000_000
        do {
            let store = try IntelStore(database: SQLiteDatabase(path: path))
            var batch = IntelBatch()
            let value = Indicator(.domain, "old.example-log.net")
            batch.reports.append(IntelReport(id: "r", format: "misp", name: "R", date: nil, modified: Timestamp(microseconds: base)))
            batch.entries.append(IntelEntry(report: "r", indicator: value, sourceType: "domain"))
            batch.sightings.append(IntelSighting(indicator: value, time: Timestamp(microseconds: base + 5), source: "org"))
            _ = try store.store(batch, importedAt: Timestamp(microseconds: base))
            try store.database.execute("DROP TABLE intel_sightings_log")
        }
        let reader = try IntelStore(database: SQLiteDatabase(path: path), readOnly: true)
        #expect(try reader.loggedSightingCount() == 0)
        let listed = try reader.list(IntelStore.Selection(at: Timestamp(microseconds: base + 10)))
        #expect(listed.map(\.sightings) == [1])
        #expect(listed.first?.lastSighting == Timestamp(microseconds: base + 5))
        #expect(try reader.evidenceIndex(at: Timestamp(microseconds: base + 10)).evidence(for: Indicator(.domain, "old.example-log.net"))?.reference
                == Timestamp(microseconds: base + 5))
    }

    /// An index started small grows past its room: every indicator folded in is found with
    /// its confidence after each doubling (the slots and the filter are rebuilt), and values
    /// never folded are not.
    @Test func indexGrowsAndKeepsEveryIndicator() {
        var index = IntelEvidenceIndex()
        let values = (0..<40_000).map { Indicator(.domain, "g\($0).example-grow.net") }
        for (n, value) in values.enumerated() {
            index.fold(key: index.fingerprint(value), confidence: Double(n % 100), time: Int64(n), clock: .lastSeen)
        }
        #expect(index.count == values.count)
        for (n, value) in values.enumerated() {
            let found = index.evidence(for: value)
            #expect(found?.confidence == Double(n % 100) && found?.reference == Timestamp(microseconds: Int64(n)), "\(value.value)")
        }
        let strangers = (0..<40_000).filter { index.contains(Indicator(.domain, "h\($0).example-grow.net")) }
        #expect(strangers.isEmpty)
    }

    /// Clocks hold their order at the edges of time: a time past ±2⁶¹ µs is kept at that
    /// bound (still later, or earlier, than any real one), and a stronger clock still wins.
    @Test func clocksAtTheEdgesOfTimeKeepTheirOrder() throws {
        var index = IntelEvidenceIndex(expected: 10)
        let bound: Int64 = (1 << 61) - 1
        let far = Indicator(.domain, "far.example"), past = Indicator(.domain, "past.example"), both = Indicator(.domain, "both.example")
        index.fold(key: index.fingerprint(far), confidence: 50, time: .max, clock: .reportDate)
        index.fold(key: index.fingerprint(past), confidence: nil, time: .min, clock: .lastSeen)
        index.fold(key: index.fingerprint(both), confidence: 1, time: .max, clock: .reportDate)
        index.fold(key: index.fingerprint(both), confidence: 2, time: -5, clock: .lastSeen)
        index.sighted(key: index.fingerprint(both), at: 7)
        index.fold(key: index.fingerprint(both), confidence: nil, time: .max, clock: .lastSeen)
        #expect(index.evidence(for: far) == IntelEvidence(confidence: 50, reference: Timestamp(microseconds: bound)))
        #expect(index.evidence(for: past) == IntelEvidence(confidence: nil, reference: Timestamp(microseconds: -bound)))
        #expect(index.evidence(for: both) == IntelEvidence(confidence: 2, reference: Timestamp(microseconds: 7)))
        let restored = try #require(index.snapshot().withUnsafeBytes { IntelEvidenceIndex(snapshot: $0) })
        for value in [far, past, both] { #expect(restored.evidence(for: value) == index.evidence(for: value)) }
    }

    /// A snapshot gives back the index it was made of (the same key, every indicator with its
    /// confidence and clock, strangers still unknown); bytes that are not one give nil.
    @Test func snapshotRoundTripsAndRefusesWhatIsNotOne() throws {
        var index = IntelEvidenceIndex(expected: 3_000)
        let values = (0..<3_000).map { Indicator(.ipv4, "198.51.\($0 / 256).\($0 % 256)") }
        for (n, value) in values.enumerated() {
            index.fold(key: index.fingerprint(value), confidence: n % 3 == 0 ? nil : Double(n % 101),
                       time: n % 5 == 0 ? nil : Int64(n) * 1_000, clock: n % 2 == 0 ? .reportDate : .lastSeen)
        }
        let bytes = index.snapshot()
        let restored = try #require(bytes.withUnsafeBytes { IntelEvidenceIndex(snapshot: $0) })
        #expect(restored.count == index.count)
        for value in values { #expect(restored.evidence(for: value) == index.evidence(for: value), "\(value.value)") }
        #expect(!restored.contains(Indicator(.ipv4, "203.0.113.9")))
        // Handed over in pieces of any size (records and the header cut anywhere), the same.
        for piece in [1, 7, 25, 39, 40, 1_000, bytes.count] {
            var reader = IntelEvidenceIndex.SnapshotReader(totalBytes: bytes.count)
            var accepted = true
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count && accepted {
                    let end = min(offset + piece, raw.count)
                    accepted = reader.consume(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                }
            }
            let pieced = try #require(accepted ? reader.finish() : nil, "pieces of \(piece)")
            for value in values.prefix(200) { #expect(pieced.evidence(for: value) == index.evidence(for: value), "pieces of \(piece)") }
        }
        // Cut short, one byte more, another magic, a capacity too small for the count and one
        // past 2³², a rank past the strongest clock, a fingerprint given twice.
        var broken: [[UInt8]] = [Array(bytes.dropLast()), bytes + [0], Array(bytes.prefix(39))]
        var magic = bytes; magic[0] ^= 1; broken.append(magic)
        var small = bytes; small.replaceSubrange(24..<32, with: [16, 0, 0, 0, 0, 0, 0, 0]); broken.append(small)
        var huge = bytes; huge.replaceSubrange(24..<32, with: [1, 0, 0, 0, 1, 0, 0, 0]); broken.append(huge)
        var rank = bytes; rank[40 + 24] = 9; broken.append(rank)
        var twice = bytes; twice.replaceSubrange(65..<73, with: bytes[40..<48]); broken.append(twice)
        for (n, bad) in broken.enumerated() { #expect(bad.withUnsafeBytes { IntelEvidenceIndex(snapshot: $0) } == nil, "case \(n)") }
        // A header asking for 2³² slots (96 GB) over these 3,000 records: the table is sized
        // by the records there, and the index is the same (found by the fuzz target `evidence`,
        // which ran out of memory on such a header).
        var vast = bytes; vast.replaceSubrange(24..<32, with: [0, 0, 0, 0, 1, 0, 0, 0])
        let sized = try #require(vast.withUnsafeBytes { IntelEvidenceIndex(snapshot: $0) })
        for value in values.prefix(300) { #expect(sized.evidence(for: value) == index.evidence(for: value)) }
        // A count the bytes do not hold is refused before any table is made.
        var claims = Array(bytes.prefix(40)); claims.replaceSubrange(32..<40, with: [0, 0, 0, 0, 0, 0, 0, 1])
        claims.replaceSubrange(24..<32, with: [0, 0, 0, 0, 1, 0, 0, 0])
        #expect(claims.withUnsafeBytes { IntelEvidenceIndex(snapshot: $0) } == nil)
    }

    /// `intel import` stores a snapshot of what it wrote; another import that changes the
    /// store moves the generation on, so the old snapshot is not used, and stores a new one;
    /// an engine's index from the snapshot equals one read from the rows.
    @Test func importStoresASnapshotThatLaterImportsReplace() throws {
        let dir = Scratch.path("evidence-snapshot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func event(_ uuid: String, timestamp: Int, values: [String]) -> String {
            let attributes = values.map { "{\"type\":\"domain\",\"value\":\"\($0)\",\"to_ids\":true}" }.joined(separator: ",")
            return "{\"Event\":{\"uuid\":\"\(uuid)\",\"info\":\"e\",\"date\":\"2026-11-01\",\"timestamp\":\"\(timestamp)\",\"Attribute\":[\(attributes)]}}"
        }
        try event("5f0c0000-0000-4000-8000-000000000001", timestamp: 1_790_000_000, values: ["one.example-snap.net", "two.example-snap.net"])
            .write(toFile: dir + "/v1.json", atomically: true, encoding: .utf8)
        try event("5f0c0000-0000-4000-8000-000000000001", timestamp: 1_790_000_100, values: ["three.example-snap.net"])
            .write(toFile: dir + "/v2.json", atomically: true, encoding: .utf8)
        let store = try IntelStore(database: SQLiteDatabase(path: dir + "/warm.sqlite"))
        let now = Timestamp(microseconds: 1_800_000_000_000_000)
        _ = try IntelImport.run(paths: [dir + "/v1.json"], into: store, importedAt: now)
        let first = try store.generation()
        #expect(first > 0)
        #expect(try store.hasCurrentEvidenceSnapshot())
        let fromSnapshot = try store.evidenceIndex(at: now)
        let fromRows = try store.evidenceIndex(at: now, foldRun: 65_536, snapshot: false)
        #expect(fromSnapshot.count == 2 && fromRows.count == 2)
        for value in ["one", "two", "three"].map({ Indicator(.domain, "\($0).example-snap.net") }) {
            #expect(fromSnapshot.evidence(for: value) == fromRows.evidence(for: value))
        }
        // The newer version replaces the event: the store moves on and the snapshot with it.
        _ = try IntelImport.run(paths: [dir + "/v2.json"], into: store, importedAt: now)
        #expect(try store.generation() > first)
        #expect(try store.hasCurrentEvidenceSnapshot())
        let replaced = try store.evidenceIndex(at: now)
        #expect(replaced.count == 1 && replaced.contains(Indicator(.domain, "three.example-snap.net")))
        #expect(!replaced.contains(Indicator(.domain, "one.example-snap.net")))
        // Written around the import (as an older CTAS would): the snapshot is stale and unused.
        try store.database.execute("UPDATE intel_state SET value = value + 1 WHERE name = 'generation'")
        #expect(try !store.hasCurrentEvidenceSnapshot())
        #expect(try store.storedEvidence() == nil)
        #expect(try store.evidenceIndex(at: now).contains(Indicator(.domain, "three.example-snap.net")))
    }
}
