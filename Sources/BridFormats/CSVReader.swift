import BridCore

/// Reads `format = "csv"`: a long table (`series,period,value`, extra columns allowed)
/// or a wide one (`period,<series>,<series>,…`), told apart by the header.
///
/// Separators `,` `;` or tab (the most frequent in the header); UTF-8 with or without a
/// byte-order mark; LF or CRLF; RFC 4180 quoting. Lines whose first character is `#` are
/// comments; blank lines are skipped.
public enum CSVReader {
    /// Column names accepted for each role in a long table (compared case-insensitively).
    static let seriesNames: Set<String> = ["series", "series_key", "key"]
    static let periodNames: Set<String> = ["period", "date", "time", "time_period"]
    static let valueNames: Set<String> = ["value", "obs_value"]

    public static func read(_ bytes: [UInt8], into builder: inout PayloadBuilder) throws(InputError) {
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(InputError) in
            try read(buffer, into: &builder)
        }
    }

    public static func read(_ buffer: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        func next(_ tokenizer: inout CSVTokenizer, _ fields: inout [CSVTokenizer.Field]) throws(InputError) -> Int? {
            do { return try tokenizer.next(into: &fields) } catch { throw InputError(origin: origin, place: .line(error.line), reason: error.reason) }
        }
        var start = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
        var tokenizer = CSVTokenizer(bytes: buffer, delimiter: UInt8(ascii: ","), start: start)
        var fields: [CSVTokenizer.Field] = []

        // Skip comments and blank lines, then read the header and take its separator.
        var header: [String] = []
        var headerLine = 0
        while header.isEmpty {
            let delimiter = CSVTokenizer.detectDelimiter(buffer, from: tokenizer.position)
            tokenizer = CSVTokenizer(bytes: buffer, delimiter: delimiter, start: tokenizer.position, line: tokenizer.line)
            guard let line = try next(&tokenizer, &fields) else {
                throw InputError(origin: origin, place: nil, reason: "no header found (expected series,period,value or period,<series key>,…)")
            }
            if isSkippable(fields, tokenizer) { continue }
            headerLine = line
            for field in fields {
                guard let name = tokenizer.string(field) else {
                    throw InputError(origin: origin, place: .line(line), reason: "the header is not valid UTF-8")
                }
                header.append(name.trimmingSpaces())
            }
        }
        let layout = try Layout(header: header, origin: origin, line: headerLine)
        // A long table lists a series' rows together: the key of the row before, reused
        // while the key field's bytes are the same (no String made, trimmed and checked).
        var lastKeyField: CSVTokenizer.Field?
        var lastKey = ""

        while let line = try next(&tokenizer, &fields) {
            if isSkippable(fields, tokenizer) { continue }
            guard fields.count == header.count else {
                throw InputError(origin: origin, place: .line(line), reason: "expected \(header.count) fields as in the header (line \(headerLine)), found \(fields.count)")
            }
            func text(_ i: Int) throws(InputError) -> String {
                guard let s = tokenizer.string(fields[i]) else {
                    throw InputError(origin: origin, place: .line(line), reason: "field \(i + 1) is not valid UTF-8")
                }
                return s
            }
            switch layout {
            case let .long(s, p, v, name, unit):
                let field = fields[s]
                let key: String
                if let last = lastKeyField, !field.hasDoubledQuote, tokenizer.sameBytes(last, field) {
                    key = lastKey
                } else {
                    key = try text(s).trimmingSpaces()
                    lastKey = key
                    lastKeyField = field.hasDoubledQuote ? nil : field
                }
                try builder.add(series: key, period: try text(p), value: try text(v), ordinal: Int32(line), place: .line(line))
                if let name { builder.describe(series: key, name: try text(name), unit: nil) }
                if let unit { builder.describe(series: key, name: nil, unit: try text(unit)) }
            case let .wide(p, keys):
                let period = try text(p)
                for (column, key) in keys {
                    try builder.add(series: key, period: period, value: try text(column), ordinal: Int32(line), place: .line(line))
                }
            }
        }
    }

    private static func isSkippable(_ fields: [CSVTokenizer.Field], _ tokenizer: CSVTokenizer) -> Bool {
        guard let first = fields.first else { return true }
        if !first.quoted, first.end > first.start, tokenizer.bytes[first.start] == UInt8(ascii: "#") { return true }
        return fields.allSatisfy { !$0.quoted && tokenizer.isBlank($0) }
    }

    enum Layout {
        case long(series: Int, period: Int, value: Int, name: Int?, unit: Int?)
        case wide(period: Int, keys: [(Int, String)])

        init(header: [String], origin: String, line: Int) throws(InputError) {
            func fail(_ reason: String) -> InputError { InputError(origin: origin, place: .line(line), reason: reason) }
            let lowered = header.map { $0.lowercased() }
            func column(_ names: Set<String>) -> Int? { lowered.firstIndex { names.contains($0) } }
            if let s = column(CSVReader.seriesNames), let p = column(CSVReader.periodNames), let v = column(CSVReader.valueNames) {
                self = .long(series: s, period: p, value: v, name: lowered.firstIndex(of: "name"), unit: lowered.firstIndex(of: "unit"))
                return
            }
            guard let first = lowered.first, CSVReader.periodNames.contains(first), header.count >= 2 else {
                throw fail("unrecognised header \(Excerpt(quoted: header.joined(separator: ","))): expected series,period,value (long) or period,<series key>,… (wide)")
            }
            var keys: [(Int, String)] = []
            var seen: [String: Int] = [:]
            for (i, key) in header.enumerated().dropFirst() {
                if let problem = SeriesKey.problem(with: key) { throw fail("column \(i + 1) of the wide header: \(problem)") }
                if let earlier = seen[key] { throw fail("series \(Excerpt(key)) appears twice in the header (columns \(earlier + 1) and \(i + 1))") }
                seen[key] = i
                keys.append((i, key))
            }
            self = .wide(period: 0, keys: keys)
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        guard let first = utf8.first, let last = utf8.last,
              first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 else { return self }
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
