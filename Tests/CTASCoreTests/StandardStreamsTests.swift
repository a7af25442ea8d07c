@testable import CTASCore
import Foundation
import Testing

/// Writes to the standard streams: whole through a full pipe's short writes, and dropped, not
/// trapped, when the other end cannot take them.
@Suite struct StandardStreamsTests {
    @Test func aLongTextArrivesWholeThroughAPipe() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let text = (0..<40_000).map { "line \($0) — ünïcode\n" }.joined()
        // The reader drains concurrently, to the end of the stream. A pipe holds 64 KiB and
        // this end does not block, so the writer goes in short writes and waits for room.
        _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        let received = Locked([UInt8]())
        let ended = DispatchSemaphore(value: 0)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received.withLock { $0.append(contentsOf: buffer[..<n]) }
            }
            ended.signal()
        }
        reader.start()
        StandardStreams.write(text, to: writeEnd)
        close(writeEnd)
        #expect(ended.wait(timeout: .now() + 30) == .success, "the reader saw the end")
        close(readEnd)
        let bytes = received.withLock { $0 }
        #expect(bytes.count == text.utf8.count)
        let same = bytes == Array(text.utf8)   // compared outside the macro: a megabyte per side would be printed
        #expect(same, "the bytes read differ from those written")
    }

    @Test func aWriteNobodyCanTakeIsDropped() {
        // A descriptor that is not open (EBADF): the call returns; trapping would end the test run.
        StandardStreams.write("nobody reads this\n", to: -1)
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { Issue.record("no pipe"); return }
        close(ends[1])
        StandardStreams.write("closed\n", to: ends[1])   // EBADF again, after a close
        close(ends[0])
    }
}
