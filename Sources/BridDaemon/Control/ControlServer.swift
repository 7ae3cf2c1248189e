import BridCore
import BridProtocol
import BridRuntime
import CLinux
import Foundation
import Logging
import Synchronization

/// What a handler knows of the connection a request came on.
public final class ControlConnection: Sendable {
    public let peer: PeerCredentials?
    /// Chunks of an `ingest` arriving on this connection, counted in the server's budget.
    private let staging = Mutex(IngestStaging())
    private let budget: StagingBudget

    init(peer: PeerCredentials?, budget: StagingBudget) {
        self.peer = peer
        self.budget = budget
    }

    deinit {
        budget.release(staging.withLock { $0.bytes.count })
    }

    /// Stages one chunk within the global budget; past it, this connection's upload is
    /// dropped (so that uploads waiting on each other cannot hold the budget for ever).
    func stage(_ chunk: IngestChunkRequest) throws(ControlError) -> IngestChunkResponse {
        try staging.withLock { (staging: inout IngestStaging) throws(ControlError) in
            let before = staging.bytes.count
            let response: IngestChunkResponse
            do throws(ControlError) {
                response = try staging.stage(chunk)
            } catch {
                budget.release(before - staging.bytes.count)  // a chunk at offset 0 dropped the earlier file
                throw error
            }
            let grown = staging.bytes.count - before
            do throws(ControlError) {
                if grown > 0 { try budget.reserve(grown) } else { budget.release(-grown) }
            } catch {
                staging.reset()
                budget.release(before)
                throw error
            }
            return response
        }
    }

    /// The whole staged file and the request's last piece; nothing stays staged.
    func finish(_ request: IngestRequest) throws(ControlError) -> Data {
        try staging.withLock { (staging: inout IngestStaging) throws(ControlError) in
            let before = staging.bytes.count
            defer { budget.release(before - staging.bytes.count) }
            return try staging.finish(request)
        }
    }
}

/// The control socket's server: one thread in `epoll_wait` for every connection, so idle
/// clients, clients sending half a line, and clients that never read cost nothing but
/// their buffers. Requests on one connection are answered in order; each runs as a task
/// (handlers are async, the store and daemon are behind their own locks and actor).
///
/// Limits: a line over 1 MiB gets an error reply and the connection is closed; a client
/// that does not read its replies is not served further (one reply at most is pending).
///
/// A client that shuts down its writing side after its requests (`shutdown(SHUT_WR)`, as
/// `nc -N` and socat do) has every request answered, a last one without its newline
/// included, and then the connection is closed. A client that closes outright (a hang-up,
/// which a Unix socket tells apart from a half-close) is answered nothing more.
///
/// Streamed replies (protocol version 2) are produced lazily: the next batch of rows is
/// read from the store, on the read queue, only once the previous line has been handed to
/// the kernel, so a slow reader holds one batch in brid, not its whole result; a client
/// that goes away mid-stream ends the stream and frees its cursor. A client that stops
/// reading mid-stream for `streamStallLimit` is disconnected: its stream's read transaction
/// would otherwise hold back every WAL checkpoint for as long as it liked.
public final class ControlServer: Sendable {
    static let readChunk = 64 << 10

    private let listenFD: Int32
    private let epollFD: Int32
    private let wakeFD: Int32
    private let handlers: ControlHandlers<ControlConnection>
    private let socket: ControlSocket
    private let logger: Logger
    private let completions = Mutex<[(fd: Int32, generation: UInt64, reply: Completion)]>([])

    /// What a handler task hands back to the loop thread.
    fileprivate enum Completion: Sendable {
        /// The answer to a request: a line, or a stream's header and its stream.
        case reply(ControlReply)
        /// The next line of a stream (nil: it had ended).
        case streamed(Data?)
    }
    private let stopping = Atomic<Bool>(false)
    private let streamStallLimit: Duration
    /// Uploads staged on every connection together.
    let staging: StagingBudget

    public init(socket: ControlSocket, handlers: ControlHandlers<ControlConnection>, logger: Logger,
                streamStallLimit: Duration = .seconds(60), maxStagedBytes: Int = DaemonConfig.defaultMaxStagedBytes) throws {
        self.streamStallLimit = streamStallLimit
        staging = StagingBudget(limit: maxStagedBytes)
        listenFD = socket.fd
        self.socket = socket
        self.handlers = handlers
        self.logger = logger
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC) | Int32(EFD_NONBLOCK))
        guard epollFD >= 0, wakeFD >= 0 else { throw RuntimeError("epoll/eventfd: \(String(cString: strerror(errno)))") }
        Self.watch(epollFD, listenFD, events: UInt32(EPOLLIN.rawValue))
        Self.watch(epollFD, wakeFD, events: UInt32(EPOLLIN.rawValue))
    }

    deinit {
        close(epollFD)
        close(wakeFD)
    }

    /// Serves until `stop()`; returns when the loop has closed every connection.
    public func run() async {
        await OwnThread.run(named: "brid-control") { [self] _ in
            var loop = Loop(server: self)
            loop.run()
        }
    }

    public func stop() {
        stopping.store(true, ordering: .relaxed)
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    /// Called from handler tasks: hands a reply to the loop thread.
    fileprivate func complete(fd: Int32, generation: UInt64, reply: Completion) {
        completions.withLock { $0.append((fd, generation, reply)) }
        wake()
    }

    static func watch(_ epoll: Int32, _ fd: Int32, events: UInt32) {
        var event = clinux_epoll_event(events, fd)
        epoll_ctl(epoll, Int32(EPOLL_CTL_ADD), fd, &event)
    }

    static func modify(_ epoll: Int32, _ fd: Int32, events: UInt32) {
        var event = clinux_epoll_event(events, fd)
        epoll_ctl(epoll, Int32(EPOLL_CTL_MOD), fd, &event)
    }

    /// The state the loop thread alone touches.
    private struct Loop {
        let server: ControlServer
        var connections: [Int32: Connection] = [:]
        var nextGeneration: UInt64 = 1
        var acceptPausedUntil: ContinuousClock.Instant?

        struct Connection {
            let fd: Int32
            let generation: UInt64
            let context: ControlConnection
            let mayMutate: Bool
            var framer = LineFramer()
            var output: [UInt8] = []
            var written = 0
            var busy = false
            var closeAfterFlush = false
            /// The client shut down its writing side: answer what it sent, then close.
            var inputEnded = false
            /// Out of epoll: the client is gone and a request of it is still running.
            var detached = false
            var interest: UInt32 = 0
            /// The streamed reply being sent, and whether its next line is being produced.
            var stream: ReplyStream?
            var producing = false
            /// When a byte last went out or a line was queued: how long a stream has stalled.
            var lastProgress = ContinuousClock.now
        }

        init(server: ControlServer) {
            self.server = server
        }

        mutating func run() {
            var events = [epoll_event](repeating: epoll_event(), count: 64)
            while !server.stopping.load(ordering: .relaxed) {
                var timeout: Int32 = -1
                if let until = acceptPausedUntil {
                    let left = until - ContinuousClock.now
                    if left <= .zero {
                        ControlServer.watch(server.epollFD, server.listenFD, events: UInt32(EPOLLIN.rawValue))
                        acceptPausedUntil = nil
                    } else {
                        timeout = Int32(max(1, left.components.attoseconds / 1_000_000_000_000_000 + left.components.seconds * 1000))
                    }
                }
                let streaming = connections.values.contains(where: { $0.stream != nil })
                if streaming {
                    // Streams are watched for stalled readers.
                    let limit = server.streamStallLimit.components
                    let millis = limit.seconds * 1_000 + limit.attoseconds / 1_000_000_000_000_000
                    let check = Int32(max(1, min(1_000, millis / 2)))
                    timeout = timeout < 0 ? check : min(timeout, check)
                }
                let count = epoll_wait(server.epollFD, &events, Int32(events.count), timeout)
                if count < 0 {
                    if errno == EINTR { continue }
                    server.logger.error("control socket: epoll_wait failed: \(String(cString: strerror(errno)))")
                    break
                }
                for i in 0..<Int(count) {
                    let fd = clinux_epoll_event_fd(&events[i])
                    let flags = clinux_epoll_event_flags(&events[i])
                    if fd == server.listenFD {
                        acceptAll()
                    } else if fd == server.wakeFD {
                        var counter: UInt64 = 0
                        _ = read(server.wakeFD, &counter, 8)
                        deliverCompletions()
                    } else {
                        handle(fd, flags: flags)
                    }
                }
                if streaming { dropStalledStreams() }
            }
            for fd in Array(connections.keys) { drop(fd) }
        }

        mutating func acceptAll() {
            while true {
                let fd = accept(server.listenFD, nil, nil)
                if fd < 0 {
                    if errno == EMFILE || errno == ENFILE {
                        // Out of descriptors: stop listening for a moment rather than spin.
                        epoll_ctl(server.epollFD, Int32(EPOLL_CTL_DEL), server.listenFD, nil)
                        acceptPausedUntil = ContinuousClock.now + .milliseconds(200)
                        server.logger.error("control socket: out of file descriptors; not accepting for 200 ms")
                    }
                    return  // EAGAIN, or a transient error: epoll tells us again
                }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                let peer = PeerCredentials(socket: fd)
                // The socket file's group as it is now: an operator may have changed it.
                let mayMutate = peer?.mayMutate(socketGroup: server.socket.group) ?? false
                var connection = Connection(fd: fd, generation: nextGeneration, context: ControlConnection(peer: peer, budget: server.staging), mayMutate: mayMutate)
                nextGeneration += 1
                connection.interest = UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
                connections[fd] = connection
                ControlServer.watch(server.epollFD, fd, events: connection.interest)
            }
        }

        mutating func handle(_ fd: Int32, flags: UInt32) {
            guard connections[fd] != nil else { return }
            if flags & UInt32(EPOLLOUT.rawValue) != 0 { flush(fd) }
            guard connections[fd] != nil else { return }
            // A hang-up (both directions shut, on a Unix socket) or an error: the client is gone.
            let hungUp = flags & UInt32(EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
            if connections[fd]!.inputEnded {
                if hungUp { clientGone(fd) }
                return
            }
            if flags & UInt32(EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                var buffer = [UInt8](repeating: 0, count: ControlServer.readChunk)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    connections[fd]!.framer.append(buffer[0..<n])
                } else if n == 0 && !hungUp {
                    // A half-close: the client sent all it will and waits for the answers.
                    // A last request without its newline is a request too.
                    connections[fd]!.inputEnded = true
                    if connections[fd]!.framer.buffered > 0 { connections[fd]!.framer.append([0x0A]) }
                    updateReading(fd)
                } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                    clientGone(fd)
                    return
                }
            }
            dispatchNext(fd)
        }

        /// The client hung up (or broke): answer nothing more. A request still running keeps
        /// the descriptor (so its number is not reused) but leaves epoll, whose hang-up event
        /// would otherwise fire on every wait.
        mutating func clientGone(_ fd: Int32) {
            guard let connection = connections[fd] else { return }
            if connection.stream != nil && !connection.producing {
                drop(fd)  // a stream waiting for the client to read: end it now
            } else if connection.busy {
                connections[fd]!.closeAfterFlush = true
                connections[fd]!.detached = true
                epoll_ctl(server.epollFD, Int32(EPOLL_CTL_DEL), fd, nil)
            } else {
                drop(fd)
            }
        }

        /// Starts the next request of a connection if it is not already answering one.
        mutating func dispatchNext(_ fd: Int32) {
            guard var connection = connections[fd], !connection.busy, !connection.closeAfterFlush else { return }
            // One reply in the pipe at a time: a client that does not read its replies stops
            // being served (and read from) instead of piling them up in brid.
            if connection.written < connection.output.count {
                updateReading(fd)
                return
            }
            switch connection.framer.next() {
            case .needMore:
                if connection.inputEnded {
                    drop(fd)  // every request of a half-closed client answered and sent
                    return
                }
            case .tooLong:
                connection.output += ControlMessage.encodeErrorReply(id: nil, ControlMessage.lineTooLong)
                connection.closeAfterFlush = true
                connections[fd] = connection
                flush(fd)
                return
            case let .line(bytes):
                connection.busy = true
                connections[fd] = connection
                let (server, context, mayMutate, generation) = (server, connection.context, connection.mayMutate, connection.generation)
                Task {
                    var reply = await server.handlers.respond(to: bytes, context: context, mayMutate: mayMutate)
                    if case let .stream(header, stream) = reply {
                        // The first rows go with the header (a small result: all of it, and its end).
                        let first = try? await BlockingWork.read { stream.nextLine() }
                        reply = .stream(header: header + ((first ?? nil) ?? Data()), stream)
                    }
                    server.complete(fd: fd, generation: generation, reply: .reply(reply))
                }
                return
            }
            connections[fd] = connection
            updateReading(fd)
        }

        mutating func deliverCompletions() {
            let ready = server.completions.withLock { pending in
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            for (fd, generation, completion) in ready {
                guard var connection = connections[fd], connection.generation == generation else {
                    if case let .reply(.stream(_, stream)) = completion { stream.close() }
                    continue
                }
                connection.lastProgress = ContinuousClock.now
                switch completion {
                case let .reply(.line(line)):
                    connection.busy = false
                    connection.output += line
                case let .reply(.stream(header, stream)):
                    connection.output += header
                    if stream.isFinished {
                        connection.busy = false
                    } else {
                        connection.stream = stream  // busy until the stream ends
                    }
                case let .streamed(line):
                    connection.producing = false
                    if let line { connection.output += line }
                    if line == nil || connection.stream?.isFinished == true {
                        connection.stream = nil
                        connection.busy = false
                    }
                }
                connections[fd] = connection
                if connection.detached {
                    drop(fd)
                    continue
                }
                flush(fd)
                dispatchNext(fd)
            }
        }

        /// Asks the stream of a connection for its next line once everything before it has
        /// been handed to the kernel: the backpressure that keeps a slow reader's reply small.
        mutating func pump(_ fd: Int32) {
            guard var connection = connections[fd], let stream = connection.stream, !connection.producing,
                  connection.written == connection.output.count else { return }
            connection.producing = true
            connections[fd] = connection
            let (server, generation) = (server, connection.generation)
            Task {
                let line = try? await BlockingWork.read { stream.nextLine() }
                server.complete(fd: fd, generation: generation, reply: .streamed(line ?? nil))
            }
        }

        mutating func flush(_ fd: Int32) {
            guard var connection = connections[fd] else { return }
            while connection.written < connection.output.count {
                let n = connection.output.withUnsafeBytes { raw in
                    send(fd, raw.baseAddress! + connection.written, raw.count - connection.written, Int32(MSG_NOSIGNAL))
                }
                if n > 0 {
                    connection.written += n
                    connection.lastProgress = ContinuousClock.now
                } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                    break
                } else {
                    drop(fd)
                    return
                }
            }
            let drained = connection.written == connection.output.count
            if drained {
                connection.output.removeAll(keepingCapacity: connection.output.count < 1 << 20)
                connection.written = 0
                if connection.closeAfterFlush && !connection.busy {
                    drop(fd)
                    return
                }
            }
            connections[fd] = connection
            updateReading(fd)
            if drained {
                pump(fd)
                dispatchNext(fd)
            }
        }

        /// Reads only while the connection can take more: not over its output limit, not
        /// holding more than one line's worth of requests unanswered.
        mutating func updateReading(_ fd: Int32) {
            guard let connection = connections[fd] else { return }
            let backlog = connection.written < connection.output.count
                || (connection.busy && connection.framer.buffered > ControlProtocol.maxLineBytes + ControlServer.readChunk)
            setInterest(fd, reading: !backlog && !connection.closeAfterFlush)
        }

        mutating func setInterest(_ fd: Int32, reading: Bool) {
            guard var connection = connections[fd] else { return }
            // Once the client's input has ended, its (level-triggered) end is not asked for
            // again; a hang-up is reported whatever the interest.
            var interest: UInt32 = connection.inputEnded ? 0 : UInt32(EPOLLRDHUP.rawValue)
            if reading && !connection.inputEnded { interest |= UInt32(EPOLLIN.rawValue) }
            if connection.written < connection.output.count { interest |= UInt32(EPOLLOUT.rawValue) }
            if interest != connection.interest {
                connection.interest = interest
                connections[fd] = connection
                ControlServer.modify(server.epollFD, fd, events: interest)
            }
        }

        /// Closes the connections whose stream has waited longer than the limit for its
        /// client to read.
        mutating func dropStalledStreams() {
            let now = ContinuousClock.now
            let stalled = connections.values.filter {
                $0.stream != nil && !$0.producing && $0.written < $0.output.count && now - $0.lastProgress > server.streamStallLimit
            }
            for connection in stalled {
                server.logger.notice("control: a client read nothing of its streamed reply for \(server.streamStallLimit); disconnected",
                                     metadata: ["peer.uid": "\(connection.context.peer.map { String($0.uid) } ?? "?")",
                                                "peer.pid": "\(connection.context.peer.map { String($0.pid) } ?? "?")"])
                drop(connection.fd)
            }
        }

        mutating func drop(_ fd: Int32) {
            guard let connection = connections.removeValue(forKey: fd) else { return }
            connection.stream?.close()
            epoll_ctl(server.epollFD, Int32(EPOLL_CTL_DEL), fd, nil)
            close(fd)
        }
    }
}
