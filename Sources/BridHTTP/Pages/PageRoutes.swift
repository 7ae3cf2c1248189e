import Hummingbird

/// The pages: `/`, `/series/{key}`, `/releases/{id}` (README "The pages").
enum PageRoutes {
    static func register(on router: HTTPRouter, reads: HTTPReads) {
    }
}
