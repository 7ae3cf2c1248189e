import BridTestSupport
import Foundation
import Testing

/// brid and brictl use FoundationEssentials only: no API of Foundation proper (Thread,
/// NSCondition, FileHandle, String(format:), NSString paths, JSONSerialization,
/// `localizedDescription`, `range(of:)`, CharacterSet trimming). One such call links
/// Foundation, CoreFoundation and ICU into the static release binaries again: about 2.5 MB
/// more resident for an idle brid and 150 more page faults at every brictl start
/// (README, "Benchmarks"). Checked on the built binaries: none of their undefined symbols
/// may come from the Foundation module.
@Suite struct FoundationLinkTests {
    @Test(arguments: ["brid", "brictl"])
    func noSymbolOfFoundationProper(_ product: String) throws {
        let binary = BuiltProducts.folder + "/" + product
        let listing = try ProcessRunner.run("/usr/bin/nm", ["--dynamic", "--undefined-only", binary])
        try #require(listing.status == 0, "nm: \(listing.stderr)")
        let symbols = listing.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(symbols.count > 10)  // the listing is real: libc's and the Swift runtime's at least
        // Swift names carry their module as `10Foundation` (FoundationEssentials is `20FoundationEssentials`).
        let foundation = symbols.filter { $0.contains("10Foundation") || $0.hasPrefix("_CF") || $0.hasPrefix("CF") }
        #expect(foundation.isEmpty, "\(product) uses Foundation proper: \(foundation.prefix(20).joined(separator: ", "))")
    }
}
