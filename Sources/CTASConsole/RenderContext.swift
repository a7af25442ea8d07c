import CTASCore
import CTASEngine

/// The console's own frame times, shown in the metrics pane.
public struct FrameStats: Sendable, Equatable {
    public var frames = 0
    public var p50Micros: UInt64 = 0
    public var p99Micros: UInt64 = 0

    public init() {}
}

/// Everything a pane reads when it renders: the engine's snapshot and the console's state.
public struct RenderContext: Sendable {
    public var snapshot: Snapshot
    public var state: ViewState
    public var glyphs: Glyphs
    public var keymap: Keymap
    public var frames: FrameStats
    public var now: Timestamp
    /// Whether seeking is possible (file sources), for help and messages.
    public var canSeek: Bool
    /// The terminal's colours (the heatmap falls back to a glyph ramp at 8 and fewer).
    public var colorDepth: ColorDepth
    /// Whether the theme colours the density ramp (else the map uses the glyph ramp).
    public var densityColours = true
    /// `FeedList.events(snapshot, state.feed)` when the caller has already listed it (the
    /// console lists once a frame and uses the count after drawing); nil: the feed pane lists.
    public var feedList: FeedList?

    public init(snapshot: Snapshot, state: ViewState, glyphs: Glyphs, keymap: Keymap, frames: FrameStats = FrameStats(),
                now: Timestamp = .now(), canSeek: Bool = true, colorDepth: ColorDepth = .colors256) {
        self.colorDepth = colorDepth
        self.snapshot = snapshot
        self.state = state
        self.glyphs = glyphs
        self.keymap = keymap
        self.frames = frames
        self.now = now
        self.canSeek = canSeek
    }

    /// Untrusted text made safe for this screen.
    func safe(_ text: String) -> String { DisplayText.safe(text, ascii: glyphs.ascii) }

    func severityRole(_ s: Severity?) -> Role {
        switch s?.band {
        case .critical: .severityCritical
        case .high: .severityHigh
        case .medium: .severityMedium
        case .low: .severityLow
        case nil: .muted
        }
    }
}
