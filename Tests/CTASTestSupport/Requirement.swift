import Foundation
import Testing

/// A tool, oracle or data set a test needs but the machine lacks.
public struct MissingRequirement: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "missing: \(what)" }
}

/// Tests that need something outside the project (a Python oracle, ctags, swiftc, psql, the
/// shared data) call `requires` first: when it is there the test runs; when it is not, the
/// test is reported as skipped (cancelled, with the reason), never passed; and under
/// `CI=true`, where `.ci/run` installs everything, a missing requirement fails the test.
public func requires(_ available: Bool, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    guard !available else { return }
    if TestOracle.isCI {
        Issue.record("CI must provide \(what)", sourceLocation: sourceLocation)
        throw MissingRequirement(what: what)
    }
    try Test.cancel("skipped: \(what) is not available here", sourceLocation: sourceLocation)
}

/// The path of an external program, or the test is skipped (failed under CI) without it.
public func requireTool(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let path = ExternalTool.path(name)
    try requires(path != nil, "the program \(name) on the PATH", sourceLocation: sourceLocation)
    return path ?? name
}

/// The test venv's Python (`.venv/bin/python`), or the test is skipped (failed under CI).
public func requirePython(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let python = TestOracle.python
    try requires(python != nil, "the test venv (.venv/bin/python, made by .ci/run)", sourceLocation: sourceLocation)
    return python ?? "python3"
}
