import CTASCore
import CTASEngine

/// Where the panes go for a screen size: one pane fills the screen; two sit side by side on
/// a wide screen, else stacked; three or four share a grid. The timeline, among others, is a
/// strip across the foot (time runs left to right, so it wants the width). The status line
/// takes the last row. A maximized pane takes everything above it.
public enum Layout {
    public static let minimumWidth = 60
    public static let minimumHeight = 15

    /// Below this size the panes would be too cramped to read side by side: one pane at a
    /// time, with a tab bar naming them all (tab moves between them).
    public static let tabbedBelow = (width: 120, height: 36)

    /// Whether a screen (the whole terminal) shows one pane at a time.
    public static func isTabbed(width: Int, height: Int) -> Bool {
        width < tabbedBelow.width || height < tabbedBelow.height
    }

    public static func panes(_ panes: [PaneKind], in screen: Rect, focus: PaneKind, maximized: Bool, tabbed: Bool = false) -> [(PaneKind, Rect)] {
        guard !panes.isEmpty else { return [] }
        if maximized { return [(focus, screen)] }
        if tabbed && panes.count > 1 {
            // The first row is the tab bar.
            let (_, below) = screen.splitTop(1)
            return [(panes.contains(focus) ? focus : panes[0], below)]
        }
        if panes.count > 1, panes.contains(.timeline) {
            let height = max(7, min(11, screen.height / 5))
            let (above, strip) = screen.splitTop(screen.height - height)
            return self.panes(panes.filter { $0 != .timeline }, in: above, focus: focus, maximized: false) + [(.timeline, strip)]
        }
        switch panes.count {
        case 1:
            return [(panes[0], screen)]
        case 2:
            if screen.width >= 120 {
                let (a, b) = screen.splitLeft(screen.width * 3 / 5)
                return [(panes[0], a), (panes[1], b)]
            }
            let (a, b) = screen.splitTop(screen.height * 3 / 5)
            return [(panes[0], a), (panes[1], b)]
        default:
            let (top, bottom) = screen.splitTop(screen.height / 2)
            let (tl, tr) = top.splitLeft(top.width * 3 / 5)
            let (bl, br) = bottom.splitLeft(bottom.width * 3 / 5)
            let rects = [tl, tr, bl, br]
            if panes.count == 3 {
                return [(panes[0], tl), (panes[1], tr), (panes[2], bottom)]
            }
            return zip(panes.prefix(4), rects).map { ($0, $1) }
        }
    }
}

/// Renders the whole screen: panes, status or prompt line, overlays, or the too-small notice.
public enum ScreenRenderer {
    public static func render(width: Int, height: Int, context: RenderContext) -> ScreenBuffer {
        var b = ScreenBuffer(width: width, height: height)
        render(into: &b, context: context)
        return b
    }

    /// Renders into `b`, blanked first (or made anew at its size when the size changed):
    /// what `render(width:height:context:)` returns, in storage kept from frame to frame (a
    /// 200×60 frame is some 400 KB; allocating it anew each time cost page faults).
    public static func render(into b: inout ScreenBuffer, width: Int, height: Int, context: RenderContext) {
        if b.width == max(0, width) && b.height == max(0, height) {
            b.clear()
        } else {
            b = ScreenBuffer(width: width, height: height)
        }
        render(into: &b, context: context)
    }

    private static func render(into b: inout ScreenBuffer, context: RenderContext) {
        let width = b.width, height = b.height
        let screen = b.bounds
        guard width >= Layout.minimumWidth, height >= Layout.minimumHeight else {
            let text = "terminal too small: need \(Layout.minimumWidth)×\(Layout.minimumHeight)"
            let shown = context.glyphs.ascii ? text.replacingOccurrences(of: "×", with: "x") : text
            for (i, line) in Overlays.wrap(shown + " (have \(width)\(context.glyphs.ascii ? "x" : "×")\(height))", width: max(1, width)).enumerated()
            where i < height {
                b.write(line, x: max(0, (width - DisplayText.width(line)) / 2), y: max(0, height / 2 - 1) + i, style: Style(.warning, bold: true), clip: screen)
            }
            return
        }
        let (above, status) = screen.splitTop(height - 1)
        let (main, attention) = above.splitTop(above.height - 1)
        let tabbed = Layout.isTabbed(width: width, height: height)
        if tabbed && !context.state.maximized && context.state.panes.count > 1 {
            TabBar.render(into: &b, area: main.splitTop(1).0, context: context)
        }
        for (pane, rect) in Layout.panes(context.state.panes, in: main, focus: context.state.focus, maximized: context.state.maximized,
                                         tabbed: tabbed) {
            let focused = pane == context.state.focus
            switch pane {
            case .feed: FeedPane.render(into: &b, area: rect, context: context, focused: focused)
            case .metrics: MetricsPane.render(into: &b, area: rect, context: context, focused: focused)
            case .graph: GraphPane.render(into: &b, area: rect, context: context, focused: focused)
            case .heatmap: HeatmapPane.render(into: &b, area: rect, context: context, focused: focused)
            case .timeline: TimelinePane.render(into: &b, area: rect, context: context, focused: focused)
            }
        }
        AttentionLine.render(into: &b, area: attention, context: context)
        if let prompt = context.state.prompt {
            PromptLine.render(into: &b, area: status, prompt: prompt, context: context)
        } else {
            StatusBar.render(into: &b, area: status, context: context)
        }
        switch context.state.overlay {
        case .help: Overlays.help(into: &b, screen: main, context: context)
        case .detail(let e): Overlays.detail(e, into: &b, screen: main, context: context)
        case nil: break
        }
    }

    /// The feed pane's rectangle on a screen of this size (the reducer needs its rows).
    public static func feedArea(width: Int, height: Int, state: ViewState) -> Rect? {
        area(of: .feed, width: width, height: height, state: state)
    }

    /// Where the panes go: everything above the attention and status lines.
    public static func mainArea(width: Int, height: Int) -> Rect {
        Rect(x: 0, y: 0, width: width, height: max(0, height - 2))
    }

    /// A pane's rectangle on a screen of this size, when it is shown.
    public static func area(of pane: PaneKind, width: Int, height: Int, state: ViewState) -> Rect? {
        let main = mainArea(width: width, height: height)
        return Layout.panes(state.panes, in: main, focus: state.focus, maximized: state.maximized,
                            tabbed: Layout.isTabbed(width: width, height: height)).first { $0.0 == pane }?.1
    }
}

/// The row naming every pane when the screen shows one at a time: the shown one
/// highlighted, with the key that moves between them.
public enum TabBar {
    public static func render(into b: inout ScreenBuffer, area: Rect, context: RenderContext) {
        b.fill(area, " ", style: .muted)
        var x = area.x
        let hint = "tab: next pane"
        let full = context.state.panes.enumerated().reduce(0) { $0 + DisplayText.width(" \($1.offset + 1) \($1.element.title)  ") }
        let short = full + DisplayText.width(hint) + 2 > area.width
        for (i, pane) in context.state.panes.enumerated() {
            let shown = pane == context.state.focus
            let label = " \(i + 1) \(short ? pane.shortTitle : pane.title) "
            x += b.write(label, x: x, y: area.y, style: shown ? Style(.statusAccent, bold: true) : .muted, clip: area)
            x += b.write(" ", x: x, y: area.y, style: .muted, clip: area)
        }
        let hx = area.maxX - DisplayText.width(hint) - 1
        if hx > x + 1 { b.write(hint, x: hx, y: area.y, style: .muted, clip: area) }
    }
}
