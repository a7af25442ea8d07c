import CTASCore
import CTASEngine
import Foundation
import H3

/// Where the heatmap looks: a centre and a zoom, projected locally equirectangular (the
/// horizontal scale is corrected for the centre's latitude, so cells near the centre keep
/// their true shapes). Each character is two square pixels (the upper half block), so a
/// pane of W×H characters is W×2H pixels. At zoom 0 the whole world spans the width.
public struct HeatmapViewport: Sendable, Hashable {
    public var centerLat: Double
    public var centerLng: Double
    /// 0 (the world across the pane) to `maxZoom`; each step halves the span.
    public var zoom: Int

    public static let maxZoom = 12
    /// Average hexagon edge lengths (km) per resolution 0…7 (H3's published table).
    static let edgeKm: [Double] = [1281.256011, 483.0568391, 182.5129565, 68.97922179, 26.07175968, 9.854090990, 3.724532667, 1.406475763]
    static let kmPerDegree = 111.32
    /// A display cell should be at least this many pixels across.
    static let minimumCellPixels = 5.0

    public init(centerLat: Double = 20, centerLng: Double = 0, zoom: Int = 0) {
        self.centerLat = max(-90, min(90, centerLat))
        self.centerLng = Self.wrap(centerLng)
        self.zoom = max(0, min(Self.maxZoom, zoom))
    }

    static func wrap(_ lng: Double) -> Double {
        guard lng.isFinite else { return 0 }
        var l = lng.truncatingRemainder(dividingBy: 360)
        if l > 180 { l -= 360 }
        if l < -180 { l += 360 }
        return l
    }

    /// Degrees of latitude per pixel in a pane `width` characters wide.
    public func degreesPerPixel(width: Int) -> Double {
        360.0 / Double(max(1, width)) / Double(1 << zoom)
    }

    /// Longitude degrees per degree of latitude on screen: 1/cos of the centre latitude, so
    /// shapes near the centre are true, capped so the pane never spans more than 360°.
    public var horizontalStretch: Double { min(Double(1 << zoom), 1 / cos(min(85, abs(centerLat)) * .pi / 180)) }

    /// The resolution whose cells are at least a few pixels across at this zoom (0…7).
    public func displayResolution(width: Int) -> Int {
        let pixelKm = degreesPerPixel(width: width) * Self.kmPerDegree
        var res = 0
        for r in 0...GeoIndex.baseResolution where 2 * Self.edgeKm[r] / pixelKm >= Self.minimumCellPixels { res = r }
        return res
    }

    /// The point under pixel (px, py) of a pane `width`×`height` characters (pixel rows are
    /// 2×height); nil beyond a pole.
    public func point(px: Int, py: Int, width: Int, height: Int) -> (lat: Double, lng: Double)? {
        let d = degreesPerPixel(width: width)
        let lat = centerLat - (Double(py) + 0.5 - Double(height)) * d
        guard lat >= -90, lat <= 90 else { return nil }
        let lng = centerLng + (Double(px) + 0.5 - Double(width) / 2) * d * horizontalStretch
        return (lat, Self.wrap(lng))
    }

    /// The pixel a point falls in (may lie outside the pane); the inverse of `point`.
    public func pixel(lat: Double, lng: Double, width: Int, height: Int) -> (x: Int, y: Int) {
        let d = degreesPerPixel(width: width)
        var dLng = Self.wrap(lng - centerLng)
        if dLng == -180 { dLng = 180 }
        let x = dLng / (d * horizontalStretch) + Double(width) / 2 - 0.5
        let y = (centerLat - lat) / d + Double(height) - 0.5
        return (Int(x.rounded()), Int(y.rounded()))
    }

    /// Moved by a fraction of the pane (dx, dy in quarter-panes).
    public func panned(dx: Int, dy: Int, width: Int, height: Int) -> HeatmapViewport {
        let d = degreesPerPixel(width: width)
        var v = self
        v.centerLng = Self.wrap(centerLng + Double(dx) * Double(width) / 4 * d * horizontalStretch)
        v.centerLat = max(-90, min(90, centerLat - Double(dy) * Double(2 * height) / 4 * d))
        return v
    }

    public func zoomed(by steps: Int) -> HeatmapViewport {
        var v = self
        v.zoom = max(0, min(Self.maxZoom, zoom + steps))
        return v
    }

    /// Centred on `cell` at the zoom where its resolution is the display resolution (or
    /// the closest to it).
    public static func showing(_ cell: H3Index, width: Int) -> HeatmapViewport? {
        guard let c = try? H3.cellToLatLng(cell) else { return nil }
        var v = HeatmapViewport(centerLat: c.lat, centerLng: c.lng, zoom: 0)
        let target = min(GeoIndex.baseResolution, cell.resolution)
        while v.zoom < maxZoom, v.displayResolution(width: width) < target { v.zoom += 1 }
        return v
    }
}
