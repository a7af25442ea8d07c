import CTASCore
import Foundation
import Testing
@testable import CTASConsole

/// Terminal widths need a UTF-8 locale (as the console sets at start).
let utf8Locale: Void = { setlocale(LC_ALL, "C.UTF-8"); return () }()

@Suite struct ScreenBufferTests {
    init() { _ = utf8Locale }

    @Test func clipsToTheGivenRectangle() {
        var b = ScreenBuffer(width: 10, height: 3, fill: Cell("·"))
        let clip = Rect(x: 2, y: 1, width: 5, height: 1)
        let used = b.write("abcdefghij", x: 0, y: 1, style: .text, clip: clip)
        #expect(b.row(1) == "··cdefg···")
        #expect(used == 7)
        b.write("zzz", x: 0, y: 0, style: .text, clip: clip)
        #expect(b.row(0) == "··········", "rows outside the clip are untouched")
    }

    @Test func wideCharactersTakeTwoCellsAndAreNeverSplit() {
        var b = ScreenBuffer(width: 6, height: 1, fill: Cell("·"))
        b.write("漢字x", x: 0, y: 0, style: .text, clip: b.bounds)
        #expect(b.row(0) == "漢字x·")
        #expect(b[1, 0].continuation && b[3, 0].continuation)
        // A wide character that would straddle the clip edge becomes a space.
        var c = ScreenBuffer(width: 6, height: 1, fill: Cell("·"))
        c.write("a漢字", x: 0, y: 0, style: .text, clip: Rect(x: 0, y: 0, width: 4, height: 1))
        #expect(c.row(0) == "a漢 ··")
        // Overwriting half of a wide character blanks the other half.
        b.write("Z", x: 1, y: 0, style: .text, clip: b.bounds)
        #expect(b.row(0) == " Z字x·")
        #expect(!b[1, 0].continuation)
    }

    @Test func combiningMarksJoinTheirCharacter() {
        var b = ScreenBuffer(width: 5, height: 1, fill: Cell("·"))
        b.write("e\u{301}x", x: 0, y: 0, style: .text, clip: b.bounds)
        #expect(b[0, 0].text == "e\u{301}")
        #expect(b[1, 0].text == "x")
    }

    @Test func widthsAndTruncation() {
        #expect(DisplayText.width("abc") == 3)
        #expect(DisplayText.width("漢字") == 4)
        #expect(DisplayText.width("e\u{301}") == 1)
        #expect(DisplayText.width("😀") == 2)
        #expect(DisplayText.truncate("abcdef", to: 4) == "abc…")
        #expect(DisplayText.truncate("漢字漢字", to: 5) == "漢字…")
        #expect(DisplayText.width(DisplayText.fit("漢字漢字", 5)) == 5)
        #expect(DisplayText.fit("ab", 4) == "ab  ")
        #expect(DisplayText.fit("ab", 4, alignRight: true) == "  ab")
    }

    /// The panes' non-ASCII text (dashes, arrows, blocks, braille) skips grapheme breaking:
    /// Swift's own breaking must agree that each such scalar is a character, and the fast
    /// paths must draw, measure and cut exactly as the grapheme walk does.
    @Test func standaloneScalarsAreCharactersOfTheirOwn() throws {
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x2FF, 0x2010...0x2027, 0x2030...0x205E, 0x2190...0x21FF, 0x2500...0x25FF, 0x2800...0x28FF]
        let scalars = ranges.flatMap { $0.compactMap(Unicode.Scalar.init) }
        #expect(scalars.allSatisfy(DisplayText.isStandalone))
        for (i, s) in scalars.enumerated() {
            let other = scalars[(i * 7919) % scalars.count]
            var text = String.UnicodeScalarView()
            text.append(contentsOf: [s, s, other, s])
            #expect(String(text).count == 4, "U+\(String(s.value, radix: 16)) joins a neighbour")
        }
        #expect(!DisplayText.isStandalone("e\u{301}") && !DisplayText.isStandalone("⚠\u{FE0F}") && !DisplayText.isStandalone("👍🏽"))
        // Fast path against the grapheme walk: a trailing combining mark sends the same text
        // the slow way (and only joins its last character).
        var seed: UInt64 = 2026
        func next(_ n: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(n))
        }
        let mark = "\u{301}"
        for _ in 0..<300 {
            var view = String.UnicodeScalarView()
            for _ in 0..<(1 + next(30)) { view.append(scalars[next(scalars.count)]) }
            let text = String(view)
            #expect(DisplayText.width(text) == DisplayText.width(text + mark))
            let columns = 1 + next(30)
            #expect(DisplayText.truncate(text, to: columns) == DisplayText.truncate(text + mark, to: columns).replacingOccurrences(of: mark, with: ""))
            let clip = Rect(x: next(5), y: 0, width: 1 + next(30), height: 1)
            var fast = ScreenBuffer(width: 40, height: 1, fill: Cell("·"))
            var slow = fast
            let x = next(8)
            let usedFast = fast.write(text, x: x, y: 0, style: .text, clip: clip)
            let usedSlow = slow.write(text + mark, x: x, y: 0, style: .text, clip: clip)
            #expect(usedFast == usedSlow)
            #expect(fast.row(0) == slow.row(0).replacingOccurrences(of: mark, with: ""), "\(text.debugDescription) at \(x) in \(clip)")
        }
    }

    @Test func hostileTextBecomesVisibleEscapes() {
        let hostile = "\u{1B}]0;owned\u{7}\u{1B}[2J\u{9B}31m\u{202E}evil\u{200B}\u{0}"
        let safe = DisplayText.safe(hostile, ascii: false)
        #expect(!safe.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E || $0.value == 0x200B })
        #expect(safe.hasPrefix("\\e]0;owned\\x07\\e[2J\\x9b31m\\u{202e}evil"))
        let ascii = DisplayText.safe("café 漢", ascii: true)
        #expect(ascii == "caf\\u{e9} \\u{6f22}")
    }

    @Test func sparklines() {
        let braille = Sparkline.render([0, 1, 2, 3, 4, 4, 0, 0], width: 6, glyphs: .unicode)
        #expect(DisplayText.width(braille) == 6)
        #expect(braille.unicodeScalars.filter { (0x2800...0x28FF).contains($0.value) }.count == 4)
        #expect(braille.hasSuffix("\u{2800}"), "the last two zeros draw no dots")
        let ascii = Sparkline.render([0, 1, 7, 7], width: 6, glyphs: .plain)
        #expect(ascii == "   _##")
        #expect(Sparkline.render([], width: 3, glyphs: .plain) == "   ")
    }
}
