import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a feed file from a position: once to its end (replay, ingest), or following it as
/// it grows (`follow`), surviving rotation (the path now names a new file: the old one is
/// read to its end first) and truncation (start again from the top).
///
/// A gzip file (by its magic number) is inflated as it is read; positions then count
/// uncompressed bytes, and a resume inflates again from the top up to the checkpoint. A file
/// holding one JSON array is framed element by element instead of line by line.
public final class FileFeedReader: FeedReader {
    public let path: String
    public let follow: Bool
    public var name: String { path }
    public private(set) var identity: FileIdentity?
    public var canReposition: Bool { true }
    /// Whether the file is gzip-compressed.
    public private(set) var compressed = false

    private var fd: Int32 = -1
    private var framer: RecordFramer
    /// The layout the file's first bytes showed, when reading resumed past the top.
    private var resumedLayout: RecordLayout?
    /// The read buffer, allocated on the first read and freed at the end (a directory of
    /// hundreds of logs opens them all, but reads a few at a time).
    private var chunk: [UInt8] = []
    private let chunkBytes: Int
    private var offset: Int64 = 0
    private var size: Int64 = 0
    private var generation = 0
    private var pass = 0
    private var needContext = false
    private var pendingStart: SourcePosition?
    /// Gzip: the inflater, the compressed bytes read so far and not yet inflated, the
    /// uncompressed bytes still to discard before the start position, and the file offset.
    private var gzip: GzipStream?
    private var compressedPending: [UInt8] = []
    private var compressedOffset: Int64 = 0
    private var discard: Int64 = 0
    private var truncationReported = false
    /// Bytes hashed for the fingerprint.
    public static let fingerprintBytes = 4096

    /// Opens `path` at `start`. Fails with a message naming the file when it cannot be read.
    public init(path: String, start: SourcePosition = .start, follow: Bool = false, chunkBytes: Int = 1 << 20) throws(FeedError) {
        self.path = path
        self.follow = follow
        framer = RecordFramer(start: start)
        self.chunkBytes = chunkBytes
        try openFile()
        if compressed && follow { throw FeedError.io(source: path, doing: "cannot follow", reason: "the file is gzip-compressed; follow the uncompressed log") }
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
    /// bytes, and — uncompressed — at least as long as the checkpoint's offset).
    public static func matches(path: String, device: Int64, inode: Int64, fingerprint: Int64, fingerprintLength: Int64, offset: Int64) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        guard let now = identity(fd: fd, length: Int(fingerprintLength)) else { return false }
        var info = stat()
        fstat(fd, &info)
        var magic: [UInt8] = [0, 0]
        let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        let gzip = n == 2 && magic.withUnsafeBufferPointer { GzipStream.isGzip($0) }
        return now.device == device && now.inode == inode && now.fingerprint == fingerprint
            && now.fingerprintLength == fingerprintLength && (gzip || Int64(info.st_size) >= offset)
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
        var magic: [UInt8] = [0, 0]
        let n = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) }
        compressed = n == 2 && magic.withUnsafeBufferPointer { GzipStream.isGzip($0) }
        if compressed && size >= 4 {
            var trailer: [UInt8] = [0, 0, 0, 0]
            if trailer.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 4, off_t(size - 4)) }) == 4 {
                uncompressedSize = Int64(trailer[0]) | Int64(trailer[1]) << 8 | Int64(trailer[2]) << 16 | Int64(trailer[3]) << 24
            }
        }
    }

    private func seek(to position: SourcePosition) throws(FeedError) {
        if compressed {
            // Inflate again from the top, discarding up to the position.
            guard lseek(fd, 0, SEEK_SET) >= 0 else {
                throw FeedError.io(source: path, doing: "cannot seek to the start", reason: errnoText())
            }
            do throws(GzipStream.Failure) {
                if let gzip { try gzip.reset() } else { gzip = try GzipStream() }
            } catch {
                if case .corrupt(let why) = error { throw FeedError.corrupt(source: path, offset: 0, problem: why) }
            }
            compressedPending.removeAll()
            compressedOffset = 0
            discard = position.offset
            truncationReported = false
        } else {
            guard lseek(fd, off_t(position.offset), SEEK_SET) >= 0 else {
                throw FeedError.io(source: path, doing: "cannot seek to byte \(position.offset)", reason: errnoText())
            }
        }
        offset = position.offset
        resumedLayout = position.offset > 0 ? initialLayout() : nil
        framer = RecordFramer(start: position, layout: resumedLayout)
        needContext = position.offset > 0
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

    /// Read progress in the bytes positions count (uncompressed): a gzip file's total is the
    /// uncompressed size its trailer states (exact for one member under 4 GiB, an estimate
    /// otherwise), so progress and ETA agree with the checkpoints.
    public var progress: (done: Int64, total: Int64?) { compressed ? (offset, max(uncompressedSize, offset)) : (offset, size) }
    private var uncompressedSize: Int64 = 0

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
        if needContext {
            batch.context = sourceContext(before: offset)
            needContext = false
        }
        if chunk.isEmpty { chunk = [UInt8](repeating: 0, count: chunkBytes) }
        let want = min(maxBytes, chunk.count)
        let n: Int
        if compressed {
            n = try readInflated(want, into: &batch)
            if n < 0 { return batch.lines.isEmpty && batch.problems.isEmpty ? .end : .lines(batch) }
        } else {
            n = chunk.withUnsafeMutableBytes { raw in
                while true {
                    let r = Glibc.read(fd, raw.baseAddress, want)
                    if r < 0 && errno == EINTR { continue }
                    return r
                }
            }
            if n < 0 { throw FeedError.io(source: path, doing: "read failed at byte \(offset)", reason: errnoText()) }
        }
        if n == 0 {
            return try atEndOfFile(batch)
        }
        offset += Int64(n)
        if !compressed && offset > size { size = offset }
        batch.readAtNanos = MonotonicClock.nanoseconds()
        chunk.withUnsafeBufferPointer { framer.frame(UnsafeBufferPointer(rebasing: $0[0..<n]), into: &batch) }
        return .lines(batch)
    }

    /// Inflates up to `want` bytes into `chunk` (skipping what a resume discards); 0 at the
    /// end of the file; −1 when the stream is corrupt or cut off (reported once as a reject,
    /// the lines before it kept).
    private func readInflated(_ want: Int, into batch: inout LineBatch) throws(FeedError) -> Int {
        guard let gzip, !truncationReported else { return 0 }   // after a corrupt stream: the end
        while true {
            if compressedPending.isEmpty {
                var input = [UInt8](repeating: 0, count: 256 << 10)
                let r = input.withUnsafeMutableBytes { raw in
                    while true {
                        let r = Glibc.read(fd, raw.baseAddress, raw.count)
                        if r < 0 && errno == EINTR { continue }
                        return r
                    }
                }
                if r < 0 { throw FeedError.io(source: path, doing: "read failed at compressed byte \(compressedOffset)", reason: errnoText()) }
                if r == 0 {
                    if !gzip.atMemberEnd && !truncationReported && (compressedOffset > 0 || offset > 0) {
                        reportGzipProblem("gzip stream ends before its last member is complete (a truncated or partly written file)", into: &batch)
                        return -1
                    }
                    return 0
                }
                compressedPending = Array(input[0..<r])
            }
            let step: GzipStream.Step
            do throws(GzipStream.Failure) {
                step = try compressedPending.withUnsafeBufferPointer { input throws(GzipStream.Failure) in
                    try chunk.withUnsafeMutableBufferPointer { output throws(GzipStream.Failure) in
                        try gzip.inflate(input, into: UnsafeMutableBufferPointer(rebasing: output[0..<want]))
                    }
                }
            } catch {
                if case .corrupt(let why) = error { reportGzipProblem("corrupt gzip data at compressed byte \(compressedOffset): \(why)", into: &batch) }
                return -1
            }
            compressedOffset += Int64(step.consumed)
            compressedPending.removeFirst(step.consumed)
            if step.produced == 0 { continue }
            if discard > 0 {
                let skip = Int(min(discard, Int64(step.produced)))
                discard -= Int64(skip)
                if skip < step.produced {
                    chunk.withUnsafeMutableBufferPointer { b in
                        guard let base = b.baseAddress else { return }
                        base.update(from: base + skip, count: step.produced - skip)
                    }
                    return step.produced - skip
                }
                continue
            }
            return step.produced
        }
    }

    /// A corrupt or truncated gzip stream: a reject naming where, after the lines read so far
    /// (the last, cut-off line among them is handed on and rejected by its parser).
    private func reportGzipProblem(_ message: String, into batch: inout LineBatch) {
        truncationReported = true
        framer.finish(into: &batch)
        let position = framer.completedPosition
        let problem = LineProblem("truncated_gzip", message + "; expected a complete gzip file")
        batch.problems.append(Rejection(line: position.line + 1, endOffset: offset, problem: problem, raw: [], rawLength: 0))
        batch.readAtNanos = MonotonicClock.nanoseconds()
    }

    private func atEndOfFile(_ batch: LineBatch) throws(FeedError) -> ReadOutcome {
        var batch = batch
        guard follow else {
            framer.finish(into: &batch)
            if !batch.lines.isEmpty || !batch.problems.isEmpty {
                batch.readAtNanos = MonotonicClock.nanoseconds()
                return .lines(batch)
            }
            chunk = []
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
            needContext = false
            if !batch.lines.isEmpty { return .lines(batch) }
            return .idle
        }
        if Int64(fdInfo.st_size) < offset {
            try seek(to: .start)
            generation += 1
            size = Int64(fdInfo.st_size)
            return .idle
        }
        return batch.context == nil ? .idle : .lines(batch)
    }

    // MARK: context for a decoder starting past the top

    /// The file's first line and the `#` header lines before `end` (a Zeek header block), read
    /// separately from the source's own position (64 KiB of first line, 1 MiB of headers).
    private func sourceContext(before end: Int64) -> SourceContext {
        var context = SourceContext()
        var current: [UInt8] = []
        var first = true
        var headerBytes = 0
        let separatorDirective = Array("#separator".utf8)
        forEachPrefixByte(upTo: end) { byte in
            if byte == 0x0A {
                if current.last == 0x0D { current.removeLast() }
                if first {
                    context.firstLine = current
                    first = false
                }
                if current.first == UInt8(ascii: "#") {
                    // A `#separator` line starts a new block: the previous one no longer applies.
                    if current.starts(with: separatorDirective) {
                        context.headerLines.removeAll()
                        headerBytes = 0
                    }
                    if headerBytes < 1 << 20 {
                        context.headerLines.append(current)
                        headerBytes += current.count
                    }
                }
                current.removeAll(keepingCapacity: true)
            } else if first || current.first == UInt8(ascii: "#") || current.isEmpty {
                if current.count < 65_536 { current.append(byte) }
            }
            return true
        }
        if first { context.firstLine = current }
        if let layout = resumedLayout, layout != .lines { context.firstLine = firstValue(layout, before: end) }
        return context
    }

    /// How the file's records are laid out, from its first bytes (lines when its first
    /// megabyte does not tell).
    private func initialLayout() -> RecordLayout {
        var sniffer = RecordLayout.Sniffer()
        forEachPrefixByte(upTo: Int64(LineFramer.defaultMaxLineBytes)) { byte in sniffer.feed(byte) == nil }
        return sniffer.decision ?? .lines
    }

    /// The file's first JSON value (its first 64 KiB), framed as `layout` says: what tells a
    /// decoder resuming in an array or a stream of pretty-printed values its format.
    private func firstValue(_ layout: RecordLayout, before end: Int64) -> [UInt8] {
        let limit = 65_536
        var framer = JSONValueFramer(layout == .array ? .array : .stream, maxLineBytes: limit)
        var batch = LineBatch()
        var pending: [UInt8] = []
        forEachPrefixByte(upTo: end) { byte in
            pending.append(byte)
            guard pending.count == 4096 else { return true }
            pending.withUnsafeBufferPointer { framer.frame($0, into: &batch) }
            pending.removeAll(keepingCapacity: true)
            return batch.lines.isEmpty
        }
        if batch.lines.isEmpty {
            pending.withUnsafeBufferPointer { framer.frame($0, into: &batch) }
            framer.finish(into: &batch)
        }
        guard let span = batch.lines.first else { return [] }
        return Array(batch.buffer[span.start..<(span.start + span.count)])
    }

    /// Calls `body` with the file's (uncompressed) bytes from the top up to `end`, until it
    /// returns false; reads with its own descriptor position (pread) and its own inflater.
    private func forEachPrefixByte(upTo end: Int64, _ body: (UInt8) -> Bool) {
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        var done: Int64 = 0
        var fileOffset: Int64 = 0
        let inflater = compressed ? try? GzipStream() : nil
        var output = [UInt8](repeating: 0, count: 256 << 10)
        while done < end {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(fileOffset)) }
            guard n > 0 else { return }
            fileOffset += Int64(n)
            var bytes = ArraySlice(buffer[0..<n])
            if let inflater {
                var produced: [UInt8] = []
                var input = Array(bytes)
                while !input.isEmpty {
                    guard let step = try? input.withUnsafeBufferPointer({ i throws(GzipStream.Failure) in
                        try output.withUnsafeMutableBufferPointer { o throws(GzipStream.Failure) in try inflater.inflate(i, into: o) }
                    }) else { return }
                    produced += output[0..<step.produced]
                    input.removeFirst(step.consumed)
                    if step.consumed == 0 && step.produced == 0 { break }
                }
                bytes = ArraySlice(produced)
            }
            for byte in bytes {
                guard done < end else { return }
                done += 1
                if !body(byte) { return }
            }
        }
    }
}

/// What a decoder starting past the top of a source needs from before its start: the first
/// line (format detection, the CSV header) and the header lines (a Zeek header block).
public struct SourceContext: Sendable, Equatable {
    public var firstLine: [UInt8] = []
    public var headerLines: [[UInt8]] = []

    public init(firstLine: [UInt8] = [], headerLines: [[UInt8]] = []) {
        self.firstLine = firstLine
        self.headerLines = headerLines
    }
}
