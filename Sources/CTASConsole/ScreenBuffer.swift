/// One character cell: a grapheme (with any combining marks) and how to draw it. A wide
/// character occupies its cell and the next, whose `continuation` is set.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: Style
    public var continuation = false

    public init(_ text: String, _ style: Style = .text, continuation: Bool = false) {
        self.text = text
        self.style = style
        self.continuation = continuation
    }

    public static let blank = Cell(" ")
}

/// A screen's worth of cells that panes render into. Every write names the rectangle it may
/// touch and is clipped to it, so a pane cannot draw outside its area; wide characters are
/// never split (one that does not fit becomes a space).
public struct ScreenBuffer: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Fills a rectangle with one character.
    public mutating func fill(_ rect: Rect, _ text: String = " ", style: Style = .text) {
        let r = clipped(rect, to: bounds)
        guard !r.isEmpty else { return }
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX { cells[y * width + x] = Cell(text, style) }
        }
    }

    /// Writes `text` from (x, y) rightwards, clipped to `clip`; returns the columns used.
    /// The text must already be display-safe (see `DisplayText.safe`).
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, clip: Rect) -> Int {
        let c = clipped(clip, to: bounds)
        guard y >= c.y, y < c.maxY else { return 0 }
        var column = x
        for character in text {
            let w = DisplayText.width(character)
            if w == 0 {
                // A combining mark joins the previous cell's character.
                if column > c.x, column - 1 < c.maxX, column - 1 >= c.x {
                    cells[y * width + column - 1].text.append(character)
                }
                continue
            }
            if column >= c.maxX { break }
            if column < c.x {
                column += w
                continue
            }
            if w == 2 && column + 1 >= c.maxX {
                put(Cell(" ", style), x: column, y: y)
                column += 1
                break
            }
            put(Cell(String(character), style), x: column, y: y)
            if w == 2 { put(Cell("", style, continuation: true), x: column + 1, y: y) }
            column += w
        }
        return max(0, column - x)
    }

    /// Places one single-width cell at (x, y) if it lies inside `clip` (the heatmap's pixels:
    /// no width measuring per character).
    @inline(__always)
    public mutating func set(_ cell: Cell, x: Int, y: Int, clip: Rect) {
        guard x >= clip.x, x < clip.maxX, y >= clip.y, y < clip.maxY, x >= 0, x < width, y >= 0, y < height else { return }
        put(cell, x: x, y: y)
    }

    /// Places a cell, keeping wide characters whole: overwriting either half of one blanks
    /// the other half.
    private mutating func put(_ cell: Cell, x: Int, y: Int) {
        let i = y * width + x
        if cells[i].continuation && x > 0 { cells[i - 1] = Cell(" ", cells[i - 1].style) }
        if x + 1 < width && cells[i + 1].continuation && !cell.continuation { cells[i + 1] = Cell(" ", cells[i + 1].style) }
        cells[i] = cell
    }

    /// The text of row `y` (wide characters once, continuations skipped), for tests.
    public func row(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].continuation { s += self[x, y].text }
        return s
    }

    /// Every row's text.
    public var lines: [String] { (0..<height).map(row) }

    /// The whole buffer as text, one line per row.
    public var text: String { lines.joined(separator: "\n") }

    private func clipped(_ r: Rect, to b: Rect) -> Rect {
        let x0 = max(r.x, b.x), y0 = max(r.y, b.y)
        let x1 = min(r.maxX, b.maxX), y1 = min(r.maxY, b.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}

extension ScreenBuffer {
    /// A box border around `rect`, with a title in its top edge.
    public mutating func box(_ rect: Rect, title: String, glyphs: Glyphs, focused: Bool) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let style = Style(focused ? .borderFocused : .border, bold: focused)
        let h = glyphs.horizontal
        write(glyphs.topLeft + String(repeating: h, count: rect.width - 2) + glyphs.topRight, x: rect.x, y: rect.y, style: style, clip: rect)
        write(glyphs.bottomLeft + String(repeating: h, count: rect.width - 2) + glyphs.bottomRight, x: rect.x, y: rect.maxY - 1,
              style: style, clip: rect)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            write(glyphs.vertical, x: rect.x, y: y, style: style, clip: rect)
            write(glyphs.vertical, x: rect.maxX - 1, y: y, style: style, clip: rect)
        }
        if !title.isEmpty && rect.width > 6 {
            let shown = " " + DisplayText.truncate(title, to: rect.width - 6, ellipsis: glyphs.ellipsis) + " "
            write(shown, x: rect.x + 2, y: rect.y, style: Style(focused ? .borderFocused : .title, bold: true), clip: rect)
        }
    }
}
