import Foundation

/// Files the console ships in SampleData (the land mask, the atlas): found at an explicit
/// environment variable, under the working directory's `SampleData/`, or beside the binary
/// (`SampleData/` or `share/ctas/` up to four directories up), the first readable one.
enum BundledFile {
    static func find(_ name: String, variable: String, environment: [String: String], executable: String) -> String? {
        var candidates: [String] = []
        if let explicit = environment[variable] { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/SampleData/" + name)
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("SampleData/" + name).path)
            candidates.append(dir.appendingPathComponent("share/ctas/" + name).path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
