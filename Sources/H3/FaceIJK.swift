#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A cell position: an icosahedron face and IJK coordinates on that face's grid.
struct FaceIJK: Equatable {
    var face: Int
    var coord: CoordIJK
}

/// Whether a coordinate lies beyond its face (and was moved to the neighbouring face).
enum Overage { case none, faceEdge, newFace }

/// The icosahedron's faces.
enum Faces {
    /// Each face centre as latitude/longitude (from the centre unit vectors).
    static let centerGeo: [GeoRad] = (0..<20).map { f in
        let x = H3Tables.faceCenterPoint[f * 3], y = H3Tables.faceCenterPoint[f * 3 + 1], z = H3Tables.faceCenterPoint[f * 3 + 2]
        return GeoRad(lat: asin(z), lng: atan2(y, x))
    }

    /// Per face, the frame the gnomonic projection works in: the centre c, the unit
    /// north and east tangents there, and the cosine and sine of the Class II i-axis azimuth
    /// (and of it less the Class III rotation). Projecting with these needs no trigonometry
    /// beyond the point's own sine and cosine.
    struct Frame {
        var c: (Double, Double, Double)
        var north: (Double, Double, Double)
        var east: (Double, Double, Double)
        var cosAxis: Double, sinAxis: Double
        var cosAxisIII: Double, sinAxisIII: Double
    }

    static let frames: [Frame] = (0..<20).map { f in
        let g = centerGeo[f]
        let c = (H3Tables.faceCenterPoint[f * 3], H3Tables.faceCenterPoint[f * 3 + 1], H3Tables.faceCenterPoint[f * 3 + 2])
        let north = (-sin(g.lat) * cos(g.lng), -sin(g.lat) * sin(g.lng), cos(g.lat))
        let east = (-sin(g.lng), cos(g.lng), 0.0)
        let axis = H3Tables.faceAxesAzRadsCII[f * 3]
        let axisIII = axis - H3Constants.ap7Rotation
        return Frame(c: c, north: north, east: east, cosAxis: cos(axis), sinAxis: sin(axis),
                     cosAxisIII: cos(axisIII), sinAxisIII: sin(axisIII))
    }

    /// Directions to a neighbouring face.
    static let ij = 1, ki = 2, jk = 3

    /// The neighbour of `face` across `direction`: its face, the translation of the origin,
    /// and the 60° counter-clockwise rotations into its frame.
    @inline(__always)
    static func neighbor(_ face: Int, _ direction: Int) -> (face: Int, translate: CoordIJK, rotations: Int) {
        let base = (face * 4 + direction) * 5
        let t = H3Tables.faceNeighbors
        return (Int(t[base]), CoordIJK(t[base + 1], t[base + 2], t[base + 3]), Int(t[base + 4]))
    }

    @inline(__always)
    static func adjacentDirection(_ from: Int, _ to: Int) -> Int { Int(H3Tables.adjacentFaceDir[from * 20 + to]) }
}

/// 7^(res/2) for each resolution, as H3 scales (√7 multiplied `res` times).
let sqrt7Powers: [Double] = (0...16).map { res in
    var r = 1.0
    for _ in 0..<res { r *= H3Constants.sqrt7 }
    return r
}

/// 7^(−res/2) for each resolution (1/√7 multiplied `res` times).
let inverseSqrt7Powers: [Double] = (0...16).map { res in
    var r = 1.0
    for _ in 0..<res { r *= H3Constants.inverseSqrt7 }
    return r
}

/// The 122 base cells (resolution 0).
enum BaseCells {
    static let count = 122
    static let invalid = 127

    @inline(__always) static func isPentagon(_ cell: Int) -> Bool { H3Tables.baseCellData[cell * 7 + 4] == 1 }
    @inline(__always) static func isPolarPentagon(_ cell: Int) -> Bool { cell == 4 || cell == 117 }

    static func home(_ cell: Int) -> FaceIJK {
        let d = H3Tables.baseCellData
        return FaceIJK(face: Int(d[cell * 7]), coord: CoordIJK(Int32(d[cell * 7 + 1]), Int32(d[cell * 7 + 2]), Int32(d[cell * 7 + 3])))
    }

    /// Whether `face` is one of a pentagon's two faces whose frame is offset clockwise.
    @inline(__always)
    static func isClockwiseOffset(_ cell: Int, face: Int) -> Bool {
        let d = H3Tables.baseCellData
        return Int(d[cell * 7 + 5]) == face || Int(d[cell * 7 + 6]) == face
    }

    /// The base cell at res-0 coordinates on a face, and its counter-clockwise rotation.
    @inline(__always)
    static func at(face: Int, _ c: CoordIJK) -> (cell: Int, rotations: Int) {
        let index = ((face * 3 + Int(c.i)) * 3 + Int(c.j)) * 3 + Int(c.k)
        return (Int(H3Tables.faceIjkBaseCells[index * 2]), Int(H3Tables.faceIjkBaseCells[index * 2 + 1]))
    }

    @inline(__always)
    static func neighbor(_ cell: Int, _ d: Direction) -> (cell: Int, rotations: Int) {
        (Int(H3Tables.baseCellNeighbors[cell * 7 + Int(d.rawValue)]), Int(H3Tables.baseCellNeighbor60CCWRots[cell * 7 + Int(d.rawValue)]))
    }
}

@inline(__always) func isClassIII(_ res: Int) -> Bool { res & 1 == 1 }

extension FaceIJK {
    // MARK: geographic → face

    /// The face whose centre is nearest and the point in that face's plane at `res`.
    ///
    /// The gnomonic projection onto the face's tangent plane, at azimuth θ = axis − bearing
    /// and distance tan(r)/u₀·7^(res/2), written with the face's frame: the bearing's cosine
    /// and sine are the point's north and east components, and tan(r) their length over the
    /// cosine c·p, so both cancel into two dot products.
    @inline(__always)
    static func hex2d(of g: GeoRad, res: Int) -> (face: Int, point: Vec2d) {
        let cosLat = cos(g.lat)
        let p = (cosLat * cos(g.lng), cosLat * sin(g.lng), sin(g.lat))
        var face = 0
        var best = -Double.infinity
        let centers = H3Tables.faceCenterPoint
        for f in 0..<20 {
            let d = centers[f * 3] * p.0 + centers[f * 3 + 1] * p.1 + centers[f * 3 + 2] * p.2
            if d > best {
                best = d
                face = f
            }
        }
        let frame = Faces.frames[face]
        let dn = p.0 * frame.north.0 + p.1 * frame.north.1 + p.2 * frame.north.2
        let de = p.0 * frame.east.0 + p.1 * frame.east.1 + p.2 * frame.east.2
        let scale = sqrt7Powers[res] / (H3Constants.res0UGnomonic * best)
        let (cosA, sinA) = isClassIII(res) ? (frame.cosAxisIII, frame.sinAxisIII) : (frame.cosAxis, frame.sinAxis)
        return (face, Vec2d(x: scale * (cosA * dn + sinA * de), y: scale * (sinA * dn - cosA * de)))
    }

    static func fromGeo(_ g: GeoRad, res: Int) -> FaceIJK {
        let (face, v) = hex2d(of: g, res: res)
        return FaceIJK(face: face, coord: CoordIJK(hex2d: v))
    }

    // MARK: face → geographic

    /// The geographic point of `v` in `face`'s plane at `res`; `substrate` for the vertex grid.
    /// The inverse projection: the point is c + tan(r)·(bearing direction), normalised.
    @inline(__always)
    static func geo(of v: Vec2d, face: Int, res: Int, substrate: Bool) -> GeoRad {
        let frame = Faces.frames[face]
        var m = inverseSqrt7Powers[res] * H3Constants.res0UGnomonic
        if substrate {
            m /= 3
            if isClassIII(res) { m *= H3Constants.inverseSqrt7 }
        }
        let (cosA, sinA) = !substrate && isClassIII(res) ? (frame.cosAxisIII, frame.sinAxisIII) : (frame.cosAxis, frame.sinAxis)
        let tn = m * (cosA * v.x + sinA * v.y)
        let te = m * (sinA * v.x - cosA * v.y)
        let x = frame.c.0 + tn * frame.north.0 + te * frame.east.0
        let y = frame.c.1 + tn * frame.north.1 + te * frame.east.1
        let z = frame.c.2 + tn * frame.north.2 + te * frame.east.2
        let horizontal = (x * x + y * y).squareRoot()
        let lat = atan2(z, horizontal)
        if abs(lat - H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: H3Constants.halfPi, lng: 0) }
        if abs(lat + H3Constants.halfPi) < H3Constants.epsilon { return GeoRad(lat: -H3Constants.halfPi, lng: 0) }
        return GeoRad(lat: lat, lng: atan2(y, x))
    }

    func centerGeo(res: Int) -> GeoRad { Self.geo(of: coord.hex2d, face: face, res: res, substrate: false) }

    // MARK: overage

    /// Moves a Class II coordinate that lies beyond its face onto the neighbouring face.
    /// `substrate`: the coordinate is on the aperture-3 vertex grid.
    mutating func adjustOverageClassII(res: Int, pentagonLeading4: Bool, substrate: Bool) -> Overage {
        var maxDim = H3Tables.maxDimByCIIres[res]
        if substrate { maxDim *= 3 }
        let sum = coord.i + coord.j + coord.k
        if substrate && sum == maxDim { return .faceEdge }
        guard sum > maxDim else { return .none }
        let orientation: (face: Int, translate: CoordIJK, rotations: Int)
        if coord.k > 0 {
            if coord.j > 0 {
                orientation = Faces.neighbor(face, Faces.jk)
            } else {
                orientation = Faces.neighbor(face, Faces.ki)
                if pentagonLeading4 {
                    // Rotate about the pentagon's centre (the face's i vertex).
                    let origin = CoordIJK(maxDim, 0, 0)
                    coord = (coord - origin).rotated60cw() + origin
                }
            }
        } else {
            orientation = Faces.neighbor(face, Faces.ij)
        }
        face = orientation.face
        for _ in 0..<orientation.rotations { coord = coord.rotated60ccw() }
        var scale = H3Tables.unitScaleByCIIres[res]
        if substrate { scale *= 3 }
        coord = (coord + orientation.translate * scale).normalized()
        if substrate && coord.i + coord.j + coord.k == maxDim { return .faceEdge }
        return .newFace
    }

    /// Overage of a pentagon vertex, which may cross more than one face edge.
    mutating func adjustPentagonVertexOverage(res: Int) -> Overage {
        var overage: Overage
        repeat {
            overage = adjustOverageClassII(res: res, pentagonLeading4: false, substrate: true)
        } while overage == .newFace
        return overage
    }

    // MARK: vertices

    /// The cell's vertices on the substrate grid (and the substrate's resolution).
    func vertices(res: Int, pentagon: Bool) -> (vertices: [FaceIJK], res: Int) {
        let classIII = isClassIII(res)
        let table = pentagon ? (classIII ? H3Tables.pentagonVertsCIII : H3Tables.pentagonVertsCII)
                             : (classIII ? H3Tables.hexVertsCIII : H3Tables.hexVertsCII)
        var center = coord.downAp3().downAp3r()
        var adjusted = res
        if classIII {
            center = center.downAp7r()
            adjusted += 1
        }
        let count = pentagon ? 5 : 6
        var out: [FaceIJK] = []
        out.reserveCapacity(count)
        for v in 0..<count {
            let offset = CoordIJK(table[v * 3], table[v * 3 + 1], table[v * 3 + 2])
            out.append(FaceIJK(face: face, coord: (center + offset).normalized()))
        }
        return (out, adjusted)
    }
}
