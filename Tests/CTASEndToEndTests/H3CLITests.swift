import Foundation
import Testing

@Suite struct H3CLITests {
    @Test func commandsPrintJSON() async throws {
        let cell = try await CLI.run(["h3", "latLngToCell", "--lat", "48.8566", "--lng", "2.3522", "--res", "9"])
        #expect(cell.status == 0)
        #expect(json(cell.stdout)?["cell"] as? String == "891fb466257ffff")
        let center = try #require(json(try await CLI.run(["h3", "cellToLatLng", "891fb466257ffff"]).stdout))
        #expect(abs((center["lat"] as? Double ?? 0) - 48.85707805819732) < 1e-9)
        let boundary = try #require(json(try await CLI.run(["h3", "cellToBoundary", "891fb466257ffff"]).stdout))
        #expect((boundary["boundary"] as? [[Double]])?.count == 6)
        let disk = try #require(json(try await CLI.run(["h3", "gridDisk", "891fb466257ffff", "--k", "2"]).stdout))
        #expect((disk["cells"] as? [String])?.count == 19)
        let parent = try #require(json(try await CLI.run(["h3", "cellToParent", "891fb466257ffff", "--res", "5"]).stdout))
        #expect(parent["cell"] as? String == "851fb467fffffff")
    }

    @Test func batchAnswersEveryLineInOrder() async throws {
        let input = [
            #"{"lat":48.8566,"lng":2.3522,"res":9}"#, #"{"lat":"north","lng":2,"res":9}"#, "not json at all",
            #"{"lat":0,"lng":0,"res":16}"#, #"{"lat":1e999,"lng":0,"res":3}"#, #"{"lat":-33.8688,"lng":151.2093,"res":7}"#,
            #"{"lat":10,"lng":10,"res":2.5}"#, "",
        ].joined(separator: "\n") + "\n"
        let r = try await CLI.run(["h3", "latLngToCell", "--batch"], input: Data(input.utf8))
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { json(String($0)) }
        #expect(lines.count == 8, "one answer per input line, blank included")
        #expect(lines[0]?["cell"] as? String == "891fb466257ffff")
        #expect((lines[1]?["error"] as? String)?.contains("line 2") == true)
        #expect((lines[2]?["error"] as? String)?.contains("line 3") == true)
        #expect((lines[3]?["error"] as? String)?.contains("resolution 16") == true)
        #expect(lines[4]?["error"] != nil)
        #expect(lines[5]?["cell"] as? String != nil)
        #expect((lines[6]?["error"] as? String)?.contains("integer") == true)
        #expect(lines[7]?["error"] != nil)
    }

    @Test func badCellsAreClearErrors() async throws {
        let notHex = try await CLI.run(["h3", "cellToLatLng", "zzz"])
        #expect(notHex.status == 2 && notHex.stderr.contains("not a hexadecimal H3 index"))
        let invalid = try await CLI.run(["h3", "cellToBoundary", "8fffffffffffffff"])
        #expect(invalid.status == 1 && invalid.stderr.contains("not a valid H3 cell"))
        let missing = try await CLI.run(["h3", "latLngToCell", "--lat", "1"])
        #expect(missing.status == 2)
    }
}
