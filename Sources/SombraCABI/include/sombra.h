/*
 * sombra.h - the C ABI of Sombra, an embedded property-graph database (libsombra).
 *
 * Conventions (read these once; every function follows them):
 *
 *  1. Status codes. Every function returns an int status: SOMBRA_OK (0) on success, otherwise one of the
 *     SOMBRA_* codes below. Codes 1..9 are ABI codes (misuse, memory, iterator end, ...); codes >= 10 are
 *     the engine's error codes (SombraError.code). Results are written through out-parameters, and only
 *     on success. sombra_errmsg() gives the message of the last failing call on the calling thread.
 *  2. Handles. sombra_db, sombra_txn, sombra_iter and sombra_value are 64-bit tokens, never pointers.
 *     0 is never a valid handle. A null (0), stale (closed, committed, freed), foreign or wrong-kind
 *     handle makes a call fail with SOMBRA_MISUSE; it never crashes the process.
 *  3. Strings are UTF-8 with an explicit byte length (const char *s, size_t len); they need not be
 *     NUL-terminated. Invalid UTF-8 fails with SOMBRA_INVALID_UTF8. A NULL pointer with length 0 is the
 *     empty string; a NULL pointer with a non-zero length is SOMBRA_MISUSE. Lengths are bounded before
 *     anything is read or allocated (SOMBRA_MAX_* below); a larger length fails with
 *     SOMBRA_KEY_TOO_LARGE (names, paths) or SOMBRA_VALUE_TOO_LARGE (values, JSON text).
 *  4. Ownership. The caller owns every handle and buffer a function returns through an out-parameter,
 *     and releases it with exactly one call:
 *        sombra_db     -> sombra_close          sombra_txn   -> sombra_commit or sombra_rollback
 *        sombra_iter   -> sombra_iter_free      sombra_value -> sombra_value_free
 *        char * (out)  -> sombra_free_string
 *     Pointers returned as `const char **` / `const uint8_t **` are BORROWED: the library owns them; they
 *     stay valid for as long as the text says (usually: until the value or iterator is freed) and must not
 *     be freed. Input handles are never consumed: a value passed to sombra_create_node, list_append, ...
 *     is copied, and the caller still frees it.
 *  5. Threads. A sombra_db may be used from any number of threads at once. A transaction and its
 *     iterators are used by one thread at a time (calls on the same transaction from several threads are
 *     serialized by a lock, never corrupted, but interleave unpredictably). There is one write transaction
 *     per database: sombra_begin_write blocks while another thread holds it, and fails with SOMBRA_BUSY if
 *     the calling thread already holds it. Read transactions never block and never block the writer.
 *     A value handle may be shared between threads (each call locks it).
 *  6. Transactions end with sombra_commit or sombra_rollback; either call releases the handle, even when
 *     it fails. Iterators of an ended transaction fail with SOMBRA_TRANSACTION_ENDED and must still be
 *     freed. sombra_close rolls back the database's open transactions and releases the handle, even when
 *     it reports an error.
 *
 * See Docs/CABI.md for the build and link commands and complete examples in C and Python.
 */
#ifndef SOMBRA_H
#define SOMBRA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOMBRA_ABI_VERSION 1

/* ---- Handles (64-bit tokens; 0 is never valid) ---------------------------------------------------- */
typedef uint64_t sombra_db;
typedef uint64_t sombra_txn;
typedef uint64_t sombra_iter;
typedef uint64_t sombra_value;

/* ---- Status codes ---------------------------------------------------------------------------------- */
/* ABI codes */
#define SOMBRA_OK                    0   /* success */
#define SOMBRA_MISUSE                1   /* null/stale/foreign/wrong-kind handle, NULL out-pointer, bad flag */
#define SOMBRA_NOMEM                 2   /* an allocation failed */
#define SOMBRA_DONE                  3   /* an iterator has no more items (not an error) */
#define SOMBRA_INVALID_UTF8          4   /* a string argument is not valid UTF-8 */
#define SOMBRA_WRONG_KIND            5   /* a value is not of the kind the call needs */
#define SOMBRA_RANGE                 6   /* an index is out of range */
#define SOMBRA_JSON                  7   /* JSON text is malformed */
#define SOMBRA_LIMIT                 8   /* too many live handles of one kind (2^24 - 1) */
#define SOMBRA_INTERNAL              9   /* an unexpected internal error (a bug: please report) */
/* Engine codes (SombraError.code) */
#define SOMBRA_NOT_A_DATABASE        10
#define SOMBRA_UNSUPPORTED_VERSION   11
#define SOMBRA_INVALID_PAGE_SIZE     12
#define SOMBRA_CORRUPT_HEADER        13
#define SOMBRA_CORRUPT_PAGE          14
#define SOMBRA_CORRUPT_WAL           15
#define SOMBRA_IO                    20
#define SOMBRA_DISK_FULL             21
#define SOMBRA_LOCKED                22  /* another handle or process has the database open for writing */
#define SOMBRA_FILE_NOT_FOUND        23
#define SOMBRA_POISONED              30  /* an earlier sync/commit failure: reopen to recover */
#define SOMBRA_READ_ONLY             31
#define SOMBRA_CLOSED                32
#define SOMBRA_TRANSACTION_ENDED     33
#define SOMBRA_WRITE_IN_READ_TXN     34
#define SOMBRA_CACHE_EXHAUSTED       35
#define SOMBRA_BUSY                  36
#define SOMBRA_KEY_TOO_LARGE         40
#define SOMBRA_VALUE_TOO_LARGE       41
#define SOMBRA_INVALID_ARGUMENT      42
#define SOMBRA_NODE_NOT_FOUND        43
#define SOMBRA_EDGE_NOT_FOUND        44
#define SOMBRA_INDEX_EXISTS          45
#define SOMBRA_INDEX_NOT_FOUND       46

/* ---- Limits on input lengths (checked before reading or allocating) -------------------------------- */
#define SOMBRA_MAX_PATH_BYTES        4096u
#define SOMBRA_MAX_NAME_BYTES        1024u            /* labels, edge types, property keys */
#define SOMBRA_MAX_VALUE_BYTES       (16u << 20)      /* one string or bytes value */
#define SOMBRA_MAX_JSON_BYTES        (64u << 20)      /* JSON text given to sombra_value_from_json */
#define SOMBRA_MAX_JSON_ITEMS        (1u << 22)       /* values (scalars, lists, maps) in one JSON text */
#define SOMBRA_MAX_NAME_COUNT        4096u            /* labels or types in one call */
#define SOMBRA_MAX_NESTING           32               /* list/map nesting depth of a value */
#define SOMBRA_DEPTH_UNLIMITED       INT64_MAX        /* a max_depth with no limit (traversals) */

/* ---- Enumerations ---------------------------------------------------------------------------------- */
enum { SOMBRA_OUTGOING = 0, SOMBRA_INCOMING = 1, SOMBRA_BOTH = 2 };                   /* direction */
enum { SOMBRA_SYNC_FULL = 0, SOMBRA_SYNC_NORMAL = 1, SOMBRA_SYNC_GROUP_COMMIT = 2, SOMBRA_SYNC_OFF = 3 };
enum {                                                                                  /* value kinds */
    SOMBRA_KIND_NULL = 0, SOMBRA_KIND_BOOL = 1, SOMBRA_KIND_INT = 2, SOMBRA_KIND_DOUBLE = 3,
    SOMBRA_KIND_STRING = 4, SOMBRA_KIND_BYTES = 5, SOMBRA_KIND_LIST = 6, SOMBRA_KIND_MAP = 7
};
#define SOMBRA_OPEN_READ_ONLY  1u   /* open without writing; the file must exist */
#define SOMBRA_OPEN_NO_CREATE  2u   /* fail with SOMBRA_FILE_NOT_FOUND instead of creating the file */

/* ---- General ----------------------------------------------------------------------------------------- */

/* The library version, e.g. "0.1.0 (abi 1, format 2)" (format = the file format version). Borrowed text
 * (NUL-terminated) valid for the life of the process. */
int sombra_version(const char **out_text, size_t *out_len);

/* The message of the last failing call on this thread ("" if none). Borrowed: valid until the next
 * failing call on this thread. Successful calls leave it unchanged. */
int sombra_errmsg(const char **out_msg, size_t *out_len);

/* A short static name for a status code, e.g. "SOMBRA_NODE_NOT_FOUND"; unknown codes give
 * "SOMBRA_UNKNOWN". Borrowed static text. */
int sombra_status_name(int status, const char **out_name);

/* Frees a string returned through a `char **` out-parameter. Freeing NULL is a no-op returning
 * SOMBRA_OK; a pointer the library did not return (or already freed) gives SOMBRA_MISUSE. */
int sombra_free_string(char *s);

/* ---- Database ---------------------------------------------------------------------------------------- */

/* Open options. Initialise with sombra_options_init, then change fields. All fields are 64-bit, so the
 * layout is six uint64_t values with no padding. */
typedef struct sombra_options {
    uint64_t struct_size;                 /* sizeof(sombra_options); set by sombra_options_init */
    uint64_t page_size;                   /* new databases: a power of two, 4096..65536 (default 8192) */
    uint64_t cache_bytes;                 /* page cache budget (default 64 MiB) */
    uint64_t checkpoint_threshold_bytes;  /* log bytes that trigger a checkpoint (default 16 MiB) */
    uint64_t sync_mode;                   /* SOMBRA_SYNC_* (default SOMBRA_SYNC_FULL) */
    uint64_t flags;                       /* SOMBRA_OPEN_* bits (default 0: read-write, create) */
} sombra_options;

int sombra_options_init(sombra_options *options);

/* Opens (or creates) the database at `path`. `options` may be NULL for the defaults. */
int sombra_open(const char *path, size_t path_len, const sombra_options *options, sombra_db *out_db);

/* Rolls back the database's open transactions, checkpoints, removes the log and closes the file. The
 * handle is released even when an error is reported. */
int sombra_close(sombra_db db);

/* Copies the log into the database file now (waits for the current writer). Out-params may be NULL. */
int sombra_checkpoint(sombra_db db, uint64_t *out_frames_backfilled, uint64_t *out_pages_written);

/* Storage statistics as a new map value with int entries: page_size, page_count, free_page_count,
 * wal_frames, wal_backfilled_frames, wal_generation, active_readers, checkpoints, wal_restarts,
 * last_tx_id, cache_hits, cache_misses, cache_evictions, cache_pages, cache_bytes, cache_bytes_max,
 * read_only (bool) and poisoned (null or a string). Free with sombra_value_free. */
int sombra_stats(sombra_db db, sombra_value *out_map);

/* ---- Transactions ------------------------------------------------------------------------------------ */

/* A read transaction: one committed snapshot for its whole life. */
int sombra_begin_read(sombra_db db, sombra_txn *out_txn);
/* The write transaction (one per database; blocks while another thread holds it). */
int sombra_begin_write(sombra_db db, sombra_txn *out_txn);

/* Commits a write transaction and releases the handle; *out_commit_id (may be NULL) receives the commit
 * id, which equals the snapshot id of read transactions that see this commit. On a read transaction:
 * ends it and gives its snapshot id. The handle is released even on failure (the transaction is then
 * rolled back). */
int sombra_commit(sombra_txn txn, uint64_t *out_commit_id);
/* Rolls back a write transaction or ends a read transaction, and releases the handle. */
int sombra_rollback(sombra_txn txn);

/* The commit id of the snapshot the transaction reads (a writer: the snapshot it started from). */
int sombra_txn_snapshot_id(sombra_txn txn, uint64_t *out_snapshot_id);
/* *out_is_write = 1 for the write transaction, 0 for a read transaction. */
int sombra_txn_is_write(sombra_txn txn, int *out_is_write);

/* ---- Nodes ------------------------------------------------------------------------------------------- */
/* Mutations need a write transaction; on a read transaction they fail with SOMBRA_WRITE_IN_READ_TXN.
 * A mutation that fails because of the caller's input leaves the transaction unchanged and usable; an
 * I/O or corruption failure rolls it back (later calls give SOMBRA_TRANSACTION_ENDED). */

/* Creates a node with `label_count` labels (labels[i] of label_lens[i] bytes; both arrays may be NULL
 * when label_count is 0) and the entries of `properties` (a map value, or 0 for none). */
int sombra_create_node(sombra_txn txn, const char *const *labels, const size_t *label_lens, size_t label_count,
                       sombra_value properties, uint64_t *out_node);
/* Deletes a node and every edge attached to it. SOMBRA_NODE_NOT_FOUND if it does not exist. */
int sombra_delete_node(sombra_txn txn, uint64_t node);
/* The node's labels (a new list of strings, sorted) and properties (a new map). Either out-param may be
 * NULL. SOMBRA_NODE_NOT_FOUND if it does not exist. */
int sombra_get_node(sombra_txn txn, uint64_t node, sombra_value *out_labels, sombra_value *out_properties);
int sombra_node_exists(sombra_txn txn, uint64_t node, int *out_exists);
int sombra_add_label(sombra_txn txn, uint64_t node, const char *label, size_t label_len);
/* *out_removed (may be NULL) = 1 if the node had the label. */
int sombra_remove_label(sombra_txn txn, uint64_t node, const char *label, size_t label_len, int *out_removed);
int sombra_set_node_property(sombra_txn txn, uint64_t node, const char *key, size_t key_len, sombra_value value);
/* *out_value = a new value, or 0 when the node has no such property (SOMBRA_NODE_NOT_FOUND when the node
 * itself does not exist). */
int sombra_get_node_property(sombra_txn txn, uint64_t node, const char *key, size_t key_len, sombra_value *out_value);
/* *out_removed (may be NULL) = 1 if the property was set. */
int sombra_remove_node_property(sombra_txn txn, uint64_t node, const char *key, size_t key_len, int *out_removed);

/* ---- Edges ------------------------------------------------------------------------------------------- */

/* Creates an edge source -> target of type `type` (both nodes must exist; parallel edges and self-loops
 * are allowed). `properties` is a map value or 0. */
int sombra_create_edge(sombra_txn txn, uint64_t source, uint64_t target, const char *type, size_t type_len,
                       sombra_value properties, uint64_t *out_edge);
int sombra_delete_edge(sombra_txn txn, uint64_t edge);
/* Endpoints, type (a new string: free with sombra_free_string) and properties (a new map). Every
 * out-param may be NULL. SOMBRA_EDGE_NOT_FOUND if it does not exist. */
int sombra_get_edge(sombra_txn txn, uint64_t edge, uint64_t *out_source, uint64_t *out_target,
                    char **out_type, size_t *out_type_len, sombra_value *out_properties);
int sombra_edge_exists(sombra_txn txn, uint64_t edge, int *out_exists);
int sombra_set_edge_property(sombra_txn txn, uint64_t edge, const char *key, size_t key_len, sombra_value value);
int sombra_get_edge_property(sombra_txn txn, uint64_t edge, const char *key, size_t key_len, sombra_value *out_value);
int sombra_remove_edge_property(sombra_txn txn, uint64_t edge, const char *key, size_t key_len, int *out_removed);

/* ---- Property indexes -------------------------------------------------------------------------------- */

/* Declares an index on (label, key) and builds it over existing nodes (write transaction). */
int sombra_create_index(sombra_txn txn, const char *label, size_t label_len, const char *key, size_t key_len);
int sombra_drop_index(sombra_txn txn, const char *label, size_t label_len, const char *key, size_t key_len);
int sombra_has_index(sombra_txn txn, const char *label, size_t label_len, const char *key, size_t key_len,
                     int *out_exists);
/* Every index as a new list of maps {"label": string, "key": string}. */
int sombra_list_indexes(sombra_txn txn, sombra_value *out_list);

/* ---- Queries ----------------------------------------------------------------------------------------- */
/* Queries that can return many results give an iterator (free it with sombra_iter_free). Node
 * iterators yield node ids (sombra_iter_next_node); edge iterators yield edges (sombra_iter_next_edge).
 * sombra_iter_next_batch works on both and yields ids. Type filters: `types == NULL` (with type_count 0)
 * means every type; otherwise only edges whose type is one of types[0..type_count) (type_count 0 matches
 * nothing). A NULL `types` with a non-zero count is SOMBRA_MISUSE. */

/* Every node in id order. */
int sombra_query_all_nodes(sombra_txn txn, sombra_iter *out_iter);
/* The first / last `n` nodes in id order (last: newest first). */
int sombra_query_first_nodes(sombra_txn txn, size_t n, sombra_iter *out_iter);
int sombra_query_last_nodes(sombra_txn txn, size_t n, sombra_iter *out_iter);
/* Nodes carrying `label`, in id order. */
int sombra_query_nodes_by_label(sombra_txn txn, const char *label, size_t label_len, sombra_iter *out_iter);
/* Nodes with `label` whose property `key` equals `value` (a scalar value; through an index if declared). */
int sombra_query_nodes_by_property(sombra_txn txn, const char *label, size_t label_len, const char *key,
                                   size_t key_len, sombra_value value, sombra_iter *out_iter);
/* Nodes with `label` whose property `key` lies between `lower` and `upper` in Sombra's total order of
 * values (0 for an open end; the *_inclusive flags are 0 or 1). In value order when indexed. */
int sombra_query_nodes_by_range(sombra_txn txn, const char *label, size_t label_len, const char *key,
                                size_t key_len, sombra_value lower, int lower_inclusive, sombra_value upper,
                                int upper_inclusive, sombra_iter *out_iter);
/* Every edge in id order (an edge iterator). */
int sombra_query_all_edges(sombra_txn txn, sombra_iter *out_iter);
/* Edges of `node` in `direction` (SOMBRA_OUTGOING/INCOMING/BOTH; a self-loop once for BOTH). */
int sombra_query_edges(sombra_txn txn, uint64_t node, int direction, const char *const *types,
                       const size_t *type_lens, size_t type_count, sombra_iter *out_iter);
/* Distinct neighbours of `node` (a node iterator), in the order their edges are found. */
int sombra_query_neighbors(sombra_txn txn, uint64_t node, int direction, const char *const *types,
                           const size_t *type_lens, size_t type_count, sombra_iter *out_iter);
/* The number of edges of `node` in `direction` (a self-loop counts once for BOTH). */
int sombra_degree(sombra_txn txn, uint64_t node, int direction, const char *const *types,
                  const size_t *type_lens, size_t type_count, uint64_t *out_degree);

/* ---- Traversals -------------------------------------------------------------------------------------- */
/* Traversals run once, when called, and return a node iterator over their result (free it with
 * sombra_iter_free). Direction and type filters are as for sombra_query_neighbors: SOMBRA_OUTGOING follows
 * edges forwards, SOMBRA_INCOMING backwards, SOMBRA_BOTH either way. Depths and k count edges (hops); a
 * negative one is SOMBRA_INVALID_ARGUMENT; SOMBRA_DEPTH_UNLIMITED means no limit. A start node that does
 * not exist is SOMBRA_NODE_NOT_FOUND. Work and memory are bounded by what is reachable within the depth. */

/* Breadth-first search: the nodes reachable from `start` within `max_depth` hops, each once, in BFS order
 * (`start` first at depth 0; every node at depth d before any at d + 1). After each
 * sombra_iter_next_node, sombra_iter_depth gives the depth of the node just returned. */
int sombra_query_bfs(sombra_txn txn, uint64_t start, int direction, const char *const *types,
                     const size_t *type_lens, size_t type_count, int64_t max_depth, sombra_iter *out_iter);
/* The depth (hop distance from the start) of the node last returned by a sombra_query_bfs iterator (by
 * sombra_iter_next_node, or the last id of a sombra_iter_next_batch). SOMBRA_MISUSE on another kind of
 * iterator or before the first node; after SOMBRA_DONE it still gives the last node's depth. */
int sombra_iter_depth(sombra_iter iter, uint64_t *out_depth);
/* A shortest path (fewest edges) from `from` to `to`, as its nodes in order: `from` first, `to` last
 * (just `from` when from == to). When `to` is not reachable within `max_depth` hops the iterator is empty
 * (the first sombra_iter_next_node returns SOMBRA_DONE). Both nodes must exist. */
int sombra_query_shortest_path(sombra_txn txn, uint64_t from, uint64_t to, int direction, const char *const *types,
                               const size_t *type_lens, size_t type_count, int64_t max_depth, sombra_iter *out_iter);
/* The distinct nodes 1..k hops from `node` (the node itself excluded, even on a cycle), in ascending id
 * order. k = 0 gives an empty iterator. */
int sombra_query_k_hop(sombra_txn txn, uint64_t node, int64_t k, int direction, const char *const *types,
                       const size_t *type_lens, size_t type_count, sombra_iter *out_iter);
/* Hierarchies along one edge type (e.g. "PARENT_OF"): ancestors are the nodes from which `node` is
 * reached along edges of `type` (following incoming edges), descendants the nodes reached from it
 * (following outgoing edges); within `max_depth` hops, in BFS order, `node` itself excluded. */
int sombra_query_ancestors(sombra_txn txn, uint64_t node, const char *type, size_t type_len, int64_t max_depth,
                           sombra_iter *out_iter);
int sombra_query_descendants(sombra_txn txn, uint64_t node, const char *type, size_t type_len, int64_t max_depth,
                             sombra_iter *out_iter);
/* Nodes with no edge at all (a node whose only edge is a self-loop is not isolated), in id order. Lazy:
 * the node table is scanned as the iterator is stepped. */
int sombra_query_isolated_nodes(sombra_txn txn, sombra_iter *out_iter);

/* ---- Counts ------------------------------------------------------------------------------------------ */

int sombra_node_count(sombra_txn txn, uint64_t *out_count);
int sombra_edge_count(sombra_txn txn, uint64_t *out_count);
int sombra_count_label(sombra_txn txn, const char *label, size_t label_len, uint64_t *out_count);
int sombra_count_edge_type(sombra_txn txn, const char *type, size_t type_len, uint64_t *out_count);
/* Every label in use with its node count, as a new map {label: int}. */
int sombra_label_counts(sombra_txn txn, sombra_value *out_map);
/* Every edge type in use with its edge count, as a new map {type: int}. */
int sombra_edge_type_counts(sombra_txn txn, sombra_value *out_map);

/* ---- Iterators --------------------------------------------------------------------------------------- */

/* The next node id: SOMBRA_OK, or SOMBRA_DONE at the end. SOMBRA_MISUSE on an edge iterator. */
int sombra_iter_next_node(sombra_iter iter, uint64_t *out_node);
/* The next edge: SOMBRA_OK, or SOMBRA_DONE at the end. Every out-param may be NULL. *out_type is
 * borrowed: valid until the iterator is freed. SOMBRA_MISUSE on a node iterator. */
int sombra_iter_next_edge(sombra_iter iter, uint64_t *out_edge, uint64_t *out_source, uint64_t *out_target,
                          const char **out_type, size_t *out_type_len);
/* Up to `capacity` next ids (node or edge ids) into ids[]; *out_count receives how many. Returns
 * SOMBRA_OK when at least one id was written, SOMBRA_DONE (with *out_count = 0) when the iterator was
 * already exhausted. A capacity of 0 is SOMBRA_INVALID_ARGUMENT; one call yields at most 2^20 ids. */
int sombra_iter_next_batch(sombra_iter iter, uint64_t *ids, size_t capacity, size_t *out_count);
int sombra_iter_free(sombra_iter iter);

/* ---- Values ------------------------------------------------------------------------------------------ */
/* A sombra_value holds one property value: null, bool, int (64-bit), double, string (UTF-8), bytes,
 * list or map (string keys). Constructors return a new handle; free it with sombra_value_free. Lists and
 * maps are built by appending / setting copies of other values. */

int sombra_value_null(sombra_value *out);
int sombra_value_bool(int b, sombra_value *out);
int sombra_value_int(int64_t i, sombra_value *out);
int sombra_value_double(double d, sombra_value *out);
int sombra_value_string(const char *s, size_t len, sombra_value *out);
int sombra_value_bytes(const uint8_t *bytes, size_t len, sombra_value *out);
int sombra_value_list(sombra_value *out);   /* an empty list */
int sombra_value_map(sombra_value *out);    /* an empty map */

int sombra_value_kind(sombra_value v, int *out_kind);   /* SOMBRA_KIND_* */
/* Getters fail with SOMBRA_WRONG_KIND when the value is of another kind (no conversions). */
int sombra_value_get_bool(sombra_value v, int *out_b);
int sombra_value_get_int(sombra_value v, int64_t *out_i);
int sombra_value_get_double(sombra_value v, double *out_d);
/* Borrowed: valid until the value is freed. The text is NUL-terminated for convenience (it may contain
 * NUL bytes itself; use *out_len). */
int sombra_value_get_string(sombra_value v, const char **out_s, size_t *out_len);
int sombra_value_get_bytes(sombra_value v, const uint8_t **out_bytes, size_t *out_len);

int sombra_value_list_len(sombra_value list, size_t *out_len);
/* A new value: a copy of element `index` (SOMBRA_RANGE if index >= length). */
int sombra_value_list_get(sombra_value list, size_t index, sombra_value *out_item);
/* Appends a copy of `item` (SOMBRA_INVALID_ARGUMENT if nesting would exceed SOMBRA_MAX_NESTING). */
int sombra_value_list_append(sombra_value list, sombra_value item);

int sombra_value_map_len(sombra_value map, size_t *out_len);
/* *out_item = a new value (a copy), or 0 when the map has no such key. */
int sombra_value_map_get(sombra_value map, const char *key, size_t key_len, sombra_value *out_item);
/* Sets key to a copy of `item` (replacing any previous entry). */
int sombra_value_map_set(sombra_value map, const char *key, size_t key_len, sombra_value item);
/* Entry `index` in key order (by UTF-8 bytes): *out_key is borrowed (valid until the map is freed),
 * *out_item a new value (may be NULL to skip). SOMBRA_RANGE if index >= length. */
int sombra_value_map_entry(sombra_value map, size_t index, const char **out_key, size_t *out_key_len,
                           sombra_value *out_item);

/* JSON text of a value (a new string: free with sombra_free_string). Mapping: null, true/false, ints as
 * integers, doubles always with a '.' or an exponent (1.0, 2.5e-07), strings, lists as arrays, maps as
 * objects with keys in byte order; and special one-key objects: bytes as {"$bytes":"<base64>"}, NaN and
 * infinities as {"$double":"nan"|"inf"|"-inf"}, and a map whose only key starts with '$' as
 * {"$map":{...}}. sombra_value_from_json reads the same forms (an integer literal outside int64 becomes
 * a double; a repeated object key is an error). Round trip is exact except that every NaN reads back
 * as the one canonical NaN. */
int sombra_value_to_json(sombra_value v, char **out_json, size_t *out_len);
int sombra_value_from_json(const char *json, size_t len, sombra_value *out);

int sombra_value_free(sombra_value v);

#ifdef __cplusplus
}
#endif
#endif /* SOMBRA_H */
