import CTASCore
import CTASFeeds

/// Reads one source on its own thread and hands line batches on. A source that can wait is
/// held back when the queue is full (backpressure); a live one drops and counts.
actor SourceStage {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let reader: any FeedReader
    private let output: BoundedQueue<LineBatch>
    private let index: Int
    private let hub: MetricsHub
    private let control: ReplayControl
    private let loop: Bool
    private let holdAtEnd: Bool
    nonisolated let canReposition: Bool
    nonisolated let identity: FileIdentity?
    nonisolated let name: String
    /// Set when `run` has returned: the reader is closed and nothing reads it again.
    private var finished = false
    /// The end was announced (`LineBatch.reachedEnd`) and nothing was read since.
    private var endAnnounced = false

    init(reader: sending any FeedReader, index: Int, output: BoundedQueue<LineBatch>, hub: MetricsHub,
         control: ReplayControl, loop: Bool, holdAtEnd: Bool) {
        executor = ThreadExecutor(name: "ctas-source-\(index)")
        canReposition = reader.canReposition
        identity = reader.identity
        name = reader.name
        self.reader = reader
        self.index = index
        self.output = output
        self.hub = hub
        self.control = control
        self.loop = loop
        self.holdAtEnd = holdAtEnd
    }

    /// Reads until the source ends (or the engine stops), then closes the output.
    func run() async {
        defer {
            finished = true
            output.close()
            reader.close()
            executor.shutdown()
        }
        while !control.current.stopping {
            let started = MonotonicClock.nanoseconds()
            let outcome: ReadOutcome
            do throws(FeedError) {
                outcome = try reader.read(maxBytes: 1 << 20)
            } catch {
                hub.fail(error.message)
                hub.source(index) { $0.state = .failed(error.message) }
                return
            }
            switch outcome {
            case .lines(let batch):
                hub.stage(.read, events: batch.lines.count, nanos: MonotonicClock.nanoseconds() - started)
                noteProgress(lines: batch.lines.count, pass: batch.pass, state: .reading)
                endAnnounced = false
                if reader.canWait {
                    guard await output.send(batch) else { return }
                } else if !output.offer(batch) {
                    hub.dropped(batch.lines.count, source: index)
                }
                await Task.yield()
            case .idle:
                noteProgress(lines: 0, pass: nil, state: .waiting)
                await executor.sleep(nanoseconds: 100_000_000)
            case .end:
                if loop, let file = reader as? FileFeedReader {
                    do throws(FeedError) {
                        try file.rewindForNextPass()
                    } catch {
                        hub.fail(error.message)
                        return
                    }
                    continue
                }
                noteProgress(lines: 0, pass: nil, state: .ended)
                if !endAnnounced {
                    endAnnounced = true
                    var end = LineBatch()
                    end.reachedEnd = true
                    end.generation = (reader as? FileFeedReader)?.currentGeneration ?? 0
                    if reader.canWait {
                        guard await output.send(end) else { return }
                    } else {
                        _ = output.offer(end)
                    }
                }
                if holdAtEnd && reader.canReposition {
                    // The console keeps an ended file open so the analyst can seek back.
                    await executor.sleep(nanoseconds: 100_000_000)
                    continue
                }
                return
            }
        }
    }

    /// Moves the source (a seek); returns the generation its next batches carry.
    func reposition(to position: SourcePosition) throws(FeedError) -> Int {
        // Ended and closed (not held open for the console): nothing would read from there.
        guard !finished else { throw FeedError.cannotSeek(source: name, kind: "a source read to its end and closed") }
        try reader.reposition(to: position)
        return (reader as? FileFeedReader)?.currentGeneration ?? 0
    }

    /// The reader's side of the status: the total size and the state. (Where replay has got
    /// to, and the ETA, come from the parse stage, which paces.)
    private func noteProgress(lines: Int, pass: Int?, state: SourceStatus.State) {
        let total = reader.progress.total
        hub.source(index) { s in
            s.bytesTotal = total
            // A source its parser failed (a file whose format cannot be told) stays failed,
            // however far its reader got.
            if case .failed = s.state { return }
            if s.state != .paused || state == .ended { s.state = state }
        }
    }
}
