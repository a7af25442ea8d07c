import CTASStore
import Foundation

/// A read of the store done on a thread of its own (over a connection `work` opens there),
/// for a caller that goes on meanwhile and collects the result later: the engine's evidence
/// index loading while the pipeline starts, an import's snapshot read while the value index
/// builds.
public final class BackgroundRead<Value: Sendable>: @unchecked Sendable {   // `outcome` is written once, read under `condition`
    private let condition = NSCondition()
    private var outcome: Result<Value, StoreError>?

    /// Starts `work` on a thread named `name` (15 characters show in `top -H`).
    public init(name: String, _ work: @escaping @Sendable () throws(StoreError) -> Value) {
        let thread = Thread { [self] in
            let read: Result<Value, StoreError>
            do throws(StoreError) { read = .success(try work()) } catch { read = .failure(error) }
            condition.lock()
            outcome = read
            condition.broadcast()
            condition.unlock()
        }
        thread.name = name
        thread.start()
    }

    /// The result once the read has finished, else nil (does not wait).
    public func finished() -> Result<Value, StoreError>? {
        condition.lock()
        defer { condition.unlock() }
        return outcome
    }

    /// The result (blocks the calling thread until the read has finished).
    public func wait() -> Result<Value, StoreError> {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let outcome { return outcome }
            condition.wait()
        }
    }
}
