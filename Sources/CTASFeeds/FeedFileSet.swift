import CTASCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns the paths a user gives (files and directories) into the feed files to read, in the
/// order their records were written: a directory's logs (`*.log`, `*.json`, `*.ndjson`,
/// `*.csv`, `eve*.json`, gzip-compressed or not, and their rotated forms), its
/// subdirectories' too, oldest first by the time in a rotated name
/// (`conn.2026-11-20-15-00-00.log.gz` before `conn.log`), then by modification time.
///
/// Rotated names as sensors and log rotation write them:
/// - Zeek: `conn.2026-11-20-15-00-00.log.gz`; zeekctl's archive, a directory per day
///   (`logs/2026-11-20/conn.15:00:00-16:00:00.log.gz`: the day comes from the directory);
/// - logrotate: `eve.json.1`, `eve.json.2.gz` (ordered by modification time, as rotation
///   keeps it), `eve.json-20261120.gz` (dateext).
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

    /// Directory levels walked below a directory given: zeekctl keeps a directory per day
    /// under `logs/`. Links to directories are not followed (no loops; `logs/current` is the
    /// live spool), nor are CTAS data directories (those holding `warm.sqlite`).
    public static let maximumDepth = 6

    /// The files to read for `paths`; a file is itself, a directory is its feed files and its
    /// subdirectories'. Throws naming a path that does not exist or holds no feed file.
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
                throw FeedError.io(source: path, doing: "no feed file in the directory or below it",
                                   reason: "expected *.log, *.json, *.ndjson, *.csv, gzipped or not, or their rotated forms")
            }
            out += files.map(\.path)
        }
        return out
    }

    /// A directory's feed files and its subdirectories', oldest first.
    public static func listing(_ directory: String) throws(FeedError) -> [File] {
        var files: [File] = []
        let name = directory.split(separator: "/").last.map(String.init) ?? directory
        try collect(directory, depth: 0, day: day(inDirectoryName: name), into: &files)
        return files.sorted(by: order)
    }

    /// Adds the feed files of `directory` (and, `depth` permitting, of its subdirectories) to
    /// `files`; `day` is the date a directory name above gave (`2026-11-20` → `20261120`).
    private static func collect(_ directory: String, depth: Int, day: String?, into files: inout [File]) throws(FeedError) {
        guard let dir = opendir(directory) else {
            // Only the directory given is an error; one below that cannot be read is left out.
            guard depth > 0 else {
                throw FeedError.io(source: directory, doing: "cannot list the directory", reason: String(cString: strerror(errno)))
            }
            return
        }
        defer { closedir(dir) }
        var subdirectories: [(path: String, day: String?)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var link = stat()
            guard lstat(path, &link) == 0 else { continue }
            if link.st_mode & S_IFMT == S_IFDIR {
                // A CTAS data directory below the logs is not read: its dead letters are the
                // feed's rejects (an ingest would read its own rejects back as it wrote them).
                var store = stat()
                if depth < maximumDepth, lstat(path + "/warm.sqlite", &store) != 0 {
                    subdirectories.append((path, self.day(inDirectoryName: name) ?? day))
                }
                continue
            }
            guard isFeedName(name) else { continue }
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            files.append(File(path: path, log: ZeekLogParser.path(fromFileName: name) ?? name, rotation: rotation(in: name, day: day),
                              modified: Int64(info.st_mtim.tv_sec)))
        }
        for sub in subdirectories { try collect(sub.path, depth: depth + 1, day: sub.day, into: &files) }
    }

    /// The date a directory's name gives, as digits: `2026-11-20` or `20261120`.
    static func day(inDirectoryName name: String) -> String? {
        let digits = name.filter(\.isASCIIDigitCharacter)
        guard digits.count == 8, name.count == 8 || (name.count == 10 && name.filter { $0 == "-" }.count == 2) else { return nil }
        return String(digits)
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
        var base = Substring(name)
        if base.hasSuffix(".gz") { base = base.dropLast(3) }
        // logrotate's forms: a generation (`eve.json.1`) or a date (`eve.json-20261120`).
        if let dot = base.lastIndex(of: "."), base[base.index(after: dot)...].allSatisfy(\.isASCIIDigitCharacter),
           base.index(after: dot) < base.endIndex {
            base = base[..<dot]
        } else if let dash = base.lastIndex(of: "-"), base.distance(from: dash, to: base.endIndex) >= 9,
                  base[base.index(after: dash)...].allSatisfy(\.isASCIIDigitCharacter) {
            base = base[..<dash]
        }
        return [".log", ".json", ".ndjson", ".jsonl", ".csv", ".eve"].contains { base.hasSuffix($0) }
    }

    /// The digits of a `YYYY-MM-DD[-HH[-MM[-SS]]]` or `YYYYMMDD…` stamp in a file name
    /// (logrotate's `eve.json-20261120` too), or of zeekctl's `HH:MM:SS-HH:MM:SS` after the
    /// `day` of its directory.
    static func rotation(in name: String, day: String? = nil) -> String? {
        let parts = name.split(separator: ".")
        for part in parts.dropFirst() {
            if isTimeOfDayRange(part) {
                return (day ?? "00000000") + part.prefix(8).filter(\.isASCIIDigitCharacter)
            }
            let digits = part.filter(\.isASCIIDigitCharacter)
            let separators = part.filter { $0 == "-" || $0 == "_" || $0 == ":" }
            if digits.count >= 8, digits.count + separators.count == part.count { return String(digits) }
            // logrotate's dateext: `json-20261120`.
            if let dash = part.lastIndex(of: "-"), part.distance(from: dash, to: part.endIndex) >= 9,
               part[part.index(after: dash)...].allSatisfy(\.isASCIIDigitCharacter) {
                return String(part[part.index(after: dash)...])
            }
        }
        return nil
    }

    /// `15:00:00-16:00:00`: the hour a zeekctl archive file covers.
    private static func isTimeOfDayRange(_ part: Substring) -> Bool {
        let b = Array(part.utf8)
        guard b.count == 17, b[8] == UInt8(ascii: "-") else { return false }
        for start in [0, 9] {
            for (k, byte) in b[start..<(start + 8)].enumerated() {
                if k == 2 || k == 5 {
                    guard byte == UInt8(ascii: ":") else { return false }
                } else {
                    guard byte &- 48 < 10 else { return false }
                }
            }
        }
        return true
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { ("0"..."9").contains(self) }
}
