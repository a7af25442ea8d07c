import Foundation

/// A land/sea raster of the whole world (SampleData/landmask.bin, made by
/// SampleData/generate-landmask.py from NOAA GLOBE data): the heatmap's dim backdrop.
public final class LandMask: Sendable {
    public let width: Int
    public let height: Int
    private let words: [UInt64]
    private let wordsPerRow: Int

    /// Why a mask file could not be read: the file, where, and what was expected.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Decodes the file's bytes (`origin` names it in errors).
    public init(bytes: [UInt8], origin: String) throws(LoadError) {
        guard let newline = bytes.prefix(64).firstIndex(of: 0x0A) else {
            throw LoadError(message: "\(origin): no header line; expected \"CTASLAND 1 WIDTH HEIGHT\"")
        }
        let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
        guard header.count == 4, header[0] == "CTASLAND", header[1] == "1", let w = Int(header[2]), let h = Int(header[3]),
              (2...100_000).contains(w), (1...50_000).contains(h), w * h <= 400_000_000 else {
            throw LoadError(message: "\(origin): header '\(String(decoding: bytes[..<newline], as: UTF8.self).prefix(40))': expected \"CTASLAND 1 WIDTH HEIGHT\" with a sane size")
        }
        width = w
        height = h
        wordsPerRow = (w + 63) / 64
        var words = [UInt64](repeating: 0, count: wordsPerRow * h)
        var i = newline + 1
        for row in 0..<h {
            var x = 0
            var land = false
            while x < w {
                var run = 0
                var shift = 0
                while true {
                    guard i < bytes.count else { throw LoadError(message: "\(origin): row \(row): data ends early (byte \(i))") }
                    let b = bytes[i]
                    i += 1
                    guard shift < 35 else { throw LoadError(message: "\(origin): row \(row): run length too long at byte \(i - 1)") }
                    run |= Int(b & 0x7F) << shift
                    shift += 7
                    if b & 0x80 == 0 { break }
                }
                guard x + run <= w else {
                    throw LoadError(message: "\(origin): row \(row): runs add up to more than the width \(w) at byte \(i - 1)")
                }
                if land {
                    for p in x..<(x + run) { words[row * wordsPerRow + p >> 6] |= 1 << UInt64(p & 63) }
                }
                x += run
                land.toggle()
            }
        }
        guard i == bytes.count else { throw LoadError(message: "\(origin): \(bytes.count - i) byte(s) after the last row") }
        self.words = words
    }

    public convenience init(path: String) throws(LoadError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError(message: "\(path): cannot read the land mask") }
        try self.init(bytes: [UInt8](data), origin: path)
    }

    /// Whether the point (degrees; longitudes wrap) is land.
    @inline(__always)
    public func isLand(lat: Double, lng: Double) -> Bool {
        guard lat.isFinite, lng.isFinite else { return false }
        let row = min(height - 1, max(0, Int((90 - lat) / 180 * Double(height))))
        var col = Int(((lng + 180) / 360 * Double(width)).rounded(.down)) % width
        if col < 0 { col += width }
        return words[row * wordsPerRow + col >> 6] >> UInt64(col & 63) & 1 == 1
    }

    /// The bundled mask: CTAS_LAND_MASK, SampleData/ under the working directory, or next to
    /// the binary; nil when none is found (the heatmap then draws no backdrop).
    public static func findBundled(environment: [String: String], executable: String) -> String? {
        BundledFile.find("landmask.bin", variable: "CTAS_LAND_MASK", environment: environment, executable: executable)
    }
}
