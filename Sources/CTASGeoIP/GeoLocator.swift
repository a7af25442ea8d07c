import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Places addresses with one or more MaxMind DB files (a City database, an ASN database…):
/// each field comes from the first database that carries it (coordinates with their
/// accuracy, from one database). Immutable and shareable.
public final class GeoLocator: Sendable {
    public let databases: [MaxMindDatabase]

    public init(databases: [MaxMindDatabase]) { self.databases = databases }

    /// Opens each file in order.
    public convenience init(paths: [String]) throws(GeoIPError) {
        var opened: [MaxMindDatabase] = []
        for path in paths { opened.append(try MaxMindDatabase(path: path)) }
        self.init(databases: opened)
    }

    /// How events say where their place came from: the first database's type and build
    /// month, e.g. `DBIP-City-Lite 2023-04`.
    public var label: String { databases.first.map(\.label) ?? "no database" }

    /// Looks up a textual address.
    public func locate(_ text: String) throws(GeoIPError) -> GeoLocation {
        guard let address = IPBytes(text) else { throw .badAddress(text) }
        return try locate(address, text: text)
    }

    private static let isoCode = MMDBPath("iso_code")
    private static let englishName = MMDBPath("names", "en")
    private static let latitude = MMDBPath("latitude")
    private static let longitude = MMDBPath("longitude")
    private static let accuracy = MMDBPath("accuracy_radius")

    /// Where a record's members of interest are, found in one pass over its top-level map.
    private struct Members {
        var country: Int?
        var registeredCountry: Int?
        var city: Int?
        var location: Int?
        var asNumber: Int?
        var asOrganization: Int?
    }

    private static func equal(_ key: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        guard key.count == name.utf8CodeUnitCount, let start = key.baseAddress else { return false }
        return memcmp(start, name.utf8Start, key.count) == 0
    }

    /// Looks up an address; `text` is how the answer names it. `network: false` leaves out
    /// the CIDR text (enrichment does not need it).
    public func locate(_ address: IPBytes, text: String, network: Bool = true) throws(GeoIPError) -> GeoLocation {
        var answer = GeoLocation(ip: text)
        for (index, database) in databases.enumerated() {
            let hit = try database.lookup(address)
            if index == 0 && network { answer.network = address.network(prefix: hit.prefixLength) }
            guard let record = hit.dataOffset else { continue }
            answer.found = true
            var m = Members()
            try database.forEachMember(of: record) { key, value in
                switch key.count {
                case 4 where Self.equal(key, "city"): m.city = value
                case 7 where Self.equal(key, "country"): m.country = value
                case 8 where Self.equal(key, "location"): m.location = value
                case 18 where Self.equal(key, "registered_country"): m.registeredCountry = value
                case 24 where Self.equal(key, "autonomous_system_number"): m.asNumber = value
                case 30 where Self.equal(key, "autonomous_system_organization"): m.asOrganization = value
                default: break
                }
                return true
            }
            func string(_ path: MMDBPath?, in offset: Int?) throws(GeoIPError) -> String? {
                guard let offset else { return nil }
                let at: Int?
                if let path { at = try database.locate(path, in: offset) } else { at = offset }
                guard let at, let bytes = try database.stringBytes(at: at) else { return nil }
                return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
            }
            func number(_ path: MMDBPath, in offset: Int) throws(GeoIPError) -> Double? {
                guard let at = try database.locate(path, in: offset) else { return nil }
                return try database.number(at: at)
            }
            if answer.country == nil { answer.country = try string(Self.isoCode, in: m.country) }
            if answer.country == nil { answer.country = try string(Self.isoCode, in: m.registeredCountry) }
            if answer.city == nil { answer.city = try string(Self.englishName, in: m.city) }
            // Coordinates and their accuracy come together, from one database.
            if answer.latitude == nil, let location = m.location,
               let lat = try number(Self.latitude, in: location), let lon = try number(Self.longitude, in: location),
               abs(lat) <= 90, abs(lon) <= 180 {   // (a NaN fails both too)
                answer.latitude = lat
                answer.longitude = lon
                if let km = try number(Self.accuracy, in: location), km >= 0, km < 100_000 { answer.accuracyKm = Int(km) }
            }
            if answer.asn == nil, let at = m.asNumber, let n = try database.number(at: at), n >= 0, n <= Double(UInt32.max) {
                answer.asn = UInt32(n)
            }
            if answer.organization == nil { answer.organization = try string(nil, in: m.asOrganization) }
        }
        return answer
    }
}

extension MaxMindDatabase {
    /// The database type and its build month (UTC), e.g. `GeoLite2-City 2018-07`.
    public var label: String {
        let type = metadata.databaseType.isEmpty ? "MaxMind DB" : SafeText.sanitize(metadata.databaseType)
        guard metadata.buildEpoch > 0, metadata.buildEpoch < 253_402_300_800 else { return type }
        let date = CivilDate(daysSinceEpoch: Int64(metadata.buildEpoch / 86_400))
        let month = date.month < 10 ? "0\(date.month)" : "\(date.month)"
        return "\(type) \(date.year)-\(month)"
    }
}
