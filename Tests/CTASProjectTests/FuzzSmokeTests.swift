import CTASTestSupport
import Foundation
import Testing

/// Every fuzz target builds and runs for a few seconds without a finding (the smoke; the
/// full run is `Fuzz/run.sh`, ten minutes a target, reported in the issue notes).
@Suite struct FuzzSmokeTests {
    @Test func everyFuzzTargetRunsCleanForAFewSeconds() async throws {
        _ = try requireTool("swift")
        let script = TestOracle.repository.appendingPathComponent("Fuzz/run.sh").path
        // The build's and the targets' diagnostics go to a file, shown when the run fails (a
        // failed sanitizer build otherwise reports nothing but its status).
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("ctas-fuzz-smoke-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let (status, output) = try await onOwnThread { () -> (Int32, String) in
            let process = Process()
            // At the lowest CPU priority: the sanitizer build takes minutes of both cores.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
            process.arguments = ["-n", "19", "/bin/bash", script, "3"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        let diagnostics = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(output)\n--- diagnostics (last 40 lines) ---\n\(diagnostics.split(separator: "\n").suffix(40).joined(separator: "\n"))")
        let lines = output.split(separator: "\n")
        #expect(lines.count >= 12, "every target reported: \(output)")
        for line in lines where !line.contains("skipped") {
            #expect(line.contains(": ok,"), "\(line)")
            #expect(!line.contains("coverage 0 edges"), "instrumented for coverage: \(line)")
        }
    }
}
