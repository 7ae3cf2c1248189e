import BridCore
import BridFormats

/// What `make fuzz` runs: each target feeds arbitrary bytes to the readers of one input
/// kind, exactly as brid does. A reader may refuse the bytes (an error is the right answer
/// to garbage); it must not crash, hang or run out of memory.
///
/// Shared by the libFuzzer executable (`Fuzz/`, built only by `make fuzz`) and the test
/// that replays every kept crash (`FuzzRegressions/`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// Text tables: `csv` (also with local numbers), `sdmx-csv`, `eurostat-tsv`, and the
    /// UTF-16 and windows-1251 transcoders.
    case csv
    /// The JSON family: `json`, `worldbank-json`, `fred-json`, `sdmx-json`.
    case json
    /// `sdmx-ml` (generic and structure-specific), over the XML scanner.
    case xml
    /// A config file: UTF-8 decoding, the TOML reader, the config schema and the formats' checks.
    case toml
    /// `xls`: the compound file, the BIFF8 records and the table layout over the first sheet.
    case xls
    /// A zip archive: the central directory, then every member inflated within `zipLimit`
    /// bytes (a member that inflates beyond it must be refused before the sink sees more).
    case zip
    /// `xlsx`: the archive, the workbook, shared strings and styles parts, and the first
    /// sheet read through the table layout, as the Kazakhstan BNS workbook is configured.
    /// Input that is not a zip archive is read as sheet XML inside a workbook
    /// (`FuzzWorkbook`): mutated deflate data or CRC-32s would stop it at the archive.
    case xlsx
    /// CSV text in table mode: periods as columns (the World Bank bulk CSV's config) and
    /// periods as rows (Destatis's, on the text transcoded from ISO-8859-1 as brid does).
    case table

    /// Feeds `bytes` to every reader of the target.
    public func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .csv:
            read(CSVFormat.self, bytes)
            read(SDMXCSVFormat.self, bytes)
            read(CSVFormat.self, bytes, options: ["decimal": .string(","), "thousands": .string(" ")])
            read(EurostatTSVFormat.self, bytes)
            read(EurostatTSVFormat.self, bytes, series: "e.{geo}.{unit}")
            for encoding in [TextEncoding.utf16, .windows1251] {
                guard var transcoder = TextTranscoder(encoding: encoding, prefix: bytes) else { continue }
                var output: [UInt8] = []
                try? transcoder.transcode(UnsafeBufferPointer(rebasing: bytes[transcoder.skip...]), into: &output)
                try? transcoder.finish()
            }
        case .json:
            read(JSONRecords.self, bytes, series: "c.{reporterISO}.{cmdCode}",
                 options: ["records": .string("/data"), "period": .string("period"), "value": .string("primaryValue")])
            read(JSONRecords.self, bytes, options: ["series_field": .string("key"), "published_at": .string("/0/updated")])
            read(WorldBankJSON.self, bytes)
            read(FREDJSON.self, bytes, series: "fred.GNPCA")
            read(SDMXJSON.self, bytes)
            // The containers kept off the tape read as the plain parse does.
            if bytes.count <= 1 << 16, let difference = JSONElisionCheck.disagreement(bytes) {
                fatalError("JSONElision disagrees with the plain parse: \(difference)")
            }
        case .xml:
            read(SDMXMLFormat.self, bytes)
        case .toml:
            guard case let .success(text) = ConfigText.decode(Array(bytes)) else { return }
            if case let .success(config) = ConfigParser.parse(text: text, path: "fuzz.toml", formats: Formats.catalog) {
                _ = Formats.validate(config, file: "fuzz.toml")
            }
        case .xls:
            read(XLSFormat.self, bytes, series: "x.{A}")
        case .zip:
            Self.inflateEveryMember(bytes)
        case .xlsx:
            // The Kazakhstan workbook's config (Docs/formats/xlsx.md).
            let options: [String: FormatOption] = ["sheet": .string("тыс.тенге")]
            if ZipArchive.isZip(bytes) {
                read(XLSXFormat.self, bytes, series: "kz.grp_per_capita.{A}.{frequency}", options: options)
            } else {
                FuzzWorkbook.wrapping(sheet: Array(bytes)).withUnsafeBufferPointer {
                    read(XLSXFormat.self, $0, series: "kz.grp_per_capita.{A}.{frequency}", options: options)
                }
            }
        case .table:
            read(CSVFormat.self, bytes, series: "wb.{Country Code}.{Indicator Code}")
            read(CSVFormat.self, bytes, series: "t.{B}.{frequency}", options: Self.otherLayout)
            guard var transcoder = TextTranscoder(encoding: .iso88591, prefix: bytes) else { return }
            var text: [UInt8] = []
            guard (try? transcoder.transcode(UnsafeBufferPointer(rebasing: bytes[transcoder.skip...]), into: &text)) != nil else { return }
            text.withUnsafeBufferPointer { text in
                read(CSVFormat.self, text, options: Self.destatis)
            }
        }
    }

    /// The most the `zip` target lets one member inflate to.
    public static let zipLimit = 1 << 20

    /// Opens `bytes` as a zip archive and inflates each member within `limit`: a thrown
    /// failure or the member's bytes; more than the limit handed out is a defect (a trap).
    /// Returns how many members were read whole and how many refused (an archive that does
    /// not open counts as one refusal).
    @discardableResult
    public static func inflateEveryMember(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = zipLimit) -> (read: Int, refused: Int) {
        guard let archive = try? ZipArchive(bytes) else { return (0, 1) }
        var outcome = (read: 0, refused: 0)
        for member in archive.members {
            var seen = 0
            do {
                try archive.inflate(member, limit: limit, chunk: 1 << 14) { piece in
                    seen += piece.count
                    if seen > limit { fatalError("zip member \"\(member.name)\": \(seen) bytes handed out beyond the limit of \(limit)") }
                }
                outcome.read += 1
            } catch {
                _ = "\(error)"
                outcome.refused += 1
            }
        }
        return outcome
    }

    /// Periods as columns with more of the options: a given header row, a row range, keys.
    static let otherLayout: [String: FormatOption] = [
        "header_row": .integer(5), "rows": .string("3-120"), "missing": .stringArray([".."]),
        "thousands": .string(","), "keys": .stringTable(["KAZ": "kz"]),
    ]

    /// The Destatis periods-as-rows config (Docs/formats/tables.md).
    static let destatis: [String: FormatOption] = [
        "decimal": .string(","), "missing": .stringArray(["-", "."]), "period_column": .string("A"),
        "period_pattern": .string(#"01\.01\.(?<year>\d{4})"#),
        "columns": .stringTable(["B": "de.hh.surveyed", "C": "de.hh.extrapolated", "D": "de.hh.cars", "F": "de.hh.cars.new.electric"]),
    ]

    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { run($0) }
    }

    private func read<F: PayloadFormat>(_ format: F.Type, _ bytes: UnsafeBufferPointer<UInt8>, series: String? = nil,
                                        options: [String: FormatOption] = [:]) {
        guard let reader = try? F(settings: FormatSettings(seriesTemplate: series, options: options)) else {
            fatalError("the fuzz settings of \(F.name) are refused")
        }
        var builder = PayloadBuilder(origin: "fuzz", ordinalKind: F.ordinalKind) { _ in nil }
        do {
            try reader.read(bytes, into: &builder)
            _ = try builder.finish()
        } catch {
            _ = "\(error)"  // the message is built too: it names places in the input
        }
    }
}
