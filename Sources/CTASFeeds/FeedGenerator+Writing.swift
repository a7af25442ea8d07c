import Foundation

extension FeedGenerator {
    /// Writes `events` events (with the CSV header first when the format is CSV) to
    /// `handle` in 1 MiB writes.
    public mutating func write(events: Int, to handle: FileHandle) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 21)
        if options.format == .csv { buffer.append(contentsOf: Self.csvHeader.utf8) }
        for _ in 0..<events {
            appendNext(to: &buffer)
            if buffer.count >= 1 << 20 {
                handle.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        handle.write(Data(buffer))
    }
}
