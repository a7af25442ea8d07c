import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a read produced.
public enum ReadOutcome: Sendable {
    /// Complete lines (possibly none, when only a partial line arrived).
    case lines(LineBatch)
    /// Nothing right now; a following or live source will have more later.
    case idle
    /// The source has ended.
    case end
}

/// Identifies a file across runs: a restart resumes only the same file.
public struct FileIdentity: Sendable, Equatable {
    public var device: Int64
    public var inode: Int64
    public var fingerprint: Int64
    public var fingerprintLength: Int64

    public init(device: Int64, inode: Int64, fingerprint: Int64, fingerprintLength: Int64) {
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
    }
}

/// A source of feed bytes, read in chunks and framed into lines. Readers block (briefly,
/// with timeouts) and are driven from a dedicated thread by the engine's source stage.
public protocol FeedReader: AnyObject {
    /// A name for messages and metrics (the path, `stdin`, `udp://…`).
    var name: String { get }
    /// Whether a lost batch can be waited for; false for live sources that count drops.
    var canWait: Bool { get }
    /// Reads what is available (up to roughly `maxBytes`).
    func read(maxBytes: Int) throws(FeedError) -> ReadOutcome
    /// Bytes read so far and the total when known (progress, ETA).
    var progress: (done: Int64, total: Int64?) { get }
    /// Moves to a position (seek, loop); nil when the source cannot.
    func reposition(to position: SourcePosition) throws(FeedError)
    var canReposition: Bool { get }
    /// The file identity to store with checkpoints; nil for sources that cannot resume.
    var identity: FileIdentity? { get }
    func close()
}

extension FeedReader {
    public var canWait: Bool { true }
}

/// Text of the current `errno`.
func errnoText() -> String { String(cString: strerror(errno)) }

/// Reads from a file descriptor with a poll timeout, so a quiet pipe never wedges shutdown.
func readAvailable(fd: Int32, into buffer: inout [UInt8], timeoutMilliseconds: Int32) -> Int {
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let ready = poll(&pfd, 1, timeoutMilliseconds)
    if ready == 0 { return -2 }   // timed out
    if ready < 0 { return errno == EINTR ? -2 : -1 }
    return buffer.withUnsafeMutableBytes { raw in
        while true {
            let n = Glibc.read(fd, raw.baseAddress, raw.count)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }
}
