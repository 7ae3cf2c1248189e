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
        let body: String
        if json {
            headers[.contentType] = "application/json; charset=UTF-8"
            body = "{\"error_code\":\(code),\"error_message\":\"\(Self.jsonEscaped(message))\"}"
        } else {
            headers[.contentType] = "text/xml; charset=UTF-8"
            body = "<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<error code=\"\(code)\" message=\"\(Self.xmlEscaped(message))\"/>\n"
        }
        return Response(status: HTTPResponse.Status(code: code), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)  // not String(format:): Foundation proper
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func xmlEscaped(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(c)
            }
        }
        return out
    }
}
