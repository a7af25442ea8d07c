#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a lock: every read and write goes through `withLock`.
///
/// CTAS's shared state uses this instead of the Synchronization module's `Mutex`: that one
/// waits on a futex directly, which ThreadSanitizer cannot see, so a sanitizer run reported
/// races on state that was only ever touched under the lock (four of them, all false). This
/// one is a pthread mutex, which ThreadSanitizer (and Helgrind) understand, so a clean
/// sanitizer run means what it says; uncontended it costs the same (~20 ns).
public final class Locked<Value>: @unchecked Sendable {   // `value` is only reached inside `withLock`, under `mutex`
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ value: sending Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    public func withLock<Result, Failure: Error>(_ body: (inout sending Value) throws(Failure) -> sending Result) throws(Failure) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
