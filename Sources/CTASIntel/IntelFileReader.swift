import CTASCore
import CTASFeeds
import Foundation

/// Reads what `ctas intel import` is given: MISP event files, STIX 2.1 bundles (told apart
/// by their content), and MISP feed directories (`manifest.json` and one `<uuid>.json` per
/// event; `hashes.csv` is not needed, the events hold the values). Other directories are
/// read file by file (`*.json`), and their subdirectories likewise (a collection kept as one
/// directory per campaign or per source), hidden ones and linked ones aside; a directory
/// with nothing to read below it is a problem, not a silent import of nothing.
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
        var read = 0
        readDirectory(path, depth: 0, read: &read, body)
        if read == 0 {
            var batch = IntelBatch()
            batch.problems.append(IntelProblem(file: path, path: "$", reason: .notIntelligence(
                expected: "MISP event or STIX bundle files (*.json) or a MISP feed (manifest.json) in the directory or below it")))
            body(batch)
        }
    }

    /// Subdirectories followed at most this deep.
    static let maximumDepth = 16

    /// A directory: a MISP feed when it holds `manifest.json`, else its `*.json` files and
    /// then its subdirectories, each in name order; `read` counts the files handed on.
    private func readDirectory(_ path: String, depth: Int, read: inout Int, _ body: (IntelBatch) -> Void) {
        let listing = Self.listing(of: path)
        if let failure = listing.failure {
            // Said, not skipped: an import that leaves out a directory it cannot list would
            // look complete.
            read += 1
            var batch = IntelBatch()
            batch.problems.append(IntelProblem(file: path, path: "$", reason: .unreadable("cannot list the directory: \(failure)")))
            body(batch)
            return
        }
        if listing.isFeed {
            readFeed(path, read: &read, body)
            return
        }
        for file in listing.files {
            body(readFile(file))
            read += 1
        }
        guard depth < Self.maximumDepth else {
            if !listing.subdirectories.isEmpty {
                var batch = IntelBatch()
                batch.problems.append(IntelProblem(file: path, path: "$", reason: .unreadable(
                    "\(listing.subdirectories.count) subdirectories not read: deeper than \(Self.maximumDepth) levels below the directory imported")))
                body(batch)
            }
            return
        }
        for child in listing.subdirectories { readDirectory(child, depth: depth + 1, read: &read, body) }
    }

    /// What a directory holds for an import, in name order: whether it is a MISP feed, its
    /// `*.json` regular files, and the subdirectories to read (not hidden, not reached
    /// through a link, which could lead back up).
    /// `failure` says why a directory could not be listed (then nothing else is set).
    static func listing(of path: String) -> (isFeed: Bool, files: [String], subdirectories: [String], failure: String?) {
        guard let listed = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            // Foundation's error names no cause: the system's own reason, from opening it.
            guard let directory = opendir(path) else { return (false, [], [], String(cString: strerror(errno))) }
            closedir(directory)
            return (false, [], [], "the directory's entries could not be read")
        }
        let names = listed.sorted()
        var files: [String] = [], subdirectories: [String] = []
        for name in names where !name.hasPrefix(".") {
            let child = path + "/" + name
            var status = stat()
            guard lstat(child, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                subdirectories.append(child)
            } else if name.hasSuffix(".json") {
                // Regular files only (a link is followed to one): a pipe named `x.json` in a
                // collection would hold the import until something wrote to it.
                var target = stat()
                if stat(child, &target) == 0, (target.st_mode & S_IFMT) == S_IFREG { files.append(child) }
            }
        }
        return (names.contains("manifest.json"), files, subdirectories, nil)
    }

    /// The `*.json` files an import of `path` reads or may read (a feed's every file), as
    /// `forEachFile` walks them.
    public static func jsonFiles(under path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        var out: [String] = []
        func walk(_ directory: String, depth: Int) {
            let listing = listing(of: directory)
            out += listing.files
            guard !listing.isFeed, depth < maximumDepth else { return }
            for child in listing.subdirectories { walk(child, depth: depth + 1) }
        }
        walk(path, depth: 0)
        return out
    }

    /// A MISP feed: the manifest lists the events by uuid.
    private func readFeed(_ path: String, read: inout Int, _ body: (IntelBatch) -> Void) {
        let manifest = path + "/manifest.json"
        read += 1
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

    /// The file's bytes, or why they cannot be read: read straight into the array (through
    /// `Data` they were copied once more, and the copy's pages faulted in anew each file).
    private func contents(of path: String) -> Result<[UInt8], IntelProblem> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("cannot open")))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) != S_IFDIR else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("a directory where a file was expected")))
        }
        // A pipe or device says 0 and is read in pieces below.
        let size = (status.st_mode & S_IFMT) == S_IFREG ? Int(clamping: max(0, status.st_size)) : 0
        guard size <= Self.maximumFileBytes else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("larger than \(Self.maximumFileBytes >> 20) MiB")))
        }
        var failed = false
        // One byte more than the size says: a file that grew meanwhile is read to its end.
        var bytes = [UInt8](unsafeUninitializedCapacity: size + 1) { buffer, count in
            count = 0
            while let base = buffer.baseAddress, count < buffer.count {
                let n = read(descriptor, base + count, buffer.count - count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true }
                if n <= 0 { break }
                count += n
            }
        }
        while !failed && bytes.count > size {
            // Grown past its size at open: the rest in pieces, within the same limit.
            var piece = [UInt8](repeating: 0, count: 1 << 16)
            let n = piece.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { failed = true }
            if n <= 0 { break }
            bytes += piece[0..<n]
            guard bytes.count <= Self.maximumFileBytes else {
                return .failure(IntelProblem(file: path, path: "$", reason: .unreadable("larger than \(Self.maximumFileBytes >> 20) MiB")))
            }
        }
        guard !failed else {
            return .failure(IntelProblem(file: path, path: "$", reason: .unreadable(String(cString: strerror(errno)))))
        }
        return .success(bytes)
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
