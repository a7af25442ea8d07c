#ifndef CTAS_CSQLITE_SHIM_H
#define CTAS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro that does not import into Swift.
static inline sqlite3_destructor_type cs_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC likewise.
static inline sqlite3_destructor_type cs_static(void) { return SQLITE_STATIC; }
#endif
