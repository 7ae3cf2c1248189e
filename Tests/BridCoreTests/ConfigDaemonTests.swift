import Testing
@testable import BridCore

@Suite("Config: errors, [daemon] and the top level")
struct ConfigDaemonTests {
    @Test func syntaxErrorStopsWithLineAndColumn() {
        let errors = configErrors("[daemon]\nstate_dir = \"/x\"\n\n\n\n\nevery \"6h\"\n", path: "brid.toml")
        #expect(errors.map(\.description) == [#"brid.toml:7:7: expected '=' after key "every""#])
        #expect(errors.first?.line == 7)
        #expect(errors.first?.column == 7)
    }

    @Test func errorRendersFileLineContextKeyAndMessage() {
        let lines = errorLines("""
            [[source]]
            id = "wb-kaz-exports"
            url = "https://example.org"
            format = "worldbank-json"
            every = "6x"
            """, path: "Config/brid.toml")
        #expect(lines == [
            #"Config/brid.toml:5: [[source]] "wb-kaz-exports": every: invalid duration "6x" — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d"#,
        ])
        let error = configErrors("[daemon]\nsocket = 5\n").first
        #expect(error == ConfigError(file: configPath, line: 2, context: "[daemon]", key: "socket",
                                     message: "expected a string, found an integer"))
    }

    @Test func relativeDaemonPathsResolveAgainstTheConfigFolder() throws {
        let config = try config("""
            [daemon]
            state_dir = "../var/./state"
            socket = "run/brid.sock"
            """)
        #expect(config.daemon.stateDir == "/etc/var/state")
        #expect(config.daemon.socket == "/etc/brid/run/brid.sock")
    }

    @Test func relativeConfigPathUsesTheWorkingDirectory() throws {
        let result = ConfigParser.parse(text: "[daemon]\nstate_dir = \"state\"\n", path: "Config/brid.toml",
                                        formats: testFormats, workingDirectory: "/home/op/brid")
        let config = try result.get()
        #expect(config.path == "/home/op/brid/Config/brid.toml")
        #expect(config.daemon.stateDir == "/home/op/brid/Config/state")
    }

    @Test func maxConcurrentFetchesRange() {
        #expect(errorLines("[daemon]\nmax_concurrent_fetches = 65\n") == [
            "\(configPath):2: [daemon]: max_concurrent_fetches: must be between 1 and 64, not 65",
        ])
        #expect(errorLines("[daemon]\nmax_concurrent_fetches = 0\n").count == 1)
        #expect(errorLines("[daemon]\nmax_concurrent_fetches = \"4\"\n") == [
            "\(configPath):2: [daemon]: max_concurrent_fetches: expected an integer, found a string",
        ])
    }

    @Test func notificationRetentionDefaultsTo30DaysAndIsADurationOfAtLeastAnHour() throws {
        #expect(try config("[daemon]\n").daemon.notificationRetention == .seconds(30 * 86_400))
        #expect(try config("").daemon.notificationRetention == DaemonConfig.defaultNotificationRetention)
        #expect(try config("[daemon]\nnotification_retention = \"90d\"\n").daemon.notificationRetention == .seconds(90 * 86_400))
        #expect(try config("[daemon]\nnotification_retention = \"1h\"\n").daemon.notificationRetention == .seconds(3_600))
        #expect(errorLines("[daemon]\nstate_dir = \"/x\"\nnotification_retention = \"30 days\"\n") == [
            "\(configPath):3: [daemon]: notification_retention: invalid duration \"30 days\" — use a whole number and a unit, e.g. 90s, 15m, 6h, 7d",
        ])
        #expect(errorLines("[daemon]\nnotification_retention = \"10m\"\n") == [
            "\(configPath):2: [daemon]: notification_retention: must be at least 1h, not 10m: `status` shows the last given-up delivery until it is pruned",
        ])
        #expect(errorLines("[daemon]\nnotification_retention = 30\n") == [
            "\(configPath):2: [daemon]: notification_retention: expected a string, found an integer",
        ])
        #expect(errorLines("[daemon]\nnotification_retention = \"0d\"\n").count == 1)
    }

    @Test func maxStagedBytesDefaultsTo128MBAndIsASize() throws {
        #expect(try config("").daemon.maxStagedBytes == 128 << 20)
        #expect(try config("[daemon]\nmax_staged_bytes = \"1GB\"\n").daemon.maxStagedBytes == 1 << 30)
        #expect(errorLines("[daemon]\nmax_staged_bytes = \"512KB\"\n") == [
            "\(configPath):2: [daemon]: max_staged_bytes: must be between 1MB and 16GB, not 524288 bytes",
        ])
        #expect(errorLines("[daemon]\nmax_staged_bytes = 1000\n").count == 1)
    }

    @Test func unknownDaemonKeySuggestsTheRightOne() {
        #expect(errorLines("[daemon]\nstatedir = \"/x\"\n") == [
            "\(configPath):2: [daemon]: statedir: unknown key; did you mean `state_dir`?",
        ])
        #expect(errorLines("[daemon]\ncolour = \"blue\"\n") == ["\(configPath):2: [daemon]: colour: unknown key"])
    }

    @Test func unknownTopLevelTablesSuggestTheRightShape() {
        #expect(errorLines("[sources]\nid = \"x\"\n") == ["\(configPath):1: sources: unknown table [sources]; did you mean [[source]]?"])
        #expect(errorLines("[[notifier]]\nkind = \"log\"\n") == ["\(configPath):1: notifier: unknown table [[notifier]]; did you mean [[notify]]?"])
        #expect(errorLines("[deamon]\n") == ["\(configPath):1: deamon: unknown table [deamon]; did you mean [daemon]?"])
        #expect(errorLines("[[alerts]]\n") == ["\(configPath):1: alerts: unknown table [[alerts]]; did you mean [[alert]]?"])
    }

    @Test func wrongShapesOfKnownTables() {
        #expect(errorLines("[source]\nid = \"x\"\n") == ["\(configPath):1: source: write [[source]] (one per source), not [source]"])
        #expect(errorLines("[[daemon]]\n") == ["\(configPath):1: daemon: there is one daemon: write [daemon], not [[daemon]]"])
        #expect(errorLines("alert = 3\n") == ["\(configPath):1: alert: expected [[alert]] tables, found an integer"])
    }

    @Test func topLevelKeysAreUnknown() {
        #expect(errorLines("\nstate_dir = \"/x\"\n") == ["\(configPath):2: state_dir: unknown top-level key; it belongs in [daemon]"])
        #expect(errorLines("debug = true\n").first?.hasPrefix("\(configPath):1: debug: unknown top-level key debug") == true)
    }

    @Test func allErrorsAreCollectedInLineOrder() {
        let errors = configErrors("""
            [daemon]
            max_concurrent_fetches = 100

            [[source]]
            id = "Bad Id"
            url = "ftp://example.org"
            format = "xml"

            [[alert]]
            id = "a"
            when = "level"
            series = "x.*"
            compare = "year_ago"

            [[notify]]
            kind = "pager"
            """)
        #expect(errors.map(\.line) == [2, 5, 6, 7, 9, 13, 16])
        #expect(errors.map(\.key) == ["max_concurrent_fetches", "id", "url", "format", nil, "compare", "kind"])
    }

    @Test func inlineArrayOfTablesWorksToo() throws {
        let config = try config(#"notify = [{ kind = "log" }, { kind = "log", id = "quiet" }]"#)
        #expect(config.notifiers.map(\.id) == ["log", "quiet"])
    }
}
