import H3
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Nanoseconds per call of the main H3 functions, and — when given the C library (for
/// example the shared object inside the PyPI `h3` wheel) — of the C functions on the same
/// points in the same run, with no other language in the timed loops.
public enum H3Benchmark {
    public struct Timing: Sendable {
        public var name: String
        public var swiftNanoseconds: Double
        public var cNanoseconds: Double?
        /// C time ÷ Swift time (above 1: Swift is faster).
        public var speedup: Double? { cNanoseconds.map { $0 / swiftNanoseconds } }
    }

    /// The C library's functions, loaded with dlopen. `preload` libraries (such as libpython
    /// for a Python extension module) are loaded first to satisfy its symbols.
    public final class CLibrary {
        typealias LatLngToCell = @convention(c) (UnsafeRawPointer, Int32, UnsafeMutablePointer<UInt64>) -> UInt32
        typealias CellToLatLng = @convention(c) (UInt64, UnsafeMutableRawPointer) -> UInt32
        typealias CellToBoundary = @convention(c) (UInt64, UnsafeMutableRawPointer) -> UInt32
        typealias GridDisk = @convention(c) (UInt64, Int32, UnsafeMutablePointer<UInt64>) -> UInt32

        let latLngToCell: LatLngToCell
        let cellToLatLng: CellToLatLng
        let cellToBoundary: CellToBoundary
        let gridDisk: GridDisk

        public init(path: String, preload: [String] = []) throws(H3Error) {
            for library in preload where dlopen(library, RTLD_NOW | RTLD_GLOBAL) == nil {
                throw .domain("cannot load \(library): \(String(cString: dlerror()))")
            }
            guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                throw .domain("cannot load \(path): \(String(cString: dlerror()))")
            }
            func symbol(_ name: String) throws(H3Error) -> UnsafeMutableRawPointer {
                guard let p = dlsym(handle, name) else { throw .domain("\(path) has no symbol \(name)") }
                return p
            }
            latLngToCell = unsafeBitCast(try symbol("latLngToCell"), to: LatLngToCell.self)
            cellToLatLng = unsafeBitCast(try symbol("cellToLatLng"), to: CellToLatLng.self)
            cellToBoundary = unsafeBitCast(try symbol("cellToBoundary"), to: CellToBoundary.self)
            gridDisk = unsafeBitCast(try symbol("gridDisk"), to: GridDisk.self)
        }
    }

    /// Runs every measurement over `points` random points (uniform on the sphere, seeded).
    public static func run(points count: Int = 200_000, seed: UInt64 = 1, c: CLibrary? = nil) -> [Timing] {
        var state = seed | 1
        func random() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) * 0x1.0p-53
        }
        var lats = [Double](), lngs = [Double]()
        for _ in 0..<count {
            lats.append(asin(random() * 2 - 1) * (180 / Double.pi))
            lngs.append(random() * 360 - 180)
        }
        // C takes radians; converted outside its timed loop.
        let radians: [Double] = (0..<count).flatMap { [lats[$0] * (Double.pi / 180), lngs[$0] * (Double.pi / 180)] }
        var timings: [Timing] = []
        var sink: UInt64 = 0

        for res in [5, 9, 15] {
            let swift = time(count) {
                for i in 0..<count { sink &+= (try? H3.latLngToCell(lat: lats[i], lng: lngs[i], res: res))?.rawValue ?? 0 }
            }
            var cTime: Double?
            if let c {
                cTime = time(count) {
                    radians.withUnsafeBytes { raw in
                        var out: UInt64 = 0
                        for i in 0..<count {
                            _ = c.latLngToCell(raw.baseAddress! + i * 16, Int32(res), &out)
                            sink &+= out
                        }
                    }
                }
            }
            timings.append(Timing(name: "latLngToCell res \(res)", swiftNanoseconds: swift, cNanoseconds: cTime))
        }

        let cells = (0..<count).compactMap { try? H3.latLngToCell(lat: lats[$0], lng: lngs[$0], res: 9) }
        let n = cells.count
        timings.append(Timing(name: "cellToLatLng res 9", swiftNanoseconds: time(n) {
            for cell in cells { sink &+= UInt64(bitPattern: Int64(((try? H3.cellToLatLng(cell))?.lat ?? 0) * 1000)) }
        }, cNanoseconds: c.map { c in time(n) {
            var out = [Double](repeating: 0, count: 2)
            out.withUnsafeMutableBytes { raw in
                for cell in cells {
                    _ = c.cellToLatLng(cell.rawValue, raw.baseAddress!)
                    sink &+= UInt64(bitPattern: Int64(raw.load(as: Double.self) * 1000))
                }
            }
        } }))
        timings.append(Timing(name: "cellToBoundary res 9", swiftNanoseconds: time(n) {
            for cell in cells { sink &+= UInt64((try? H3.cellToBoundary(cell))?.count ?? 0) }
        }, cNanoseconds: c.map { c in time(n) {
            // CellBoundary: an int count, padding, then 10 (lat, lng) pairs.
            var out = [UInt8](repeating: 0, count: 8 + 10 * 16)
            out.withUnsafeMutableBytes { raw in
                for cell in cells {
                    _ = c.cellToBoundary(cell.rawValue, raw.baseAddress!)
                    sink &+= UInt64(raw.load(as: Int32.self))
                }
            }
        } }))
        timings.append(Timing(name: "gridDisk k=2 res 9", swiftNanoseconds: time(n) {
            for cell in cells { sink &+= UInt64((try? H3.gridDisk(cell, k: 2))?.count ?? 0) }
        }, cNanoseconds: c.map { c in time(n) {
            var out = [UInt64](repeating: 0, count: 19)
            out.withUnsafeMutableBufferPointer { buffer in
                for cell in cells {
                    _ = c.gridDisk(cell.rawValue, 2, buffer.baseAddress!)
                    sink &+= buffer[18]
                }
            }
        } }))
        if sink == 42 { print("") }   // keeps the work observable
        return timings
    }

    /// Best of three runs, in ns per item.
    private static func time(_ items: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<3 {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            body()
            clock_gettime(CLOCK_MONOTONIC, &end)
            let ns = Double(end.tv_sec - start.tv_sec) * 1e9 + Double(end.tv_nsec - start.tv_nsec)
            best = min(best, ns / Double(max(items, 1)))
        }
        return best
    }
}
