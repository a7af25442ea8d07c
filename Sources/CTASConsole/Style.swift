/// What a piece of the screen is, for colouring: panes draw with roles, the theme decides
/// colours and attributes, so panes render the same under any theme and a theme switch is
/// only a repaint.
public enum Role: String, Sendable, CaseIterable, Hashable {
    case text, muted, accent, title, border, borderFocused = "border-focused"
    case selection, statusBar = "status-bar", statusAccent = "status-accent", prompt
    case good, warning, error
    case severityLow = "severity-low", severityMedium = "severity-medium"
    case severityHigh = "severity-high", severityCritical = "severity-critical"
    case sparkline, gauge, overlay, overlayTitle = "overlay-title"
    case density0 = "density-0", density1 = "density-1", density2 = "density-2", density3 = "density-3"
    case density4 = "density-4", density5 = "density-5", density6 = "density-6", density7 = "density-7"
    case density8 = "density-8", density9 = "density-9"
    case land, sea, hotspot, cursor
    /// Coastlines and borders over the map, and the place names on it.
    case outline, place

    /// The density ramp, lowest first.
    public static let densityRamp: [Role] = [.density0, .density1, .density2, .density3, .density4,
                                             .density5, .density6, .density7, .density8, .density9]
}

/// How a cell is drawn: a role for the foreground, optionally another role whose colour is
/// the background (the heatmap's half blocks), and attributes added to the role's own.
public struct Style: Hashable, Sendable {
    public var role: Role
    public var background: Role?
    public var bold = false
    public var reverse = false
    public var underline = false

    public init(_ role: Role, background: Role? = nil, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.role = role
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    public static let text = Style(.text)
    public static let muted = Style(.muted)
}
