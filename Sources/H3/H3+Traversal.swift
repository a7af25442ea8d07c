extension H3 {
    /// The neighbour of `origin` in direction `direction`, with `rotations` (the number of 60°
    /// counter-clockwise turns between the caller's frame and the cells') updated as the walk
    /// crosses base cells. Throws `.pentagon` for the deleted direction of a pentagon.
    static func neighbor(_ origin: H3Index, _ direction: Direction, rotations: inout Int) throws(H3Error) -> H3Index {
        var current = origin
        var dir = direction
        guard dir.rawValue > 0 && dir.rawValue < 7 else { throw .domain("invalid direction \(dir.rawValue)") }
        rotations %= 6
        for _ in 0..<rotations { dir = dir.rotated60ccw }
        var newRotations = 0
        let oldBase = current.baseCell
        guard oldBase < BaseCells.count else { throw .invalidCell(origin) }
        let oldLeading = current.leadingNonZeroDigit()

        // Adjust the digits from the finest up; cross into a neighbouring base cell if needed.
        var r = current.resolution - 1
        while true {
            if r == -1 {
                var (base, rots) = BaseCells.neighbor(oldBase, dir)
                if base == BaseCells.invalid {
                    // The deleted K direction of a pentagon base cell borders its IK neighbour.
                    (base, rots) = BaseCells.neighbor(oldBase, .ik)
                    current = current.rotated60ccw()
                    rotations += 1
                }
                current = current.settingBaseCell(base)
                newRotations = rots
                break
            }
            let oldDigit = current.digit(r + 1)
            guard oldDigit != .invalid else { throw .invalidCell(origin) }
            let index = Int(oldDigit.rawValue) * 7 + Int(dir.rawValue)
            let next: UInt8
            if isClassIII(r + 1) {
                current = current.settingDigit(r + 1, Direction(rawValue: H3Tables.newDigitII[index]))
                next = H3Tables.newAdjustmentII[index]
            } else {
                current = current.settingDigit(r + 1, Direction(rawValue: H3Tables.newDigitIII[index]))
                next = H3Tables.newAdjustmentIII[index]
            }
            if next == 0 { break }
            dir = Direction(rawValue: next)
            r -= 1
        }

        let newBase = current.baseCell
        if BaseCells.isPentagon(newBase) {
            var adjustedKSubsequence = false
            // Rotate out of the deleted K sub-sequence.
            if current.leadingNonZeroDigit() == .k {
                if oldBase != newBase {
                    // Entered from another base cell: which way depends on the face we came from.
                    if BaseCells.isClockwiseOffset(newBase, face: BaseCells.home(oldBase).face) {
                        current = current.rotated60cw()
                    } else {
                        current = current.rotated60ccw()
                    }
                    adjustedKSubsequence = true
                } else {
                    // Within the same pentagon base cell.
                    switch oldLeading {
                    case .center: throw .pentagon
                    case .jk:
                        current = current.rotated60ccw()
                        rotations += 1
                    case .ik:
                        current = current.rotated60cw()
                        rotations += 5
                    default: throw .domain("unexpected leading digit next to a pentagon")
                    }
                }
            }
            for _ in 0..<newRotations { current = current.rotatedPentagon60ccw() }
            // The orientation differs between base cells across this edge.
            if oldBase != newBase {
                if BaseCells.isPolarPentagon(newBase) {
                    // Polar pentagons have every neighbour in an i direction.
                    if oldBase != 118 && oldBase != 8 && current.leadingNonZeroDigit() != .jk { rotations += 1 }
                } else if current.leadingNonZeroDigit() == .ik && !adjustedKSubsequence {
                    // The deleted K sub-sequence distorts the 5 neighbour.
                    rotations += 1
                }
            }
        } else {
            for _ in 0..<newRotations { current = current.rotated60ccw() }
        }
        rotations = (rotations + newRotations) % 6
        return current
    }

    /// Direction from a ring's cell to the next ring outward.
    private static let nextRingDirection = Direction.i

    /// The ring walk: every cell within `k`, with its distance, or nil when the walk meets a
    /// pentagon (where the walk is not defined; the caller falls back to a search).
    static func ringWalk(_ origin: H3Index, k: Int) -> [(cell: H3Index, distance: Int)]? {
        var out: [(cell: H3Index, distance: Int)] = [(origin, 0)]
        out.reserveCapacity(1 + 3 * k * (k + 1))
        if origin.isPentagonUnchecked { return nil }
        var current = origin
        var ring = 1
        var side = 0
        var step = 0
        var rotations = 0
        while ring <= k {
            do throws(H3Error) {
                if side == 0 && step == 0 {
                    current = try neighbor(current, nextRingDirection, rotations: &rotations)
                    if current.isPentagonUnchecked { return nil }
                }
                current = try neighbor(current, Direction(rawValue: H3Tables.gridDiskDirections[side]), rotations: &rotations)
            } catch {
                return nil
            }
            out.append((current, ring))
            step += 1
            if step == ring {
                step = 0
                side += 1
                if side == 6 {
                    side = 0
                    ring += 1
                }
            }
            if current.isPentagonUnchecked { return nil }
        }
        return out
    }

    /// Every cell within `k` grid steps by breadth-first search (correct around pentagons).
    static func breadthFirst(_ origin: H3Index, k: Int) -> [(cell: H3Index, distance: Int)] {
        var distance: [H3Index: Int] = [origin: 0]
        var frontier = [origin]
        var out: [(cell: H3Index, distance: Int)] = [(origin, 0)]
        var d = 0
        while d < k && !frontier.isEmpty {
            d += 1
            var next: [H3Index] = []
            for cell in frontier {
                for raw in UInt8(1)...6 {
                    var rotations = 0
                    guard let n = try? neighbor(cell, Direction(rawValue: raw), rotations: &rotations) else { continue }
                    if distance[n] == nil {
                        distance[n] = d
                        next.append(n)
                        out.append((n, d))
                    }
                }
            }
            frontier = next
        }
        return out
    }

    static func requireK(_ k: Int) throws(H3Error) {
        guard k >= 0 else { throw .domain("k must be 0 or more, got \(k)") }
        guard k <= 10_000 else { throw .domain("k \(k) is too large (at most 10000)") }
    }

    /// Cells within `k` steps of `origin`, with their distances (order unspecified).
    public static func gridDiskDistances(_ origin: H3Index, k: Int) throws(H3Error) -> [(cell: H3Index, distance: Int)] {
        try requireCell(origin)
        try requireK(k)
        return ringWalk(origin, k: k) ?? breadthFirst(origin, k: k)
    }

    /// Cells within `k` steps of `origin` (order unspecified).
    public static func gridDisk(_ origin: H3Index, k: Int) throws(H3Error) -> [H3Index] {
        try gridDiskDistances(origin, k: k).map(\.cell)
    }

    /// Cells exactly `k` steps from `origin` (order unspecified).
    public static func gridRing(_ origin: H3Index, k: Int) throws(H3Error) -> [H3Index] {
        try gridDiskDistances(origin, k: k).filter { $0.distance == k }.map(\.cell)
    }

    /// Whether two cells of the same resolution share an edge.
    public static func areNeighborCells(_ a: H3Index, _ b: H3Index) throws(H3Error) -> Bool {
        try requireCell(a)
        try requireCell(b)
        guard a.resolution == b.resolution else { throw .resolutionDomain(b.resolution) }
        guard a != b else { return false }
        for raw in UInt8(1)...6 {
            var rotations = 0
            if let n = try? neighbor(a, Direction(rawValue: raw), rotations: &rotations), n == b { return true }
        }
        return false
    }

    /// The number of grid steps between two cells of the same resolution. Cells far apart
    /// (more than `limit` steps) are refused with `.tooFar`.
    public static func gridDistance(_ a: H3Index, _ b: H3Index, limit: Int = 512) throws(H3Error) -> Int {
        try requireCell(a)
        try requireCell(b)
        guard a.resolution == b.resolution else { throw .resolutionDomain(b.resolution) }
        if a == b { return 0 }
        // Expand rings from `a` until `b` appears (the ring walk where defined, else a search).
        var k = 1
        while k <= limit {
            let disk = ringWalk(a, k: k) ?? breadthFirst(a, k: k)
            if let hit = disk.first(where: { $0.cell == b }) { return hit.distance }
            k = k < 16 ? k + 1 : k * 2
            if k > limit { break }
        }
        throw .tooFar
    }
}
