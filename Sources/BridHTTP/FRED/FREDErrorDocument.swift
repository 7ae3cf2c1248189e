import Hummingbird
import NIOCore

/// A FRED error document: `{"error_code":400,"error_message":"…"}` in JSON, or
/// `<error code="400" message="…"/>` in XML, by the request's `file_type` (XML by default,
/// as FRED), with FRED's status code.
struct FREDErrorDocument: Error, Sendable {
    let code: Int
    let message: String

    func response(for request: Request) -> Response {
        let json = request.uri.queryParameters["file_type"] == "json"
        var headers = HTTPFields()
        headers[.contentType] = json ? "application/json; charset=UTF-8" : "text/xml; charset=UTF-8"
        return Response(status: HTTPResponse.Status(code: code), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: FREDDocument.error(json: json, code: code, message: message))))
    }
}
