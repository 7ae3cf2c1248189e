/// Spreadsheet column letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
public enum ColumnName {
    public static func letters(_ column: Int) -> String {
        var n = column + 1
        var result: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            result.append(Character(Unicode.Scalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(result.reversed())
    }

    /// The 0-based index of column letters (`A`, `bl`), nil when not letters or past XFD.
    public static func index(_ letters: some StringProtocol) -> Int? {
        guard !letters.isEmpty, letters.count <= 3 else { return nil }
        var n = 0
        for scalar in letters.unicodeScalars {
            let v = scalar.value
            switch v {
            case 65...90: n = n * 26 + Int(v - 64)
            case 97...122: n = n * 26 + Int(v - 96)
            default: return nil
            }
        }
        return n <= 16_384 ? n - 1 : nil
    }

    /// A cell reference: `M9` for column 12, row 9.
    public static func reference(column: Int, row: Int) -> String { "\(letters(column))\(row)" }
}
