import BridCore

/// What a reload changes between two configurations, source by source: a pure value the
/// daemon, its schedule and its drop intake follow.
public struct ConfigChange: Sendable, Equatable {
    /// Sources in the new config only, in its order.
    public let added: [String]
    /// Sources in the old config only.
    public let removed: [String]
    /// Sources in both whose settings differ.
    public let changed: [String]
    /// Changed sources read anew: where or how they are read changed (location, format,
    /// series template, format options), so what they remember of their last payload
    /// (HTTP validators, SHA-256) belongs to the old settings and is forgotten.
    public let rereads: [String]
    /// The folders of added or changed drop sources, to scan at once.
    public let dropFoldersToScan: [String]

    public init(from old: BridConfig, to new: BridConfig) {
        var added: [String] = [], changed: [String] = []
        for source in new.sources {
            guard let previous = old.source(id: source.id) else { added.append(source.id); continue }
            if previous != source { changed.append(source.id) }
        }
        self.added = added
        self.changed = changed
        removed = old.sources.map(\.id).filter { new.source(id: $0) == nil }
        rereads = changed.filter { id in
            guard let before = old.source(id: id), let after = new.source(id: id) else { return false }
            return before.location != after.location || before.format != after.format
                || before.seriesTemplate != after.seriesTemplate || before.formatOptions != after.formatOptions
        }
        dropFoldersToScan = (added + changed).compactMap { id in
            if let source = new.source(id: id), case let .drop(path) = source.location { return path }
            return nil
        }
    }
}
