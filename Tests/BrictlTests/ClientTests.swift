@testable import brictl
import BridProtocol
import Foundation
import Testing

@Suite(.serialized) struct ClientTests {
    @Test func missingSocketIsUnreachable() {
        let path = NSTemporaryDirectory() + "brictl-missing-\(UUID().uuidString).sock"
        let client = ControlClient(path: path, timeout: 1)
        #expect { try client.connect() } throws: { ($0 as? ClientError) == .unreachable(path: path, reason: "No such file or directory") }
        #expect(ClientError.unreachable(path: path, reason: "No such file or directory").failure.message
            == "cannot reach brid at \(path): No such file or directory — is it running? (systemctl status brid)")
    }

    @Test func refusedConnectionIsUnreachable() throws {
        let path = try FakeServer.deadSocket()
        defer { unlink(path) }
        let client = ControlClient(path: path, timeout: 1)
        #expect { try client.connect() } throws: { ($0 as? ClientError) == .unreachable(path: path, reason: "Connection refused") }
    }

    @Test func tooLongPathIsUnreachable() {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        #expect { try ControlClient(path: path, timeout: 1).connect() } throws: {
            ($0 as? ClientError) == .unreachable(path: path, reason: "File name too long")
        }
    }

    @Test func requestAndReply() throws {
        let server = try FakeServer(fixtures: Fixtures())
        defer { server.stop() }
        let client = ControlClient(path: server.path, timeout: 2)
        let answer = try client.send(StatusRequest())
        #expect(try answer.reply.outcome.get().pid == 4242)
        // A second request on the same connection gets the next id.
        let second = try client.send(PauseRequest(source: "imf-dot"))
        #expect(second.reply.id == 2)
        #expect(server.requests.count == 2)
        #expect(server.requests[0] == #"{"args":{},"cmd":"status","id":1,"v":2}"#)
    }

    @Test func aStreamThatFailsMidwayIsReported() throws {
        let release = Fixtures().replies[ReleaseRequest.command] as! ReleaseResponse
        let server = try FakeServer { line in
            guard case let .success(request) = ControlMessage.parseRequestLine(line) else { return nil }
            var lines = ControlMessage.encodeStream(ReleaseRequest.self, id: request.id, response: release, batch: 1)
                .split(separator: 0x0A).prefix(2).map { Data($0) + [0x0A] }.reduce(Data(), +)
            lines += ControlMessage.encodeErrorReply(id: request.id, .failed("the disk went away"))
            return lines
        }
        defer { server.stop() }
        do {  // the fake server serves one connection at a time: this one closes at the end of the block
            let client = ControlClient(path: server.path, timeout: 2)
            var rows: [ReleaseChange] = []
            #expect { _ = try client.stream(ReleaseRequest(id: 43), header: { _, _ in }, rows: { batch, _ in rows += batch }) } throws: {
                ($0 as? ClientError) == .reply(.failed("the disk went away"))
            }
            #expect(rows == [release.changes[0]])
        }
        #expect(Brictl.runAndReport(["release", "43", "--socket", server.path, "--timeout", "5s"]) == 1)
    }

    @Test func notFoundReplyExitsFour() throws {
        let server = try FakeServer(fixtures: Fixtures(), errors: ["series.show": .notFound("no series nope")])
        defer { server.stop() }
        let answer = try ControlClient(path: server.path, timeout: 2).send(ShowRequest(series: "nope"))
        #expect(answer.reply.error == .notFound("no series nope"))
        #expect(Brictl.runAndReport(["show", "nope", "--socket", server.path]) == 4)
    }

    @Test func exitStatusesOfWholeCommands() throws {
        let server = try FakeServer(fixtures: Fixtures(), errors: ["source.pause": .forbidden("not for you"), "reload": .badRequest("?")])
        defer { server.stop() }
        #expect(Brictl.runAndReport(["--socket", server.path, "--json", "status"]) == 0)
        #expect(Brictl.runAndReport(["pause", "x", "--socket", server.path]) == 1)   // forbidden
        #expect(Brictl.runAndReport(["fetch", "--all", "--socket", server.path]) == 1) // one fetch failed
        #expect(Brictl.runAndReport(["reload", "--socket", server.path]) == 2)       // bad_request
        let missing = NSTemporaryDirectory() + "brictl-none.sock"
        #expect(Brictl.runAndReport(["status", "--socket", missing]) == 3)
    }

    @Test func noReplyTimesOut() throws {
        let server = try FakeServer { _ in nil }
        defer { server.stop() }
        let client = ControlClient(path: server.path, timeout: 0.3)
        let started = Date()
        #expect { try client.send(StatusRequest()) } throws: { ($0 as? ClientError) == .timedOut(path: server.path, seconds: 0.3) }
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(Brictl.runAndReport(["status", "--socket", server.path, "--timeout", "200ms"]) == 3)
    }

    @Test func closedWithoutAnswer() throws {
        // The server hangs up after reading the request: the client reports it, no hang.
        let path = NSTemporaryDirectory() + "brictl-hangup-\(UUID().uuidString).sock"
        let listener = try FakeServer.listen(at: path)
        defer { close(listener); unlink(path) }
        let thread = Thread {
            let connection = accept(listener, nil, nil)
            var byte: UInt8 = 0
            _ = read(connection, &byte, 1)
            close(connection)
        }
        thread.start()
        #expect { try ControlClient(path: path, timeout: 2).send(StatusRequest()) } throws: {
            if case .disconnected = $0 as? ClientError { return true }
            return false
        }
    }

    @Test func garbledReplyIsAFailureNotACrash() throws {
        let server = try FakeServer { _ in Data("this is not json\n".utf8) }
        defer { server.stop() }
        #expect { try ControlClient(path: server.path, timeout: 2).send(StatusRequest()) } throws: {
            ($0 as? ClientError)?.failure.status == .failed
        }
    }

    @Test func bigFilesAreSentInChunks() throws {
        let staged = StagingBox()
        let server = try FakeServer { line in
            guard case let .success(request) = ControlMessage.parseRequestLine(line) else { return nil }
            #expect(line.count <= ControlProtocol.maxLineBytes)
            do {
                switch request.request {
                case let chunk as IngestChunkRequest:
                    return ControlMessage.encodeReply(id: request.id, result: try staged.stage(chunk))
                case let last as IngestRequest:
                    let file = try staged.finish(last)
                    let outcome = FetchOutcome(source: last.source, outcome: file == StagingBox.expected ? .unchanged : .rejected, message: "\(file.count) bytes")
                    return ControlMessage.encodeReply(id: request.id, result: IngestResponse(fileName: last.fileName, bytes: file.count, outcome: outcome))
                default:
                    return nil
                }
            } catch let error as ControlError {
                return ControlMessage.encodeErrorReply(id: request.id, error)
            } catch {
                return nil
            }
        }
        defer { server.stop() }
        let file = NSTemporaryDirectory() + "brictl-big-\(UUID().uuidString).csv"
        try StagingBox.expected.write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        #expect(Brictl.runAndReport(["ingest", file, "--source", "bri-cn-kz", "--socket", server.path]) == 0)
        let commands = server.requests.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.map { $0?["cmd"] as? String }
        #expect(commands == ["ingest.chunk", "ingest.chunk", "ingest"])
    }
}

/// The server side of a chunked upload, shared with the fake server's thread.
final class StagingBox: @unchecked Sendable {
    static let expected = Data((0..<(ControlProtocol.maxChunkBytes * 2 + 1000)).map { UInt8(truncatingIfNeeded: $0 % 251) })
    private let lock = NSLock()
    private var staging = IngestStaging()

    func stage(_ chunk: IngestChunkRequest) throws -> IngestChunkResponse {
        try lock.withLock { try staging.stage(chunk) }
    }

    func finish(_ request: IngestRequest) throws -> Data {
        try lock.withLock { try staging.finish(request) }
    }
}
