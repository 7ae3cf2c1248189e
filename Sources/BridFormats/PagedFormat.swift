import Foundation

/// A format whose responses may come in pages (an API that returns `page=1` of `N`): the
/// first page says how many there are, and the fetcher gets the rest and joins them into
/// one payload, so a multi-page response is one release. The daemon asks the format, and
/// names none.
public protocol PagedFormat: PayloadFormat {
    /// The page number and page count a response announces, or nil when it is not a data
    /// page (e.g. an error message). When `page == 1` and `pages > 1`, pages `2…pages` follow.
    static func pageCount(_ bytes: UnsafeBufferPointer<UInt8>) -> (page: Int, pages: Int)?
    /// The URL of page `page` of the response at `url`.
    static func url(_ url: String, page: Int) -> String
    /// What goes between two pages in the one payload.
    static var pageSeparator: [UInt8] { get }
}

extension PagedFormat {
    /// A line feed: the pages' bytes joined as `combinePages` joins them.
    public static var pageSeparator: [UInt8] { [0x0A] }
}

extension Formats {
    /// The paging of a format name, or nil when its responses are one page each.
    public static func paging(format: String) -> (any PagedFormat.Type)? {
        all.first(where: { $0.name == format }) as? any PagedFormat.Type
    }

    /// The URL with one query parameter set (added or replaced).
    public static func url(_ url: String, settingQuery name: String, to value: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = components.queryItems ?? []
        items.removeAll { $0.name == name }
        items.append(URLQueryItem(name: name, value: value))
        components.queryItems = items
        return components.string ?? url
    }
}
