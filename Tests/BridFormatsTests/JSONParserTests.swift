@testable import BridFormats
import Testing

@Suite struct JSONParserTests {
    func parse(_ text: String, multiple: Bool = false, depth: Int = JSONDocument.defaultMaximumDepth) throws(JSONSyntaxError) -> JSONDocument {
        try JSONDocument(parsing: Array(text.utf8), maximumDepth: depth, allowsMultipleValues: multiple)
    }

    func syntaxError(_ text: String, depth: Int = JSONDocument.defaultMaximumDepth) -> String? {
        do {
            _ = try parse(text, depth: depth)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func readsNestedValuesAndKeepsNumberLexemes() throws {
        let doc = try parse(#"{"a": [1, 19.885, -0.5e-3, 6804128143.0, 123456789012345678901234567890], "b": {"c": true, "d": null, "e": false}, "s": "x"}"#)
        #expect(doc.kind(doc.root) == .object)
        #expect(doc.count(doc.root) == 3)
        let a = try #require(doc.member(doc.root, "a"))
        #expect(doc.elements(a).map { doc.numberText($0) } == ["1", "19.885", "-0.5e-3", "6804128143.0", "123456789012345678901234567890"])
        let b = try #require(doc.member(doc.root, "b"))
        #expect(doc.members(b).map { doc.string($0.name)! } == ["c", "d", "e"])
        #expect(doc.members(b).map { doc.kind($0.value) } == [.true, .null, .false])
        #expect(doc.string(try #require(doc.member(doc.root, "s"))) == "x")
        #expect(doc.member(doc.root, "zzz") == nil)
        #expect(doc.element(a, 4).map { doc.numberText($0) } == "123456789012345678901234567890")
        #expect(doc.element(a, 5) == nil)
    }

    @Test func emptyContainersAndScalarRoots() throws {
        let doc = try parse(#"[[], {}, [[]], ""]"#)
        #expect(doc.count(doc.root) == 4)
        #expect(doc.elements(doc.root).map { doc.count($0) } == [0, 0, 1, 0])
        #expect(doc.string(try #require(doc.element(doc.root, 3))) == "")
        #expect(try parse(" 42 ").numberText(0) == "42")
        #expect(try parse("null").kind(0) == .null)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let doc = try parse(#"["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u4e2D", "\ud83d\ude00!", "caf\u00E9 ’"]"#)
        let strings = doc.elements(doc.root).map { doc.string($0)! }
        #expect(strings == ["a\"b\\c/d\u{08}\u{0C}\n\r\t", "é中", "😀!", "café ’"])
        let escapedName = try parse(#"{"k\u0065y": 1}"#)
        #expect(escapedName.member(escapedName.root, "key") != nil)
    }

    @Test func reportsLineAndColumn() {
        #expect(syntaxError("{\n  \"a\": 1,\n  \"b\": 2 \"c\": 3\n}") == "line 3, column 10: expected ',' or '}'")
        #expect(syntaxError("[1, 2\n") == "line 2, column 1: unexpected end of input, expected ',' or ']'")
        #expect(syntaxError("[1, 2,]") == "line 1, column 7: expected a value")
        #expect(syntaxError("{\"a\" 1}") == "line 1, column 6: expected ':' after the member name")
        #expect(syntaxError("{\"a\": 1,}") == "line 1, column 9: expected a member name in double quotes")
        #expect(syntaxError("") == "line 1, column 1: expected a JSON value, found the end of the input")
        #expect(syntaxError("[1] [2]") == "line 1, column 5: unexpected text after the JSON value")
        // Columns count characters, not bytes.
        #expect(syntaxError("[\"é\", x]") == "line 1, column 7: expected a value")
    }

    @Test func rejectsInvalidNumbersAndLiterals() {
        #expect(syntaxError("[01]") == "line 1, column 2: invalid number (leading zeros, hexadecimal, NaN and Infinity are not JSON)")
        #expect(syntaxError("[1.]") == "line 1, column 4: invalid number: expected a digit after '.'")
        #expect(syntaxError("[1e]") == "line 1, column 4: invalid number: expected a digit in the exponent")
        #expect(syntaxError("[-]") == "line 1, column 3: invalid number: expected a digit")
        #expect(syntaxError("[NaN]") == "line 1, column 2: expected a value")
        #expect(syntaxError("[+1]") == "line 1, column 2: expected a value")
        #expect(syntaxError("[tru]") == "line 1, column 2: invalid literal (expected true)")
        #expect(syntaxError("[nulls]") == "line 1, column 2: invalid literal (expected null)")
    }

    @Test func rejectsBadStrings() {
        #expect(syntaxError("[\"abc]") == "line 1, column 2: unterminated string (missing '\"')")
        #expect(syntaxError("[\"a\nb\"]") == "line 1, column 4: unterminated string (a line break must be written \\n)")
        #expect(syntaxError("[\"a\u{01}\"]") == "line 1, column 4: control character U+0001 in a string must be escaped")
        #expect(syntaxError(#"["\x"]"#) == #"line 1, column 3: invalid escape in a string (expected one of \" \\ \/ \b \f \n \r \t \uXXXX)"#)
        #expect(syntaxError(#"["\u12G4"]"#) == "line 1, column 3: invalid \\u escape (expected 4 hexadecimal digits)")
        #expect(syntaxError(#"["\ud83d"]"#) == "line 1, column 3: invalid \\u escape: a high surrogate must be followed by a low surrogate (\\uDC00–\\uDFFF)")
        #expect(syntaxError(#"["\ude00"]"#) == "line 1, column 3: invalid \\u escape: a low surrogate without a high surrogate before it")
    }

    @Test func validatesUTF8() {
        func error(_ bytes: [UInt8]) -> String? {
            do { _ = try JSONDocument(parsing: bytes); return nil } catch { return error.description }
        }
        let q = UInt8(ascii: "\""), open = UInt8(ascii: "["), close = UInt8(ascii: "]")
        #expect(error([open, q, 0xC3, 0xA9, q, close]) == nil)  // é
        #expect(error([open, q, 0xF0, 0x9F, 0x98, 0x80, q, close]) == nil)  // 😀
        #expect(error([open, q, 0xC3, q, close]) == "line 1, column 3: invalid UTF-8 in a string")  // truncated
        #expect(error([open, q, 0xC0, 0xAF, q, close]) == "line 1, column 3: invalid UTF-8 in a string")  // overlong
        #expect(error([open, q, 0xED, 0xA0, 0x80, q, close]) == "line 1, column 3: invalid UTF-8 in a string")  // surrogate
        #expect(error([open, q, 0xF4, 0x90, 0x80, 0x80, q, close]) == "line 1, column 3: invalid UTF-8 in a string")  // > U+10FFFF
        #expect(error([open, 0xC3, 0xA9, close]) == "line 1, column 2: expected a value")  // outside a string
        // A byte-order mark is skipped, and is no column.
        #expect(error([0xEF, 0xBB, 0xBF, open, close]) == nil)
        #expect(error([0xEF, 0xBB, 0xBF, open, UInt8(ascii: "x"), close]) == "line 1, column 2: expected a value")
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(syntaxError(deep) == "line 1, column 513: nesting deeper than 512 levels")
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(syntaxError(ok) == nil)
        #expect(syntaxError("[[[1]]]", depth: 2) == "line 1, column 3: nesting deeper than 2 levels")
        // Deep nesting inside an object is walked without recursion.
        let doc = try parse("{\"a\":" + String(repeating: "[", count: 400) + "7" + String(repeating: "]", count: 400) + ", \"b\": 8}")
        #expect(doc.numberText(try #require(doc.member(doc.root, "b"))) == "8")
    }

    @Test func readsConcatenatedDocuments() throws {
        let doc = try parse("[1]\n{\"a\": 2}  3", multiple: true)
        #expect(doc.roots.count == 3)
        #expect(doc.kind(doc.roots[1]) == .object)
        #expect(doc.numberText(doc.roots[2]) == "3")
        #expect(doc.pointer(to: try #require(doc.member(doc.roots[1], "a"))) == "/a")
    }

    @Test func resolvesPointers() throws {
        let doc = try parse(#"{"data": [{"x": 1}, {"x": 2, "a/b": 3, "m~n": 4, "": 5}], "0": "zero"}"#)
        func at(_ p: String) throws -> String? {
            try doc.resolve(JSONPointer(p)).flatMap { doc.scalarText($0) ?? "\(doc.kind($0))" }
        }
        #expect(try at("") == "object")
        #expect(try at("/data") == "array")
        #expect(try at("/data/1/x") == "2")
        #expect(try at("/data/1/a~1b") == "3")
        #expect(try at("/data/1/m~0n") == "4")
        #expect(try at("/data/1/") == "5")
        #expect(try at("/0") == "zero")
        #expect(try at("/data/01") == nil)
        #expect(try at("/data/2") == nil)
        #expect(try at("/data/-") == nil)
        #expect(try at("/data/0/x/y") == nil)
        #expect(throws: JSONPointerError(text: "data", reason: "must be empty or start with '/' (e.g. \"/data\")")) { try JSONPointer("data") }
        #expect(throws: JSONPointerError(text: "/a~2", reason: "has '~' not followed by 0 or 1 (write ~0 for '~' and ~1 for '/')")) { try JSONPointer("/a~2") }
        #expect(try JSONPointer("/a~1b/m~0n").tokens == ["a/b", "m~n"])
        #expect(try JSONPointer("/a~1b/m~0n").description == "/a~1b/m~0n")
    }

    @Test func namesThePointerOfAnyValue() throws {
        let doc = try parse(#"{"data": {"dataSets": [{"series": {"0:1:0": {"observations": {"0": [1], "3": [2.5, 0]}}}}]}, "a/b": [[], [true]]}"#)
        let obs = try #require(doc.resolve(JSONPointer("/data/dataSets/0/series/0:1:0/observations/3")))
        #expect(doc.pointer(to: obs) == "/data/dataSets/0/series/0:1:0/observations/3")
        #expect(doc.pointer(to: try #require(doc.element(obs, 1))) == "/data/dataSets/0/series/0:1:0/observations/3/1")
        let t = try #require(doc.resolve(JSONPointer("/a~1b/1/0")))
        #expect(doc.kind(t) == .true)
        #expect(doc.pointer(to: t) == "/a~1b/1/0")
        #expect(doc.pointer(to: doc.root) == "")
    }

    @Test func locatesValues() throws {
        let doc = try parse("{\n  \"a\": [1,\n    \"x\"]\n}")
        let x = try #require(doc.resolve(JSONPointer("/a/1")))
        #expect(doc.location(of: x) == (3, 5))
    }
}
