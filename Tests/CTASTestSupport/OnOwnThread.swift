import Foundation

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
