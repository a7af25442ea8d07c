import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One rejected line as it is written to the dead-letter file.
public struct DeadLetterEntry: Sendable, Equatable {
    public var source: String
    public var line: Int
    public var reason: String
    public var message: String
    /// The line's bytes (a prefix for oversized lines).
    public var raw: [UInt8]
    public var rawLength: Int

    public init(source: String, line: Int, reason: String, message: String, raw: [UInt8], rawLength: Int) {
        self.source = source
        self.line = line
        self.reason = reason
        self.message = message
        self.raw = raw
        self.rawLength = rawLength
    }
}

/// The dead-letter file: every rejected line, with its source, line number and reason, one
/// JSON object per line. A line that is valid UTF-8 without NUL bytes is kept as `raw`
/// text; anything else as `rawBase64`, so the file itself is always valid NDJSON.
///
/// Its length is stored with every committed batch; on open it is cut back to the last
/// committed length, so lines of a batch that never committed are not listed twice when
/// the source is read again after a crash.
public final class DeadLetterFile {
    public let path: String
    private let fd: Int32
    public private(set) var size: Int64

    public init(path: String, committedSize: Int64?) throws(StoreError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .file(path: path, doing: "cannot open dead-letter file", reason: String(cString: strerror(errno))) }
        self.fd = fd
        var info = stat()
        fstat(fd, &info)
        var length = Int64(info.st_size)
        if let committedSize, committedSize < length {
            guard ftruncate(fd, off_t(committedSize)) == 0 else {
                close(fd)
                throw .file(path: path, doing: "cannot cut back to \(committedSize) bytes", reason: String(cString: strerror(errno)))
            }
            length = committedSize
        }
        size = length
        lseek(fd, off_t(length), SEEK_SET)
    }

    deinit { close(fd) }

    /// Appends entries (written before the batch that covers their lines commits).
    public func append(_ entries: [DeadLetterEntry]) throws(StoreError) {
        guard !entries.isEmpty else { return }
        var out: [UInt8] = []
        for entry in entries { Self.encode(entry, to: &out) }
        var written = 0
        try out.withBytes { (bytes) throws(StoreError) in
            guard let base = bytes.baseAddress else { return }
            while written < bytes.count {
                let n = write(fd, base + written, bytes.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .file(path: path, doing: "cannot write dead letters", reason: String(cString: strerror(errno)))
                }
                written += n
            }
        }
        size += Int64(out.count)
    }

    static func encode(_ e: DeadLetterEntry, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"source":"#.utf8)
        JSONString.append(e.source, to: &out)
        out.append(contentsOf: #","line":"#.utf8)
        out.append(contentsOf: String(e.line).utf8)
        out.append(contentsOf: #","reason":"#.utf8)
        JSONString.append(e.reason, to: &out)
        out.append(contentsOf: #","message":"#.utf8)
        JSONString.append(e.message, to: &out)
        out.append(contentsOf: #","rawLength":"#.utf8)
        out.append(contentsOf: String(e.rawLength).utf8)
        if e.raw.count < e.rawLength { out.append(contentsOf: #","truncated":true"#.utf8) }
        if let text = String(validating: e.raw, as: UTF8.self), !e.raw.contains(0) {
            out.append(contentsOf: #","raw":"#.utf8)
            JSONString.append(text, to: &out)
        } else {
            out.append(contentsOf: #","rawBase64":""#.utf8)
            Base64.append(e.raw, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: "}\n".utf8)
    }
}

/// Standard base64 (RFC 4648) with padding.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func append(_ bytes: [UInt8], to out: inout [UInt8]) {
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(alphabet[Int(v & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let v = UInt32(bytes[i]) << 16
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(contentsOf: "==".utf8)
        } else if rest == 2 {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int(v >> 18 & 63)]); out.append(alphabet[Int(v >> 12 & 63)])
            out.append(alphabet[Int(v >> 6 & 63)]); out.append(UInt8(ascii: "="))
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
