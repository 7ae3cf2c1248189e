import Foundation

/// The server's dispatch table: command → handler, with the access class from the
/// registry. The server frames lines and knows its peer; this turns a line into a reply.
///
///     var handlers = ControlHandlers<Connection>()
///     handlers.on(StatusRequest.self) { _, connection in try await status() }
///     …
///     let reply = await handlers.reply(to: line, context: connection, mayMutate: peerIsTrusted)
public struct ControlHandlers<Context: Sendable>: Sendable {
    private typealias Entry = @Sendable (any ControlRequest, Int, Context) async -> Data
    private var entries: [String: Entry] = [:]

    public init() {}

    /// Registers the handler of one command. A handler answers with its response, or throws
    /// `ControlError` for an error reply; any other error becomes `internal`.
    public mutating func on<R: ControlRequest>(_: R.Type, _ handler: @escaping @Sendable (R, Context) async throws -> R.Response) {
        entries[R.command] = { request, id, context in
            guard let request = request as? R else {
                return ControlMessage.encodeErrorReply(id: id, .internal("\(R.command) dispatched with the wrong request type"))
            }
            do {
                return ControlMessage.encodeReply(id: id, result: try await handler(request, context))
            } catch let error as ControlError {
                return ControlMessage.encodeErrorReply(id: id, error)
            } catch is CancellationError {
                return ControlMessage.encodeErrorReply(id: id, .failed("brid is stopping; \(R.command) was cancelled"))
            } catch {
                return ControlMessage.encodeErrorReply(id: id, .internal("\(R.command): \(error)"))
            }
        }
    }

    /// Registered commands missing a handler (a test asserts this is empty).
    public var missingCommands: [String] {
        ControlCommands.all.map { $0.command }.filter { entries[$0] == nil }
    }

    /// The reply line (newline included) to one request line. `mayMutate` says whether the
    /// peer may run mutating commands; if not, those get `forbidden`.
    public func reply(to line: [UInt8], context: Context, mayMutate: Bool) async -> Data {
        switch ControlMessage.parseRequestLine(line) {
        case let .failure(reply): return reply.line
        case let .success(incoming): return await reply(to: incoming, context: context, mayMutate: mayMutate)
        }
    }

    /// The reply line to a request that parsed.
    public func reply(to incoming: IncomingRequest, context: Context, mayMutate: Bool) async -> Data {
        if incoming.access == .mutating && !mayMutate {
            return ControlMessage.encodeErrorReply(id: incoming.id, .forbidden(
                "\(incoming.name) changes brid's state: only root, brid's own user and members of the socket's group may run it"))
        }
        guard let entry = entries[incoming.name] else {
            return ControlMessage.encodeErrorReply(id: incoming.id, .internal("\(incoming.name) is not served by this brid yet"))
        }
        return await entry(incoming.request, incoming.id, context)
    }
}
