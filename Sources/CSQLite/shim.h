#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro Swift cannot import: ask SQLite to copy bound bytes.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_config is variadic, which Swift cannot call. Before SQLite starts: no global
// memory statistics (each allocation would take a process-wide mutex for them; brid
// never reads them). Returns SQLITE_MISUSE once SQLite has started.
static inline int csqlite_disable_memory_statistics(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
