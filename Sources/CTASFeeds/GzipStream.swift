import CZlib

/// Inflates a gzip file as it is read (zlib, streaming, any number of concatenated members as
/// `cat a.gz b.gz` and log rotators make), so compressed logs are read directly with a fixed
/// amount of memory.
final class GzipStream {
    private var stream = z_stream()
    private var open = false
    /// The stream has ended cleanly after a member (more members may follow).
    private(set) var atMemberEnd = false

    /// What one call did.
    struct Step {
        var consumed: Int
        var produced: Int
    }

    /// Why inflating stopped.
    enum Failure: Error {
        case corrupt(String)
    }

    init() throws(Failure) { try start() }

    deinit { if open { inflateEnd(&stream) } }

    private func start() throws(Failure) {
        stream = z_stream()
        let rc = cz_inflate_init_gzip(&stream)
        guard rc == Z_OK else { throw .corrupt("cannot start inflating (zlib \(rc))") }
        open = true
        atMemberEnd = false
    }

    /// Starts over (a seek: the caller reads the file again from its first byte).
    func reset() throws(Failure) {
        if open { inflateEnd(&stream) }
        open = false
        try start()
    }

    /// Inflates from `input` into `output`; returns how much of each was used. Throws for
    /// bytes that are not gzip or fail their checks.
    func inflate(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) throws(Failure) -> Step {
        guard let inBase = input.baseAddress, let outBase = output.baseAddress, input.count > 0, output.count > 0 else {
            return Step(consumed: 0, produced: 0)
        }
        if atMemberEnd {
            // Another member follows the one that ended: start it.
            guard inflateReset(&stream) == Z_OK else { throw .corrupt("cannot start the next gzip member") }
            atMemberEnd = false
        }
        stream.next_in = UnsafeMutablePointer(mutating: inBase)
        stream.avail_in = UInt32(min(input.count, Int(UInt32.max)))
        stream.next_out = outBase
        stream.avail_out = UInt32(min(output.count, Int(UInt32.max)))
        let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.avail_in)
        let produced = output.count - Int(stream.avail_out)
        switch rc {
        case Z_OK, Z_BUF_ERROR:
            break
        case Z_STREAM_END:
            atMemberEnd = true
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            throw .corrupt(message)
        }
        return Step(consumed: consumed, produced: produced)
    }

    /// Whether the bytes start with the gzip magic number.
    static func isGzip(_ head: UnsafeBufferPointer<UInt8>) -> Bool {
        head.count >= 2 && head[0] == 0x1F && head[1] == 0x8B
    }
}
