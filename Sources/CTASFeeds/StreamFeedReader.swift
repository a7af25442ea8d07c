import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a stream that cannot seek or resume, such as standard input or a pipe. Waits in
/// short polls so shutdown is never stuck behind a quiet producer.
public final class StreamFeedReader: FeedReader {
    public let name: String
    private let fd: Int32
    private var framer = RecordFramer()
    private var chunk: [UInt8]
    private var bytesRead: Int64 = 0
    private var ended = false
    public var canReposition: Bool { false }
    public var identity: FileIdentity? { nil }

    private var ownsDescriptor = false

    public init(fd: Int32 = 0, name: String = "stdin", chunkBytes: Int = 1 << 20) {
        self.fd = fd
        self.name = name
        chunk = [UInt8](repeating: 0, count: chunkBytes)
    }

    /// Opens a named pipe (or any path that is not a regular file, such as `/dev/fd/63` from
    /// a shell's process substitution) to read it as a stream.
    public convenience init(path: String, chunkBytes: Int = 1 << 20) throws(FeedError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FeedError.io(source: path, doing: "cannot open feed", reason: errnoText()) }
        self.init(fd: fd, name: path, chunkBytes: chunkBytes)
        ownsDescriptor = true
    }

    /// Whether `path` names something that cannot seek (a FIFO, a socket, a character
    /// device): it is read once, like standard input.
    public static func isStream(path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFSOCK || type == S_IFCHR
    }

    public func close() {
        if ownsDescriptor, fd >= 0 { Glibc.close(fd) }
        ownsDescriptor = false
    }

    public var progress: (done: Int64, total: Int64?) { (bytesRead, nil) }

    public func reposition(to position: SourcePosition) throws(FeedError) {
        throw FeedError.cannotSeek(source: name, kind: "a stream")
    }

    public func read(maxBytes: Int) throws(FeedError) -> ReadOutcome {
        if ended { return .end }
        let n = readAvailable(fd: fd, into: &chunk, timeoutMilliseconds: 200)
        if n == -2 { return .idle }
        if n < 0 { throw FeedError.io(source: name, doing: "read failed", reason: errnoText()) }
        var batch = LineBatch()
        if n == 0 {
            ended = true
            framer.finish(into: &batch)
            guard !batch.lines.isEmpty else { return .end }
        } else {
            bytesRead += Int64(n)
            chunk.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &batch) }
        }
        batch.readAtNanos = MonotonicClock.nanoseconds()
        return .lines(batch)
    }
}

/// Receives feed lines as UDP datagrams (one or more lines each). A live source: it cannot
/// make senders wait, so when the pipeline is full its batches are dropped and counted.
public final class DatagramFeedReader: FeedReader {
    public let name: String
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 65_536)
    private var received: Int64 = 0
    private var lineNumber = 0
    public var canWait: Bool { false }
    public var canReposition: Bool { false }
    public var identity: FileIdentity? { nil }
    /// The port actually bound (useful when asked for port 0).
    public let port: UInt16

    /// Binds `host:port` (IPv4). Tests and the demo use 127.0.0.1.
    public init(host: String, port: UInt16) throws(FeedError) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw FeedError.io(source: "udp://\(host):\(port)", doing: "cannot create socket", reason: errnoText()) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            Glibc.close(fd)
            throw FeedError.badAddress(source: "udp://\(host):\(port)", problem: "'\(host)' is not an IPv4 address")
        }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let reason = errnoText()
            Glibc.close(fd)
            throw FeedError.io(source: "udp://\(host):\(port)", doing: "cannot bind", reason: reason)
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: bound.sin_port)
        self.name = "udp://\(host):\(self.port)"
    }

    deinit { Glibc.close(fd) }
    public func close() {}

    public var progress: (done: Int64, total: Int64?) { (received, nil) }

    public func reposition(to position: SourcePosition) throws(FeedError) {
        throw FeedError.cannotSeek(source: name, kind: "a live socket")
    }

    public func read(maxBytes: Int) throws(FeedError) -> ReadOutcome {
        var batch = LineBatch()
        var first = true
        // Drain what is queued (up to maxBytes), waiting briefly only for the first datagram.
        while batch.buffer.count < maxBytes {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, first ? 200 : 0)
            first = false
            guard ready > 0 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FeedError.io(source: name, doing: "receive failed", reason: errnoText())
            }
            received += Int64(n)
            // A datagram ends its last line even without a newline.
            var framer = LineFramer(start: SourcePosition(offset: received - Int64(n), line: lineNumber))
            buffer.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &batch) }
            framer.finish(into: &batch)
            lineNumber = framer.completedPosition.line
        }
        guard !batch.lines.isEmpty else { return .idle }
        batch.readAtNanos = MonotonicClock.nanoseconds()
        return .lines(batch)
    }
}
