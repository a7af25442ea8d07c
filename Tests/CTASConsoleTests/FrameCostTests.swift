import CTASCore
import CTASEngine
import CTASFeeds
import Foundation
import Testing
@testable import CTASConsole

/// The shortcuts that make a frame cheap draw exactly what the general paths draw: ASCII text
/// against the grapheme walk, borders cell by cell against borders as strings, a kept buffer
/// against a fresh one, the atlas's latitude bound against every city, cells holding scalars
/// against the text they were given.
@Suite struct FrameCostTests {
    init() { _ = utf8Locale }

    /// Text of printable ASCII, controls, DEL and spaces, of random lengths.
    static func asciiSamples() -> [String] {
        var random = SeededRandom(seed: 41)
        var samples = ["", " ", "a", "\u{7F}", "tab\there", "cr\r\nlf", String(repeating: "x", count: 300)]
        for _ in 0..<300 {
            let length = random.below(40)
            samples.append(String(decoding: (0..<length).map { _ in UInt8(random.below(0x80)) }, as: UTF8.self))
        }
        return samples.filter { !$0.utf8.contains(0) }
    }

    @Test func asciiTextIsWrittenAsTheGraphemeWalkWritesIt() {
        // A trailing "é" sends the same text down the general path; the cells before it must
        // be what the ASCII path wrote, at every offset and clip.
        for (i, text) in Self.asciiSamples().enumerated() {
            let x = i % 7 - 2
            let clip = Rect(x: i % 3, y: 0, width: 20 + i % 9, height: 1)
            var fast = ScreenBuffer(width: 40, height: 1, fill: Cell("·"))
            var general = fast
            let usedFast = fast.write(text, x: x, y: 0, style: .muted, clip: clip)
            let usedGeneral = general.write(text + "é", x: x, y: 0, style: .muted, clip: clip)
            let end = max(0, min(40, x + usedFast))
            for column in 0..<end { #expect(fast[column, 0] == general[column, 0], "\(text.debugDescription) at \(column)") }
            for column in end..<40 where column >= x + usedGeneral || column < clip.x || column >= clip.maxX {
                #expect(fast[column, 0] == general[column, 0], "\(text.debugDescription) past the text at \(column)")
            }
            #expect(usedGeneral >= usedFast)
        }
    }

    @Test func asciiWidthsAreTheCharacterWalksWidths() {
        for text in Self.asciiSamples() {
            #expect(DisplayText.width(text) == text.reduce(0) { $0 + DisplayText.width($1) }, "\(text.debugDescription)")
        }
        #expect(DisplayText.width("漢字ab") == 6, "non-ASCII text still takes the character walk")
    }

    @Test func bordersDrawnCellByCellAreBordersDrawnAsStrings() {
        let glyphs: [Glyphs] = [.unicode, .plain]
        let rects = [Rect(x: 0, y: 0, width: 12, height: 5), Rect(x: -3, y: -2, width: 10, height: 6), Rect(x: 8, y: 3, width: 9, height: 9),
                     Rect(x: 2, y: 1, width: 2, height: 2), Rect(x: 1, y: 1, width: 3, height: 7), Rect(x: 14, y: 0, width: 1, height: 3)]
        for g in glyphs {
            // A glyph of two scalars that draws as one column takes the string path.
            var strings = g
            strings.vertical = g.vertical + "\u{301}"
            for rect in rects {
                for focused in [false, true] {
                    var cells = ScreenBuffer(width: 15, height: 8, fill: Cell("·"))
                    var reference = cells
                    cells.box(rect, title: "Feed", glyphs: g, focused: focused)
                    reference.box(rect, title: "Feed", glyphs: strings, focused: focused)
                    for y in 0..<8 {
                        for x in 0..<15 {
                            var expected = reference[x, y]
                            if expected.text == strings.vertical { expected.text = g.vertical }
                            #expect(cells[x, y] == expected, "\(rect) at \(x),\(y)")
                        }
                    }
                }
            }
        }
    }

    @Test func aKeptBufferRendersWhatAFreshOneRenders() {
        var state = ViewState(panes: PaneKind.allCases, themeName: "default")
        var kept = ScreenBuffer(width: 0, height: 0)
        var random = SeededRandom(seed: 5)
        for (i, size) in [(200, 60), (200, 60), (80, 24), (80, 24), (30, 5), (120, 40), (120, 40)].enumerated() {
            var snapshot = Snapshot()
            snapshot.sequence = i
            snapshot.recent = (0..<(i * 7)).map { n in
                Event(id: "e\(i)-\(n)", timestamp: Timestamp(microseconds: 1_795_000_000_000_000 + Int64(n) * 1_000_000),
                      type: random.chance(0.5) ? "port_scan" : "c2_beacon", severity: Severity(1 + random.below(10)),
                      source: "sensor-\(random.below(4))", entity: "ws-\(random.below(30))", description: "beacon 漢字 \(n)")
            }
            state.focus = state.panes[i % state.panes.count]
            let context = RenderContext(snapshot: snapshot, state: state, glyphs: .unicode, keymap: .standard,
                                        now: Timestamp(microseconds: 1_795_000_100_000_000))
            ScreenRenderer.render(into: &kept, width: size.0, height: size.1, context: context)
            let fresh = ScreenRenderer.render(width: size.0, height: size.1, context: context)
            #expect(kept == fresh, "frame \(i) at \(size.0)×\(size.1)")
        }
    }

    @Test func replaceCopiesInPlaceOrTakesTheOtherSize() {
        var a = ScreenBuffer(width: 4, height: 2, fill: Cell("a"))
        let b = ScreenBuffer(width: 4, height: 2, fill: Cell("b", .muted))
        a.replace(with: b)
        #expect(a == b)
        let c = ScreenBuffer(width: 3, height: 3, fill: Cell("c"))
        a.replace(with: c)
        #expect(a == c && a.width == 3 && a.height == 3)
        a.clear()
        #expect(a == ScreenBuffer(width: 3, height: 3))
    }

    @Test func cellsHoldUpToFourScalarsAndOtherwiseTheFirst() {
        for text in ["", " ", "a", "漢", "e\u{301}", "🇫🇷", "👍🏽", "a\u{301}\u{302}\u{303}"] {
            #expect(Cell(text).text == text, "\(text.debugDescription) fits")
        }
        #expect(Cell("👨‍👩‍👧").text == "👨", "a five-scalar family keeps its first scalar, never half a sequence")
        #expect(Cell("a\u{301}\u{302}\u{303}\u{304}\u{305}").text == "a", "a pile of marks keeps the base")
        var cell = Cell("e")
        cell.append("\u{301}")
        #expect(cell.text == "e\u{301}")
        cell.append("\u{302}\u{303}\u{304}")
        #expect(cell.text == "e\u{301}", "marks that do not all fit are left out")
        cell.text = "xyz"
        #expect(cell == Cell("xyz"))
        // Written through the buffer: a character of forty marks is drawn as its base.
        var b = ScreenBuffer(width: 3, height: 1)
        b.write("o" + String(repeating: "\u{308}", count: 40) + "k", x: 0, y: 0, style: .text, clip: b.bounds)
        #expect(b[0, 0].text == "o" && b[1, 0].text == "k")
    }

    @Test func theAtlasLatitudeBoundFindsWhatEveryCityWouldFind() throws {
        let atlas = try WorldAtlas(path: WorldAtlasTests.bundled)
        var random = SeededRandom(seed: 9)
        func bruteNearest(_ lat: Double, _ lng: Double, within km: Double) -> (String, Double)? {
            var best: (String, Double)?
            for city in atlas.cities {
                let d = WorldAtlas.distanceKm(lat, lng, city.lat, city.lng)
                if d <= km, d < (best?.1 ?? .infinity) { best = (city.name + city.code, d) }
            }
            return best
        }
        for i in 0..<400 {
            // Near cities half the time (the bound is tight there), anywhere otherwise.
            let base = atlas.cities[random.below(atlas.cities.count)]
            let (lat, lng) = i % 2 == 0
                ? (min(90, max(-90, base.lat + random.gaussian() * 2)), base.lng + random.gaussian() * 2)
                : (random.unit() * 180 - 90, random.unit() * 360 - 180)
            for km in [150.0, 300, 2_000] {
                let found = atlas.nearestCity(lat: lat, lng: lng, within: km)
                let expected = bruteNearest(lat, lng, within: km)
                #expect(found.map { $0.place.name + $0.place.code } == expected?.0, "\(lat),\(lng) within \(km)")
                #expect(found?.km == expected?.1)
            }
        }
        #expect(atlas.nearestCity(lat: .nan, lng: 0) == nil && atlas.describe(lat: 0, lng: .infinity) == nil, "not a place")
    }

    @Test func theFeedListRepeatsNoEventOfHistory() {
        var snapshot = Snapshot()
        let events = (0..<6).map { Event(id: "e\($0)", timestamp: Timestamp(microseconds: Int64($0) * 1_000_000), type: "t") }
        snapshot.recent = Array(events[2...])
        var feed = FeedViewState()
        #expect(FeedList.events(snapshot, feed).map(\.id) == ["e5", "e4", "e3", "e2"])
        feed.history = [events[3], events[2], events[1], events[1], events[0]]
        #expect(FeedList.events(snapshot, feed).map(\.id) == ["e5", "e4", "e3", "e2", "e1", "e0"])
    }

    /// Following the live feed unfiltered, the list reads the snapshot's window from its end
    /// (no copy); it lists what the filtering path lists, row for row.
    @Test func theUnfilteredLiveListIsTheWindowNewestFirst() throws {
        var snapshot = Snapshot()
        snapshot.recent = (0..<7).map { Event(id: "e\($0)", timestamp: Timestamp(microseconds: Int64($0) * 1_000_000), type: $0 % 2 == 0 ? "even" : "odd") }
        var feed = FeedViewState()
        let fast = FeedList.events(snapshot, feed)
        #expect(fast.map(\.id) == ["e6", "e5", "e4", "e3", "e2", "e1", "e0"])
        #expect(fast.count == 7 && fast.indices == 0..<7 && fast[0].id == "e6" && fast[6].id == "e0" && fast.last?.id == "e0")
        // A filter every event passes takes the general path: the same rows.
        feed.filter = try EventFilter(parsing: "-type:none")
        #expect(FeedList.events(snapshot, feed).map(\.id) == fast.map(\.id))
        feed.filter = try EventFilter(parsing: "type:odd")
        #expect(FeedList.events(snapshot, feed).map(\.id) == ["e5", "e3", "e1"])
        #expect(FeedList.events(Snapshot(), FeedViewState()).isEmpty)
    }

    /// Truncation in one walk (and bytes for ASCII) cuts where measuring the whole text and
    /// then walking it did: ASCII, wide, combining and emoji text, controls, every width.
    @Test func truncationInOneWalkCutsWhereMeasuringFirstDid() {
        func measuredFirst(_ text: String, _ columns: Int, _ ellipsis: String) -> String {
            guard columns > 0 else { return "" }
            if DisplayText.width(text) <= columns { return text }
            let room = columns - DisplayText.width(ellipsis)
            guard room > 0 else { return String(ellipsis.prefix(columns)) }
            var out = ""
            var used = 0
            for c in text {
                let w = DisplayText.width(c)
                if used + w > room { break }
                out.append(c)
                used += w
            }
            return out + ellipsis
        }
        var random = SeededRandom(seed: 12)
        let pieces = ["a", "Z", " ", "\t", "\r\n", "\u{7F}", "é", "e\u{301}", "漢", "字", "·", "◆", "👍", "🇬🇧", "\u{200B}", "-", "~"]
        var samples = Self.asciiSamples()
        for _ in 0..<400 { samples.append((0..<random.below(30)).map { _ in pieces[random.below(pieces.count)] }.joined()) }
        for text in samples {
            for columns in [-1, 0, 1, 2, 3, 5, 8, 13, 40] {
                for ellipsis in ["…", "...", "~"] {
                    #expect(DisplayText.truncate(text, to: columns, ellipsis: ellipsis) == measuredFirst(text, columns, ellipsis),
                            "\(text.debugDescription) to \(columns) with \(ellipsis)")
                }
            }
        }
    }
}

/// An idle console wakes once a second, just after the clock turns.
@Suite struct IdleWakeTests {
    @Test func theWaitEndsJustPastTheNextSecond() {
        #expect(ConsoleApp.untilNextSecond(Timestamp(microseconds: 1_795_000_000_000_000)) == 1_002)
        #expect(ConsoleApp.untilNextSecond(Timestamp(microseconds: 1_795_000_000_999_999)) == 2)
        #expect(ConsoleApp.untilNextSecond(Timestamp(microseconds: 1_795_000_000_400_000)) == 602)
        #expect(ConsoleApp.untilNextSecond(Timestamp(microseconds: -1)) == 2, "before 1970 too")
        #expect(ConsoleApp.untilNextSecond(Timestamp(microseconds: .min)) <= 1_002)
    }

}
