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
        }
    }

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
