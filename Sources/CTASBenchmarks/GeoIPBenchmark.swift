import CTASGeoIP
import Foundation

/// `ctas bench geoip`: lookups per second of CTAS's MaxMind DB reader against the reference
/// reader's C extension (PyPI `maxminddb`, MODE_MMAP_EXT) in the same run, on the same
/// addresses, best of three each.
public enum GeoIPBenchmark {
    public struct Result: Codable, Sendable {
        public var database: String
        public var addresses: Int
        public var seed: UInt64
        /// Address text → the fields enrichment uses (country, city, coordinates, AS).
        public var swiftLocatePerSecond: Double
        /// Address text → the whole record decoded (what the reference's `get` returns).
        public var swiftRecordPerSecond: Double
        /// The reference reader's `get` (C extension), when it ran.
        public var referencePerSecond: Double?
        public var referenceReader: String?
        /// swiftRecordPerSecond / referencePerSecond: above 1, CTAS is faster.
        public var recordSpeedup: Double?
        public var locateSpeedup: Double?
        public var referenceNote: String?
    }

    /// The addresses: 55 % IPv4, 42 % IPv6 in 2000::/3 (where data is), 3 % any IPv6.
    public static func addresses(count: Int, seed: UInt64) -> [String] {
        var random = BenchRandom(seed: seed)
        func next() -> UInt64 { random.next() }
        var out: [String] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            let kind = next() % 100
            if kind < 55 {
                let v = UInt32(truncatingIfNeeded: next())
                out.append("\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)")
            } else {
                var high = next()
                let low = next()
                if kind < 97 { high = (high & 0x1FFF_FFFF_FFFF_FFFF) | 0x2000_0000_0000_0000 }
                var groups: [String] = []
                for word in [high, low] {
                    for shift in stride(from: 48, through: 0, by: -16) {
                        groups.append(String(UInt16(truncatingIfNeeded: word >> UInt64(shift)), radix: 16))
                    }
                }
                out.append(groups.joined(separator: ":"))
            }
        }
        return out
    }

    static let referenceScript = """
        import json, sys, time
        import maxminddb
        reader = maxminddb.open_database(sys.argv[1], maxminddb.MODE_MMAP_EXT)
        ips = open(sys.argv[2]).read().split()
        best = None
        for _ in range(3):
            start = time.perf_counter()
            for ip in ips:
                reader.get(ip)
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        print(json.dumps({"perSecond": len(ips) / best, "reader": "maxminddb " + maxminddb.__version__ + " " + type(reader).__module__}))
        """

    public static func run(database: String, count: Int, seed: UInt64, python: String?, directory: String) throws -> Result {
        let ips = addresses(count: count, seed: seed)
        let locator = try GeoLocator(paths: [database])
        guard let db = locator.databases.first else { throw BenchError.cannotCreate(path: database) }
        func best(_ body: () throws -> Void) rethrows -> Double {
            var fastest = Double.infinity
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return fastest
        }
        var sink = 0
        let locateSeconds = try best {
            for ip in ips where try locator.locate(ip).found { sink &+= 1 }
        }
        let recordSeconds = try best {
            for ip in ips {
                guard let address = IPBytes(ip) else { continue }
                if let offset = try db.lookup(address).dataOffset, case .map(let pairs) = try db.value(at: offset) { sink &+= pairs.count }
            }
        }
        var result = Result(database: database, addresses: count, seed: seed,
                            swiftLocatePerSecond: (Double(count) / locateSeconds).rounded(),
                            swiftRecordPerSecond: (Double(count) / recordSeconds).rounded())
        if sink == -1 { print(sink) }   // keeps the loops from being optimised away
        guard let python else {
            result.referenceNote = "no Python with PyPI maxminddb given (--python); the reference did not run"
            return result
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let list = directory + "/addresses.txt"
        try ips.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let out = directory + "/reference.json"
        let status = try BenchFixture.spawnAndWait(python, ["-c", referenceScript, database, list], stdout: out)
        guard status == 0, let data = FileManager.default.contents(atPath: out),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let perSecond = object["perSecond"] as? Double else {
            result.referenceNote = "the reference reader failed (exit \(status)); is PyPI maxminddb installed for \(python)?"
            return result
        }
        result.referencePerSecond = perSecond.rounded()
        result.referenceReader = object["reader"] as? String
        result.recordSpeedup = BenchFixture.round3(result.swiftRecordPerSecond / perSecond)
        result.locateSpeedup = BenchFixture.round3(result.swiftLocatePerSecond / perSecond)
        return result
    }
}
