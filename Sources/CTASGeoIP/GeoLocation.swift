import CTASCore

/// What the databases say about one address: where it is (country, city, coordinates and
/// their accuracy), who routes it (autonomous system), and the network the answer covers.
/// Fields a database does not carry stay nil; `found` is false when no database has a record.
public struct GeoLocation: Sendable, Equatable {
    public var ip: String
    public var found: Bool
    /// ISO 3166-1 alpha-2 code: the country the address is used in, or, when the database
    /// says only that, the country it is registered to.
    public var country: String?
    /// The city's English name.
    public var city: String?
    public var latitude: Double?
    public var longitude: Double?
    /// How far the address may be from the coordinates, in kilometres.
    public var accuracyKm: Int?
    public var asn: UInt32?
    /// The autonomous system's organisation.
    public var organization: String?
    /// The network (CIDR) the first database's answer covers.
    public var network: String?

    public init(ip: String, found: Bool = false) {
        self.ip = ip
        self.found = found
    }

    /// The coordinates as a map point (nil when absent or out of range).
    public var point: GeoPoint? {
        guard let latitude, let longitude else { return nil }
        return GeoPoint(latitude: latitude, longitude: longitude)
    }

    /// One JSON object: `ip`, `found`, `country`, `city`, `lat`, `lon`, `accuracyKm`, `asn`,
    /// `org`, `network` (null when unknown).
    public var json: String {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        func key(_ name: String) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONString.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func text(_ value: String?) {
            if let value { JSONString.append(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        func raw(_ value: String?) { out.append(contentsOf: (value ?? "null").utf8) }
        key("ip"); text(ip)
        key("found"); raw(found ? "true" : "false")
        key("country"); text(country)
        key("city"); text(city)
        key("lat"); raw(latitude.flatMap { $0.isFinite ? "\($0)" : nil })
        key("lon"); raw(longitude.flatMap { $0.isFinite ? "\($0)" : nil })
        key("accuracyKm"); raw(accuracyKm.map(String.init))
        key("asn"); raw(asn.map(String.init))
        key("org"); text(organization)
        key("network"); text(network)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// One line for a terminal: `84.92.227.177  GB London  51.5897,-0.2491 (±50 km)  AS5607 Sky  84.92.0.0/17`.
    public var text: String {
        guard found else { return SafeText.sanitize(ip) + "  not found" + (network.map { "  " + $0 } ?? "") }
        var parts = [SafeText.sanitize(ip)]
        let place = [country, city].compactMap { $0.map(SafeText.sanitize) }.joined(separator: " ")
        if !place.isEmpty { parts.append(place) }
        if let latitude, let longitude {
            var where_ = "\(Self.fixed(latitude)),\(Self.fixed(longitude))"
            if let accuracyKm { where_ += " (±\(accuracyKm) km)" }
            parts.append(where_)
        }
        if let asn { parts.append("AS\(asn)" + (organization.map { " " + SafeText.sanitize($0) } ?? "")) }
        if let network { parts.append(network) }
        return parts.joined(separator: "  ")
    }

    static func fixed(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded()
        guard scaled.isFinite, abs(scaled) < 9e15 else { return "?" }
        let sign = scaled < 0 ? "-" : ""
        let magnitude = Int(abs(scaled))
        let fraction = String(magnitude % 10_000)
        return sign + String(magnitude / 10_000) + "." + String(repeating: "0", count: 4 - fraction.count) + fraction
    }
}
