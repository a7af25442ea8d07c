import CTASCore
import Foundation

/// The process holding a data directory's writer lock: its pid and, when readable, its
/// command line (so an analyst refused a directory knows which `ctas` holds it).
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var pid: Int32
    public var command: String?

    public var description: String { "pid \(pid)" + (command.map { ": " + $0 } ?? "") }

    /// The holder of a record lock on `fd`'s file, asked of the system (`F_GETLK`).
    static func of(descriptor fd: Int32) -> LockHolder? {
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        guard fcntl(fd, F_GETLK, &probe) == 0, probe.l_type != Int16(F_UNLCK), probe.l_pid > 0 else { return nil }
        return LockHolder(pid: probe.l_pid, command: commandLine(of: probe.l_pid))
    }

    /// `/proc/PID/cmdline`, arguments joined by spaces, made safe to print and cut to 240 bytes.
    static func commandLine(of pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        var text = SafeText.sanitize(arguments.joined(separator: " "))
        if text.utf8.count > 240 { text = String(decoding: text.utf8.prefix(240), as: UTF8.self) + "…" }
        return text
    }
}
