import Testing
@testable import BridCore

/// Hostile config files: nesting that would overflow the stack, byte-order marks, bytes
/// that are not UTF-8. Each is a syntax error naming its place, never a crash.
@Suite("TOML depth and encoding")
struct TOMLDepthTests {
    private func syntaxError(_ text: String) -> TOMLSyntaxError? {
        do {
            _ = try TOML.parse(text)
            return nil
        } catch {
            return error
        }
    }

    private let tooDeep = "nest deeper than 64 levels"

    @Test func threeThousandNestedArraysStopAtTheLimit() throws {
        let error = try #require(syntaxError("a = " + String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)))
        // `a` is level 1; the array that would be level 65 opens at column 4 + 64.
        #expect(error.line == 1 && error.column == 68, "\(error)")
        #expect(error.message.contains(tooDeep))
    }

    @Test func inlineTablesTenThousandDeep() throws {
        let text = "x = 1\na = " + String(repeating: "{b = ", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "\n"
        let error = try #require(syntaxError(text))
        #expect(error.line == 2, "\(error)")
        #expect(error.message.contains(tooDeep))
    }

    @Test func aDottedKeyOfFiveThousandParts() throws {
        let error = try #require(syntaxError("[t]\n" + String(repeating: "a.", count: 4999) + "a = 1\n"))
        #expect(error.line == 2 && error.column == 1, "\(error)")
        #expect(error.message.contains(tooDeep))
        #expect(error.message.count < 200, "the key is not echoed")
    }

    @Test func headersOfFiveThousandParts() throws {
        for header in ["[", "[["] {
            let error = try #require(syntaxError(header + String(repeating: "a.", count: 4999) + "a" + String(repeating: "]", count: header.count)))
            #expect(error.line == 1 && error.column == header.count + 1, "\(error)")
            #expect(error.message.contains(tooDeep))
        }
    }

    /// Key parts, arrays and inline tables count together.
    @Test func mixedNestingCountsEveryLevel() throws {
        // 32 parts of header + 31 of dotted key = 63, then an array and an inline table.
        let header = "[" + Array(repeating: "h", count: 32).joined(separator: ".") + "]\n"
        let key = Array(repeating: "k", count: 31).joined(separator: ".")
        #expect(syntaxError(header + key + " = 1\n") == nil)
        #expect(syntaxError(header + key + " = [1]\n") == nil, "the array is level 63, its element 64")
        let error = try #require(syntaxError(header + key + " = [[1]]\n"))
        #expect(error.message.contains(tooDeep))
        #expect(try #require(syntaxError(header + key + ".k.k = 1\n")).message.contains(tooDeep))
        #expect(try #require(syntaxError(header + key + " = {a = {b = 1}}\n")).message.contains(tooDeep))
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let depth = TOML.maximumDepth - 1  // `a` itself is level 1
        var value = TOMLValue(.integer(7), line: 1)
        let table = try TOML.parse("a = " + String(repeating: "[", count: depth) + "7" + String(repeating: "]", count: depth))
        for _ in 0..<depth { value = TOMLValue(.array([value]), line: 1) }
        #expect(table["a"] == value)
        let keyed = try TOML.parse(Array(repeating: "a", count: TOML.maximumDepth).joined(separator: ".") + " = 1")
        #expect(keyed.keys == ["a"])
    }

    @Test func oneByteOrderMarkIsStrippedASecondIsAnError() throws {
        #expect(try TOML.parse("\u{FEFF}a = 1")["a"] == TOMLValue(.integer(1), line: 1))
        let error = try #require(syntaxError("\u{FEFF}\u{FEFF}a = 1"))
        #expect(error.line == 1 && error.column == 1)
        #expect(error.message == "expected a key, found a byte-order mark (U+FEFF)")
    }

    @Test func configTextKeepsByteOrderMarksForTheReader() throws {
        let twice: [UInt8] = [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array("a = 1".utf8)
        let text = try ConfigText.decode(twice).get()
        #expect(text.unicodeScalars.prefix(2).map(\.value) == [0xFEFF, 0xFEFF])
    }

    @Test func bytesThatAreNotUTF8NameTheirOffsetLineAndColumn() throws {
        let cases: [(bytes: [UInt8], offset: Int, line: Int, column: Int)] = [
            (Array("[daemon]\nstate_dir = \"st".utf8) + [0xFF] + Array("ate\"\n".utf8), 24, 2, 16),
            (Array("# é\na = \"".utf8) + [0xC3, 0x28], 10, 2, 6),   // a lead byte without its continuation
            (Array("a = 1\n".utf8) + [0xED, 0xA0, 0x80], 6, 2, 1),  // a UTF-16 surrogate
            (Array("a = 1\n".utf8) + [0xC0, 0xAF], 6, 2, 1),        // an overlong '/'
            ([0xF4, 0x90, 0x80, 0x80], 0, 1, 1),                    // above U+10FFFF
            (Array("é".utf8) + [0xE2, 0x82], 2, 1, 2),              // cut short at the end
        ]
        for c in cases {
            guard case let .failure(error) = ConfigText.decode(c.bytes) else {
                Issue.record("accepted \(c.bytes)")
                continue
            }
            #expect((error.offset, error.line, error.column) == (c.offset, c.line, c.column), "\(c.bytes): \(error)")
            #expect(error.byte == c.bytes[c.offset])
        }
        let error = try #require(ConfigText.decode([0x61, 0xFF]).failure)
        #expect(error.description == "not valid UTF-8: byte 0xFF at byte offset 1")
        #expect(try ConfigText.decode(Array("ключ = \"値\" # 😀\n".utf8)).get() == "ключ = \"値\" # 😀\n")
    }
}

private extension Result {
    var failure: Failure? {
        if case let .failure(error) = self { return error }
        return nil
    }
}
