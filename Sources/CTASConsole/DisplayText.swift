import CNCurses
import CTASCore

/// Turning text into what is drawn: untrusted strings made visible-safe, widths measured the
/// way the terminal measures them (wcwidth), truncation that never splits a wide character.
public enum DisplayText {
    /// Columns a scalar takes: 2 for wide (CJK, emoji), 0 for combining marks, 1 otherwise.
    /// Unprintable scalars never reach here (they are escaped first).
    @inline(__always)
    public static func width(_ scalar: Unicode.Scalar) -> Int {
        if scalar.value < 0x7F { return scalar.value >= 0x20 ? 1 : 0 }
        let w = Int(cn_wcwidth(wchar_t(bitPattern: scalar.value)))
        if w >= 0 { return w }
        // wcwidth without a UTF-8 locale knows nothing: fall back to Unicode properties.
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: return scalar.properties.isEmojiPresentation ? 2 : 1
        }
    }

    /// Whether `scalar` is a character of its own beside any other such scalar: printable
    /// ASCII, Latin-1 and the Latin blocks up to the combining marks, dashes and quotes,
    /// arrows, box drawing, blocks and shapes, braille (what the panes draw besides ASCII).
    /// None of these extends, joins or prefixes a neighbour in Unicode's grapheme rules
    /// (UAX #29), so text made only of them needs no grapheme breaking: a scalar is a
    /// character is a cell.
    @inline(__always)
    static func isStandalone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20..<0x7F, 0xA0..<0x300, 0x2010...0x2027, 0x2030...0x205E, 0x2190...0x21FF, 0x2500...0x25FF, 0x2800...0x28FF: true
        default: false
        }
    }

    /// Whether every scalar of `text` is standalone (see `isStandalone`).
    static func isStandalone(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(isStandalone)
    }

    public static func width(_ character: Character) -> Int {
        var w = 0
        for s in character.unicodeScalars { w = max(w, width(s)) }
        return w
    }

    public static func width(_ text: String) -> Int {
        // ASCII (most of what is drawn): a byte is a scalar is a character; no grapheme breaking.
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            var columns = 0
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                columns += width(Unicode.Scalar(byte))
            }
            return columns
        }
        if let ascii, let columns = ascii { return columns }
        if isStandalone(text) { return text.unicodeScalars.reduce(0) { $0 + width($1) } }
        return text.reduce(0) { $0 + width($1) }
    }

    /// Feed text made safe: controls, escapes and bidi/zero-width characters escaped
    /// (`SafeText`), and in ASCII mode every other non-ASCII scalar as `\u{…}`.
    public static func safe(_ text: String, ascii: Bool) -> String {
        let cleaned = SafeText.sanitize(text)
        guard ascii, cleaned.utf8.contains(where: { $0 >= 0x80 }) else { return cleaned }
        var out = ""
        for s in cleaned.unicodeScalars {
            if s.value < 0x80 { out.unicodeScalars.append(s) } else { out += "\\u{" + String(s.value, radix: 16) + "}" }
        }
        return out
    }

    /// `text` cut to at most `columns` columns, ending with `ellipsis` when cut.
    public static func truncate(_ text: String, to columns: Int, ellipsis: String = "…") -> String {
        guard columns > 0 else { return "" }
        let room = columns - width(ellipsis)
        // ASCII (most of what is drawn): a byte is a character, no grapheme breaking.
        enum Fast { case fits, cut(String), notASCII }
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> Fast in
            var used = 0
            var cut = 0
            for (i, byte) in bytes.enumerated() {
                guard byte < 0x80 else { return .notASCII }
                used += width(Unicode.Scalar(byte))
                if used > columns {
                    guard room > 0 else { return .cut(String(ellipsis.prefix(columns))) }
                    return .cut(String(decoding: UnsafeBufferPointer(rebasing: bytes[..<cut]), as: UTF8.self) + ellipsis)
                }
                if used <= room { cut = i + 1 }
            }
            return .fits
        }
        switch fast {
        case .fits: return text
        case .cut(let shown): return shown
        case .notASCII, nil: break
        }
        // A text of standalone scalars is walked a scalar at a time (no grapheme breaking);
        // either walk stops past `columns`: a long text (a cluster's entities, an original
        // record) is not measured whole to show its first columns.
        let cut = isStandalone(text)
            ? cutIndex(text.unicodeScalars, columns: columns, room: room) { (s: Unicode.Scalar) in width(s) }
            : cutIndex(text, columns: columns, room: room) { (c: Character) in width(c) }
        guard let cut else { return text }
        guard room > 0 else { return String(ellipsis.prefix(columns)) }
        return String(text[..<cut]) + ellipsis
    }

    /// Where a text is cut to fit `room` columns beside an ellipsis when it takes more than
    /// `columns` (nil: it fits), walking `units`: its characters, or its scalars when each is
    /// a character.
    private static func cutIndex<Units: Collection>(_ units: Units, columns: Int, room: Int,
                                                     width: (Units.Element) -> Int) -> String.Index? where Units.Index == String.Index {
        var used = 0
        var cut = units.startIndex   // the end of what fits beside the ellipsis
        var index = units.startIndex
        while index < units.endIndex {
            let next = units.index(after: index)
            let w = width(units[index])
            if used + w > columns { return cut }
            used += w
            if used <= room { cut = next }
            index = next
        }
        return nil
    }

    /// `text` padded with spaces (or cut) to exactly `columns` columns.
    public static func fit(_ text: String, _ columns: Int, ellipsis: String = "…", alignRight: Bool = false) -> String {
        let cut = truncate(text, to: columns, ellipsis: ellipsis)
        let pad = max(0, columns - width(cut))
        return alignRight ? String(repeating: " ", count: pad) + cut : cut + String(repeating: " ", count: pad)
    }
}
