@testable import BridCore
import Testing

@Suite("[http] section")
struct ConfigHTTPTests {
    @Test("absent: no listener")
    func absent() throws {
        let parsed = try config("")
        #expect(parsed.http == nil)
    }

    @Test("a loopback address needs no token; tokens are references, read later")
    func loopback() throws {
        let parsed = try config("""
        [http]
        listen = "127.0.0.1:8089"
        """)
        #expect(parsed.http == HTTPConfig(listen: ListenAddress(host: "127.0.0.1", port: 8089)))
        let v6 = try config("""
        [http]
        listen = "[::1]:0"
        tokens = [{ env = "BRID_HTTP_TOKEN" }, { file = "/etc/brid/http-token" }]
        """)
        #expect(v6.http?.listen == ListenAddress(host: "::1", port: 0))
        #expect(v6.http?.listen.description == "[::1]:0")
        #expect(v6.http?.tokens == [.environment("BRID_HTTP_TOKEN"), .file("/etc/brid/http-token")])
    }

    @Test("an address other machines reach needs tokens")
    func remoteNeedsTokens() throws {
        let errors = errorLines("""
        [http]
        listen = "0.0.0.0:8089"
        """)
        #expect(errors.contains { $0.contains("[http]") && $0.contains("listen") && $0.contains("needs tokens") })
        let ok = try config("""
        [http]
        listen = "0.0.0.0:8089"
        tokens = [{ env = "T" }]
        """)
        #expect(ok.http?.listen.isLoopback == false)
    }

    @Test("bad values are named with their line", arguments: [
        ("listen = \"8089\"", "has no port"),
        ("listen = \"::1:8089\"", "in brackets"),
        ("listen = \"example.org:80\"", "is not an IPv4 address"),
        ("listen = \"127.0.0.1:70000\"", "is not a number from 0 to 65535"),
        ("listen = \"127.0.0.1:80x\"", "is not a number"),
        ("listen = \"256.0.0.1:80\"", "is not an IPv4 address"),
        ("listen = \"127.0.0.1:8089\"\ntokens = [\"plain\"]", "a token is written in the config"),
        ("listen = \"127.0.0.1:8089\"\ntokens = { env = \"T\" }", "expected a list"),
        ("listen = \"127.0.0.1:8089\"\ntokens = [{ env = \"1BAD\" }]", "expected a list of { env"),
        ("listen = \"127.0.0.1:8089\"\ntoken = []", "unknown key"),
        ("tokens = []", "needs listen"),
    ])
    func bad(_ body: String, _ expected: String) throws {
        let errors = errorLines("[http]\n" + body)
        #expect(errors.contains { $0.contains(expected) }, "\(errors)")
        #expect(errors.allSatisfy { !$0.contains("plain") || !$0.contains("tokens = [\"plain\"]") })
    }

    @Test("a misspelt section is pointed at [http]")
    func alias() {
        let errors = errorLines("[web]\nlisten = \"127.0.0.1:1\"")
        #expect(errors.contains { $0.contains("did you mean [http]") }, "\(errors)")
    }
}
