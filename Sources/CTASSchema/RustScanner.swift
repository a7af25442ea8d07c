/// Finds Rust data structures: structs (named, tuple, unit), enums and their variants
/// (unit, tuple, struct-like), unions, with generics, where clauses, attributes and derives,
/// inside nested inline modules. Function bodies, `impl` and `trait` blocks, macro
/// definitions and macro invocations are skipped whole.
struct RustScanner {
    let file: String
    let tokens: [RustToken]
    var i = 0
    var types: [TypeInfo] = []
    var diagnostics: [SchemaDiagnostic] = []
    /// Types declared inside function, `impl` or `trait` bodies: not part of the data model
    /// (local helpers such as serde visitors), listed so a comparison can account for them.
    var localTypes: [LocalType] = []
    /// Inside a macro invocation's body: tolerate macro syntax (`#full`, `$x`) after a name.
    var lenient = false
    /// Modules and item-like macro bodies around the current item. Deeper than
    /// `maximumDepth` (hostile or generated input), a body is skipped with a warning rather
    /// than recursed into.
    var depth = 0
    static let maximumDepth = 256

    struct LocalType: Equatable {
        var name: String
        var line: Int
        var kind: String
    }

    init(file: String, source: [UInt8]) {
        self.file = file
        let lexed = RustLexer.tokens(source)
        tokens = lexed.tokens
        for p in lexed.problems {
            diagnostics.append(SchemaDiagnostic(file: file, line: p.line, severity: .warning, message: p.message))
        }
    }

    static func scan(file: String, source: [UInt8]) -> (types: [TypeInfo], diagnostics: [SchemaDiagnostic]) {
        let r = scanAll(file: file, source: source)
        return (r.types, r.diagnostics)
    }

    static func scanAll(file: String, source: [UInt8]) -> (types: [TypeInfo], diagnostics: [SchemaDiagnostic], local: [LocalType]) {
        var s = RustScanner(file: file, source: source)
        s.items(path: [], until: nil)
        return (s.types, s.diagnostics, s.localTypes)
    }

    // MARK: token helpers

    var atEnd: Bool { i >= tokens.count }
    func peek(_ k: Int = 0) -> RustToken? { i + k < tokens.count ? tokens[i + k] : nil }
    func isPunct(_ t: String, _ k: Int = 0) -> Bool { peek(k).map { $0.kind == .punct && $0.text == t } ?? false }
    func isIdent(_ t: String, _ k: Int = 0) -> Bool { peek(k).map { $0.kind == .ident && $0.text == t } ?? false }

    /// Skips a balanced group starting at an opening bracket; returns its tokens.
    mutating func skipGroup() -> [RustToken] { Array(tokens[skipGroupRange()]) }

    /// Skips a balanced group starting at an opening bracket; returns where its tokens are
    /// (no copy, for the many groups only passed over).
    @discardableResult
    mutating func skipGroupRange() -> Range<Int> {
        guard let open = peek(), open.kind == .punct, let close = Self.closing[open.text] else {
            i += 1
            return i..<i
        }
        var depth = 0
        let start = i
        while let t = peek() {
            if t.kind == .punct {
                if t.text == open.text { depth += 1 }
                if t.text == close { depth -= 1 }
            }
            i += 1
            if depth == 0 { return start..<i }
        }
        diagnostics.append(SchemaDiagnostic(file: file, line: open.line, severity: .error,
                                            message: "'\(open.text)' is never closed; the rest of the file is part of it"))
        return start..<i
    }

    static let closing = ["(": ")", "[": "]", "{": "}"]
    static let typeKeywords: Set<String> = ["struct", "enum", "union"]

    /// Skips to the end of the current item: a `;` at this level, or a `{…}` group.
    mutating func skipItem() {
        while let t = peek() {
            if t.kind == .punct && t.text == ";" { i += 1; return }
            if t.kind == .punct && t.text == "{" {
                let body = skipGroupRange()
                for k in body.dropLast() where tokens[k].kind == .ident && Self.typeKeywords.contains(tokens[k].text)
                    && tokens[k + 1].kind == .ident && (k == body.lowerBound || tokens[k - 1].text != "#") {
                    if tokens[k].text == "union" && !(k + 2 < body.upperBound && tokens[k + 2].text == "{") { continue }
                    localTypes.append(LocalType(name: tokens[k + 1].text, line: tokens[k].line, kind: tokens[k].text))
                }
                return
            }
            if t.kind == .punct && (t.text == "(" || t.text == "[") { skipGroupRange(); continue }
            if t.kind == .punct && t.text == "}" { return }
            i += 1
        }
    }

    /// Text of tokens joined the way rustfmt would read them closely enough.
    static let tightBefore: Set<String> = [",", ";", ">", ")", "]", ":", "::", "?", "."]
    static let tightAfter: Set<String> = ["<", "(", "[", "::", "&", "'", "#", "!", "."]

    static func join(_ toks: ArraySlice<RustToken>) -> String {
        var out = ""
        var previous: RustToken?
        func space() { if !out.isEmpty, out.utf8.last != UInt8(ascii: " ") { out += " " } }
        for t in toks {
            if let p = previous {
                let tight = tightBefore.contains(t.text) && t.kind == .punct
                    || tightAfter.contains(p.text) && p.kind == .punct
                    || (t.text == "<" || t.text == "(" || t.text == "[") && p.kind == .ident
                    || t.text == "!" && p.kind == .ident
                if !tight { space() }
            }
            out += t.text
            if t.kind == .punct && (t.text == ":" || t.text == ",") { space(); previous = nil; continue }
            previous = t
        }
        while out.utf8.last == UInt8(ascii: " ") { out.removeLast() }
        while out.utf8.first == UInt8(ascii: " ") { out.removeFirst() }
        return out
    }

    // MARK: items

    /// Items until the closing brace of the enclosing module (or the end).
    mutating func items(path: [String], until close: String?) {
        var attributes: [String] = []
        while let t = peek() {
            if t.kind == .punct && t.text == "}" {
                if close != nil { i += 1; return }
                diagnostics.append(SchemaDiagnostic(file: file, line: t.line, severity: .warning, message: "unexpected '}' at the top level"))
                i += 1
                continue
            }
            if t.kind == .punct && t.text == "#" {
                // #[attr] or #![inner attr]
                let inner = isPunct("!", 1)
                i += inner ? 2 : 1
                if isPunct("[") {
                    let group = skipGroup()
                    if !inner { attributes.append("#" + Self.join(group[...])) }
                }
                continue
            }
            // Visibility and qualifiers.
            if isIdent("pub") {
                i += 1
                if isPunct("(") { skipGroupRange() }
                continue
            }
            if t.kind == .ident, ["unsafe", "default", "async", "const", "extern", "auto"].contains(t.text),
               let next = peek(1), next.kind == .ident || next.kind == .literal {
                if t.text == "const", next.kind == .ident, !["fn", "unsafe", "async", "extern"].contains(next.text) {
                    attributes = []
                    skipItem()   // a constant
                    continue
                }
                i += 1
                continue
            }
            guard t.kind == .ident else {
                attributes = []
                if t.kind == .punct && (t.text == "{" || t.text == "(" || t.text == "[") { skipGroupRange() } else { i += 1 }
                continue
            }
            switch t.text {
            case "mod":
                i += 1
                let name = peek()?.text ?? "?"
                i += 1
                if isPunct("{"), depth >= Self.maximumDepth {
                    diagnostics.append(SchemaDiagnostic(file: file, line: t.line, severity: .warning,
                                                        message: "modules nested more than \(Self.maximumDepth) deep; module \(name) skipped"))
                    skipGroupRange()
                } else if isPunct("{") {
                    i += 1
                    depth += 1
                    items(path: path + [name], until: "}")
                    depth -= 1
                } else {
                    skipItem()
                }
            case "struct", "union":
                if t.text == "union" && !(peek(1)?.kind == .ident) { i += 1; break }   // `union` used as a name
                structure(path: path, attributes: attributes, union: t.text == "union")
            case "enum":
                enumeration(path: path, attributes: attributes)
            case "macro_rules":
                // macro_rules! name { … }
                i += 1
                if isPunct("!") { i += 1 }
                if peek()?.kind == .ident { i += 1 }
                skipItem()
            default:
                if isPunct("!", 1) {
                    // A macro invocation at item level: name!(…); name! { … } name![…];
                    let macro = t.text
                    i += 2
                    if peek()?.kind == .ident { i += 1 }   // macro_rules-like: name! ident { … }
                    if let p = peek(), p.kind == .punct, ["(", "[", "{"].contains(p.text) {
                        let group = skipGroup()
                        // Item-like bodies (`ast_struct! { pub struct X { … } }`) define real types.
                        if p.text == "{", group.count > 2, depth < Self.maximumDepth {
                            var inner = RustScanner(file: file, tokens: Array(group[1..<(group.count - 1)]))
                            inner.lenient = true
                            inner.depth = depth + 1
                            inner.items(path: path, until: nil)
                            for var found in inner.types {
                                found.attributes.append("\(macro)!")
                                types.append(found)
                            }
                            localTypes += inner.localTypes
                            // A lenient scanner reports no macro syntax, only what limits it.
                            diagnostics += inner.diagnostics
                        } else if p.text == "{", depth >= Self.maximumDepth {
                            diagnostics.append(SchemaDiagnostic(file: file, line: t.line, severity: .warning,
                                                                message: "macro bodies nested more than \(Self.maximumDepth) deep; \(macro)! body skipped"))
                        }
                    }
                    if isPunct(";") { i += 1 }
                } else {
                    skipItem()   // fn, impl, trait, use, type, static, const, extern crate…
                }
            }
            attributes = []
        }
    }

    /// In a macro body, markers such as `#full` or `$vis` between a name and its body.
    mutating func skipMacroMarkers() {
        guard lenient else { return }
        while (isPunct("#") || isPunct("$")) && peek(1)?.kind == .ident { i += 2 }
    }

    /// `<…>` after a name: generic parameters, balanced (`->` and `=>` are single tokens).
    mutating func generics() -> [String] {
        guard isPunct("<") else { return [] }
        var depth = 0
        var params: [String] = []
        var current: [RustToken] = []
        while let t = peek() {
            i += 1
            if t.kind == .punct && t.text == "<" { depth += 1; if depth == 1 { continue } }
            if t.kind == .punct && t.text == ">" {
                depth -= 1
                if depth == 0 {
                    if !current.isEmpty { params.append(Self.join(current[...])) }
                    return params
                }
            }
            if t.kind == .punct && (t.text == "(" || t.text == "[") { depth += 1 }
            if t.kind == .punct && (t.text == ")" || t.text == "]") { depth -= 1 }
            if depth == 1 && t.kind == .punct && t.text == "," {
                params.append(Self.join(current[...]))
                current = []
            } else {
                current.append(t)
            }
        }
        return params
    }

    /// `where …` up to (not including) the body's `{`, a tuple body's `;`, or the end.
    mutating func whereClause() -> String? {
        guard isIdent("where") else { return nil }
        i += 1
        var toks: [RustToken] = []
        var depth = 0
        while let t = peek() {
            if depth == 0 && t.kind == .punct && (t.text == "{" || t.text == ";") { break }
            if t.kind == .punct && ["<", "(", "["].contains(t.text) { depth += 1 }
            if t.kind == .punct && [">", ")", "]"].contains(t.text) { depth -= 1 }
            toks.append(t)
            i += 1
        }
        return Self.join(toks[...]).trimmingTrailingComma()
    }

    mutating func structure(path: [String], attributes: [String], union: Bool) {
        let keyword = peek()
        i += 1
        guard let nameToken = peek(), nameToken.kind == .ident else { skipItem(); return }
        i += 1
        var info = TypeInfo(name: nameToken.text, path: path, language: .rust, kind: union ? .union : .struct, file: file,
                            line: keyword?.line ?? nameToken.line)
        info.attributes = attributes
        info.derives = Self.derives(attributes)
        info.generics = generics()
        info.whereClause = whereClause()
        skipMacroMarkers()
        if isPunct("{") {
            info.fields = namedFields(skipGroup())
        } else if isPunct("(") {
            info.kind = .tupleStruct
            info.fields = tupleFields(skipGroup())
            if let w = whereClause() { info.whereClause = w }
            if isPunct(";") { i += 1 }
        } else if isPunct(";") {
            info.kind = .unitStruct
            i += 1
        } else {
            if !lenient {
                diagnostics.append(SchemaDiagnostic(file: file, line: nameToken.line, severity: .warning,
                                                    message: "struct \(nameToken.text): expected '{', '(' or ';'"))
            }
            skipItem()
            if lenient { return }
        }
        types.append(info)
    }

    mutating func enumeration(path: [String], attributes: [String]) {
        let keyword = peek()
        i += 1
        guard let nameToken = peek(), nameToken.kind == .ident else { skipItem(); return }
        i += 1
        var info = TypeInfo(name: nameToken.text, path: path, language: .rust, kind: .enum, file: file, line: keyword?.line ?? nameToken.line)
        info.attributes = attributes
        info.derives = Self.derives(attributes)
        info.generics = generics()
        info.whereClause = whereClause()
        skipMacroMarkers()
        guard isPunct("{") else {
            if !lenient {
                diagnostics.append(SchemaDiagnostic(file: file, line: nameToken.line, severity: .warning, message: "enum \(nameToken.text): expected '{'"))
                types.append(info)
            }
            skipItem()
            return
        }
        let body = skipGroup()
        info.variants = Self.variants(body)
        types.append(info)
    }

    // MARK: bodies

    /// Splits a `{…}` or `(…)` group's inside at top-level commas.
    static func split(_ group: [RustToken]) -> [[RustToken]] {
        guard group.count >= 2 else { return [] }
        var parts: [[RustToken]] = []
        var current: [RustToken] = []
        var depth = 0
        for t in group[1..<(group.count - 1)] {
            if t.kind == .punct {
                if ["(", "[", "{", "<"].contains(t.text) { depth += 1 }
                if [")", "]", "}", ">"].contains(t.text) { depth -= 1 }
                if t.text == "," && depth == 0 {
                    parts.append(current)
                    current = []
                    continue
                }
            }
            current.append(t)
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// Leading `#[…]` attributes of a part, and the rest.
    static func attributes(_ part: [RustToken]) -> ([String], ArraySlice<RustToken>) {
        var rest = part[...]
        var out: [String] = []
        while rest.first?.text == "#", rest.dropFirst().first?.text == "[" {
            var depth = 0
            var end = rest.startIndex + 1
            while end < rest.endIndex {
                if rest[end].text == "[" { depth += 1 }
                if rest[end].text == "]" { depth -= 1; if depth == 0 { break } }
                end += 1
            }
            out.append("#" + join(rest[(rest.startIndex + 1)...min(end, rest.endIndex - 1)]))
            rest = rest[min(end + 1, rest.endIndex)...]
        }
        return (out, rest)
    }

    static func dropVisibility(_ toks: ArraySlice<RustToken>) -> ArraySlice<RustToken> {
        var rest = toks
        if rest.first?.text == "pub" {
            rest = rest.dropFirst()
            if rest.first?.text == "(" {
                var depth = 0
                while let t = rest.first {
                    rest = rest.dropFirst()
                    if t.text == "(" { depth += 1 }
                    if t.text == ")" { depth -= 1; if depth == 0 { break } }
                }
            }
        }
        return rest
    }

    func namedFields(_ group: [RustToken]) -> [FieldInfo] {
        Self.split(group).compactMap { part in
            let (attrs, rest0) = Self.attributes(part)
            let rest = Self.dropVisibility(rest0)
            guard let name = rest.first, name.kind == .ident, rest.dropFirst().first?.text == ":" else { return nil }
            return FieldInfo(name: name.text, type: Self.join(rest.dropFirst(2)), attributes: attrs)
        }
    }

    func tupleFields(_ group: [RustToken]) -> [FieldInfo] {
        Self.split(group).enumerated().compactMap { n, part in
            let (attrs, rest0) = Self.attributes(part)
            let rest = Self.dropVisibility(rest0)
            guard !rest.isEmpty else { return nil }
            return FieldInfo(name: String(n), type: Self.join(rest), attributes: attrs)
        }
    }

    static func variants(_ body: [RustToken]) -> [VariantInfo] {
        let scanner = RustScanner(file: "", tokens: [])
        return split(body).compactMap { part in
            let (attrs, rest) = attributes(part)
            guard let name = rest.first, name.kind == .ident else { return nil }
            let after = Array(rest.dropFirst())
            if after.first?.text == "{" {
                return VariantInfo(name: name.text, shape: .struct, fields: scanner.namedFields(after), attributes: attrs)
            }
            if after.first?.text == "(" {
                return VariantInfo(name: name.text, shape: .tuple, fields: scanner.tupleFields(after), attributes: attrs)
            }
            return VariantInfo(name: name.text, shape: .unit, attributes: attrs)   // maybe `= discriminant`
        }
    }

    private init(file: String, tokens: [RustToken]) {
        self.file = file
        self.tokens = tokens
    }

    /// Names in `#[derive(A, B, serde::Serialize)]` attributes.
    static func derives(_ attributes: [String]) -> [String] {
        var out: [String] = []
        for a in attributes {
            let compact = String(a.unicodeScalars.filter { $0 != " " })
            guard compact.hasPrefix("#[derive("), compact.hasSuffix(")]") else { continue }
            let inner = compact.dropFirst(9).dropLast(2)
            out += inner.split(separator: ",").map(String.init).filter { !$0.isEmpty }
        }
        return out
    }
}
