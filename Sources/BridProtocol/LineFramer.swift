/// Cuts a byte stream into lines of at most `maxLineBytes` (newline excluded). A longer
/// line is reported once as `.tooLong` and its remaining bytes are skipped up to its
/// newline, so the stream stays usable for the lines after it.
public struct LineFramer: Sendable {
    public enum Next: Equatable, Sendable {
        /// A complete line, without its `\n`.
        case line([UInt8])
        /// More bytes are needed.
        case needMore
        /// A line passed the limit; it is being skipped.
        case tooLong
    }

    public let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Where the search for the next newline resumes, so each byte is scanned once.
    private var scanned = 0
    private var skipping = false

    public init(maxLineBytes: Int = ControlProtocol.maxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes received and not yet handed out as lines.
    public var buffered: Int { buffer.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() -> Next {
        while true {
            let newline = buffer[scanned...].firstIndex(of: 0x0A)
            if skipping {
                guard let newline else {
                    buffer.removeAll(keepingCapacity: true)
                    start = 0
                    scanned = 0
                    return .needMore
                }
                skipping = false
                start = newline + 1
                scanned = start
                compact()
                continue
            }
            guard let newline else {
                scanned = buffer.count
                if buffer.count - start > maxLineBytes {
                    skipping = true
                    buffer.removeAll(keepingCapacity: true)
                    start = 0
                    scanned = 0
                    return .tooLong
                }
                return .needMore
            }
            if newline - start > maxLineBytes {
                start = newline + 1
                scanned = start
                compact()
                return .tooLong
            }
            let line = Array(buffer[start..<newline])
            start = newline + 1
            scanned = start
            compact()
            return .line(line)
        }
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start > 65_536, start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
    }
}
