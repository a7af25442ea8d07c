import CTASCore

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

    private static let countryCode = MMDBPath("country", "iso_code")
    private static let registeredCountryCode = MMDBPath("registered_country", "iso_code")
    private static let cityName = MMDBPath("city", "names", "en")
    private static let latitude = MMDBPath("location", "latitude")
    private static let longitude = MMDBPath("location", "longitude")
    private static let accuracy = MMDBPath("location", "accuracy_radius")
    private static let asNumber = MMDBPath("autonomous_system_number")
    private static let asOrganization = MMDBPath("autonomous_system_organization")

    /// Looks up an address; `text` is how the answer names it.
    public func locate(_ address: IPBytes, text: String) throws(GeoIPError) -> GeoLocation {
        var answer = GeoLocation(ip: text)
        for (index, database) in databases.enumerated() {
            let hit = try database.lookup(address)
            if index == 0 { answer.network = address.network(prefix: hit.prefixLength) }
            guard let record = hit.dataOffset else { continue }
            answer.found = true
            func string(_ path: MMDBPath) throws(GeoIPError) -> String? {
                guard let at = try database.locate(path, in: record), let bytes = try database.stringBytes(at: at) else { return nil }
                return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self)
            }
            func number(_ path: MMDBPath) throws(GeoIPError) -> Double? {
                guard let at = try database.locate(path, in: record) else { return nil }
                return try database.number(at: at)
            }
            if answer.country == nil { answer.country = try string(Self.countryCode) }
            if answer.country == nil { answer.country = try string(Self.registeredCountryCode) }
            if answer.city == nil { answer.city = try string(Self.cityName) }
            // Coordinates and their accuracy come together, from one database.
            if answer.latitude == nil, let lat = try number(Self.latitude), let lon = try number(Self.longitude) {
                answer.latitude = lat
                answer.longitude = lon
                if let km = try number(Self.accuracy), km >= 0, km < 100_000 { answer.accuracyKm = Int(km) }
            }
            if answer.asn == nil, let n = try number(Self.asNumber), n >= 0, n <= Double(UInt32.max) { answer.asn = UInt32(n) }
            if answer.organization == nil { answer.organization = try string(Self.asOrganization) }
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
