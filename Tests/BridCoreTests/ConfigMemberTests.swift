import Testing
@testable import BridCore

@Suite("Config: [[source]] member")
struct ConfigMemberTests {
    private let head = "[[source]]\nid = \"s\"\nurl = \"https://example.org/x.zip\"\nformat = \"csv\"\n"

    @Test func aGlobOverMemberNames() throws {
        #expect(try #require(try config(head + "member = \"API_*.csv\"\n").sources.first).member == "API_*.csv")
        #expect(try #require(try config(head).sources.first).member == nil)
    }

    @Test func aBadGlobOrAnEmptyOneIsAnError() {
        #expect(errorLines(head + "member = \"[a-\"\n").first?.contains("[[source]] \"s\": member:") == true)
        #expect(errorLines(head + "member = \"\"\n").first?.hasSuffix("member: must not be empty") == true)
    }
}
