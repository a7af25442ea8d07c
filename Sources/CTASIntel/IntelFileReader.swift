import CTASCore
import CTASFeeds
import Foundation

/// Reads what `ctas intel import` is given: MISP event files, STIX 2.1 bundles (told apart
/// by their content), and MISP feed directories (`manifest.json` and one `<uuid>.json` per
/// event; `hashes.csv` is not needed, the events hold the values). Other directories are
/// read file by file (`*.json`).
public struct IntelFileReader {
    /// Files larger than this are refused (a MISP event or bundle is megabytes, not gigabytes).
    public static let maximumFileBytes = 512 << 20

    public init() {}

    /// Reads `path` file by file (a directory's files in order, a feed's events by the
    /// uuids its manifest lists), handing each file's batch to `body` as soon as it is read.
    public func forEachFile(in path: String, _ body: (IntelBatch) -> Void) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            var batch = IntelBatch()
            batch.problems.append(IntelProblem(file: path, path: "$", reason: .unreadable("no such file or directory")))
            body(batch)
            return
        }
        guard isDirectory.boolValue else {
            body(readFile(path))
            return
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        guard names.contains("manifest.json") else {
            for name in names where name.hasSuffix(".json") { body(readFile(path + "/" + name)) }
            return
        }
        // A MISP feed: the manifest lists the events by uuid.
        let manifest = path + "/manifest.json"
        var uuids: [String] = []
        switch contents(of: manifest) {
        case .failure(let problem):
            var batch = IntelBatch()
            batch.problems.append(problem)
            body(batch)
        case .success(let bytes):
            let parsed = bytes.withUnsafeBufferPointer { buffer -> Result<[String], LineProblem> in
                do throws(LineProblem) {
                    let tape = try JSONTape(parsing: buffer)
                    var keys: [String] = []
                    tape.forEachMember(JSONTape.root) { key, _ in keys.append(tape.key(key)) }
                    return .success(keys)
                } catch {
                    return .failure(error)
                }
            }
            switch parsed {
            case .success(let keys): uuids = keys
            case .failure(let error):
                var batch = IntelBatch()
                batch.problems.append(IntelProblem(file: manifest, path: "$", reason: .invalidJSON(error.message)))
                body(batch)
            }
        }
        for uuid in uuids.sorted() {
            guard uuid.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                var batch = IntelBatch()
                batch.problems.append(IntelProblem(file: manifest, path: "$." + uuid, reason: .notIntelligence(expected: "event uuids as keys")))
                body(batch)
                continue
            }
            body(readFile(path + "/" + uuid + ".json"))
        }
    }

    /// The file's bytes, or why they cannot be read.
    private func contents(of path: String) -> Result<[UInt8], IntelProblem> {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("cannot open")))
        }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard size <= Self.maximumFileBytes else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("larger than \(Self.maximumFileBytes >> 20) MiB")))
        }
        try? handle.seek(toOffset: 0)
        return .success([UInt8]((try? handle.readToEnd()) ?? Data()))
    }

    /// One file: a STIX bundle or MISP event JSON, told apart by its top-level keys.
    public func readFile(_ path: String) -> IntelBatch {
        var batch = IntelBatch()
        let bytes: [UInt8]
        switch contents(of: path) {
        case .failure(let problem):
            batch.problems.append(problem)
            return batch
        case .success(let read): bytes = read
        }
        return bytes.withUnsafeBufferPointer { buffer in
            IntelJSON.read(buffer, file: path) { tape, batch in
                if tape.member(JSONTape.root, "type").flatMap(tape.string) == "bundle" {
                    STIXBundleReader().read(tape, file: path, into: &batch)
                } else {
                    MISPEventReader().read(tape, file: path, into: &batch)
                }
            }
        }
    }
}
