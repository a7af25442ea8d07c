/// The byte scanner behind `IndicatorExtractor`: splits text into candidate tokens, reading
/// defanged forms back as it goes, and hands each token to the classifier
/// (`IndicatorScanner+Classify.swift`).
///
/// A token is a run of bytes that can belong to an indicator (letters, digits, `. - _ : / @ +`,
/// and in a URL also `? = & # % ~ ! $ ' ( ) * , ;`). Defang markers inside a token (`[.]`,
/// `(dot)`, `[:]`, `[://]`, `[@]`, `\.`…) are replaced by what they stand for; a token that
/// held one is copied into a scratch buffer, every other token is classified in place.
struct IndicatorScanner {
    /// What the scanner found: canonical value plus where it was written.
    struct Found {
        var kind: IndicatorKind
        var value: String
        var rawStart: Int
        var rawEnd: Int
        var line: Int
        var defanged: Bool
    }

    enum Mode {
        /// Running text: heuristics keep file names, code identifiers and versions out.
        case text
        /// A value a feed listed as an indicator: taken at its word.
        case listed
    }

    var mode: Mode
    var found: [Found] = []
    /// The normalized (refanged) bytes of the current token when it held a marker.
    private var scratch: [UInt8] = []
    /// For each scratch byte, the input offset it came from.
    private var origins: [Int] = []
    /// The input being scanned (valid only during `scan`).
    var input = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    var line = 1
    /// Per-token state the classifier reads.
    var tokenDefanged = false
    var tokenUsesScratch = false
    /// Whether the current token may hold a hash (a 32+ run of letters and digits) or a CVE id.
    var tokenMayHoldHash = false
    /// Input offset just past the current token.
    var tokenEnd = 0

    /// Longest indicator value kept; longer URLs are skipped (their host is still kept).
    static let maximumValueBytes = 4_096

    /// Cheap to make: the scratch buffers allocate only when a token holds a marker.
    init(mode: Mode) {
        self.mode = mode
    }

    /// Starts over on new input in another mode, keeping the buffers' capacity.
    mutating func reset(mode: Mode) {
        self.mode = mode
        found.removeAll(keepingCapacity: true)
    }

    // MARK: Byte classes

    static let alnum: UInt8 = 1
    static let hex: UInt8 = 2
    /// Continues a token anywhere: `. - _ : / @ +`.
    static let plain: UInt8 = 4
    /// Continues a token inside a URL: `? = & # % ~ ! $ ' ( ) * , ;`.
    static let urlOnly: UInt8 = 8
    /// May open a defang marker: `[ ( { \`.
    static let opener: UInt8 = 16
    /// Continues the path of a URL written without its scheme: a query and fragment,
    /// `? = & # % ~`. Not `, ; ( ) ! $ ' *`, which there end it (a certificate's
    /// `OU=www.entrust.net/legal-terms,O=Entrust`, a list `a.com/x;b.com/y`).
    static let query: UInt8 = 32

    static let classes: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { t[Int(c)] = alnum | hex }
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { t[Int(c)] = alnum }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { t[Int(c)] = alnum }
        for c in UInt8(ascii: "a")...UInt8(ascii: "f") { t[Int(c)] |= hex }
        for c in UInt8(ascii: "A")...UInt8(ascii: "F") { t[Int(c)] |= hex }
        for c in ".-_:/@+".utf8 { t[Int(c)] = plain }
        for c in "?=&#%~!$'()*,;".utf8 { t[Int(c)] = urlOnly }
        for c in "?=&#%~".utf8 { t[Int(c)] |= query }
        for c in "[({\\".utf8 { t[Int(c)] |= opener }
        return t
    }()

    // MARK: Scanning

    /// Scans `bytes`, appending to `found`.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, firstLine: Int = 1) {
        input = bytes
        line = firstLine
        let n = bytes.count
        var i = 0
        Self.classes.withUnsafeBufferPointer { table in
            while i < n {
                let c = bytes[i]
                if table[Int(c)] & Self.alnum != 0 || (c == UInt8(ascii: ":") && i + 1 < n && bytes[i + 1] == UInt8(ascii: ":")) {
                    i = token(from: i, table: table)
                } else {
                    if c == UInt8(ascii: "\n") { line += 1 }
                    i += 1
                }
            }
        }
        input = UnsafeBufferPointer(start: nil, count: 0)
    }

    /// Reads the token starting at `start`, classifies it, and returns where it ends.
    private mutating func token(from start: Int, table: UnsafeBufferPointer<UInt8>) -> Int {
        let b = input
        let n = b.count
        var j = start
        var url = false
        // Past a `/` (a URL written without its scheme, `evil.com/gate.php?id=1`): a query
        // and fragment belong to the path as they do after a scheme (`query` bytes).
        var path = false
        var bracket = false
        var interesting = false  // held . : @ / or a marker: could be more than a hash or CVE
        var dashes = false
        tokenUsesScratch = false
        tokenDefanged = false
        // Fast path for prose: a word of letters and digits ended by a separator is an
        // indicator only as a hash (32, 40 or 64 hex digits).
        while j < n && table[Int(b[j])] & Self.alnum != 0 { j += 1 }
        if j == n || table[Int(b[j])] & (Self.plain | Self.opener) == 0 {
            let length = j - start
            if length == 32 || length == 40 || length == 64 {
                tokenEnd = j
                tokenMayHoldHash = true
                classify(b, start..<j)
            }
            return j
        }
        var run = j - start  // letters and digits in a row: a hash needs 32
        var longestRun = run
        while j < n {
            let c = b[j]
            let cls = table[Int(c)]
            if cls & Self.alnum != 0 {
                append(c, from: j)
                j += 1
                run += 1
                continue
            }
            if run > longestRun { longestRun = run }
            run = 0
            if cls & Self.opener != 0, let (replacement, length) = Self.marker(b, at: j) {
                if !tokenUsesScratch { startScratch(from: start, to: j) }
                tokenDefanged = true
                interesting = true
                for r in replacement { append(r, from: j) }
                j += length
                if replacement == Self.colonBytes, j + 1 < n, b[j] == UInt8(ascii: "/"), b[j + 1] == UInt8(ascii: "/") { url = true }
                if replacement == Self.schemeSeparatorBytes { url = true }
                continue
            }
            if cls & Self.plain != 0 {
                if c == UInt8(ascii: ":"), j + 2 < n, b[j + 1] == UInt8(ascii: "/"), b[j + 2] == UInt8(ascii: "/") { url = true }
                if c == UInt8(ascii: "/") { path = true }
                append(c, from: j)
                if c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: "+") { dashes = true } else { interesting = true }
                j += 1
                continue
            }
            if url ? cls & Self.urlOnly != 0 : path && cls & Self.query != 0 {
                append(c, from: j)
                j += 1
                continue
            }
            if url {
                // An IPv6 literal host: `http://[2001:db8::1]:8080/`.
                if c == UInt8(ascii: "["), endsWithSchemeSeparator(at: j, start: start) {
                    bracket = true
                    append(c, from: j)
                    j += 1
                    continue
                }
                if c == UInt8(ascii: "]"), bracket {
                    bracket = false
                    append(c, from: j)
                    j += 1
                    continue
                }
            }
            break
        }
        // Words without . : @ / are indicators only as hashes (32+ bytes) or CVE ids
        // (`CVE-2024-1234`, 13+ bytes with dashes); anything shorter is prose.
        tokenEnd = j
        if run > longestRun { longestRun = run }
        tokenMayHoldHash = longestRun >= 32 || (dashes && j - start >= 13)
        if interesting || tokenMayHoldHash {
            if tokenUsesScratch {
                let bytes = scratch
                bytes.withUnsafeBufferPointer { buffer in classify(buffer, 0..<buffer.count) }
            } else {
                classify(b, start..<j)
            }
        }
        if tokenUsesScratch {
            scratch.removeAll(keepingCapacity: true)
            origins.removeAll(keepingCapacity: true)
        }
        return j
    }

    @inline(__always)
    private mutating func append(_ c: UInt8, from offset: Int) {
        guard tokenUsesScratch else { return }
        scratch.append(c)
        origins.append(offset)
    }

    private mutating func startScratch(from start: Int, to end: Int) {
        tokenUsesScratch = true
        for k in start..<end {
            scratch.append(input[k])
            origins.append(k)
        }
    }

    /// Whether the token so far ends in `://` (a `[` there opens an IPv6 literal host).
    private func endsWithSchemeSeparator(at j: Int, start: Int) -> Bool {
        if tokenUsesScratch {
            let n = scratch.count
            return n >= 3 && scratch[n - 1] == UInt8(ascii: "/") && scratch[n - 2] == UInt8(ascii: "/") && scratch[n - 3] == UInt8(ascii: ":")
        }
        return j - start >= 3 && input[j - 1] == UInt8(ascii: "/") && input[j - 2] == UInt8(ascii: "/") && input[j - 3] == UInt8(ascii: ":")
    }

    /// The input offset where byte `index` of the current token (as classified) came from.
    @inline(__always)
    func rawStart(_ index: Int) -> Int { tokenUsesScratch ? origins[index] : index }

    /// The input offset just past the bytes that produced token bytes up to `index`.
    func rawEnd(_ index: Int) -> Int {
        guard tokenUsesScratch else { return index }
        guard index > 0 else { return origins.first ?? tokenEnd }
        var k = index
        // A marker turns several input bytes into one or more token bytes: end after all of it.
        while k < origins.count && origins[k] == origins[index - 1] { k += 1 }
        return k < origins.count ? origins[k] : tokenEnd
    }

    // MARK: Defang markers

    /// ASCII letters differ from their capitals by this bit.
    static let lowercaseBit: UInt8 = 0x20
    static let colonBytes: [UInt8] = [UInt8(ascii: ":")]
    /// What the `[://]` marker stands for: a URL's scheme separator.
    static let schemeSeparatorBytes: [UInt8] = Array("://".utf8)
    private static let markers: [(text: [UInt8], replacement: [UInt8])] = [
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
        ("[:]", ":"), ("[://]", "://"), ("[/]", "/"), ("[@]", "@"), ("(@)", "@"), ("[at]", "@"), ("(at)", "@"),
        ("\\.", "."),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// The defang marker at `i`, if one starts there: what it stands for and its length.
    /// Letters match in either case (`[DOT]`).
    static func marker(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> ([UInt8], Int)? {
        for m in markers {
            let t = m.text
            guard i + t.count <= b.count, b[i] == t[0] else { continue }
            var k = 1
            while k < t.count, b[i + k] | (t[k] >= UInt8(ascii: "a") ? Self.lowercaseBit : 0) == t[k] { k += 1 }
            if k == t.count { return (m.replacement, t.count) }
        }
        return nil
    }
}
