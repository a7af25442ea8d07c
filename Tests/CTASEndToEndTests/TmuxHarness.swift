import CTASTestSupport
import Foundation
import Testing

/// Drives the real binary in a real terminal: a private tmux server per session (its own
/// socket in the session's scratch directory, so sessions run side by side and no socket
/// outlives the test run), keys sent, the screen captured.
final class TmuxSession: Sendable {
    let socket: String
    let name = "ctas"
    let directory: String
    let exitFile: String

    /// Starts `ctas args…` in a `width`×`height` terminal with `environment` (TERM, LANG…).
    init(_ args: [String], width: Int = 120, height: Int = 35, environment: [String: String] = [:], shell: String? = nil) async throws {
        try requires(FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux"), "tmux at /usr/bin/tmux")
        directory = scratchDir("tmux")
        socket = directory + "/tmux.socket"
        exitFile = directory + "/exit"
        var env = ["XDG_DATA_HOME": directory + "/data", "XDG_CONFIG_HOME": directory + "/config", "HOME": directory,
                   "TERM": "tmux-256color", "LANG": "C.UTF-8"]
        for (k, v) in environment { env[k] = v }
        let exports = env.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let command = ([CLI.binary] + args).map(Self.quote).joined(separator: " ")
        var script = "cd \(Self.quote(FileManager.default.currentDirectoryPath)) && env -i PATH=/usr/bin:/bin \(exports) \(command); echo $? > \(Self.quote(exitFile)); sleep 60"
        if let shell { script = "cd \(Self.quote(FileManager.default.currentDirectoryPath)) && exec \(shell)" }
        _ = try await tmux(["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "sh", "-c", script])
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @discardableResult
    func tmux(_ args: [String]) async throws -> String {
        let r = try await Run.process("/usr/bin/tmux", ["-S", socket] + args)
        return r
    }

    func capture(escapes: Bool = false) async throws -> String {
        try await tmux(["capture-pane", "-p", "-t", name] + (escapes ? ["-e"] : []))
    }

    func send(_ keys: String...) async throws { try await tmux(["send-keys", "-t", name] + keys) }
    func type(_ text: String) async throws { try await tmux(["send-keys", "-t", name, "-l", text]) }

    func resize(width: Int, height: Int) async throws {
        try await tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// A tmux format value for the pane (`#{pane_title}`, `#{alternate_on}`, `#{cursor_flag}`…).
    func value(_ format: String) async throws -> String {
        try await tmux(["display-message", "-p", "-t", name, format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until the screen satisfies `condition` (or `timeout` passes); returns the last capture.
    /// The screen is captured once more after the deadline: under a loaded test run this task
    /// may not be scheduled for seconds, and the program had that time to answer.
    func waitFor(_ timeout: Double = 30, _ condition: (String) -> Bool) async throws -> (Bool, String) {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let screen = try await capture()
            if condition(screen) { return (true, screen) }
            if Date() >= deadline { return (false, screen) }
            try await Task.sleep(for: .milliseconds(150))
        }
    }

    /// The program's exit status once it has exited (nil on timeout).
    func exitStatus(timeout: Double = 30) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let text = try? String(contentsOfFile: exitFile, encoding: .utf8), let code = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return code
            }
            if Date() >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The PID of the program (the shell's child).
    func programPID() async throws -> Int32? {
        let shell = try await value("#{pane_pid}")
        let children = try await Run.process("/usr/bin/pgrep", ["-P", shell])
        return children.split(separator: "\n").first.flatMap { Int32($0) }
    }

    func close() async {
        _ = try? await tmux(["kill-server"])
    }

    /// Kills the session's server before returning (for `defer`, which cannot await).
    func closeNow() {
        var pid: pid_t = 0
        let words: [String] = ["/usr/bin/tmux", "-S", socket, "kill-server"]
        let argv = words.map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var cargs = argv + [nil]
        let rc = cargs.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return withCleanSignals { attributes in posix_spawn(&pid, "/usr/bin/tmux", nil, &attributes, base, environ) }
        }
        guard rc == 0 else { return }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}

/// Runs `body` with spawn attributes that give the child an empty signal mask and default
/// dispositions. A child otherwise inherits the spawning thread's mask, and the test
/// runner's pool threads block most signals: a tmux server (and the shell in its pane)
/// started from one ignored the SIGHUP of `kill-server` and outlived the test.
func withCleanSignals<T>(_ body: (inout posix_spawnattr_t) -> T) -> T {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGWINCH] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return body(&attributes)
}

enum Run {
    /// Runs a process to completion without blocking a pool thread; returns its stdout.
    /// Spawned and reaped by hand: `tmux new-session -d` forks a server, and Foundation's
    /// Process was seen never to report the client's exit; output goes through a file, as a
    /// pipe inherited by the server would never end.
    static func process(_ path: String, _ args: [String]) async throws -> String {
        let outPath = Scratch.path("run")
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The test runner's other descriptors must not live on in a tmux server.
        _ = spawnCloseFrom(&actions, 3)
        let argv = ([path] + args).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var cargs = argv + [nil]
        let rc = cargs.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return EINVAL }
            return withCleanSignals { attributes in posix_spawn(&pid, path, &actions, &attributes, base, environ) }
        }
        guard rc == 0 else { throw HarnessError(message: "\(path): cannot start (\(rc))") }
        let child = pid
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) < 0 && errno == EINTR {}
                c.resume()
            }.start()
        }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }
}

/// The accepted count shown in the feed pane's header.
func acceptedCount(_ screen: String) -> Int? {
    guard let range = screen.range(of: #"(accepted|acc) ([\d,]+)"#, options: .regularExpression) else { return nil }
    return Int(screen[range].split(separator: " ").last?.replacingOccurrences(of: ",", with: "") ?? "")
}

/// The attention line's count of critical events not yet marked seen (`1,484 critical new`).
func criticalNewCount(_ screen: String) -> Int? {
    guard let range = screen.range(of: #"[\d,]+ critical new"#, options: .regularExpression) else { return nil }
    return Int(screen[range].split(separator: " ").first?.replacingOccurrences(of: ",", with: "") ?? "")
}

struct HarnessError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (a GNU extension the Glibc module hides).
@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
func spawnCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32
