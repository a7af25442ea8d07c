import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a feed file from a position: once to its end (replay, ingest), or following it as
/// it grows (`follow`), surviving rotation (the path now names a new file: the old one is
/// read to its end first) and truncation (start again from the top).
public final class FileFeedReader: FeedReader {
    public let path: String
    public let follow: Bool
    public var name: String { path }
    public private(set) var identity: FileIdentity?
    public var canReposition: Bool { true }

    private var fd: Int32 = -1
    private var framer: LineFramer
    private var chunk: [UInt8]
    private var offset: Int64 = 0
    private var size: Int64 = 0
    private var generation = 0
    private var pass = 0
    private var needFirstLine = false
    private var pendingStart: SourcePosition?
    /// Bytes hashed for the fingerprint.
    public static let fingerprintBytes = 4096

    /// Opens `path` at `start`. Fails with a message naming the file when it cannot be read.
    public init(path: String, start: SourcePosition = .start, follow: Bool = false, chunkBytes: Int = 1 << 20) throws(FeedError) {
        self.path = path
        self.follow = follow
        framer = LineFramer(start: start)
        chunk = [UInt8](repeating: 0, count: chunkBytes)
        try openFile()
        try seek(to: start)
    }

    deinit { close() }

    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// Reads the identity of a file without opening it as a source (to check a checkpoint).
    public static func identity(of path: String) -> FileIdentity? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        return identity(fd: fd)
    }

    static func identity(fd: Int32, length: Int? = nil) -> FileIdentity? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        var head = [UInt8](repeating: 0, count: length ?? fingerprintBytes)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n >= 0 else { return nil }
        let hash = head.withUnsafeBufferPointer { FNV1a.hash(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        return FileIdentity(device: Int64(info.st_dev), inode: Int64(info.st_ino), fingerprint: hash, fingerprintLength: Int64(n))
    }

    /// Whether the file at `path` is the one a checkpoint describes (same inode, same first
    /// bytes, at least as long as the checkpoint's offset).
    public static func matches(path: String, device: Int64, inode: Int64, fingerprint: Int64, fingerprintLength: Int64, offset: Int64) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        guard let now = identity(fd: fd, length: Int(fingerprintLength)) else { return false }
        var info = stat()
        fstat(fd, &info)
        return now.device == device && now.inode == inode && now.fingerprint == fingerprint
            && now.fingerprintLength == fingerprintLength && Int64(info.st_size) >= offset
    }

    private func openFile() throws(FeedError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FeedError.io(source: path, doing: "cannot open feed", reason: errnoText()) }
        var info = stat()
        fstat(fd, &info)
        guard info.st_mode & S_IFMT != S_IFDIR else {
            Glibc.close(fd)
            throw FeedError.isDirectory(source: path)
        }
        close()
        self.fd = fd
        size = Int64(info.st_size)
        identity = Self.identity(fd: fd)
    }

    private func seek(to position: SourcePosition) throws(FeedError) {
        guard lseek(fd, off_t(position.offset), SEEK_SET) >= 0 else {
            throw FeedError.io(source: path, doing: "cannot seek to byte \(position.offset)", reason: errnoText())
        }
        offset = position.offset
        framer = LineFramer(start: position)
        needFirstLine = position.offset > 0
        pendingStart = position
    }

    public func reposition(to position: SourcePosition) throws(FeedError) {
        generation += 1
        try seek(to: position)
    }

    /// Starts the next loop pass from the top.
    public func rewindForNextPass() throws(FeedError) {
        generation += 1
        pass += 1
        try seek(to: .start)
    }

    public var progress: (done: Int64, total: Int64?) { (offset, size) }

    /// The generation the next batches carry (it increases on every reposition).
    public var currentGeneration: Int { generation }

    public func read(maxBytes: Int) throws(FeedError) -> ReadOutcome {
        var batch = LineBatch()
        batch.generation = generation
        batch.pass = pass
        if let start = pendingStart {
            batch.startedAt = start
            pendingStart = nil
        }
        if needFirstLine {
            batch.firstLineOfSource = firstLine()
            needFirstLine = false
        }
        let want = min(maxBytes, chunk.count)
        let n = chunk.withUnsafeMutableBytes { raw in
            while true {
                let r = Glibc.read(fd, raw.baseAddress, want)
                if r < 0 && errno == EINTR { continue }
                return r
            }
        }
        if n < 0 { throw FeedError.io(source: path, doing: "read failed at byte \(offset)", reason: errnoText()) }
        if n == 0 {
            return try atEndOfFile(batch)
        }
        offset += Int64(n)
        if offset > size { size = offset }
        batch.readAtNanos = MonotonicClock.nanoseconds()
        chunk.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &batch) }
        return .lines(batch)
    }

    private func atEndOfFile(_ batch: LineBatch) throws(FeedError) -> ReadOutcome {
        var batch = batch
        guard follow else {
            framer.finish(into: &batch)
            if !batch.lines.isEmpty {
                batch.readAtNanos = MonotonicClock.nanoseconds()
                return .lines(batch)
            }
            return .end
        }
        // Following: has the path been rotated to a new file, or truncated in place?
        var pathInfo = stat()
        var fdInfo = stat()
        fstat(fd, &fdInfo)
        if stat(path, &pathInfo) == 0 && (pathInfo.st_ino != fdInfo.st_ino || pathInfo.st_dev != fdInfo.st_dev) {
            framer.finish(into: &batch)   // the old file's last line, if unterminated
            try openFile()
            generation += 1
            try seek(to: .start)
            needFirstLine = false
            if !batch.lines.isEmpty { return .lines(batch) }
            return .idle
        }
        if Int64(fdInfo.st_size) < offset {
            try seek(to: .start)
            generation += 1
            size = Int64(fdInfo.st_size)
            return .idle
        }
        return batch.firstLineOfSource == nil ? .idle : .lines(batch)
    }

    /// The file's first line (up to 64 KiB), for a decoder starting past it.
    private func firstLine() -> [UInt8] {
        var head = [UInt8](repeating: 0, count: 65_536)
        let n = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return [] }
        let end = head[0..<n].firstIndex(of: 0x0A) ?? n
        var line = Array(head[0..<end])
        if line.last == 0x0D { line.removeLast() }
        return line
    }
}
