#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A position in degrees, as H3's public API takes and returns it.
public struct LatLng: Hashable, Sendable, CustomStringConvertible {
    public var lat: Double
    public var lng: Double

    public init(lat: Double, lng: Double) {
        self.lat = lat
        self.lng = lng
    }

    public var description: String { "(\(lat), \(lng))" }
}

/// The constants of the grid (from H3's tables; √7 and 1/√7 are the correctly rounded values).
enum H3Constants {
    static let pi = 3.141592653589793
    static let twoPi = 6.283185307179586
    static let halfPi = 1.5707963267948966
    static let degreesToRadians = 0.017453292519943295
    static let radiansToDegrees = 57.29577951308232
    static let epsilon = 1e-16
    static let sqrt3over2 = 0.8660254037844386
    static let inverseSin60 = 1.1547005383792515
    static let sqrt7 = 2.6457513110645905905016157536392604257102
    static let inverseSqrt7 = 0.37796447300922722721451653623418006081576
    /// The rotation between Class II and Class III grids: asin(√(3/28)).
    static let ap7Rotation = 0.3334731722518321
    static let res0UGnomonic = 0.381966011250105
    static let earthRadiusKm = 6371.007180918475
}

/// A position in radians.
struct GeoRad: Equatable {
    var lat: Double
    var lng: Double

    /// The point on the unit sphere.
    var unitVector: (Double, Double, Double) {
        let c = cos(lat)
        return (c * cos(lng), c * sin(lng), sin(lat))
    }

    var degrees: LatLng { LatLng(lat: lat * H3Constants.radiansToDegrees, lng: lng * H3Constants.radiansToDegrees) }
}

/// An angle brought into [0, 2π).
@inline(__always)
func positiveAngle(_ a: Double) -> Double {
    var t = a
    if t < 0 { t += H3Constants.twoPi }
    if t >= H3Constants.twoPi { t -= H3Constants.twoPi }
    return t
}

/// A longitude brought into [−π, π].
@inline(__always)
func constrainLongitude(_ lng: Double) -> Double {
    var l = lng
    while l > H3Constants.pi { l -= H3Constants.twoPi }
    while l < -H3Constants.pi { l += H3Constants.twoPi }
    return l
}

/// The azimuth (radians, from north, clockwise) of the great circle from `a` to `b`.
@inline(__always)
func azimuth(from a: GeoRad, to b: GeoRad) -> Double {
    atan2(cos(b.lat) * sin(b.lng - a.lng), cos(a.lat) * sin(b.lat) - sin(a.lat) * cos(b.lat) * cos(b.lng - a.lng))
}

/// The point `distance` radians from `origin` along azimuth `heading`.
func destination(from origin: GeoRad, azimuth heading: Double, distance: Double) -> GeoRad {
    if distance < H3Constants.epsilon { return origin }
    let az = positiveAngle(heading)
    var lat: Double
    var lng: Double
    if az < H3Constants.epsilon || abs(az - H3Constants.pi) < H3Constants.epsilon {
        // Due north or south.
        lat = az < H3Constants.epsilon ? origin.lat + distance : origin.lat - distance
        if abs(lat - H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: H3Constants.halfPi, lng: 0) }
        if abs(lat + H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: -H3Constants.halfPi, lng: 0) }
        lng = constrainLongitude(origin.lng)
    } else {
        var sinLat = sin(origin.lat) * cos(distance) + cos(origin.lat) * sin(distance) * cos(az)
        sinLat = min(1, max(-1, sinLat))
        lat = asin(sinLat)
        if abs(lat - H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: H3Constants.halfPi, lng: 0) }
        if abs(lat + H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: -H3Constants.halfPi, lng: 0) }
        let inverseCosLat = 1 / cos(lat)
        var sinLng = sin(az) * sin(distance) * inverseCosLat
        var cosLng = (cos(distance) - sin(origin.lat) * sin(lat)) / cos(origin.lat) * inverseCosLat
        sinLng = min(1, max(-1, sinLng))
        cosLng = min(1, max(-1, cosLng))
        lng = constrainLongitude(origin.lng + atan2(sinLng, cosLng))
    }
    return GeoRad(lat: lat, lng: lng)
}

/// Great-circle distance in radians (haversine).
func greatCircleRadians(_ a: GeoRad, _ b: GeoRad) -> Double {
    let sinLat = sin((b.lat - a.lat) / 2)
    let sinLng = sin((b.lng - a.lng) / 2)
    let h = sinLat * sinLat + cos(a.lat) * cos(b.lat) * sinLng * sinLng
    return 2 * atan2(h.squareRoot(), (1 - h).squareRoot())
}
