import Foundation

/// The Python test server (`test_http_server.py` next to this file) as a child process,
/// listening on a free port of 127.0.0.1. Stop it with `stop()`; closing its stdin ends it
/// too, so a crashed test run does not leave it behind.
final class TestHTTPServer: Sendable {
    let port: Int
    private let process: Process
    private let stdin: Pipe

    private init(port: Int, process: Process, stdin: Pipe) {
        self.port = port
        self.process = process
        self.stdin = stdin
    }

    /// Starts a fresh server (its counter at zero) and waits for its port.
    ///
    /// Python's start-up is waited for on a thread of its own: tests run in parallel, and
    /// blocking reads on the cooperative pool would stall every other test meanwhile.
    static func start() async throws -> TestHTTPServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try launch() }) }.start()
        }
    }

    private static func launch() throws -> TestHTTPServer {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("test_http_server.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line: [UInt8] = []
        while true {
            let chunk = stdout.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }  // EOF: the server died before printing its port
            line.append(contentsOf: chunk)
            if line.contains(UInt8(ascii: "\n")) { break }
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = Int(text) else {
            process.terminate()
            throw ServerStartError(output: text)
        }
        return TestHTTPServer(port: port, process: process, stdin: stdin)
    }

    /// `http://127.0.0.1:<port><path>`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Ends the server (SIGTERM, and EOF on its stdin); Foundation reaps the child.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    struct ServerStartError: Error, CustomStringConvertible {
        var output: String
        var description: String { "test_http_server.py did not print a port (got \(output.debugDescription))" }
    }
}
