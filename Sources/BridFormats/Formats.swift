import BridCore

/// The formats brid reads, by their `format = "…"` name.
public enum Formats {
    /// Names of the formats this build reads.
    public static let names: [String] = ["csv"]

    /// Reads a payload in `format` into `builder`. Unknown formats are a configuration
    /// error caught when the config is validated, so here they are a programming error.
    public static func read(_ bytes: [UInt8], format: String, into builder: inout PayloadBuilder) throws(InputError) {
        switch format {
        case "csv":
            try CSVReader.read(bytes, into: &builder)
        default:
            throw InputError(origin: builder.origin, place: nil, reason: "format \(format) is not supported by this build (supported: \(names.joined(separator: ", ")))")
        }
    }
}
