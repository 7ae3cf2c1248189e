import BridCore

/// Reads Eurostat's bulk TSV, old and new:
///
///     unit,age,sex,geo\time	2022 	2021 	…          (before 2023; years often descending)
///     freq,unit,geo\TIME_PERIOD	2000 	2001 	…      (since 2023)
///     A,EUR_HAB,AL	1700 	: 	5400 p	…
///
/// The first column holds the row's dimension codes, comma-separated, named by the header
/// cell before the backslash; the other columns are periods. A value is a number, or `:`
/// for no value, followed by status flags (`p` provisional, `e` estimated, `b` break,
/// `bep`, …), which become the observation's status (`: c` is no value with status `c`).
/// Trailing spaces everywhere are ignored.
struct EurostatTSVReader {
    let template: SDMXSeriesTemplate?
    let prefix: String

    func read(_ buffer: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        func fail(_ line: Int, _ reason: String) -> InputError { InputError(origin: origin, place: .line(line), reason: reason) }
        var start = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
        var tokenizer = CSVTokenizer(bytes: buffer, delimiter: 0x09, start: start)
        var fields: [CSVTokenizer.Field] = []
        func next() throws(InputError) -> Int? {
            do { return try tokenizer.next(into: &fields) } catch { throw fail(error.line, error.reason) }
        }
        func text(_ i: Int, _ line: Int) throws(InputError) -> String {
            guard let s = tokenizer.string(fields[i]) else { throw fail(line, "column \(i + 1) is not valid UTF-8") }
            return s.trimmingSpaces()
        }

        // The header: dimension names, the time dimension's name, the periods.
        var headerLine = 0
        repeat {
            guard let line = try next() else {
                throw InputError(origin: origin, place: nil, reason: "no header found (expected e.g. freq,unit,geo\\TIME_PERIOD followed by periods)")
            }
            headerLine = line
        } while fields.allSatisfy { tokenizer.isBlank($0) }
        let corner = try text(0, headerLine)
        guard let slash = corner.firstIndex(of: "\\") else {
            throw fail(headerLine, "the first header cell \(Excerpt(quoted: corner)) is not Eurostat's dimensions\\time (e.g. freq,unit,geo\\TIME_PERIOD)")
        }
        let dimensions = corner[..<slash].split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard !dimensions.contains(where: \.isEmpty) else { throw fail(headerLine, "an empty dimension name in \(Excerpt(quoted: corner))") }
        var periods: [String] = []
        for i in 1..<fields.count { periods.append(try text(i, headerLine)) }
        // Tools that write TSV by hand may leave a tab at the end of the line.
        while periods.last?.isEmpty == true { periods.removeLast() }
        guard !periods.isEmpty else { throw fail(headerLine, "the header names no period") }
        if let blank = periods.firstIndex(of: "") { throw fail(headerLine, "column \(blank + 2) of the header names no period") }
        let keyOf = try keyMaker(dimensions: dimensions, line: headerLine, fail: fail)

        while let line = try next() {
            if fields.allSatisfy({ tokenizer.isBlank($0) }) { continue }
            var count = fields.count
            while count > periods.count + 1, tokenizer.isBlank(fields[count - 1]) { count -= 1 }
            guard count == periods.count + 1 else {
                throw fail(line, "expected \(periods.count + 1) columns as in the header (line \(headerLine)), found \(count)")
            }
            let codes = try text(0, line).split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            guard codes.count == dimensions.count else {
                throw fail(line, "\(codes.count) dimension codes where the header names \(dimensions.count) (\(dimensions.joined(separator: ",")))")
            }
            if let empty = codes.firstIndex(of: "") { throw fail(line, "no code for dimension \(dimensions[empty])") }
            let key = keyOf(codes)
            for (column, period) in periods.enumerated() {
                let cell = try text(column + 1, line)
                let value: String, flags: String?
                switch Self.split(cell) {
                case let .success(split): (value, flags) = split
                case let .failure(reason): throw fail(line, "\(reason) (series \(Excerpt(key)), period \(period))")
                }
                try builder.add(series: key, period: period, value: value, status: flags, ordinal: Int32(line), place: .line(line))
            }
        }
    }

    /// A cell's value and its flags: `5400 p` → `5400`, `p`; `: c` → `:`, `c`;
    /// `174651001 bep` → `174651001`, `bep`; `1700` → `1700`, nil.
    static func split(_ cell: String) -> Result<(value: String, flags: String?), Reason> {
        var number = Substring(cell)
        var flags = Substring()
        if cell.hasPrefix(":") {
            number = number.prefix(1)
            flags = cell.dropFirst()
        } else if let space = cell.firstIndex(of: " ") {
            number = cell[..<space]
            flags = cell[space...]
        }
        flags = flags.drop { $0 == " " }
        guard flags.count <= 8, flags.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            return .failure(Reason(text: "cell \(Excerpt(quoted: cell)) is not a value with Eurostat flags (e.g. 5400 p, : c)"))
        }
        return .success((String(number), flags.isEmpty ? nil : String(flags)))
    }

    struct Reason: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }

    /// How a row's codes become its key.
    private func keyMaker(dimensions: [String], line: Int, fail: (Int, String) -> InputError) throws(InputError) -> ([String]) -> String {
        guard let template else {
            let prefix = self.prefix
            return { codes in prefix + codes.joined(separator: ".") }
        }
        var index: [String: Int] = [:]
        for (i, name) in dimensions.enumerated() { index[name] = i }
        for field in template.fields where index[field] == nil {
            throw fail(line, "the series template names {\(field)}, which is not a dimension of this file (\(dimensions.joined(separator: ",")))")
        }
        return { codes in template.expand { codes[index[$0]!] } }
    }
}
