import ArgumentParser
import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("brid's control socket (default: $BRID_SOCKET, else \(ControlProtocol.defaultSocketPath)).", valueName: "path"),
            completion: .file())
    var socket: String?

    @Flag(name: .long, help: "Print brid's result as JSON (pretty, sorted keys), for scripts.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("How long to wait for each answer: 500ms, 10s, 5m (default 10s; fetch and ingest 5m).", valueName: "duration"))
    var timeout: String?

    func validate() throws {
        if let timeout, Durations.seconds(timeout) == nil {
            if Double(timeout) != nil {
                throw ValidationError("--timeout \(timeout) has no unit: a duration needs one, such as \(timeout)s, 500ms, 5m or 1h")
            }
            throw ValidationError("--timeout \(timeout) is not a duration such as 500ms, 10s, 5m or 1h")
        }
    }

    /// `--socket`, else `$BRID_SOCKET`, else the default.
    func socketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let socket { return socket }
        if let path = environment["BRID_SOCKET"], !path.isEmpty { return path }
        return ControlProtocol.defaultSocketPath
    }

    /// `--timeout` in seconds, else the command's default.
    func timeoutSeconds(default fallback: Double) -> Double {
        timeout.flatMap(Durations.seconds) ?? fallback
    }

    /// Opens a connection to brid.
    func connect(defaultTimeout: Double = 10) throws(Failure) -> ControlClient {
        let client = ControlClient(path: socketPath(), timeout: timeoutSeconds(default: defaultTimeout))
        do {
            try client.connect()
        } catch {
            throw error.failure
        }
        return client
    }

    /// Sends one request on a new connection and prints the result: as JSON with `--json`,
    /// else as `render` writes it. Returns the result so a command can pick its exit status.
    @discardableResult
    func perform<R: ControlRequest>(_ request: R, defaultTimeout: Double = 10, render: (R.Response, Terminal) -> String) throws(Failure) -> R.Response {
        let client = try connect(defaultTimeout: defaultTimeout)
        return try perform(request, on: client, render: render)
    }

    /// Sends one request on an open connection and prints the result.
    @discardableResult
    func perform<R: ControlRequest>(_ request: R, on client: ControlClient, render: (R.Response, Terminal) -> String) throws(Failure) -> R.Response {
        let answer: ControlClient.Answer<R.Response>
        do {
            answer = try client.send(request)
        } catch {
            throw error.failure
        }
        let response: R.Response
        switch answer.reply.outcome {
        case let .failure(error): throw Failure(error)
        case let .success(result): response = result
        }
        if json {
            Output.write(JSONOutput.prettyResult(ofReplyLine: answer.line))
        } else {
            let text = render(response, Terminal.current())
            if !text.isEmpty { Output.write(text) }
        }
        return response
    }
}

extension GlobalOptions {
    /// Sends a request whose reply streams and prints it as it arrives: as the table
    /// describes, or with `--json` the reassembled result written element by element.
    @discardableResult
    func performStream<R: StreamedRequest>(_ request: R, defaultTimeout: Double = 10, table: StreamedTable<R>) throws(Failure) -> StreamEnd {
        let terminal = Terminal.current()
        var printer = StreamPrinter(terminal: terminal)
        let json = self.json
        return try performStream(request, defaultTimeout: defaultTimeout, header: { header, line in
            if json { printer.jsonHeader(line, rowsKey: R.rowsKey) } else { printer.heading(table, header) }
        }, rows: { rows, line in
            if json { printer.jsonRows(line) } else { printer.rows(table, rows) }
        }, end: { end in
            if json { printer.jsonEnd(end) } else { printer.end(table, end) }
        })
    }

    /// Sends a request whose reply streams on a new connection, handing over its pieces.
    @discardableResult
    func performStream<R: StreamedRequest>(_ request: R, defaultTimeout: Double = 10, header: (R.Header, Data) throws -> Void,
                                           rows: ([R.Row], Data) throws -> Void, end: (StreamEnd) -> Void) throws(Failure) -> StreamEnd {
        let client = try connect(defaultTimeout: defaultTimeout)
        do {
            let last = try client.stream(request, header: header, rows: rows)
            end(last)
            return last
        } catch let error as ClientError {
            throw error.failure
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(.failed, "\(error)")
        }
    }
}

/// Durations as operators write them: `500ms`, `10s`, `5m`, `1h`, `2d`. A bare number is
/// refused: `5` could mean seconds or minutes.
enum Durations {
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number.isFinite, number > 0 else { return nil }
            return number * scale
        }
        return nil
    }

    /// `10s`, `5m`, `1.5s`: a timeout in words.
    static func describe(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds.truncatingRemainder(dividingBy: 60) == 0, seconds >= 60 { return "\(Int(seconds / 60))m" }
        if seconds == seconds.rounded() { return "\(Int(seconds))s" }
        return Formats.printf("%.1f", seconds) + "s"
    }
}
