/// Input from the terminal.
public enum TerminalInput: Equatable, Sendable {
    case key(Key)
    case resize
    case click(x: Int, y: Int)
    case scroll(up: Bool)
}

/// What the console draws on: ncurses on a real terminal, or memory in tests.
@MainActor
public protocol Terminal: AnyObject {
    var width: Int { get }
    var height: Int { get }
    var colorDepth: ColorDepth { get }
    /// Shows `buffer`, drawing only what changed since the last call.
    func present(_ buffer: ScreenBuffer, theme: Theme)
    /// Input that has arrived (never waits).
    func readInput() -> [TerminalInput]
    /// Forgets what is on screen, so the next `present` draws everything.
    func invalidate()
    /// Restores the terminal as it was.
    func shutdown()
    /// Gives the terminal back and stops the process (job control); returns when continued.
    func suspendToShell()
    /// Asks the terminal to put `text` on the system clipboard (OSC 52); false when this
    /// terminal cannot be asked (the console then only writes the clipboard file).
    func copyToClipboard(_ text: String) -> Bool
}

/// A terminal in memory, for tests: input is queued, presented frames are kept.
@MainActor
public final class MemoryTerminal: Terminal {
    public var width: Int
    public var height: Int
    public var colorDepth: ColorDepth
    public private(set) var frames: [ScreenBuffer] = []
    public var pending: [TerminalInput] = []
    public private(set) var shutDown = false

    public init(width: Int, height: Int, colorDepth: ColorDepth = .colors256) {
        self.width = width
        self.height = height
        self.colorDepth = colorDepth
    }

    public var lastFrame: ScreenBuffer? { frames.last }

    public func present(_ buffer: ScreenBuffer, theme: Theme) {
        frames.append(buffer)
        if frames.count > 50 { frames.removeFirst() }
    }

    public func readInput() -> [TerminalInput] {
        defer { pending.removeAll() }
        return pending
    }

    public func invalidate() {}
    public func shutdown() { shutDown = true }
    public private(set) var suspensions = 0
    public func suspendToShell() { suspensions += 1 }
    /// What was copied, oldest first.
    public private(set) var copies: [String] = []
    public func copyToClipboard(_ text: String) -> Bool {
        copies.append(text)
        return true
    }
}
