import BridCore

/// A reader of one payload format (`format = "…"` in a `[[source]]`).
///
/// A format is pure: bytes in, observations into a `PayloadBuilder` out. The builder
/// applies the rules every format shares (series keys, periods, values, duplicates).
public protocol PayloadFormat: Sendable {
    /// The `format = "…"` name.
    static var name: String { get }
    /// The extra `[[source]]` keys this format reads, with their types.
    static var options: [String: OptionType] { get }
    /// Whether places in this format are lines (text tables) or records.
    static var ordinalKind: PayloadBuilder.OrdinalKind { get }
    /// A reader configured for one source; throws `FormatSettingsError` when its settings
    /// do not make sense.
    init(settings: FormatSettings) throws
    /// Reads a whole payload. Throws on the first invalid record, naming its place.
    func read(_ bytes: UnsafeBufferPointer<UInt8>, into builder: inout PayloadBuilder) throws(InputError)
}

extension PayloadFormat {
    /// Reads a whole payload held in an array.
    public func read(_ bytes: [UInt8], into builder: inout PayloadBuilder) throws(InputError) {
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(InputError) in
            try read(buffer, into: &builder)
        }
    }
}

/// What a format reader is configured with: the source's `series` template and its
/// format-specific keys, already type-checked by the config parser.
public struct FormatSettings: Sendable, Equatable {
    public var seriesTemplate: String?
    public var options: [String: FormatOption]

    public init(seriesTemplate: String? = nil, options: [String: FormatOption] = [:]) {
        self.seriesTemplate = seriesTemplate
        self.options = options
    }

    public func string(_ key: String) -> String? {
        if case let .string(s)? = options[key] { return s }
        return nil
    }

    public func integer(_ key: String) -> Int? {
        if case let .integer(n)? = options[key] { return n }
        return nil
    }

    public func bool(_ key: String) -> Bool? {
        if case let .bool(b)? = options[key] { return b }
        return nil
    }

    public func stringArray(_ key: String) -> [String]? {
        if case let .stringArray(a)? = options[key] { return a }
        return nil
    }

    /// A `.stringOrInteger` option: its `.string` or `.integer` value, nil when absent.
    public func stringOrInteger(_ key: String) -> FormatOption? {
        switch options[key] {
        case .string?, .integer?: options[key]
        default: nil
        }
    }

    public func stringTable(_ key: String) -> [String: String]? {
        if case let .stringTable(t)? = options[key] { return t }
        return nil
    }
}

/// Format settings that do not make sense (reported as a config error on `key`).
public struct FormatSettingsError: Error, Sendable, Equatable {
    /// The `[[source]]` key at fault (`series` for the template), or nil.
    public let key: String?
    public let message: String

    public init(key: String?, message: String) {
        self.key = key
        self.message = message
    }
}
