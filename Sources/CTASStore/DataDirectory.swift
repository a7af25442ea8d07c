#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The directory holding one CTAS data set: the warm database, the dead-letter file, and
/// later tiers. `$XDG_DATA_HOME/ctas` by default, else `~/.local/share/ctas`.
public struct DataDirectory: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The default location from the environment.
    public static func defaultPath(environment: [String: String]) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/ctas" }
        let home = environment["HOME"] ?? "."
        return home + "/.local/share/ctas"
    }

    public var warmDatabase: String { path + "/warm.sqlite" }
    public var deadLetterFile: String { path + "/dead-letter.ndjson" }
    /// The live behaviour monitor a run left (see `SavedMonitor`): the next run resumes it.
    public var savedMonitorFile: String { path + "/anomaly-monitor.saved" }

    /// Creates the directory (and parents) with owner-only permissions when missing.
    public func create() throws(StoreError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            var info = stat()
            if stat(built, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw .notADirectory(path: built)
                }
                continue
            }
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw .file(path: built, doing: "cannot create data directory", reason: String(cString: strerror(errno)))
            }
        }
    }
}
