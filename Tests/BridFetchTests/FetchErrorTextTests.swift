@testable import BridFetch
import Testing

/// The words a user reads in `last_error`, and the pieces they are made of.
@Suite struct FetchErrorTextTests {
    @Test func descriptionsReadAsDocumented() {
        let url = "https://x/y"
        func text(_ kind: FetchError.Kind, _ elapsed: Duration = .milliseconds(1234), _ detail: String = "") -> String {
            FetchError(kind: kind, url: url, elapsed: elapsed, detail: detail).description
        }
        #expect(text(.http(status: 503)) == "HTTP 503 from https://x/y after 1.2 s")
        #expect(text(.http(status: 400), .milliseconds(80), #"{"error":"bad alert"}"#)
                == #"HTTP 400 from https://x/y after 0.1 s: {"error":"bad alert"}"#)
        #expect(text(.tooLarge(limit: 20 << 20)) == "body exceeds max_bytes 20MB (https://x/y)")
        #expect(text(.timeout, .seconds(30)) == "timed out after 30.0 s fetching https://x/y")
        #expect(text(.forbiddenRedirect(target: "file:///etc/passwd"))
                == "redirect to file:///etc/passwd refused (only http and https)")
        #expect(text(.tooManyRedirects) == "more than 5 redirects from https://x/y")
        #expect(text(.connect, .milliseconds(3), "Connection refused")
                == "cannot connect to https://x/y after 0.0 s: Connection refused")
        #expect(text(.other(curlCode: 56), .milliseconds(50), "Recv failure")
                == "curl error 56 fetching https://x/y after 0.1 s: Recv failure")
    }

    @Test func sizesUseTheLargestExactUnit() {
        #expect(FetchError.size(20 << 20) == "20MB")
        #expect(FetchError.size(512 << 10) == "512KB")
        #expect(FetchError.size(2 << 30) == "2GB")
        #expect(FetchError.size(1000) == "1000B")
        #expect(FetchError.size((1 << 20) + 1) == "1048577B")
    }

    @Test func secondsRoundToTenths() {
        #expect(FetchError.seconds(.milliseconds(1250)) == "1.3 s")
        #expect(FetchError.seconds(.milliseconds(49)) == "0.0 s")
        #expect(FetchError.seconds(.seconds(30)) == "30.0 s")
    }

    @Test func timeoutsAreWholeMillisecondsAndNeverZero() {
        #expect(CurlTransfer.milliseconds(.seconds(30)) == 30_000)
        #expect(CurlTransfer.milliseconds(.microseconds(1500)) == 2)
        #expect(CurlTransfer.milliseconds(.zero) == 1)
    }

    @Test func originsCompareSchemeHostAndPort() throws {
        let origin = try #require(URLOrigin("https://API.example.org/v2/x?format=json"))
        #expect(origin == URLOrigin("https://api.example.org:443/other"))
        #expect(origin != URLOrigin("http://api.example.org/v2/x"))
        #expect(origin != URLOrigin("https://api.example.org:8443/v2/x"))
        #expect(origin != URLOrigin("https://cdn.example.org/v2/x"))
        #expect(origin.isWeb)
        #expect(URLOrigin("file:///etc/passwd")?.isWeb != true)
        #expect(URLOrigin("ftp://example.org/x")?.isWeb == false)
    }

    @Test func responseHeadersStartOverAtEachStatusLine() {
        var headers = ResponseHeaders()
        for line in ["HTTP/1.1 302 Found\r\n", "ETag: \"hop\"\r\n", "location: /next\r\n", "\r\n"] {
            headers.consume(line)
        }
        #expect(headers == ResponseHeaders(status: 302, etag: "\"hop\"", lastModified: nil))
        for line in ["HTTP/2 200\r\n", "last-modified:  Wed, 21 Oct 2015 07:28:00 GMT \r\n", "\r\n"] {
            headers.consume(line)
        }
        #expect(headers == ResponseHeaders(status: 200, etag: nil, lastModified: "Wed, 21 Oct 2015 07:28:00 GMT"))
    }

    @Test func errorBodiesBecomeOnePrintableLineOfAtMost200Bytes() {
        func detail(_ bytes: [UInt8]) -> String { CurlTransfer.printableStart(of: bytes) }
        #expect(detail(Array("{\n  \"error\": \"unavailable\"\n}\n".utf8)) == #"{ "error": "unavailable" }"#)
        #expect(detail([0x62, 0x61, 0x64, 0x00, 0x07, 0xFF, 0x1B, 0x67, 0x61, 0x74, 0x65]) == "bad gate")
        #expect(detail(Array("Überlastung – bitte später".utf8)) == "Überlastung – bitte später")
        #expect(detail([]) == "")
        // A two-byte "é" cut by the limit is dropped, not shown as U+FFFD.
        let cut = detail(Array(String(repeating: "a", count: 199).utf8) + Array("é".utf8))
        #expect(cut == String(repeating: "a", count: 199))
        #expect(detail(Array(repeating: UInt8(ascii: "x"), count: 1000)).utf8.count == 200)
    }
}
