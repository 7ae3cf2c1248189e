import Hummingbird

/// The FRED/ALFRED-compatible API under `/fred/` (README "The FRED-compatible API").
enum FREDRoutes {
    static func register(on router: HTTPRouter, reads: HTTPReads) {
    }
}
