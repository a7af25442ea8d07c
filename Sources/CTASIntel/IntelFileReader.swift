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

    public func read(path: String) -> IntelBatch {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            var batch = IntelBatch()
            batch.problems.append(IntelProblem(file: path, path: "$", reason: .unreadable("no such file or directory")))
            return batch
        }
        if isDirectory.boolValue { return readDirectory(path) }
        return readFile(path)
    }

    private func readDirectory(_ path: String) -> IntelBatch {
        var batch = IntelBatch()
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
        if names.contains("manifest.json") {
            // A MISP feed: the manifest lists the events by uuid.
            let manifest = path + "/manifest.json"
            var uuids: [String] = []
            switch contents(of: manifest) {
            case .failure(let problem): batch.problems.append(problem)
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
                case .failure(let error): batch.problems.append(IntelProblem(file: manifest, path: "$", reason: .invalidJSON(error.message)))
                }
            }
            for uuid in uuids.sorted() {
                guard uuid.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                    batch.problems.append(IntelProblem(file: manifest, path: "$." + uuid, reason: .notIntelligence(expected: "event uuids as keys")))
                    continue
                }
                batch.append(readFile(path + "/" + uuid + ".json"))
            }
            return batch
        }
        for name in names where name.hasSuffix(".json") {
            batch.append(readFile(path + "/" + name))
        }
        return batch
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
