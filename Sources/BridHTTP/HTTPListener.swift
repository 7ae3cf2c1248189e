import BridCore
import BridStore
import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The request context of every route.
public typealias HTTPContext = BasicRequestContext
/// The router the route groups register on.
public typealias HTTPRouter = Router<HTTPContext>

/// What the routes read: the store (on a queue of their own, never on the event loops), the
/// configuration in force (a reload swaps it) and the clock.
public struct HTTPReads: Sendable {
    public let store: any VintageStore
    public let config: @Sendable () async -> BridConfig
    public let now: @Sendable () -> Date
    /// Answers kept while the store has no newer release (the FRED API's).
    public let cache: ResponseCache
    /// Every release's ingest time, read once (the FRED API dates versions by them).
    let releaseTimes = ReleaseTimes()
    /// Where a failed read is said in full (the answer itself names no path, host or user).
    public let logger: Logger

    public init(store: any VintageStore, config: @escaping @Sendable () async -> BridConfig, now: @escaping @Sendable () -> Date = { Date() },
                cache: ResponseCache = ResponseCache(), logger: Logger = Logger(label: "brid.http")) {
        self.store = store
        self.config = config
        self.now = now
        self.cache = cache
        self.logger = logger
    }

    /// Logs why a request could not be answered from the store; the text for the answer.
    func failed(_ request: Request, _ error: any Error) -> String {
        logger.error("http: \(request.uri.path) could not be answered: the store could not be read: \(error)")
        return "The store could not be read; brid's journal says why."
    }

    /// Store reads run here: blocking SQLite or libpq calls must not occupy an event loop.
    private static let queue = DispatchQueue(label: "brid.http.reads", qos: .userInitiated, attributes: .concurrent)

    /// At most this many requests read the store at once; the others wait, suspended (no
    /// thread parked per waiting request), so a burst of requests neither grows the thread
    /// count nor takes every connection of the store's read pool from the daemon.
    public static let concurrentReads = 4
    private static let slots = ReadSlots(concurrentReads)

    /// Runs a blocking read of the store off the event loops.
    public func read<T: Sendable>(_ work: @escaping @Sendable (any VintageStore) throws -> T) async throws -> T {
        let store = self.store
        await Self.slots.take()
        defer { Self.slots.give() }
        return try await withCheckedThrowingContinuation { continuation in
            Self.queue.async { continuation.resume(with: Result { try work(store) }) }
        }
    }
}

/// The bearer tokens in force: read from their references when the listener starts and at
/// each reload. The values are never logged or shown.
public final class HTTPTokens: Sendable {
    private let values: Mutex<[[UInt8]]>

    public init(_ values: [String] = []) {
        self.values = Mutex(values.map { Array($0.utf8) })
    }

    /// Reads every reference; the first that cannot be read is the error (it names the
    /// reference, never a value).
    public static func resolve(_ references: [SecretReference], environment: [String: String],
                               readFile: (String) throws -> String) throws(SecretResolutionError) -> [String] {
        var tokens: [String] = []
        for reference in references {
            tokens.append(try reference.resolve(environment: environment, readFile: readFile))
        }
        return tokens
    }

    public func replace(with values: [String]) {
        self.values.withLock { $0 = values.map { Array($0.utf8) } }
    }

    /// Whether requests need a token at all.
    public var required: Bool { values.withLock { !$0.isEmpty } }

    /// Whether `candidate` is one of the tokens, compared in time independent of where
    /// it differs.
    public func accepts(_ candidate: Substring) -> Bool {
        let bytes = Array(candidate.utf8)
        return values.withLock { tokens in
            var found = false
            for token in tokens where Self.equalInConstantTime(token, bytes) { found = true }
            return found
        }
    }

    private static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// Refuses a request without one of the tokens, when tokens are configured: accepted as
/// FRED clients send them (`api_key=` in the query) and as `Authorization: Bearer`.
struct TokenMiddleware: RouterMiddleware {
    typealias Context = HTTPContext
    let tokens: HTTPTokens

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard tokens.required else { return try await next(request, context) }
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
           tokens.accepts(header.dropFirst(7).drop(while: { $0 == " " })) {
            return try await next(request, context)
        }
        if let key = request.uri.queryParameters["api_key"], tokens.accepts(Substring(key)) {
            return try await next(request, context)
        }
        if let token = Self.cookieToken(request), tokens.accepts(Substring(token)) {
            return try await next(request, context)
        }
        return HTTPListener.unauthorized(request)
    }

    /// The pages' cookie (`PageRoutes.signIn`): `brid_token`, percent-encoded.
    static let cookie = "brid_token"

    static func cookieToken(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard trimmed.hasPrefix(cookie + "=") else { continue }
                return PageText.percentDecoded(trimmed.dropFirst(cookie.count + 1))
            }
        }
        return nil
    }
}

/// HEAD, for every route: answered by the GET route of the same path, without its body, so
/// no route group registers HEAD of its own. In front of the router, since the router picks
/// a route by method before its middleware runs.
struct HeadAsGetResponder<Routes: HTTPResponder>: HTTPResponder where Routes.Context == HTTPContext {
    let routes: Routes

    func respond(to request: Request, context: HTTPContext) async throws -> Response {
        guard request.method == .head else { return try await routes.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await routes.respond(to: Request(head: head, body: request.body), context: context)
        response.body = ResponseBody()
        return response
    }
}

/// The optional read-only HTTP listener (`[http]`): the FRED-compatible API under `/fred/`,
/// Prometheus metrics at `/metrics`, and the pages. Nothing it serves changes state: only
/// GET and HEAD are routed.
public enum HTTPListener {
    /// The listener as a service of the daemon's group: an address it cannot bind ends its
    /// run with `HTTPListenError` (the address and the system's reason). `onListening` is told
    /// the address actually bound (the port, when 0 was asked for).
    public static func service(listen: ListenAddress, reads: HTTPReads, tokens: HTTPTokens, metrics: BridMetrics,
                               logger: Logger,
                               onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }) -> some Service {
        ListenerService(application: application(listen: listen, reads: reads, tokens: tokens, metrics: metrics, logger: logger,
                                                 onListening: onListening), listen: listen)
    }

    /// The application itself (tests run it as a task).
    public static func application(listen: ListenAddress, reads: HTTPReads, tokens: HTTPTokens, metrics: BridMetrics,
                                   logger: Logger,
                                   onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = makeRouter(reads: reads, tokens: tokens, metrics: metrics)
        var quiet = logger
        // Hummingbird's own lines about each request stay out of the journal; brid logs
        // only what went wrong (a store that could not be read).
        quiet.logLevel = max(logger.logLevel, .notice)
        return Application(
            responder: HeadAsGetResponder(routes: router.buildResponder()),
            configuration: ApplicationConfiguration(address: .hostname(listen.host, port: listen.port), serverName: nil),
            onServerRunning: { channel in
                await onListening(ListenAddress(host: listen.host, port: channel.localAddress?.port ?? listen.port))
            },
            logger: quiet
        )
    }

    /// Every route, behind the token check.
    public static func makeRouter(reads: HTTPReads, tokens: HTTPTokens, metrics: BridMetrics) -> HTTPRouter {
        let router = HTTPRouter()
        router.add(middleware: TokenMiddleware(tokens: tokens))
        FREDRoutes.register(on: router, reads: reads)
        MetricsRoutes.register(on: router, reads: reads, metrics: metrics)
        PageRoutes.register(on: router, reads: reads)
        return router
    }

    /// 401 with a FRED error document under `/fred/` (what FRED answers a bad `api_key`),
    /// plain text elsewhere.
    static func unauthorized(_ request: Request) -> Response {
        let message = "Bad Request.  The value for variable api_key is not registered.  Pass a configured token as api_key= or Authorization: Bearer."
        if request.uri.path.hasPrefix("/fred/") {
            return FREDErrorDocument(code: 400, message: message).response(for: request)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        headers[.wwwAuthenticate] = "Bearer"
        return Response(status: .unauthorized, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: "401 Unauthorized: this brid asks for a token (Authorization: Bearer, or api_key=)\n")))
    }
}

/// Why the listener stopped at its start: the address could not be bound.
public struct HTTPListenError: Error, CustomStringConvertible {
    public let description: String
}

private struct ListenerService<Application: ApplicationProtocol>: Service {
    let application: Application
    let listen: ListenAddress

    func run() async throws {
        do {
            try await application.run()
        } catch let error as IOError {
            throw HTTPListenError(description: "http: cannot listen on \(listen): \(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))")
        }
    }
}

/// A counting semaphore for tasks: `take()` suspends while every slot is taken, `give()`
/// hands a slot to the longest waiter.
final class ReadSlots: Sendable {
    private let state: Mutex<(free: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(_ count: Int) {
        state = Mutex((count, []))
    }

    func take() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    func give() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }

    /// Free slots and waiting tasks (tests).
    var usage: (free: Int, waiting: Int) {
        state.withLock { ($0.free, $0.waiters.count) }
    }
}
