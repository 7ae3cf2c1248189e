import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `Support/publisher.py` as a child process: a real HTTP server on 127.0.0.1 serving the
/// files of a folder, with ETags and 304s.
final class Publisher {
    let folder: String
    let port: Int
    private let process: Process
    private let input: Pipe

    /// - Parameter delay: seconds each file is answered after its request (a slow publisher).
    convenience init(folder: String, delay: Double = 0) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/publisher.py").path
        try self.init(script: script, arguments: [folder] + (delay > 0 ? ["--delay=\(delay)"] : []), folder: folder)
    }

    /// Another server script with the same conventions (port on the first line, stops when
    /// stdin closes), such as the fetcher tests' misbehaving server.
    init(script: String, arguments: [String] = [], folder: String = "") throws {
        self.folder = folder
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) { line += byte }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw PublisherError("\(script) did not start") }
        self.port = port
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    /// Publishes a release: the file's new content is served from now on.
    func publish(_ name: String, _ text: String) throws {
        let temporary = folder + "/." + name + ".tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        rename(temporary, folder + "/" + name)
    }

    /// How many GETs each path got.
    func hits() throws -> [String: Int] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/_hits")!)
        return try JSONDecoder().decode([String: Int].self, from: data)
    }

    /// One GET of a file: which instance asked (its `X-Brid-Instance` header), and when the
    /// request came and the answer went (seconds since the epoch).
    struct Request: Decodable, Equatable {
        let path: String
        let instance: String
        let start: Double
        let end: Double
    }

    /// Every GET of a file so far, in the order they ended.
    func requests() throws -> [Request] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/_log")!)
        return try JSONDecoder().decode([Request].self, from: data)
    }
}

struct PublisherError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
