import CTASCore
import CTASEngine
import CTASFeeds
import Foundation

/// A fault of a benchmark run, naming the step and the file.
public enum BenchError: Error, Sendable, CustomStringConvertible {
    /// A scratch or feed file could not be made.
    case cannotCreate(path: String)
    /// The `ctas` child process could not be started.
    case cannotStart(executable: String, reason: String)
    /// The `ctas` child process ended with a failure status.
    case childFailed(command: String, status: Int32)
    /// A store or engine error while measuring.
    case store(String)

    public var description: String {
        switch self {
        case .cannotCreate(let path): "\(path): cannot create"
        case .cannotStart(let executable, let reason): "\(executable): cannot start: \(reason)"
        case .childFailed(let command, let status): "\(command) exited with status \(status)"
        case .store(let message): message
        }
    }
}

/// What every ingest-based benchmark shares: a generated feed written to a scratch directory,
/// ingested by the real `ctas ingest` in a child process (so its speed and peak RSS are its
/// own, not the benchmark's), and that child's JSON summary.
public struct BenchFixture {
    /// The scratch directory (removed and made again unless reused).
    public let directory: String
    /// The `ctas` binary to start (the running one, normally).
    public let executable: String

    public init(directory: String, executable: String) {
        self.directory = directory
        self.executable = executable
    }

    /// The data directory the child ingests into.
    public var dataDirectory: String { directory + "/data" }
    public var warmDatabase: String { dataDirectory + "/warm.sqlite" }
    public var summaryPath: String { directory + "/ingest-summary.json" }

    /// Empties the scratch directory.
    public func reset() throws {
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Writes `events` generated events to `name` in the scratch directory (flushed to disk, so
    /// its write-back does not compete with what is measured next); returns the path.
    public func generateFeed(named name: String, events: Int, options: FeedGenerator.Options) throws -> String {
        let path = directory + "/" + name
        var generator = FeedGenerator(options: options)
        try BufferedOutput.writeFile(atPath: path, synced: true) { generator.write(events: events, to: $0) }
        return path
    }

    /// Ingests `feeds` with `ctas ingest … --quiet` into the data directory; returns the wall
    /// seconds and the child's summary.
    public func ingest(_ feeds: [String], extraArguments: [String] = []) throws -> (seconds: Double, summary: IngestSummary) {
        let started = MonotonicClock.nanoseconds()
        let arguments = ["ingest"] + feeds + ["--data-dir", dataDirectory, "--quiet"] + extraArguments
        let status = try Self.spawnAndWait(executable, arguments, stdout: summaryPath)
        let seconds = Double(MonotonicClock.nanoseconds() - started) / 1e9
        guard status == 0 else { throw BenchError.childFailed(command: "ctas ingest", status: status) }
        return (seconds, try storedSummary())
    }

    /// The summary a previous `ingest` left.
    public func storedSummary() throws -> IngestSummary {
        try JSONDecoder().decode(IngestSummary.self, from: Data(contentsOf: URL(fileURLWithPath: summaryPath)))
    }

    /// Runs `executable` with `arguments`, its stdout to a file, and waits; returns the exit
    /// status. posix_spawn, not Foundation's Process: a child started through Process measured
    /// ~8% slower here.
    public static func spawnAndWait(_ executable: String, _ arguments: [String], stdout path: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var args = argv + [nil]
        let rc = args.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return posix_spawn(&pid, executable, &actions, nil, base, environ)
        }
        guard rc == 0 else { throw BenchError.cannotStart(executable: executable, reason: String(cString: strerror(rc))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Runs `executable` with `arguments` (and extra environment entries), stdout to a file,
    /// and waits; returns the exit status, the child's peak RSS in bytes and the processor
    /// time it used, user and system (from wait4).
    public static func spawnMeasured(_ executable: String, _ arguments: [String], stdout path: String, stderr errorPath: String? = nil,
                                     environment extra: [String] = []) throws -> (status: Int32, peakResidentBytes: Int, cpuSeconds: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var environmentStrings: [String] = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        environmentStrings += extra
        let envp = environmentStrings.map { strdup($0) }
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        var args = argv + [nil]
        var env = envp + [nil]
        let rc = args.withUnsafeMutableBufferPointer { a -> Int32 in
            env.withUnsafeMutableBufferPointer { e -> Int32 in
                guard let ab = a.baseAddress, let eb = e.baseAddress else { return EINVAL }
                return posix_spawn(&pid, executable, &actions, nil, ab, eb)
            }
        }
        guard rc == 0 else { throw BenchError.cannotStart(executable: executable, reason: String(cString: strerror(rc))) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return (code, Int(usage.ru_maxrss) * 1024, cpu)
    }

    /// A program on the PATH.
    public static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { String($0) + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}
