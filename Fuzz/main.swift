import BridFuzzing
import Foundation

// libFuzzer's driver (`make fuzz`), run from this executable's own main: SwiftPM links an
// executable's entry point itself, so libFuzzer's `main` is not used and its driver is
// called directly. The target is named by BRID_FUZZ_TARGET (csv, json, xml, toml, xls, zip, xlsx, table).

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["BRID_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("set BRID_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
}()

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    target.run(UnsafeBufferPointer(start: data, count: size))
    return 0
})
