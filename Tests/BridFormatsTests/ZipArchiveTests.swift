import BridCore
@testable import BridFormats
import Foundation
import Testing

/// The zip reader on archives written by Python's zipfile (Fixtures/zip/make_fixtures.py).
@Suite struct ZipArchiveTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: root.appendingPathComponent("Tests/BridFormatsTests/Fixtures/zip/\(name)")))
    }

    func withArchive<T>(_ name: String, _ body: (ZipArchive) throws -> T) throws -> T {
        let bytes = try Self.fixture(name)
        return try bytes.withUnsafeBufferPointer { try body(try ZipArchive($0)) }
    }

    func failure(_ name: String, member: String? = nil, limit: Int = 1 << 30) throws -> ZipArchive.Failure {
        let bytes = try Self.fixture(name)
        return try bytes.withUnsafeBufferPointer { buffer in
            do {
                let archive = try ZipArchive(buffer)
                let chosen = try #require(member.map { archive.member(named: $0) } ?? archive.members.first)
                _ = try archive.extract(chosen, limit: limit)
            } catch let failure as ZipArchive.Failure {
                return failure
            }
            Issue.record("\(name) was read")
            return ZipArchive.Failure(kind: .corrupt, member: nil, reason: "")
        }
    }

    @Test func storedAndDeflatedMembersAreListedAndInflated() throws {
        try withArchive("two.zip") { (archive: ZipArchive) throws in
            #expect(archive.members.map(\.name) == ["stored.txt", "dir/deflated.csv"])
            #expect(archive.members.map(\.method) == [0, 8])
            #expect(try archive.extract(archive.members[0], limit: 100) == Array("hello, stored\n".utf8))
            let csv = try archive.extract(archive.members[1], limit: 1 << 20)
            #expect(csv == Array(("a,b\n" + String(repeating: "1,2\n", count: 1000)).utf8))
            // Streamed in small chunks, the same bytes.
            var pieces = 0
            var joined: [UInt8] = []
            try archive.inflate(archive.members[1], limit: 1 << 20, chunk: 100) { pieces += 1; joined.append(contentsOf: $0) }
            #expect(joined == csv)
            #expect(pieces >= 40)
        }
    }

    @Test func zip64RecordsAreRead() throws {
        try withArchive("zip64.zip") { (archive: ZipArchive) throws in
            #expect(archive.members.map(\.name) == ["data.csv"])
            #expect(try archive.extract(archive.members[0], limit: 100) == Array("x,y\n1,2\n".utf8))
        }
    }

    @Test func aBombIsRefusedAsSuchWithoutInflatingItAll() throws {
        let failure = try failure("bomb.zip", limit: 1 << 20)
        #expect(failure.kind == .bomb)
        #expect(failure.description.contains("zip member \"zeros.csv\": zip bomb refused"))
        // The declared size is not trusted: a member that says it is small is stopped too.
        let bytes = try Self.fixture("bomb.zip")
        try bytes.withUnsafeBufferPointer { buffer in
            let archive = try ZipArchive(buffer)
            var seen = 0
            #expect(throws: ZipArchive.Failure.self) {
                try archive.inflate(archive.members[0], limit: (20 << 20) - 1, chunk: 1 << 16) { seen += $0.count }
            }
            #expect(seen < 20 << 20)
        }
    }

    @Test func encryptedAndUnsupportedMembersAreRefusedByName() throws {
        let encrypted = try failure("encrypted.zip")
        #expect(encrypted.kind == .unsupported)
        #expect(encrypted.description == "zip member \"secret.csv\": encrypted members are not supported (decrypt the archive first)")
        let bzip2 = try failure("bzip2.zip")
        #expect(bzip2.kind == .unsupported)
        #expect(bzip2.description.contains("\"data.csv\": compression method 12 (bzip2) is not supported"))
    }

    @Test func damagedAndTruncatedArchivesAreRefused() throws {
        let damaged = try failure("damaged.zip")
        #expect(damaged.kind == .corrupt)
        #expect(damaged.member == "data.csv")
        let truncated = try failure("truncated.zip")
        #expect(truncated.kind == .corrupt)
        #expect(truncated.description.contains("truncated"))
        #expect(throws: ZipArchive.Failure.self) { try [UInt8]("PK\u{3}\u{4}".utf8).withUnsafeBufferPointer { _ = try ZipArchive($0) } }
    }

    @Test func theWorldBankArchiveListsItsThreeMembers() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("Tests/Fixtures/publications/wb_api_NY.GDP.MKTP.CD_csv.zip")))
        try bytes.withUnsafeBufferPointer { buffer in
            #expect(ZipArchive.isZip(buffer))
            let archive = try ZipArchive(buffer)
            #expect(archive.members.count == 3)
            let api = try #require(archive.members.first { $0.name.hasPrefix("API_") })
            #expect(api.uncompressedSize == 288_554)
            let csv = try archive.extract(api, limit: 1 << 20)
            #expect(csv.count == 288_554)
            #expect(String(decoding: csv, as: UTF8.self).contains("\"Kazakhstan\",\"KAZ\""))
        }
    }
}
