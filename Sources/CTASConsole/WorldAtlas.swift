import Foundation

/// What the map draws and names to orient the analyst: land borders between countries,
/// country label points, and cities (SampleData/atlas.txt, made by
/// SampleData/generate-atlas.py from Natural Earth and GeoNames; coastlines come from the
/// land mask). Also answers `g PLACE` and the crosshair's "near …".
public final class WorldAtlas: Sendable {
    /// A named point: a country's label point or a city.
    public struct Place: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case country, city }
        public var kind: Kind
        public var name: String
        /// ISO 3166 alpha-3 for countries, alpha-2 for cities' countries.
        public var code: String
        public var lat: Double
        public var lng: Double
        /// Population for cities; area in square degrees for countries (label priority).
        public var weight: Double
    }

    /// Border polylines as (lat, lng) pairs, flattened: `borderStarts[i]..<borderStarts[i+1]`.
    public let borderPoints: [(lat: Double, lng: Double)]
    public let borderStarts: [Int]
    /// Countries, largest first.
    public let countries: [Place]
    /// Cities, most populous first.
    public let cities: [Place]

    /// Why an atlas file could not be read: the file, the line, and what was expected.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads the text format (see generate-atlas.py); `origin` names the file in errors.
    public init(text: String, origin: String) throws(LoadError) {
        var points: [(lat: Double, lng: Double)] = []
        var starts: [Int] = []
        var countries: [Place] = []
        var cities: [Place] = []
        var sawHeader = false
        // "\r\n" is one Character in Swift: split on any newline, CRLF files included.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            func fail(_ what: String) -> LoadError { LoadError(message: "\(origin):\(number): \(what)") }
            if !sawHeader {
                guard line == "CTASATLAS 1" else { throw fail("expected the header \"CTASATLAS 1\"") }
                sawHeader = true
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            func coordinate(_ i: Int, _ range: ClosedRange<Double>, _ name: String) throws(LoadError) -> Double {
                guard i < fields.count, let v = Double(fields[i]), v.isFinite, range.contains(v) else {
                    throw fail("field \(i + 1): expected a \(name) in \(Int(range.lowerBound))…\(Int(range.upperBound))")
                }
                return v
            }
            switch fields[0] {
            case "B":
                let values = fields.count - 1
                guard values >= 4, values % 2 == 0 else { throw fail("a border needs at least two lat/lng pairs") }
                starts.append(points.count)
                var i = 1
                while i < fields.count {
                    points.append((try coordinate(i, -90...90, "latitude"), try coordinate(i + 1, -180...180, "longitude")))
                    i += 2
                }
            case "C", "P":
                guard fields.count == 6 else { throw fail("expected 6 tab-separated fields, found \(fields.count)") }
                let name = String(fields[5])
                guard !name.isEmpty, name.count <= 80, name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value) })
                else { throw fail("field 6: expected a printable name of 1–80 characters") }
                guard let weight = Double(fields[4]), weight.isFinite, weight >= 0 else { throw fail("field 5: expected a number ≥ 0") }
                let place = Place(kind: fields[0] == "C" ? .country : .city, name: name, code: String(fields[1].prefix(3)),
                                  lat: try coordinate(2, -90...90, "latitude"), lng: try coordinate(3, -180...180, "longitude"), weight: weight)
                if place.kind == .country { countries.append(place) } else { cities.append(place) }
            default:
                throw fail("unknown record '\(fields[0].prefix(8))'; expected B, C or P")
            }
        }
        guard sawHeader else { throw LoadError(message: "\(origin): empty; expected the header \"CTASATLAS 1\"") }
        starts.append(points.count)
        borderPoints = points
        borderStarts = starts
        self.countries = countries.sorted { $0.weight > $1.weight }
        self.cities = cities.sorted { $0.weight > $1.weight }
    }

    public convenience init(path: String) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(message: "\(path): cannot be read") }
        try self.init(text: String(decoding: data, as: UTF8.self), origin: path)
    }

    /// The places a typed name means, best first: an exact name (any case) of a city or a
    /// country, or a country's code, then names that start with it; bigger places first.
    public func places(named query: String) -> [Place] {
        let q = query.trimmingCharacters(in: .whitespaces).lowercased()
        guard !q.isEmpty else { return [] }
        let all = countries + cities
        let exact = all.filter { $0.name.lowercased() == q || ($0.kind == .country && $0.code.lowercased() == q) }
        let prefix = all.filter { $0.name.lowercased().hasPrefix(q) && $0.name.lowercased() != q }
        func rank(_ a: Place, _ b: Place) -> Bool {
            // A bare country name means the country (Mexico, Panama): countries first, then bigger first.
            if a.kind != b.kind { return a.kind == .country }
            return a.weight > b.weight
        }
        return exact.sorted(by: rank) + prefix.sorted(by: rank)
    }

    /// The nearest city within `km` of a point, with its distance.
    public func nearestCity(lat: Double, lng: Double, within km: Double = 150) -> (place: Place, km: Double)? {
        // A point that is not a number is near nothing (the haversine would call it 0 km away).
        guard lat.isFinite, lng.isFinite else { return nil }
        var best: (Place, Double)?
        for city in cities {
            // The latitude difference alone is a lower bound of the distance: most cities are
            // ruled out without trigonometry.
            if abs(city.lat - lat) * Self.kmPerDegreeBound > min(km, best?.1 ?? .infinity) { continue }
            let d = Self.distanceKm(lat, lng, city.lat, city.lng)
            if d <= km, d < (best?.1 ?? .infinity) { best = (city, d) }
        }
        return best.map { ($0.0, $0.1) }
    }

    /// A place's name for a point: the nearest city within 300 km, else the nearest country
    /// label point within 1,500 km (a coarse guess), else nil.
    public func describe(lat: Double, lng: Double) -> String? {
        guard lat.isFinite, lng.isFinite else { return nil }
        if let city = nearestCity(lat: lat, lng: lng, within: 300) { return "\(city.place.name) \(city.place.code)" }
        var best: (Place, Double)?
        for country in countries {
            if abs(country.lat - lat) * Self.kmPerDegreeBound > min(1_500, best?.1 ?? .infinity) { continue }
            let d = Self.distanceKm(lat, lng, country.lat, country.lng)
            if d <= 1_500, d < (best?.1 ?? .infinity) { best = (country, d) }
        }
        return best.map { $0.0.name }
    }

    /// Kilometres per degree of latitude on the mean sphere (111.195), rounded down: a point
    /// this many kilometres per degree of latitude away is at least that far.
    static let kmPerDegreeBound = 111.19

    /// Great-circle distance (haversine, mean Earth radius).
    public static func distanceKm(_ lat1: Double, _ lng1: Double, _ lat2: Double, _ lng2: Double) -> Double {
        let r = 6_371.0088
        let p1 = lat1 * .pi / 180, p2 = lat2 * .pi / 180
        let dp = p2 - p1, dl = (lng2 - lng1) * .pi / 180
        let a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
        return 2 * r * asin(min(1, sqrt(max(0, a))))
    }

    /// The bundled atlas: `CTAS_ATLAS`, then SampleData/ beside the working directory or the
    /// executable (as the land mask is found).
    public static func findBundled(environment: [String: String], executable: String) -> String? {
        BundledFile.find("atlas.txt", variable: "CTAS_ATLAS", environment: environment, executable: executable)
    }
}
