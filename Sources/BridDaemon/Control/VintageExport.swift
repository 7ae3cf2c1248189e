import BridCore
import BridProtocol
import BridStore
import Foundation
import Synchronization

/// The lines of `export`, produced batch by batch from store cursors: observations of a
/// vintage (one series after another), or the ALFRED-style vintage matrix of one series
/// (every period × every release that changed the series). CSV with a header line, or JSON
/// written one element per line (so that the document streams).
final class ExportLines: Sendable {
    private enum Mode {
        case observations(keys: [String], vintage: Vintage)
        case matrix(key: String, columns: [Int64])
    }

    private struct State {
        let format: ExportFormat
        let mode: Mode
        /// Lines to send before the rows, and after them.
        var opening: [String]
        var closing: [String]
        var keyIndex = 0
        var observations: StoreCursor<ObservationRow>?
        var versions: StoreCursor<SeriesVersion>?
        /// The matrix: the period being read and its versions so far.
        var period: String?
        var chain: [SeriesVersion] = []
        /// JSON: the last element, held back until it is known whether a comma follows.
        var pendingElement: String?
        var finished = false
    }

    private let store: any VintageStore
    private let state: Mutex<State?>

    private init(store: any VintageStore, state: sending State) {
        self.store = store
        self.state = Mutex(state)
    }

    // The JSON documents' keys are camelCase as in every other result (`releaseID` as in
    // `series.show`'s observations, `ingestedAt` as in a release).

    struct Row: Encodable {
        let series: String
        let period: String
        let value: String?
        let status: String?
        let releaseID: Int64

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(series, forKey: .series)
            try c.encode(period, forKey: .period)
            try c.encode(value, forKey: .value)  // null, not left out: "no value" is a value
            try c.encode(status, forKey: .status)  // null for none: every row has the same keys
            try c.encode(releaseID, forKey: .releaseID)
        }

        enum CodingKeys: String, CodingKey { case series, period, value, status, releaseID }
    }

    struct Column: Encodable {
        let releaseID: Int64
        let ingestedAt: String
    }

    struct Line: Encodable {
        let period: String
        /// One per column: the value known after that release, `null` when none was.
        let values: [String?]
    }

    static func observations(series keys: [String], vintage: Vintage, store: any VintageStore, format: ExportFormat) -> ExportLines {
        // `status` last, so scripts that read the first four columns by position keep working.
        let opening = format == .csv ? ["series,period,value,release,status"] : ["["]
        let closing = format == .csv ? [] : ["]"]
        return ExportLines(store: store, state: State(format: format, mode: .observations(keys: keys, vintage: vintage),
                                                      opening: opening, closing: closing))
    }

    /// Columns are the releases that wrote a version of the series, oldest first; a cell is
    /// the value known right after that release (empty before the period was published and
    /// after it was removed; `.` for a published "no value").
    static func matrix(series key: String, store: any VintageStore, format: ExportFormat) throws -> ExportLines {
        guard try store.seriesInfo(key) != nil else { throw ControlError.notFound("no series \(Excerpt(key))") }
        let releases = try store.releasesWriting(series: key)
        let columns = releases.map { Column(releaseID: $0.id, ingestedAt: Timestamp.format($0.ingestedAt)) }
        let opening: [String]
        let closing: [String]
        switch format {
        case .csv:
            opening = ["period," + columns.map { "r\($0.releaseID)@\($0.ingestedAt)" }.joined(separator: ",")]
            closing = []
        case .json:
            opening = ["{", "  \"series\": \(try json(key)),", "  \"vintages\": \(try json(columns)),", "  \"periods\": ["]
            closing = ["  ]", "}"]
        }
        let versions = try store.versionsCursor(series: key)
        var state = State(format: format, mode: .matrix(key: key, columns: releases.map(\.id)), opening: opening, closing: closing)
        state.versions = versions
        return ExportLines(store: store, state: state)
    }

    /// Up to about `count` lines; empty once the document is complete.
    func next(_ count: Int) throws -> [String] {
        try state.withLock { state -> [String] in
            guard var current = state, !current.finished else { return [] }
            defer { state = current }
            var lines = current.opening
            current.opening = []
            while lines.count < count, !current.finished {
                switch current.mode {
                case let .observations(keys, vintage):
                    try nextObservations(&current, &lines, keys: keys, vintage: vintage, count: count)
                case let .matrix(_, columns):
                    try nextMatrix(&current, &lines, columns: columns, count: count)
                }
            }
            return lines
        }
    }

    private func nextObservations(_ state: inout State, _ lines: inout [String], keys: [String], vintage: Vintage, count: Int) throws {
        guard state.keyIndex < keys.count else { return finish(&state, &lines) }
        let key = keys[state.keyIndex]
        if state.observations == nil { state.observations = try store.observationsCursor(series: key, vintage: vintage) }
        let batch = try state.observations!.next(max(1, count - lines.count))
        if batch.isEmpty {
            state.observations = nil
            state.keyIndex += 1
            return
        }
        for row in batch {
            switch state.format {
            case .csv: lines.append("\(key),\(row.period),\(row.value ?? ""),\(row.releaseID),\(row.status.map(Self.csvField) ?? "")")
            case .json:
                element("  " + (try Self.json(Row(series: key, period: row.period, value: row.value, status: row.status, releaseID: row.releaseID))),
                        &state, &lines)
            }
        }
    }

    private func nextMatrix(_ state: inout State, _ lines: inout [String], columns: [Int64], count: Int) throws {
        let batch = try state.versions?.next(max(1, count - lines.count)) ?? []
        for version in batch {
            if version.period != state.period {
                try emitPeriod(&state, &lines, columns: columns)
                state.period = version.period
            }
            state.chain.append(version)
        }
        if batch.isEmpty {
            try emitPeriod(&state, &lines, columns: columns)
            finish(&state, &lines)
        }
    }

    private func emitPeriod(_ state: inout State, _ lines: inout [String], columns: [Int64]) throws {
        guard let period = state.period else { return }
        var values: [String?] = []
        var current: String?
        var index = 0
        for release in columns {
            while index < state.chain.count, state.chain[index].releaseID <= release {
                let version = state.chain[index]
                current = version.removed ? nil : (version.value ?? ".")
                index += 1
            }
            values.append(current)
        }
        switch state.format {
        case .csv: lines.append(period + "," + values.map { $0 ?? "" }.joined(separator: ","))
        case .json: element("    " + (try Self.json(Line(period: period, values: values))), &state, &lines)
        }
        state.period = nil
        state.chain = []
    }

    /// A JSON array element: the one before it gets its comma now that one follows.
    private func element(_ text: String, _ state: inout State, _ lines: inout [String]) {
        if let pending = state.pendingElement { lines.append(pending + ",") }
        state.pendingElement = text
    }

    private func finish(_ state: inout State, _ lines: inout [String]) {
        if let pending = state.pendingElement { lines.append(pending) }
        state.pendingElement = nil
        lines += state.closing
        state.closing = []
        state.finished = true
        state.observations?.close()
        state.versions?.close()
        state.observations = nil
        state.versions = nil
    }

    /// Frees the cursors (the client went away, or the document is complete).
    func close() {
        state.withLock { state in
            state?.observations?.close()
            state?.versions?.close()
            state = nil
        }
    }

    /// A CSV field: quoted when it holds a separator or a quote (a status is free text).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" }) else { return text }
        var quoted = "\""
        for character in text {
            if character == "\"" { quoted.append("\"") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
