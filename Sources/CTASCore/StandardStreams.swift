#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to standard output and standard error that never trap.
///
/// The terminal a console ran in can be gone by the time it says goodbye: an SSH session
/// dropped, a tmux pane or session killed. The console then gets SIGHUP, stores what it
/// accepted and writes its summary line to a terminal that answers every write with EIO.
/// Foundation's `FileHandle.write(_:)` traps on a failed write, so that exit was a crash
/// report (and seconds of the backtracer's CPU) after a clean stop. What cannot be written
/// here is dropped: nobody is there to read it.
public enum StandardStreams {
    /// Writes `text` to standard error as it is (progress bars redraw with `\r`).
    public static func writeError(_ text: String) { write(text, to: 2) }

    /// Writes `text` to standard error and a newline unless it ends with one (messages,
    /// status lines, summaries).
    public static func writeErrorLine(_ text: String) { write(text.hasSuffix("\n") ? text : text + "\n", to: 2) }

    /// Writes `text` to standard output (command results).
    public static func writeOutput(_ text: String) { write(text, to: 1) }

    /// The whole of `text` to `descriptor`, through short writes, interruptions and a full
    /// non-blocking stream; gives up silently on any other failure.
    static func write(_ text: String, to descriptor: Int32) {
        var copy = text
        copy.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                #if canImport(Glibc)
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                #elseif canImport(Musl)
                let written = Musl.write(descriptor, base + offset, bytes.count - offset)
                #else
                let written = Darwin.write(descriptor, base + offset, bytes.count - offset)
                #endif
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // A non-blocking stream that is full: wait for room (a second at most).
                    var wanted = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    if poll(&wanted, 1, 1_000) <= 0 { return }
                } else {
                    return
                }
            }
        }
    }
}
