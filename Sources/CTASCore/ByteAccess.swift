extension Array where Element == UInt8 {
    /// `withUnsafeBufferPointer` that keeps the body's typed error (the stdlib's `rethrows`
    /// widens it to `any Error`).
    @inlinable
    public func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = withUnsafeBufferPointer { bytes in
            do throws(E) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
