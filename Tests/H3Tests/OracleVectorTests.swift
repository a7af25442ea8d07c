import Foundation
import CTASTestSupport
import Testing
@testable import H3

/// Vectors computed by the reference library (PyPI h3 4.5.x, see Oracle/generate_vectors.py):
/// the committed file, and on CI a fresh one generated with a new random seed every run.
enum VectorFiles {
    static var committed: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/h3-vectors.jsonl").path
    }

    static var fresh: String? { ProcessInfo.processInfo.environment["CTAS_H3_VECTORS"] }

    static func load(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// The outcome of checking one vector file: counts per kind, and every mismatch described.
struct OracleCheck {
    var checked: [String: Int] = [:]
    var mismatches: [String] = []

    mutating func fail(_ message: String) {
        if mismatches.count < 50 { mismatches.append(message) } else if mismatches.count == 50 { mismatches.append("…") }
    }

    static let degreeTolerance = 1e-9
    /// Areas and lengths derive from boundaries that agree to ~1e-13° (H3's own path on unit
    /// vectors rounds differently); for a res-15 cell, half a metre across, that is ~1e-8 of
    /// its size. Measures are held to 1e-7 relative, plus what the vertices' own rounding
    /// allows where they are poorly conditioned (`vertexErrorKm`).
    static let measureTolerance = 1e-7

    /// How far a vertex computed in doubles can be from the true one near `lat`, in km, in
    /// either implementation. A latitude comes out of an arcsine, whose rounding grows as
    /// 1/colatitude towards a pole (to √ε at the pole itself). A res-15 edge at 88.9° is
    /// then good to about 1e-7 of its length only, and right at a pole to under a percent:
    /// the reference is no more exact there than CTAS.
    static func vertexErrorKm(nearLatitude lat: Double) -> Double {
        let epsilon = Double.ulpOfOne
        let colatitude = (90 - abs(lat)) * .pi / 180
        return 8 * epsilon / max(colatitude, epsilon.squareRoot()) * H3Constants.earthRadiusKm
    }

    /// The allowed difference between a measure CTAS computed and the reference's: relative,
    /// plus how far the measure moves when its vertices move by their rounding error.
    static func measureSlack(_ value: Double, vertexShift: Double) -> Double {
        measureTolerance * value + vertexShift
    }

    static func cell(_ any: Any?) -> H3Index? { (any as? String).flatMap(H3Index.init(string:)) }

    /// Angular distance between two points in degrees (robust at the poles).
    static func separation(_ a: LatLng, _ b: LatLng) -> Double {
        func unit(_ p: LatLng) -> (Double, Double, Double) {
            let la = p.lat * .pi / 180, ln = p.lng * .pi / 180
            return (cos(la) * cos(ln), cos(la) * sin(ln), sin(la))
        }
        let (x1, y1, z1) = unit(a), (x2, y2, z2) = unit(b)
        let chord = ((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2) + (z1 - z2) * (z1 - z2)).squareRoot()
        return 2 * asin(min(1, chord / 2)) * 180 / .pi
    }

    mutating func check(_ v: [String: Any]) {
        guard let kind = v["kind"] as? String else { return }
        checked[kind, default: 0] += 1
        switch kind {
        case "cell":
            guard let lat = v["lat"] as? Double, let lng = v["lng"] as? Double, let res = v["res"] as? Int,
                  let expected = Self.cell(v["cell"]) else { return fail("bad vector \(v)") }
            let accept = Set((v["accept"] as? [String] ?? []).compactMap(H3Index.init(string:)) + [expected])
            do throws(H3Error) {
                let got = try H3.latLngToCell(lat: lat, lng: lng, res: res)
                if !accept.contains(got) { fail("latLngToCell(\(lat), \(lng), \(res)) = \(got), oracle \(expected) [\(v["note"] ?? "")]") }
            } catch {
                fail("latLngToCell(\(lat), \(lng), \(res)) threw \(error)")
            }
        case "center":
            guard let cell = Self.cell(v["cell"]), let lat = v["lat"] as? Double, let lng = v["lng"] as? Double else { return }
            guard let got = try? H3.cellToLatLng(cell) else { return fail("cellToLatLng(\(cell)) threw") }
            let off = Self.separation(got, LatLng(lat: lat, lng: lng))
            if off > Self.degreeTolerance { fail("cellToLatLng(\(cell)) = \(got), oracle (\(lat), \(lng)), off \(off)°") }
        case "boundary":
            guard let cell = Self.cell(v["cell"]), let raw = v["boundary"] as? [[Double]] else { return }
            let expected = raw.map { LatLng(lat: $0[0], lng: $0[1]) }
            guard let got = try? H3.cellToBoundary(cell) else { return fail("cellToBoundary(\(cell)) threw") }
            guard got.count == expected.count else {
                return fail("cellToBoundary(\(cell)) has \(got.count) vertices, oracle \(expected.count)")
            }
            // Cyclic: some rotation must match vertex for vertex.
            let n = got.count
            let matches = (0..<n).contains { shift in
                (0..<n).allSatisfy { Self.separation(got[($0 + shift) % n], expected[$0]) <= Self.degreeTolerance }
            }
            if !matches { fail("cellToBoundary(\(cell)) = \(got), oracle \(expected)") }
            for p in got where p.lng < -180 || p.lng > 180 { fail("cellToBoundary(\(cell)) longitude \(p.lng) outside ±180") }
        case "info":
            guard let cell = Self.cell(v["cell"]) else { return }
            if H3.getResolution(cell) != v["res"] as? Int { fail("getResolution(\(cell))") }
            if H3.getBaseCellNumber(cell) != v["base"] as? Int { fail("getBaseCellNumber(\(cell))") }
            if H3.isPentagon(cell) != v["pentagon"] as? Bool { fail("isPentagon(\(cell))") }
            if (try? H3.getIcosahedronFaces(cell)) != v["faces"] as? [Int] {
                fail("getIcosahedronFaces(\(cell)) = \(String(describing: try? H3.getIcosahedronFaces(cell))), oracle \(v["faces"] ?? "")")
            }
            if let got = try? H3.cellAreaKm2(cell), let center = try? H3.cellToLatLng(cell) {
                // Vertices moved by e move the area by at most about the perimeter times e.
                func slack(_ area: Double) -> Double {
                    Self.measureSlack(area, vertexShift: 4 * area.squareRoot() * Self.vertexErrorKm(nearLatitude: center.lat))
                }
                // The area of the reference's own boundary, in extended precision: always.
                if let loop = v["boundaryAreaKm2"] as? Double {
                    checked["boundary area", default: 0] += 1
                    if abs(got - loop) > slack(loop) { fail("cellAreaKm2(\(cell)) = \(got), area of the oracle's boundary \(loop)") }
                }
                // The reference's area, where it agrees with its own boundary: near a pole its
                // formula works on longitudes and is off by up to 1e-4 of a fine cell (measured).
                if let area = v["areaKm2"] as? Double, abs(got - area) > slack(area) {
                    if let loop = v["boundaryAreaKm2"] as? Double, abs(area - loop) > slack(loop) {
                        checked["area off its own boundary", default: 0] += 1
                    } else {
                        fail("cellAreaKm2(\(cell)) = \(got), oracle \(area)")
                    }
                }
            }
        case "disk":
            guard let cell = Self.cell(v["cell"]), let k = v["k"] as? Int, let rings = v["rings"] as? [[String]] else { return }
            guard let got = try? H3.gridDiskDistances(cell, k: k) else { return fail("gridDiskDistances(\(cell), \(k)) threw") }
            for d in 0...k {
                let mine = Set(got.filter { $0.distance == d }.map(\.cell))
                let theirs = Set(rings[d].compactMap(H3Index.init(string:)))
                if mine != theirs { fail("ring \(d) of gridDisk(\(cell), \(k)) [\(v["note"] ?? "")]: \(mine.count) cells, oracle \(theirs.count)") }
            }
            if Set((try? H3.gridRing(cell, k: k)) ?? []) != Set(rings[k].compactMap(H3Index.init(string:))) { fail("gridRing(\(cell), \(k))") }
            if Set((try? H3.gridDisk(cell, k: k)) ?? []).count != got.count { fail("gridDisk(\(cell), \(k)) has duplicates") }
        case "parent":
            guard let cell = Self.cell(v["cell"]), let res = v["res"] as? Int else { return }
            if (try? H3.cellToParent(cell, res: res)) != Self.cell(v["parent"]) { fail("cellToParent(\(cell), \(res))") }
        case "centerChild":
            guard let cell = Self.cell(v["cell"]), let res = v["res"] as? Int else { return }
            if (try? H3.cellToCenterChild(cell, res: res)) != Self.cell(v["child"]) { fail("cellToCenterChild(\(cell), \(res))") }
        case "children":
            guard let cell = Self.cell(v["cell"]), let res = v["res"] as? Int, let children = v["children"] as? [String] else { return }
            let got = ((try? H3.cellToChildren(cell, res: res)) ?? []).sorted()
            if got != children.compactMap(H3Index.init(string:)).sorted() { fail("cellToChildren(\(cell), \(res))") }
            if (try? H3.cellToChildrenSize(cell, res: res)) != children.count { fail("cellToChildrenSize(\(cell), \(res))") }
        case "neighbors":
            guard let a = Self.cell(v["a"]), let b = Self.cell(v["b"]), let expected = v["neighbors"] as? Bool else { return }
            if (try? H3.areNeighborCells(a, b)) != expected { fail("areNeighborCells(\(a), \(b)) ≠ \(expected)") }
        case "distance":
            guard let a = Self.cell(v["a"]), let b = Self.cell(v["b"]) else { return }
            if let expected = v["distance"] as? Int {
                let got = try? H3.gridDistance(a, b)
                if got != expected { fail("gridDistance(\(a), \(b)) = \(String(describing: got)), oracle \(expected)") }
            }
        case "edge":
            guard let a = Self.cell(v["a"]), let b = Self.cell(v["b"]), let km = v["km"] as? Double else { return }
            guard let got = try? H3.edgeLengthKm(a, b) else { return fail("edgeLengthKm(\(a), \(b)) threw") }
            let lat = (try? H3.cellToLatLng(a).lat) ?? 0
            if abs(got - km) > Self.measureSlack(km, vertexShift: 2 * Self.vertexErrorKm(nearLatitude: lat)) { fail("edgeLengthKm(\(a), \(b)) = \(got), oracle \(km)") }
        case "gcd":
            guard let a = v["a"] as? [Double], let b = v["b"] as? [Double], let km = v["km"] as? Double else { return }
            let got = H3.greatCircleDistanceKm(LatLng(lat: a[0], lng: a[1]), LatLng(lat: b[0], lng: b[1]))
            if abs(got - km) > 1e-9 * max(km, 1) { fail("greatCircleDistanceKm = \(got), oracle \(km)") }
        case "invalid":
            guard let text = v["h"] as? String, let h = H3Index(string: text), let valid = v["valid"] as? Bool else { return }
            if H3.isValidCell(h) != valid { fail("isValidCell(\(text)) ≠ \(valid) [\(v["note"] ?? "")]") }
            if !valid {
                if (try? H3.cellToLatLng(h)) != nil { fail("cellToLatLng accepted invalid \(text)") }
                if (try? H3.cellToBoundary(h)) != nil { fail("cellToBoundary accepted invalid \(text)") }
                if (try? H3.gridDisk(h, k: 1)) != nil { fail("gridDisk accepted invalid \(text)") }
            }
        default:
            break
        }
    }
}

@Suite struct OracleVectorTests {
    func run(_ path: String) async throws {
        let check = try await onOwnThread { () throws -> OracleCheck in
            var check = OracleCheck()
            for v in try VectorFiles.load(path) { check.check(v) }
            return check
        }
        #expect(check.mismatches.isEmpty, "\(check.mismatches.count) mismatches:\n\(check.mismatches.joined(separator: "\n"))")
        for kind in ["cell", "center", "boundary", "info", "disk", "parent", "children", "neighbors", "invalid", "edge", "gcd", "boundary area"] {
            #expect((check.checked[kind] ?? 0) > 0, "the vectors include \(kind)")
        }
        #expect((check.checked["cell"] ?? 0) > 1000)
    }

    @Test func committedVectors() async throws {
        try await run(VectorFiles.committed)
    }

    /// CI generates a fresh vector file with a new random seed every run.
    @Test func freshRandomVectors() async throws {
        try requires(VectorFiles.fresh != nil, "fresh oracle vectors (CTAS_H3_VECTORS, made by .ci/run)")
        try await run(VectorFiles.fresh ?? "")
    }
}
