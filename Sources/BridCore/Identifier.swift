/// Rules for the ids of sources, alert rules and notifiers: `[a-z0-9][a-z0-9._-]*`.
public enum Identifier {
    public static func isValid(_ id: some StringProtocol) -> Bool {
        guard let first = id.utf8.first, isLowerAlnum(first), id.utf8.count <= 64 else { return false }
        return id.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlnum(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}
