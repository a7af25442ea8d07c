import CNCurses
#if canImport(Glibc)
import Glibc
#endif

/// Gathers what ncurses writes during one screen update and hands it to the terminal in one
/// write.
///
/// ncurses flushes its output buffer at every cursor move: a frame of the demo at 200×60
/// went out in about seventy writes, each waking the terminal on the other side (tmux,
/// sshd, the emulator) and costing this process a system call and a context switch. While
/// an update runs, the terminal's descriptor points at a file in memory; afterwards it
/// points back at the terminal and the update's bytes are written on together.
///
/// Only the thread drawing the screen writes to the terminal, so nothing else is caught in
/// between. When the memory file cannot be made, updates go straight to the terminal.
final class FrameOutput {
    /// The descriptor ncurses writes to.
    let terminal: Int32
    /// A duplicate of the terminal, to point `terminal` back at it.
    private let saved: Int32
    /// The memory file collecting one update.
    private let file: Int32
    private var bytes: [UInt8] = []
    /// Updates passed on, and the writes they took (one each unless the terminal takes
    /// part of a write at a time).
    private(set) var updates = 0
    private(set) var writes = 0
    /// Bytes of the last update.
    private(set) var lastUpdateBytes = 0

    /// Nil when the memory file or the duplicate cannot be made.
    init?(terminal: Int32) {
        let file = cn_memfd("ctas-frame")
        guard file >= 0 else { return nil }
        let saved = fcntl(terminal, F_DUPFD_CLOEXEC, 3)
        guard saved >= 0 else {
            close(file)
            return nil
        }
        self.terminal = terminal
        self.saved = saved
        self.file = file
    }

    deinit {
        close(file)
        close(saved)
    }

    /// Runs `update` with the terminal's writes collected, then writes them to the terminal.
    func collect(_ update: () -> Void) {
        guard Self.point(terminal, at: file) else {
            update()
            return
        }
        update()
        // Back to the terminal before anything else: a failure here would leave the screen
        // drawn into memory, so it is retried while the call is interrupted.
        _ = Self.point(terminal, at: saved)
        passOn()
    }

    private static func point(_ fd: Int32, at target: Int32) -> Bool {
        while true {
            if dup2(target, fd) >= 0 { return true }
            guard errno == EINTR || errno == EBUSY else { return false }
        }
    }

    private func passOn() {
        let size = Int(lseek(file, 0, SEEK_CUR))
        // The next update writes from the start again; only its own bytes (up to where it
        // ends) are read, so the file is not truncated: truncating freed its pages and the
        // next frame's writes cleared fresh ones.
        defer { _ = lseek(file, 0, SEEK_SET) }
        lastUpdateBytes = max(0, size)
        guard size > 0 else { return }
        if bytes.count < size { bytes = [UInt8](repeating: 0, count: size) }
        let read = bytes.withUnsafeMutableBytes { pread(file, $0.baseAddress, size, 0) }
        guard read > 0 else { return }
        updates += 1
        var done = 0
        while done < read {
            let n = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return write(terminal, base + done, read - done)
            }
            if n > 0 {
                done += n
                writes += 1
            } else if n < 0, errno == EINTR {
                continue
            } else if n < 0, errno == EAGAIN {
                var ready = pollfd(fd: terminal, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, 100)
            } else {
                return   // the terminal is gone; ncurses would have failed the same way
            }
        }
    }
}
