import BridCore
import Foundation

/// Reads one SDMX-CSV payload row by row (see `SDMXCSVLayout` for the columns).
///
/// - `ACTION` `I`, `R` or empty: the row is an observation; an empty value (or SDMX's
///   `NaN`) is "no value".
/// - `A` (append): an empty value leaves the stored one alone, so the row is skipped.
/// - `D` (delete): the observation is recorded as removed, unless the value is empty and
///   only attribute cells are marked (an attribute deletion, which brid does not store).
///   Wildcard deletions (an empty dimension or period) are refused.
/// - A row with an empty period and value only carries attributes and is skipped.
/// - An `OBS_STATUS` column is the observation's status (labels cut off: `P: Provisional` → `P`).
struct SDMXCSVReader {
    let format: SDMXCSVFormat

    private enum Action { case store, append, delete }

    func read(_ buffer: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError) {
        let origin = builder.origin
        func next(_ tokenizer: inout CSVTokenizer, _ fields: inout [CSVTokenizer.Field]) throws(InputError) -> Int? {
            do { return try tokenizer.next(into: &fields) } catch { throw InputError(origin: origin, place: .line(error.line), reason: error.reason) }
        }
        var start = 0
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { start = 3 }
        // Skip blank lines before the header; the header gives the separator.
        while start < buffer.count, buffer[start] == 0x0A || buffer[start] == 0x0D { start += 1 }
        let skippedLines = buffer[..<start].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        let delimiter = CSVTokenizer.detectDelimiter(buffer, from: start)
        // SDMX-CSV 2.0: with `;` columns the decimal separator may be a comma (`12,4`).
        if let configured = format.numberFormat {
            builder.numberFormat = configured
        } else if delimiter == UInt8(ascii: ";") {
            builder.numberFormat = .eitherDecimal
        }
        var tokenizer = CSVTokenizer(bytes: buffer, delimiter: delimiter, start: start, line: 1 + skippedLines)
        var fields: [CSVTokenizer.Field] = []
        guard let headerLine = try next(&tokenizer, &fields) else {
            throw InputError(origin: origin, place: nil, reason: "empty payload: no SDMX-CSV header (STRUCTURE,STRUCTURE_ID,… or DATAFLOW,…)")
        }
        var header: [String] = []
        for field in fields {
            guard let name = tokenizer.string(field) else {
                throw InputError(origin: origin, place: .line(headerLine), reason: "the header is not valid UTF-8")
            }
            header.append(name.trimmingSpaces())
        }
        let layout = try SDMXCSVLayout(header: header, format: format, origin: origin, line: headerLine)
        let rule = format.keyRule

        var rows = 0
        var observations = 0
        var lastStructure: CSVTokenizer.Field?
        var prefix = rule.fixedPrefix ?? ""
        var lastKeyFields: [CSVTokenizer.Field] = []
        var lastKey: String?
        var lastUpdated: CSVTokenizer.Field?
        var values: [String] = []
        // The status of the last row that had one, reused while its cell repeats byte for byte.
        var lastStatusField: CSVTokenizer.Field?
        var lastStatus: String?

        while let line = try next(&tokenizer, &fields) {
            if fields.allSatisfy({ !$0.quoted && tokenizer.isBlank($0) }) { continue }
            func fail(_ reason: String) -> InputError { InputError(origin: origin, place: .line(line), reason: reason) }
            guard fields.count == layout.columnCount else {
                throw fail("expected \(layout.columnCount) fields as in the header (line \(headerLine)), found \(fields.count)")
            }
            rows += 1
            func text(_ i: Int) throws(InputError) -> String {
                guard let s = tokenizer.string(fields[i]) else { throw fail("field \(i + 1) (\(Excerpt(layout.names[i]))) is not valid UTF-8") }
                return s
            }
            func id(_ i: Int) throws(InputError) -> String {
                let s = try text(i)
                if layout.labels, let label = s.firstRange(of: ": ") { return String(s[..<label.lowerBound]).trimmingSpaces() }
                return s.trimmingSpaces()
            }

            var action = Action.store
            if let a = layout.action, let fast = quickAction(fields[a], tokenizer) {
                action = fast
            } else if let a = layout.action {
                switch try id(a).uppercased() {
                case "", "I", "R", "INFORMATION", "REPLACE": action = .store
                case "A", "APPEND", "MERGE": action = .append
                case "D", "DELETE": action = .delete
                case let other: throw fail("unknown ACTION \(Excerpt(quoted: other)) (expected I, A, R or D)")
                }
            }

            // The prefix follows the row's structure (cached while it repeats).
            if rule.fixedPrefix == nil, lastStructure.map({ !same($0, fields[layout.structureID], tokenizer) }) ?? true {
                if let kind = layout.structureKind {
                    switch try id(kind).lowercased() {
                    case "dataflow", "datastructure", "dataprovision": break
                    case let other: throw fail("unknown STRUCTURE \(Excerpt(quoted: other)) (expected dataflow, dataStructure or dataProvision)")
                    }
                }
                switch rule.prefix(structure: try text(layout.structureID).trimmingSpaces()) {
                case let .success(p): prefix = p
                case let .failure(problem): throw fail(problem.reason)
                }
                lastStructure = fields[layout.structureID]
                lastKey = nil
            }

            if let u = layout.updated, lastUpdated.map({ !same($0, fields[u], tokenizer) }) ?? true {
                lastUpdated = fields[u]
                if let date = Timestamp.parse(try text(u).trimmingSpaces()), builder.publishedAt.map({ date > $0 }) ?? true {
                    builder.publishedAt = date
                }
            }

            let period = try id(layout.time)
            let valueBlank = tokenizer.isBlank(fields[layout.value])
            if period.isEmpty {
                if action == .delete { throw fail("ACTION=D with an empty \(Excerpt(layout.names[layout.time])) (a wildcard deletion) is not supported; list each observation to delete") }
                if valueBlank { continue }  // attributes of a partial key
                throw fail("empty period in \(Excerpt(layout.names[layout.time]))")
            }
            if valueBlank {
                if action == .append { continue }
                if action == .delete, layout.attributes.contains(where: { !tokenizer.isBlank(fields[$0]) }) { continue }
            }

            // The key: reused while the key cells repeat byte for byte.
            var reuse = lastKey != nil
            if reuse {
                for (n, i) in layout.keyColumns.enumerated() where !same(lastKeyFields[n], fields[i], tokenizer) { reuse = false; break }
            }
            let key: String
            if reuse, let lastKey {
                key = lastKey
            } else {
                values.removeAll(keepingCapacity: true)
                for i in layout.keyColumns {
                    let v = try id(i)
                    if v.isEmpty {
                        if action == .delete { throw fail("ACTION=D with an empty \(Excerpt(layout.names[i])) (a wildcard deletion) is not supported; list each observation to delete") }
                        throw fail("dimension \(Excerpt(layout.names[i])) is empty")
                    }
                    values.append(v)
                }
                if let template = rule.template {
                    key = template.expand { values[layout.templateFields[$0]!] }
                } else {
                    key = rule.key(prefix: prefix, values: values)
                }
                lastKey = key
                lastKeyFields = layout.keyColumns.map { fields[$0] }
            }

            if action == .delete {
                try builder.delete(series: key, period: period, ordinal: Int32(line), place: .line(line))
            } else {
                // `NaN` is SDMX's own "missing value", not a number gone wrong.
                let value = isNaN(fields[layout.value], tokenizer) ? nil : try text(layout.value)
                var status: String?
                if let s = layout.status, !tokenizer.isBlank(fields[s]) {
                    if let last = lastStatusField, same(last, fields[s], tokenizer) {
                        status = lastStatus
                    } else {
                        status = try id(s)
                        lastStatusField = fields[s]
                        lastStatus = status
                    }
                }
                try builder.add(series: key, period: period, value: value, status: status, ordinal: Int32(line), place: .line(line))
            }
            observations += 1
        }

        if observations == 0 {
            if rows == 0 { throw InputError(origin: origin, place: nil, reason: "no observations found: the file has a header but no data rows") }
            throw InputError(origin: origin, place: nil, reason: "no observations found in \(rows) rows (each had an empty \(Excerpt(layout.names[layout.time])) or was skipped by its ACTION) — check `time_column`/`value_column`")
        }
    }

    /// The action of a one-letter (or empty) ACTION cell, read without making a string.
    private func quickAction(_ field: CSVTokenizer.Field, _ tokenizer: CSVTokenizer) -> Action? {
        switch field.end - field.start {
        case 0: return .store
        case 1:
            switch tokenizer.bytes[field.start] {
            case UInt8(ascii: "I"), UInt8(ascii: "R"): return .store
            case UInt8(ascii: "A"): return .append
            case UInt8(ascii: "D"): return .delete
            default: return nil
            }
        default: return nil
        }
    }

    private func isNaN(_ field: CSVTokenizer.Field, _ tokenizer: CSVTokenizer) -> Bool {
        field.end - field.start == 3 && tokenizer.bytes[field.start] == UInt8(ascii: "N")
            && tokenizer.bytes[field.start + 1] == UInt8(ascii: "a") && tokenizer.bytes[field.start + 2] == UInt8(ascii: "N")
    }

    /// Whether two fields hold the same bytes (a field of an earlier row stays valid: the
    /// tokenizer's fields are ranges into the payload).
    private func same(_ a: CSVTokenizer.Field, _ b: CSVTokenizer.Field, _ tokenizer: CSVTokenizer) -> Bool {
        let n = a.end - a.start
        guard n == b.end - b.start, a.hasDoubledQuote == b.hasDoubledQuote else { return false }
        guard let base = tokenizer.bytes.baseAddress else { return true }
        return memcmp(base + a.start, base + b.start, n) == 0
    }
}
