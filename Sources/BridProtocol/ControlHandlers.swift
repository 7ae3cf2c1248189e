#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The server's dispatch table: command → handler, with the access class from the
/// registry. The server frames lines and knows its peer; this turns a line into a reply.
///
///     var handlers = ControlHandlers<Connection>()
///     handlers.on(StatusRequest.self) { _, connection in try await status() }
///     …
///     let reply = await handlers.reply(to: line, context: connection, mayMutate: peerIsTrusted)
public struct ControlHandlers<Context: Sendable>: Sendable {
    private typealias Entry = @Sendable (any ControlRequest, Int, Context) async -> ControlReply
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Registers the handler of one command. A handler answers with its response, or throws
    /// `ControlError` for an error reply; any other error becomes `internal`.
    public mutating func on<R: ControlRequest>(_: R.Type, _ handler: @escaping @Sendable (R, Context) async throws -> R.Response) {
        entries[R.command] = { request, id, context in
            guard let request = request as? R else {
                return .line(ControlMessage.encodeErrorReply(id: id, .internal("\(R.command) dispatched with the wrong request type")))
            }
            do {
                let line = ControlMessage.encodeReply(id: id, result: try await handler(request, context))
                // No reply line passes the protocol's limit: the commands that list rows stream,
                // and one of the others this large is refused rather than sent.
                guard line.count - 1 <= ControlProtocol.maxLineBytes else {
                    return .line(ControlMessage.encodeErrorReply(id: id, .failed(
                        "the reply to \(R.command) would be \(line.count) bytes, over the protocol's 1 MiB line; narrow the request")))
                }
                return .line(line)
            } catch {
                return .line(Self.errorLine(error, id: id, command: R.command))
            }
        }
    }

    /// Registers the handler of a command whose reply streams: it answers with the header
    /// and a source of rows, which the server reads batch by batch as the client takes them.
    public mutating func onStream<R: StreamedRequest>(_: R.Type, _ handler: @escaping @Sendable (R, Context) async throws -> (R.Header, RowSource<R.Row>)) {
        entries[R.command] = { request, id, context in
            guard let request = request as? R else {
                return .line(ControlMessage.encodeErrorReply(id: id, .internal("\(R.command) dispatched with the wrong request type")))
            }
            do {
                let (header, rows) = try await handler(request, context)
                return .stream(header: ControlMessage.encodeStreamHeader(id: id, header: header), ReplyStream(id: id, source: rows))
            } catch {
                return .line(Self.errorLine(error, id: id, command: R.command))
            }
        }
    }

    private static func errorLine(_ error: any Error, id: Int, command: String) -> Data {
        switch error {
        case let error as ControlError: ControlMessage.encodeErrorReply(id: id, error)
        case is CancellationError: ControlMessage.encodeErrorReply(id: id, .failed("brid is stopping; \(command) was cancelled"))
        default: ControlMessage.encodeErrorReply(id: id, .internal("\(command): \(error)"))
        }
    }

    /// Registered commands missing a handler (a test asserts this is empty).
    public var missingCommands: [String] {
        ControlCommands.all.map { $0.command }.filter { entries[$0] == nil }
    }

    /// The reply to one request line: one line, or a stream. `mayMutate` says whether the
    /// peer may run mutating commands; if not, those get `forbidden`.
    public func respond(to line: [UInt8], context: Context, mayMutate: Bool) async -> ControlReply {
        switch ControlMessage.parseRequestLine(line) {
        case let .failure(reply): return .line(reply.line)
        case let .success(incoming): return await respond(to: incoming, context: context, mayMutate: mayMutate)
        }
    }

    /// The reply to a request that parsed.
    public func respond(to incoming: IncomingRequest, context: Context, mayMutate: Bool) async -> ControlReply {
        if incoming.access == .mutating && !mayMutate {
            return .line(ControlMessage.encodeErrorReply(id: incoming.id, .forbidden(
                "\(incoming.name) changes brid's state: only root, brid's own user and members of the socket's group may run it")))
        }
        guard let entry = entries[incoming.name] else {
            return .line(ControlMessage.encodeErrorReply(id: incoming.id, .internal("\(incoming.name) is not served by this brid yet")))
        }
        return await entry(incoming.request, incoming.id, context)
    }

    /// Every line of the reply to one request line, newline included (a stream read to its
    /// end at once: for tests and in-process callers, not for the socket).
    public func reply(to line: [UInt8], context: Context, mayMutate: Bool) async -> Data {
        await respond(to: line, context: context, mayMutate: mayMutate).drained()
    }

    /// Every line of the reply to a request that parsed.
    public func reply(to incoming: IncomingRequest, context: Context, mayMutate: Bool) async -> Data {
        await respond(to: incoming, context: context, mayMutate: mayMutate).drained()
    }
}

/// A reply: one line, or the header line of a stream and the stream of the lines after it.
public enum ControlReply: Sendable {
    case line(Data)
    case stream(header: Data, ReplyStream)

    /// All of it, read to the end.
    public func drained() -> Data {
        switch self {
        case let .line(line): return line
        case let .stream(header, stream):
            var data = header
            while let line = stream.nextLine() { data += line }
            return data
        }
    }
}
