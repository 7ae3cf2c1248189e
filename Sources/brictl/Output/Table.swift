/// An aligned text table: columns sized to their content, fitted to the terminal's width,
/// coloured per cell. Too wide, a table gives up, in this order: the long forms of cells
/// that have a short one (a time becomes its age), the least useful columns (each column
/// says when it goes), then characters of the text columns (cut with "…"). Numbers, times
/// and ids are never cut, and a cut never ends inside a number.
struct Table {
    struct Column {
        enum Alignment { case left, right }
        var title: String
        var alignment: Alignment = .left
        /// May be cut to fit the width (messages, names, paths); numbers, times and ids may not.
        var flexible = false
        /// A flexible column is cut to this width before any column is left out (and
        /// further, down to `Table.minimumFlexibleWidth`, only when none is left to leave out).
        var minimum = Table.minimumFlexibleWidth
        /// Left out when the table does not fit otherwise: the lowest first. nil: always shown.
        var drop: Int?
        /// Shown only when some row has text in it (an observation's status, which most
        /// sources do not publish). A streamed table decides on its first batch.
        var whenFilled = false

        init(_ title: String, _ alignment: Alignment = .left, flexible: Bool = false, minimum: Int = Table.minimumFlexibleWidth, drop: Int? = nil,
             whenFilled: Bool = false) {
            self.title = title
            self.alignment = alignment
            self.flexible = flexible
            self.minimum = minimum
            self.drop = drop
            self.whenFilled = whenFilled
        }
    }

    struct Cell: ExpressibleByStringLiteral {
        var text: String
        var style: Style
        /// A shorter text to use when the table is too wide (a time's age for the time).
        var compact: String?

        init(_ text: String, _ style: Style = .plain, compact: String? = nil) {
            self.compact = compact.map(Self.oneLine)
            self.text = Self.oneLine(text)
            self.style = style
        }

        init(stringLiteral text: String) { self.init(text) }

        /// A cell is one line: newlines and tabs inside a message would break the columns.
        private static func oneLine(_ text: String) -> String {
            text.utf8.contains(where: { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D })
                ? text.split(whereSeparator: { $0 == "\n" || $0 == "\t" || $0 == "\r\n" }).joined(separator: " ")
                : text
        }

        func text(compact useCompact: Bool) -> String { useCompact ? compact ?? text : text }
    }

    /// How the table is laid out for a width: which columns show, which show their cells'
    /// compact forms, and each column's width (0 when left out).
    struct Layout: Equatable {
        var shown: [Bool]
        var compact: [Bool]
        var widths: [Int]
    }

    var columns: [Column]
    var rows: [[Cell]] = []

    init(_ columns: [Column]) { self.columns = columns }

    mutating func add(_ cells: [Cell]) { rows.append(cells) }

    static let gap = 2
    /// A flexible column is never cut below this (or its natural width, if smaller).
    static let minimumFlexibleWidth = 8

    func render(_ terminal: Terminal) -> String {
        render(layout(terminal), terminal)
    }

    /// The layout for the terminal's width: everything at its natural width when there is no
    /// width (not a terminal) or the table fits.
    func layout(_ terminal: Terminal) -> Layout {
        let count = columns.count
        var shown = columns.indices.map { i in !columns[i].whenFilled || rows.contains { i < $0.count && !$0[i].text.isEmpty } }
        var compact = Array(repeating: false, count: count)
        var widths = naturalWidths(compact: compact)
        guard let limit = terminal.width else {
            for i in widths.indices where !shown[i] { widths[i] = 0 }
            return Layout(shown: shown, compact: compact, widths: widths)
        }
        func total(_ widths: [Int]) -> Int {
            let visible = widths.indices.filter { shown[$0] }
            return visible.reduce(0) { $0 + widths[$1] } + Self.gap * max(0, visible.count - 1)
        }
        // Short forms first, the biggest saving first, until the natural widths fit.
        let compactWidths = naturalWidths(compact: Array(repeating: true, count: count))
        while total(widths) > limit {
            let candidates = widths.indices.filter { !compact[$0] && compactWidths[$0] < widths[$0] }
            guard let best = candidates.max(by: { widths[$0] - compactWidths[$0] < widths[$1] - compactWidths[$1] }) else { break }
            compact[best] = true
            widths[best] = compactWidths[best]
        }
        // Then leave out columns, least useful first, while the text columns cut to their
        // minimum would still not fit.
        func floors(hard: Bool) -> [Int] {
            widths.indices.map { i in
                guard columns[i].flexible else { return widths[i] }
                let floor = hard ? Self.minimumFlexibleWidth : max(columns[i].minimum, Self.minimumFlexibleWidth)
                return min(widths[i], max(floor, columns[i].title.count))
            }
        }
        while total(floors(hard: false)) > limit {
            let droppable = columns.indices.filter { shown[$0] && columns[$0].drop != nil }
            guard let victim = droppable.min(by: { columns[$0].drop! < columns[$1].drop! }) else { break }
            shown[victim] = false
        }
        // Then cut the text columns, the widest first.
        for hard in [false, true] {
            let floor = floors(hard: hard)
            var excess = total(widths) - limit
            while excess > 0 {
                guard let widest = widths.indices.filter({ shown[$0] && widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
                excess -= 1
            }
        }
        for i in widths.indices where !shown[i] { widths[i] = 0 }
        return Layout(shown: shown, compact: compact, widths: widths)
    }

    func render(_ layout: Layout, _ terminal: Terminal) -> String {
        var lines: [String] = []
        lines.append(line(columns.map { Cell($0.title, .bold) }, layout, compact: false, terminal))
        for row in rows { lines.append(line(row, layout, compact: true, terminal)) }
        return lines.joined(separator: "\n")
    }

    /// The first batch of a streamed table: the header and these rows, and the layout the
    /// later batches keep.
    func renderFirst(_ terminal: Terminal) -> (text: String, layout: Layout) {
        let layout = layout(terminal)
        return (render(layout, terminal), layout)
    }

    /// A later batch of a streamed table, in the first batch's layout: a longer cell of a
    /// column that may not be cut takes its room from the text columns of its line, else
    /// pushes the rest of its line right — on a terminal, as far as the width, the cells
    /// past it left out of that line. Written into bytes directly (a million-row release is
    /// a million of these lines).
    func renderRows(_ layout: Layout, _ terminal: Terminal) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * (layout.widths.reduce(0, +) + Self.gap * layout.widths.count + 1))
        let visible = columns.indices.filter { layout.shown[$0] }
        var texts = [String](repeating: "", count: columns.count)
        var widths = layout.widths
        // Where each cell of a line starts (its gap included) and where its text ends on screen.
        var cellStarts = [Int](repeating: 0, count: visible.count)
        var cellEnds = [Int](repeating: 0, count: visible.count)
        for row in rows {
            let lineStart = out.count
            var column = 0
            var overflow = 0
            for i in visible {
                let text = i < row.count ? row[i].text(compact: layout.compact[i]) : ""
                texts[i] = text
                widths[i] = layout.widths[i]
                if !columns[i].flexible { overflow += max(0, Self.width(text) - layout.widths[i]) }
            }
            if overflow > 0, terminal.width != nil {
                // Take the room from the text columns of this line, the widest first.
                while overflow > 0, let widest = visible.filter({ columns[$0].flexible && widths[$0] > Self.minimumFlexibleWidth })
                    .max(by: { widths[$0] < widths[$1] }) {
                    widths[widest] -= 1
                    overflow -= 1
                }
            }
            for (position, i) in visible.enumerated() {
                var text = texts[i]
                var count = Self.width(text)
                if count > widths[i], columns[i].flexible, terminal.width != nil {
                    text = Self.truncate(text, to: widths[i])
                    count = Self.width(text)
                }
                let padding = max(0, widths[i] - count)
                cellStarts[position] = out.count
                if position > 0 {
                    out.append(contentsOf: repeatElement(0x20, count: Self.gap))
                    column += Self.gap
                }
                let style = i < row.count ? row[i].style : .plain
                let painted = terminal.paint(text, style)
                switch columns[i].alignment {
                case .left:
                    out.append(contentsOf: painted.utf8)
                    if position < visible.count - 1 { out.append(contentsOf: repeatElement(0x20, count: padding)) }
                    cellEnds[position] = column + count
                case .right:
                    out.append(contentsOf: repeatElement(0x20, count: padding))
                    out.append(contentsOf: painted.utf8)
                    cellEnds[position] = column + padding + count
                }
                column += padding + count
            }
            if let limit = terminal.width, let last = cellEnds.indices.last, cellEnds[last] > limit {
                // Still too wide: the line ends with the last cell that fits (the first one always stays).
                let keep = max(0, cellEnds.lastIndex(where: { $0 <= limit }) ?? 0)
                if keep < last { out.removeSubrange(cellStarts[keep + 1]...) }
            }
            while out.count > lineStart, out.last == 0x20 { out.removeLast() }
            out.append(0x0A)
        }
        return out
    }

    private func naturalWidths(compact: [Bool]) -> [Int] {
        var widths = columns.map { Self.width($0.title) }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = max(widths[i], Self.width(cell.text(compact: compact[i])))
            }
        }
        return widths
    }

    private func line(_ cells: [Cell], _ layout: Layout, compact: Bool, _ terminal: Terminal) -> String {
        var text = ""
        var first = true
        for (i, width) in layout.widths.enumerated() where layout.shown[i] {
            let cell = i < cells.count ? cells[i] : Cell("")
            let fitted = Self.truncate(cell.text(compact: compact && layout.compact[i]), to: width)
            let padding = String(repeating: " ", count: max(0, width - Self.width(fitted)))
            if !first { text += String(repeating: " ", count: Self.gap) }
            first = false
            switch columns[i].alignment {
            case .left: text += terminal.paint(fitted, cell.style) + padding
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

    /// `text` cut to `width` characters, ending in "…" when cut. A cut that would fall
    /// inside a number takes the whole number (`+31.4 %` never becomes `+31.…`).
    static func truncate(_ text: String, to width: Int) -> String {
        guard Self.width(text) > width else { return text }
        guard width > 1 else { return String(text.prefix(width)) }
        var kept = Array(text.prefix(width - 1))
        guard let next = text.dropFirst(width - 1).first, let last = kept.last else { return String(kept) + "…" }
        func digit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func numeric(_ c: Character) -> Bool { digit(c) || c == "." || c == "," }
        func sign(_ c: Character) -> Bool { c == "+" || c == "-" || c == "−" }
        // Inside a number (or between its sign and its digits): the whole number goes.
        if digit(next) && (numeric(last) || sign(last)) || numeric(next) && digit(last) {
            while let last = kept.last, numeric(last) { kept.removeLast() }
            if let last = kept.last, sign(last), kept.count == 1 || kept[kept.count - 2] == " " || kept[kept.count - 2] == "(" { kept.removeLast() }
        }
        return String(kept) + "…"
    }
}
