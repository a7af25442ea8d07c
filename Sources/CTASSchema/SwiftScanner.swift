import SwiftParser
import SwiftParserDiagnostics
import SwiftSyntax

/// Finds Swift data structures with Swift's own parser: structs, classes, enums (cases with
/// associated values), actors, nested types. Only stored instance properties are fields
/// (computed properties, `static`/`class` members and members added by extensions are
/// not); property wrappers are kept as field attributes. Extensions contribute
/// conformances to the type they extend. Syntax errors leave partial results and a
/// diagnostic per error with its line.
struct SwiftScanner {
    /// A type's conformances declared in an extension, matched to the type after the crawl.
    struct ExtensionConformance: Sendable {
        var extendedType: String
        var conformances: [String]
    }

    /// A type declared inside a function, initializer, accessor, closure or statement body:
    /// a local helper, not part of the data model; listed apart, like the Rust scanner's.
    struct LocalType: Sendable, Equatable {
        var name: String
        var line: Int
        var kind: String
        var conditions: [String]
    }

    static func scan(file: String, source: String)
        -> (types: [TypeInfo], extensions: [ExtensionConformance], diagnostics: [SchemaDiagnostic], local: [LocalType]) {
        if let deep = NestingCheck(source).problem {
            let message = "\(deep.what) nested more than \(deep.limit) deep; file not parsed (\(deep.why))"
            return ([], [], [SchemaDiagnostic(file: file, line: deep.line, severity: .warning, message: message)], [])
        }
        let tree = Parser.parse(source: source)
        let converter = SourceLocationConverter(fileName: file, tree: tree)
        let visitor = Visitor(file: file, converter: converter)
        visitor.walk(tree)
        var diagnostics: [SchemaDiagnostic] = []
        if tree.hasError {
            for d in ParseDiagnosticsGenerator.diagnostics(for: tree).prefix(20) {
                let location = d.location(converter: converter)
                diagnostics.append(SchemaDiagnostic(file: file, line: location.line, severity: .error, message: d.message))
            }
        }
        return (visitor.types, visitor.extensions, diagnostics, visitor.local)
    }

    final class Visitor: SyntaxVisitor {
        let file: String
        let converter: SourceLocationConverter
        var types: [TypeInfo] = []
        var extensions: [ExtensionConformance] = []
        var local: [LocalType] = []
        /// Enclosing type names (and, for extensions, the extended type's name).
        var path: [String] = []
        /// Index in `types` of each enclosing declaration (nil for extensions and local types).
        var stack: [Int?] = []
        /// How many bodies (function, initializer, accessor, closure, statement block) enclose
        /// the current node: types declared there are local.
        var bodies = 0
        /// The `#if` clauses around the current node, outermost first (`os(Linux)`,
        /// `!(os(Linux))` for its `#else`).
        var conditions: [String] = []

        init(file: String, converter: SourceLocationConverter) {
            self.file = file
            self.converter = converter
            super.init(viewMode: .sourceAccurate)
        }

        /// The line of a declaration's name (not of its attributes or doc comment).
        func line(_ name: TokenSyntax) -> Int { name.startLocation(converter: converter, afterLeadingTrivia: true).line }

        static func text(_ node: some SyntaxProtocol) -> String {
            node.trimmedDescription.split(whereSeparator: { $0 == "\n" || $0 == " " || $0 == "\t" }).joined(separator: " ")
        }

        func begin(_ name: TokenSyntax, kind: TypeKind, attributes: AttributeListSyntax, generics: GenericParameterClauseSyntax?,
                   inheritance: InheritanceClauseSyntax?, whereClause: GenericWhereClauseSyntax?) {
            let plain = Self.plain(name)
            defer { path.append(plain) }
            if bodies > 0 {
                local.append(LocalType(name: plain, line: line(name), kind: kind.rawValue, conditions: conditions))
                stack.append(nil)
                return
            }
            var info = TypeInfo(name: plain, path: path, language: .swift, kind: kind, file: file, line: line(name))
            info.attributes = attributes.map { Self.text($0) }
            info.generics = generics?.parameters.map { Self.text($0).trimmingTrailingComma() } ?? []
            info.conformances = inheritance?.inheritedTypes.map { Self.text($0.type) } ?? []
            info.whereClause = whereClause.map { Self.text($0) }
            info.conditions = conditions
            types.append(info)
            stack.append(types.count - 1)
        }

        /// A name without the backticks that let it be a keyword (`` `default` `` is `default`).
        static func plain(_ name: TokenSyntax) -> String {
            let text = name.text
            return text.count > 2 && text.hasPrefix("`") && text.hasSuffix("`") ? String(text.dropFirst().dropLast()) : text
        }

        func end() {
            stack.removeLast()
            path.removeLast()
        }

        override func visit(_ node: StructDeclSyntax) -> SyntaxVisitorContinueKind {
            begin(node.name, kind: .struct, attributes: node.attributes, generics: node.genericParameterClause,
                  inheritance: node.inheritanceClause, whereClause: node.genericWhereClause)
            return .visitChildren
        }
        override func visitPost(_ node: StructDeclSyntax) { end() }

        override func visit(_ node: ClassDeclSyntax) -> SyntaxVisitorContinueKind {
            begin(node.name, kind: .class, attributes: node.attributes, generics: node.genericParameterClause,
                  inheritance: node.inheritanceClause, whereClause: node.genericWhereClause)
            return .visitChildren
        }
        override func visitPost(_ node: ClassDeclSyntax) { end() }

        override func visit(_ node: ActorDeclSyntax) -> SyntaxVisitorContinueKind {
            begin(node.name, kind: .actor, attributes: node.attributes, generics: node.genericParameterClause,
                  inheritance: node.inheritanceClause, whereClause: node.genericWhereClause)
            return .visitChildren
        }
        override func visitPost(_ node: ActorDeclSyntax) { end() }

        override func visit(_ node: EnumDeclSyntax) -> SyntaxVisitorContinueKind {
            begin(node.name, kind: .enum, attributes: node.attributes, generics: node.genericParameterClause,
                  inheritance: node.inheritanceClause, whereClause: node.genericWhereClause)
            return .visitChildren
        }
        override func visitPost(_ node: EnumDeclSyntax) { end() }

        override func visit(_ node: ExtensionDeclSyntax) -> SyntaxVisitorContinueKind {
            let name = Self.text(node.extendedType)
            let conformances = node.inheritanceClause?.inheritedTypes.map { Self.text($0.type) } ?? []
            if !conformances.isEmpty, bodies == 0 {
                extensions.append(ExtensionConformance(extendedType: name, conformances: conformances))
            }
            stack.append(nil)
            path.append(name)
            return .visitChildren   // nested types declared in extensions are real types
        }
        override func visitPost(_ node: ExtensionDeclSyntax) {
            stack.removeLast()
            path.removeLast()
        }

        // `#if` clauses: what is declared inside carries the clause's condition.
        override func visit(_ node: IfConfigClauseSyntax) -> SyntaxVisitorContinueKind {
            conditions.append(Self.condition(of: node))
            return .visitChildren
        }
        override func visitPost(_ node: IfConfigClauseSyntax) { conditions.removeLast() }

        /// `A` for `#if A`; `!(A) && B` for a following `#elseif B`; `!(A) && !(B)` for `#else`.
        static func condition(of clause: IfConfigClauseSyntax) -> String {
            var parts: [String] = []
            if let list = clause.parent?.as(IfConfigClauseListSyntax.self) {
                for earlier in list {
                    if earlier.id == clause.id { break }
                    if let c = earlier.condition { parts.append("!(" + text(c) + ")") }
                }
            }
            if let c = clause.condition { parts.append(text(c)) }
            return parts.isEmpty ? "true" : parts.joined(separator: " && ")
        }

        // Protocols hold no stored data; bodies hold local types only.
        override func visit(_ node: ProtocolDeclSyntax) -> SyntaxVisitorContinueKind { .skipChildren }

        override func visit(_ node: CodeBlockSyntax) -> SyntaxVisitorContinueKind { bodies += 1; return .visitChildren }
        override func visitPost(_ node: CodeBlockSyntax) { bodies -= 1 }
        override func visit(_ node: AccessorBlockSyntax) -> SyntaxVisitorContinueKind { bodies += 1; return .visitChildren }
        override func visitPost(_ node: AccessorBlockSyntax) { bodies -= 1 }
        override func visit(_ node: ClosureExprSyntax) -> SyntaxVisitorContinueKind { bodies += 1; return .visitChildren }
        override func visitPost(_ node: ClosureExprSyntax) { bodies -= 1 }

        override func visit(_ node: VariableDeclSyntax) -> SyntaxVisitorContinueKind {
            // Only members directly inside a type's own declaration.
            guard bodies == 0, let owner = stack.last ?? nil,
                  node.parent?.as(MemberBlockItemSyntax.self) != nil else { return .visitChildren }
            let modifiers = node.modifiers.map(\.name.text)
            if modifiers.contains("static") || modifiers.contains("class") { return .visitChildren }
            let attributes = node.attributes.map { Self.text($0) }
            var pendingType: String?
            // `var a, b: Int` gives both the type written after the last one.
            var names: [(String, String?)] = []
            for binding in node.bindings {
                if let accessors = binding.accessorBlock, Self.isComputed(accessors) { continue }
                guard let pattern = binding.pattern.as(IdentifierPatternSyntax.self) else { continue }
                let type = binding.typeAnnotation.map { Self.text($0.type) }
                    ?? binding.initializer.map { Self.inferredType(of: $0.value) }
                names.append((Self.plain(pattern.identifier), type))
            }
            var resolved: [FieldInfo] = []
            for (name, type) in names.reversed() {
                if let type { pendingType = type }
                resolved.append(FieldInfo(name: name, type: type ?? pendingType ?? "?", attributes: attributes))
            }
            types[owner].fields += resolved.reversed()
            return .visitChildren   // closures in initializers may declare local types
        }

        /// The type a literal initializer implies (`= 0` is Int, `= [String]()` is [String]);
        /// otherwise the initializer as written after `=`.
        static func inferredType(of value: ExprSyntax) -> String {
            if value.is(IntegerLiteralExprSyntax.self) { return "Int" }
            if value.is(FloatLiteralExprSyntax.self) { return "Double" }
            if value.is(BooleanLiteralExprSyntax.self) { return "Bool" }
            if value.is(StringLiteralExprSyntax.self) { return "String" }
            if let call = value.as(FunctionCallExprSyntax.self), call.arguments.isEmpty {
                let callee = text(call.calledExpression)
                if callee.hasPrefix("[") || callee.first?.isUppercase == true { return callee }
            }
            return "= " + text(value)
        }

        /// A property with `get`/`set` or an implicit getter body is computed; one with only
        /// `willSet`/`didSet` observers is stored.
        static func isComputed(_ block: AccessorBlockSyntax) -> Bool {
            switch block.accessors {
            case .getter: return true
            case .accessors(let list):
                return list.contains { ["get", "set", "_read", "_modify", "unsafeAddress", "unsafeMutableAddress"].contains($0.accessorSpecifier.text) }
            }
        }

        override func visit(_ node: EnumCaseDeclSyntax) -> SyntaxVisitorContinueKind {
            guard bodies == 0, let owner = stack.last ?? nil else { return .skipChildren }
            let attributes = node.attributes.map { Self.text($0) }
            for element in node.elements {
                if let parameters = element.parameterClause {
                    let fields = parameters.parameters.enumerated().map { n, p in
                        FieldInfo(name: p.firstName.map(Self.plain).flatMap { $0 == "_" ? nil : $0 } ?? String(n), type: Self.text(p.type))
                    }
                    let named = parameters.parameters.contains { $0.firstName != nil && $0.firstName?.text != "_" }
                    types[owner].variants.append(VariantInfo(name: Self.plain(element.name), shape: named ? .struct : .tuple, fields: fields,
                                                             attributes: attributes))
                } else {
                    types[owner].variants.append(VariantInfo(name: Self.plain(element.name), shape: .unit, attributes: attributes))
                }
            }
            return .skipChildren
        }
    }
}

extension String {
    func trimmingTrailingComma() -> String {
        var s = self
        while s.hasSuffix(",") || s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
