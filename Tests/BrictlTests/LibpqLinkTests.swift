import BridTestSupport
import Testing

/// libpq is brid's (the PostgreSQL store) and never brictl's: brictl talks to brid's
/// socket only, and stays small and quick to start.
@Suite struct LibpqLinkTests {
    @Test func bridLinksLibpqAndBrictlDoesNot() throws {
        func needed(_ product: String) throws -> [String] {
            let listing = try ProcessRunner.run("/usr/bin/readelf", ["--dynamic", BuiltProducts.folder + "/" + product])
            try #require(listing.status == 0, "readelf: \(listing.stderr)")
            return listing.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }.map(String.init)
        }
        let brid = try needed("brid"), brictl = try needed("brictl")
        #expect(brid.contains { $0.contains("libpq.so") }, "\(brid)")
        #expect(!brictl.isEmpty)
        #expect(!brictl.contains { $0.contains("libpq") }, "\(brictl)")
    }
}
