import BridTestSupport
import Foundation

/// One brid instance on a PostgreSQL store, as a child process: its own workspace (state
/// folder, socket, log), its own `[daemon] instance`, and brictl beside it.
final class StoreInstance {
    let name: String
    let w: Workspace
    let environment: [String: String]
    private(set) var brid: DaemonProcess?

    init(name: String, config: String, password: String, environment: [String: String] = [:]) throws {
        self.name = name
        w = try Workspace(config: config)
        self.environment = environment.merging(["BRID_PG_PASSWORD": password]) { _, new in new }
    }

    /// Starts brid and waits until it runs (connected to the store, sources scheduled).
    func start(seconds: Double = 30) throws {
        let process = try DaemonProcess(config: w.root + "/brid.toml", environment: environment, logPath: w.root + "/brid-\(name).log")
        brid = process
        try process.waitForLog("running:", seconds: seconds)
    }

    var log: String { brid?.log ?? "" }

    func brictl(_ arguments: String...) throws -> BridProcess.Result {
        try brictl(arguments)
    }

    func brictl(_ arguments: [String]) throws -> BridProcess.Result {
        try BridProcess.run(["--socket", w.root + "/state/control.sock"] + arguments, executable: BridProcess.brictlPath)
    }

    /// `brictl --json …` decoded as an object ([:] when it is not one).
    func json(_ arguments: String...) throws -> [String: Any] {
        let result = try brictl(["--json"] + arguments)
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    /// `status`: which instance holds each URL source (nil for none), as this instance says.
    func holders() throws -> [String: String?] {
        let sources = try json("status")["sources"] as? [[String: Any]] ?? []
        var holders: [String: String?] = [:]
        for source in sources where source["kind"] as? String == "url" {
            if let id = source["id"] as? String { holders[id] = source["heldBy"] as? String }
        }
        return holders
    }

    /// `status`: the cluster's members by name, with their state (`live`, `silent`, `stopped`).
    func members() throws -> [String: String] {
        let cluster = try json("status")["cluster"] as? [String: Any] ?? [:]
        let members = cluster["members"] as? [[String: Any]] ?? []
        return Dictionary(members.compactMap { member in (member["name"] as? String).map { ($0, member["state"] as? String ?? "") } },
                          uniquingKeysWith: { a, _ in a })
    }
}

/// The configuration of one instance of a cluster test: `sources` URL sources `s01`… on the
/// publisher (each asks with `X-Brid-Instance: <instance>`, so the publisher's log says who
/// fetched what), an alert on their level, and a webhook to the receiver at
/// `/<instance>` (one notifier `hook` for all: the path says which instance delivered).
enum ClusterConfig {
    static func sourceID(_ index: Int) -> String { String(format: "s%02d", index) }
    static func seriesKey(_ index: Int) -> String { sourceID(index) + ".value" }

    /// The CSV that source `index` publishes with `value`.
    static func payload(_ index: Int, value: Int) -> String {
        "series,period,value\n\(seriesKey(index)),2020,\(value)\n"
    }

    static func make(instance: String, url: String, lease: String = "5s", publisher: Publisher, sources: Int, every: String = "1s",
                     receiverPort: Int?) -> String {
        var text = """
            [daemon]
            state_dir = "state"
            socket = "state/control.sock"
            instance = "\(instance)"

            [store]
            kind = "postgresql"
            url = "\(url)"
            password = { env = "BRID_PG_PASSWORD" }
            lease = "\(lease)"

            [[alert]]
            id = "high"
            series = "s*.value"
            when = "level"
            above = 100
            severity = "warning"
            summary = "{series} is {value} in {period}"

            """
        for index in 1...sources {
            text += """

                [[source]]
                id = "\(sourceID(index))"
                url = "\(publisher.url(sourceID(index) + ".csv"))"
                format = "csv"
                every = "\(every)"
                headers = { "X-Brid-Instance" = "\(instance)" }

                """
        }
        if let receiverPort {
            text += """

                [[notify]]
                id = "hook"
                kind = "webhook"
                url = "http://127.0.0.1:\(receiverPort)/\(instance)"
                timeout = "5s"

                """
        }
        return text
    }
}

/// Checks on the publisher's log of GETs.
enum FetchLog {
    /// Pairs of GETs of one file that overlapped in time (a source checked twice at once).
    static func overlaps(_ requests: [Publisher.Request]) -> [String] {
        var found: [String] = []
        for (path, list) in Dictionary(grouping: requests, by: \.path) {
            let sorted = list.sorted { $0.start < $1.start }
            for (earlier, later) in zip(sorted, sorted.dropFirst()) where later.start < earlier.end {
                found.append("\(path): \(earlier.instance) \(earlier.start)–\(earlier.end) and \(later.instance) \(later.start)–\(later.end)")
            }
        }
        return found.sorted()
    }
}

/// The webhook receiver's posts, decoded.
struct ReceivedPost {
    let path: String
    let status: Int
    let id: String
    let event: String
    let at: Double

    static func all(_ receiver: Publisher) throws -> [ReceivedPost] {
        let data = try Data(contentsOf: URL(string: "http://127.0.0.1:\(receiver.port)/_posts")!)
        let posts = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return posts.map { post in
            let body = (post["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
            return ReceivedPost(path: post["path"] as? String ?? "", status: post["status"] as? Int ?? 0, id: body["id"] as? String ?? "",
                                event: body["event"] as? String ?? "", at: post["at"] as? Double ?? 0)
        }
    }

    /// The webhook receiver (`Support/receiver.py`), answering after `delay` seconds.
    static func receiver(delay: Double = 0) throws -> Publisher {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/receiver.py").path
        return try Publisher(script: script, arguments: ["0"] + (delay > 0 ? ["--delay=\(delay)"] : []))
    }
}

extension PostgresCluster {
    /// One value of a query in a test's database, as psql prints it (trimmed).
    func value(_ sql: String, in database: String) throws -> String {
        try superuserSQL(sql, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Rows of a query, each as psql prints it (`a|b`).
    func rows(_ sql: String, in database: String) throws -> [String] {
        try superuserSQL(sql, database: database).split(separator: "\n").map(String.init)
    }

    /// Releases per source and how many distinct payloads they came from (`s01 → (2, 2)`).
    func releasesBySource(in database: String) throws -> [String: (count: Int, payloads: Int)] {
        var result: [String: (Int, Int)] = [:]
        for row in try rows("SELECT source_id, count(*), count(DISTINCT sha256) FROM releases GROUP BY source_id", in: database) {
            let parts = row.split(separator: "|").map(String.init)
            guard parts.count == 3 else { continue }
            result[parts[0]] = (Int(parts[1]) ?? -1, Int(parts[2]) ?? -1)
        }
        return result
    }

    /// `releases` exists once brid has created its schema; 0 before.
    func releaseCount(in database: String) throws -> Int {
        let exists = try value("SELECT to_regclass('releases') IS NOT NULL", in: database)
        guard exists == "t" else { return 0 }
        return Int(try value("SELECT count(*) FROM releases", in: database)) ?? -1
    }
}
