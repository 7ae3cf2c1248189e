#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads and condition variables straight on pthreads. brid's modules use no API of
/// Foundation proper (Thread, NSCondition, FileHandle, String(format:), NSString paths),
/// only FoundationEssentials: the statically linked daemon then leaves Foundation,
/// CoreFoundation and their start-up out, which is about 2 MB of its idle resident size
/// (README, "Benchmarks → Daemon").
public enum PosixThread {
    /// Starts `body` on a new detached thread named `name` (the first 15 bytes: Linux's limit).
    public static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Body(name: name, run: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let status = pthread_create(&thread, &attributes, { raw in
            let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
            #if canImport(Glibc)
            _ = setThreadName(pthread_self(), String(body.name.utf8.prefix(15)) ?? "brid")
            #else
            _ = pthread_setname_np(String(body.name.utf8.prefix(63)) ?? "brid")
            #endif
            body.run()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
    }

    private final class Body {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }
    }
}

#if canImport(Glibc)
/// glibc's pthread_setname_np (in <pthread.h> under _GNU_SOURCE, which Swift's Glibc module leaves out).
@_silgen_name("pthread_setname_np")
private func setThreadName(_ thread: pthread_t, _ name: UnsafePointer<CChar>) -> Int32
#endif

/// A mutex with its condition variable, used as Foundation's NSCondition is: `lock()`,
/// `wait()` in a loop on the predicate, `signal()` or `broadcast()`, `unlock()`.
public final class ThreadCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }
    /// Releases the lock while waiting; holds it again on return.
    public func wait() { pthread_cond_wait(condition, mutex) }
    public func signal() { pthread_cond_signal(condition) }
    public func broadcast() { pthread_cond_broadcast(condition) }
}

/// C's printf formatting of numbers (`%.2f`), as `String(format:)` gives it, without
/// Foundation. Only for numeric conversions (`CVarArg` numbers), never `%@` or `%s`.
public func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    while true {
        let needed = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
        guard needed >= 0 else { return "" }
        if Int(needed) < buffer.count {
            return String(decoding: buffer.prefix(Int(needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        buffer = [CChar](repeating: 0, count: Int(needed) + 1)
    }
}

/// Path helpers as NSString's, for the plain paths brid builds (no `~`, no `..` folding).
public enum Paths {
    /// `/a/b/c` → `/a/b`; `c` → ``; `/c` → `/`. Trailing slashes are ignored.
    public static func directory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var folder = trimmed[..<slash]
        while folder.count > 1, folder.hasSuffix("/") { folder.removeLast() }
        return String(folder)
    }

    /// `/a/b/c` → `c`; `/a/b/` → `b`; `/` → `/`.
    public static func lastComponent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/"), trimmed != "/" else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// `a` + `b` → `a/b`, one slash between; `` + `b` → `b`.
    public static func appending(_ component: String, to path: String) -> String {
        if path.isEmpty { return component }
        return path.hasSuffix("/") ? path + component : path + "/" + component
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
