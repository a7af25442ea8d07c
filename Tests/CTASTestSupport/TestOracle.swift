import Foundation

/// The Python test oracles (PyPI `h3` and numpy) in the repository's `.venv`, which
/// `.ci/run` creates. Tests that call them run when it exists; in CI it must.
public enum TestOracle {
    /// The repository root.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `.venv/bin/python`, when present.
    public static var python: String? {
        let path = repository.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Whether this run is CI's (where a missing oracle is a failure, not a skip).
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// Runs `script` (a path under the repository) with `arguments`; the exit status and
    /// standard error when it fails.
    /// `background` runs it at the lowest CPU priority (`nice -n 19`): long oracle runs then
    /// leave the processor to the tests that wait on time.
    public static func run(_ script: String, _ arguments: [String], background: Bool = false) throws -> (status: Int32, stderr: String) {
        guard let python else { return (127, "no .venv/bin/python") }
        let process = Process()
        let nice = "/usr/bin/nice"
        let niced = background && FileManager.default.isExecutableFile(atPath: nice)
        process.executableURL = URL(fileURLWithPath: niced ? nice : python)
        process.arguments = (niced ? ["-n", "19", python] : []) + [repository.appendingPathComponent(script).path] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
