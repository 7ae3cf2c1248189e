import Foundation

/// A scrape of `/metrics` (Prometheus's text exposition), read the simple way tests need:
/// one sample by its name and labels as written.
public struct PrometheusText: Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// The value of the sample written exactly `series` (e.g. `brid_store_up` or
    /// `brid_source_releases_total{source="kz"}`); nil when there is none.
    public func value(_ series: String) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            if line[..<space] == series { return Double(line[line.index(after: space)...]) }
        }
        return nil
    }

    /// Whether any sample of the metric `name` is there (with any labels).
    public func has(_ name: String) -> Bool {
        text.split(separator: "\n").contains { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
    }

    /// What `promtool check metrics` says of it: nil when clean. Throws when promtool is not installed.
    public func promtoolProblems() throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else {
            throw ProcessRunner.SpawnError("promtool is not installed: run `make test-deps` (apt-get install -y --no-install-recommends prometheus)")
        }
        let file = NSTemporaryDirectory() + "brid-scrape-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let result = try ProcessRunner.run("/bin/sh", ["-c", "exec /usr/bin/promtool check metrics < \"$1\"", "sh", file])
        return result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty ? nil : result.stdout + result.stderr
    }
}
