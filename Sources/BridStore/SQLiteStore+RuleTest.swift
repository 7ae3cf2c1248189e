import BridCore
import Foundation

extension SQLiteStore {
    /// Evaluates one rule against the stored history without firing anything (see
    /// `StoreQueries.testRule`). It reads the whole history of every target, so it uses a
    /// read connection of its own rather than one of the pool (which `status` and the other
    /// queries would wait for).
    public func testRule(_ rule: AlertRule, series filter: Glob?, at now: Date, limit: Int) throws -> RuleTestResult {
        let policy = alertPolicy
        let connection = try Connection(path: path, readOnly: true)
        return try connection.snapshot {
            try StoreQueries(connection).testRule(rule, series: filter, at: now, limit: limit, policy: policy)
        }
    }
}
