import BridProtocol
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a command prints a streamed reply as a table: lines before it (from the header),
/// the columns, the cells of a row, and what to print when there are no rows.
struct StreamedTable<R: StreamedRequest>: Sendable {
    var heading: @Sendable (R.Header, Terminal) -> [String] = { _, _ in [] }
    /// Printed once before the first row (a blank line after a heading).
    var beforeRows: [String] = []
    var columns: [Table.Column]
    var cells: @Sendable (R.Row, Terminal) -> [Table.Cell]
    var empty: String?
    /// Printed after the last row, from the end line (where the next page starts).
    var footer: @Sendable (StreamEnd) -> String? = { _ in nil }

    /// The whole result as one text (what a test renders, and how a reply that is already
    /// complete prints): the same lines the stream prints.
    func render(_ response: R.Response, _ terminal: Terminal) -> String {
        let (header, rows, next) = R.split(response)
        var lines = heading(header, terminal)
        if rows.isEmpty {
            if let empty { lines.append(empty) }
        } else {
            lines += beforeRows
            var table = Table(columns)
            for row in rows { table.add(cells(row, terminal)) }
            lines.append(table.render(terminal))
        }
        if let footer = footer(StreamEnd(rows: rows.count, next: next)) { lines.append(footer) }
        return lines.joined(separator: "\n")
    }
}

/// Prints a streamed reply as it arrives: a table whose layout (columns shown, their forms
/// and widths) comes from the header and the first batch, or (`--json`) the reassembled
/// result written element by element.
struct StreamPrinter {
    let terminal: Terminal
    private var layout: Table.Layout?
    private var jsonRows = 0

    init(terminal: Terminal) { self.terminal = terminal }

    // MARK: - Tables

    func heading<R>(_ table: StreamedTable<R>, _ header: R.Header) {
        let lines = table.heading(header, terminal)
        if !lines.isEmpty { Output.write(lines.joined(separator: "\n")) }
    }

    mutating func rows<R>(_ table: StreamedTable<R>, _ rows: [R.Row]) {
        guard !rows.isEmpty else { return }
        var batch = Table(table.columns)
        for row in rows { batch.add(table.cells(row, terminal)) }
        if let layout {
            Output.write(bytes: batch.renderRows(layout, terminal))
        } else {
            let (text, layout) = batch.renderFirst(terminal)
            self.layout = layout
            Output.write((table.beforeRows + [text]).joined(separator: "\n"))
        }
    }

    func end<R>(_ table: StreamedTable<R>, _ end: StreamEnd) {
        if end.rows == 0, let empty = table.empty { Output.write(empty) }
        if let footer = table.footer(end) { Output.write(footer) }
    }

    // MARK: - JSON

    /// `{` and the header's fields, then the rows' key: the reassembled result's start.
    func jsonHeader(_ line: Data, rowsKey: String) {
        var fields = JSONOutput.prettyResult(ofReplyLine: line)
        if fields.hasPrefix("{") { fields.removeFirst() }
        if fields.hasSuffix("}") { fields.removeLast() }
        while let first = fields.first, first.isWhitespace { fields.removeFirst() }
        while let last = fields.last, last.isWhitespace { fields.removeLast() }
        Output.write("{\n" + (fields.isEmpty ? "" : "  " + fields + ",\n") + "  \"\(rowsKey)\" : [", newline: false)
    }

    mutating func jsonRows(_ line: Data) {
        if let rows = JSONOutput.rawRows(line) {
            // Rows written by brid: flat objects with sorted keys, laid out without a parse.
            var out: [UInt8] = []
            out.reserveCapacity(line.count * 2)
            for row in rows {
                out.append(contentsOf: (jsonRows == 0 ? "\n    " : ",\n    ").utf8)
                JSONOutput.prettyFlat(row, indent: 4, into: &out)
                jsonRows += 1
            }
            Output.write(bytes: out)
            return
        }
        guard let rows = JSONOutput.prettyRows(ofLine: line) else { return }
        var text = ""
        for row in rows {
            let pretty = row.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
            text += (jsonRows == 0 ? "\n    " : ",\n    ") + pretty
            jsonRows += 1
        }
        Output.write(text, newline: false)
    }

    func jsonEnd(_ end: StreamEnd) {
        var text = jsonRows == 0 ? "]" : "\n  ]"
        if let next = end.next { text += ",\n  \"next\" : " + JSONOutput.pretty(next) }
        Output.write(text + "\n}")
    }
}
