/// Why an H3 operation could not give an answer. Invalid input is an error, never a crash
/// or a silently wrong cell.
public enum H3Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Latitude or longitude is NaN or infinite.
    case latLngDomain
    /// A resolution outside 0…15 (or not coarser/finer as the operation needs).
    case resolutionDomain(Int)
    /// Not a valid H3 cell index.
    case invalidCell(H3Index)
    /// The operation is undefined at or across a pentagon's deleted direction.
    case pentagon
    /// The cells are too far apart (or not comparable) for the operation.
    case tooFar
    /// A requested size is out of range (e.g. a negative k, too many children).
    case domain(String)

    public var description: String {
        switch self {
        case .latLngDomain: "latitude and longitude must be finite numbers"
        case .resolutionDomain(let r): "resolution \(r) is not valid here; expected 0–15"
        case .invalidCell(let h): "\(h) is not a valid H3 cell"
        case .pentagon: "undefined across a pentagon's deleted direction"
        case .tooFar: "the cells are too far apart"
        case .domain(let message): message
        }
    }
}

/// The H3 hexagonal grid, in pure Swift, with the function names of H3 v4.
public enum H3 {
    /// Resolutions 0…15.
    public static let resolutions = 0...15

    // MARK: inspection

    /// Whether `h` is a valid cell: high bit 0, mode 1, reserved bits 0, base cell < 122,
    /// digits 0–6 up to the resolution and 7 after it, and no pentagon's deleted K digit.
    public static func isValidCell(_ h: H3Index) -> Bool {
        guard h.highBit == 0, h.mode == 1, h.reservedBits == 0 else { return false }
        let base = h.baseCell
        guard base < BaseCells.count else { return false }
        let res = h.resolution
        var foundNonZero = false
        let pentagon = BaseCells.isPentagon(base)
        if res > 0 {
            for r in 1...res {
                let d = h.digit(r)
                if d == .invalid { return false }
                if !foundNonZero && d != .center {
                    foundNonZero = true
                    if pentagon && d == .k { return false }
                }
            }
        }
        if res < 15 {
            for r in (res + 1)...15 where h.digit(r) != .invalid { return false }
        }
        return true
    }

    public static func getResolution(_ h: H3Index) -> Int { h.resolution }
    public static func getBaseCellNumber(_ h: H3Index) -> Int { h.baseCell }

    /// Whether the (valid) cell is one of the 12 pentagons of its resolution.
    public static func isPentagon(_ h: H3Index) -> Bool {
        isValidCell(h) && BaseCells.isPentagon(h.baseCell) && h.leadingNonZeroDigit() == .center
    }

    /// `h` as H3 writes it (lower-case hex).
    public static func h3ToString(_ h: H3Index) -> String { h.description }

    /// Parses a hex index string; validity is checked separately.
    public static func stringToH3(_ s: String) throws(H3Error) -> H3Index {
        guard let h = H3Index(string: s) else { throw .domain("'\(s.prefix(40))' is not a hexadecimal H3 index") }
        return h
    }

    static func requireCell(_ h: H3Index) throws(H3Error) {
        guard isValidCell(h) else { throw .invalidCell(h) }
    }

    static func requireResolution(_ res: Int) throws(H3Error) {
        guard resolutions.contains(res) else { throw .resolutionDomain(res) }
    }

    // MARK: point ↔ cell

    /// The cell at `res` containing the point (degrees). Latitudes beyond ±90 are taken as
    /// given and longitudes are wrapped, as H3 does; NaN or infinite input is an error.
    public static func latLngToCell(lat: Double, lng: Double, res: Int) throws(H3Error) -> H3Index {
        try requireResolution(res)
        guard lat.isFinite, lng.isFinite else { throw .latLngDomain }
        let g = GeoRad(lat: lat * H3Constants.degreesToRadians, lng: lng * H3Constants.degreesToRadians)
        let h = cell(of: FaceIJK.fromGeo(g, res: res), res: res)
        guard h.rawValue != 0 else { throw .domain("no cell for (\(lat), \(lng))") }
        return h
    }

    public static func latLngToCell(_ point: LatLng, res: Int) throws(H3Error) -> H3Index {
        try latLngToCell(lat: point.lat, lng: point.lng, res: res)
    }

    /// The cell at `res` holding the face coordinate: walk up the aperture-7 hierarchy
    /// recording digits, then find the base cell and rotate into its frame.
    static func cell(of fijk: FaceIJK, res: Int) -> H3Index {
        var h = H3Index.cellTemplate(resolution: res)
        var ijk = fijk.coord
        if res > 0 {
            for r in stride(from: res - 1, through: 0, by: -1) {
                let last = ijk
                let lastCenter: CoordIJK
                if isClassIII(r + 1) {
                    ijk = ijk.upAp7()
                    lastCenter = ijk.downAp7()
                } else {
                    ijk = ijk.upAp7r()
                    lastCenter = ijk.downAp7r()
                }
                h = h.settingDigit(r + 1, (last - lastCenter).digit)
            }
        }
        guard ijk.i <= 2, ijk.j <= 2, ijk.k <= 2 else { return H3Index(0) }
        let (base, rotations) = BaseCells.at(face: fijk.face, ijk)
        h = h.settingBaseCell(base)
        if BaseCells.isPentagon(base) {
            // Out of the deleted K sub-sequence first.
            if h.leadingNonZeroDigit() == .k {
                h = BaseCells.isClockwiseOffset(base, face: fijk.face) ? h.rotated60cw() : h.rotated60ccw()
            }
            for _ in 0..<rotations { h = h.rotatedPentagon60ccw() }
        } else {
            for _ in 0..<rotations { h = h.rotated60ccw() }
        }
        return h
    }

    /// The face coordinate of a (valid) cell's centre, moved onto the right face when the
    /// cell lies across a face edge.
    static func faceIJK(of cell: H3Index) -> FaceIJK {
        var h = cell
        let base = h.baseCell
        let pentagon = BaseCells.isPentagon(base)
        if pentagon && h.leadingNonZeroDigit() == .ik { h = h.rotated60cw() }
        var fijk = BaseCells.home(base)
        let res = h.resolution
        var ijk = fijk.coord
        let possibleOverage = pentagon || !(res == 0 || ijk == .zero)
        if res > 0 {
            for r in 1...res {
                ijk = isClassIII(r) ? ijk.downAp7() : ijk.downAp7r()
                ijk = ijk.neighbor(h.digit(r))
            }
        }
        fijk.coord = ijk
        guard possibleOverage else { return fijk }
        let original = fijk.coord
        var adjustedRes = res
        if isClassIII(res) {
            fijk.coord = fijk.coord.downAp7r()
            adjustedRes += 1
        }
        let pentagonLeading4 = pentagon && h.leadingNonZeroDigit() == .i
        if fijk.adjustOverageClassII(res: adjustedRes, pentagonLeading4: pentagonLeading4, substrate: false) != .none {
            if pentagon {
                while fijk.adjustOverageClassII(res: adjustedRes, pentagonLeading4: false, substrate: false) != .none {}
            }
            if adjustedRes != res { fijk.coord = fijk.coord.upAp7r() }
        } else if adjustedRes != res {
            fijk.coord = original
        }
        return fijk
    }

    /// The centre of a cell (degrees).
    public static func cellToLatLng(_ cell: H3Index) throws(H3Error) -> LatLng {
        try requireCell(cell)
        return faceIJK(of: cell).centerGeo(res: cell.resolution).degrees
    }

    /// The cell's boundary, counter-clockwise, in degrees: 6 vertices for a hexagon (7 or 8
    /// when a Class III cell crosses icosahedron edges), 5 for a pentagon (10 at Class III).
    /// Longitudes are in −180…180 and never unwrapped across the antimeridian.
    public static func cellToBoundary(_ cell: H3Index) throws(H3Error) -> [LatLng] {
        try requireCell(cell)
        let res = cell.resolution
        let fijk = faceIJK(of: cell)
        if isPentagon(cell) { return pentagonBoundary(fijk, res: res) }
        return hexagonBoundary(fijk, res: res)
    }

    private static func faceEdgeEndpoints(_ maxDim: Int32, direction: Int) -> (Vec2d, Vec2d) {
        let m = Double(maxDim)
        let v0 = Vec2d(x: 3 * m, y: 0)
        let v1 = Vec2d(x: -1.5 * m, y: 3 * H3Constants.sqrt3over2 * m)
        let v2 = Vec2d(x: -1.5 * m, y: -3 * H3Constants.sqrt3over2 * m)
        switch direction {
        case Faces.ij: return (v0, v1)
        case Faces.jk: return (v1, v2)
        default: return (v2, v0)
        }
    }

    static func hexagonBoundary(_ center: FaceIJK, res: Int) -> [LatLng] {
        let (verts, adjustedRes) = center.vertices(res: res, pentagon: false)
        var out: [LatLng] = []
        out.reserveCapacity(8)
        var lastFace = -1
        var lastOverage = Overage.none
        // One extra step tests the last edge for a face crossing.
        for vert in 0...6 {
            let v = vert % 6
            var fijk = verts[v]
            let overage = fijk.adjustOverageClassII(res: adjustedRes, pentagonLeading4: false, substrate: true)
            // A Class III edge crossing an icosahedron edge gets an extra vertex where it
            // crosses, so each half is projected on its own face.
            if isClassIII(res) && vert > 0 && fijk.face != lastFace && lastOverage != .faceEdge {
                let lastV = (v + 5) % 6
                let a = verts[lastV].coord.hex2d
                let b = verts[v].coord.hex2d
                let otherFace = lastFace == center.face ? fijk.face : lastFace
                let (e0, e1) = faceEdgeEndpoints(H3Tables.maxDimByCIIres[adjustedRes],
                                                 direction: Faces.adjacentDirection(center.face, otherFace))
                let crossing = Vec2d.intersection(a, b, e0, e1)
                if !crossing.almostEquals(a) && !crossing.almostEquals(b) {
                    out.append(FaceIJK.geo(of: crossing, face: center.face, res: adjustedRes, substrate: true).degrees)
                }
            }
            if vert < 6 {
                out.append(FaceIJK.geo(of: fijk.coord.hex2d, face: fijk.face, res: adjustedRes, substrate: true).degrees)
            }
            lastFace = fijk.face
            lastOverage = overage
        }
        return out
    }

    static func pentagonBoundary(_ center: FaceIJK, res: Int) -> [LatLng] {
        let (verts, adjustedRes) = center.vertices(res: res, pentagon: true)
        var out: [LatLng] = []
        out.reserveCapacity(10)
        var last = FaceIJK(face: 0, coord: .zero)
        for vert in 0...5 {
            let v = vert % 5
            var fijk = verts[v]
            _ = fijk.adjustPentagonVertexOverage(res: adjustedRes)
            // Every Class III pentagon edge crosses an icosahedron edge.
            if isClassIII(res) && vert > 0 {
                var moved = fijk
                let a = last.coord.hex2d
                let toLast = Faces.adjacentDirection(moved.face, last.face)
                let orientation = Faces.neighbor(moved.face, toLast)
                moved.face = orientation.face
                var ijk = moved.coord
                for _ in 0..<orientation.rotations { ijk = ijk.rotated60ccw() }
                ijk = (ijk + orientation.translate * (H3Tables.unitScaleByCIIres[adjustedRes] * 3)).normalized()
                let b = ijk.hex2d
                let (e0, e1) = faceEdgeEndpoints(H3Tables.maxDimByCIIres[adjustedRes],
                                                 direction: Faces.adjacentDirection(moved.face, fijk.face))
                let crossing = Vec2d.intersection(a, b, e0, e1)
                out.append(FaceIJK.geo(of: crossing, face: moved.face, res: adjustedRes, substrate: true).degrees)
            }
            if vert < 5 {
                out.append(FaceIJK.geo(of: fijk.coord.hex2d, face: fijk.face, res: adjustedRes, substrate: true).degrees)
            }
            last = fijk
        }
        return out
    }

    // MARK: faces

    /// The icosahedron faces the cell touches, in ascending order.
    public static func getIcosahedronFaces(_ cell: H3Index) throws(H3Error) -> [Int] {
        try requireCell(cell)
        let res = cell.resolution
        let pentagon = isPentagon(cell)
        // A Class II pentagon's vertices all lie on face edges; its centre child crosses the same faces.
        if pentagon && !isClassIII(res) {
            return try getIcosahedronFaces(cell.settingResolution(res + 1).settingDigit(res + 1, .center))
        }
        let (verts, adjustedRes) = faceIJK(of: cell).vertices(res: res, pentagon: pentagon)
        var faces = Set<Int>()
        for var v in verts {
            if pentagon {
                _ = v.adjustPentagonVertexOverage(res: adjustedRes)
            } else {
                _ = v.adjustOverageClassII(res: adjustedRes, pentagonLeading4: false, substrate: true)
            }
            faces.insert(v.face)
        }
        return faces.sorted()
    }
}
