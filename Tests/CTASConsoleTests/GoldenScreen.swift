import CTASTestSupport
import Foundation
import Testing
@testable import CTASConsole

/// Golden screens: a rendered buffer compared whole — every cell's text and style — against a
/// reviewed file under `Tests/CTASConsoleTests/Golden/`. `CTAS_UPDATE_GOLDEN=1 swift test`
/// writes the files anew; the diff is then read like code in review.
///
/// File format: the text rows between `|` marks (a wide character's second column is not
/// written), then the same grid with one letter per cell naming its style, then the legend
/// of those letters (role, background, attributes).
enum GoldenScreen {
    static let directory = TestOracle.repository.appendingPathComponent("Tests/CTASConsoleTests/Golden").path

    /// The file's text for a buffer.
    static func encode(_ b: ScreenBuffer, title: String) -> String {
        var legend: [Style: Character] = [:]
        var order: [Style] = []
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        func letter(_ style: Style) -> Character {
            if let known = legend[style] { return known }
            let next = order.count < letters.count ? letters[order.count] : "?"
            legend[style] = next
            order.append(style)
            return next
        }
        var text = "# \(title) (\(b.width)×\(b.height))\ntext:\n"
        var styles = "styles:\n"
        for y in 0..<b.height {
            var row = ""
            var styleRow = ""
            for x in 0..<b.width {
                let cell = b[x, y]
                styleRow.append(cell.continuation ? "." : letter(cell.style))
                if !cell.continuation { row += cell.text }
            }
            text += "|" + row + "|\n"
            styles += "|" + styleRow + "|\n"
        }
        var out = text + styles + "legend:\n"
        for style in order {
            var words = [style.role.rawValue]
            if let background = style.background { words.append("on \(background.rawValue)") }
            if style.bold { words.append("bold") }
            if style.reverse { words.append("reverse") }
            if style.underline { words.append("underline") }
            out += "\(legend[style] ?? "?") \(words.joined(separator: " "))\n"
        }
        return out
    }

    /// Compares `buffer` with the golden file `name` (or writes it when updating). A mismatch
    /// names the first differing line and leaves the actual screen beside the file.
    static func check(_ buffer: ScreenBuffer, _ name: String, title: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = directory + "/" + name + ".txt"
        let actual = encode(buffer, title: title)
        if ProcessInfo.processInfo.environment["CTAS_UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no golden file \(path); run CTAS_UPDATE_GOLDEN=1 swift test and review it", sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let actualPath = NSTemporaryDirectory() + "ctas-golden-" + name + ".actual.txt"
        try? actual.write(toFile: actualPath, atomically: true, encoding: .utf8)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
        let want = line < e.count ? String(e[line]) : "(end)"
        let got = line < a.count ? String(a[line]) : "(end)"
        let report = "\(name): differs from the golden screen at line \(line + 1)\n  expected: \(want)\n  actual:   \(got)\nwhole screen: \(actualPath)"
        Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
    }
}
