import BridProtocol
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

/// How brictl writes times, ages, sizes, values and revisions for people.
enum Formats {
    /// C's printf formatting of numbers (`%.1f`, `%+.2f`), as `String(format:)` gives it,
    /// without Foundation (brictl links FoundationEssentials only, for its start-up time).
    static func printf(_ format: String, _ arguments: CVarArg...) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        while true {
            let needed = withVaList(arguments) { vsnprintf(&buffer, buffer.count, format, $0) }
            guard needed >= 0 else { return "" }
            if Int(needed) < buffer.count { return String(decoding: buffer.prefix(Int(needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            buffer = [CChar](repeating: 0, count: Int(needed) + 1)
        }
    }

    /// `2025-11-30T10:27:00Z (3h ago)`, or `-` when there is no time.
    static func time(_ date: Date?, _ terminal: Terminal) -> String {
        guard let date else { return "-" }
        return "\(WireTime.format(date)) (\(age(date, now: terminal.now)))"
    }

    /// A table cell of a time: `2025-11-30T10:27:00Z (3h ago)`, compacted to its age alone.
    static func timeCell(_ date: Date?, _ terminal: Terminal, _ style: Style = .plain) -> Table.Cell {
        Table.Cell(time(date, terminal), style, compact: date.map { age($0, now: terminal.now) })
    }

    /// A table cell of a time without its age (`2025-11-29T10:27:00Z`), compacted to its age.
    static func bareTimeCell(_ date: Date?, _ terminal: Terminal) -> Table.Cell {
        Table.Cell(date.map(WireTime.format) ?? "-", compact: date.map { age($0, now: terminal.now) })
    }

    /// A table cell of a revision: `19.885 → 19.902, +0.09 %`, compacted to `19.885 → 19.902`.
    /// - Parameter status: the status before and after: when only it changed (the same value
    ///   text), the cell says so (`status p → none`).
    static func revisionCell(from old: String?, to new: String?, removed: Bool = false, status: (old: String?, new: String?) = (nil, nil),
                             _ style: Style = .plain) -> Table.Cell {
        if !removed, old == new, status.old != status.new {
            return Table.Cell("status \(status.old ?? "none") → \(status.new ?? "none")", style)
        }
        let full = revision(from: old, to: new, removed: removed)
        let short = full.firstRange(of: ", ").map { String(full[..<$0.lowerBound]) }
        return Table.Cell(full, style, compact: short)
    }

    /// Lines of `parts` after `label`, two spaces apart, as many on a line as fit in `width`;
    /// a part that does not fit starts the next line, under the first part.
    static func fitted(_ label: String, _ parts: [String], width: Int?) -> String {
        let indent = String(repeating: " ", count: Table.width(label))
        var lines: [String] = []
        var current = label
        var filled = false
        for part in parts {
            if filled, let width, Table.width(current) + 2 + Table.width(part) > width {
                lines.append(current)
                current = indent + part
            } else {
                current += (filled ? "  " : "") + part
            }
            filled = true
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    /// Words wrapped to `width` (nil: one line), later lines indented by `indent` spaces;
    /// words are never split (a word longer than a line gets its own).
    static func wrap(_ text: String, width: Int?, indent: Int = 2) -> String {
        guard let width, Table.width(text) > width else { return text }
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        // The text's own indentation stays on its first line.
        var current = String(text.prefix(while: { $0 == " " }))
        for word in text.drop(while: { $0 == " " }).split(separator: " ", omittingEmptySubsequences: false) {
            let fresh = current.allSatisfy { $0 == " " }
            let candidate = fresh ? current + word : current + " " + word
            if !fresh, Table.width(candidate) > width {
                lines.append(current)
                current = pad + word
            } else {
                current = candidate
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines.joined(separator: "\n")
    }

    /// `3h ago`, `in 4m`, `now`: whole units, seconds below a minute, minutes below an hour,
    /// hours below two days, then days.
    static func age(_ date: Date, now: Date) -> String {
        let delta = date.timeIntervalSince(now)
        let span = abs(delta)
        guard span >= 1 else { return "now" }
        let amount = span.rounded(.down)
        let text = duration(amount)
        return delta < 0 ? "\(text) ago" : "in \(text)"
    }

    /// `45s`, `12m`, `3h`, `9d`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 48 * 3600 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    /// A sparkline of decimal values (▁▂▃▄▅▆▇█); a missing or unreadable value is a space.
    static func sparkline(_ values: [String?]) -> String {
        let numbers = values.map { $0.flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil } }
        let present = numbers.compactMap { $0 }
        guard let low = present.min(), let high = present.max() else { return String(repeating: " ", count: values.count) }
        let bars = Array("▁▂▃▄▅▆▇█")
        return String(numbers.map { number -> Character in
            guard let number else { return " " }
            guard high > low else { return bars[3] }
            let level = Int(((number - low) / (high - low) * Double(bars.count - 1)).rounded())
            return bars[min(max(level, 0), bars.count - 1)]
        })
    }

    /// `19.885 → 19.902, +0.09 %`. The percentage is for display (Double), and left out when
    /// the old value is zero or either side is not a number.
    static func revision(from old: String?, to new: String?, removed: Bool = false) -> String {
        let newText = removed ? "(removed)" : (new ?? "(no value)")
        guard let old else { return new == nil && !removed ? "(no value)" : newText }
        var text = "\(old) → \(newText)"
        if !removed, let new, let a = Double(old), let b = Double(new), a != 0, a.isFinite, b.isFinite {
            text += ", " + printf("%+.2f", (b - a) / abs(a) * 100) + " %"
        }
        return text
    }

    /// A value for a table: the decimal text, or `-` for "no value".
    static func value(_ text: String?) -> String { text ?? "-" }

    /// `12.3 MB`: SI units, as `du -h --si` and the config's sizes read them.
    static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var size = Double(count)
        var unit = 0
        while size >= 1000, unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return unit == 0 ? "\(count) B" : printf(size < 10 ? "%.1f" : "%.0f", size) + " " + units[unit]
    }

    /// `1,234,567`.
    static func count(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (number < 0 ? "-" : "") + grouped
    }

    /// `3 releases`, `1 release`.
    static func plural(_ number: Int, _ noun: String, _ plural: String? = nil) -> String {
        "\(count(number)) \(number == 1 ? noun : plural ?? noun + "s")"
    }
}
