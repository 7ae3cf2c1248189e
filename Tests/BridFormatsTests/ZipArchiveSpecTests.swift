import BridCore
@testable import BridFormats
import BridFuzzing
import Foundation
import Testing

/// The zip reader on APPNOTE.TXT's cases that Python's zipfile does not write
/// (archives built by `ZipTestFile`), and on damaged copies of every zip fixture.
@Suite struct ZipArchiveSpecTests {
    typealias Z = StoredZip

    static func read(_ bytes: [UInt8]) throws -> [String: [UInt8]] {
        try bytes.withUnsafeBufferPointer { (buffer) throws in
            let archive = try ZipArchive(buffer)
            var contents: [String: [UInt8]] = [:]
            for member in archive.members { contents[member.name] = try archive.extract(member, limit: 1 << 20) }
            return contents
        }
    }

    static let csv = Array("country,value\nKAZ,262641892078.524\n".utf8)

    /// 4.4.4 bit 3: the local header's CRC-32 and sizes are zero, the values follow the data
    /// in a data descriptor and are in the central directory, which is what is read.
    @Test func aDataDescriptorWithSizesOnlyInTheCentralDirectory() throws {
        var entry = Z.Entry("data.csv", Self.csv)
        entry.dataDescriptor = true
        let bytes = Z.archive([entry, Z.Entry("next.txt", Array("after the descriptor".utf8))])
        try bytes.withUnsafeBufferPointer { (buffer) throws in
            let archive = try ZipArchive(buffer)
            #expect(archive.members.first?.flags == 0x0008)
            #expect(archive.members.first?.uncompressedSize == Self.csv.count)
        }
        #expect(try Self.read(bytes) == ["data.csv": Self.csv, "next.txt": Array("after the descriptor".utf8)])
    }

    /// 4.5.3: the ZIP64 extended information holds only the fields whose 32-bit values are
    /// 0xFFFFFFFF, in the order uncompressed size, compressed size, local header offset.
    @Test func zip64ExtraFieldsWithAnyOfTheirFields() throws {
        var all = Z.Entry("all.csv", Self.csv)
        all.zip64Fields = (true, true, true)
        var offsetOnly = Z.Entry("offset.csv", Array("x,y\n".utf8))
        offsetOnly.zip64Fields = (false, false, true)
        var sizesOnly = Z.Entry("sizes.csv", Array("1,2\n".utf8))
        sizesOnly.zip64Fields = (true, true, false)
        let expected = ["all.csv": Self.csv, "offset.csv": Array("x,y\n".utf8), "sizes.csv": Array("1,2\n".utf8)]
        #expect(try Self.read(Z.archive([all, offsetOnly, sizesOnly])) == expected)
        // With the ZIP64 end of central directory record and its locator, the classic end
        // record's counts and offsets all 0xFFFF(FFFF).
        #expect(try Self.read(Z.archive([all, offsetOnly, sizesOnly], zip64End: true)) == expected)
        // A field marked 0xFFFFFFFF whose extra field is missing is refused, not read as 4 GB.
        var missing = Z.archive([Z.Entry("data.csv", Self.csv)])
        let size = try #require(Self.find([0x50, 0x4B, 0x01, 0x02], in: missing)) + 20
        missing.replaceSubrange(size..<(size + 4), with: Z.le32(0xFFFF_FFFF))
        #expect(throws: ZipArchive.Failure.self) { try Self.read(missing) }
    }

    /// 4.3.16: the end record's comment, up to 65535 bytes; one that holds the end record's
    /// signature does not mislead the search, and one whose length does not reach the end
    /// (bytes appended after the archive) still finds the record.
    /// A ZIP64 end record whose member count is beyond 2^63 (all bits set) is damage, not a
    /// range from 0 to -1 (which trapped).
    @Test func aZIP64MemberCountBeyondTheIntegersIsDamage() throws {
        func le(_ value: UInt64, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        var bytes = le(0x0606_4B50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4)
        bytes += le(UInt64.max, 8) + le(UInt64.max, 8) + le(0, 8) + le(0, 8)
        bytes += le(0x0706_4B50, 4) + le(0, 4) + le(0, 8) + le(1, 4)
        bytes += le(0x0605_4B50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(0, 2)
        let error = bytes.withUnsafeBufferPointer { buffer in #expect(throws: ZipArchive.Failure.self) { try ZipArchive(buffer) } }
        #expect(error?.kind == .corrupt)
        #expect(error?.description.contains("member count beyond 2^63") == true, "\(String(describing: error))")
    }

    @Test func aCommentAtTheEnd() throws {
        let entries = [Z.Entry("data.csv", Self.csv)]
        let expected = ["data.csv": Self.csv]
        #expect(try Self.read(Z.archive(entries, comment: Array("World Bank, 2024".utf8))) == expected)
        #expect(try Self.read(Z.archive(entries, comment: [UInt8](repeating: 0x20, count: 0xFFFF))) == expected)
        #expect(try Self.read(Z.archive(entries, comment: Array("PK\u{5}\u{6} is the end record's signature".utf8))) == expected)
        #expect(try Self.read(Z.archive(entries, comment: Array("short".utf8), commentLength: 2)) == expected)
        #expect(try Self.read(Z.archive(entries) + Array("appended after the archive".utf8)) == expected)
    }

    /// 4.3.7 and 4.4.17: a local header whose name differs from the central directory's.
    /// The central directory is the archive's index: members are listed and chosen by its
    /// names, and the local header is only found by its offset and skipped by its own
    /// lengths. brid writes no member to disk, so a different local name cannot place a file
    /// anywhere; the data read is the directory entry's, checked against its CRC-32.
    @Test func aLocalHeaderNameThatDiffersFromTheDirectorysIsSkipped() throws {
        var entry = Z.Entry("API_NY.GDP.MKTP.CD.csv", Self.csv)
        entry.localName = "../../a/much/longer/name/elsewhere.csv"
        let bytes = Z.archive([entry, Z.Entry("Metadata.csv", Array("m".utf8))])
        try bytes.withUnsafeBufferPointer { (buffer) throws in
            #expect(try ZipArchive(buffer).members.map(\.name) == ["API_NY.GDP.MKTP.CD.csv", "Metadata.csv"])
        }
        #expect(try Self.read(bytes) == ["API_NY.GDP.MKTP.CD.csv": Self.csv, "Metadata.csv": Array("m".utf8)])
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        return (0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle }
    }

    // MARK: Damage

    static func archives() throws -> [(name: String, bytes: [UInt8])] {
        let folder = ZipArchiveTests.root.appendingPathComponent("Tests/BridFormatsTests/Fixtures/zip")
        var all = [("wb_api_NY.GDP.MKTP.CD_csv.zip", try [UInt8](Data(contentsOf: ZipArchiveTests.root.appendingPathComponent("Tests/Fixtures/publications/wb_api_NY.GDP.MKTP.CD_csv.zip"))))]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".zip") {
            all.append((name, try [UInt8](Data(contentsOf: folder.appendingPathComponent(name)))))
        }
        var descriptor = Z.Entry("dd.csv", Self.csv)
        descriptor.dataDescriptor = true
        var zip64 = Z.Entry("z64.csv", Self.csv)
        zip64.zip64Fields = (true, true, true)
        all.append(("built.zip", Z.archive([descriptor, zip64], comment: Array("comment".utf8), zip64End: true)))
        return all
    }

    /// Truncations and flipped bytes of every zip fixture (a fixed seed): a thrown failure
    /// or the members' bytes, never a trap, a hang, or more than the limit handed out (the
    /// fuzz target's sink traps on that). Half the flips fall in the central directory and
    /// end record, where damage is structural.
    @Test func damagedCopiesOfEveryArchiveThrowOrRead() throws {
        var outcomes = (read: 0, refused: 0)
        var cases = 0
        func attempt(_ damaged: [UInt8], limit: Int) {
            let outcome = damaged.withUnsafeBufferPointer { FuzzTarget.inflateEveryMember($0, limit: limit) }
            outcomes.read += outcome.read
            outcomes.refused += outcome.refused
            cases += 1
        }
        var random = SplitMix(seed: 2024)
        for (name, bytes) in try Self.archives() {
            let directory = bytes.count > 200_000 ? bytes.count - 2_000 : (Self.find([0x50, 0x4B, 0x01, 0x02], in: bytes) ?? 0)
            // The World Bank members inflate to 288 kB: a limit below that is a bomb to them.
            let limits = [1 << 20, 100_000, 1_000]
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 40)) { attempt(Array(bytes.prefix(length)), limit: limits[length % 3]) }
            for cut in 1...min(60, bytes.count) { attempt(Array(bytes.dropLast(cut)), limit: 1 << 20) }
            for round in 0..<150 {
                var damaged = bytes
                let region = round % 2 == 0 ? 0..<bytes.count : directory..<bytes.count
                for _ in 0..<(1 + random.next() % 3) {
                    let at = region.lowerBound + Int(random.next() % UInt64(region.count))
                    damaged[at] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
                }
                attempt(damaged, limit: limits[round % 3])
            }
            _ = name
        }
        #expect(cases > 2_000)
        #expect(outcomes.read > 300)
        #expect(outcomes.refused > 1_000)
    }
}
