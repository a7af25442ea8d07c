/// Where a source had got to when its last batch committed, stored in the same
/// transaction as that batch's events (the durability contract).
public struct Checkpoint: Sendable, Equatable {
    /// The source's key: a file's absolute path.
    public var source: String
    /// The file's identity, to tell a resumed file from a replaced one.
    public var device: Int64
    public var inode: Int64
    /// FNV-1a hash of the file's first `fingerprintLength` bytes.
    public var fingerprint: Int64
    public var fingerprintLength: Int64
    /// Byte offset just after the last line handled, and that line's number.
    public var offset: Int64
    public var line: Int64
    /// Running totals for this source across runs.
    public var accepted: Int64
    public var rejected: Int64
    public var duplicates: Int64

    public init(source: String, device: Int64 = 0, inode: Int64 = 0, fingerprint: Int64 = 0, fingerprintLength: Int64 = 0,
                offset: Int64 = 0, line: Int64 = 0, accepted: Int64 = 0, rejected: Int64 = 0, duplicates: Int64 = 0) {
        self.source = source
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
        self.offset = offset
        self.line = line
        self.accepted = accepted
        self.rejected = rejected
        self.duplicates = duplicates
    }
}
