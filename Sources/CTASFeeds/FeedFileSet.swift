import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns the paths a user gives (files and directories) into the feed files to read, in the
/// order their records were written: a directory's logs (`*.log`, `*.json`, `*.ndjson`,
/// `*.csv`, `eve*.json`, gzip-compressed or not), oldest first by the time in a rotated
/// name (`conn.2026-11-20-15-00-00.log.gz` before `conn.log`), then by modification time.
public enum FeedFileSet {
    /// One file found, with what orders it.
    public struct File: Sendable, Equatable {
        public var path: String
        /// The log it belongs to (`conn` for `conn.2026-11-20-15-00-00.log.gz`).
        public var log: String
        /// The rotation time in its name, as digits (`20261120150000`), else nil (the live file,
        /// which comes last).
        public var rotation: String?
        public var modified: Int64
    }

    /// The files to read for `paths`; a file is itself, a directory is its feed files (not
    /// recursive). Throws naming a path that does not exist or holds no feed file.
    public static func expand(_ paths: [String]) throws(FeedError) -> [String] {
        var out: [String] = []
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                out.append(path)   // the reader reports it (no such file), with the others still read
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                out.append(path)
                continue
            }
            let files = try listing(path)
            guard !files.isEmpty else {
                throw FeedError.io(source: path, doing: "no feed file in the directory", reason: "expected *.log, *.json, *.ndjson, *.csv, gzipped or not")
            }
            out += files.map(\.path)
        }
        return out
    }

    /// A directory's feed files, oldest first.
    public static func listing(_ directory: String) throws(FeedError) -> [File] {
        guard let dir = opendir(directory) else {
            throw FeedError.io(source: directory, doing: "cannot list the directory", reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var files: [File] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix("."), isFeedName(name) else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            files.append(File(path: path, log: ZeekLogParser.path(fromFileName: name) ?? name, rotation: rotation(in: name),
                              modified: Int64(info.st_mtim.tv_sec)))
        }
        return files.sorted(by: order)
    }

    /// Oldest first: rotated files by the time in their names, the live file (no time) after
    /// them, then by modification time and name.
    static func order(_ a: File, _ b: File) -> Bool {
        switch (a.rotation, b.rotation) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.modified != b.modified { return a.modified < b.modified }
        return a.path < b.path
    }

    static func isFeedName(_ name: String) -> Bool {
        var base = name
        if base.hasSuffix(".gz") { base.removeLast(3) }
        return [".log", ".json", ".ndjson", ".jsonl", ".csv", ".eve"].contains { base.hasSuffix($0) }
    }

    /// The digits of a `YYYY-MM-DD[-HH[-MM[-SS]]]` or `YYYYMMDD…` stamp in a file name.
    static func rotation(in name: String) -> String? {
        let parts = name.split(separator: ".")
        for part in parts.dropFirst() {
            let digits = part.filter(\.isASCIIDigitCharacter)
            let separators = part.filter { $0 == "-" || $0 == "_" || $0 == ":" }
            guard digits.count >= 8, digits.count + separators.count == part.count else { continue }
            return String(digits)
        }
        return nil
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
