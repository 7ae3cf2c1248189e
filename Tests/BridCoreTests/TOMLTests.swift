import Testing
@testable import BridCore

private func parse(_ text: String) throws -> TOMLTable {
    try TOML.parse(text)
}

private func syntaxError(_ text: String) -> TOMLSyntaxError? {
    do {
        _ = try TOML.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite("TOML reader")
struct TOMLTests {
    @Test func basicStringsWithAllEscapes() throws {
        let t = try parse(#"s = "a\tb\nc\"d\\e\bf\fg\rh\u00e9\U0001F600""#)
        #expect(t["s"]?.string == "a\tb\nc\"d\\e\u{08}f\u{0C}g\rh\u{E9}\u{1F600}")
    }

    @Test func literalStringsKeepBackslashes() throws {
        let t = try parse(#"p = 'C:\Users\brid'"#)
        #expect(t["p"]?.string == #"C:\Users\brid"#)
    }

    @Test func multilineBasicStringTrimsFirstNewlineAndLineEndingBackslash() throws {
        let text = "s = \"\"\"\nThe quick \\\n    brown fox\njumps\"\"\"\n"
        let t = try parse(text)
        #expect(t["s"]?.string == "The quick brown fox\njumps")
    }

    @Test func multilineStringsAllowQuotesBeforeTheClosingDelimiter() throws {
        let t = try parse("a = \"\"\"x\"\"\"\"\"\nb = '''it's'''''\n")
        #expect(t["a"]?.string == "x\"\"")
        #expect(t["b"]?.string == "it's''")
    }

    @Test func multilineLiteralStringIsVerbatim() throws {
        let t = try parse("s = '''\nline \\n one\n  two'''")
        #expect(t["s"]?.string == "line \\n one\n  two")
    }

    @Test func integersInEveryNotation() throws {
        let t = try parse("""
            a = 42
            b = +17
            c = -1_000
            d = 0xDEAD_beef
            e = 0o755
            f = 0b1101
            g = 0
            h = 9223372036854775807
            """)
        #expect(t["a"]?.kind == .integer(42))
        #expect(t["b"]?.kind == .integer(17))
        #expect(t["c"]?.kind == .integer(-1000))
        #expect(t["d"]?.kind == .integer(0xDEADBEEF))
        #expect(t["e"]?.kind == .integer(0o755))
        #expect(t["f"]?.kind == .integer(13))
        #expect(t["g"]?.kind == .integer(0))
        #expect(t["h"]?.kind == .integer(Int64.max))
    }

    @Test func floatsWithExponentsUnderscoresAndSpecials() throws {
        let t = try parse("""
            a = 3.1415
            b = -0.01
            c = 5e+22
            d = 6.626e-34
            e = 1_000.000_1
            f = inf
            g = -inf
            h = nan
            i = 1E2
            """)
        #expect(t["a"]?.kind == .float(3.1415))
        #expect(t["b"]?.kind == .float(-0.01))
        #expect(t["c"]?.kind == .float(5e22))
        #expect(t["d"]?.kind == .float(6.626e-34))
        #expect(t["e"]?.kind == .float(1000.0001))
        #expect(t["f"]?.kind == .float(.infinity))
        #expect(t["g"]?.kind == .float(-.infinity))
        if case .float(let nan)? = t["h"]?.kind { #expect(nan.isNaN) } else { Issue.record("nan not read") }
        #expect(t["i"]?.kind == .float(100))
    }

    @Test(arguments: ["1__0", "_1", "1_", "012", "0x", "+0x10", "1.", ".5", "1e", "0b102", "1.2.3", "True", "bare"])
    func badNumbersAreSyntaxErrors(_ atom: String) throws {
        let error = try #require(syntaxError("x = \(atom)"))
        #expect(error.line == 1)
        #expect(error.column == 5)
        // Named by its place and length, never repeated: a bare word may be a secret.
        #expect(error.message == "invalid value: a bare word of \(atom.count) characters (strings need quotes)")
    }

    @Test func integerOverflowIsAnError() throws {
        let error = try #require(syntaxError("x = 9223372036854775808"))
        #expect(error.message == "integer 9223372036854775808 does not fit in 64 bits")
    }

    @Test func booleans() throws {
        let t = try parse("t = true\nf = false")
        #expect(t["t"]?.kind == .bool(true))
        #expect(t["f"]?.kind == .bool(false))
    }

    @Test(arguments: ["1979-05-27T07:32:00Z", "1979-05-27", "07:32:00", "1979-05-27 07:32:00"])
    func datesAndTimesAreRejected(_ value: String) throws {
        let error = try #require(syntaxError("when = \(value)"))
        #expect(error.message == "dates and times are not supported in brid.toml; quote the value")
        #expect(error.line == 1 && error.column == 8)
    }

    @Test func bareQuotedAndDottedKeys() throws {
        let t = try parse("""
            bare_key-1 = 1
            "quoted key" = 2
            'literal.key' = 3
            site."google.com".ok = true
            a . b = 4
            """)
        #expect(t["bare_key-1"]?.kind == .integer(1))
        #expect(t["quoted key"]?.kind == .integer(2))
        #expect(t["literal.key"]?.kind == .integer(3))
        #expect(t["site"]?.table?["google.com"]?.table?["ok"]?.kind == .bool(true))
        #expect(t["a"]?.table?["b"]?.kind == .integer(4))
    }

    @Test func nestedMultilineArraysWithCommentsAndTrailingComma() throws {
        let t = try parse("""
            a = [
              1, # one
              # a comment line
              [2, 3],
              "x",
            ]
            empty = []
            """)
        let a = try #require(t["a"]?.array)
        #expect(a.count == 3)
        #expect(a[0].kind == .integer(1))
        #expect(a[1].array?.map(\.kind) == [.integer(2), .integer(3)])
        #expect(a[2].string == "x")
        #expect(a[2].line == 5)
        #expect(t["empty"]?.array == [])
    }

    @Test func inlineTablesNestAndKeepLines() throws {
        let t = try parse("""

            headers = { "X-Api-Key" = { env = "WB_KEY" }, Accept = "text/csv", a.b = 1 }
            """)
        let headers = try #require(t["headers"]?.table)
        #expect(headers.keys == ["X-Api-Key", "Accept", "a"])
        #expect(headers["X-Api-Key"]?.table?["env"]?.string == "WB_KEY")
        #expect(headers["a"]?.table?["b"]?.kind == .integer(1))
        #expect(t.entry("headers")?.line == 2)
        #expect(t["headers"]?.line == 2)
    }

    @Test func tablesAndArraysOfTablesRecordHeaderLines() throws {
        let t = try parse("""
            top = 1
            [daemon]
            socket = "/s"

            [[source]]
            id = "a"
            [[source]]
            id = "b"
            [source.extra]
            x = 1
            [a.b.c]
            [a]
            y = 2
            """)
        #expect(t.keys == ["top", "daemon", "source", "a"])
        #expect(t["daemon"]?.line == 2)
        #expect(t["daemon"]?.table?.entry("socket")?.line == 3)
        let sources = try #require(t["source"]?.array)
        #expect(sources.map(\.line) == [5, 7])
        #expect(sources[1].table?["extra"]?.table?["x"]?.kind == .integer(1))
        #expect(sources[0].table?["extra"] == nil)
        #expect(t["a"]?.table?["y"]?.kind == .integer(2))
        #expect(t["a"]?.table?["b"]?.table?["c"]?.table == TOMLTable(entries: []))
    }

    @Test func subTablesOfDottedKeyTablesAreAllowed() throws {
        let t = try parse("""
            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true
            """)
        #expect(t["fruit"]?.table?["apple"]?.table?["texture"]?.table?["smooth"]?.kind == .bool(true))
    }

    @Test func byteOrderMarkAndCRLFAreAccepted() throws {
        let t = try parse("\u{FEFF}a = 1\r\nb = \"x\"\r\n")
        #expect(t["b"]?.string == "x")
        #expect(t["b"]?.line == 2)
    }

    // MARK: Errors

    @Test func missingEqualsNamesKeyLineAndColumn() throws {
        let error = try #require(syntaxError("[daemon]\n\n\n\n\n\n      every \"6h\""))
        #expect(error.description == #"7:13: expected '=' after key "every""#)
    }

    @Test func duplicateKeyIsAnError() throws {
        let error = try #require(syntaxError("a = 1\nb = 2\na = 3"))
        #expect(error.line == 3 && error.column == 1)
        #expect(error.message == #"duplicate key "a""#)
    }

    @Test func duplicateDottedKeyIsAnError() throws {
        let error = try #require(syntaxError("a.b = 1\na.b = 2"))
        #expect(error.message == #"duplicate key "a.b""#)
    }

    @Test func tableRedefinitionIsAnError() throws {
        let error = try #require(syntaxError("[daemon]\nx = 1\n[daemon]\n"))
        #expect(error.line == 3)
        #expect(error.message == "table [daemon] is defined more than once")
    }

    @Test func tableOverDottedKeyTableIsAnError() throws {
        let error = try #require(syntaxError("[fruit]\napple.color = 1\n[fruit.apple]\n"))
        #expect(error.line == 3)
        #expect(error.message == "table [fruit.apple] is defined more than once")
    }

    @Test func arrayOfTablesOverTableIsAnError() throws {
        let error = try #require(syntaxError("[source]\n[[source]]\n"))
        #expect(error.line == 2)
        #expect(error.message == "cannot define [[source]]: source is already a table")
    }

    @Test func tableOverValueIsAnError() throws {
        let error = try #require(syntaxError("a = 1\n[a.b]\n"))
        #expect(error.message == "cannot define [a.b]: a is already a value")
    }

    @Test func inlineTablesAreClosed() throws {
        let error = try #require(syntaxError("a = { b = 1 }\na.c = 2\n"))
        #expect(error.line == 2)
        #expect(error.message.contains("already a value"))
        let header = try #require(syntaxError("a = { b = 1 }\n[a.c]\n"))
        #expect(header.line == 2)
    }

    @Test func unterminatedStringsReportTheirLine() throws {
        let basic = try #require(syntaxError("a = 1\nb = \"open\nc = 2"))
        #expect(basic.line == 2)
        #expect(basic.message.hasPrefix("unterminated string"))
        let multi = try #require(syntaxError("a = \"\"\"\nnever closed"))
        #expect(multi.message.hasPrefix("unterminated multi-line string"))
    }

    @Test func invalidEscapeIsAnError() throws {
        let error = try #require(syntaxError(#"a = "x\qy""#))
        #expect(error.column == 7)
        #expect(error.message.hasPrefix(#"invalid escape sequence \q"#))
        let short = try #require(syntaxError(#"a = "\u12""#))
        #expect(short.message == #"\u needs exactly 4 hexadecimal digits"#)
        let surrogate = try #require(syntaxError(#"a = "\uD800""#))
        #expect(surrogate.message.contains("not a Unicode scalar value"))
    }

    @Test func valueMustEndTheLine() throws {
        let error = try #require(syntaxError("a = 1 b = 2"))
        #expect(error.description == "1:7: expected a newline after a value, found 'b'")
    }

    @Test func arrayErrors() throws {
        let missingComma = try #require(syntaxError("a = [1 2]"))
        #expect(missingComma.description == "1:8: expected ',' or ']' in array, found '2'")
        let unterminated = try #require(syntaxError("a = [1,\n2,\n"))
        #expect(unterminated.line == 3)
    }

    @Test func inlineTableErrors() throws {
        let trailing = try #require(syntaxError("a = { b = 1, }"))
        #expect(trailing.message == "trailing comma is not allowed in an inline table")
        let multiline = try #require(syntaxError("a = {\nb = 1 }"))
        #expect(multiline.message == "an inline table must stay on one line")
    }

    @Test func headerErrors() throws {
        let unclosed = try #require(syntaxError("[daemon\n"))
        #expect(unclosed.description == "1:8: expected ']' to close the table header [daemon]")
        let trailing = try #require(syntaxError("[[source]] x"))
        #expect(trailing.message == "expected a newline after the table header [[source]], found 'x'")
    }

    @Test func missingValue() throws {
        let error = try #require(syntaxError("a = \n"))
        #expect(error.description == "1:5: expected a value, found a newline")
    }

    @Test func controlCharactersInStringsAreRejected() throws {
        let error = try #require(syntaxError("a = \"x\u{01}\""))
        #expect(error.message.contains("U+1"))
    }
}
