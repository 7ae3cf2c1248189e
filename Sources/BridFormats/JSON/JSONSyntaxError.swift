/// Why bytes are not JSON (RFC 8259), with the place: `line 3, column 17: expected ',' or '}'`.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem.
    public let offset: Int
    /// 1-based line (LF-separated).
    public let line: Int
    /// 1-based column in characters (Unicode scalars) of that line.
    public let column: Int
    public let message: String
    /// The JSON pointer of the value at fault, when the text parses but is ambiguous (a
    /// member name repeated in an object).
    public let pointer: String?

    public init(offset: Int, line: Int, column: Int, message: String, pointer: String? = nil) {
        self.offset = offset
        self.line = line
        self.column = column
        self.message = message
        self.pointer = pointer
    }

    /// The error at `offset` of `bytes`, with its line and column worked out.
    init(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>, _ message: String) {
        let (line, column) = JSONSyntaxError.lineAndColumn(of: offset, in: bytes)
        self.init(offset: offset, line: line, column: column, message: message)
    }

    public var description: String { "line \(line), column \(column): \(message)" }

    static func lineAndColumn(of offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        var line = 1
        var column = 1
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }  // a byte-order mark is no column
        let stop = min(offset, bytes.count)
        while i < stop {
            let c = bytes[i]
            if c == 0x0A {
                line += 1
                column = 1
            } else if c & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }
}
