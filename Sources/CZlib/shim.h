#ifndef CTAS_CZLIB_SHIM_H
#define CTAS_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro; Swift calls this instead. windowBits 15 + 32: zlib or gzip
/// headers, detected (CTAS reads gzip files).
static inline int cz_inflate_init_gzip(z_stream *stream) {
    return inflateInit2(stream, 15 + 32);
}
#endif
