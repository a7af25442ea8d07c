/// A colour as a theme names it: the terminal's default, one of the 256 indexed colours, or
/// 24-bit RGB (drawn as the nearest colour the terminal has).
public enum ThemeColor: Hashable, Sendable {
    case terminalDefault
    case indexed(Int)
    case rgb(UInt8, UInt8, UInt8)

    static let names: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "bright-black": 8, "gray": 8, "grey": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
        "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
    ]

    /// `default`, a name (`red`, `bright-blue`), `color0`…`color255`, or `#rrggbb`.
    init?(_ text: String) {
        let t = text.lowercased()
        if t == "default" || t == "none" { self = .terminalDefault; return }
        if let n = Self.names[t] { self = .indexed(n); return }
        if t.hasPrefix("color"), let n = Int(t.dropFirst(5)), (0...255).contains(n) { self = .indexed(n); return }
        if t.hasPrefix("#"), t.count == 7, let v = UInt32(t.dropFirst(), radix: 16) {
            self = .rgb(UInt8(v >> 16), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF))
            return
        }
        return nil
    }

    /// The xterm palette's RGB for an index.
    static func rgb(ofIndex n: Int) -> (Int, Int, Int) {
        let basic: [(Int, Int, Int)] = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
                                        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
                                        (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        if n < 16 { return basic[max(0, n)] }
        if n >= 232 { let g = 8 + 10 * (n - 232); return (g, g, g) }
        let levels = [0, 95, 135, 175, 215, 255]
        let i = n - 16
        return (levels[i / 36], levels[i / 6 % 6], levels[i % 6])
    }

    /// The colour index to draw with at `depth` colours (−1: the terminal default).
    func index(depth: ColorDepth) -> Int {
        switch depth {
        case .monochrome: return -1
        case .colors256:
            switch self {
            case .terminalDefault: return -1
            case .indexed(let n): return n
            case .rgb(let r, let g, let b): return Self.nearest(Int(r), Int(g), Int(b), in: 16..<256)
            }
        case .colors16, .colors8:
            let range = depth == .colors16 ? 0..<16 : 0..<8
            switch self {
            case .terminalDefault: return -1
            case .indexed(let n) where range.contains(n): return n
            case .indexed(let n):
                let (r, g, b) = Self.rgb(ofIndex: n)
                return Self.nearest(r, g, b, in: range)
            case .rgb(let r, let g, let b): return Self.nearest(Int(r), Int(g), Int(b), in: range)
            }
        }
    }

    static func nearest(_ r: Int, _ g: Int, _ b: Int, in range: Range<Int>) -> Int {
        var best = range.lowerBound
        var bestDistance = Int.max
        for n in range {
            let (pr, pg, pb) = rgb(ofIndex: n)
            // Weighted for the eye's sensitivity.
            let d = 3 * (r - pr) * (r - pr) + 4 * (g - pg) * (g - pg) + 2 * (b - pb) * (b - pb)
            if d < bestDistance {
                bestDistance = d
                best = n
            }
        }
        return best
    }
}

/// How many colours the terminal offers.
public enum ColorDepth: String, Sendable, Comparable {
    case monochrome, colors8, colors16, colors256

    public init(colors: Int) {
        self = colors >= 256 ? .colors256 : colors >= 16 ? .colors16 : colors >= 8 ? .colors8 : .monochrome
    }

    var rank: Int {
        switch self {
        case .monochrome: 0
        case .colors8: 1
        case .colors16: 2
        case .colors256: 3
        }
    }

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rank < b.rank }
}

/// A role's look in a theme: `FG [on BG] [bold] [dim] [underline] [reverse]`.
public struct RoleStyle: Hashable, Sendable {
    public var foreground: ThemeColor?
    public var background: ThemeColor?
    public var bold = false
    public var dim = false
    public var underline = false
    public var reverse = false

    public init(foreground: ThemeColor? = nil, background: ThemeColor? = nil) {
        self.foreground = foreground
        self.background = background
    }

    /// Parses a style spec; nil with the offending word when it is not one.
    static func parse(_ spec: String) -> (RoleStyle?, String?) {
        var style = RoleStyle()
        let words = spec.split(separator: " ").map(String.init)
        var i = 0
        var sawForeground = false
        while i < words.count {
            let w = words[i].lowercased()
            switch w {
            case "bold": style.bold = true
            case "dim": style.dim = true
            case "underline": style.underline = true
            case "reverse": style.reverse = true
            case "on":
                guard i + 1 < words.count, let bg = ThemeColor(words[i + 1]) else { return (nil, words[min(i + 1, words.count - 1)]) }
                style.background = bg
                i += 1
            default:
                guard !sawForeground, let fg = ThemeColor(w) else { return (nil, words[i]) }
                style.foreground = fg
                sawForeground = true
            }
            i += 1
        }
        return (style, nil)
    }
}

/// Colours and attributes as ncurses takes them.
public struct ResolvedStyle: Hashable, Sendable {
    public var foreground: Int
    public var background: Int
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool
}

/// A console theme: a style per role and the screen background. Themes are TOML files
/// (`Themes/*.toml`, user themes in `$XDG_CONFIG_HOME/ctas/themes`); a role a theme leaves
/// out takes the default theme's look.
public struct Theme: Sendable {
    public var name: String
    public var background: ThemeColor
    public var roles: [Role: RoleStyle]

    public init(name: String, background: ThemeColor, roles: [Role: RoleStyle]) {
        self.name = name
        self.background = background
        self.roles = roles
    }

    /// Reads a theme file. `base` supplies roles the file leaves out. Errors name the file,
    /// line and key.
    /// Whether the density ramp has colours of its own (the monochrome theme's does not: the
    /// map then draws densities with the glyph ramp, as on terminals without colours).
    public var hasDensityColours: Bool {
        Role.densityRamp.contains { role in
            guard let style = roles[role] else { return false }
            return (style.foreground.map { $0 != .terminalDefault } ?? false) || (style.background.map { $0 != .terminalDefault } ?? false)
        }
    }

    public init(toml text: String, origin: String, base: Theme?) throws(ConfigError) {
        let doc = try TOMLDocument(text: text, origin: origin)
        var name = origin
        var background = base?.background ?? .terminalDefault
        var roles = base?.roles ?? [:]
        for entry in doc.entries {
            func fail(_ message: String) -> ConfigError { ConfigError("\(origin):\(entry.line): \(message)") }
            switch (entry.table, entry.key) {
            case ("", "name"):
                guard let s = entry.value.string else { throw fail("'name' must be a string") }
                name = s
            case ("", "description"):
                break
            case ("colors", "background"):
                guard let s = entry.value.string, let c = ThemeColor(s) else {
                    throw fail("key 'background': expected a colour such as \"#1c1c1c\", \"color236\", \"black\" or \"default\"")
                }
                background = c
            case ("colors", let key):
                guard let role = Role(rawValue: key) else {
                    throw fail("unknown key '\(key)' in [colors]; expected one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                guard let spec = entry.value.string else { throw fail("key '\(key)': expected a style string such as \"#d0d0d0 bold\"") }
                let (style, bad) = RoleStyle.parse(spec)
                guard let style else {
                    throw fail("key '\(key)': '\(bad ?? spec)' is not a colour or attribute; expected FG [on BG] [bold] [dim] [underline] [reverse]")
                }
                roles[role] = style
            default:
                throw fail("unknown key '\(entry.key)'\(entry.table.isEmpty ? "" : " in [\(entry.table)]"); expected name, description and a [colors] table")
            }
        }
        self.init(name: name, background: background, roles: roles)
    }

    /// How `style` is drawn at `depth`.
    public func resolve(_ style: Style, depth: ColorDepth) -> ResolvedStyle {
        let rs = roles[style.role] ?? RoleStyle()
        let fg = rs.foreground ?? .terminalDefault
        var bg = rs.background ?? background
        if let bgRole = style.background { bg = roles[bgRole]?.foreground ?? roles[bgRole]?.background ?? bg }
        var resolved = ResolvedStyle(foreground: fg.index(depth: depth), background: bg.index(depth: depth),
                                     bold: rs.bold || style.bold, dim: rs.dim, underline: rs.underline || style.underline,
                                     reverse: rs.reverse != style.reverse)
        // Identical colours would hide the text once degraded: fall back to the default foreground.
        if resolved.foreground == resolved.background && resolved.foreground >= 0 && style.background == nil {
            resolved.foreground = -1
        }
        return resolved
    }
}
