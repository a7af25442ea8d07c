/// Tells, byte by byte, whether JSON text is inside a string: the quotes and backslash escapes
/// that every scan of JSON without parsing it (framing values, deciding a layout, skipping a
/// value, dropping white space) must get right the same way.
struct JSONStringTracker: Sendable {
    /// Whether the last byte consumed left a string open.
    private(set) var inString = false
    private var escaped = false

    /// Consumes one byte; true when it belongs to a string (its quotes included).
    mutating func consume(_ byte: UInt8) -> Bool {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return true
        }
        if byte == UInt8(ascii: "\"") {
            inString = true
            return true
        }
        return false
    }

    /// Leaves any string: after a line break, which no JSON string holds (one was cut off).
    mutating func leaveString() {
        inString = false
        escaped = false
    }

    /// JSON's white space.
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
