import Foundation

/// Programs outside the project that some tests compare against (ctags, swiftc, sqlite3,
/// psql, tmux, lnav).
public enum ExternalTool {
    /// The program's path on the PATH, if installed.
    public static func path(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { String($0) + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
