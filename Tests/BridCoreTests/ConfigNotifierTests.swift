import Testing
@testable import BridCore

@Suite("Config: [[notify]]")
struct ConfigNotifierTests {
    private func notifiers(_ text: String) throws -> [NotifierConfig] {
        try config(text).notifiers
    }

    @Test func kindsAndDefaultIDs() throws {
        let n = try notifiers("""
            [[notify]]
            kind = "log"
            [[notify]]
            kind = "exec"
            command = ["/usr/local/bin/page", "--team", "data"]
            [[notify]]
            id = "hooks"
            kind = "webhook"
            url = "https://hooks.example.org/brid"
            [[notify]]
            id = "audit"
            kind = "log"
            """)
        #expect(n.map(\.id) == ["log", "exec", "hooks", "audit"])
        #expect(n.map(\.kind) == [.log, .exec(command: ["/usr/local/bin/page", "--team", "data"]),
                                  .webhook(url: "https://hooks.example.org/brid"), .log])
        #expect(n.map(\.line) == [1, 3, 6, 10])
        #expect(n[0] == NotifierConfig(id: "log", kind: .log, line: 1))
    }

    @Test func everySetting() throws {
        let n = try #require(try notifiers("""
            [[notify]]
            kind = "alertmanager"
            url = "http://127.0.0.1:9093"
            timeout = "5s"
            headers = { Authorization = { env = "AM_TOKEN" } }
            severity = ["warning", "critical"]
            rules = "kz-*"
            give_up_after = "2h"
            resend = "5m"
            notify_acked = false
            """).first)
        #expect(n == NotifierConfig(id: "alertmanager", kind: .alertmanager(url: "http://127.0.0.1:9093"),
                                    timeout: .seconds(5),
                                    headers: [HTTPHeaderValue(name: "Authorization", value: .environment("AM_TOKEN"))],
                                    severities: [.warning, .critical], rules: "kz-*", giveUpAfter: .seconds(7200),
                                    resend: .seconds(300), notifyAcked: false, line: 1))
    }

    @Test func singleSeverityString() throws {
        let n = try notifiers("[[notify]]\nkind = \"log\"\nseverity = \"critical\"\n")
        #expect(n.first?.severities == [.critical])
    }

    @Test func keysThatDoNotApply() {
        #expect(errorLines("""
            [[notify]]
            kind = "log"
            url = "http://x.org"
            resend = "1m"
            command = ["/bin/true"]
            headers = { A = "b" }
            """) == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": url: `url` applies only to webhook and alertmanager notifiers, not to log"#,
            #"/etc/brid/brid.toml:4: [[notify]] "log": resend: `resend` applies only to alertmanager notifiers, not to log"#,
            #"/etc/brid/brid.toml:5: [[notify]] "log": command: `command` applies only to exec notifiers, not to log"#,
            #"/etc/brid/brid.toml:6: [[notify]] "log": headers: `headers` applies only to webhook and alertmanager notifiers, not to log"#,
        ])
        #expect(errorLines("[[notify]]\nkind = \"webhook\"\nurl = \"http://x.org\"\nresend = \"1m\"\n") == [
            #"/etc/brid/brid.toml:4: [[notify]] "webhook": resend: `resend` applies only to alertmanager notifiers, not to webhook"#,
        ])
    }

    @Test func execCommandRules() {
        let head = "[[notify]]\nkind = \"exec\"\n"
        #expect(errorLines(head) == [
            #"/etc/brid/brid.toml:1: [[notify]] "exec": exec notifiers need `command`, e.g. command = ["/usr/local/bin/page-oncall", "--team", "data"]"#,
        ])
        #expect(errorLines(head + "command = []\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "exec": command: must name a program: an array whose first element is an absolute path"#,
        ])
        #expect(errorLines(head + "command = [\"page\", \"x\"]\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "exec": command: the program "page" must be an absolute path (commands run without a shell or PATH)"#,
        ])
        #expect(errorLines(head + "command = \"/bin/page\"\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "exec": command: expected an array of strings, found a string"#,
        ])
    }

    @Test func urlRules() {
        #expect(errorLines("[[notify]]\nkind = \"webhook\"\n") == [
            #"/etc/brid/brid.toml:1: [[notify]] "webhook": webhook notifiers need `url`, e.g. url = "http://127.0.0.1:9093""#,
        ])
        #expect(errorLines("[[notify]]\nkind = \"alertmanager\"\nurl = \"localhost:9093\"\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "alertmanager": url: "localhost:9093" is not an http:// or https:// URL"#,
        ])
    }

    @Test func kindRules() {
        #expect(errorLines("[[notify]]\nurl = \"http://x.org\"\n") == [
            "/etc/brid/brid.toml:1: [[notify]] #1: missing `kind`: one of log, exec, webhook or alertmanager",
        ])
        #expect(errorLines("[[notify]]\nkind = \"email\"\n") == [
            #"/etc/brid/brid.toml:2: [[notify]] #1: kind: "email" is not a notifier kind; use log, exec, webhook or alertmanager"#,
        ])
    }

    @Test func severityAndRulesErrors() {
        #expect(errorLines("[[notify]]\nkind = \"log\"\nseverity = [\"warning\", \"urgent\"]\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": severity: "urgent" is not a severity; use info, warning or critical"#,
        ])
        #expect(errorLines("[[notify]]\nkind = \"log\"\nseverity = []\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": severity: must list at least one severity (or leave it out for all)"#,
        ])
        #expect(errorLines("[[notify]]\nkind = \"log\"\nrules = \"[x\"\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": rules: invalid glob "[x": '[' without a closing ']'"#,
        ])
        #expect(errorLines("[[notify]]\nkind = \"log\"\nnotify_acked = \"no\"\ngive_up_after = \"0s\"\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": notify_acked: expected true or false, found a string"#,
            #"/etc/brid/brid.toml:4: [[notify]] "log": give_up_after: must be longer than zero"#,
        ])
    }

    @Test func idsAreUniqueIncludingDefaults() {
        #expect(errorLines("""
            [[notify]]
            kind = "log"
            [[notify]]
            id = "log"
            kind = "log"
            [[notify]]
            id = "Pager"
            kind = "log"
            [[notify]]
            kind = "webhook"
            url = "http://127.0.0.1:1/a"
            [[notify]]
            kind = "webhook"
            url = "http://127.0.0.1:1/b"
            """) == [
            #"/etc/brid/brid.toml:4: [[notify]] "log": id: "log" is already the id of the [[notify]] on line 1"#,
            #"/etc/brid/brid.toml:7: [[notify]] "Pager": id: "Pager" is not a valid id; use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit (at most 64)"#,
            #"/etc/brid/brid.toml:12: [[notify]] "webhook": the [[notify]] on line 9 is already "webhook"; give this one an `id` (e.g. id = "webhook-oncall")"#,
        ])
    }

    @Test func unknownKeySuggestion() {
        #expect(errorLines("[[notify]]\nkind = \"log\"\nnotify_ack = true\n") == [
            #"/etc/brid/brid.toml:3: [[notify]] "log": notify_ack: unknown key; did you mean `notify_acked`?"#,
        ])
    }
}
