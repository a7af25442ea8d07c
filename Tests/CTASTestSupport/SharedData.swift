import Foundation

/// The shared test data beside the repository (`../shared/data`), which is not part of the
/// project: tests that read it are enabled only when it is present, and skip otherwise.
public enum SharedData {
    /// `../shared/data` relative to the repository root (or `$CTAS_SHARED_DATA`).
    public static let root: String = {
        if let path = ProcessInfo.processInfo.environment["CTAS_SHARED_DATA"] { return path }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    /// The full path of `relative` under the shared data, if it exists.
    public static func path(_ relative: String) -> String? {
        let path = root + "/" + relative
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Whether `relative` exists (for `.enabled(if:)` traits).
    public static func has(_ relative: String) -> Bool { path(relative) != nil }
}
