import Foundation

/// Doc comment lines above a declaration are not its line.
@available(macOS 14, *)
@MainActor
public final class Documented {
    var value = 0
}

#if os(Linux)
struct Handle {
    var fd: Int32
}
#elseif os(Windows)
struct Handle {
    var handle: UInt
}
#else
struct Handle {
    var port: UInt32
}
#endif

struct Settings {
    var name: String
    #if DEBUG
    var trace: Bool
    struct Debugging {
        #if canImport(Glibc)
        var glibc: Bool
        #endif
    }
    #endif
    var computed: Int {
        struct InAccessor {}
        return 1
    }
    let make: () -> Void = {
        struct InClosure {}
    }
    init() {
        struct InInitializer {}
        name = ""
        trace = false
        make = {}
    }
}

enum `Keyword` {
    case `default`, plain(`in`: Int)
}

if CommandLine.arguments.count > 5 {
    struct InTopLevelStatement {}
}

func outer() {
    #if os(Linux)
    enum LocalUnderIf {}
    #endif
}
