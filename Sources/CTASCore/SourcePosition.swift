/// Where a source is: the byte offset just after the last complete line handed on, and the
/// number of lines before it. A checkpoint stores this so a restart resumes exactly there.
public struct SourcePosition: Hashable, Sendable, Codable {
    public var offset: Int64
    public var line: Int

    public init(offset: Int64 = 0, line: Int = 0) {
        self.offset = offset
        self.line = line
    }

    public static let start = SourcePosition()
}
