import Testing
@testable import H3

@Suite struct H3APITests {
    let paris = try! H3.latLngToCell(lat: 48.8566, lng: 2.3522, res: 9)

    @Test func knownCells() throws {
        #expect(paris.description == "891fb466257ffff")
        #expect(H3Index(string: "891FB466257FFFF") == paris)
        #expect(H3Index(string: "0x891fb466257ffff") == paris)
        #expect(try H3.stringToH3("891fb466257ffff") == paris)
        #expect(H3.getResolution(paris) == 9)
        #expect(H3.getBaseCellNumber(paris) == 15)
        #expect(!H3.isPentagon(paris))
        #expect(try H3.getIcosahedronFaces(paris) == [3], "as the reference library says")
        let parent = try H3.cellToParent(paris, res: 5)
        #expect(try H3.cellToChildren(parent, res: 9).contains(paris))
        #expect(try H3.cellToCenterChild(parent, res: 5) == parent)
        #expect(try H3.cellToChildrenSize(parent, res: 7) == 49)
    }

    @Test func invalidInputIsAnErrorNotACrash() {
        #expect(throws: H3Error.latLngDomain) { try H3.latLngToCell(lat: .nan, lng: 0, res: 5) }
        #expect(throws: H3Error.latLngDomain) { try H3.latLngToCell(lat: 0, lng: .infinity, res: 5) }
        #expect(throws: H3Error.resolutionDomain(16)) { try H3.latLngToCell(lat: 0, lng: 0, res: 16) }
        #expect(throws: H3Error.resolutionDomain(-1)) { try H3.latLngToCell(lat: 0, lng: 0, res: -1) }
        let bogus = H3Index(0x8FFF_FFFF_FFFF_FFFF)
        #expect(throws: H3Error.invalidCell(bogus)) { try H3.cellToLatLng(bogus) }
        #expect(throws: H3Error.invalidCell(bogus)) { try H3.cellToBoundary(bogus) }
        #expect(throws: H3Error.invalidCell(bogus)) { try H3.gridDisk(bogus, k: 1) }
        #expect(throws: H3Error.invalidCell(bogus)) { try H3.cellToParent(bogus, res: 1) }
        #expect(throws: H3Error.resolutionDomain(10)) { try H3.cellToParent(paris, res: 10) }
        #expect(throws: H3Error.resolutionDomain(8)) { try H3.cellToChildren(paris, res: 8) }
        #expect(throws: H3Error.self) { try H3.gridDisk(paris, k: -1) }
        #expect(throws: H3Error.self) { try H3.gridDisk(paris, k: 1_000_000) }
        #expect(throws: H3Error.self) { try H3.cellToChildren(H3.latLngToCell(lat: 0, lng: 0, res: 0), res: 15) }
        #expect(throws: H3Error.self) { try H3.stringToH3("not hex") }
        #expect(throws: H3Error.self) { try H3.stringToH3("12345678901234567") }
        #expect(H3Index(string: "") == nil)
        #expect(throws: H3Error.self) { try H3.edgeLengthKm(paris, paris) }
        let far = try! H3.latLngToCell(lat: -33.9, lng: 151.2, res: 9)
        #expect(throws: H3Error.tooFar) { try H3.gridDistance(paris, far, limit: 64) }
        #expect(throws: H3Error.resolutionDomain(8)) { try H3.gridDistance(paris, H3.cellToParent(paris, res: 8)) }
    }

    @Test func pentagonsAndTheirNeighbourhoods() throws {
        for res in 0...15 {
            let base = (0..<122).filter { BaseCells.isPentagon($0) }
            #expect(base.count == 12)
            for b in base {
                let p = try H3.cellToCenterChild(H3Index.cellTemplate(resolution: 0).settingBaseCell(b), res: res)
                #expect(H3.isPentagon(p))
                #expect(try H3.cellToBoundary(p).count == (res % 2 == 1 ? 10 : 5))
                #expect(try H3.gridDisk(p, k: 1).count == 6, "a pentagon has five neighbours")
                #expect(try H3.gridRing(p, k: 1).count == 5)
            }
        }
    }

    @Test func greatCircle() {
        let d = H3.greatCircleDistanceKm(LatLng(lat: 48.8566, lng: 2.3522), LatLng(lat: 51.5074, lng: -0.1278))
        #expect(abs(d - 343.6) < 0.5)
        #expect(H3.greatCircleDistanceKm(LatLng(lat: 10, lng: 20), LatLng(lat: 10, lng: 20)) == 0)
        #expect(abs(H3.greatCircleDistanceRads(LatLng(lat: 90, lng: 0), LatLng(lat: -90, lng: 0)) - .pi) < 1e-12)
    }

    @Test func areaSumsToTheSphere() throws {
        let total = try (0..<122).reduce(0.0) { sum, b in
            try sum + H3.cellAreaKm2(H3Index.cellTemplate(resolution: 0).settingBaseCell(b))
        }
        let sphere = 4 * Double.pi * H3.earthRadiusKm * H3.earthRadiusKm
        #expect(abs(total - sphere) / sphere < 1e-9)
    }
}
