import Foundation

/// Where `y` in the detail view leaves what it copied, for terminals that ignore OSC 52:
/// `$XDG_STATE_HOME/ctas/clipboard.txt` (else `~/.local/state/ctas/clipboard.txt`).
public enum ClipboardFile {
    public struct Problem: Error, Sendable {
        public var message: String
    }

    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()) + "/.local/state"
        return base + "/ctas/clipboard.txt"
    }

    /// Writes `text` (and a newline); the path, or what went wrong.
    public static func write(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<String, Problem> {
        let path = path(environment: environment)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return .success(path)
        } catch {
            return .failure(Problem(message: "cannot write \(path)"))
        }
    }
}
