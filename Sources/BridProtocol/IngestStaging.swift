#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The bytes of one file arriving in `ingest.chunk` requests on one connection, checked
/// for order, source and size. The server keeps one per connection and drops it with
/// the connection; `finish` hands over the whole file for the `ingest` that ends it.
public struct IngestStaging: Sendable {
    public private(set) var source: String?
    public private(set) var fileName: String?
    public private(set) var bytes = Data()

    public init() {}

    /// Stages one chunk. A chunk at offset 0 starts a new file and drops any staged one.
    public mutating func stage(_ chunk: IngestChunkRequest) throws(ControlError) -> IngestChunkResponse {
        if chunk.offset == 0 { reset() }
        try check(source: chunk.source, fileName: chunk.fileName, offset: chunk.offset, count: chunk.data.count, size: nil)
        source = chunk.source
        fileName = chunk.fileName
        bytes.append(chunk.data)
        return IngestChunkResponse(received: bytes.count)
    }

    /// The whole file: the staged chunks followed by the request's data. Leaves nothing staged.
    public mutating func finish(_ request: IngestRequest) throws(ControlError) -> Data {
        if request.offset == 0 { reset() }
        defer { reset() }
        try check(source: request.source, fileName: request.fileName, offset: request.offset, count: request.data.count, size: request.size)
        guard request.offset + request.data.count == request.size else {
            throw .badRequest("ingest of \(request.fileName): \(request.offset + request.data.count) bytes arrived, \(request.size) announced")
        }
        // Taken out of the staging first, so the append does not copy what is held.
        var file = bytes
        bytes = Data()
        file.append(request.data)
        return file
    }

    public mutating func reset() {
        source = nil
        fileName = nil
        bytes = Data()
    }

    private func check(source: String, fileName: String, offset: Int, count: Int, size: Int?) throws(ControlError) {
        guard count <= ControlProtocol.maxChunkBytes else {
            throw .badRequest("a chunk of \(count) bytes is over the \(ControlProtocol.maxChunkBytes)-byte limit")
        }
        if offset > 0 {
            guard self.source == source, self.fileName == fileName else {
                throw .badRequest("no upload of \(fileName) for \(source) in progress on this connection; send the file again from offset 0")
            }
        }
        guard offset == bytes.count else {
            throw .badRequest("chunk of \(fileName) at offset \(offset), but \(bytes.count) bytes are staged; send the file again")
        }
        let total = max(offset + count, size ?? 0)
        guard total <= ControlProtocol.maxIngestBytes else {
            throw .badRequest("\(fileName) is over the \(ControlProtocol.maxIngestBytes / (1 << 20)) MiB ingest limit")
        }
    }
}
