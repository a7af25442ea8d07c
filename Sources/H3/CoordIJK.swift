/// Coordinates on a hexagonal grid with three axes 120° apart (i, j, k). A position has many
/// spellings; the normalized one has every component ≥ 0 and at least one zero.
struct CoordIJK: Equatable, Hashable {
    var i: Int32
    var j: Int32
    var k: Int32

    @inline(__always) init(_ i: Int32, _ j: Int32, _ k: Int32) {
        self.i = i
        self.j = j
        self.k = k
    }

    static let zero = CoordIJK(0, 0, 0)

    @inline(__always) static func + (a: CoordIJK, b: CoordIJK) -> CoordIJK { CoordIJK(a.i + b.i, a.j + b.j, a.k + b.k) }
    @inline(__always) static func - (a: CoordIJK, b: CoordIJK) -> CoordIJK { CoordIJK(a.i - b.i, a.j - b.j, a.k - b.k) }
    @inline(__always) static func * (a: CoordIJK, s: Int32) -> CoordIJK { CoordIJK(a.i * s, a.j * s, a.k * s) }

    @inline(__always)
    mutating func normalize() {
        if i < 0 { j -= i; k -= i; i = 0 }
        if j < 0 { i -= j; k -= j; j = 0 }
        if k < 0 { i -= k; j -= k; k = 0 }
        let m = Swift.min(i, Swift.min(j, k))
        if m > 0 { i -= m; j -= m; k -= m }
    }

    @inline(__always)
    func normalized() -> CoordIJK {
        var c = self
        c.normalize()
        return c
    }

    /// Applies the linear map whose images of the unit i, j, k vectors are given.
    @inline(__always)
    private func mapped(_ iv: CoordIJK, _ jv: CoordIJK, _ kv: CoordIJK) -> CoordIJK {
        (iv * i + jv * j + kv * k).normalized()
    }

    // MARK: aperture 7 (to a finer resolution and back)

    /// The centre of this cell one resolution finer, counter-clockwise (Class III) aperture 7.
    @inline(__always)
    func downAp7() -> CoordIJK { CoordIJK(3 * i + j, 3 * j + k, i + 3 * k).normalized() }
    /// Clockwise (Class II) aperture 7.
    @inline(__always)
    func downAp7r() -> CoordIJK { CoordIJK(3 * i + k, i + 3 * j, j + 3 * k).normalized() }
    /// Aperture 3 counter-clockwise and clockwise (the vertex substrate grid).
    func downAp3() -> CoordIJK { mapped(CoordIJK(2, 0, 1), CoordIJK(1, 2, 0), CoordIJK(0, 1, 2)) }
    func downAp3r() -> CoordIJK { mapped(CoordIJK(2, 1, 0), CoordIJK(0, 2, 1), CoordIJK(1, 0, 2)) }

    /// n/7 rounded half away from zero, in integers (n/7 is never exactly half-way, 7 being odd).
    @inline(__always)
    private static func roundedSeventh(_ n: Int32) -> Int32 { n >= 0 ? (n + 3) / 7 : -((3 - n) / 7) }

    /// The parent cell one resolution coarser, counter-clockwise aperture 7 (the child is
    /// Class III): the inverse of `downAp7`, rounded to the nearest parent centre.
    @inline(__always)
    func upAp7() -> CoordIJK {
        let ii = i - k
        let jj = j - k
        var c = CoordIJK(Self.roundedSeventh(3 * ii - jj), Self.roundedSeventh(ii + 2 * jj), 0)
        c.normalize()
        return c
    }

    /// Clockwise aperture 7 (the child is Class II).
    @inline(__always)
    func upAp7r() -> CoordIJK {
        let ii = i - k
        let jj = j - k
        var c = CoordIJK(Self.roundedSeventh(2 * ii + jj), Self.roundedSeventh(3 * jj - ii), 0)
        c.normalize()
        return c
    }

    // MARK: rotation and neighbours

    func rotated60ccw() -> CoordIJK { mapped(CoordIJK(1, 1, 0), CoordIJK(0, 1, 1), CoordIJK(1, 0, 1)) }
    func rotated60cw() -> CoordIJK { mapped(CoordIJK(1, 0, 1), CoordIJK(1, 1, 0), CoordIJK(0, 1, 1)) }

    /// The neighbouring cell in direction `d` (centre: itself).
    func neighbor(_ d: Direction) -> CoordIJK {
        guard d.rawValue > 0 && d.rawValue < 7 else { return self }
        return (self + d.unitVector).normalized()
    }

    /// The digit whose unit vector this offset is (the unit vectors are the 0/1 triples, the
    /// digit their bits i·4 + j·2 + k); invalid when none.
    @inline(__always)
    var digit: Direction {
        let c = normalized()
        guard c.i & ~1 == 0, c.j & ~1 == 0, c.k & ~1 == 0 else { return .invalid }
        let d = UInt8(c.i << 2 | c.j << 1 | c.k)
        return d == 7 ? .invalid : Direction(rawValue: d)
    }

    /// The centre of this cell in the face's 2D plane (unit: the cell spacing).
    var hex2d: Vec2d {
        let ii = Double(i - k)
        let jj = Double(j - k)
        return Vec2d(x: ii - 0.5 * jj, y: jj * H3Constants.sqrt3over2)
    }

    /// The cell containing a point of the face's 2D plane: quantise to the hexagon grid.
    init(hex2d v: Vec2d) {
        let a1 = abs(v.x)
        let a2 = abs(v.y)
        // Skew to the i/j axes.
        let x2 = a2 * H3Constants.inverseSin60
        let x1 = a1 + x2 / 2
        let m1 = x1.rounded(.down)
        let m2 = x2.rounded(.down)
        let r1 = x1 - m1
        let r2 = x2 - m2
        var ci: Int32
        var cj: Int32
        let im1 = Int32(m1), im2 = Int32(m2)
        if r1 < 0.5 {
            if r1 < 1.0 / 3.0 {
                ci = im1
                cj = r2 < (1 + r1) / 2 ? im2 : im2 + 1
            } else {
                cj = r2 < 1 - r1 ? im2 : im2 + 1
                ci = (1 - r1 <= r2 && r2 < 2 * r1) ? im1 + 1 : im1
            }
        } else {
            if r1 < 2.0 / 3.0 {
                cj = r2 < 1 - r1 ? im2 : im2 + 1
                ci = (2 * r1 - 1 < r2 && r2 < 1 - r1) ? im1 : im1 + 1
            } else {
                ci = im1 + 1
                cj = r2 < r1 / 2 ? im2 : im2 + 1
            }
        }
        // Fold back across the axes for negative x and y.
        if v.x < 0 {
            if cj % 2 == 0 {
                let axis = cj / 2
                ci -= 2 * (ci - axis)
            } else {
                let axis = (cj + 1) / 2
                ci -= 2 * (ci - axis) + 1
            }
        }
        if v.y < 0 {
            ci -= (2 * cj + 1) / 2
            cj = -cj
        }
        self.init(ci, cj, 0)
        normalize()
    }
}

/// A point in a face's 2D (gnomonic) plane.
struct Vec2d: Equatable {
    var x: Double
    var y: Double

    var magnitude: Double { (x * x + y * y).squareRoot() }

    /// Where the segments p0–p1 and p2–p3 (extended as lines) cross.
    static func intersection(_ p0: Vec2d, _ p1: Vec2d, _ p2: Vec2d, _ p3: Vec2d) -> Vec2d {
        let s1 = Vec2d(x: p1.x - p0.x, y: p1.y - p0.y)
        let s2 = Vec2d(x: p3.x - p2.x, y: p3.y - p2.y)
        let t = (s2.x * (p0.y - p2.y) - s2.y * (p0.x - p2.x)) / (-s2.x * s1.y + s1.x * s2.y)
        return Vec2d(x: p0.x + t * s1.x, y: p0.y + t * s1.y)
    }

    /// Equal within single-precision epsilon (is an intersection really a vertex?).
    func almostEquals(_ other: Vec2d) -> Bool {
        abs(x - other.x) < Double(Float.ulpOfOne) && abs(y - other.y) < Double(Float.ulpOfOne)
    }
}
