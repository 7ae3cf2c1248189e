import Foundation

/// The sd_notify protocol without libsystemd: one datagram of `KEY=VALUE` lines to the
/// socket named by `$NOTIFY_SOCKET` (`@` first = the abstract namespace). Does nothing
/// when brid is not run by systemd.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public var isEnabled: Bool { socketPath != nil }

    /// Sends one state update; false when it could not be delivered (or is disabled).
    @discardableResult
    public func notify(_ fields: [(String, String)]) -> Bool {
        guard let socketPath else { return false }
        let message = fields.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddrPointer in
                    sendto(fd, text, strlen(text), 0, sockaddrPointer, length)
                }
            }
        }
        return sent >= 0
    }

    @discardableResult public func ready(status: String? = nil) -> Bool {
        notify([("READY", "1")] + (status.map { [("STATUS", $0)] } ?? []))
    }

    @discardableResult public func status(_ text: String) -> Bool { notify([("STATUS", text)]) }

    @discardableResult public func watchdog() -> Bool { notify([("WATCHDOG", "1")]) }

    /// `RELOADING=1` with `MONOTONIC_USEC`, as systemd wants it before a reload.
    @discardableResult public func reloading() -> Bool {
        notify([("RELOADING", "1"), ("MONOTONIC_USEC", String(Self.monotonicMicroseconds()))])
    }

    @discardableResult public func stopping() -> Bool { notify([("STOPPING", "1")]) }

    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`, when the watchdog is
    /// meant for this process (`WATCHDOG_PID` absent or ours).
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        pid: Int32 = getpid()) -> Duration? {
        guard let usec = environment["WATCHDOG_USEC"].flatMap(UInt64.init), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], owner != String(pid) { return nil }
        return .microseconds(Int64(usec / 2))
    }

    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
