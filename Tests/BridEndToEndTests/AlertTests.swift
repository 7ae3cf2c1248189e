import BridTestSupport
import Foundation
import Testing

/// Alerts through the built `brid` and `brictl`: rules fired by real releases, delivered
/// by real notifiers (a script, a webhook receiver on 127.0.0.1, a real Alertmanager).
@Suite(.serialized) struct AlertTests {
    static let sample: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: repository.appendingPathComponent("Config/samples/bri-cn-kz-2018.csv"), encoding: .utf8)) ?? ""
    }()

    static let rules = """
        [[alert]]
        id = "kz-exports-growth"
        series = "cn-kz.exports.kz-to-cn.growth"
        when = "level"
        above = 25.0
        severity = "info"
        summary = "Kazakh exports to China changed {value} % on the year in {period}"

        [[alert]]
        id = "trade-revised"
        series = "cn-kz.trade.*"
        when = "revision_pct"
        above = 1.0
        below = -1.0
        severity = "warning"
        """

    static func config(_ notifiers: String, rules: String = rules) -> String {
        """
        [daemon]
        state_dir = "state"
        socket = "state/control.sock"

        [[source]]
        id = "bri-cn-kz"
        drop = "drop/bri-cn-kz"
        format = "csv"

        \(rules)

        \(notifiers)
        """
    }

    /// Writes an executable shell script into the workspace; returns its `[[notify]]`.
    static func execNotifier(_ w: Workspace, id: String, script: String, timeout: String) throws -> String {
        try w.write(id + ".sh", "#!/bin/sh\n" + script)
        chmod(w.root + "/" + id + ".sh", 0o755)
        return """
            [[notify]]
            id = "\(id)"
            kind = "exec"
            command = ["\(w.root)/\(id).sh"]
            timeout = "\(timeout)"
            """
    }

    /// A daemon on a workspace, with brictl beside it.
    final class Running {
        let w: Workspace
        let brid: DaemonProcess

        init(_ config: String, environment: [String: String] = [:], workspace: Workspace? = nil) throws {
            w = try workspace ?? Workspace(config: config)
            try w.write("brid.toml", config)
            brid = try DaemonProcess(config: w.root + "/brid.toml", environment: environment, logPath: w.root + "/brid.log")
            try brid.waitForLog("running:", seconds: 20)
        }

        func brictl(_ arguments: String...) throws -> BridProcess.Result {
            try BridProcess.run(["--socket", w.root + "/state/control.sock"] + arguments, executable: BridProcess.brictlPath)
        }

        func json(_ arguments: String...) throws -> [String: Any] {
            let result = try BridProcess.run(["--socket", w.root + "/state/control.sock", "--json"] + arguments,
                                             executable: BridProcess.brictlPath)
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        }

        /// Drops a file the way a publisher should: written aside, renamed in.
        func drop(_ name: String, _ text: String) throws {
            try w.write("staging/" + name, text)
            rename(w.root + "/staging/" + name, w.root + "/state/drop/bri-cn-kz/" + name)
            try waitUntil("\(name) is processed", seconds: 20) {
                FileManager.default.fileExists(atPath: w.root + "/state/drop/bri-cn-kz/processed/" + name)
                    || FileManager.default.fileExists(atPath: w.root + "/state/drop/bri-cn-kz/rejected/" + name)
            }
        }

        func alerts(all: Bool = false) throws -> [[String: Any]] {
            (all ? try json("alerts", "--all") : try json("alerts"))["alerts"] as? [[String: Any]] ?? []
        }
    }

    @Test func theSampleTwiceAndARevisionFireResolveAndAckThroughBrictlAndAScript() async throws { try await offPool {
        let w = try Workspace(config: "")
        let script = try Self.execNotifier(w, id: "script", script: "{ cat; echo; env | grep '^BRID_ALERT_' | sort; echo ---; } >> \"$(dirname \"$0\")/notified.txt\"\n", timeout: "5s")
        let notifiers = script + """


            [[notify]]
            id = "journal"
            kind = "log"
            """
        let r = try Running(Self.config(notifiers), workspace: w)
        try r.drop("r1.csv", Self.sample)
        try waitUntil("the growth alert fires", seconds: 20) { try r.alerts().count == 1 }
        let fired = try #require(try r.alerts().first)
        #expect(fired["rule"] as? String == "kz-exports-growth")
        #expect(fired["series"] as? String == "cn-kz.exports.kz-to-cn.growth")
        #expect(fired["period"] as? String == "2018" && fired["state"] as? String == "firing")
        #expect(fired["summary"] as? String == "Kazakh exports to China changed 30 % on the year in 2018")
        let id = try #require(fired["id"] as? Int)

        // The same sample again: no release, nothing new fires.
        try r.drop("r2.csv", "# the 2018 sample, published again\n" + Self.sample)
        try r.brid.waitForLog("r2.csv")
        // A revision: trade 19.885 → 20.2 (+1.6 %), growth 30 → 24 (back within the level).
        try r.drop("r3.csv", "series,period,value\ncn-kz.trade.total,2018,20.2\ncn-kz.exports.kz-to-cn.growth,2018,24\n")
        try waitUntil("the revision alert fires and the level resolves", seconds: 20) {
            let firing = try r.alerts()
            return firing.count == 1 && firing.first?["rule"] as? String == "trade-revised"
        }
        let all = try r.alerts(all: true)
        #expect(all.count == 2)
        let resolved = try #require(all.first { $0["id"] as? Int == id })
        #expect(resolved["state"] as? String == "resolved")
        #expect(resolved["resolveReason"] as? String == "2018: 24 is back within thresholds")
        let revision = try #require(all.first { $0["rule"] as? String == "trade-revised" })
        #expect(revision["value"] as? String == "20.2" && revision["previousValue"] as? String == "19.885")
        let revisionID = try #require(revision["id"] as? Int)

        // ack: stays firing, marked; a second ack changes nothing; a resolved one cannot be acked.
        let ack = try r.brictl("ack", String(revisionID), "--comment", "ministry revised the 2018 figure")
        #expect(ack.status == 0 && ack.stdout.contains("acked alert \(revisionID)"))
        #expect(try r.brictl("ack", String(revisionID)).stdout.contains("was already acked"))
        #expect(try r.brictl("ack", String(id)).status == 1)
        #expect(try r.brictl("ack", "999").status == 4)
        let acked = try #require(try r.alerts().first)
        #expect(acked["acked"] as? Bool == true && acked["ackComment"] as? String == "ministry revised the 2018 figure")

        // status: firing counts by severity and the outbox backlog.
        let status = try r.json("status")
        let counts = try #require(status["alerts"] as? [String: Any])
        #expect((counts["firing"] as? [String: Int])?["warning"] == 1 && counts["acked"] as? Int == 1)
        try waitUntil("the outbox drains", seconds: 20) { (try r.json("status")["alerts"] as? [String: Any])?["outboxBacklog"] as? Int == 0 }
        #expect(try r.brictl("status").stdout.contains("1 warning"))
        #expect(try r.brictl("alerts").stdout.contains("firing, acked"))
        #expect(try r.brictl("alerts", "--rule", "kz-exports-growth").stdout.contains("no alerts"))
        #expect(try r.brictl("alerts", "--all", "--series", "cn-kz.exports.*").stdout.contains("kz-exports-growth"))

        // The script got every transition once, as JSON on stdin with BRID_ALERT_* beside it.
        let notified = try w.read("notified.txt").components(separatedBy: "---\n").filter { !$0.isEmpty }
        #expect(notified.count == 4)  // growth firing, growth resolved, revision firing, revision acked
        let ids = notified.compactMap { entry -> String? in
            let json = entry.split(separator: "\n").first.map(String.init) ?? ""
            let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            return object?["id"] as? String
        }
        #expect(ids.sorted() == ["brid-alert-\(id)-firing", "brid-alert-\(id)-resolved", "brid-alert-\(revisionID)-acked",
                                 "brid-alert-\(revisionID)-firing"])
        #expect(ids.first == "brid-alert-\(id)-firing" && ids.last == "brid-alert-\(revisionID)-acked")
        #expect(notified[0].contains("BRID_ALERT_RULE=kz-exports-growth\n") && notified[0].contains("BRID_ALERT_VALUE=30\n"))
        #expect(notified[3].contains("BRID_ALERT_ACK_COMMENT=ministry revised the 2018 figure\n"))
        // The log notifier: one line per transition.
        #expect(r.brid.log.contains("alert \(id) firing [info] kz-exports-growth: Kazakh exports to China changed 30 % on the year in 2018"))
        #expect(r.brid.log.contains("alert \(revisionID) acked [warning] trade-revised"))

        // rules: with their last evaluation and firing count; rules test finds the revision.
        let rules = try r.json("rules")["rules"] as? [[String: Any]] ?? []
        #expect(rules.map { $0["id"] as? String } == ["kz-exports-growth", "trade-revised"])
        #expect(rules.allSatisfy { $0["lastEvaluatedAt"] != nil })
        let test = try r.brictl("rules", "test", "trade-revised")
        #expect(test.status == 0 && test.stdout.contains("would fire 1 time") && test.stdout.contains("firing"))
        #expect(try r.brictl("rules", "test", "nope").status == 4)
        #expect(try r.brictl("rules", "test", "trade-revised", "--series", "cn-eu.*").stdout.contains("would fire nothing"))
        // An edited threshold is tried before reloading.
        try w.write("brid.toml", Self.config(notifiers, rules: Self.rules.replacingOccurrences(of: "above = 1.0", with: "above = 5.0")))
        let tuned = try r.brictl("rules", "test", "trade-revised")
        #expect(tuned.stdout.contains("not yet reloaded") && tuned.stdout.contains("would fire nothing"))
        #expect(try r.brictl("alerts").stdout.contains("trade-revised"), "testing fires and resolves nothing")
        #expect(try w.sql("SELECT count(*) FROM outbox") == "4\n", "and writes nothing to the outbox")
        // A file that does not load: the running rule is tested, and the operator told why.
        try w.write("brid.toml", Self.config(notifiers) + "\n[[alert]]\nid = \"broken\"\n")
        let fallback = try r.brictl("rules", "test", "trade-revised")
        #expect(fallback.stdout.contains("as in the running configuration (\(w.root)/brid.toml does not load now:"))
        #expect(fallback.stdout.contains("would fire 1 time"))
        // A reload without the rule resolves its alert, with the reason.
        try w.write("brid.toml", Self.config(notifiers, rules: Self.rules.components(separatedBy: "\n\n")[0]))
        #expect(try r.brictl("reload").status == 0)
        try waitUntil("the removed rule's alert resolves", seconds: 20) { try r.alerts().isEmpty }
        let removed = try #require(try r.alerts(all: true).first { $0["id"] as? Int == revisionID })
        #expect(removed["resolveReason"] as? String == "rule trade-revised was removed from the configuration")
        _ = try r.brid.terminate()
    } }

    @Test func everyObservationRuleKindFiresThroughTheBuiltDaemon() async throws { try await offPool {
        let rules = """
            [[alert]]
            id = "jump"
            series = "kz.*"
            when = "change_pct"
            above = 25.0

            [[alert]]
            id = "trains-yoy"
            series = "trains.*"
            when = "change_abs"
            compare = "year_ago"
            below = -100.0

            [[alert]]
            id = "revised"
            series = "kz.*"
            when = "revision_abs"
            above = 0.5

            [[alert]]
            id = "old-data"
            series = "kz.*"
            when = "stale"
            after = "400d"
            """
        let r = try Running(Self.config("[[notify]]\nkind = \"log\"", rules: rules))
        // Test figures: 2017 is old by now, so stale fires at once (ingest evaluates it).
        try r.drop("r1.csv", "series,period,value\nkz.exports,2017,6.566\n"
            + "trains.alataw,2017-Q1,600\ntrains.alataw,2017-Q2,590\ntrains.alataw,2017-Q3,610\ntrains.alataw,2017-Q4,588\n")
        try waitUntil("stale fires", seconds: 20) { try r.alerts().map { $0["rule"] as? String } == ["old-data"] }
        // +30 % on the year; 2018-Q1 is 200 trains below 2017-Q1.
        try r.drop("r2.csv", "series,period,value\nkz.exports,2018,8.535\ntrains.alataw,2018-Q1,400\n")
        try waitUntil("change_pct and change_abs (year_ago) fire", seconds: 20) { try r.alerts().count == 3 }
        // 2018 revised by +0.665: revision_abs; stale stays one alert.
        try r.drop("r3.csv", "series,period,value\nkz.exports,2018,9.2\n")
        try waitUntil("revision_abs fires", seconds: 20) { try r.alerts().count == 4 }
        let byRule = Dictionary(uniqueKeysWithValues: try r.alerts().map { ($0["rule"] as? String ?? "", $0) })
        #expect(byRule["old-data"]?["series"] as? String == "kz.exports" && byRule["old-data"]?["period"] as? String == "2017")
        #expect(byRule["jump"]?["period"] as? String == "2018" && byRule["jump"]?["previousValue"] as? String == "6.566")
        #expect(byRule["trains-yoy"]?["period"] as? String == "2018-Q1" && byRule["trains-yoy"]?["previousValue"] as? String == "600")
        #expect(byRule["revised"]?["value"] as? String == "9.2" && byRule["revised"]?["previousValue"] as? String == "8.535")
        #expect(try r.alerts(all: true).count == 4, "nothing fired twice")
        _ = try r.brid.terminate()
    } }

    @Test func aWebhookThatFailsTwiceIsRetriedAndGetsTheAlertOnce() async throws { try await offPool {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/receiver.py").path
        let receiver = try Publisher(script: script, arguments: ["2"])
        let notifiers = """
            [[notify]]
            id = "hook"
            kind = "webhook"
            url = "http://127.0.0.1:\(receiver.port)/brid"
            timeout = "5s"
            headers = { Authorization = { env = "HOOK_TOKEN" } }
            """
        let r = try Running(Self.config(notifiers), environment: ["HOOK_TOKEN": "Bearer s3cret-token"])
        try r.drop("r1.csv", Self.sample)
        try waitUntil("three attempts, the third accepted", seconds: 20) { try Self.posts(receiver).count >= 3 }
        Thread.sleep(forTimeInterval: 0.5)
        let posts = try Self.posts(receiver)
        #expect(posts.map { $0["status"] as? Int } == [503, 503, 204])
        let bodies = Set(posts.compactMap { $0["body"] as? String })
        #expect(bodies.count == 1, "every retry carries the same payload")
        let body = try #require(bodies.first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect((payload["id"] as? String)?.hasPrefix("brid-alert-") == true && payload["event"] as? String == "firing")
        #expect((payload["alert"] as? [String: Any])?["series"] as? String == "cn-kz.exports.kz-to-cn.growth")
        let headers = posts[0]["headers"] as? [String: String] ?? [:]
        #expect(headers["Authorization"] == "Bearer s3cret-token" && headers["Content-Type"] == "application/json")
        try waitUntil("the delivery is logged", seconds: 20) { r.brid.log.contains("after 3 attempts") }
        #expect(r.brid.log.contains("failed (attempt 1)") && r.brid.log.contains("failed (attempt 2)"))
        #expect(!r.brid.log.contains("s3cret-token"), "header secrets are never logged")
        #expect(try r.w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NOT NULL AND attempts = 3") == "1\n")
        _ = try r.brid.terminate()
    } }

    @Test func aNotificationCommittedBeforeKillNineIsDeliveredAfterTheRestart() async throws { try await offPool {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/receiver.py").path
        let port = try freePort()
        let notifiers = """
            [[notify]]
            id = "hook"
            kind = "webhook"
            url = "http://127.0.0.1:\(port)/brid"
            timeout = "2s"
            """
        let config = Self.config(notifiers)
        let first = try Running(config)
        try first.drop("r1.csv", Self.sample)
        // Committed with its release; nobody listens yet, so it stays in the outbox.
        try waitUntil("a first attempt failed", seconds: 20) { first.brid.log.contains("failed (attempt 1)") }
        first.brid.signal(SIGKILL)
        _ = try? first.brid.terminate(seconds: 5)
        #expect(try first.w.sql("SELECT count(*) FROM outbox") == "1\n")
        #expect(try first.w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL") == "1\n")

        let receiver = try Publisher(script: script, arguments: ["0", String(port)])
        let second = try Running(config, workspace: first.w)
        try waitUntil("the restarted brid delivers it", seconds: 20) { try Self.posts(receiver).count == 1 }
        let body = try #require(try Self.posts(receiver).first?["body"] as? String)
        #expect(body.contains("\"event\":\"firing\"") && body.contains("kz-exports-growth"))
        try waitUntil("recorded as delivered", seconds: 20) {
            try first.w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NOT NULL") == "1\n"
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try Self.posts(receiver).count == 1, "delivered once")
        _ = try second.brid.terminate()
    } }

    @Test func killNineWhileANotificationIsBeingDeliveredDeliversItAfterTheRestart() async throws { try await offPool {
        let w = try Workspace(config: "")
        // The first run hangs (brid is killed meanwhile); the next one records its stdin.
        let config = Self.config(try Self.execNotifier(w, id: "script", script: """
            dir="$(dirname "$0")"
            if [ ! -e "$dir/first-run" ]; then echo $$ > "$dir/first-run"; sleep 60; fi
            cat >> "$dir/delivered.jsonl"; echo >> "$dir/delivered.jsonl"

            """, timeout: "2m"))
        let first = try Running(config, workspace: w)
        try first.drop("r1.csv", Self.sample)
        try waitUntil("the delivery is in flight", seconds: 20) { FileManager.default.fileExists(atPath: w.root + "/first-run") }
        first.brid.signal(SIGKILL)
        _ = try? first.brid.terminate(seconds: 5)
        #expect(try w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL") == "1\n")
        let second = try Running(config, workspace: w)
        try waitUntil("the restarted brid delivers it", seconds: 20) {
            (try? w.read("delivered.jsonl"))?.contains("\"event\":\"firing\"") == true
        }
        let lines = try w.read("delivered.jsonl").split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("kz-exports-growth"))
        try waitUntil("recorded as delivered", seconds: 20) {
            try w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NOT NULL") == "1\n"
        }
        _ = try second.brid.terminate()
        // The orphaned first run (its own process group, which kill -9 of brid leaves alone).
        if let pid = Int32((try? w.read("first-run"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") { kill(-pid, SIGKILL) }
    } }

    @Test func aFailingURLSourceFiresFetchFailingAndTheNextSuccessResolvesIt() async throws { try await offPool {
        let w = try Workspace(config: "")
        let publisher = try Publisher(folder: w.root + "/published")
        let config = """
            [daemon]
            state_dir = "state"
            socket = "state/control.sock"

            [[source]]
            id = "kz-stat"
            url = "\(publisher.url("kz.csv"))"
            format = "csv"
            every = "1h"

            [[alert]]
            id = "feed-failing"
            source = "kz-stat"
            when = "fetch_failing"
            failures = 1
            severity = "critical"

            [[notify]]
            kind = "log"
            """
        let r = try Running(config, workspace: w)
        // Nothing published yet: the first check (at start-up) gets a 404.
        try waitUntil("fetch_failing fires", seconds: 20) { try r.alerts().count == 1 }
        let alert = try #require(try r.alerts().first)
        #expect(alert["source"] as? String == "kz-stat" && alert["severity"] as? String == "critical")
        #expect((alert["summary"] as? String)?.hasPrefix("source kz-stat failing, 1 in a row: HTTP 404") == true)
        #expect(try r.json("status")["alerts"].flatMap { ($0 as? [String: Any])?["firing"] as? [String: Int] }?["critical"] == 1)
        try publisher.publish("kz.csv", "series,period,value\nkz.freight.transit,2018,13.98\n")
        #expect(try r.brictl("fetch", "kz-stat").status == 0)
        try waitUntil("the success resolves it", seconds: 20) { try r.alerts().isEmpty }
        #expect(try r.alerts(all: true).first?["resolveReason"] as? String == "a check succeeded")
        #expect(r.brid.log.contains("firing [critical] feed-failing"))
        _ = try r.brid.terminate()
    } }

    @Test func sigtermDuringASlowExecNotifierStopsWithinSecondsAndKeepsTheNotification() async throws { try await offPool {
        let w = try Workspace(config: "")
        let notifiers = try Self.execNotifier(w, id: "slow", script: "touch \"$(dirname \"$0\")/started\"\nsleep 60\n", timeout: "2m")
        let r = try Running(Self.config(notifiers), workspace: w)
        try r.drop("r1.csv", Self.sample)
        try waitUntil("the notifier runs", seconds: 20) { FileManager.default.fileExists(atPath: w.root + "/started") }
        let (status, elapsed) = try r.brid.terminate()
        #expect(status == 0)
        #expect(elapsed < 5, "the command is ended, not waited for")
        #expect(r.brid.log.contains("brid is shutting down"))
        #expect(try w.sql("SELECT count(*) FROM deliveries WHERE delivered_at IS NULL AND gave_up_at IS NULL") == "1\n",
                "still pending: delivered after the restart")
    } }

    @Test func aRealAlertmanagerShowsTheAlertWhileFiringAndNotAfterResolution() async throws { try await offPool {
        let alertmanager = try Alertmanager()
        let notifiers = """
            [[notify]]
            id = "am"
            kind = "alertmanager"
            url = "http://127.0.0.1:\(alertmanager.port)"
            resend = "2s"
            """
        let r = try Running(Self.config(notifiers))
        try r.drop("r1.csv", Self.sample)
        try waitUntil("Alertmanager has the alert", seconds: 20) {
            try alertmanager.alerts().contains { ($0["labels"] as? [String: String])?["alertname"] == "kz-exports-growth" }
        }
        let alert = try #require(try alertmanager.alerts().first)
        let labels = alert["labels"] as? [String: String] ?? [:]
        #expect(labels == ["alertname": "kz-exports-growth", "series": "cn-kz.exports.kz-to-cn.growth", "source": "bri-cn-kz",
                           "severity": "info", "period": "2018"])
        let annotations = alert["annotations"] as? [String: String] ?? [:]
        #expect(annotations["summary"] == "Kazakh exports to China changed 30 % on the year in 2018")
        #expect(annotations["description"]?.contains("rule kz-exports-growth (level)") == true)
        #expect((alert["status"] as? [String: Any])?["state"] as? String == "active")
        // Re-posted every `resend` while firing: Alertmanager's updatedAt moves on.
        let updated = alert["updatedAt"] as? String
        try waitUntil("a re-post", seconds: 20) { try alertmanager.alerts().first?["updatedAt"] as? String != updated }

        try r.drop("r2.csv", "series,period,value\ncn-kz.exports.kz-to-cn.growth,2018,24\n")
        try waitUntil("Alertmanager no longer shows it", seconds: 20) { try alertmanager.alerts().isEmpty }
        #expect(try r.alerts().isEmpty)
        _ = try r.brid.terminate()
    } }

    static func posts(_ receiver: Publisher) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(receiver.port)/_posts")!)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }
}

/// A free TCP port on 127.0.0.1 (bound, read, closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw PublisherError("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The Debian package's Alertmanager, started on 127.0.0.1 with a short group_wait and
/// no clustering, its storage in a temporary folder.
final class Alertmanager {
    static let binary = ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].first { FileManager.default.isExecutableFile(atPath: $0) }
    let port: Int
    let folder: String
    private let process: Process

    init() throws {
        guard let binary = Self.binary else {
            throw PublisherError("prometheus-alertmanager is not installed: run `make deps` (apt-get install -y --no-install-recommends prometheus-alertmanager)")
        }
        folder = NSTemporaryDirectory() + "brid-am-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try Data("""
            route:
              receiver: blackhole
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: blackhole
            """.utf8).write(to: URL(fileURLWithPath: folder + "/alertmanager.yml"))
        port = try freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--config.file=\(folder)/alertmanager.yml", "--storage.path=\(folder)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let port = self.port
        try waitUntil("Alertmanager answers on \(port)", seconds: 20, poll: 0.1) {
            (try? Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/-/ready")!)) != nil
        }
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// `GET /api/v2/alerts`: the active alerts.
    func alerts() throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(port)/api/v2/alerts")!)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }
}
