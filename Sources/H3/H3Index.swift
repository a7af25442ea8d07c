/// A 64-bit H3 index. For cells (mode 1) the bits are, from the most significant:
/// reserved (1, zero), mode (4), mode-dependent (3, zero), resolution (4), base cell (7),
/// then fifteen 3-bit digits for resolutions 1…15 (unused ones are 7).
public struct H3Index: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (a: H3Index, b: H3Index) -> Bool { a.rawValue < b.rawValue }

    /// Lower-case hexadecimal without prefix or padding, as H3 writes it (`8928308280fffff`).
    public var description: String { String(rawValue, radix: 16) }

    /// Parses hexadecimal (either case, an optional `0x`); nil when it is not 1–16 hex digits.
    /// Validity as a cell is a separate question (`H3.isValidCell`).
    public init?(string: String) {
        var text = Substring(string)
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        guard !text.isEmpty, text.count <= 16, let value = UInt64(text, radix: 16) else { return nil }
        rawValue = value
    }

    // MARK: bit fields

    static let modeOffset: UInt64 = 59
    static let resolutionOffset: UInt64 = 52
    static let baseCellOffset: UInt64 = 45

    @inline(__always) var mode: Int { Int(rawValue >> Self.modeOffset & 0xF) }
    @inline(__always) var reservedBits: Int { Int(rawValue >> 56 & 0x7) }
    @inline(__always) var highBit: Int { Int(rawValue >> 63) }
    /// The resolution, 0…15.
    @inline(__always) public var resolution: Int { Int(rawValue >> Self.resolutionOffset & 0xF) }
    /// The base cell number, 0…121 for a valid cell.
    @inline(__always) public var baseCell: Int { Int(rawValue >> Self.baseCellOffset & 0x7F) }

    @inline(__always) func digit(_ r: Int) -> Direction { Direction(rawValue: UInt8(rawValue >> UInt64((15 - r) * 3) & 7)) }

    @inline(__always) func settingDigit(_ r: Int, _ d: Direction) -> H3Index {
        let shift = UInt64((15 - r) * 3)
        return H3Index((rawValue & ~(7 << shift)) | (UInt64(d.rawValue) << shift))
    }

    @inline(__always) func settingResolution(_ res: Int) -> H3Index {
        H3Index((rawValue & ~(0xF << Self.resolutionOffset)) | (UInt64(res) << Self.resolutionOffset))
    }

    @inline(__always) func settingBaseCell(_ cell: Int) -> H3Index {
        H3Index((rawValue & ~(0x7F << Self.baseCellOffset)) | (UInt64(cell) << Self.baseCellOffset))
    }

    /// A cell index at `res` with every digit unused (7) and base cell 0: the start of encoding.
    static func cellTemplate(resolution res: Int) -> H3Index {
        // mode 1, res, all 15 digits 7.
        H3Index((1 << modeOffset) | (UInt64(res) << resolutionOffset) | 0x1FFF_FFFF_FFFF)
    }

    /// The first digit that is not centre (0), or centre if all are: the highest set bit of
    /// the used digits picks it out without a loop.
    @inline(__always)
    func leadingNonZeroDigit() -> Direction {
        let res = resolution
        guard res > 0 else { return .center }
        let usedBits = UInt64(3 * res)
        let digits = (rawValue >> UInt64(3 * (15 - res))) & ((1 << usedBits) - 1)
        guard digits != 0 else { return .center }
        let top = 63 - digits.leadingZeroBitCount          // highest set bit
        let shift = top - top % 3                          // start of its digit
        return Direction(rawValue: UInt8(digits >> UInt64(shift) & 7))
    }

    /// A pentagon, for an index already known to be a valid cell.
    @inline(__always)
    var isPentagonUnchecked: Bool { BaseCells.isPentagon(baseCell) && leadingNonZeroDigit() == .center }

    /// Every digit rotated 60° counter-clockwise.
    func rotated60ccw() -> H3Index {
        var h = self
        let res = resolution
        guard res > 0 else { return h }
        for r in 1...res { h = h.settingDigit(r, h.digit(r).rotated60ccw) }
        return h
    }

    /// Every digit rotated 60° clockwise.
    func rotated60cw() -> H3Index {
        var h = self
        let res = resolution
        guard res > 0 else { return h }
        for r in 1...res { h = h.settingDigit(r, h.digit(r).rotated60cw) }
        return h
    }

    /// The pentagon rotation: rotate counter-clockwise, and again when the leading digit
    /// lands on the deleted K sub-sequence.
    func rotatedPentagon60ccw() -> H3Index {
        var h = rotated60ccw()
        if h.leadingNonZeroDigit() == .k { h = h.rotated60ccw() }
        return h
    }

    func rotatedPentagon60cw() -> H3Index {
        var h = rotated60cw()
        if h.leadingNonZeroDigit() == .k { h = h.rotated60cw() }
        return h
    }
}

/// An H3 digit: the direction of a child from its parent's centre, as a unit vector on the
/// IJK grid (or 7, unused).
struct Direction: Equatable, Hashable {
    let rawValue: UInt8

    static let center = Direction(rawValue: 0)
    static let k = Direction(rawValue: 1)
    static let j = Direction(rawValue: 2)
    static let jk = Direction(rawValue: 3)
    static let i = Direction(rawValue: 4)
    static let ik = Direction(rawValue: 5)
    static let ij = Direction(rawValue: 6)
    static let invalid = Direction(rawValue: 7)

    private static let ccw: [UInt8] = [0, 5, 3, 1, 6, 4, 2, 7]
    private static let cw: [UInt8] = [0, 3, 6, 2, 5, 1, 4, 7]

    /// 1→5→4→6→2→3→1.
    var rotated60ccw: Direction { Direction(rawValue: Self.ccw[Int(rawValue)]) }
    var rotated60cw: Direction { Direction(rawValue: Self.cw[Int(rawValue)]) }

    var unitVector: CoordIJK {
        switch rawValue {
        case 1: CoordIJK(0, 0, 1)
        case 2: CoordIJK(0, 1, 0)
        case 3: CoordIJK(0, 1, 1)
        case 4: CoordIJK(1, 0, 0)
        case 5: CoordIJK(1, 0, 1)
        case 6: CoordIJK(1, 1, 0)
        default: CoordIJK(0, 0, 0)
        }
    }
}
