import CTASStore
import Foundation
import Testing
import CTASTestSupport

/// A blob read in pieces comes back whole and in order, whatever the piece size; a reader
/// that stops early stops the read; a row that is not there is an error, not a crash.
@Suite struct BlobReadingTests {
    @Test func blobsComeBackWholeInPiecesOfAnySize() throws {
        let path = Scratch.path("blob") + ".sqlite"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE b(body BLOB NOT NULL)")
        let body = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
        let insert = try database.prepare("INSERT INTO b(body) VALUES (?)")
        insert.bind(blob: body, at: 1)
        _ = try insert.step()
        let rowid = try #require(try database.scalar("SELECT rowid FROM b"))
        for piece in [1, 3, 4_096, 65_536, 100_000, 1 << 20] {
            var read: [UInt8] = []
            var told = -1
            let whole = try database.readBlob(table: "b", column: "body", rowid: rowid, piece: piece, start: { told = $0 }) { read += $0; return true }
            #expect(whole && read == body && told == body.count, "pieces of \(piece)")
        }
        var pieces = 0
        let stopped = try database.readBlob(table: "b", column: "body", rowid: rowid, piece: 1_000) { _ in pieces += 1; return pieces < 3 }
        #expect(!stopped && pieces == 3)
        #expect(throws: StoreError.self) { try database.readBlob(table: "b", column: "body", rowid: rowid + 1) { _ in true } }
        #expect(throws: StoreError.self) { try database.readBlob(table: "nope", column: "body", rowid: rowid) { _ in true } }
    }
}
