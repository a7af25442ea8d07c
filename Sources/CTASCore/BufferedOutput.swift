#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file descriptor (standard output by default) with a buffer: one write per 64 KiB
/// instead of one per line, for commands that print millions of rows.
public final class BufferedOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far (flushed or not).
    public private(set) var written = 0
    /// The error (errno) that stopped the writing, if one did: a full disk, a closed reader.
    /// Commands that write files check it; one printing to a pipe may end quietly.
    public private(set) var failure: Int32?

    public init(fd: Int32 = 1) {
        self.fd = fd
        buffer.reserveCapacity(1 << 16)
    }

    deinit { flush() }

    public func write(_ text: String) { write(Array(text.utf8)) }

    public func write(_ bytes: [UInt8]) {
        guard failure == nil else { return }
        written += bytes.count
        // A large block goes out as it is (a generator's megabyte), not through the buffer.
        if buffer.isEmpty && bytes.count >= 65_536 {
            bytes.withUnsafeBytes { writeAll($0) }
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 65_536 { flush() }
    }

    /// Writes what is buffered (a closed reader, EPIPE, ends the writing quietly; `failure`
    /// says why).
    public func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `raw` whole, through short writes and interruptions; the first failure is kept
    /// in `failure` and ends this and every later write.
    private func writeAll(_ raw: UnsafeRawBufferPointer) {
        guard failure == nil, let base = raw.baseAddress else { return }
        var done = 0
        while done < raw.count {
            let n = Glibc.write(fd, base + done, raw.count - done)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                failure = n < 0 ? errno : EIO
                return
            }
            done += n
        }
    }
}

extension BufferedOutput {
    /// A file that could not be written whole: its path and the system's reason.
    public struct FileFailure: Error, CustomStringConvertible {
        public let path: String
        public let code: Int32
        public var description: String { "\(SafeText.sanitize(path)): cannot write: \(String(cString: strerror(code)))" }
    }

    /// Writes a file at `path` in place (created or truncated, never renamed over: the path
    /// may be a device, a FIFO or a link) with what `body` writes; `synced` flushes it to
    /// disk before it is closed. Throws when any of it failed: a full disk is an error, not a
    /// short file.
    public static func writeFile(atPath path: String, synced: Bool = false, _ body: (BufferedOutput) throws -> Void) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileFailure(path: path, code: errno) }
        let output = BufferedOutput(fd: fd)
        do {
            try body(output)
        } catch {
            close(fd)
            throw error
        }
        output.flush()
        var failure = output.failure
        if failure == nil && synced && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == nil { failure = errno }
        if let failure { throw FileFailure(path: path, code: failure) }
    }
}
