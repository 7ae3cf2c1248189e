import BridCore
import BridFetch
import Testing

@Suite struct HeaderResolverTests {
    struct NoSuchFile: Error, CustomStringConvertible { var description: String { "no such file" } }

    private func noFiles(_ path: String) throws -> String { throw NoSuchFile() }

    @Test func literalsEnvironmentAndFilesAreResolvedInOrder() throws {
        let headers = [
            HTTPHeaderValue(name: "Accept", value: .literal("text/csv")),
            HTTPHeaderValue(name: "X-Api-Key", value: .environment("WB_KEY")),
            HTTPHeaderValue(name: "Authorization", value: .file("/etc/brid/token")),
        ]
        let resolved = try HeaderResolver.resolve(headers, environment: ["WB_KEY": "s3cret-env"]) { path in
            #expect(path == "/etc/brid/token")
            return "Bearer s3cret-file\n"
        }
        #expect(resolved.map(\.name) == ["Accept", "X-Api-Key", "Authorization"])
        #expect(resolved.map(\.value) == ["text/csv", "s3cret-env", "Bearer s3cret-file"])
    }

    @Test func trailingCRLFAndBlankLinesAreTrimmedFromFiles() throws {
        let headers = [HTTPHeaderValue(name: "X-Token", value: .file("/t"))]
        let resolved = try HeaderResolver.resolve(headers, environment: [:]) { _ in "tok\r\n\n" }
        #expect(resolved.first?.value == "tok")
    }

    @Test func aMissingVariableNamesHeaderAndVariableButNoSecret() throws {
        let headers = [
            HTTPHeaderValue(name: "X-Other", value: .environment("OTHER")),
            HTTPHeaderValue(name: "X-Api-Key", value: .environment("WB_KEY")),
        ]
        // Another variable holds a secret; the message must not leak it (nor any value).
        let environment = ["OTHER": "other-secret-value", "WB_KEY_OLD": "old-secret-value"]
        do {
            _ = try HeaderResolver.resolve(headers, environment: environment, readFile: noFiles)
            Issue.record("an unset variable must throw")
        } catch let error as HeaderResolutionError {
            #expect(error.description == "header X-Api-Key: environment variable WB_KEY is not set")
            #expect(!error.description.contains("secret"))
        }
    }

    @Test func anEmptyVariableIsAnError() throws {
        let headers = [HTTPHeaderValue(name: "X-Api-Key", value: .environment("WB_KEY"))]
        #expect(throws: HeaderResolutionError(header: "X-Api-Key", reason: .environmentVariableEmpty("WB_KEY"))) {
            try HeaderResolver.resolve(headers, environment: ["WB_KEY": ""], readFile: noFiles)
        }
    }

    @Test func anUnreadableFileNamesThePath() throws {
        let headers = [HTTPHeaderValue(name: "Authorization", value: .file("/etc/brid/token"))]
        do {
            _ = try HeaderResolver.resolve(headers, environment: [:], readFile: noFiles)
            Issue.record("an unreadable file must throw")
        } catch let error as HeaderResolutionError {
            #expect(error.description == "header Authorization: cannot read /etc/brid/token: no such file")
        }
    }

    @Test func aFileWithASecondLineIsRefusedWithoutQuotingIt() throws {
        let headers = [HTTPHeaderValue(name: "Authorization", value: .file("/t"))]
        do {
            _ = try HeaderResolver.resolve(headers, environment: [:]) { _ in "Bearer s3cret\nX-Injected: 1\n" }
            Issue.record("a line break in a header value must throw")
        } catch let error as HeaderResolutionError {
            #expect(error.description == "header Authorization: the value from file /t contains a line break")
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test func anEmptyFileIsAnError() throws {
        let headers = [HTTPHeaderValue(name: "Authorization", value: .file("/t"))]
        #expect(throws: HeaderResolutionError(header: "Authorization", reason: .fileEmpty("/t"))) {
            try HeaderResolver.resolve(headers, environment: [:]) { _ in "\n" }
        }
    }
}
