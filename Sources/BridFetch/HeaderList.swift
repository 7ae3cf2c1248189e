import CCurl

/// A `curl_slist` of request header lines, freed with its owner.
final class HeaderList {
    private(set) var pointer: UnsafeMutablePointer<curl_slist>?

    /// curl copies each line into the list.
    init(_ lines: [String]) {
        for line in lines {
            pointer = curl_slist_append(pointer, line)
        }
    }

    deinit { curl_slist_free_all(pointer) }
}
