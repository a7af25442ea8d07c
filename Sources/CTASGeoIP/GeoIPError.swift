/// Why a MaxMind DB file was refused or a read failed: the file, the byte offset where it
/// went wrong, and what was expected there. A malformed file is refused with one of these,
/// never a crash, an unbounded loop or an allocation sized by its bytes.
public enum GeoIPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// No `\xAB\xCD\xEFMaxMind.com` marker in the file's last 128 KiB.
    case noMetadata(path: String)
    /// A metadata key is missing or not what the format says.
    case badMetadata(path: String, key: String, expected: String)
    /// The bytes at `offset` are not what the format says.
    case corrupt(path: String, offset: Int, problem: String)
    /// Not an IPv4 or IPv6 address.
    case badAddress(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "\(path): cannot open the database: \(reason)"
        case .noMetadata(let path): "\(path): no MaxMind DB metadata marker; expected a .mmdb file (MaxMind DB format 2.0)"
        case .badMetadata(let path, let key, let expected): "\(path): metadata \"\(key)\": expected \(expected)"
        case .corrupt(let path, let offset, let problem): "\(path): at byte \(offset): \(problem)"
        case .badAddress(let text): "'\(text)' is not an IPv4 or IPv6 address"
        }
    }
}
