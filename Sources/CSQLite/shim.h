// SQLite, linked only into the benchmark tool (never into the engine).
#include <sqlite3.h>
