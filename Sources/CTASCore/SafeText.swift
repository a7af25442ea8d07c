/// Makes untrusted text (anything from a feed) safe to show on a terminal.
///
/// Feeds are attacker-controlled: a field may carry escape sequences that retitle the
/// window, write to the clipboard (OSC 52), move the cursor, or reorder text with bidi
/// overrides. Every C0 and C1 control character, DEL, and bidi/zero-width formatting
/// character is replaced by a visible escape (`\e`, `\x9b`, `\u{202e}`), so the terminal
/// receives only printable text.
public enum SafeText {
    /// The visible form of `text`, safe to write to a terminal.
    public static func sanitize(_ text: String) -> String {
        guard needsEscaping(text) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if let escaped = escape(scalar) { out += escaped } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// Like `sanitize`, but keeps line breaks (for multi-line output such as CSV).
    public static func sanitizeKeepingNewlines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { sanitize(String($0)) }.joined(separator: "\n")
    }

    /// Fast check: does anything need escaping?
    public static func needsEscaping(_ text: String) -> Bool {
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2 || byte == 0xEF { return text.unicodeScalars.contains { escape($0) != nil } }
        }
        return false
    }

    /// The escape for one scalar, or nil when it is safe to show as is.
    public static func escape(_ s: Unicode.Scalar) -> String? {
        let v = s.value
        switch v {
        case 0x1B: return "\\e"
        case 0x09: return "\\t"
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x00..<0x20, 0x7F: return "\\x" + hex2(v)
        case 0x80..<0xA0: return "\\x" + hex2(v)                      // C1 controls (CSI 0x9b, OSC 0x9d…)
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF, 0xFFF9...0xFFFB:
            return "\\u{" + String(v, radix: 16) + "}"                 // zero-width, bidi, invisible formatting
        default: return nil
        }
    }

    private static func hex2(_ v: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(v >> 4 & 0xF)]) + String(digits[Int(v & 0xF)])
    }
}
