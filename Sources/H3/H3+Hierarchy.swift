extension H3 {
    /// The ancestor of `cell` at the coarser resolution `res` (the cell itself at its own).
    public static func cellToParent(_ cell: H3Index, res: Int) throws(H3Error) -> H3Index {
        try requireCell(cell)
        try requireResolution(res)
        let childRes = cell.resolution
        guard res <= childRes else { throw .resolutionDomain(res) }
        var h = cell.settingResolution(res)
        if res < 15 {
            for r in (res + 1)...15 { h = h.settingDigit(r, .invalid) }
        }
        return h
    }

    /// The child at `res` at the centre of `cell` (all added digits centre).
    public static func cellToCenterChild(_ cell: H3Index, res: Int) throws(H3Error) -> H3Index {
        try requireCell(cell)
        try requireResolution(res)
        let parentRes = cell.resolution
        guard res >= parentRes else { throw .resolutionDomain(res) }
        var h = cell.settingResolution(res)
        if res > parentRes {
            for r in (parentRes + 1)...res { h = h.settingDigit(r, .center) }
        }
        return h
    }

    /// How many children `cell` has at `res`: 7ⁿ for a hexagon, 1 + 5·(7ⁿ − 1)/6 for a pentagon.
    public static func cellToChildrenSize(_ cell: H3Index, res: Int) throws(H3Error) -> Int {
        try requireCell(cell)
        try requireResolution(res)
        let n = res - cell.resolution
        guard n >= 0 else { throw .resolutionDomain(res) }
        var power = 1
        for _ in 0..<n { power *= 7 }
        return isPentagon(cell) ? 1 + 5 * (power - 1) / 6 : power
    }

    /// Every descendant of `cell` at `res`, in index order. Refuses more than `limit` cells.
    public static func cellToChildren(_ cell: H3Index, res: Int, limit: Int = 50_000_000) throws(H3Error) -> [H3Index] {
        let size = try cellToChildrenSize(cell, res: res)
        guard size <= limit else { throw .domain("\(size) children exceed the limit of \(limit)") }
        var out: [H3Index] = []
        out.reserveCapacity(size)
        let parentRes = cell.resolution
        let pentagon = isPentagon(cell)
        func descend(_ h: H3Index, _ r: Int, _ allCenter: Bool) {
            if r > res {
                out.append(h)
                return
            }
            for d in UInt8(0)...6 {
                // A pentagon has no child in the deleted K direction while still at its centre.
                if pentagon && allCenter && d == Direction.k.rawValue { continue }
                descend(h.settingDigit(r, Direction(rawValue: d)), r + 1, allCenter && d == 0)
            }
        }
        descend(cell.settingResolution(res), parentRes + 1, true)
        return out
    }
}

extension H3 {
    /// The 122 cells of resolution 0, in base-cell order.
    public static func getRes0Cells() -> [H3Index] {
        (0..<122).map { H3Index.cellTemplate(resolution: 0).settingBaseCell($0) }
    }

    /// The 12 pentagons at `res`: the centre children of the pentagonal base cells.
    public static func getPentagons(res: Int) throws(H3Error) -> [H3Index] {
        try requireResolution(res)
        var out: [H3Index] = []
        for base in getRes0Cells() where BaseCells.isPentagon(base.baseCell) {
            out.append(try cellToCenterChild(base, res: res))
        }
        return out
    }

    /// Every descendant of `cell` at `res` lies in this range of raw values, and every valid
    /// cell of `res` in the range descends from `cell` (unused-digit patterns in between are
    /// not cells). Lets a store find all events under a cell with one indexed range scan.
    public static func descendantRange(of cell: H3Index, res: Int) throws(H3Error) -> ClosedRange<UInt64> {
        try requireCell(cell)
        try requireResolution(res)
        let parentRes = cell.resolution
        guard res >= parentRes else { throw .resolutionDomain(res) }
        var low = cell.settingResolution(res)
        var high = low
        if res > parentRes {
            for r in (parentRes + 1)...res {
                low = low.settingDigit(r, .center)
                high = high.settingDigit(r, Direction(rawValue: 6))
            }
        }
        return low.rawValue...high.rawValue
    }
}
