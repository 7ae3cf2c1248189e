import ArgumentParser
import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Send a file's bytes to brid for a source, as if dropped into its folder.",
        discussion: "Up to 64 MiB. brid never needs access to the file itself. Exits 1 when the file is rejected.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("The file to ingest.", valueName: "file"), completion: .file())
    var file: String

    @Option(name: .long, help: ArgumentHelp("The source the file belongs to.", valueName: "id"))
    var source: String

    func validate() throws {
        // stat(2), not FileManager's attributes (which look the owner's name up).
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw ValidationError("cannot read \(file): no such file")
        }
        if info.st_mode & S_IFMT == S_IFDIR { throw ValidationError("\(file) is a folder, not a file") }
        if info.st_size > ControlProtocol.maxIngestBytes {
            throw ValidationError("\(file) is \(Formats.bytes(Int64(info.st_size))), over the 64 MiB ingest limit; drop it into the source's folder instead")
        }
    }

    func run() throws {
        let data = try Self.read(file)
        guard data.count <= ControlProtocol.maxIngestBytes else {
            throw Failure(.usage, "\(file) is over the 64 MiB ingest limit")
        }
        let fileName = URL(fileURLWithPath: file).lastPathComponent
        let client = try options.connect(defaultTimeout: 300)
        let chunks = Self.chunks(of: data.count)
        for range in chunks.dropLast() {
            let chunk = IngestChunkRequest(source: source, fileName: fileName, offset: range.lowerBound, data: data.subdata(in: range))
            let answer: ControlClient.Answer<IngestChunkResponse>
            do {
                answer = try client.send(chunk)
            } catch {
                throw error.failure
            }
            if let error = answer.reply.error { throw Failure(error) }
        }
        let last = chunks.last ?? 0..<0
        let request = IngestRequest(source: source, fileName: fileName, size: data.count, offset: last.lowerBound, data: data.subdata(in: last))
        let response = try options.perform(request, on: client, render: Self.render)
        if response.outcome.isFailure { throw exitQuietly(.failed) }
    }

    /// The file's bytes; a failure says why as the system does (`Permission denied`).
    static func read(_ path: String) throws(Failure) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(.usage, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return Data(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(.usage, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            bytes += buffer[..<count]
            if bytes.count > ControlProtocol.maxIngestBytes { return Data(bytes) }  // refused by the caller
        }
    }

    /// The byte ranges to send: pieces of at most `maxChunkBytes`, at least one (an empty file).
    static func chunks(of size: Int) -> [Range<Int>] {
        guard size > 0 else { return [0..<0] }
        return stride(from: 0, to: size, by: ControlProtocol.maxChunkBytes).map { $0..<min($0 + ControlProtocol.maxChunkBytes, size) }
    }

    static func render(_ response: IngestResponse, _ terminal: Terminal) -> String {
        let outcome = response.outcome
        let head = "\(response.fileName) (\(Formats.bytes(Int64(response.bytes)))) → \(outcome.source): "
        let detail = FetchCommand.detail(outcome).isEmpty ? "" : ", " + FetchCommand.detail(outcome)
        let text = Formats.wrap(head + outcome.outcome.rawValue + detail, width: terminal.width)
        // The outcome in its colour, where the wrapped text has it.
        guard let range = text.firstRange(of: head + outcome.outcome.rawValue) else { return text }
        return head + terminal.paint(outcome.outcome.rawValue, Palette.style(outcome.outcome)) + text[range.upperBound...]
    }
}

/// read(2), named apart from `IngestCommand.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
