/// `[http]`: the optional read-only HTTP listener (the FRED-compatible API, `/metrics`, the
/// pages). Absent: no listener, nothing bound.
public struct HTTPConfig: Sendable, Equatable {
    /// Where it listens (`listen = "127.0.0.1:8089"`).
    public let listen: ListenAddress
    /// The bearer tokens a request may carry (`api_key=` or `Authorization: Bearer`); empty:
    /// none asked for, which only a loopback address allows. Read when the listener starts
    /// and at each reload; never logged.
    public let tokens: [SecretReference]

    public init(listen: ListenAddress, tokens: [SecretReference] = []) {
        self.listen = listen
        self.tokens = tokens
    }
}

/// A host and a TCP port: an IPv4 or IPv6 address, or `localhost`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address as written, without brackets (`127.0.0.1`, `::1`, `localhost`).
    public let host: String
    /// 1–65535, or 0 for a port the system picks (said in the journal; tests).
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `127.0.0.1:8089`, `[::1]:8089`.
    public var description: String {
        host.contains(Character(":")) ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Whether only this machine can reach it: 127.0.0.0/8, ::1 or `localhost`.
    public var isLoopback: Bool {
        if host == "localhost" || host == "::1" { return true }
        if let octets = Self.ipv4(host) { return octets[0] == 127 }
        if host.lowercased() == "0:0:0:0:0:0:0:1" { return true }
        return false
    }

    /// Reads `HOST:PORT` or `[IPV6]:PORT`; nil with the reason when it is not one.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.syntax) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(.missingPort) }
            portText = rest.dropFirst()
            guard host.contains(Character(":")), host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return .failure(.badHost(String(host))) }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(.missingPort) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(Character(":")) { return .failure(.unbracketedIPv6) }
            guard host == "localhost" || ipv4(String(host)) != nil else { return .failure(.badHost(String(host))) }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber), portText.count <= 5,
              let port = Int(portText), port <= 65_535 else { return .failure(.badPort(String(portText))) }
        return .success(ListenAddress(host: String(host), port: port))
    }

    private static func ipv4(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(part), n <= 255 else { return nil }
            octets.append(n)
        }
        return octets
    }
}

/// Why a `listen` value is not an address.
public enum ListenAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    case syntax
    case missingPort
    case unbracketedIPv6
    case badHost(String)
    case badPort(String)

    public var description: String {
        switch self {
        case .syntax: "expected HOST:PORT, e.g. \"127.0.0.1:8089\" or \"[::1]:8089\""
        case .missingPort: "has no port; expected HOST:PORT, e.g. \"127.0.0.1:8089\""
        case .unbracketedIPv6: "an IPv6 address is written in brackets, e.g. \"[::1]:8089\""
        case .badHost(let host): "\"\(host)\" is not an IPv4 address, a bracketed IPv6 address or localhost (a host name would be resolved only once, at start)"
        case .badPort(let port): "port \"\(port)\" is not a number from 0 to 65535"
        }
    }
}
