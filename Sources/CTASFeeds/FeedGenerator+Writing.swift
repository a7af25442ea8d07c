import CTASCore

extension FeedGenerator {
    /// Writes `events` events (with the CSV header first when the format is CSV) to
    /// `output` in 1 MiB writes. A failed write (a full disk) ends the generation; the caller
    /// reads `output.failure`.
    public mutating func write(events: Int, to output: BufferedOutput) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        if options.format == .csv { buffer.append(contentsOf: Self.csvHeader.utf8) }
        for _ in 0..<events {
            appendNext(to: &buffer)
            if buffer.count >= 1 << 20 {
                output.write(buffer)
                buffer.removeAll(keepingCapacity: true)
                if output.failure != nil { return }
            }
        }
        output.write(buffer)
        output.flush()
    }
}
