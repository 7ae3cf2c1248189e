import BridCore

/// Reading the small XML parts of a workbook: every element with its attributes and the
/// text directly inside it, one callback per event.
struct XLSXPart {
    let origin: String
    /// The part's path in the archive, for errors.
    let path: String
    var scanner: XMLScanner

    init(bytes: UnsafeBufferPointer<UInt8>, origin: String, path: String) {
        self.origin = origin
        self.path = path
        scanner = XMLScanner(bytes: bytes)
    }

    func failure(_ error: XMLSyntaxError) -> InputError {
        InputError(origin: origin, place: nil, reason: "the workbook's \(path) is not well-formed XML (line \(error.line)): \(error.reason)")
    }

    /// The value of the attribute whose local name is `local` on the current start tag.
    func attribute(_ local: StaticString) throws(InputError) -> String? {
        for attribute in scanner.attributes where scanner.isLocal(attribute.name, local) {
            do { return try scanner.decode(attribute.value) } catch { throw failure(error) }
        }
        return nil
    }

    /// The value of an attribute with exactly this (prefixed) name, such as `r:id`.
    func attribute(named name: String) throws(InputError) -> String? {
        for attribute in scanner.attributes where scanner.string(attribute.name) == name {
            do { return try scanner.decode(attribute.value) } catch { throw failure(error) }
        }
        return nil
    }

    mutating func next() throws(InputError) -> XMLScanner.Event? {
        do { return try scanner.next() } catch { throw failure(error) }
    }

    func text(_ range: Range<Int>, cdata: Bool) throws(InputError) -> String {
        do { return try scanner.decode(range, cdata: cdata) } catch { throw failure(error) }
    }
}
