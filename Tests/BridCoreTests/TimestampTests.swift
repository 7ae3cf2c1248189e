@testable import BridCore
import Foundation
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2019-03-01", 1_551_398_400.0), ("2019-03-01T06:00Z", 1_551_420_000), ("2019-03-01T06:00:00Z", 1_551_420_000),
        ("2019-03-01T06:00:00.5Z", 1_551_420_000.5), ("2019-03-01T12:00:00+06:00", 1_551_420_000),
        ("2019-03-01T00:30:00-0530", 1_551_420_000), ("2019-03-01 06:00:00", 1_551_420_000), ("1970-01-01T00:00:00Z", 0),
    ])
    func parsesISO8601(text: String, seconds: Double) {
        #expect(Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["", "2019", "2019-13-01", "2019-02-30", "2019-03-01T25:00Z", "2019-03-01T06:00:00Zjunk", "yesterday"])
    func refusesOtherText(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsUTC() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_551_420_000.9)) == "2019-03-01T06:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }
}

@Suite struct HTTPDateTests {
    @Test func parsesIMFFixdate() {
        #expect(Timestamp.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT")?.timeIntervalSince1970 == 784_111_777)
        #expect(Timestamp.parseHTTPDate("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(Timestamp.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 UTC") == nil)
    }
}
