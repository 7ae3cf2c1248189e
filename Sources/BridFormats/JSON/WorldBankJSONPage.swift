import BridCore
import Foundation

extension WorldBankJSON {
    /// One `[paging, rows]` page.
    struct Page {
        let page: Int
        let pages: Int
        let total: Int?
        let lastUpdated: Date?
        /// The rows array; nil when the page has none (`null`).
        let rows: JSONDocument.Value?

        init(_ doc: JSONDocument, _ root: JSONDocument.Value, index: Int, of count: Int, origin: String) throws(InputError) {
            let which = count > 1 ? "document \(index + 1) of \(count)" : "the response"
            func fail(_ v: JSONDocument.Value?, _ reason: String) -> InputError {
                let path = v.map { doc.pointer(to: $0) } ?? ""
                return InputError(origin: origin, place: path.isEmpty ? nil : .pointer(path + (count > 1 ? " of document \(index + 1)" : "")), reason: reason)
            }
            guard doc.kind(root) == .array, let paging = doc.element(root, 0), doc.kind(paging) == .object else {
                throw fail(nil, "\(which) is not a World Bank API v2 page: expected [paging, rows]")
            }
            if let message = doc.member(paging, "message") {
                throw fail(nil, "the World Bank API returned an error: \(Excerpt(WorldBankJSON.messageText(doc, message)))")
            }
            guard let pageValue = doc.member(paging, "page"), let page = WorldBankJSON.integer(doc, pageValue),
                  let pagesValue = doc.member(paging, "pages"), let pages = WorldBankJSON.integer(doc, pagesValue) else {
                throw fail(paging, "the paging object has no page and pages numbers")
            }
            self.page = page
            self.pages = pages
            total = doc.member(paging, "total").flatMap { WorldBankJSON.integer(doc, $0) }
            if let updated = doc.member(paging, "lastupdated"), doc.kind(updated) != .null {
                lastUpdated = try JSONInput.timestamp(doc, updated, origin: origin, what: "lastupdated")
            } else {
                lastUpdated = nil
            }
            let rows = doc.element(root, 1)
            switch rows.map({ doc.kind($0) }) {
            case nil, .null?: self.rows = nil
            case .array?: self.rows = rows
            case let kind?: throw fail(rows, "expected the array of rows after the paging object, found \(kind.description)")
            }
        }
    }
}
