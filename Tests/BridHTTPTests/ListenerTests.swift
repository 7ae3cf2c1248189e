import BridCore
import BridHTTP
import BridTestSupport
import Foundation
import Testing

@Suite("HTTP listener: tokens, read-only")
struct ListenerTests {
    @Test("with tokens configured, a request without one is refused; api_key= and Bearer are accepted")
    func tokens() async throws {
        let listener = try await RunningListener.start(tokens: ["s3cret-token", "second"])
        try await listener.stopping {
            let port = listener.port
            let refused = try await HTTPTestClient.get(port: port, "/metrics")
            #expect(refused.status == 401)
            #expect(refused.headers["www-authenticate"] == "Bearer")
            #expect(!refused.text.contains("s3cret"))
            let wrong = try await HTTPTestClient.get(port: port, "/metrics?api_key=s3cret-tokem")
            #expect(wrong.status == 401)
            let prefix = try await HTTPTestClient.get(port: port, "/metrics", headers: [("Authorization", "Bearer s3cret")])
            #expect(prefix.status == 401)
            let byKey = try await HTTPTestClient.get(port: port, "/metrics?api_key=s3cret-token")
            #expect(byKey.status == 200)
            let byBearer = try await HTTPTestClient.get(port: port, "/metrics", headers: [("Authorization", "Bearer second")])
            #expect(byBearer.status == 200)
            #expect(byBearer.status == byKey.status)
        }
    }

    @Test("a FRED client without a registered api_key gets FRED's error document, XML or JSON")
    func fredError() async throws {
        let listener = try await RunningListener.start(tokens: ["t"])
        try await listener.stopping {
            let xml = try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=x&api_key=nope")
            #expect(xml.status == 400)
            #expect(xml.text.contains("<error code=\"400\" message=\"Bad Request.  The value for variable api_key is not registered."))
            let json = try await HTTPTestClient.get(port: listener.port, "/fred/series?series_id=x&api_key=nope&file_type=json")
            #expect(json.status == 400)
            #expect(json.headers["content-type"]?.hasPrefix("application/json") == true)
            let document = try JSONSerialization.jsonObject(with: Data(json.body)) as? [String: Any]
            #expect(document?["error_code"] as? Int == 400)
        }
    }

    @Test("without tokens (loopback) requests need none; nothing but GET and HEAD is served")
    func readOnly() async throws {
        let listener = try await RunningListener.start()
        try await listener.stopping {
            let get = try await HTTPTestClient.get(port: listener.port, "/metrics")
            #expect(get.status == 200)
            for method in ["POST", "PUT", "DELETE", "PATCH"] {
                let answer = try await HTTPTestClient.get(port: listener.port, "/metrics", method: method)
                #expect(answer.status == 404 || answer.status == 405, "\(method) answered \(answer.status)")
            }
        }
    }

    @Test("a store that cannot be read: FRED's 500 document and a 503 page, naming no path (the journal has it)")
    func unreadableStore() async throws {
        let listener = try await RunningListener.start()
        try await listener.stopping {
            listener.store.close()
            let fred = try await HTTPTestClient.get(port: listener.port, "/fred/series/observations?series_id=a.b&file_type=json")
            #expect(fred.status == 500)
            #expect(fred.text.contains("The store could not be read; brid's journal says why."), "\(fred.text)")
            let page = try await HTTPTestClient.get(port: listener.port, "/")
            #expect(page.status == 503)
            #expect(page.text.contains("The store could not be read; brid&#39;s journal says why."))
            #expect(!fred.text.contains(listener.folder) && !page.text.contains(listener.folder))
        }
    }
}
