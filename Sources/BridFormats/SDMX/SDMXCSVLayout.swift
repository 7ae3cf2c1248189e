import BridCore

/// What each column of an SDMX-CSV file is, decided from its header row and the source's
/// options (there is no DSD to ask).
///
/// - Version: 1.0 when the first column is `DATAFLOW`, 2.0 when it is `STRUCTURE`
///   (optionally with a sub-field separator, `STRUCTURE[;]`).
/// - Structure columns: `DATAFLOW` (1.0); `STRUCTURE`, `STRUCTURE_ID`, `STRUCTURE_NAME`,
///   `ACTION`, `SERIES_KEY`, `OBS_KEY` (2.0). They are never dimensions.
/// - Time: the column `time_column` names, default `TIME_PERIOD`. Value: `value_column`,
///   default `OBS_VALUE`.
/// - Dimensions: the columns `dimensions` names, in that order; by default every column
///   after the structure columns and before the time column, in file order, except those
///   listed in `attributes` and multi-valued ones (`ATTR[]`). Everything else is an
///   attribute and ignored, but for `OBS_STATUS` (the observation's status) and `UPDATED`
///   (the published-at time).
/// - Labels: header cells `ID: Name` are reduced to `ID`; if any is, cells are reduced the
///   same way (`A: Value A` → `A`). With `STRUCTURE_NAME` (labels=name) every component
///   column is followed by a name column, which is skipped.
struct SDMXCSVLayout {
    var version: Int
    var columnCount: Int
    /// The `DATAFLOW` or `STRUCTURE_ID` column.
    var structureID: Int
    /// The `STRUCTURE` column (2.0).
    var structureKind: Int?
    var action: Int?
    /// Columns whose values build the key, in key order (the template's fields when a
    /// template is set).
    var keyColumns: [Int]
    /// For a template: field name → index into `keyColumns`.
    var templateFields: [String: Int] = [:]
    var time: Int
    var value: Int
    /// Columns that are neither structure, key, time, value nor label names.
    var attributes: [Int]
    var updated: Int?
    /// The `OBS_STATUS` attribute column: the observation's status.
    var status: Int?
    /// Whether cells carry labels (`A: Value A`) to be cut off.
    var labels: Bool
    /// Header names (ids) of every column, for messages.
    var names: [String]

    static let structureColumns: Set<String> = ["STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "SERIES_KEY", "OBS_KEY", "DATAFLOW"]

    /// `ID: Name` → `ID`; `ATTR[]` → `ATTR`.
    static func id(ofHeader cell: String) -> (id: String, multiValued: Bool) {
        var s = Substring(cell)
        if let label = s.firstRange(of: ": ") { s = s[..<label.lowerBound] }
        var multi = false
        if s.last == "]", let open = s.firstIndex(of: "[") {
            s = s[..<open]
            multi = true
        }
        return (String(s), multi)
    }

    init(header cells: [String], format: SDMXCSVFormat, origin: String, line: Int) throws(InputError) {
        func fail(_ reason: String) -> InputError { InputError(origin: origin, place: .line(line), reason: reason) }
        let parsed = cells.map(Self.id(ofHeader:))
        let names = parsed.map(\.id)
        self.names = names
        columnCount = cells.count
        labels = cells.contains { $0.firstRange(of: ": ") != nil }
        let columns = Excerpt(names.joined(separator: ","))

        let version: Int
        switch names.first {
        case "DATAFLOW": version = 1
        case "STRUCTURE": version = 2
        default:
            throw fail("not an SDMX-CSV header: the first column must be DATAFLOW (SDMX-CSV 1.0) or STRUCTURE (2.0), found \(Excerpt(quoted: cells.first ?? "")) (for plain tables use format = \"csv\")")
        }
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        self.version = version
        if version == 1 {
            structureID = 0
            structureKind = nil
            action = nil
        } else {
            guard let id = column("STRUCTURE_ID") else { throw fail("SDMX-CSV 2.0 header without a STRUCTURE_ID column") }
            structureID = id
            structureKind = 0
            action = column("ACTION")
        }

        // Label-name columns (labels=name): the column right after each component column.
        var nameColumns: Set<Int> = []
        var firstComponent = 0
        while firstComponent < names.count, Self.structureColumns.contains(names[firstComponent]) { firstComponent += 1 }
        if version == 2, column("STRUCTURE_NAME") != nil {
            var i = firstComponent
            while i + 1 < names.count { nameColumns.insert(i + 1); i += 2 }
        }
        var isComponent: [Bool] = names.indices.map { !Self.structureColumns.contains(names[$0]) && !nameColumns.contains($0) }
        func component(_ name: String) -> Int? { names.indices.first { isComponent[$0] && names[$0] == name } }

        let timeName = format.timeColumn ?? "TIME_PERIOD"
        guard let time = component(timeName) else {
            if format.timeColumn != nil { throw fail("no column \(timeName) (set by `time_column`); the columns are \(columns)") }
            throw fail("no TIME_PERIOD column; set `time_column` to the column that holds the period (e.g. time_column = \"\(Excerpt(names.last(where: { $0.hasPrefix("DIM") || $0.hasPrefix("TIME") }) ?? "TIME"))\"); the columns are \(columns)")
        }
        let valueName = format.valueColumn ?? "OBS_VALUE"
        guard let value = component(valueName), value != time else {
            let measures = names.filter { $0.hasPrefix("OBS_VALUE") }
            let hint = measures.isEmpty ? "" : " (candidates: \(measures.joined(separator: ", ")))"
            if format.valueColumn != nil { throw fail("no column \(valueName) (set by `value_column`); the columns are \(columns)") }
            throw fail("no OBS_VALUE column; set `value_column` to the measure to read\(hint); the columns are \(columns)")
        }
        self.time = time
        self.value = value
        let updated = component("UPDATED")

        let rule = format.keyRule
        var keyColumns: [Int] = []
        var templateFields: [String: Int] = [:]
        if let template = rule.template {
            for (n, field) in template.fields.enumerated() {
                guard let i = names.firstIndex(of: field) else {
                    throw fail("the `series` template names {\(field)} but there is no such column; the columns are \(columns)")
                }
                keyColumns.append(i)
                templateFields[field] = n
            }
        } else if let dimensions = rule.dimensions {
            for name in dimensions {
                guard let i = component(name) else {
                    throw fail("no column \(name) (listed in `dimensions`); the columns are \(columns)")
                }
                if i == time || i == value { throw fail("\(name) is the time or value column and cannot be a dimension") }
                keyColumns.append(i)
            }
        } else {
            if value < time {
                throw fail("the value column \(Excerpt(names[value])) comes before the time column \(Excerpt(names[time])), so the dimension columns cannot be told from their position; list them with `dimensions = [\"…\", …]`")
            }
            let ignored = rule.attributes ?? []
            for i in firstComponent..<time where isComponent[i] && !ignored.contains(names[i]) && !parsed[i].multiValued {
                keyColumns.append(i)
            }
            if keyColumns.isEmpty && rule.fixedPrefix == "" {
                throw fail("no dimension columns before the time column \(Excerpt(names[time])) and `series_prefix` is empty, so there is no series key; list the key columns with `dimensions`")
            }
        }
        self.keyColumns = keyColumns
        self.templateFields = templateFields
        self.updated = updated
        for i in keyColumns { isComponent[i] = false }
        isComponent[time] = false
        isComponent[value] = false
        attributes = names.indices.filter { isComponent[$0] }
        status = attributes.first { names[$0] == "OBS_STATUS" && !parsed[$0].multiValued }
    }
}
