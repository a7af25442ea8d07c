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
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= 65_536 { flush() }
    }

    /// Writes what is buffered (a closed reader, EPIPE, ends the writing quietly; `failure`
    /// says why).
    public func flush() {
        var done = 0
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while done < raw.count {
                let n = Glibc.write(fd, base + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    if failure == nil { failure = n < 0 ? errno : EIO }
                    return
                }
                done += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
