import CNCurses
import CTASCore
import CTASFeeds
import Foundation
import Testing
@testable import CTASConsole
#if canImport(Glibc)
import Glibc
#endif

/// Each screen update reaches the terminal in one write, byte for byte what ncurses would
/// have written as it went.
@Suite struct FrameOutputTests {
    init() { _ = utf8Locale }

    /// Everything that can be read from `fd` until it has been quiet for a while.
    static func drain(_ fd: Int32, quiet: Int32 = 200) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, quiet) > 0 else { return out }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return out }
            out += buffer[0..<n]
        }
    }

    @Test func writesDuringAnUpdateArriveTogetherAndWritesAfterItGoStraightThrough() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let output = try #require(FrameOutput(terminal: ends[1]))
        let parts = ["\u{1b}[1;1H", "abc", "\u{1b}[5;9H", "xyz", String(repeating: "é", count: 3000)]
        output.collect {
            for part in parts { _ = Array(part.utf8).withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } }
        }
        #expect(output.updates == 1)
        #expect(output.writes == 1)
        #expect(output.lastUpdateBytes == parts.joined().utf8.count)
        #expect(Self.drain(ends[0], quiet: 50) == Array(parts.joined().utf8))

        // An update that writes nothing passes nothing on; after it, writes are direct.
        output.collect {}
        #expect(output.updates == 1)
        #expect(output.lastUpdateBytes == 0)
        _ = Array("after".utf8).withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        #expect(Self.drain(ends[0], quiet: 50) == Array("after".utf8))
        #expect(output.updates == 1)

        // A second update starts from an empty memory file.
        output.collect { _ = Array("2nd".utf8).withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) } }
        #expect(Self.drain(ends[0], quiet: 50) == Array("2nd".utf8))
        #expect(output.updates == 2)
    }

    /// A pseudo-terminal: the master side to read what was drawn, the slave as a stream.
    struct PTY {
        let master: Int32
        let stream: UnsafeMutablePointer<FILE>

        init(width: Int, height: Int) throws {
            master = cn_openpt(O_RDWR | O_NOCTTY)
            guard master >= 0, cn_grantpt(master) == 0, cn_unlockpt(master) == 0, let name = cn_ptsname(master) else {
                throw TerminalError("cannot open a pseudo-terminal")
            }
            let slave = open(name, O_RDWR | O_NOCTTY)
            guard slave >= 0, let stream = fdopen(slave, "r+") else { throw TerminalError("cannot open the slave") }
            self.stream = stream
            var size = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
        }

        func close() {
            fclose(stream)
            Glibc.close(master)
        }
    }

    /// Frames with scattered changes (many cursor moves) in several styles, and wide text.
    static func frames(width: Int, height: Int) -> [ScreenBuffer] {
        var random = SeededRandom(seed: 7)
        var buffer = ScreenBuffer(width: width, height: height, fill: Cell(" "))
        var out: [ScreenBuffer] = []
        let styles: [Style] = [.text, .muted, Style(.accent, bold: true), Style(.warning), Style(.selection)]
        for frame in 0..<6 {
            for _ in 0..<(frame == 0 ? 200 : 25) {
                let text = ["x", "42", "alert", "日本", "▀▄", "◆"][random.below(6)]
                buffer.write(text, x: random.below(width), y: random.below(height), style: styles[random.below(styles.count)],
                             clip: Rect(x: 0, y: 0, width: width, height: height))
            }
            out.append(buffer)
        }
        return out
    }

    /// What a terminal on a fresh pseudo-terminal sends for `frames`.
    @MainActor static func drawn(_ frames: [ScreenBuffer], batching: Bool) throws -> (bytes: [UInt8], writes: (updates: Int, writes: Int, lastUpdateBytes: Int)?) {
        let pty = try PTY(width: 80, height: 24)
        defer { pty.close() }
        let terminal = try NCursesTerminal(term: "xterm-256color", output: pty.stream, input: pty.stream, batchingOutput: batching)
        var bytes = drain(pty.master, quiet: 50)   // the set-up's own output
        bytes.removeAll()
        for frame in frames {
            terminal.present(frame, theme: ThemeCatalog.standard)
            bytes += drain(pty.master, quiet: 50)
        }
        let writes = terminal.outputWrites
        terminal.shutdown()
        _ = drain(pty.master, quiet: 50)
        return (bytes, writes)
    }

    @Test @MainActor func theTerminalGetsTheSameBytesInOneWriteAnUpdate() throws {
        let frames = Self.frames(width: 80, height: 24)
        let direct = try Self.drawn(frames, batching: false)
        let batched = try Self.drawn(frames, batching: true)
        #expect(direct.writes == nil)
        #expect(direct.bytes.count > 2000)
        #expect(batched.bytes == direct.bytes)
        let writes = try #require(batched.writes)
        #expect(writes.updates == frames.count)
        #expect(writes.writes == frames.count)
    }
}
