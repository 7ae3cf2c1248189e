#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What brictl knows about where its output goes: the width to fit tables in (nil when
/// not a terminal: no truncation), whether to colour, and "now" for relative ages.
struct Terminal: Sendable {
    var width: Int?
    var color: Bool
    var now: Date

    init(width: Int? = nil, color: Bool = false, now: Date = Date()) {
        self.width = width
        self.color = color
        self.now = now
    }

    /// stdout as it is: width from TIOCGWINSZ on a TTY; colour only on a TTY, never with
    /// NO_COLOR set (to anything but empty, as no-color.org says) or TERM=dumb.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Terminal {
        let tty = isatty(STDOUT_FILENO) == 1
        return Terminal(width: tty ? windowWidth(environment: environment) : nil,
                        color: tty && colorAllowed(environment: environment))
    }

    static func colorAllowed(environment: [String: String]) -> Bool {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    private static func windowWidth(environment: [String: String]) -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
        return 80
    }

    /// `text` in `style` when colouring, else unchanged.
    func paint(_ text: String, _ style: Style) -> String {
        guard color, style != .plain, !text.isEmpty else { return text }
        return style.escape + text + "\u{1B}[0m"
    }
}

/// The few ANSI styles brictl uses.
enum Style: Sendable, Equatable {
    case plain, bold, dim, red, boldRed, yellow, green, cyan

    var escape: String {
        switch self {
        case .plain: return ""
        case .bold: return "\u{1B}[1m"
        case .dim: return "\u{1B}[2m"
        case .red: return "\u{1B}[31m"
        case .boldRed: return "\u{1B}[1;31m"
        case .yellow: return "\u{1B}[33m"
        case .green: return "\u{1B}[32m"
        case .cyan: return "\u{1B}[36m"
        }
    }
}
