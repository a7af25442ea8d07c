import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs CPU-heavy synchronous test work on a thread of its own and awaits it.
///
/// Swift Testing runs tests in parallel on the cooperative pool, which has as many threads
/// as cores (two here). A test that computes for seconds on a pool thread starves every
/// other test's timers and actors; CI runs showed whole suites stalled ten seconds that way.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Like `onOwnThread`, at the lowest CPU priority (nice 19 for that thread): for oracle
/// comparisons that compute for minutes, so that on a two-core machine the tests that wait
/// for something (engines, terminals, timers) still get the processor first.
public func onBackgroundThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await onOwnThread {
        #if os(Linux)
        // Under Linux threads the nice value is per thread: `who` 0 is the calling thread.
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
        return try body()
    }
}
