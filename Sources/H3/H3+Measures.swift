#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension H3 {
    /// The mean Earth radius H3 uses, in km.
    public static let earthRadiusKm = H3Constants.earthRadiusKm

    /// Great-circle (haversine) distance between two points, in km.
    public static func greatCircleDistanceKm(_ a: LatLng, _ b: LatLng) -> Double {
        greatCircleDistanceRads(a, b) * H3Constants.earthRadiusKm
    }

    /// Great-circle distance between two points, in radians.
    public static func greatCircleDistanceRads(_ a: LatLng, _ b: LatLng) -> Double {
        greatCircleRadians(GeoRad(lat: a.lat * H3Constants.degreesToRadians, lng: a.lng * H3Constants.degreesToRadians),
                           GeoRad(lat: b.lat * H3Constants.degreesToRadians, lng: b.lng * H3Constants.degreesToRadians))
    }

    /// The exact area of a cell on the sphere, in radians²: the sum of the spherical triangles
    /// from its centre to each boundary edge (l'Huilier's formula).
    public static func cellAreaRads2(_ cell: H3Index) throws(H3Error) -> Double {
        let center = try cellToLatLng(cell)
        let boundary = try cellToBoundary(cell)
        let c = GeoRad(lat: center.lat * H3Constants.degreesToRadians, lng: center.lng * H3Constants.degreesToRadians)
        var area = 0.0
        for i in 0..<boundary.count {
            let a = boundary[i], b = boundary[(i + 1) % boundary.count]
            let p = GeoRad(lat: a.lat * H3Constants.degreesToRadians, lng: a.lng * H3Constants.degreesToRadians)
            let q = GeoRad(lat: b.lat * H3Constants.degreesToRadians, lng: b.lng * H3Constants.degreesToRadians)
            area += triangleArea(greatCircleRadians(c, p), greatCircleRadians(p, q), greatCircleRadians(q, c))
        }
        return area
    }

    public static func cellAreaKm2(_ cell: H3Index) throws(H3Error) -> Double {
        try cellAreaRads2(cell) * H3Constants.earthRadiusKm * H3Constants.earthRadiusKm
    }

    public static func cellAreaM2(_ cell: H3Index) throws(H3Error) -> Double { try cellAreaKm2(cell) * 1_000_000 }

    /// Spherical excess of a triangle from its side lengths (radians), by l'Huilier's theorem.
    static func triangleArea(_ a: Double, _ b: Double, _ c: Double) -> Double {
        let s = (a + b + c) / 2
        let t = tan(s / 2) * tan((s - a) / 2) * tan((s - b) / 2) * tan((s - c) / 2)
        return 4 * atan(max(0, t).squareRoot())
    }

    /// The length of the edge two neighbouring cells share, in km (along the boundary, through
    /// any extra vertex where it crosses an icosahedron edge).
    public static func edgeLengthKm(_ a: H3Index, _ b: H3Index) throws(H3Error) -> Double {
        guard try areNeighborCells(a, b) else { throw .domain("\(a) and \(b) are not neighbouring cells") }
        let pa = try cellToBoundary(a)
        let pb = try cellToBoundary(b)
        func close(_ x: LatLng, _ y: LatLng) -> Bool { abs(x.lat - y.lat) < 1e-9 && abs(x.lng - y.lng) < 1e-9 }
        // The shared run of vertices, in a's order.
        var shared: [LatLng] = []
        let n = pa.count
        guard let start = (0..<n).first(where: { i in pb.contains { close($0, pa[i]) } && !pb.contains { close($0, pa[(i + n - 1) % n]) } })
            ?? (0..<n).first(where: { i in pb.contains { close($0, pa[i]) } }) else { return 0 }
        var i = start
        while pb.contains(where: { close($0, pa[i]) }) && shared.count < n {
            shared.append(pa[i])
            i = (i + 1) % n
        }
        var length = 0.0
        for k in 1..<max(1, shared.count) { length += greatCircleDistanceKm(shared[k - 1], shared[k]) }
        return length
    }

    /// Number of cells at a resolution: 2 + 120·7^res.
    public static func getNumCells(_ res: Int) -> Int {
        var power = 1
        for _ in 0..<max(0, min(res, 15)) { power *= 7 }
        return 2 + 120 * power
    }
}
