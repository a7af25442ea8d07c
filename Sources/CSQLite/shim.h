#ifndef CTAS_CSQLITE_SHIM_H
#define CTAS_CSQLITE_SHIM_H
#include <sqlite3.h>

/// SQLITE_TRANSIENT is a cast macro that does not import into Swift.
static inline sqlite3_destructor_type cs_transient(void) { return SQLITE_TRANSIENT; }
/// SQLITE_STATIC likewise.
static inline sqlite3_destructor_type cs_static(void) { return SQLITE_STATIC; }
/// Turns off SQLite's memory statistics, which take a process-wide mutex around every
/// allocation SQLite makes (sqlite3_config is variadic, so Swift cannot call it). Only
/// possible before SQLite initializes; returns SQLITE_MISUSE after.
static inline int cs_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
