/// One character cell: a grapheme (with any combining marks) and how to draw it. A wide
/// character occupies its cell and the next, whose `continuation` is set.
///
/// The grapheme is kept as up to four Unicode scalars inline, so a cell holds no reference:
/// a 200×60 frame copies and compares twelve thousand of them without touching a reference
/// count (measured: a third of a frame went to retaining and comparing `String`s). A
/// grapheme of more than four scalars — a long emoji sequence, a pile of combining marks from
/// a hostile feed — keeps only its first scalar, which never splits a sequence halfway.
public struct Cell: Equatable, Sendable {
    /// The scalars' values in order; unused slots are 0 (U+0000 never reaches a cell: text is
    /// made display-safe first).
    private var scalars: SIMD4<UInt32>
    public var style: Style
    public var continuation = false

    public init(_ text: String, _ style: Style = .text, continuation: Bool = false) {
        scalars = Self.pack(text.unicodeScalars)
        self.style = style
        self.continuation = continuation
    }

    /// A cell of one scalar (no string to take apart).
    @inline(__always)
    init(_ scalar: Unicode.Scalar, _ style: Style) {
        scalars = SIMD4(scalar.value, 0, 0, 0)
        self.style = style
    }

    /// The grapheme as text.
    public var text: String {
        get {
            var view = String.UnicodeScalarView()
            forEachScalar { view.append($0) }
            return String(view)
        }
        set { scalars = Self.pack(newValue.unicodeScalars) }
    }

    /// Calls `body` with each scalar of the grapheme, in order.
    @inline(__always)
    func forEachScalar(_ body: (Unicode.Scalar) -> Void) {
        for i in 0..<4 {
            guard scalars[i] != 0, let scalar = Unicode.Scalar(scalars[i]) else { return }
            body(scalar)
        }
    }

    /// Adds a combining mark's scalars to the grapheme when there is room for all of them.
    mutating func append(_ character: Character) {
        var count = 0
        while count < 4, scalars[count] != 0 { count += 1 }
        let added = character.unicodeScalars
        guard count + added.count <= 4 else { return }
        for s in added {
            scalars[count] = s.value
            count += 1
        }
    }

    private static func pack(_ view: String.UnicodeScalarView) -> SIMD4<UInt32> {
        var packed = SIMD4<UInt32>(repeating: 0)
        var i = 0
        for s in view {
            guard i < 4 else { return SIMD4(packed[0], 0, 0, 0) }
            packed[i] = s.value
            i += 1
        }
        return packed
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

    /// Sets every cell to `fill`, keeping the storage.
    public mutating func clear(_ fill: Cell = .blank) {
        cells.withUnsafeMutableBufferPointer { $0.update(repeating: fill) }
    }

    /// Becomes a copy of `other`, in place when the sizes match (no allocation).
    public mutating func replace(with other: ScreenBuffer) {
        guard width == other.width, height == other.height else {
            self = other
            return
        }
        cells.withUnsafeMutableBufferPointer { target in
            other.cells.withUnsafeBufferPointer { source in _ = target.update(fromContentsOf: source) }
        }
    }

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
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            bytes.allSatisfy { $0 < 0x80 } ? writeASCII(bytes, x: x, y: y, style: style, clip: c) : nil
        }
        if let ascii, let used = ascii { return used }
        var column = x
        if DisplayText.isStandalone(text) {
            // A scalar is a character (the panes' dashes, arrows, blocks, braille): no
            // grapheme breaking and no string per cell.
            for scalar in text.unicodeScalars {
                guard place(width: DisplayText.width(scalar), column: &column, y: y, clip: c, style: style,
                            mark: Character(scalar), cell: Cell(scalar, style)) else { break }
            }
            return max(0, column - x)
        }
        for character in text {
            guard place(width: DisplayText.width(character), column: &column, y: y, clip: c, style: style,
                        mark: character, cell: Cell(String(character), style)) else { break }
        }
        return max(0, column - x)
    }

    /// `write` for text that is all ASCII: one byte is one scalar is one grapheme (CR LF
    /// aside, which display-safe text never holds), so no grapheme breaking and no strings.
    private mutating func writeASCII(_ bytes: UnsafeBufferPointer<UInt8>, x: Int, y: Int, style: Style, clip c: Rect) -> Int {
        var column = x
        for byte in bytes {
            let scalar = Unicode.Scalar(byte)
            guard place(width: DisplayText.width(scalar), column: &column, y: y, clip: c, style: style,
                        mark: Character(scalar), cell: Cell(scalar, style)) else { break }
        }
        return max(0, column - x)
    }

    /// One grapheme of `write`, `w` columns wide, at `column` (advanced past it). A zero-width
    /// one (a combining mark) joins the cell before; one left of the clip only advances; one
    /// at the clip's right edge, or a wide one that does not fit (drawn as a space), ends the
    /// text: false.
    @inline(__always)
    private mutating func place(width w: Int, column: inout Int, y: Int, clip c: Rect, style: Style,
                                mark: @autoclosure () -> Character, cell: @autoclosure () -> Cell) -> Bool {
        if w == 0 {
            if column > c.x, column - 1 < c.maxX, column - 1 >= c.x { cells[y * width + column - 1].append(mark()) }
            return true
        }
        if column >= c.maxX { return false }
        if column < c.x {
            column += w
            return true
        }
        if w == 2 && column + 1 >= c.maxX {
            put(Cell(" ", style), x: column, y: y)
            column += 1
            return false
        }
        put(cell(), x: column, y: y)
        if w == 2 { put(Cell("", style, continuation: true), x: column + 1, y: y) }
        column += w
        return true
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
        if !edges(rect, glyphs: glyphs, style: style) {
            strokes(rect, glyphs: glyphs, style: style)
        }
        if !title.isEmpty && rect.width > 6 {
            let shown = " " + DisplayText.truncate(title, to: rect.width - 6, ellipsis: glyphs.ellipsis) + " "
            write(shown, x: rect.x + 2, y: rect.y, style: Style(focused ? .borderFocused : .title, bold: true), clip: rect)
        }
    }

    /// The border drawn cell by cell, when every glyph is one single-width scalar (both
    /// built-in glyph sets): what `strokes` draws, without building and measuring strings.
    /// False when a glyph is anything else.
    private mutating func edges(_ rect: Rect, glyphs: Glyphs, style: Style) -> Bool {
        func single(_ text: String) -> Unicode.Scalar? {
            let scalars = text.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first, DisplayText.width(scalar) == 1 else { return nil }
            return scalar
        }
        guard let h = single(glyphs.horizontal), let v = single(glyphs.vertical), let tl = single(glyphs.topLeft),
              let tr = single(glyphs.topRight), let bl = single(glyphs.bottomLeft), let br = single(glyphs.bottomRight) else { return false }
        let c = clipped(rect, to: bounds)
        func edge(_ y: Int, _ left: Unicode.Scalar, _ right: Unicode.Scalar) {
            guard y >= c.y, y < c.maxY else { return }
            for x in max(rect.x, c.x)..<min(rect.maxX, c.maxX) {
                put(Cell(x == rect.x ? left : x == rect.maxX - 1 ? right : h, style), x: x, y: y)
            }
        }
        edge(rect.y, tl, tr)
        edge(rect.maxY - 1, bl, br)
        let top = max(rect.y + 1, c.y), bottom = min(rect.maxY - 1, c.maxY)
        guard top < bottom else { return true }
        for y in top..<bottom {
            if rect.x >= c.x, rect.x < c.maxX { put(Cell(v, style), x: rect.x, y: y) }
            if rect.maxX - 1 >= c.x, rect.maxX - 1 < c.maxX { put(Cell(v, style), x: rect.maxX - 1, y: y) }
        }
        return true
    }

    /// The border drawn as strings (any glyphs).
    private mutating func strokes(_ rect: Rect, glyphs: Glyphs, style: Style) {
        let h = glyphs.horizontal
        write(glyphs.topLeft + String(repeating: h, count: rect.width - 2) + glyphs.topRight, x: rect.x, y: rect.y, style: style, clip: rect)
        write(glyphs.bottomLeft + String(repeating: h, count: rect.width - 2) + glyphs.bottomRight, x: rect.x, y: rect.maxY - 1,
              style: style, clip: rect)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            write(glyphs.vertical, x: rect.x, y: y, style: style, clip: rect)
            write(glyphs.vertical, x: rect.maxX - 1, y: y, style: style, clip: rect)
        }
    }
}
