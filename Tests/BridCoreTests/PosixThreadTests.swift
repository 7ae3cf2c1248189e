@testable import BridCore
import Foundation
import Synchronization
import Testing

/// The pthread-level replacements of Foundation's Thread, NSCondition, String(format:) and
/// NSString's path methods, checked against what they replace.
@Suite struct PosixThreadTests {
    @Test func threadRunsUnderItsName() throws {
        let done = ThreadCondition()
        let seen = Mutex<String?>(nil)
        PosixThread.start(named: "brid-test-thread-long-name") {
            let comm = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
            done.lock()
            seen.withLock { $0 = comm.trimmingWhitespace() }
            done.broadcast()
            done.unlock()
        }
        done.lock()
        while seen.withLock({ $0 }) == nil { done.wait() }
        done.unlock()
        #expect(seen.withLock { $0 } == "brid-test-threa")  // Linux keeps 15 bytes
    }

    @Test func conditionHandsOverBetweenThreads() {
        let condition = ThreadCondition()
        let state = Mutex<(turn: Int, log: [Int])>((0, []))
        for worker in 0..<4 {
            PosixThread.start(named: "brid-test") {
                condition.lock()
                while state.withLock({ $0.turn }) != worker { condition.wait() }
                state.withLock { $0.log.append(worker); $0.turn += 1 }
                condition.broadcast()
                condition.unlock()
            }
        }
        condition.lock()
        while state.withLock({ $0.turn }) < 4 { condition.wait() }
        condition.unlock()
        #expect(state.withLock { $0.log } == [0, 1, 2, 3])
    }

    @Test func cFormatIsStringFormat() {
        for value in [0.0, 0.005, 0.125, 2.5, -2.5, 1.005, 19.902, 123_456.789, -0.0004, 1e12] {
            for format in ["%.0f", "%.1f", "%.2f", "%.3f", "%+.2f"] {
                #expect(cFormat(format, value) == String(format: format, value), "\(format) \(value)")
            }
        }
        #expect(cFormat("%.40f", 1.0 / 3) == String(format: "%.40f", 1.0 / 3))  // longer than the first buffer
    }

    @Test func pathsAreNSStringPaths() {
        for path in ["/var/lib/brid/brid.sqlite", "state/brid.sqlite", "brid.sqlite", "/brid.sqlite", "/", "/a/b/", "a/b//", "//a"] {
            #expect(Paths.directory(of: path) == (path as NSString).deletingLastPathComponent, "\(path)")
            #expect(Paths.lastComponent(of: path) == (path as NSString).lastPathComponent, "\(path)")
        }
        for folder in ["/var/lib/brid", "/var/lib/brid/", "state", ""] {
            #expect(Paths.appending("brid.lock", to: folder) == (folder as NSString).appendingPathComponent("brid.lock"), "\(folder)")
        }
    }

    @Test func trimmingWhitespaceIsTrimmingCharacters() {
        for text in ["", "  ", "\n12345\n", " \t a b \r\n", "x"] {
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}
