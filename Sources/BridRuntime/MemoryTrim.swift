/// glibc's malloc_trim (in <malloc.h>, which Swift's Glibc module leaves out).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32

/// Returns memory freed after a burst of work (a round of fetches, a large ingest) to the
/// system, so that an idle daemon's resident size is what it holds, not what it once used.
public enum MemoryTrim {
    public static func releaseFreedMemory() {
        _ = mallocTrim(0)
    }
}
