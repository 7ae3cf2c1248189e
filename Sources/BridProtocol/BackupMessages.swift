#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `backup`: brid writes a consistent copy of its database to `path` while it keeps
/// ingesting. The daemon writes the file, as its own user and within its own sandbox
/// (under systemd, only below its writable folders, such as /var/lib/brid/backups).
/// Mutating: it creates a file with brid's rights.
public struct BackupRequest: ControlRequest {
    public typealias Response = BackupResponse
    public static let command = "backup"
    public static let access = Access.mutating
    /// Absolute path of the copy to write (brictl resolves a relative one against its
    /// working folder).
    public var path: String
    /// Replace an existing file at `path`; without it an existing file is a `conflict`.
    public var force: Bool

    public init(path: String, force: Bool = false) {
        self.path = path
        self.force = force
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        force = try c.decodeIfPresent(Bool.self, forKey: .force) ?? false
    }
}

/// The copy `backup` wrote.
public struct BackupResponse: Codable, Sendable, Equatable {
    public var path: String
    public var sizeBytes: Int64
    /// The newest release in the copy (absent when the store has none).
    public var lastReleaseID: Int64?
    /// How long the copy took.
    public var seconds: Double

    public init(path: String, sizeBytes: Int64, lastReleaseID: Int64?, seconds: Double) {
        self.path = path
        self.sizeBytes = sizeBytes
        self.lastReleaseID = lastReleaseID
        self.seconds = seconds
    }
}
