import CTASCore
import CTASFeeds

/// How replayed events are adjusted before they are stored.
struct ReplayTransform: Sendable {
    /// Shift event times so the first event lands on the wall-clock time the replay starts.
    var rebaseToNow = false
    /// On every loop pass after the first, shift times past the previous pass and suffix
    /// ids with `~PASS`, so a looping demo stays live instead of repeating ids.
    var shiftLoopPasses = true
    /// On those passes, give indicators values of their own per pass (nil: keep them).
    var episodes: LoopEpisodes?
}

/// Decodes one source's line batches into events, applies seeks and loop shifts, and paces
/// events by event time at the replay speed before handing them on.
///
/// A live source (a followed file, UDP, standard input) is not paced: its events are shown
/// as they arrive, and a followed file's backlog is caught up at once, however long it spans
/// (at 1× the backlog of a day-old eve.json took a day). A named pipe given as a feed file is
/// a recording and is paced. Pause holds every source alike.
actor ParseStage {
    nonisolated let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private let index: Int
    private let input: BoundedQueue<LineBatch>
    private let output: BoundedQueue<EventBatch>
    private let source: SourceStage
    private let hub: MetricsHub
    private let control: ReplayControl
    private let resumable: Bool
    /// Live: never paced by event time (see above).
    private let live: Bool
    private let transform: ReplayTransform
    private var decoder: FeedDecoder
    private var clock: ReplayClock
    private var seenVersion = -1
    private var generation = 0
    private var seekEpoch = 0
    private var skipBefore: Timestamp?

    // Sparse time index for seeks: positions where every earlier event is older than `maxTime`.
    private var timeIndex: [(position: SourcePosition, maxTime: Timestamp)] = []
    private var indexMax: Timestamp?
    private var indexContiguous: Bool
    private var sinceIndexed = 0

    // Progress as released (what the analyst has seen), for the status and the ETA.
    private var progressAnchor: (nanos: UInt64, offset: Int64)?
    private var releaseRate = 0.0
    /// Paced events of one decoded batch are released at most once a tick (monotonic time ÷
    /// this): every event due by then goes in one batch, and a new decoded batch releases
    /// what is due at once (so a dense feed is not held to one decoded batch a tick).
    /// Releasing each event the moment it fell due sent hundreds of one-event batches a
    /// second through every stage and a transaction each (the demo at 20× kept the console
    /// process at a third of a core); the console draws ten frames a second, so an event
    /// released up to a tenth of a second after its time is not seen later. Ticks are of the
    /// monotonic clock, the same for every source, so the sources' releases reach the writer
    /// together and share its transaction.
    static let releaseIntervalNanos: UInt64 = 100_000_000
    /// The most events one batch carries on from here at full speed (`ctas ingest`,
    /// `--speed max`). A read is about 1 MiB, which decodes to some 3,300 native events but
    /// 6,500 Zeek DNS records, each held with its original record in every stage's queue:
    /// what is in flight is queued batches times their size. In pieces of this size a
    /// 536k-record Zeek dns.log ingested with a peak of 169 MB instead of 234 MB (a native
    /// feed: 86 MB instead of 101 MB), at the same speed. A paced replay's tick releases what
    /// fell due whole: cut into pieces, a 50k events/s replay's read→durable p99 rose to
    /// 120–148 ms (60–84 ms whole, on most runs). A live source's read goes whole too: it is
    /// what arrived since the last one.
    static let forwardEvents = 2_048

    // Loop-pass shifting.
    private var firstPassRange: (min: Timestamp, max: Timestamp)?
    private var rebaseOffset: Int64?
    private var currentPass = 0

    init(index: Int, input: BoundedQueue<LineBatch>, output: BoundedQueue<EventBatch>, source: SourceStage,
         hub: MetricsHub, control: ReplayControl, format: FeedFormat, telemetry: TelemetryOptions, resumable: Bool,
         start: SourcePosition, startAt: Timestamp?, transform: ReplayTransform, live: Bool = false) {
        executor = ThreadExecutor(name: "ctas-parse-\(index)")
        self.index = index
        self.input = input
        self.output = output
        self.source = source
        self.hub = hub
        self.control = control
        self.resumable = resumable
        self.live = live
        self.transform = transform
        decoder = FeedDecoder(format: format, sourceName: source.name, options: telemetry)
        decoder.reset(at: start)
        clock = ReplayClock(speed: control.current.speed, shared: control, version: control.current.version)
        indexContiguous = start.offset == 0 && startAt == nil
        skipBefore = startAt
    }

    func run() async {
        while let lines = await input.receive() {
            if control.current.stopping { break }
            if lines.generation < generation { continue }   // read before a seek: stale
            if lines.generation > generation || lines.startedAt != nil {
                generation = lines.generation
                if let start = lines.startedAt {
                    decoder.reset(at: start)
                    if start.offset == 0 && skipBefore == nil { indexContiguous = true; indexMax = nil }
                }
            }
            if lines.reachedEnd {
                // Every batch before this one was released: the source is read to its end,
                // the bytes after its last record (a JSON array's `]`, blank lines) included.
                hub.source(index) { s in
                    if let total = s.bytesTotal { s.bytesDone = Swift.max(s.bytesDone, total) }
                    s.etaSeconds = nil
                }
                continue
            }
            // Taken in the same turn as the generation check: any `await` below may let a
            // seek in, and a batch decoded before a seek must not be released after it.
            let epoch = seekEpoch
            let started = MonotonicClock.nanoseconds()
            var decoded: DecodedBatch
            do throws(FeedError) {
                decoded = try decoder.decode(lines)
            } catch {
                // This source cannot be read (its format cannot be told, its header is
                // unusable): it fails alone, as a source that cannot be opened does, and the
                // others go on (a directory of logs holds a zeekctl stderr.log among them).
                hub.fail(error.message)
                hub.source(index) { $0.state = .failed(error.message) }
                break
            }
            hub.stage(.parse, events: decoded.events.count, nanos: MonotonicClock.nanoseconds() - started)
            updateTimeIndex(decoded)
            adjust(&decoded)
            await pace(decoded, epoch: epoch)
        }
        input.close()   // release a source still waiting to send (stop, failure)
        let tail = decoder.finish()
        if !tail.rejects.isEmpty && !control.current.stopping {
            var batch = EventBatch(source: index)
            batch.rejects = tail.rejects
            batch.checkpoint = resumable ? tail.checkpoint : nil
            _ = await output.send(batch)
        }
        executor.shutdown()
    }

    // MARK: seek

    /// Moves the source so replay continues at the first event at or after `target`.
    func seek(to target: Timestamp) async -> String? {
        guard source.canReposition else { return "\(source.name): a stream cannot seek" }
        let shift = shift(forPass: currentPass)
        let rawTarget = target.shifted(byMicroseconds: shift == .min ? .max : -shift)
        let position = timeIndex.last(where: { $0.maxTime < rawTarget })?.position ?? .start
        do throws(FeedError) {
            generation = try await source.reposition(to: position)
        } catch {
            return error.message
        }
        decoder.reset(at: position)
        skipBefore = rawTarget
        seekEpoch += 1
        indexContiguous = false
        clock.reanchor(speed: control.current.speed, version: control.current.version)
        hub.resetReplayTime(nil)
        return nil
    }

    private func updateTimeIndex(_ d: DecodedBatch) {
        guard indexContiguous, skipBefore == nil else { return }
        for (i, e) in d.events.enumerated() {
            indexMax = indexMax.map { Swift.max($0, e.timestamp) } ?? e.timestamp
            sinceIndexed += 1
            if sinceIndexed >= 1024, let maxTime = indexMax {
                let position = d.eventEnds[i]
                if timeIndex.last.map({ position.offset > $0.position.offset }) ?? true {
                    timeIndex.append((position, maxTime))
                }
                sinceIndexed = 0
            }
        }
    }

    // MARK: loop passes, rebasing, skipping

    /// Microseconds every event time of `pass` moves by (saturating: a recording spanning
    /// millennia looped many times shifts its events out of the calendar, and they are then
    /// rejected as out of range instead of trapping or being stored unreadable).
    private func shift(forPass pass: Int) -> Int64 {
        var total = rebaseOffset ?? 0
        if pass > 0, transform.shiftLoopPasses, let range = firstPassRange {
            let span = range.max.microseconds - range.min.microseconds + 1_000_000   // both within 0000–9999: no overflow
            let (perPass, overflow) = Int64(pass).multipliedReportingOverflow(by: span)
            let (sum, overflow2) = total.addingReportingOverflow(perPass)
            total = overflow || overflow2 ? .max : sum
        }
        return total
    }

    private func adjust(_ d: inout DecodedBatch) {
        currentPass = d.pass
        if d.pass == 0 {
            for e in d.events {
                if let r = firstPassRange {
                    firstPassRange = (Swift.min(r.min, e.timestamp), Swift.max(r.max, e.timestamp))
                } else {
                    firstPassRange = (e.timestamp, e.timestamp)
                }
            }
        }
        if let target = skipBefore {
            var kept: [Event] = []
            var keptEnds: [SourcePosition] = []
            var skipped = 0
            for (i, e) in d.events.enumerated() {
                if skipBefore != nil && e.timestamp < target {
                    skipped += 1
                    continue
                }
                skipBefore = nil
                kept.append(e)
                keptEnds.append(d.eventEnds[i])
            }
            if skipped > 0 { hub.skippedBySeek(skipped) }
            d.events = kept
            d.eventEnds = keptEnds
        }
        if transform.rebaseToNow, rebaseOffset == nil, let first = d.events.first {
            rebaseOffset = Timestamp.now().microseconds - first.timestamp.microseconds
        }
        let offset = shift(forPass: d.pass)
        guard offset != 0 || d.pass > 0 else { return }
        var outOfRange: [Int] = []
        for i in d.events.indices {
            guard let moved = d.events[i].timestamp.checkedShift(byMicroseconds: offset) else {
                outOfRange.append(i)
                continue
            }
            d.events[i].timestamp = moved
            if d.pass > 0 && transform.shiftLoopPasses { d.events[i].id += "~\(d.pass)" }
            if d.pass > 0, let episodes = transform.episodes { episodes.rewrite(&d.events[i], pass: d.pass) }
        }
        if !outOfRange.isEmpty { rejectShiftedOutOfRange(outOfRange, offset: offset, in: &d) }
    }

    /// Moves events whose shifted time leaves years 0000–9999 to the rejects (the batch's
    /// rejects stay in source order, as the store expects).
    private func rejectShiftedOutOfRange(_ indices: [Int], offset: Int64, in d: inout DecodedBatch) {
        let drop = Set(indices)
        var kept: [Event] = []
        var keptEnds: [SourcePosition] = []
        for i in d.events.indices {
            if drop.contains(i) {
                let event = d.events[i]
                let raw = Array(NDJSONEventWriter.line(event).utf8.dropLast())
                let why = d.pass > 0 ? "loop pass \(d.pass)" : "--rebase-to-now"
                let problem = LineProblem("out_of_range", field: "ts", "\(event.timestamp.rfc3339) shifted by \(why) leaves years 0000–9999; expected times a replay can move")
                d.rejects.append(Rejection(line: d.eventEnds[i].line, endOffset: d.eventEnds[i].offset, problem: problem, raw: raw, rawLength: raw.count))
            } else {
                kept.append(d.events[i])
                keptEnds.append(d.eventEnds[i])
            }
        }
        d.events = kept
        d.eventEnds = keptEnds
        d.rejects.sort { $0.endOffset < $1.endOffset }
    }

    // MARK: pacing

    /// Releases `d` as its events fall due; gives up when a seek (a new `seekEpoch`) has
    /// come in since the batch was decoded under `epoch`.
    private func pace(_ d: DecodedBatch, epoch: Int) async {
        var start = 0
        var rejectCursor = 0
        var lastReleaseTick: UInt64 = 0
        let n = d.events.count
        if n == 0 {
            await forward(d, 0..<0, final: true, epoch: epoch, rejectCursor: &rejectCursor)
            return
        }
        while start < n {
            let c = control.current
            if c.stopping || seekEpoch != epoch { return }
            if c.version != seenVersion {
                seenVersion = c.version
                clock.reanchor(speed: c.speed, version: c.version)
            }
            if c.paused {
                hub.source(index) { if $0.state != .ended { $0.state = .paused } }
                await control.waitForChange(from: c.version, timeout: .seconds(1))
                continue
            }
            let now = MonotonicClock.nanoseconds()
            var end = start
            if live {
                end = n
            } else if c.speed == .max {
                end = Swift.min(n, start + Self.forwardEvents)
            } else if now / Self.releaseIntervalNanos > lastReleaseTick {
                while end < n && clock.due(d.events[end].timestamp, now: now) <= now { end += 1 }
            }
            if end > start {
                await forward(d, start..<end, final: end == n, epoch: epoch, rejectCursor: &rejectCursor)
                start = end
                lastReleaseTick = now / Self.releaseIntervalNanos
            } else {
                // The next event's time, but not before the next tick, and not past it either
                // (a pause or a new speed is seen within one tick): one sleep per tick.
                let due = Swift.max(clock.due(d.events[start].timestamp, now: now), (lastReleaseTick &+ 1) &* Self.releaseIntervalNanos)
                let wait = due > now ? Swift.min(due - now, Self.releaseIntervalNanos) : 0
                await executor.sleep(nanoseconds: wait)
            }
        }
    }

    private func noteRelease(offset: Int64, lines: Int, pass: Int) {
        let now = MonotonicClock.nanoseconds()
        if let anchor = progressAnchor, now - anchor.nanos > 500_000_000 {
            let rate = Double(max(0, offset - anchor.offset)) / (Double(now - anchor.nanos) / 1e9)
            releaseRate = releaseRate == 0 ? rate : releaseRate * 0.6 + rate * 0.4
            progressAnchor = (now, offset)
        } else if progressAnchor == nil || offset < progressAnchor?.offset ?? 0 {
            progressAnchor = (now, offset)
        }
        let speed = releaseRate
        hub.source(index) { s in
            s.bytesDone = offset
            s.lines += lines
            s.pass = pass
            if let total = s.bytesTotal, speed > 0, total >= offset { s.etaSeconds = Double(total - offset) / speed } else { s.etaSeconds = nil }
        }
    }

    private func forward(_ d: DecodedBatch, _ range: Range<Int>, final: Bool, epoch: Int, rejectCursor: inout Int) async {
        guard seekEpoch == epoch else { return }   // a seek came in while this call was on its way
        var batch = EventBatch(source: index)
        batch.events = range.count == d.events.count ? d.events : Array(d.events[range])
        batch.readAtNanos = d.readAtNanos
        let checkpoint = final ? d.checkpoint : d.eventEnds[range.upperBound - 1]
        batch.checkpoint = resumable ? checkpoint : nil
        batch.identity = source.identity
        while rejectCursor < d.rejects.count && (final || d.rejects[rejectCursor].endOffset <= checkpoint.offset) {
            batch.rejects.append(d.rejects[rejectCursor])
            rejectCursor += 1
        }
        if final {
            batch.blankLines = d.blankLines
            batch.lines = d.lineCount
            batch.warnings = d.warnings
        }
        if let last = batch.events.last { hub.replayTime(last.timestamp) }
        // Paced events wait here on purpose: end-to-end latency counts from their release.
        if !live, case .factor = control.current.speed { batch.readAtNanos = MonotonicClock.nanoseconds() }
        noteRelease(offset: checkpoint.offset, lines: final ? d.lineCount : 0, pass: d.pass)
        hub.released(batch.events.count, at: MonotonicClock.nanoseconds())
        _ = await output.send(batch)
    }
}
