import CSQLite

/// The write-ahead log's length after the last commit on one connection, and the length at
/// which that commit checkpoints the log itself.
///
/// SQLite's automatic checkpoint runs inside the commit that passes its threshold, so the
/// events of that commit wait for it to be reported durable, and those queued behind it wait
/// longer still. A connection that takes over its checkpoints (`takeOverCheckpoints`)
/// checkpoints when it has nothing else to do (`checkpointIfDue`), and a commit checkpoints
/// itself only past a larger bound, so a writer that is never idle still keeps its log short.
final class WriteAheadLogWatch {
    /// Frames in the log after the last commit (0 once a checkpoint was asked since).
    var frames: Int32 = 0
    /// Frames from which a commit checkpoints the log itself.
    let forcedFrames: Int32
    /// Checkpoints that commits ran themselves, past `forcedFrames` (the owner was not idle
    /// often enough to keep the log short).
    var forcedCheckpoints = 0

    init(forcedFrames: Int32) {
        self.forcedFrames = forcedFrames
    }
}

/// SQLite's WAL hook: notes the log's length, and checkpoints past the forced bound as SQLite's
/// own automatic checkpoint would (a passive checkpoint, which never waits for readers).
private let walHook: @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = {
    context, db, name, frames in
    guard let context else { return SQLITE_OK }
    let watch = Unmanaged<WriteAheadLogWatch>.fromOpaque(context).takeUnretainedValue()
    watch.frames = frames
    if frames >= watch.forcedFrames, let db {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        watch.frames = 0
        watch.forcedCheckpoints += 1
    }
    return SQLITE_OK
}

extension SQLiteDatabase {
    /// Turns SQLite's automatic checkpoint off for this connection: a commit checkpoints only
    /// once the log holds `forcedPages` pages, and the owner checkpoints earlier, when it is
    /// idle, with `checkpointIfDue(pages:)`.
    public func takeOverCheckpoints(forcedPages: Int) {
        let watch = WriteAheadLogWatch(forcedFrames: Int32(clamping: max(1, forcedPages)))
        logWatch = watch
        // The connection holds the watch as long as the hook can run (until it closes).
        sqlite3_wal_hook(handle, walHook, Unmanaged.passUnretained(watch).toOpaque())
    }

    /// Whether the log has grown to `pages` pages since the last checkpoint this connection
    /// asked for (false when `takeOverCheckpoints` was not called).
    public func checkpointDue(pages: Int) -> Bool {
        guard let watch = logWatch else { return false }
        return Int(watch.frames) >= pages
    }

    /// Checkpoints that commits ran themselves because the log reached the forced length
    /// (0 when `takeOverCheckpoints` was not called).
    public var forcedCheckpoints: Int { logWatch?.forcedCheckpoints ?? 0 }

    /// A passive checkpoint (it copies what no reader still needs, never waiting) when the log
    /// has grown to `pages` pages. Returns whether one ran.
    @discardableResult
    public func checkpointIfDue(pages: Int) throws(StoreError) -> Bool {
        guard checkpointDue(pages: pages), let watch = logWatch else { return false }
        // Asked once per commit's report: a reader holding the log back is not retried in a loop.
        watch.frames = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        // Busy: another connection is checkpointing this log now, which is as good.
        if rc == SQLITE_BUSY { return false }
        guard rc == SQLITE_OK else { throw .sqlite(path: path, doing: "checkpointing the write-ahead log", reason: lastError) }
        return true
    }
}
