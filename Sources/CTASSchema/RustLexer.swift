/// Tokens of Rust source, enough to find items: identifiers (raw ones unwrapped),
/// punctuation, and literals as opaque tokens. Comments (nested block comments included),
/// strings, raw strings (`r#"…"#`, any number of `#`), byte strings, char literals and
/// lifetimes are consumed whole, so nothing inside them is mistaken for code.
struct RustToken: Equatable {
    enum Kind: Equatable { case ident, punct, literal, lifetime }
    var kind: Kind
    var text: String
    var line: Int
}

struct RustLexer {
    /// Tokens of `source`; `problems` lists unterminated comments, strings and the like with
    /// their line (the scan goes on to the end, never stops).
    static func tokens(_ source: [UInt8]) -> (tokens: [RustToken], problems: [(line: Int, message: String)]) {
        source.withUnsafeBufferPointer { tokens(in: $0) }
    }

    /// The same over raw bytes: token texts are made straight from the buffer.
    static func tokens(in source: UnsafeBufferPointer<UInt8>) -> (tokens: [RustToken], problems: [(line: Int, message: String)]) {
        var out: [RustToken] = []
        out.reserveCapacity(source.count / 4)
        var problems: [(Int, String)] = []
        var i = 0
        var line = 1
        let n = source.count
        func at(_ k: Int) -> UInt8 { k < n ? source[k] : 0 }
        func isIdentStart(_ b: UInt8) -> Bool { b == 0x5F || (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80 }
        func isIdent(_ b: UInt8) -> Bool { isIdentStart(b) || (b >= 0x30 && b <= 0x39) }
        func text(_ a: Int, _ b: Int) -> String { String(decoding: UnsafeBufferPointer(rebasing: source[a..<min(b, n)]), as: UTF8.self) }
        /// Skips a quoted string from the opening quote at `i`; escapes honoured unless raw.
        func skipString(raw hashes: Int?) {
            let startLine = line
            if let hashes {
                // r###"…"### : ends at a quote followed by the same number of #.
                i += 1
                while i < n {
                    if source[i] == 0x0A { line += 1 }
                    if source[i] == 0x22 {
                        var k = 0
                        while k < hashes && at(i + 1 + k) == 0x23 { k += 1 }
                        if k == hashes { i += 1 + hashes; return }
                    }
                    i += 1
                }
            } else {
                i += 1
                while i < n {
                    let b = source[i]
                    if b == 0x0A { line += 1 }
                    if b == 0x5C {
                        if at(i + 1) == 0x0A { line += 1 }   // a line continuation
                        i += 2
                        continue
                    }
                    if b == 0x22 { i += 1; return }
                    i += 1
                }
            }
            problems.append((startLine, "unterminated string literal"))
        }
        while i < n {
            let b = source[i]
            switch b {
            case 0x0A:
                line += 1
                i += 1
            case 0x20, 0x09, 0x0D, 0x0C:
                i += 1
            case 0x2F where at(i + 1) == 0x2F:   // line comment
                while i < n && source[i] != 0x0A { i += 1 }
            case 0x2F where at(i + 1) == 0x2A:   // block comment, nested
                let startLine = line
                var depth = 0
                repeat {
                    if at(i) == 0x2F && at(i + 1) == 0x2A { depth += 1; i += 2; continue }
                    if at(i) == 0x2A && at(i + 1) == 0x2F { depth -= 1; i += 2; continue }
                    if at(i) == 0x0A { line += 1 }
                    i += 1
                } while depth > 0 && i < n
                if depth > 0 { problems.append((startLine, "unterminated block comment")) }
            case 0x22:
                let start = i, l = line
                skipString(raw: nil)
                out.append(RustToken(kind: .literal, text: text(start, min(i, start + 64)), line: l))
            case 0x27:   // char literal or lifetime
                let l = line
                if at(i + 1) == 0x5C {   // '\n', '\u{…}'
                    var k = i + 2
                    while k < n && source[k] != 0x27 && source[k] != 0x0A { k += 1 }
                    out.append(RustToken(kind: .literal, text: text(i, k + 1), line: l))
                    i = k + 1
                } else {
                    // One character (1–4 UTF-8 bytes) then a quote: a char; else a lifetime.
                    var k = i + 1
                    if k < n { k += 1; while k < n && source[k] & 0xC0 == 0x80 { k += 1 } }
                    if at(k) == 0x27 && at(i + 1) != 0x0A {
                        out.append(RustToken(kind: .literal, text: text(i, k + 1), line: l))
                        i = k + 1
                    } else {
                        var e = i + 1
                        while e < n && isIdent(source[e]) { e += 1 }
                        out.append(RustToken(kind: .lifetime, text: text(i, e), line: l))
                        i = max(e, i + 1)
                    }
                }
            case _ where isIdentStart(b):
                // Raw strings and byte strings start like identifiers.
                if b == 0x72 || b == 0x62 || b == 0x63 {   // r, b, c
                    var k = i
                    if (b == 0x62 || b == 0x63) && at(k + 1) == 0x72 { k += 1 }   // br, cr
                    if source[k] == 0x72 || k > i {
                        var hashes = 0
                        var h = k + 1
                        while at(h) == 0x23 { hashes += 1; h += 1 }
                        if at(h) == 0x22 && (source[k] == 0x72) {
                            let start = i, l = line
                            i = h
                            skipString(raw: hashes)
                            out.append(RustToken(kind: .literal, text: text(start, min(i, start + 64)), line: l))
                            continue
                        }
                    }
                    if (b == 0x62 || b == 0x63) && at(i + 1) == 0x22 {   // b"…", c"…"
                        let start = i, l = line
                        i += 1
                        skipString(raw: nil)
                        out.append(RustToken(kind: .literal, text: text(start, min(i, start + 64)), line: l))
                        continue
                    }
                    if b == 0x62 && at(i + 1) == 0x27 {   // b'x'
                        var k2 = i + 2
                        if at(k2) == 0x5C { k2 += 1 }
                        k2 += 1
                        while k2 < n && source[k2] != 0x27 && source[k2] != 0x0A { k2 += 1 }
                        out.append(RustToken(kind: .literal, text: text(i, k2 + 1), line: line))
                        i = k2 + 1
                        continue
                    }
                    if b == 0x72 && at(i + 1) == 0x23 && isIdentStart(at(i + 2)) {   // r#ident
                        var e = i + 2
                        while e < n && isIdent(source[e]) { e += 1 }
                        out.append(RustToken(kind: .ident, text: text(i + 2, e), line: line))
                        i = e
                        continue
                    }
                }
                var e = i
                while e < n && isIdent(source[e]) { e += 1 }
                out.append(RustToken(kind: .ident, text: text(i, e), line: line))
                i = e
            case 0x30...0x39:
                var e = i
                while e < n && (isIdent(source[e]) || (source[e] == 0x2E && at(e + 1) >= 0x30 && at(e + 1) <= 0x39)) { e += 1 }
                out.append(RustToken(kind: .literal, text: text(i, e), line: line))
                i = e
            default:
                // Two-character operators that matter for balancing: -> => :: (never split).
                let two = (b, at(i + 1))
                if two == (0x2D, 0x3E) || two == (0x3D, 0x3E) || two == (0x3A, 0x3A) {
                    out.append(RustToken(kind: .punct, text: text(i, i + 2), line: line))
                    i += 2
                } else {
                    out.append(RustToken(kind: .punct, text: text(i, i + 1), line: line))
                    i += 1
                }
            }
        }
        return (out, problems)
    }
}
