import BridFuzzing
import Foundation
import Testing

/// Every input `make fuzz` once broke a reader with, replayed through the same fuzz target
/// (FuzzRegressions/TARGET/…): a crash would take the test process down with it.
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzRegressions")

    static var inputs: [(target: FuzzTarget, file: String)] {
        FuzzTarget.allCases.flatMap { target in
            let dir = folder.appendingPathComponent(target.rawValue).path
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
            return files.sorted().map { (target, dir + "/" + $0) }
        }
    }

    @Test func everyKeptInputRunsThroughItsTarget() throws {
        let inputs = Self.inputs
        for (target, file) in inputs {
            target.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
        }
        // The targets themselves stay runnable on empty and on fixture-like input.
        for target in FuzzTarget.allCases {
            target.run([])
            target.run(Array("a,b\n\u{FEFF}[{\"x\":1}]<a>".utf8))
        }
    }
}
