/// The type of a format-specific source option, as a format declares it.
public enum OptionType: Sendable, Equatable {
    case string, integer, float, bool, stringArray, stringTable
    /// A string or an integer (`sheet = "Data"` or `sheet = 2`).
    case stringOrInteger

    /// How the type is named in error messages.
    var expectation: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a number"
        case .bool: "true or false"
        case .stringArray: "an array of strings"
        case .stringTable: "a table of strings"
        case .stringOrInteger: "a string or an integer"
        }
    }
}

/// Format name → the extra `[[source]]` keys it reads → their types.
public typealias FormatCatalog = [String: [String: OptionType]]
