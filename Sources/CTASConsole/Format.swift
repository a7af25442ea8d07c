import Foundation
import CTASCore

/// Number and time formats for narrow columns.
enum Format {
    /// 1234567 → "1,234,567".
    static func count(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    /// A p-value people can compare: 0.03, 2e-5, and "<1e-300" where a double underflows.
    static func probability(_ p: Double) -> String {
        guard p.isFinite, p > 0 else { return p == 0 ? "<1e-300" : "-" }
        if p >= 0.001 { return threeSignificantDigits(p) }
        let exponent = Int(floor(log10(p)))
        let mantissa = Int((p / pow(10, Double(exponent))).rounded())
        return mantissa >= 10 ? "1e\(exponent + 1)" : "\(mantissa)e\(exponent)"
    }

    /// `p` as C's `%.3g` writes it, with the C library's formatter: the map's footer shows
    /// p-values every frame, and Foundation's `String(format:)` cost several times more.
    static func threeSignificantDigits(_ p: Double) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer -> String in
            guard let base = buffer.baseAddress else { return String(p) }
            let n = withVaList([p]) { vsnprintf(base, 32, "%.3g", $0) }
            guard n > 0, n < 32 else { return String(p) }
            return String(decoding: UnsafeRawBufferPointer(start: base, count: Int(n)), as: UTF8.self)
        }
    }

    /// 1234 → "1.2k", 2_500_000 → "2.5M".
    static func compact(_ v: Double) -> String {
        let a = abs(v)
        func one(_ x: Double) -> String {
            let t = Int((x * 10).rounded())
            return "\(t / 10).\(abs(t % 10))"
        }
        if a >= 1e9 { return one(v / 1e9) + "G" }
        if a >= 1e6 { return one(v / 1e6) + "M" }
        if a >= 1e4 { return "\(Int((v / 1e3).rounded()))k" }
        if a >= 1e3 { return one(v / 1e3) + "k" }
        if a < 10 && a > 0 && a != a.rounded() { return one(v) }
        return String(Int(v.rounded()))
    }

    /// Bytes as "48.0M".
    static func bytes(_ n: Int) -> String {
        let v = Double(n)
        if n >= 1 << 30 { return format1(v / Double(1 << 30)) + "G" }
        if n >= 1 << 20 { return format1(v / Double(1 << 20)) + "M" }
        if n >= 1 << 10 { return format1(v / Double(1 << 10)) + "K" }
        return "\(n)B"
    }

    /// `v` with exactly `digits` decimals ("-3.250"); "-" when not finite.
    static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return v > 0 ? "inf" : v < 0 ? "-inf" : "-" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        guard scaled < 9e15 else { return v < 0 ? "-" + String(Int64(abs(v))) : String(Int64(v)) }
        let n = Int64(scaled)
        let whole = n / Int64(scale)
        let fraction = String(n % Int64(scale))
        let sign = v < 0 && n != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    static func format1(_ v: Double) -> String {
        let t = Int((v * 10).rounded())
        return "\(t / 10).\(abs(t % 10))"
    }

    /// Microseconds as "850µs", "12.3ms", "1.20s" (ASCII "us" when asked).
    static func micros(_ us: UInt64, ascii: Bool) -> String {
        let v = Double(us)
        if us == 0 { return "-" }
        if v < 1000 { return "\(us)" + (ascii ? "us" : "µs") }
        if v < 1_000_000 { return format1(v / 1000) + "ms" }
        return format1(v / 1_000_000) + "s"
    }

    /// Seconds as "1m15s".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 86_400 { return "\(s / 86_400)d\(s / 3600 % 24)h" }
        if s >= 3600 { return "\(s / 3600)h\(s / 60 % 60)m" }
        if s >= 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }

    /// The clock part of a time: "10:15:30".
    static func clock(_ t: Timestamp) -> String {
        let text = t.rfc3339
        guard text.count >= 19 else { return text }
        return String(text.dropFirst(11).prefix(8))
    }

    /// "2026-11-20 10:15:30Z".
    static func dateTime(_ t: Timestamp) -> String {
        let text = t.rfc3339
        guard text.count >= 19 else { return text }
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + "Z"
    }
}

/// Sparklines: braille (two values per character, four levels each) or, in ASCII, one
/// value per character from a ramp.
enum Sparkline {
    static let asciiRamp: [Character] = [" ", "_", ".", "-", "=", "+", "*", "#"]

    /// The last values that fit in `width` columns, scaled to the largest.
    static func render(_ values: [Double], width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        let perChar = glyphs.ascii ? 1 : 2
        let shown = Array(values.suffix(width * perChar))
        let top = max(shown.max() ?? 0, 1e-9)
        func level(_ v: Double, _ levels: Int) -> Int {
            guard v > 0 else { return 0 }
            return max(1, min(levels, Int((v / top * Double(levels)).rounded(.up))))
        }
        var out = ""
        if glyphs.ascii {
            for v in shown { out.append(asciiRamp[level(v, asciiRamp.count - 1)]) }
        } else {
            // Left column dots bottom-up: 7, 3, 2, 1; right column: 8, 6, 5, 4.
            let left: [UInt32] = [0x40, 0x04, 0x02, 0x01]
            let right: [UInt32] = [0x80, 0x20, 0x10, 0x08]
            var i = 0
            while i < shown.count {
                var bits: UInt32 = 0
                for d in 0..<level(shown[i], 4) { bits |= left[d] }
                if i + 1 < shown.count { for d in 0..<level(shown[i + 1], 4) { bits |= right[d] } }
                out.unicodeScalars.append(Unicode.Scalar(0x2800 + bits) ?? " ")
                i += 2
            }
        }
        let pad = width - DisplayText.width(out)
        return pad > 0 ? String(repeating: " ", count: pad) + out : out
    }
}
