import BridProtocol
import Testing

@Suite struct LineFramerTests {
    @Test func linesAcrossAppends() {
        var framer = LineFramer(maxLineBytes: 10)
        framer.append(Array("ab".utf8))
        #expect(framer.next() == .needMore)
        framer.append(Array("c\nde\n\nf".utf8))
        #expect(framer.next() == .line(Array("abc".utf8)))
        #expect(framer.next() == .line(Array("de".utf8)))
        #expect(framer.next() == .line([]))
        #expect(framer.next() == .needMore)
        #expect(framer.buffered == 1)
    }

    @Test func overlongLineIsReportedOnceAndSkipped() {
        var framer = LineFramer(maxLineBytes: 4)
        framer.append(Array("12345".utf8))
        #expect(framer.next() == .tooLong)
        framer.append(Array("6789".utf8))
        #expect(framer.next() == .needMore)
        framer.append(Array("0\nok\n".utf8))
        #expect(framer.next() == .line(Array("ok".utf8)))
        // A whole long line in one piece.
        framer.append(Array("abcdefgh\nxy\n".utf8))
        #expect(framer.next() == .tooLong)
        #expect(framer.next() == .line(Array("xy".utf8)))
        // Exactly the limit is fine.
        framer.append(Array("abcd\n".utf8))
        #expect(framer.next() == .line(Array("abcd".utf8)))
    }

    @Test func oneMebibyteDetection() {
        var framer = LineFramer()
        framer.append([UInt8](repeating: 0x41, count: ControlProtocol.maxLineBytes))
        #expect(framer.next() == .needMore)
        framer.append([0x41])
        #expect(framer.next() == .tooLong)
    }
}
