/// Appends bytes through a pointer into memory the caller sized beforehand, for text built
/// per record on hot paths (a Zeek row's original JSON): no capacity or uniqueness check per
/// append, which an array pays on every call. The caller guarantees the room; `count` says
/// how much was written.
struct ByteWriter {
    private let base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) { self.base = base }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        (base + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append($0) }
    }

    /// JSON string escaping of already-decoded bytes (control characters as `\u00XX`, so at
    /// most six bytes per byte); bytes that need none are copied whole.
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        if !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0x7F }) {
            append(bytes)
            return
        }
        let hex: StaticString = "0123456789abcdef"
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x0A: append(#"\n"#)
            case 0x09: append(#"\t"#)
            case 0x0D: append(#"\r"#)
            case 0..<0x20, 0x7F:
                append(#"\u00"#)
                append(hex.utf8Start[Int(b >> 4)])
                append(hex.utf8Start[Int(b & 0xF)])
            default: append(b)
            }
        }
    }

    /// Runs `body` with a writer over `buffer`, grown (zero-filled) to at least `room` bytes
    /// first; returns what `body` returns and the count written.
    static func writing<R>(into buffer: inout [UInt8], room: Int, _ body: (inout ByteWriter) -> R) -> (R, Int) {
        if buffer.count < room { buffer = [UInt8](repeating: 0, count: room) }
        return buffer.withUnsafeMutableBufferPointer { all in
            // `room` is at least 1 below, so the buffer has storage.
            guard let base = all.baseAddress else { preconditionFailure("ByteWriter: a buffer with no storage") }
            var writer = ByteWriter(base)
            let result = body(&writer)
            precondition(writer.count <= all.count, "ByteWriter: wrote past the room asked for")
            return (result, writer.count)
        }
    }
}
