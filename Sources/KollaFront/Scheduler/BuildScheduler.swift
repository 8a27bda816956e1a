import Foundation
import OCIBuild

/// kolla-build's build and push queues: `threads` build workers and `push_threads` push
/// workers; an image is queued once its parent is built (or skipped); each task runs up
/// to `retries + 1` times; success queues the push and the children. A failed image
/// marks every waiting descendant `parent_error` (kolla leaves them `matched`;
/// kolla-oci names the cause).
final class BuildScheduler: @unchecked Sendable {
    private var images: [ImageNode]
    private let builder: any ImageBuilding
    private let threads: Int
    private let pushThreads: Int
    private let retries: Int
    private let push: Bool
    private let makeJob: @Sendable (ImageNode) -> BuildJob
    private let log: Log
    private let logsDir: String?

    private let lock = NSCondition()
    private var buildQueue: [Int] = []
    private var pushQueue: [Int] = []
    private var inFlight = 0
    private var logFiles: [String: FileHandle] = [:]
    private var durations: [String: Double] = [:]
    /// The live status on a terminal (build output then goes to the log files only).
    let board: StatusBoard

    init(
        images: [ImageNode], builder: any ImageBuilding, threads: Int, pushThreads: Int, retries: Int, push: Bool,
        log: Log, logsDir: String?, makeJob: @escaping @Sendable (ImageNode) -> BuildJob
    ) {
        self.images = images
        self.builder = builder
        self.threads = max(1, threads)
        self.pushThreads = max(1, pushThreads)
        self.retries = max(0, retries)
        self.push = push
        self.log = log
        self.logsDir = logsDir
        self.makeJob = makeJob
        self.board = StatusBoard(enabled: StatusBoard.terminal() && log.level != .debug && log.consoleLevel != .critical)
        log.board = board
    }

    /// Seconds each image built in this run took (its successful attempt and any failed
    /// ones before it), by name: what `--plan-timings` weighs shards with.
    var buildSeconds: [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        return durations
    }

    /// Runs every queue to the end and returns the images with their final statuses.
    func run() -> [ImageNode] {
        lock.lock()
        for (i, img) in images.enumerated() where img.status == .matched {
            if img.parent == nil || images[img.parent!].status == .skipped {
                buildQueue.append(i)
                log.info("Added image \(img.name) to queue")
            }
        }
        lock.unlock()
        var workers: [Thread] = []
        let done = DispatchGroup()
        for _ in 0..<threads { workers.append(worker(build: true, done)) }
        for _ in 0..<pushThreads { workers.append(worker(build: false, done)) }
        workers.forEach { $0.start() }
        done.wait()
        board.finish()
        log.board = nil
        for f in logFiles.values { try? f.close() }
        return images
    }

    private func worker(build: Bool, _ done: DispatchGroup) -> Thread {
        done.enter()
        let t = Thread { [self] in
            while let task = next(build: build) {
                if build { runBuild(task) } else { runPush(task) }
                lock.lock()
                inFlight -= 1
                lock.broadcast()
                lock.unlock()
            }
            done.leave()
        }
        t.stackSize = 8 << 20
        return t
    }

    /// The next task for a worker, or nil when every queue is drained and nothing runs.
    private func next(build: Bool) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while true {
            if build, !buildQueue.isEmpty {
                inFlight += 1
                return buildQueue.removeFirst()
            }
            if !build, !pushQueue.isEmpty {
                inFlight += 1
                return pushQueue.removeFirst()
            }
            if buildQueue.isEmpty && pushQueue.isEmpty && inFlight == 0 {
                lock.broadcast()
                return nil
            }
            // A build worker with nothing to build while others run: images wait for parents.
            if build { PhaseClock.process.measure(.waiting) { lock.wait() } } else { lock.wait() }
        }
    }

    private func status(_ i: Int) -> ImageStatus {
        lock.lock()
        defer { lock.unlock() }
        return images[i].status
    }

    private func setStatus(_ i: Int, _ s: ImageStatus) {
        lock.lock()
        images[i].status = s
        lock.unlock()
        imageLog(i, "Status: \(s.rawValue)", level: s.isError ? .error : .info, status: true)
        board.set(images[i].name, s == .building ? "building" : nil)
    }

    private func runBuild(_ i: Int) {
        let image = images[i]
        if [.skipped, .unbuildable, .unmatched].contains(status(i)) { return }
        if let p = image.parent, status(p).isError {
            setStatus(i, .parentError)
            return
        }
        setStatus(i, .building)
        imageLog(i, "Building started at \(Date())")
        let job = makeJob(image)
        let started = Date()
        var lastError: Error?
        for attempt in 1...(retries + 1) {
            if attempt > 1 { imageLog(i, "Attempt number: \(attempt) to run task: BuildTask(\(image.name))") }
            do {
                try builder.build(job) { [self] line in imageLog(i, line) }
                lastError = nil
                break
            } catch {
                lastError = error
                imageLog(i, "\(error)", level: .error)
            }
        }
        if lastError != nil {
            setStatus(i, .error)
            markDescendants(of: i)
            return
        }
        setStatus(i, .built)
        imageLog(i, "Built at \(Date())")
        lock.lock()
        durations[image.name] = Date().timeIntervalSince(started)
        if push { pushQueue.append(i) }
        for c in images[i].children where images[c].status == .matched {
            buildQueue.append(c)
        }
        lock.broadcast()
        lock.unlock()
    }

    private func markDescendants(of i: Int) {
        var stack = images[i].children
        while let c = stack.popLast() {
            if status(c) == .matched {
                setStatus(c, .parentError)
                stack += images[c].children
            }
        }
    }

    private func runPush(_ i: Int) {
        let image = images[i]
        var lastError: Error?
        board.set(image.name, "pushing")
        defer { board.set(image.name, nil) }
        for _ in 1...(retries + 1) {
            do {
                try PhaseClock.process.measure(.push) {
                    try builder.push(image.canonicalName) { [self] line in imageLog(i, line) }
                }
                lastError = nil
                break
            } catch {
                lastError = error
                imageLog(i, "\(error)", level: .error)
            }
        }
        if let lastError {
            setStatus(i, lastError is ConnectionError ? .connectionError : .pushError)
        } else {
            imageLog(i, "Pushed successfully", status: true)
        }
    }

    /// A line of one image's log: the console (`LEVEL:kolla.common.utils.<image>:…`) and,
    /// with `--logs-dir`, `<dir>/<image>.log` (opened on first use, as kolla does).
    private func imageLog(_ i: Int, _ line: String, level: Log.Level = .info, status: Bool = false) {
        let name = images[i].name
        if board.isEnabled {
            // On a terminal: state changes and errors scroll, build output feeds the board.
            if line.hasPrefix("STEP "), let steps = line.split(separator: ":").first {
                board.set(name, "building " + steps.lowercased())
            }
            if status || level >= .error { log.log(level, line, image: name) }
        } else {
            log.log(level, line, image: name)
        }
        guard let logsDir else { return }
        lock.lock()
        defer { lock.unlock() }
        var handle = logFiles[name]
        if handle == nil {
            let path = logsDir + "/" + name + ".log"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handle = FileHandle(forWritingAtPath: path)
            handle?.seekToEndOfFile()
            logFiles[name] = handle
        }
        handle?.write(Data("\(level.name):\(Log.logger).\(name):\(line)\n".utf8))
    }
}
