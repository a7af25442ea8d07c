import CNCurses
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the console cannot start on this terminal.
public struct TerminalError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The real terminal, through ncurses (wide characters, extended colour pairs). It draws
/// only the rows that changed since the last frame, in runs of one style, and leaves the
/// final diffing against the screen to ncurses.
@MainActor
public final class NCursesTerminal: Terminal {
    private let screen: OpaquePointer
    private var previous: ScreenBuffer?
    /// Where escape sequences of our own (OSC 52) go: the stream the screen is drawn on.
    private var outputFD: Int32 = -1
    /// Collects each update's output for one write (nil: ncurses writes as it goes).
    private var frameOutput: FrameOutput?
    private var directNext = false
    /// Whether SIGWINCH is caught here (and not by ncurses): `readInput` then resizes.
    private var catchingResize = false
    private var pairs: [Int64: Int32] = [:]
    private var nextPair: Int32 = 1
    private var scratch: [wchar_t] = []
    /// Each style's attributes and colour pair under the theme last drawn with (resolving
    /// walks the theme and maps colours to the terminal's depth; a frame draws hundreds of
    /// runs in a dozen styles). Emptied by `invalidate()` and when the theme's name changes.
    private var styles: [Style: (attr_t, Int32)] = [:]
    private var stylesTheme = ""
    public let colorDepth: ColorDepth
    private var active = true
    /// The controlling terminal opened for keys when stdin is not a terminal (closed at shutdown).
    private var keyStream: UnsafeMutablePointer<FILE>?

    /// The descriptor keys arrive on, for the console to wait on: stdin, or the controlling
    /// terminal when stdin is a feed (waiting on a piped feed would wake on its data while
    /// keys waited for the next frame).
    public var keyDescriptor: Int32 { keyStream.map { fileno($0) } ?? 0 }

    public static let headlessAdvice = "use the headless commands instead: ctas ingest, ctas replay --headless, ctas query events"

    /// Opens the terminal named by TERM. Fails with a clear message for a dumb or unknown
    /// terminal (where initscr would print and exit) or when stdout is not a terminal.
    ///
    /// Keys come from stdin when it is a terminal, and otherwise from the controlling
    /// terminal (`/dev/tty`): `zcat eve.json.gz | ctas console --stdin` gives the feed to
    /// stdin and still answers keys.
    public convenience init(mouse: Bool, environment: [String: String]) throws(TerminalError) {
        guard isatty(1) == 1 else {
            throw TerminalError("the console needs a terminal on stdout; \(Self.headlessAdvice)")
        }
        var keys: UnsafeMutablePointer<FILE>?
        if isatty(0) != 1 {
            keys = fopen("/dev/tty", "r")
            guard let opened = keys, isatty(fileno(opened)) == 1 else {
                if let keys { fclose(keys) }
                throw TerminalError("the console needs a terminal for its keys: stdin is not one and there is no controlling terminal (/dev/tty); \(Self.headlessAdvice)")
            }
        }
        let term = environment["TERM"] ?? ""
        guard !term.isEmpty, term != "dumb" else {
            if let keys { fclose(keys) }
            throw TerminalError("TERM is \(term.isEmpty ? "not set" : "'dumb'"): the console needs a terminal that can move the cursor; \(Self.headlessAdvice)")
        }
        // Resizes are the console's to catch (see FrameOutput), before ncurses would.
        let catchesResize = cn_catch_resize() == 0
        let opened: OpaquePointer? = if let keys { cn_newterm_keys(nil, keys) } else { cn_newterm(nil) }
        guard let scr = opened else {
            if let keys { fclose(keys) }
            throw TerminalError("TERM='\(term)' is not a terminal this system knows (no terminfo entry); try TERM=xterm-256color, or \(Self.headlessAdvice)")
        }
        try self.init(screen: scr, term: term, mouse: mouse)
        keyStream = keys
        outputFD = 1
        // Without our own resize handler, ncurses would read a new size at an update, on the
        // descriptor that then points at the memory file: updates go straight out.
        if catchesResize {
            catchingResize = true
            frameOutput = FrameOutput(terminal: outputFD)
        }
    }

    /// A terminal on given streams (a pseudo-terminal), for benchmarks and tests; each
    /// update written in one go unless `batchingOutput` is false (see `FrameOutput`).
    public convenience init(term: String, output: UnsafeMutablePointer<FILE>, input: UnsafeMutablePointer<FILE>,
                            batchingOutput: Bool = true) throws(TerminalError) {
        guard let scr = cn_newterm_on(term, output, input) else { throw TerminalError("TERM='\(term)' is unknown") }
        try self.init(screen: scr, term: term, mouse: false)
        outputFD = fileno(output)
        if batchingOutput { frameOutput = FrameOutput(terminal: outputFD) }
    }

    private init(screen scr: OpaquePointer, term: String, mouse: Bool) throws(TerminalError) {
        set_term(scr)
        guard cn_can_address() != 0 else {
            endwin()
            delscreen(scr)
            throw TerminalError("TERM='\(term)' cannot move the cursor; \(Self.headlessAdvice)")
        }
        screen = scr
        let w = cn_stdscr()
        cbreak()
        noecho()
        nonl()
        intrflush(w, false)
        _ = cn_keypad(w, 1)
        _ = cn_nodelay(w, 1)
        _ = cn_leaveok(w, 1)
        curs_set(0)
        set_escdelay(25)
        // No typeahead checks while updating: ncurses would poll the input before each changed
        // line, to give up a long update for a key. A frame takes milliseconds; a key waits
        // for the next one.
        typeahead(-1)
        if has_colors() {
            start_color()
            use_default_colors()
            colorDepth = ColorDepth(colors: Int(cn_colors()))
        } else {
            colorDepth = .monochrome
        }
        if mouse { mousemask(mmask_t(cn_mousemask_all()), nil) }
    }

    /// Updates written to the terminal and the writes they took (nil when output is not
    /// batched); for tests and the benchmark.
    public var outputWrites: (updates: Int, writes: Int, lastUpdateBytes: Int)? {
        frameOutput.map { ($0.updates, $0.writes, $0.lastUpdateBytes) }
    }

    public var width: Int { Int(getmaxx(cn_stdscr())) }
    public var height: Int { Int(getmaxy(cn_stdscr())) }

    public func invalidate() {
        previous = nil
        styles.removeAll(keepingCapacity: true)
        _ = cn_clearok(cn_stdscr(), 1)
    }

    /// Leaves curses mode, stops with SIGTSTP's default action (the shell takes over), and
    /// on `fg` comes back; the caller repaints. The console's own SIGTSTP handler (a
    /// dispatch source) is put back afterwards.
    public func suspendToShell() {
        guard active else { return }
        curs_set(1)
        endwin()
        var previous = sigaction()
        var stop = sigaction()
        stop.__sigaction_handler.sa_handler = SIG_DFL
        sigemptyset(&stop.sa_mask)
        sigaction(SIGTSTP, &stop, &previous)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTSTP)
        var mask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &unblock, &mask)
        raise(SIGTSTP)
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        sigaction(SIGTSTP, &previous, nil)
        curs_set(0)
        self.previous = nil
        // ncurses sets the terminal's modes back at the first update after a stop, on the
        // descriptor it draws to: that update goes straight to the terminal.
        directNext = true
    }

    public func shutdown() {
        guard active else { return }
        active = false
        curs_set(1)
        endwin()
        delscreen(screen)
        if let keyStream { fclose(keyStream) }
        keyStream = nil
    }

    // MARK: drawing

    public func present(_ buffer: ScreenBuffer, theme: Theme) {
        let w = cn_stdscr()
        // The scratch storage is moved out and back: a copy would be copied on its first
        // append.
        var scratch: [wchar_t] = []
        swap(&scratch, &self.scratch)
        putChanges(of: buffer, over: previous, theme: theme, window: w, scratch: &scratch)
        swap(&scratch, &self.scratch)
        wnoutrefresh(w)
        if let frameOutput, !directNext { frameOutput.collect { doupdate() } } else { doupdate() }
        directNext = false
        // Kept by copying into the previous frame's storage: holding `buffer` itself would
        // share the caller's storage and make its next frame copy on write.
        if self.previous == nil { self.previous = buffer } else { self.previous?.replace(with: buffer) }
    }

    /// Puts the runs of `buffer` that differ from `previous` (all of it when the size
    /// changed) into ncurses' window. Parameters and locals, not stored properties, in the
    /// loops: each touch of a stored property of this class is checked for exclusive access,
    /// twelve thousand cells a frame.
    private func putChanges(of buffer: ScreenBuffer, over previous: ScreenBuffer?, theme: Theme, window w: UnsafeMutablePointer<WINDOW>?,
                            scratch: inout [wchar_t]) {
        let full = previous?.width != buffer.width || previous?.height != buffer.height
        for y in 0..<buffer.height {
            if !full, let previous, rowEqual(previous, buffer, y) { continue }
            var x = 0
            while x < buffer.width {
                let cell = buffer[x, y]
                if cell.continuation { x += 1; continue }
                let style = cell.style
                let start = x
                scratch.removeAll(keepingCapacity: true)
                while x < buffer.width {
                    let c = buffer[x, y]
                    if !c.continuation {
                        guard c.style == style else { break }
                        c.forEachScalar { scratch.append(wchar_t(bitPattern: $0.value)) }
                    }
                    x += 1
                }
                // A run the screen already shows (the rest of a changed row: the map beside a
                // scrolling feed) is not put again.
                if !full, let previous, runEqual(previous, buffer, y, start, x) { continue }
                let (attributes, pair) = drawn(style, theme: theme)
                _ = cn_set_style(w, attributes, pair)
                let count = Int32(scratch.count)
                scratch.append(0)
                _ = scratch.withUnsafeBufferPointer { cn_put(w, Int32(y), Int32(start), $0.baseAddress, count) }
            }
        }
    }

    /// OSC 52 to the terminal (xterm, tmux with set-clipboard, kitty, iTerm2, Windows Terminal…);
    /// not on the Linux console and vt100-class terminals, which would print it.
    public func copyToClipboard(_ text: String) -> Bool {
        let term = ProcessInfo.processInfo.environment["TERM"] ?? ""
        guard !term.isEmpty, !["linux", "vt100", "vt220", "dumb"].contains(term), outputFD >= 0 else { return false }
        let bytes = Array(("\u{1b}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(outputFD, $0.baseAddress, $0.count) }
            guard n > 0 else { return written > 0 }
            written += n
        }
        return true
    }

    private func runEqual(_ a: ScreenBuffer, _ b: ScreenBuffer, _ y: Int, _ from: Int, _ to: Int) -> Bool {
        let start = y * a.width
        for i in (start + from)..<(start + to) where a.cells[i] != b.cells[i] { return false }
        return true
    }

    private func rowEqual(_ a: ScreenBuffer, _ b: ScreenBuffer, _ y: Int) -> Bool {
        let start = y * a.width
        for i in start..<(start + a.width) where a.cells[i] != b.cells[i] { return false }
        return true
    }

    /// How `style` is drawn under `theme`: from the cache, else resolved once.
    private func drawn(_ style: Style, theme: Theme) -> (attr_t, Int32) {
        if theme.name != stylesTheme {
            styles.removeAll(keepingCapacity: true)
            stylesTheme = theme.name
        }
        if let known = styles[style] { return known }
        let resolved = theme.resolve(style, depth: colorDepth)
        let result = (attributes(resolved), pair(resolved))
        styles[style] = result
        return result
    }

    private func attributes(_ s: ResolvedStyle) -> attr_t {
        var a = cn_a_normal()
        if s.bold { a |= cn_a_bold() }
        if s.dim { a |= cn_a_dim() }
        if s.underline { a |= cn_a_underline() }
        if s.reverse { a |= cn_a_reverse() }
        return a
    }

    /// The colour pair for a foreground and background, allocated on first use (pair 0, the
    /// terminal default, when the terminal runs out of pairs or has no colours).
    private func pair(_ s: ResolvedStyle) -> Int32 {
        guard colorDepth != .monochrome else { return 0 }
        if s.foreground < 0 && s.background < 0 { return 0 }
        let key = Int64(s.foreground + 1) << 32 | Int64(s.background + 1)
        if let p = pairs[key] { return p }
        guard nextPair < cn_color_pairs() else { return 0 }
        let p = nextPair
        nextPair += 1
        init_extended_pair(p, Int32(s.foreground), Int32(s.background))
        pairs[key] = p
        return p
    }

    // MARK: input

    public func readInput() -> [TerminalInput] {
        var out: [TerminalInput] = []
        if catchingResize, cn_take_resize() != 0 {
            var rows: Int32 = 0, columns: Int32 = 0
            if cn_window_size(outputFD, &rows, &columns) != 0, rows != Int32(height) || columns != Int32(width) {
                resizeterm(rows, columns)
            }
            out.append(.resize)
        }
        var ch: wint_t = 0
        let w = cn_stdscr()
        while out.count < 256 {
            let rc = cn_get_wch(w, &ch)
            if rc == ERR { break }
            if rc == cn_key_code_yes() {
                if let input = special(Int32(ch)) { out.append(input) }
                continue
            }
            if let key = Self.key(forCharacter: UInt32(ch)) { out.append(.key(key)) }
        }
        return out
    }

    /// The key for a character code from the terminal.
    public static func key(forCharacter code: UInt32) -> Key? {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(UInt8(code + 96))))
        case 0, 28...31: return nil
        default:
            guard let scalar = Unicode.Scalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func special(_ code: Int32) -> TerminalInput? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case cn_key_resize(): return .resize
        case cn_key_mouse():
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            let buttons = UInt(event.bstate)
            if buttons & UInt(cn_button4_pressed()) != 0 { return .scroll(up: true) }
            if buttons & UInt(cn_button5_pressed()) != 0 { return .scroll(up: false) }
            if buttons & UInt(cn_button1_clicked()) != 0 { return .click(x: Int(event.x), y: Int(event.y)) }
            return nil
        default:
            if code >= KEY_F0 + 1 && code <= KEY_F0 + 12 { return .key(.function(Int(code - KEY_F0))) }
            return nil
        }
    }
}
