import CTASCore
import CTASEngine
import H3
import Testing
@testable import CTASConsole

/// The atlas: reading it (and refusing bad files with the line), finding places by name,
/// and what the map draws with it.
@Suite struct WorldAtlasTests {
    static let bundled = TestPaths.repository + "/SampleData/atlas.txt"

    @Test func theBundledAtlasReadsAndFindsPlaces() throws {
        let atlas = try WorldAtlas(path: Self.bundled)
        #expect(atlas.countries.count >= 170)
        #expect(atlas.cities.count >= 1_500)
        #expect(atlas.borderStarts.count >= 100 && atlas.borderPoints.count >= 2_000)
        let paris = try #require(atlas.places(named: "paris").first)
        #expect(paris.kind == .city && paris.code == "FR")
        #expect(abs(paris.lat - 48.85) < 0.1 && abs(paris.lng - 2.35) < 0.1)
        #expect(atlas.places(named: "France").first?.kind == .country)
        #expect(atlas.places(named: "deu").first?.name == "Germany")
        #expect(atlas.places(named: " Nairobi ").first?.code == "KE")
        #expect(atlas.places(named: "Mexico").first?.kind == .country, "a bare country name means the country")
        #expect(atlas.places(named: "San Fr").contains { $0.name == "San Francisco" }, "a prefix finds it")
        #expect(atlas.places(named: "").isEmpty && atlas.places(named: "Qwzxv").isEmpty)
        let near = try #require(atlas.nearestCity(lat: 48.86, lng: 2.30))
        #expect(near.place.name == "Paris" && near.km < 10)
        #expect(atlas.nearestCity(lat: -50, lng: -140) == nil, "the South Pacific has no city within 150 km")
        #expect(atlas.describe(lat: 48.86, lng: 2.35) == "Paris FR")
        #expect(atlas.describe(lat: 23.0, lng: 15.0) != nil, "the Sahara: the nearest country's name")
        #expect(atlas.describe(lat: -45, lng: -130) == nil, "the South Pacific: nothing near")
        // Haversine against a known distance: Paris–London ≈ 344 km.
        #expect(abs(WorldAtlas.distanceKm(48.8566, 2.3522, 51.5074, -0.1278) - 343.5) < 2)
    }

    @Test func badFilesNameTheLineAndWhatWasExpected() {
        let cases: [(String, String)] = [
            ("", ":1: expected the header"),
            ("CTASATLAS 2\n", ":1: expected the header"),
            ("CTASATLAS 1\nB\t1\t2\n", ":2: a border needs at least two"),
            ("CTASATLAS 1\nB\t1\t2\t3\n", ":2: a border needs at least two"),
            ("CTASATLAS 1\nB\t91\t2\t3\t4\n", ":2: field 2: expected a latitude"),
            ("CTASATLAS 1\nB\t1\t2\t3\tnan\n", ":2: field 5: expected a longitude"),
            ("CTASATLAS 1\n# fine\nP\tFR\t48\t2\t100\n", ":3: expected 6 tab-separated fields"),
            ("CTASATLAS 1\nP\tFR\t48\t2\t-1\tParis\n", ":2: field 5: expected a number"),
            ("CTASATLAS 1\nP\tFR\t48\t2\t1\tPa\u{1b}[2Jris\n", ":2: field 6: expected a printable name"),
            ("CTASATLAS 1\nP\tFR\t48\t2\t1\t\u{9b}31m\n", ":2: field 6: expected a printable name"),
            ("CTASATLAS 1\nX\tFR\n", ":2: unknown record 'X'"),
        ]
        for (text, expected) in cases {
            do {
                _ = try WorldAtlas(text: text, origin: "t.txt")
                Issue.record("accepted: \(text.debugDescription)")
            } catch {
                #expect(error.message.hasPrefix("t.txt:") && error.message.contains(expected), "\(error.message)")
            }
        }
        // CRLF lines and blank lines are fine.
        #expect(throws: Never.self) { try WorldAtlas(text: "CTASATLAS 1\r\n\r\nC\tFRA\t46\t2\t60\tFrance\r\n", origin: "t") }
    }

    @Test func theMapDrawsOutlinesAndNamesAndGoToFindsPlaces() throws {
        let atlas = try WorldAtlas(path: Self.bundled)
        var state = ViewState(panes: [.heatmap], themeName: "default")
        state.focus = .heatmap
        state.heatmap.land = try LandMask(path: TestPaths.repository + "/SampleData/landmask.bin")
        state.heatmap.atlas = atlas
        let world = ScreenRenderer.render(width: 160, height: 50, context: context(Snapshot(), state: state))
        let text = world.text
        #expect(["Russia", "Canada", "Brazil", "Australia"].filter { text.contains($0) }.count >= 3, "\(text)")
        let outlines = (0..<world.height).flatMap { y in (0..<world.width).map { world[$0, y] } }
            .filter { $0.style.role == .outline || $0.style.background == .outline }.count
        #expect(outlines > 200, "coasts and borders drawn: \(outlines) cells")
        // g Paris: the map goes there, zoomed in, and names the cities around it.
        let reducer = Reducer(keymap: .standard)
        let effects = reducer.runCommand("goto Paris", state: &state, context: Reducer.Context(snapshot: Snapshot(), feedList: [], feedRows: 10,
                                                                                              heatmapSize: (156, 44)))
        #expect(effects == [.queryHeatmap])
        #expect(abs(state.heatmap.viewport.centerLat - 48.85) < 0.1 && state.heatmap.viewport.zoom == 4)
        let city = ScreenRenderer.render(width: 160, height: 50, context: context(Snapshot(), state: state)).text
        #expect(city.contains("Paris") && city.contains("near Paris FR"), "\(city)")
        _ = reducer.runCommand("goto Atlantis", state: &state, context: Reducer.Context(snapshot: Snapshot(), feedList: [], feedRows: 10))
        #expect(state.message?.isError == true && state.message?.text.contains("expected a place") == true)
        // Without colours, outlines are glyphs.
        var mono = context(Snapshot(), state: state, ascii: true)
        mono.colorDepth = .monochrome
        state.heatmap.viewport = HeatmapViewport()
        mono.state = state
        let plain = ScreenRenderer.render(width: 160, height: 50, context: mono)
        let dots = (0..<plain.height).flatMap { y in (0..<plain.width).map { plain[$0, y] } }.filter { $0.text == "." && $0.style.role == .outline }.count
        #expect(dots > 100, "\(plain.text)")
    }
}
