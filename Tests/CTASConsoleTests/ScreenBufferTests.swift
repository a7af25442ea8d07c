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
