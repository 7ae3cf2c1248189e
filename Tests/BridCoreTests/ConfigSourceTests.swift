import Testing
@testable import BridCore

@Suite("Config: [[source]]")
struct ConfigSourceTests {
    private func source(_ body: String) throws -> SourceConfig {
        let config = try config("[[source]]\nid = \"s\"\n" + body)
        return try #require(config.sources.first)
    }

    private func errors(_ body: String) -> [String] {
        errorLines("[[source]]\nid = \"s\"\n" + body)
    }

    private let url = "url = \"https://example.org/x.csv\"\nformat = \"csv\"\n"

    @Test func urlSourceDefaults() throws {
        let s = try source(url)
        #expect(s.location == .url("https://example.org/x.csv"))
        #expect(s.schedule == .every(.seconds(3600)))
        #expect(s.timeout == .seconds(30))
        #expect(s.connectTimeout == .seconds(10))
        #expect(s.maxBytes == 20 << 20)
        #expect(s.mode == .append)
        #expect(s.headers.isEmpty && s.name == nil && s.seriesTemplate == nil && s.formatOptions.isEmpty)
        #expect(s.line == 1)
    }

    @Test func everySetting() throws {
        let s = try source(url + """
            every = "15m"
            timeout = "1m"
            connect_timeout = "500ms"
            max_bytes = "512KB"
            name = "World Bank exports"
            series = "wb.{country}"
            """)
        #expect(s.schedule == .every(.seconds(900)))
        #expect(s.timeout == .seconds(60))
        #expect(s.connectTimeout == .milliseconds(500))
        #expect(s.maxBytes == 512 * 1024)
        #expect(s.name == "World Bank exports")
        #expect(s.seriesTemplate == "wb.{country}")
    }

    @Test func cronSchedule() throws {
        let s = try source(url + "cron = \"0 6 * * 1-5\"\n")
        #expect(s.schedule == .cron(try CronExpression("0 6 * * 1-5")))
    }

    @Test func badCronNamesTheField() {
        #expect(errors(url + "cron = \"0 25 * * *\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": cron: invalid cron expression "0 25 * * *": hour field "25": 25 is out of range 0–23"#,
        ])
    }

    @Test func everyAndCronTogether() {
        #expect(errors(url + "every = \"6h\"\ncron = \"0 6 * * *\"\n") == [
            #"/etc/brid/brid.toml:6: [[source]] "s": cron: give either `every` or `cron`, not both"#,
        ])
    }

    @Test func zeroDurationsAreErrors() {
        #expect(errors(url + "every = \"0s\"\ntimeout = \"0m\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": every: must be longer than zero"#,
            #"/etc/brid/brid.toml:6: [[source]] "s": timeout: must be longer than zero"#,
        ])
    }

    @Test func badSize() {
        #expect(errors(url + "max_bytes = \"20 megs\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": max_bytes: invalid size "20 megs" — use a whole number and a unit, e.g. 512KB, 20MB (B, KB, MB, GB)"#,
        ])
        #expect(errors(url + "max_bytes = 20\n").first?.hasSuffix("max_bytes: expected a string, found an integer") == true)
    }

    @Test func dropSources() throws {
        let relative = try source("drop = \"drop/../incoming/x\"\nformat = \"csv\"\n")
        #expect(relative.location == .drop("/var/lib/brid/incoming/x"))
        #expect(relative.schedule == nil)
        let absolute = try source("drop = \"/srv/drops/x/\"\nformat = \"csv\"\n")
        #expect(absolute.location == .drop("/srv/drops/x"))
    }

    @Test func dropPathsFollowStateDir() throws {
        let config = try config("""
            [daemon]
            state_dir = "state"
            [[source]]
            id = "d"
            drop = "in"
            format = "csv"
            """)
        #expect(config.sources.first?.location == .drop("/etc/brid/state/in"))
    }

    @Test func dropSourcesAreNotScheduled() {
        #expect(errors("drop = \"d\"\nformat = \"csv\"\nevery = \"1h\"\ncron = \"* * * * *\"\nheaders = { A = \"b\" }\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": every: drop sources are watched, not scheduled; remove `every`"#,
            #"/etc/brid/brid.toml:6: [[source]] "s": cron: drop sources are watched, not scheduled; remove `cron`"#,
            #"/etc/brid/brid.toml:7: [[source]] "s": headers: headers apply only to url sources"#,
        ])
    }

    @Test func urlAndDropBothOrNeither() {
        #expect(errors(url + "drop = \"d\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": drop: a source has either `url` (fetched) or `drop` (a watched folder), not both"#,
        ])
        #expect(errors("format = \"csv\"\n") == [
            #"/etc/brid/brid.toml:1: [[source]] "s": missing `url` or `drop`: say where the data comes from"#,
        ])
    }

    @Test(arguments: ["ftp://example.org/x", "example.org/x", "https://", "http:///path"])
    func urlMustBeHTTP(_ bad: String) {
        #expect(errors("url = \"\(bad)\"\nformat = \"csv\"\n") == [
            "/etc/brid/brid.toml:3: [[source]] \"s\": url: \"\(bad)\" is not an http:// or https:// URL",
        ])
    }

    @Test func idRules() {
        #expect(errorLines("[[source]]\nurl = \"https://x.org\"\nformat = \"csv\"\n") == [
            #"/etc/brid/brid.toml:1: [[source]] #1: missing `id`, e.g. id = "wb-kaz-exports""#,
        ])
        #expect(errorLines("[[source]]\nid = \"WB\"\nurl = \"https://x.org\"\nformat = \"csv\"\n") == [
            #"/etc/brid/brid.toml:2: [[source]] "WB": id: "WB" is not a valid id; use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)"#,
        ])
        #expect(errorLines(oneSource + oneSource) == [
            #"/etc/brid/brid.toml:6: [[source]] "wb": id: "wb" is already the id of the [[source]] on line 1"#,
        ])
    }

    @Test func formatRules() {
        #expect(errors("url = \"https://x.org\"\n") == [
            #"/etc/brid/brid.toml:1: [[source]] "s": missing `format`; supported: csv, json and worldbank-json"#,
        ])
        #expect(errors("url = \"https://x.org\"\nformat = \"xml\"\n") == [
            #"/etc/brid/brid.toml:4: [[source]] "s": format: unknown format "xml"; supported: csv, json and worldbank-json"#,
        ])
        #expect(errors("url = \"https://x.org\"\nformat = \"jsn\"\n") == [
            #"/etc/brid/brid.toml:4: [[source]] "s": format: unknown format "jsn"; did you mean "json"? Supported: csv, json and worldbank-json"#,
        ])
    }

    @Test func formatOptionsAreTyped() throws {
        let s = try source("""
            url = "https://x.org"
            format = "json"
            fields = { period = "date", value = "obs" }
            scale = 1000
            keys = ["a", "b"]
            """)
        #expect(s.formatOptions == [
            "fields": .stringTable(["period": "date", "value": "obs"]),
            "scale": .float(1000),
            "keys": .stringArray(["a", "b"]),
        ])
        let csv = try source("url = \"https://x.org\"\nformat = \"csv\"\nseparator = \";\"\nheader_rows = 2\ndecimal_comma = true\n")
        #expect(csv.formatOptions == ["separator": .string(";"), "header_rows": .integer(2), "decimal_comma": .bool(true)])
        let named = try source("url = \"https://x.org\"\nformat = \"csv\"\nsheet = \"тыс.тенге\"\n")
        #expect(named.formatOptions == ["sheet": .string("тыс.тенге")])
        let numbered = try source("url = \"https://x.org\"\nformat = \"csv\"\nsheet = 2\n")
        #expect(numbered.formatOptions == ["sheet": .integer(2)])
    }

    @Test func aStringOrIntegerOptionRefusesOtherTypes() {
        #expect(errors("url = \"https://x.org\"\nformat = \"csv\"\nsheet = 1.5\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": sheet: expected a string or an integer, found a float"#,
        ])
        #expect(errors("url = \"https://x.org\"\nformat = \"csv\"\nsheet = [\"a\"]\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": sheet: expected a string or an integer, found an array"#,
        ])
    }

    @Test func formatOptionErrors() {
        #expect(errors("url = \"https://x.org\"\nformat = \"csv\"\nseparator = 1\nheader_rows = 1.5\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": separator: expected a string, found an integer"#,
            #"/etc/brid/brid.toml:6: [[source]] "s": header_rows: expected an integer, found a float"#,
        ])
        #expect(errors("url = \"https://x.org\"\nformat = \"json\"\nkeys = [\"a\", 1]\nfields = { a = 1 }\nscale = nan\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": keys: expected an array of strings, found an integer in it"#,
            #"/etc/brid/brid.toml:6: [[source]] "s": fields.a: expected a string, found an integer"#,
            #"/etc/brid/brid.toml:7: [[source]] "s": scale: must be a finite number, not nan"#,
        ])
    }

    @Test func optionsOfOtherFormatsAreUnknown() {
        #expect(errors("url = \"https://x.org\"\nformat = \"worldbank-json\"\nseparator = \";\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": separator: unknown key"#,
        ])
        #expect(errors(url + "seperator = \";\"\nevry = \"6h\"\nconnect-timeout = \"5s\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": seperator: unknown key; did you mean `separator`?"#,
            #"/etc/brid/brid.toml:6: [[source]] "s": evry: unknown key; did you mean `every`?"#,
            #"/etc/brid/brid.toml:7: [[source]] "s": connect-timeout: unknown key; did you mean `connect_timeout`?"#,
        ])
    }

    @Test func mode() {
        #expect(errors(url + "mode = \"replace\"\n") == [
            #"/etc/brid/brid.toml:5: [[source]] "s": mode: "replace" is not one of "append" or "snapshot""#,
        ])
    }

    @Test func headers() throws {
        let s = try source(url + #"headers = { "X-Api-Key" = { env = "WB_KEY" }, "Accept" = "text/csv", "Authorization" = { file = "/etc/brid/token" } }"#)
        #expect(s.headers == [
            HTTPHeaderValue(name: "X-Api-Key", value: .environment("WB_KEY")),
            HTTPHeaderValue(name: "Accept", value: .literal("text/csv")),
            HTTPHeaderValue(name: "Authorization", value: .file("/etc/brid/token")),
        ])
    }

    @Test func headerErrors() {
        let lines = errors(url + """
            [source.headers]
            "Bad Name" = "x"
            Accept = 1
            Token = { file = "relative" }
            accept = "dup"
            Key = { env = "A", file = "/b" }
            """)
        #expect(lines == [
            #"/etc/brid/brid.toml:6: [[source]] "s": headers.Bad Name: "Bad Name" is not a valid HTTP header name"#,
            #"/etc/brid/brid.toml:7: [[source]] "s": headers.Accept: expected a string or a table, found an integer"#,
            #"/etc/brid/brid.toml:8: [[source]] "s": headers.Token: expected a string, { env = "VARIABLE" } or { file = "/absolute/path" }"#,
            #"/etc/brid/brid.toml:9: [[source]] "s": headers.accept: header "accept" is given twice (names ignore case)"#,
            #"/etc/brid/brid.toml:10: [[source]] "s": headers.Key: expected a string, { env = "VARIABLE" } or { file = "/absolute/path" }"#,
        ])
    }
}

@Suite("Config: [[series]] catalogue")
struct ConfigSeriesTests {
    @Test func entries() throws {
        let config = try config("""
            [[series]]
            key = "IMF.DOT.A.KZ.TXG_FOB_USD.CN"
            frequency = "q"
            description = "Exports to China"
            [[series]]
            key = "cn-kz.trains"
            """)
        #expect(config.series == [
            SeriesDefinition(key: "IMF.DOT.A.KZ.TXG_FOB_USD.CN", frequency: .quarterly, description: "Exports to China", line: 1),
            SeriesDefinition(key: "cn-kz.trains", line: 5),
        ])
    }

    @Test func errors() {
        #expect(errorLines("""
            [[series]]
            key = "has space"
            [[series]]
            name = "nameless"
            [[series]]
            key = "a"
            frequency = "Y"
            [[series]]
            key = "a"
            units = "USD"
            """) == [
            #"/etc/brid/brid.toml:2: [[series]] "has space": key: series key "has space" contains a space; use letters, digits and . _ - : / @ +"#,
            #"/etc/brid/brid.toml:3: [[series]] #2: missing `key`, the series key this entry describes"#,
            #"/etc/brid/brid.toml:7: [[series]] "a": frequency: "Y" is not a frequency; use A, Q, M, W or D"#,
            #"/etc/brid/brid.toml:9: [[series]] "a": key: series "a" is already in the catalogue on line 5"#,
            #"/etc/brid/brid.toml:10: [[series]] "a": units: unknown key; did you mean `unit`?"#,
        ])
    }
}
