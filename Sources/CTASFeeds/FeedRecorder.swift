import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Appends accepted events to a file in the native NDJSON format (`--record FILE`), so a
/// session can be replayed later exactly as it was accepted.
public final class FeedRecorder {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    public private(set) var recorded = 0

    public init(path: String) throws(FeedError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FeedError.io(source: path, doing: "cannot open for recording", reason: errnoText()) }
        self.fd = fd
    }

    deinit { close(fd) }

    public func record(_ events: [Event]) throws(FeedError) {
        guard !events.isEmpty else { return }
        buffer.removeAll(keepingCapacity: true)
        for e in events { NDJSONEventWriter.append(e, to: &buffer) }
        try writeAll()
        recorded += events.count
    }

    private func writeAll() throws(FeedError) {
        var written = 0
        let total = buffer.count
        let failure: String? = buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return nil }
            while written < total {
                let n = write(fd, base + written, total - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errnoText()
                }
                written += n
            }
            return nil
        }
        if let failure { throw FeedError.io(source: path, doing: "cannot record", reason: failure) }
    }

    /// Flushes to disk (at the end of a session).
    public func sync() { fsync(fd) }
}
