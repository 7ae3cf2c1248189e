/// The value of a format-specific source option, checked against the format's declared type.
public enum FormatOption: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case stringArray([String])
    case stringTable([String: String])
}
