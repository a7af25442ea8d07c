import Foundation

/// An alert. "struct NotAType {}" in a doc comment.
public struct Alert: Codable, Sendable {
    public let id: UUID
    public var createdAt: Date
    var tags: [String] = []
    var scores: [String: Double]
    var parent: Alert.Ref?
    @Published var status: Status = .open
    var a, b: Int
    lazy var cache = [Int]()
    var observed: Int = 0 {
        didSet { print("changed") }
    }
    var computed: Int { a + b }
    var accessor: Int {
        get { a }
        set { a = newValue }
    }
    static var shared = 0
    let string = "struct InString {}"

    public struct Ref: Hashable {
        let value: String
    }

    func helper() {
        struct InsideFunction { let x: Int }
    }
}

public enum Status: String, Codable {
    case open, closed
    case snoozed
}

indirect enum Expression<T: Equatable> where T: Sendable {
    case value(T)
    case pair(left: Expression, right: Expression)
    case labeled(_ first: Int, second: String)
}

final class Session: NSObject {
    private(set) var user: String?
    weak var delegate: AnyObject?
    class var kind: String { "session" }
}

actor Counter {
    var count = 0
}

extension Alert: Identifiable, CustomStringConvertible {
    var description: String { "alert" }
    var addedInExtension: Int { 0 }
    struct FromExtension {
        let flag: Bool
    }
}

protocol Store {
    var name: String { get }
}
