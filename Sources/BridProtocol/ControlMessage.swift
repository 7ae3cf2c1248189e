#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The envelope of CONTRACT §5, written and read in one place.
///
/// Framing: each message is one line of compact UTF-8 JSON ended by `\n` (JSON escapes
/// every newline inside strings, so a message never spans lines), at most
/// `ControlProtocol.maxLineBytes` before the newline. Requests
/// `{"args":{…},"cmd":"series.show","id":7,"v":1}`; replies
/// `{"id":7,"ok":true,"result":{…},"v":1}` or `{"error":{"code":…,"message":…},"id":7,"ok":false,"v":1}`
/// (`WireJSON`: keys sorted; `id` is null when the request's could not be read). Replies come in
/// the order of the requests on a connection.
public enum ControlMessage {
    // MARK: - Coders

    // MARK: - Client side

    /// One request line, newline included.
    public static func encodeRequest<R: ControlRequest>(_ request: R, id: Int) throws -> Data {
        var line = try WireJSON.encoder.encode(RequestEnvelope(v: ControlProtocol.protocolVersion, id: id, cmd: R.command, args: request))
        line.append(0x0A)
        return line
    }

    /// Reads one reply line (with or without its newline) as the answer to `R`: the typed
    /// result, or the error brid sent. Throws `ControlError` (`internal`) when the line is
    /// not a reply at all, and `version_mismatch` when brid answers in another version.
    public static func decodeReply<R: ControlRequest>(_ line: Data, for _: R.Type) throws(ControlError) -> Reply<R.Response> {
        try decodeReply(line, as: R.Response.self)
    }

    /// Reads one reply line with its result as `Result`.
    public static func decodeReply<Result: Decodable>(_ line: Data, as _: Result.Type) throws(ControlError) -> Reply<Result> {
        let decoder = WireJSON.decoder
        let header: ReplyHeader
        do {
            header = try decoder.decode(ReplyHeader.self, from: line)
        } catch {
            throw ControlError(.internal, "brid's reply is not a protocol message: \(describe(error, command: nil))")
        }
        if !header.ok {
            let error = header.error ?? ControlError(.internal, "brid's reply says ok=false but carries no error")
            return Reply(id: header.id, outcome: .failure(error))
        }
        guard header.v == ControlProtocol.protocolVersion else {
            throw ControlError(.versionMismatch, "brid speaks control protocol version \(header.v), this brictl version \(ControlProtocol.protocolVersion); use the brictl that came with the running brid")
        }
        do {
            let body = try decoder.decode(ResultEnvelope<Result>.self, from: line)
            return Reply(id: header.id, outcome: .success(body.result))
        } catch {
            throw ControlError(.internal, "brid's reply has an unexpected result: \(describe(error, command: nil))")
        }
    }

    /// A decoded reply: the request id it answers and its result or error.
    public struct Reply<Result> {
        public var id: Int?
        public var outcome: Swift.Result<Result, ControlError>

        public init(id: Int?, outcome: Swift.Result<Result, ControlError>) {
            self.id = id
            self.outcome = outcome
        }

        /// The error brid sent, if any.
        public var error: ControlError? {
            if case let .failure(error) = outcome { return error }
            return nil
        }
    }

    // MARK: - Server side

    /// Reads one request line (without its newline): the envelope, then its `args` as the
    /// registered request type. Never traps: whatever is wrong comes back as the error
    /// reply to send — invalid UTF-8, not JSON, a missing or mistyped `v`, `id` or `cmd`,
    /// another protocol version, an unknown command, `args` that do not fit the command.
    public static func parseRequestLine(_ bytes: [UInt8]) -> Result<IncomingRequest, ControlErrorReply> {
        var line = bytes[...]
        if line.last == 0x0A { line = line.dropLast() }
        if line.last == 0x0D { line = line.dropLast() }
        guard line.count <= ControlProtocol.maxLineBytes else {
            return .failure(ControlErrorReply(id: nil, error: lineTooLong))
        }
        guard String(validating: line, as: UTF8.self) != nil else {
            return .failure(ControlErrorReply(id: nil, error: .badRequest("the request is not valid UTF-8")))
        }
        let data = Data(line)
        let decoder = WireJSON.decoder
        let header: RequestHeader
        do {
            header = try decoder.decode(RequestHeader.self, from: data)
        } catch {
            return .failure(ControlErrorReply(id: nil, error: .badRequest("the request is not a JSON object: \(describe(error, command: nil))")))
        }
        let id: Int?
        if case let .value(value) = header.id { id = value } else { id = nil }
        switch header.v {
        case .missing:
            return .failure(ControlErrorReply(id: id, error: .badRequest("the request has no \"v\" (the protocol version, \(ControlProtocol.protocolVersion))")))
        case .wrongType:
            return .failure(ControlErrorReply(id: id, error: .badRequest("\"v\" should be an integer, the protocol version \(ControlProtocol.protocolVersion)")))
        case let .value(v) where v != ControlProtocol.protocolVersion:
            return .failure(ControlErrorReply(id: id, error: ControlError(
                .versionMismatch, "protocol version \(v) is not spoken here; this brid speaks version \(ControlProtocol.protocolVersion)")))
        case .value:
            break
        }
        guard let id else {
            let what = header.id == .missing ? "has no \"id\"" : "has an \"id\" that is not an integer"
            return .failure(ControlErrorReply(id: nil, error: .badRequest("the request \(what); every request needs an integer id")))
        }
        let name: String
        switch header.cmd {
        case .missing: return .failure(ControlErrorReply(id: id, error: .badRequest("the request has no \"cmd\"")))
        case .wrongType: return .failure(ControlErrorReply(id: id, error: .badRequest("\"cmd\" should be text, a command name")))
        case let .value(value): name = value
        }
        guard let type = ControlCommands.type(named: name) else {
            return .failure(ControlErrorReply(id: id, error: .badRequest("unknown command \"\(name)\"")))
        }
        switch header.args {
        case .object, .absent: break
        case .other: return .failure(ControlErrorReply(id: id, error: .badRequest("bad arguments for \(name): \"args\" should be a JSON object")))
        }
        do {
            let request = try decodeArguments(type, from: header.args == .absent ? Data("{}".utf8) : data,
                                              wrapped: header.args != .absent, decoder: decoder)
            return .success(IncomingRequest(id: id, command: type, request: request))
        } catch {
            return .failure(ControlErrorReply(id: id, error: .badRequest("bad arguments for \(name): \(describe(error, command: name))")))
        }
    }

    /// The success reply line to request `id`, newline included. If the result cannot be
    /// encoded (a bug), the reply says so with `internal` instead.
    public static func encodeReply<Result: Encodable>(id: Int?, result: Result) -> Data {
        do {
            var line = try WireJSON.encoder.encode(SuccessEnvelope(v: ControlProtocol.protocolVersion, id: id, result: result))
            line.append(0x0A)
            return line
        } catch {
            return encodeErrorReply(id: id, ControlError(.internal, "the result could not be encoded: \(error)"))
        }
    }

    /// The header line of a streamed reply: a success reply marked `"stream":true`.
    public static func encodeStreamHeader<Header: Encodable>(id: Int, header: Header) -> Data {
        do {
            var line = try WireJSON.encoder.encode(StreamHeaderEnvelope(v: ControlProtocol.protocolVersion, id: id, result: header))
            line.append(0x0A)
            return line
        } catch {
            return encodeErrorReply(id: id, ControlError(.internal, "the result could not be encoded: \(error)"))
        }
    }

    /// One line of rows of a streamed reply, newline included (written by the rows
    /// themselves when they can: `RowJSON`).
    static func encodeRowsLine<Row: Encodable>(_ rows: [Row], id: Int) throws -> Data {
        if Row.self is any RowJSON.Type, let fast = rows as? [any RowJSON] { return writeRowsLine(fast, id: id) }
        var line = try WireJSON.encoder.encode(RowsEnvelope(v: ControlProtocol.protocolVersion, id: id, rows: rows))
        line.append(0x0A)
        return line
    }

    /// Any envelope as one line, newline included.
    static func encodeLine(_ envelope: some Encodable) -> Data {
        var line = (try? WireJSON.encoder.encode(envelope)) ?? Data(#"{"error":{"code":"internal","message":"a line could not be encoded"},"id":null,"ok":false,"v":2}"#.utf8)
        line.append(0x0A)
        return line
    }

    /// A whole result as the lines of its stream (header, rows, end), for a server that has
    /// the result whole, and for tests.
    public static func encodeStream<R: StreamedRequest>(_: R.Type, id: Int, response: R.Response, batch: Int = 1_000) -> Data {
        let (header, rows, next) = R.split(response)
        var data = encodeStreamHeader(id: id, header: header)
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + batch)
            for (line, _) in (try? ReplyStream.encodeRows(Array(rows[start..<end]), id: id)) ?? [] { data += line }
            start = end
        }
        data += encodeLine(StreamEndEnvelope(v: ControlProtocol.protocolVersion, id: id, end: StreamEnd(rows: rows.count, next: next)))
        return data
    }

    /// One line after a stream's header: rows, the end, or the error that ended it.
    public enum StreamLine<Row> {
        case rows([Row])
        case end(StreamEnd)
        case failure(ControlError)
    }

    /// Reads one line of a stream whose rows are `Row`.
    public static func decodeStreamLine<Row: Decodable>(_ line: Data, as _: Row.Type) throws(ControlError) -> StreamLine<Row> {
        if Row.self == String.self {
            do {
                if let rows = try RowsLineReader.strings(line) as? [Row] { return .rows(rows) }
            } catch {
                throw ControlError(.internal, "brid's reply stream has an unexpected row: \(error)")
            }
        } else if let readable = Row.self as? any RowJSONReadable.Type {
            do {
                if let rows = try fastRows(line, readable) as? [Row] { return .rows(rows) }
            } catch {
                throw ControlError(.internal, "brid's reply stream has an unexpected row: \(error)")
            }
        }
        let body: StreamLineBody<Row>
        do {
            body = try WireJSON.decoder.decode(StreamLineBody<Row>.self, from: line)
        } catch {
            throw ControlError(.internal, "brid's reply stream has an unexpected line: \(describe(error, command: nil))")
        }
        if let rows = body.rows { return .rows(rows) }
        if let end = body.end { return .end(end) }
        if let error = body.error { return .failure(error) }
        throw ControlError(.internal, "brid's reply stream has a line with neither rows, end nor error")
    }

    private static func fastRows<Row: RowJSONReadable>(_ line: Data, _: Row.Type) throws -> [Row]? {
        try RowsLineReader.rows(line, as: Row.self)
    }

    /// The error reply line to request `id` (nil when it could not be read), newline included.
    public static func encodeErrorReply(id: Int?, _ error: ControlError) -> Data {
        let envelope = ErrorEnvelope(v: ControlProtocol.protocolVersion, id: id, error: error)
        var line = (try? WireJSON.encoder.encode(envelope))
            ?? Data(#"{"error":{"code":"internal","message":"the error could not be encoded"},"id":null,"ok":false,"v":2}"#.utf8)
        line.append(0x0A)
        return line
    }

    /// The error for a line longer than `ControlProtocol.maxLineBytes`.
    public static let lineTooLong = ControlError.badRequest(
        "the request line is longer than \(ControlProtocol.maxLineBytes) bytes (1 MiB); send large files with ingest.chunk")

    // MARK: - Decoding errors in words

    /// A decoding error as a sentence that names the field: `"release" should be an integer`.
    static func describe(_ error: any Error, command: String?) -> String {
        guard let error = error as? DecodingError else { return String(describing: error) }
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            var keys = path
            if command != nil, keys.first?.stringValue == "args" { keys.removeFirst() }
            if let last { keys.append(last) }
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += text.isEmpty ? key.stringValue : "." + key.stringValue }
            }
            return text
        }
        switch error {
        case let .typeMismatch(type, context):
            let name = field(context.codingPath)
            return name.isEmpty ? "expected \(kind(of: type))" : "\"\(name)\" should be \(kind(of: type))"
        case let .valueNotFound(type, context):
            let name = field(context.codingPath)
            return name.isEmpty ? "expected \(kind(of: type)), found null" : "\"\(name)\" should be \(kind(of: type)), not null"
        case let .keyNotFound(key, context):
            return "missing \"\(field(context.codingPath, key))\""
        case let .dataCorrupted(context):
            let name = field(context.codingPath)
            var reason = context.debugDescription
            if let underlying = context.underlyingError, reason.hasPrefix("The given data was not valid JSON") {
                reason = "not valid JSON (\((underlying as? LocalizedError)?.errorDescription ?? String(describing: underlying)))"
            }
            return name.isEmpty ? reason : "\"\(name)\": \(reason)"
        @unknown default:
            return String(describing: error)
        }
    }

    private static func kind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: return "text"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type: return "an integer"
        case is Data.Type: return "base64 text"
        case is Date.Type: return "an ISO-8601 time"
        case is [String].Type: return "a list of text"
        case is [Any].Type: return "a list"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Array<") { return "a list" }
            if name.hasPrefix("Dictionary<") { return "a JSON object" }
            if name.hasPrefix("Optional<") { return kind(of: type) }
            return "a JSON object (\(name))"
        }
    }

    private static func decodeArguments<R: ControlRequest>(_: R.Type, from data: Data, wrapped: Bool, decoder: JSONDecoder) throws -> any ControlRequest {
        wrapped ? try decoder.decode(ArgsEnvelope<R>.self, from: data).args : try decoder.decode(R.self, from: data)
    }
}

/// A request line that parsed: the command's type and its decoded arguments.
public struct IncomingRequest: Sendable {
    public let id: Int
    /// The registered type: `command.command` is its name, `command.access` its access class.
    public let command: any ControlRequest.Type
    public let request: any ControlRequest

    public var name: String { command.command }
    public var access: Access { command.access }
}

/// A request that cannot be served, with the error reply to send back.
public struct ControlErrorReply: Error, Sendable, Equatable {
    /// The request's id when it could be read.
    public let id: Int?
    public let error: ControlError

    public init(id: Int?, error: ControlError) {
        self.id = id
        self.error = error
    }

    /// The reply line, newline included.
    public var line: Data { ControlMessage.encodeErrorReply(id: id, error) }
}

// MARK: - Envelopes

struct RequestEnvelope<Args: Encodable>: Encodable {
    let v: Int
    let id: Int
    let cmd: String
    let args: Args
}

struct ArgsEnvelope<Args: Decodable>: Decodable {
    let args: Args
}

struct SuccessEnvelope<Result: Encodable>: Encodable {
    let v: Int
    let id: Int?
    let result: Result

    enum CodingKeys: String, CodingKey { case v, id, ok, result }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        if let id { try c.encode(id, forKey: .id) } else { try c.encodeNil(forKey: .id) }
        try c.encode(true, forKey: .ok)
        try c.encode(result, forKey: .result)
    }
}

struct StreamHeaderEnvelope<Result: Encodable>: Encodable {
    let v: Int
    let id: Int
    let result: Result

    enum CodingKeys: String, CodingKey { case v, id, ok, result, stream }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        try c.encode(id, forKey: .id)
        try c.encode(true, forKey: .ok)
        try c.encode(result, forKey: .result)
        try c.encode(true, forKey: .stream)
    }
}

struct RowsEnvelope<Row: Encodable>: Encodable {
    let v: Int
    let id: Int
    let rows: [Row]
}

struct StreamEndEnvelope: Encodable {
    let v: Int
    let id: Int
    let end: StreamEnd
}

struct StreamLineBody<Row: Decodable>: Decodable {
    let rows: [Row]?
    let end: StreamEnd?
    let error: ControlError?
}

struct ErrorEnvelope: Encodable {
    let v: Int
    let id: Int?
    let error: ControlError

    enum CodingKeys: String, CodingKey { case v, id, ok, error }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        if let id { try c.encode(id, forKey: .id) } else { try c.encodeNil(forKey: .id) }
        try c.encode(false, forKey: .ok)
        try c.encode(error, forKey: .error)
    }
}

struct ReplyHeader: Decodable {
    let v: Int
    let id: Int?
    let ok: Bool
    let error: ControlError?
}

struct ResultEnvelope<Result: Decodable>: Decodable {
    let result: Result
}

/// The envelope of a request read field by field, so each fault gets its own message.
struct RequestHeader: Decodable {
    enum Field<T: Equatable>: Equatable {
        case missing, wrongType, value(T)
    }

    enum Arguments: Equatable { case absent, object, other }

    let v: Field<Int>
    let id: Field<Int>
    let cmd: Field<String>
    let args: Arguments

    enum CodingKeys: String, CodingKey { case v, id, cmd, args }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func read<T: Decodable & Equatable>(_: T.Type, _ key: CodingKeys) -> Field<T> {
            guard c.contains(key), (try? c.decodeNil(forKey: key)) != true else { return .missing }
            guard let value = try? c.decode(T.self, forKey: key) else { return .wrongType }
            return .value(value)
        }
        v = read(Int.self, .v)
        id = read(Int.self, .id)
        cmd = read(String.self, .cmd)
        if !c.contains(.args) || (try? c.decodeNil(forKey: .args)) == true {
            args = .absent
        } else if (try? c.nestedContainer(keyedBy: CodingKeys.self, forKey: .args)) != nil {
            args = .object
        } else {
            args = .other
        }
    }
}
