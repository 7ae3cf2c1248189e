import BridTestSupport
import Foundation
import Testing

/// The pages in a real browser: headless Chromium (Debian `chromium`, installed by
/// `make test-deps`) loads `/`, the series page of cn-kz.trade.total and release 2 of the
/// bundled sample after the README's revision, served by a brid child process. What it
/// rendered is read back (`--dump-dom`), its console must stay silent (a blocked load, a
/// CSP violation or a script error would be logged there), screenshots at a phone's and a
/// desktop's width are kept in `.build/pages-screenshots/`, and every link answers 200.
@Suite("Pages in headless Chromium", .serialized)
struct PagesBrowserTests {
    static let pages = ["/", "/series/cn-kz.trade.total", "/releases/2"]
    static let sizes = [("phone", "390,1400"), ("desktop", "1200,1000")]
    /// Kept after the run; set BRID_PAGES_SCREENSHOT_DOCS=1 to refresh Docs/pages-series.png.
    static let artefacts = SampleHTTPDaemon.repository.appendingPathComponent(".build/pages-screenshots").path

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// One headless run; stderr carries the console (`--enable-logging=stderr`).
    static func run(_ browser: String, _ arguments: [String], profile: String) throws -> ProcessRunner.Result {
        var flags = ["--headless=new", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                     "--disable-extensions", "--disable-background-networking", "--disable-sync", "--metrics-recording-only",
                     "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"]
        // The sandbox cannot start as root (CI containers).
        if getuid() == 0 { flags.append("--no-sandbox") }
        return try ProcessRunner.run("/usr/bin/timeout", ["120", browser] + flags + arguments)
    }

    /// What the page said on the console, one message a line.
    static func consoleMessages(_ stderr: String) -> [String] {
        stderr.components(separatedBy: "\n").filter { $0.contains(":CONSOLE") }
    }

    @Test("Chromium renders /, the series page with two vintages and release 2 without a console message; screenshots kept; every link answers 200")
    func pagesInChromium() async throws {
        let browser = try #require(Self.chromium, "Chromium is not installed: make test-deps installs Debian's chromium")
        let daemon = try await offPool { Unchecked(try SampleHTTPDaemon()) }.value
        let base = "http://127.0.0.1:\(daemon.port)"
        try FileManager.default.createDirectory(atPath: Self.artefacts, withIntermediateDirectories: true)
        let profile = daemon.w.root + "/chromium-profile"
        var dom: [String: String] = [:]
        for path in Self.pages {
            let rendered = try await offPool { try Self.run(browser, ["--dump-dom", base + path], profile: profile) }
            #expect(rendered.status == 0, "chromium --dump-dom \(path): \(rendered.stderr.suffix(2_000))")
            #expect(Self.consoleMessages(rendered.stderr).isEmpty, "console of \(path): \(Self.consoleMessages(rendered.stderr))")
            #expect(rendered.stdout.contains("</html>"), "\(path) rendered nothing")
            #expect(!rendered.stdout.contains("<script"), "\(path)")
            dom[path] = rendered.stdout
            let name = path == "/" ? "home" : path.dropFirst().replacingOccurrences(of: "/", with: "-")
            for (label, size) in Self.sizes {
                let file = Self.artefacts + "/\(name)-\(label).png"
                try? FileManager.default.removeItem(atPath: file)
                let shot = try await offPool {
                    try Self.run(browser, ["--window-size=" + size, "--screenshot=" + file, base + path], profile: profile)
                }
                #expect(shot.status == 0, "chromium --screenshot \(path): \(shot.stderr.suffix(2_000))")
                #expect(Self.consoleMessages(shot.stderr).isEmpty, "console of \(path) at \(label) width: \(Self.consoleMessages(shot.stderr))")
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
                #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) && bytes.count > 10_000, "no screenshot of \(path) at \(label) width in \(file)")
            }
        }
        print("pages: screenshots in \(Self.artefacts)")
        if ProcessInfo.processInfo.environment["BRID_PAGES_SCREENSHOT_DOCS"] == "1" {
            let docs = SampleHTTPDaemon.repository.appendingPathComponent("Docs/pages-series.png").path
            try? FileManager.default.removeItem(atPath: docs)
            try FileManager.default.copyItem(atPath: Self.artefacts + "/series-cn-kz.trade.total-desktop.png", toPath: docs)
        }

        // The chart as Chromium built it: two vintages of 2018, release 1 earlier, release 2 the latest.
        let series = try #require(dom["/series/cn-kz.trade.total"])
        #expect(series.components(separatedBy: "<g class=\"vintage").count - 1 == 2)
        #expect(series.contains("<g class=\"vintage\" data-release=\"1\">"))
        #expect(series.contains("<g class=\"vintage latest\" data-release=\"2\">"))
        #expect(series.contains("2018: 19.885 (release 1,"))
        #expect(series.contains("2018: 20.2 (release 2, latest,"))
        #expect(series.contains("China–Kazakhstan trade volume"))
        #expect(series.contains("<td>2018</td><td class=\"n\"><a href=\"/releases/2\">2</a></td><td class=\"n\">19.885</td><td class=\"n\">20.2</td><td class=\"n\">+1.58 %</td>"))
        let release = try #require(dom["/releases/2"])
        #expect(release.contains("source bri-cn-kz · 0 added · 1 revised · 0 removed · 0 unchanged"))
        #expect(release.contains("<a class=\"key\" href=\"/series/cn-kz.trade.total\">cn-kz.trade.total</a>"))
        let home = try #require(dom["/"])
        #expect(home.contains("<span class=\"key\">bri-cn-kz</span>"))
        #expect(home.contains("trade-revised"))

        // Every link of every page reached from these, crawled.
        var seen: Set<String> = []
        var queue = Self.pages.flatMap { Self.links(in: dom[$0] ?? "") }
        while let link = queue.popLast() {
            guard seen.insert(link).inserted else { continue }
            let answer = try await daemon.get(link)
            #expect(answer.status == 200, "\(link) answered \(answer.status)")
            queue += Self.links(in: answer.text).filter { !seen.contains($0) }
        }
        #expect(seen.contains("/series/cn-kz.exports.kz-to-cn.growth"))
        #expect(seen.contains("/releases/1"))
        withExtendedLifetime(daemon) {}
    }

    /// The pages' own links (all are paths: nothing points elsewhere).
    static func links(in html: String) -> [String] {
        let all = html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.components(separatedBy: "\"").first }
            .map { $0.replacingOccurrences(of: "&amp;", with: "&") }
        #expect(all.allSatisfy { $0.hasPrefix("/") || $0.hasPrefix("data:") }, "a link leaves brid: \(all.filter { !$0.hasPrefix("/") })")
        return all.filter { $0.hasPrefix("/") }
    }
}
