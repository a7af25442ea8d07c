import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where tests write their files: one directory per test process under the system's
/// temporary directory (`ctas-tests-<pid>`), removed when the process exits, so a test run
/// leaves nothing behind (runs used to leave a gigabyte or more of data directories each).
/// A run that crashed leaves its directory; the next run removes it, since its process is
/// gone. `CTAS_KEEP_SCRATCH=1` keeps the directory, to look at what a failing test wrote.
public enum Scratch {
    /// This process's directory, created on first use.
    public static let root: String = {
        let base = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        removeDirectoriesOfEndedRuns(in: base)
        let path = base + prefix + String(getpid())
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        if ProcessInfo.processInfo.environment["CTAS_KEEP_SCRATCH"] == nil {
            atexit { Scratch.removeRoot() }
        }
        return path
    }()

    /// A fresh path under `root` (nothing is created): `stem`, a dash and eight random hex digits.
    public static func path(_ stem: String) -> String {
        root + "/" + stem + "-" + UUID().uuidString.prefix(8)
    }

    /// A fresh directory under `root`, created.
    public static func directory(_ stem: String) -> String {
        let path = path(stem)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let prefix = "ctas-tests-"

    static func removeRoot() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Removes `ctas-tests-<pid>` directories whose process no longer runs.
    static func removeDirectoriesOfEndedRuns(in base: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(atPath: base + name) }
        }
    }
}
