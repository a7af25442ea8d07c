/// The characters the console draws with: Unicode box drawing, blocks and braille, or an
/// ASCII set for terminals and locales that cannot show them (`--ascii`, `LANG=C`).
public struct Glyphs: Sendable, Equatable {
    public var horizontal: String
    public var vertical: String
    public var topLeft: String, topRight: String, bottomLeft: String, bottomRight: String
    public var ellipsis: String
    public var bullet: String
    public var arrowUp: String, arrowDown: String
    public var ascii: Bool
    /// Bar characters for sparklines, lowest first.
    public var bars: [String]
    /// The upper-half block for two-pixel cells.
    public var upperHalf: String
    public var separator: String

    public static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
                                       bottomRight: "┘", ellipsis: "…", bullet: "•", arrowUp: "↑", arrowDown: "↓", ascii: false,
                                       bars: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], upperHalf: "▀", separator: "│")

    public static let plain = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
                                     bottomRight: "+", ellipsis: "~", bullet: "*", arrowUp: "^", arrowDown: "v", ascii: true,
                                     bars: ["_", ".", "-", "=", "+", "*", "#", "@"], upperHalf: "#", separator: "|")
}
