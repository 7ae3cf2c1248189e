import BridTestSupport
import Foundation
import Testing

/// The built `brid` answers a client that half-closes after its requests (as `nc -N` and
/// socat do): every reply, then the connection closes.
@Suite struct HalfCloseTests {
    @Test func aClientThatHalfClosesGetsEveryReplyFromTheRunningDaemon() async throws { try await offPool {
        let w = try Workspace(config: Workspace.oneDropSource)
        let brid = try DaemonProcess(config: w.root + "/brid.toml", logPath: w.root + "/brid.log")
        try brid.waitForLog("running:", seconds: 30)
        let socket = w.root + "/state/control.sock"

        let one = try LineSocket(path: socket, receiveTimeout: 30)
        try one.send(Array(#"{"v":2,"id":1,"cmd":"status"}"#.utf8) + [0x0A])
        one.shutdownWriting()
        let replies = try one.readLinesUntilClosed()
        #expect(replies.count == 1 && replies[0].contains(#""id":1"#) && replies[0].contains(#""ok":true"#), "\(replies)")

        // Two pipelined requests in one write, the last without its newline, then the half-close.
        let two = try LineSocket(path: socket, receiveTimeout: 30)
        try two.send(Array((#"{"v":2,"id":2,"cmd":"status"}"# + "\n" + #"{"v":2,"id":3,"cmd":"sources"}"#).utf8))
        two.shutdownWriting()
        let lines = try two.readLinesUntilClosed()
        #expect(lines.count == 2, "\(lines)")
        #expect(lines.first?.contains(#""id":2"#) == true && lines.last?.contains(#""id":3"#) == true, "\(lines)")
        #expect(lines.allSatisfy { $0.contains(#""ok":true"#) }, "\(lines)")
        #expect(try brid.terminate().status == 0)
    } }
}
