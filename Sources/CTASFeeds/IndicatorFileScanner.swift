import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a file (or stdin) in pieces cut after a line break and hands each piece's
/// indicators on, with lines and offsets counted from the start of the file.
public enum IndicatorFileScanner {
    /// Why a file could not be read (its name is the caller's to add).
    public enum ReadError: Error, Sendable, CustomStringConvertible {
        case cannotOpen(reason: String)
        case isDirectory
        case readFailed(offset: Int, reason: String)

        public var description: String {
            switch self {
            case .cannotOpen(let reason): reason
            case .isDirectory: "is a directory"
            case .readFailed(let offset, let reason): "read failed at byte \(offset): \(reason)"
            }
        }
    }

    public static let chunkBytes = 4 << 20

    /// Scans `path` (`-` is standard input), handing each piece's indicators to `body`.
    public static func scan(path: String, _ body: ([ExtractedIndicator]) -> Void) throws(ReadError) {
        let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(reason: String(cString: strerror(errno))) }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory }
        let extractor = IndicatorExtractor()
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var filled = 0
        var line = 1
        var offset = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(offset: offset + filled, reason: String(cString: strerror(errno)))
            }
            let atEnd = n == 0
            filled += n
            // Scan up to the last line break (everything at the end of input). A full buffer
            // without one (binary data, one huge line) is cut after a byte that always
            // separates tokens, else where it ends: no indicator is megabytes long.
            var cut = filled
            if !atEnd {
                if let lastBreak = buffer[0..<filled].lastIndex(of: 0x0A) {
                    cut = lastBreak + 1
                } else if filled < buffer.count {
                    continue
                } else if let separator = buffer[0..<filled].lastIndex(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == 0x22 || $0 == 0x3C || $0 == 0x3E }) {
                    cut = separator + 1
                }
            }
            if cut > 0 {
                let found = buffer.withUnsafeBufferPointer { all in
                    extractor.extract(from: UnsafeBufferPointer(rebasing: all[0..<cut]), firstLine: line, offset: offset)
                }
                body(found)
                line += buffer[0..<cut].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                offset += cut
                buffer.removeSubrange(0..<cut)
                buffer.append(contentsOf: [UInt8](repeating: 0, count: cut))
                filled -= cut
            }
            if atEnd { return }
        }
    }
}
