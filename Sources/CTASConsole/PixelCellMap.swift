import CTASCore
import H3

/// Which H3 cell each pixel of the heatmap shows, for one viewport, pane size and
/// resolution: built on pan, zoom or resize (one latLngToCell per pixel), reused by every
/// other frame, which then only looks up densities per distinct cell.
public struct PixelCellMap: Sendable {
    public struct Key: Hashable, Sendable {
        public var viewport: HeatmapViewport
        public var width: Int
        public var height: Int
        public var resolution: Int
        public var hasLand: Bool
        public var hasAtlas = false
    }

    public let key: Key
    /// Per pixel (row-major, width × 2·height): index into `cells`, −1 beyond a pole.
    public let pixels: [Int32]
    /// Per pixel: whether it is land (all false without a mask).
    public let land: [Bool]
    /// The distinct cells on screen.
    public let cells: [H3Index]
    /// Per pixel: a coastline (land beside sea) or a land border is drawn there.
    public let outline: [Bool]

    public init(key: Key, landMask: LandMask?, atlas: WorldAtlas? = nil) {
        self.key = key
        let w = key.width
        let h = 2 * key.height
        var pixels = [Int32](repeating: -1, count: w * h)
        var land = [Bool](repeating: false, count: w * h)
        var cells: [H3Index] = []
        var slot: [UInt64: Int32] = [:]
        for py in 0..<h {
            for px in 0..<w {
                guard let p = key.viewport.point(px: px, py: py, width: w, height: key.height),
                      let cell = try? H3.latLngToCell(lat: p.lat, lng: p.lng, res: key.resolution) else { continue }
                let i = py * w + px
                if let s = slot[cell.rawValue] {
                    pixels[i] = s
                } else {
                    let s = Int32(cells.count)
                    slot[cell.rawValue] = s
                    cells.append(cell)
                    pixels[i] = s
                }
                if let landMask { land[i] = landMask.isLand(lat: p.lat, lng: p.lng) }
            }
        }
        self.pixels = pixels
        self.land = land
        self.cells = cells
        var outline = HeatmapPane.coasts(land: land, width: w, height: h)
        if let atlas { HeatmapPane.drawBorders(atlas, into: &outline, viewport: key.viewport, width: w, rows: key.height) }
        self.outline = outline
    }
}

/// The last pixel map, kept between frames (a memo: rendering stays a function of its inputs).
public final class PixelCellCache: Sendable {
    private let last = Locked<PixelCellMap?>(nil)
    private let builds = Locked(0)

    public init() {}

    /// The map for `key`, built only when it differs from the last one.
    public func map(for key: PixelCellMap.Key, landMask: LandMask?, atlas: WorldAtlas? = nil) -> PixelCellMap {
        if let m = last.withLock({ $0 }), m.key == key { return m }
        let m = PixelCellMap(key: key, landMask: landMask, atlas: atlas)
        last.withLock { $0 = m }
        builds.withLock { $0 += 1 }
        return m
    }

    /// How many maps were built (tests check the cache holds).
    public var buildCount: Int { builds.withLock { $0 } }
}
