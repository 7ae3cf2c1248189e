#include <zlib.h>

// inflateInit2 is a macro, which Swift cannot call: functions around it.
static inline int czlib_inflate_init_gzip(z_stream *stream) {
    // 15 window bits + 16: a gzip wrapper only (its header and CRC-32 are checked).
    return inflateInit2(stream, 15 + 16);
}

static inline int czlib_inflate_init_raw(z_stream *stream) {
    // -15 window bits: raw deflate data, no wrapper (a zip member; the archive holds its CRC-32).
    return inflateInit2(stream, -15);
}
