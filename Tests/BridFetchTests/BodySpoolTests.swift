import BridCore
import BridFetch
import Foundation
import Testing

/// Bodies go to an unnamed file as they arrive, hashed on the way; `max_bytes` still aborts
/// the download, and nothing is left in the folder whatever happens.
@Suite struct BodySpoolTests {
    let fetcher = CurlFetcher()

    /// The bytes `/pattern?bytes=N` serves.
    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8($0 % 251) }
    }

    /// A folder of its own, so that what is in it is this test's.
    static func makeFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "brid-spool-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The descriptors of this process that point into `folder` (an unnamed file reads
    /// `folder/#123 (deleted)`).
    static func openFiles(in folder: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
            .filter { $0.hasPrefix(folder + "/") }
    }

    @Test func aBodyIsSpooledAndItsDigestIsTheSHA256OfWhatWasServed() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let count = 5 << 20 + 12_345
        let spool = try BodySpool(directory: folder)
        let result = try await fetcher.fetch(GetRequest(url: server.url("/pattern?bytes=\(count)"), maxBytes: 6 << 20), into: spool)
        guard case .body(let size, let info) = result else {
            Issue.record("expected a body, got \(result)")
            return
        }
        #expect(size == count)
        #expect(info.status == 200)
        #expect(spool.size == count)
        let expected = Self.pattern(count)
        #expect(spool.sha256() == SHA256.hex(expected))
        #expect(try spool.contents() == expected)
        // The file has no name: the folder stays empty while the spool holds it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        #expect(Self.openFiles(in: folder).count == 1)
    }

    /// Pages of one response are fetched one after another into the same spool; the digest
    /// covers all of them.
    @Test func fetchesAppendToOneSpool() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let spool = try BodySpool(directory: spoolFolder)
        _ = try await fetcher.fetch(GetRequest(url: server.url("/plain")), into: spool)
        try spool.append([0x0A])
        _ = try await fetcher.fetch(GetRequest(url: server.url("/redirect/1")), into: spool)
        let expected = Array("plain\n\narrived\n".utf8)
        #expect(try spool.contents() == expected)
        #expect(spool.sha256() == SHA256.hex(expected))
    }

    /// Neither a redirect's body nor an error response's goes into the spool.
    @Test func onlyTheFinalBodyIsSpooled() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let spool = try BodySpool(directory: spoolFolder)
        let error = await thrownFetchError { () async throws(FetchError) in
            try await fetcher.fetch(GetRequest(url: server.url("/error-big/503")), into: spool)
        }
        #expect(error?.kind == .http(status: 503))
        #expect(spool.size == 0)
    }

    @Test func aBodyOverMaxBytesIsAbortedWhileDownloadingAndLeavesNothingBehind() async throws {
        let server = try await TestHTTPServer.start()
        defer { server.stop() }
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let url = server.url("/pattern?bytes=\(32 << 20)")
        var spool: BodySpool? = try BodySpool(directory: folder)
        let error = await thrownFetchError { [spool] () async throws(FetchError) in
            try await fetcher.fetch(GetRequest(url: url, maxBytes: 1 << 20), into: spool!)
        }
        // The same error as before spooling, and the transfer stopped at the limit.
        #expect(error?.kind == .tooLarge(limit: 1 << 20))
        #expect(error?.description == "body exceeds max_bytes 1MB (\(url))")
        #expect(spool!.size <= 1 << 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        spool = nil
        #expect(Self.openFiles(in: folder).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func aSpoolInAFolderThatIsNotThereIsAnError() throws {
        let folder = NSTemporaryDirectory() + "brid-no-such-folder-" + UUID().uuidString
        #expect(throws: BodySpoolError.self) { try BodySpool(directory: folder) }
        do {
            _ = try BodySpool(directory: folder)
        } catch {
            #expect(error.description == "cannot create a temporary file in \(folder): No such file or directory")
        }
    }

    private func thrownFetchError(_ transfer: () async throws(FetchError) -> FetchResult) async -> FetchError? {
        do {
            let result = try await transfer()
            Issue.record("expected a FetchError, got \(result)")
            return nil
        } catch {
            return error
        }
    }
}
