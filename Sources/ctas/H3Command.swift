import ArgumentParser
import CTASBenchmarks
import CTASFeeds
import Foundation
import H3

struct H3Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "h3",
        abstract: "H3 grid functions (pure Swift, the same cell ids as H3 v4), printing JSON.",
        subcommands: [LatLngToCell.self, CellToLatLng.self, CellToBoundary.self, GridDisk.self, GridRing.self,
                      CellToParent.self, CellToChildren.self, CellInfo.self, GridDistance.self, Bench.self])

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Nanoseconds per call of latLngToCell, cellToLatLng, cellToBoundary and gridDisk, against C when given.",
            discussion: """
                --c-library names a shared object exporting H3's C API (for example one of the extension modules in \
                the PyPI h3 wheel, site-packages/h3/_cy/*.so; pass --preload with libpython for its symbols). Both run \
                on the same random points in the same process; best of three runs each.
                """)

        @Option(help: "Random points.") var points: Int = 200_000
        @Option(help: "Shared object with H3's C functions.") var cLibrary: String?
        @Option(help: "Libraries to load first (repeatable).") var preload: [String] = []

        func run() throws {
            let c = try cLibrary.map { path in try h3 { () throws(H3Error) in try H3Benchmark.CLibrary(path: path, preload: preload) } }
            let timings = H3Benchmark.run(points: points, c: c)
            var rows: [[String: Any]] = []
            for t in timings {
                var row: [String: Any] = ["function": t.name, "swiftNs": (t.swiftNanoseconds * 10).rounded() / 10]
                if let cNs = t.cNanoseconds { row["cNs"] = (cNs * 10).rounded() / 10 }
                if let s = t.speedup { row["cOverSwift"] = (s * 100).rounded() / 100 }
                rows.append(row)
            }
            printJSON(["points": points, "timings": rows])
        }
    }

    struct LatLngToCell: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "latLngToCell",
            abstract: "The cell containing a point.",
            discussion: """
                With --batch, reads JSON lines {"lat":…,"lng":…,"res":…} from stdin and writes {"cell":"…"} lines in \
                the same order; a bad line gives {"error":"…"} on its line instead of stopping.
                """)

        @Option(help: "Latitude in degrees.") var lat: Double?
        @Option(help: "Longitude in degrees.") var lng: Double?
        @Option(help: "Resolution 0–15.") var res: Int?
        @Flag(help: "Read JSON lines from stdin.") var batch = false

        func validate() throws {
            if !batch && (lat == nil || lng == nil || res == nil) {
                throw ValidationError("give --lat, --lng and --res, or --batch")
            }
        }

        func run() throws {
            if batch {
                H3BatchLines.run()
                return
            }
            guard let lat, let lng, let res else { return }
            let cell = try h3 { () throws(H3Error) in try H3.latLngToCell(lat: lat, lng: lng, res: res) }
            printJSON(["cell": cell.description])
        }
    }

    struct CellToLatLng: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cellToLatLng", abstract: "A cell's centre.")
        @Argument(help: "Cell id (hex).") var cell: String

        func run() throws {
            let c = try parseCell(cell)
            let p = try h3 { () throws(H3Error) in try H3.cellToLatLng(c) }
            printJSON(["lat": p.lat, "lng": p.lng])
        }
    }

    struct CellToBoundary: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cellToBoundary", abstract: "A cell's boundary, counter-clockwise.")
        @Argument(help: "Cell id (hex).") var cell: String

        func run() throws {
            let c = try parseCell(cell)
            let b = try h3 { () throws(H3Error) in try H3.cellToBoundary(c) }
            printJSON(["boundary": b.map { [$0.lat, $0.lng] }])
        }
    }

    struct GridDisk: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gridDisk", abstract: "Cells within k steps.")
        @Argument(help: "Cell id (hex).") var cell: String
        @Option(help: "Distance k ≥ 0.") var k: Int = 1
        @Flag(help: "Include each cell's distance.") var distances = false

        func run() throws {
            let c = try parseCell(cell)
            if distances {
                let d = try h3 { () throws(H3Error) in try H3.gridDiskDistances(c, k: k) }
                printJSON(["cells": d.map { ["cell": $0.cell.description, "distance": $0.distance] as [String: Any] }])
            } else {
                let d = try h3 { () throws(H3Error) in try H3.gridDisk(c, k: k) }
                printJSON(["cells": d.map(\.description)])
            }
        }
    }

    struct GridRing: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gridRing", abstract: "Cells exactly k steps away.")
        @Argument(help: "Cell id (hex).") var cell: String
        @Option(help: "Distance k ≥ 0.") var k: Int = 1

        func run() throws {
            let c = try parseCell(cell)
            let d = try h3 { () throws(H3Error) in try H3.gridRing(c, k: k) }
            printJSON(["cells": d.map(\.description)])
        }
    }

    struct GridDistance: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "gridDistance", abstract: "Grid steps between two cells.")
        @Argument(help: "Cell id (hex).") var a: String
        @Argument(help: "Cell id (hex).") var b: String

        func run() throws {
            let x = try parseCell(a), y = try parseCell(b)
            let d = try h3 { () throws(H3Error) in try H3.gridDistance(x, y) }
            printJSON(["distance": d])
        }
    }

    struct CellToParent: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cellToParent", abstract: "A cell's ancestor at a coarser resolution.")
        @Argument(help: "Cell id (hex).") var cell: String
        @Option(help: "Parent resolution.") var res: Int

        func run() throws {
            let c = try parseCell(cell)
            let p = try h3 { () throws(H3Error) in try H3.cellToParent(c, res: res) }
            printJSON(["cell": p.description])
        }
    }

    struct CellToChildren: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cellToChildren", abstract: "A cell's descendants at a finer resolution.")
        @Argument(help: "Cell id (hex).") var cell: String
        @Option(help: "Child resolution.") var res: Int

        func run() throws {
            let c = try parseCell(cell)
            let children = try h3 { () throws(H3Error) in try H3.cellToChildren(c, res: res) }
            printJSON(["cells": children.map(\.description)])
        }
    }

    struct CellInfo: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Resolution, base cell, pentagon, faces, area of a cell.")
        @Argument(help: "Cell id (hex).") var cell: String

        func run() throws {
            let c = try parseCell(cell)
            let faces = try h3 { () throws(H3Error) in try H3.getIcosahedronFaces(c) }
            let area = try h3 { () throws(H3Error) in try H3.cellAreaKm2(c) }
            printJSON(["cell": c.description, "valid": H3.isValidCell(c), "resolution": H3.getResolution(c),
                       "baseCell": H3.getBaseCellNumber(c), "pentagon": H3.isPentagon(c), "faces": faces, "areaKm2": area])
        }
    }
}

func parseCell(_ text: String) throws -> H3Index {
    guard let cell = H3Index(string: text) else { throw ValidationError("'\(text)' is not a hexadecimal H3 index") }
    guard H3.isValidCell(cell) else { throw RuntimeError("\(text) is not a valid H3 cell") }
    return cell
}

/// Runs an H3 call, turning its error into a runtime error with H3's message.
func h3<T>(_ body: () throws(H3Error) -> T) throws -> T {
    do throws(H3Error) { return try body() } catch { throw RuntimeError("h3: \(error)") }
}

func printJSON(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    print(String(decoding: data, as: UTF8.self))
}
