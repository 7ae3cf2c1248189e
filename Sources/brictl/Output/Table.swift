/// An aligned text table: columns sized to their content, shrunk to the terminal's width
/// by truncating the flexible columns with "…", coloured per cell.
struct Table {
    struct Column {
        enum Alignment { case left, right }
        var title: String
        var alignment: Alignment = .left
        /// May be truncated to fit the width (messages, names, paths); times and ids may not.
        var flexible = false

        init(_ title: String, _ alignment: Alignment = .left, flexible: Bool = false) {
            self.title = title
            self.alignment = alignment
            self.flexible = flexible
        }
    }

    struct Cell: ExpressibleByStringLiteral {
        var text: String
        var style: Style
        /// A shorter text to use when the table is too wide (a time without its age).
        var compact: String?

        init(_ text: String, _ style: Style = .plain, compact: String? = nil) {
            self.compact = compact
            // A cell is one line: newlines and tabs inside a message would break the columns.
            self.text = text.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D })
                ? text.split(whereSeparator: { $0 == "\n" || $0 == "\t" || $0 == "\r\n" }).joined(separator: " ")
                : text
            self.style = style
        }

        init(stringLiteral text: String) { self.init(text) }
    }

    var columns: [Column]
    var rows: [[Cell]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func add(_ cells: [Cell]) { rows.append(cells) }

    static let gap = 2
    /// A flexible column is not cut below this (or its natural width, if smaller).
    static let minimumFlexibleWidth = 8

    func render(_ terminal: Terminal) -> String {
        var rows = self.rows
        var widths = naturalWidths(rows)
        if let limit = terminal.width {
            // Too wide: first use the compact forms (times without ages), the biggest saving
            // first, then cut the flexible columns.
            while total(widths) > limit {
                let savings = widths.indices.map { column in
                    widths[column] - naturalWidths(rows.map { row in
                        row.enumerated().map { $0.offset == column ? Cell($0.element.compact ?? $0.element.text) : $0.element }
                    })[column]
                }
                guard let best = savings.indices.max(by: { savings[$0] < savings[$1] }), savings[best] > 0 else { break }
                for r in rows.indices where best < rows[r].count {
                    if let compact = rows[r][best].compact {
                        rows[r][best].text = compact
                        rows[r][best].compact = nil
                    }
                }
                widths = naturalWidths(rows)
            }
            shrink(&widths, to: limit)
        }
        var lines: [String] = []
        lines.append(line(columns.map { Cell($0.title, .bold) }, widths, terminal))
        for row in rows { lines.append(line(row, widths, terminal)) }
        return lines.joined(separator: "\n")
    }

    /// The first batch of a streamed table: the header and these rows, laid out as `render`
    /// does, and the widths the later batches keep.
    func renderFirst(_ terminal: Terminal) -> (text: String, widths: [Int]) {
        let text = render(terminal)
        var widths = naturalWidths(rows)
        if let limit = terminal.width { shrink(&widths, to: limit) }
        return (text, widths)
    }

    /// A later batch of a streamed table, at the first batch's widths: a longer cell of a
    /// column that may not be cut pushes the rest of its line right. Written into bytes
    /// directly (a million-row release is a million of these lines).
    func renderRows(widths: [Int], _ terminal: Terminal) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (widths.reduce(0, +) + Self.gap * widths.count + 1))
        let cut = terminal.width != nil
        for row in rows {
            let lineStart = out.count
            for (i, width) in widths.enumerated() {
                let cell = i < row.count ? row[i] : Cell("")
                var text = cell.text
                var count = Self.width(text)
                if count > width, columns[i].flexible, cut {
                    text = Self.truncate(text, to: width)
                    count = Self.width(text)
                }
                let padding = max(0, width - count)
                if i > 0 { out.append(contentsOf: repeatElement(0x20, count: Self.gap)) }
                let painted = terminal.color ? terminal.paint(text, cell.style) : text
                switch columns[i].alignment {
                case .left:
                    out.append(contentsOf: painted.utf8)
                    if i < widths.count - 1 { out.append(contentsOf: repeatElement(0x20, count: padding)) }
                case .right:
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                    out.append(contentsOf: painted.utf8)
                }
            }
            while out.count > lineStart, out.last == 0x20 { out.removeLast() }
            out.append(0x0A)
        }
        return out
    }

    private func naturalWidths(_ rows: [[Cell]]) -> [Int] {
        var widths = columns.map { $0.title.count }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], Self.width(cell.text)) }
        }
        return widths
    }

    private func total(_ widths: [Int]) -> Int {
        widths.reduce(0, +) + Self.gap * (widths.count - 1)
    }

    private func shrink(_ widths: inout [Int], to limit: Int) {
        var excess = total(widths) - limit
        guard excess > 0 else { return }
        let floors = widths.enumerated().map { i, width in
            columns[i].flexible ? min(width, max(Self.minimumFlexibleWidth, columns[i].title.count)) : width
        }
        // Take from the widest flexible column first, one character at a time.
        while excess > 0 {
            guard let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] }) else { return }
            widths[widest] -= 1
            excess -= 1
        }
    }

    private func line(_ cells: [Cell], _ widths: [Int], _ terminal: Terminal) -> String {
        var text = ""
        for (i, width) in widths.enumerated() {
            let cell = i < cells.count ? cells[i] : Cell("")
            let fitted = Self.truncate(cell.text, to: width)
            let padding = String(repeating: " ", count: max(0, width - Self.width(fitted)))
            let isLast = i == widths.count - 1
            if i > 0 { text += String(repeating: " ", count: Self.gap) }
            switch columns[i].alignment {
            case .left: text += terminal.paint(fitted, cell.style) + (isLast ? "" : padding)
            case .right: text += padding + terminal.paint(fitted, cell.style)
            }
        }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    /// How many characters `text` has, counted fast when it is ASCII (almost always).
    static func width(_ text: String) -> Int {
        let bytes = text.utf8
        return bytes.contains(where: { $0 >= 0x80 }) ? text.count : bytes.count
    }

    /// `text` cut to `width` characters, ending in "…" when cut.
    static func truncate(_ text: String, to width: Int) -> String {
        guard Self.width(text) > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        return String(text.prefix(width - 1)) + "…"
    }
}
