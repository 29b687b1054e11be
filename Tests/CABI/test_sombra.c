/*
 * test_sombra.c - exercises every function of sombra.h, the success paths and the error paths (null,
 * stale, foreign and wrong-kind handles, invalid UTF-8, oversized lengths, writes through a read
 * transaction, use after commit/close), plus a few threads sharing one database.
 *
 *   gcc -std=c11 -Wall -Wextra -pthread -I Sources/SombraCABI/include Tests/CABI/test_sombra.c \
 *       -L .build/debug -lsombra -Wl,-rpath,$PWD/.build/debug -o /tmp/test_sombra
 *   /tmp/test_sombra [work-dir]          # prints "cabi-c: calls: N failures: 0", exit 0 on success
 *   /tmp/test_sombra --bench [work-dir] [--nodes N] [--calls M]   # prints "abi-get-node-ns: X ..."
 *
 * Every checked call goes through CHECK, which counts it, records the function's name, and compares
 * the status with the expected one. At the end every function declared in sombra.h must have been
 * called at least once (the list below is checked against the header by the Swift test).
 */
#define _POSIX_C_SOURCE 200809L
#include "sombra.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long calls = 0;
static long failures = 0;

/* ---- coverage: every function of sombra.h --------------------------------------------------------- */
static const char *all_functions[] = {
    "sombra_version", "sombra_errmsg", "sombra_status_name", "sombra_free_string", "sombra_options_init",
    "sombra_open", "sombra_close", "sombra_checkpoint", "sombra_stats", "sombra_begin_read",
    "sombra_begin_write", "sombra_commit", "sombra_rollback", "sombra_txn_snapshot_id", "sombra_txn_is_write",
    "sombra_create_node", "sombra_delete_node", "sombra_get_node", "sombra_node_exists", "sombra_add_label",
    "sombra_remove_label", "sombra_set_node_property", "sombra_get_node_property",
    "sombra_remove_node_property", "sombra_create_edge", "sombra_delete_edge", "sombra_get_edge",
    "sombra_edge_exists", "sombra_set_edge_property", "sombra_get_edge_property",
    "sombra_remove_edge_property", "sombra_create_index", "sombra_drop_index", "sombra_has_index",
    "sombra_list_indexes", "sombra_query_all_nodes", "sombra_query_first_nodes", "sombra_query_last_nodes",
    "sombra_query_nodes_by_label", "sombra_query_nodes_by_property", "sombra_query_nodes_by_range",
    "sombra_query_all_edges", "sombra_query_edges", "sombra_query_neighbors", "sombra_degree",
    "sombra_node_count", "sombra_edge_count", "sombra_count_label", "sombra_count_edge_type",
    "sombra_label_counts", "sombra_edge_type_counts", "sombra_iter_next_node", "sombra_iter_next_edge",
    "sombra_iter_next_batch", "sombra_iter_free", "sombra_query_bfs", "sombra_iter_depth",
    "sombra_query_shortest_path", "sombra_query_k_hop", "sombra_query_ancestors", "sombra_query_descendants",
    "sombra_query_isolated_nodes", "sombra_value_null", "sombra_value_bool", "sombra_value_int",
    "sombra_value_double", "sombra_value_string", "sombra_value_bytes", "sombra_value_list", "sombra_value_map",
    "sombra_value_kind", "sombra_value_get_bool", "sombra_value_get_int", "sombra_value_get_double",
    "sombra_value_get_string", "sombra_value_get_bytes", "sombra_value_list_len", "sombra_value_list_get",
    "sombra_value_list_append", "sombra_value_map_len", "sombra_value_map_get", "sombra_value_map_set",
    "sombra_value_map_entry", "sombra_value_to_json", "sombra_value_from_json", "sombra_value_free",
};
#define FUNCTION_COUNT (sizeof all_functions / sizeof all_functions[0])
static int seen[FUNCTION_COUNT];
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void record(const char *expr) {
    for (size_t i = 0; i < FUNCTION_COUNT; i++) {
        size_t n = strlen(all_functions[i]);
        if (strncmp(expr, all_functions[i], n) == 0 && expr[n] == '(') seen[i] = 1;
    }
}

static const char *last_message(void) {
    const char *m = NULL;
    size_t n = 0;
    if (sombra_errmsg(&m, &n) != SOMBRA_OK || m == NULL) return "(no message)";
    return m;
}

static int check_rc(int rc, int want, const char *expr, int line) {
    pthread_mutex_lock(&count_lock);
    calls++;
    record(expr);
    if (rc != want) {
        failures++;
        const char *got = NULL, *wanted = NULL;
        sombra_status_name(rc, &got);
        sombra_status_name(want, &wanted);
        fprintf(stderr, "FAIL line %d: %s -> %d %s, wanted %d %s (%s)\n", line, expr, rc, got, want, wanted,
                rc != SOMBRA_OK ? last_message() : "");
    }
    pthread_mutex_unlock(&count_lock);
    return rc;
}

#define CHECK(expr, want) check_rc((expr), (want), #expr, __LINE__)
#define OK(expr) CHECK(expr, SOMBRA_OK)
#define EXPECT(cond)                                                                       \
    do {                                                                                   \
        int holds_ = (cond);                                                               \
        pthread_mutex_lock(&count_lock);                                                   \
        if (!holds_) {                                                                     \
            failures++;                                                                    \
            fprintf(stderr, "FAIL line %d: expected %s\n", __LINE__, #cond);               \
        }                                                                                  \
        pthread_mutex_unlock(&count_lock);                                                 \
    } while (0)

#define S(lit) lit, (sizeof(lit) - 1) /* a string literal as (pointer, length) */

static char work_dir[1024];
static char db_path[1200];

/* ---- helpers ---------------------------------------------------------------------------------------- */

static sombra_value json(const char *text) {
    sombra_value v = 0;
    OK(sombra_value_from_json(text, strlen(text), &v));
    return v;
}

/* Compares a value's JSON text with `want`. */
static void expect_json(sombra_value v, const char *want, int line) {
    char *text = NULL;
    size_t n = 0;
    if (check_rc(sombra_value_to_json(v, &text, &n), SOMBRA_OK, "sombra_value_to_json(v)", line) != SOMBRA_OK) return;
    if (n != strlen(want) || memcmp(text, want, n) != 0) {
        failures++;
        fprintf(stderr, "FAIL line %d: JSON %.*s, wanted %s\n", line, (int)n, text, want);
    }
    check_rc(sombra_free_string(text), SOMBRA_OK, "sombra_free_string(text)", line);
}
#define EXPECT_JSON(v, want) expect_json((v), (want), __LINE__)

/* Drains a node iterator into ids[] (at most cap); returns the count; frees the iterator. */
static size_t drain_nodes(sombra_iter it, uint64_t *ids, size_t cap) {
    size_t n = 0;
    uint64_t id;
    int rc;
    while ((rc = sombra_iter_next_node(it, &id)) == SOMBRA_OK) {
        if (n < cap) ids[n] = id;
        n++;
    }
    CHECK(rc, SOMBRA_DONE);
    OK(sombra_iter_free(it));
    return n;
}

static void fresh_path(const char *name) {
    snprintf(db_path, sizeof db_path, "%s/%s", work_dir, name);
    char wal[1300];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    unlink(db_path);
    unlink(wal);
}

static int open_db(sombra_db *db, uint64_t flags) {
    sombra_options o;
    OK(sombra_options_init(&o));
    o.page_size = 4096;
    o.sync_mode = SOMBRA_SYNC_OFF;
    o.flags = flags;
    return sombra_open(db_path, strlen(db_path), &o, db);
}

/* ---- general ---------------------------------------------------------------------------------------- */

static void test_general(void) {
    const char *text = NULL;
    size_t n = 0;
    OK(sombra_version(&text, &n));
    EXPECT(text != NULL && n == strlen(text) && strstr(text, "abi 1") != NULL);
    CHECK(sombra_version(NULL, &n), SOMBRA_MISUSE);

    const char *name = NULL;
    OK(sombra_status_name(SOMBRA_NODE_NOT_FOUND, &name));
    EXPECT(strcmp(name, "SOMBRA_NODE_NOT_FOUND") == 0);
    OK(sombra_status_name(12345, &name));
    EXPECT(strcmp(name, "SOMBRA_UNKNOWN") == 0);
    CHECK(sombra_status_name(0, NULL), SOMBRA_MISUSE);

    /* errmsg holds the last failure of this thread */
    OK(sombra_errmsg(&text, &n));
    EXPECT(strstr(text, "status_name") == NULL && strstr(text, "out_name") != NULL);
    CHECK(sombra_errmsg(NULL, NULL), SOMBRA_MISUSE);

    OK(sombra_free_string(NULL));
    char foreign[8] = "abc";
    CHECK(sombra_free_string(foreign), SOMBRA_MISUSE);
}

/* ---- open / options / close ------------------------------------------------------------------------- */

static void test_open_errors(void) {
    sombra_options o;
    sombra_db db = 0;
    CHECK(sombra_options_init(NULL), SOMBRA_MISUSE);
    OK(sombra_options_init(&o));
    EXPECT(o.struct_size == sizeof(sombra_options) && o.page_size == 8192 && o.sync_mode == SOMBRA_SYNC_FULL);

    fresh_path("errors.sombra");
    size_t len = strlen(db_path);
    CHECK(sombra_open(db_path, len, NULL, NULL), SOMBRA_MISUSE);
    CHECK(sombra_open(NULL, 5, NULL, &db), SOMBRA_MISUSE);
    CHECK(sombra_open(db_path, 0, NULL, &db), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_open("/tmp/\xff\xfe.sombra", 13, NULL, &db), SOMBRA_INVALID_UTF8);
    CHECK(sombra_open(db_path, SOMBRA_MAX_PATH_BYTES + 1, NULL, &db), SOMBRA_KEY_TOO_LARGE);
    CHECK(sombra_open(db_path, (size_t)-1, NULL, &db), SOMBRA_KEY_TOO_LARGE);

    sombra_options bad = o;
    bad.struct_size = 40;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_MISUSE);
    bad = o;
    bad.sync_mode = 9;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_INVALID_ARGUMENT);
    bad = o;
    bad.flags = 64;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_INVALID_ARGUMENT);
    bad = o;
    bad.page_size = 1000;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_INVALID_PAGE_SIZE);
    bad = o;
    bad.cache_bytes = (uint64_t)-1;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_INVALID_ARGUMENT);
    bad = o;
    bad.flags = SOMBRA_OPEN_NO_CREATE;
    CHECK(sombra_open(db_path, len, &bad, &db), SOMBRA_FILE_NOT_FOUND);
    EXPECT(access(db_path, F_OK) != 0);

    /* A directory is not a database. */
    CHECK(sombra_open(work_dir, strlen(work_dir), &o, &db), SOMBRA_NOT_A_DATABASE);

    /* Handles that are not databases. */
    CHECK(sombra_close(0), SOMBRA_MISUSE);
    CHECK(sombra_close(0x1234), SOMBRA_MISUSE);
    CHECK(sombra_close(0xA1000000FFFFFFFFull), SOMBRA_MISUSE);
    sombra_value v;
    OK(sombra_value_null(&v));
    CHECK(sombra_close(v), SOMBRA_MISUSE); /* a value handle is not a database handle */
    sombra_txn t;
    CHECK(sombra_begin_read(v, &t), SOMBRA_MISUSE);
    OK(sombra_value_free(v));
}

/* ---- values ----------------------------------------------------------------------------------------- */

static void test_values(void) {
    sombra_value v, w, item;
    int kind = -1, b = 0;
    int64_t i = 0;
    double d = 0;
    const char *s = NULL;
    const uint8_t *bytes = NULL;
    size_t n = 0;

    OK(sombra_value_null(&v));
    OK(sombra_value_kind(v, &kind));
    EXPECT(kind == SOMBRA_KIND_NULL);
    CHECK(sombra_value_get_bool(v, &b), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "null");
    OK(sombra_value_free(v));
    CHECK(sombra_value_free(v), SOMBRA_MISUSE); /* double free */
    CHECK(sombra_value_kind(v, &kind), SOMBRA_MISUSE); /* use after free */
    CHECK(sombra_value_null(NULL), SOMBRA_MISUSE);

    OK(sombra_value_bool(7, &v));
    OK(sombra_value_get_bool(v, &b));
    EXPECT(b == 1);
    CHECK(sombra_value_get_int(v, &i), SOMBRA_WRONG_KIND);
    CHECK(sombra_value_get_bool(v, NULL), SOMBRA_MISUSE);
    EXPECT_JSON(v, "true");
    OK(sombra_value_free(v));

    OK(sombra_value_int(INT64_MIN, &v));
    OK(sombra_value_get_int(v, &i));
    EXPECT(i == INT64_MIN);
    CHECK(sombra_value_get_double(v, &d), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "-9223372036854775808");
    OK(sombra_value_free(v));

    OK(sombra_value_double(2.5, &v));
    OK(sombra_value_get_double(v, &d));
    EXPECT(d == 2.5);
    OK(sombra_value_kind(v, &kind));
    EXPECT(kind == SOMBRA_KIND_DOUBLE);
    EXPECT_JSON(v, "2.5");
    OK(sombra_value_free(v));
    OK(sombra_value_double(-0.0, &v));
    EXPECT_JSON(v, "-0.0");
    OK(sombra_value_free(v));
    OK(sombra_value_double(NAN, &v));
    EXPECT_JSON(v, "{\"$double\":\"nan\"}");
    OK(sombra_value_free(v));
    OK(sombra_value_double(-INFINITY, &v));
    EXPECT_JSON(v, "{\"$double\":\"-inf\"}");
    OK(sombra_value_free(v));

    OK(sombra_value_string(S("h\xc3\xa9llo\n"), &v));
    OK(sombra_value_get_string(v, &s, &n));
    EXPECT(n == 7 && memcmp(s, "h\xc3\xa9llo\n", 7) == 0 && s[7] == 0);
    CHECK(sombra_value_get_bytes(v, &bytes, &n), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "\"h\xc3\xa9llo\\n\"");
    OK(sombra_value_free(v));
    OK(sombra_value_string(NULL, 0, &v)); /* NULL with length 0 is "" */
    EXPECT_JSON(v, "\"\"");
    OK(sombra_value_free(v));
    CHECK(sombra_value_string(NULL, 3, &v), SOMBRA_MISUSE);
    CHECK(sombra_value_string("\xc3\x28", 2, &v), SOMBRA_INVALID_UTF8);
    CHECK(sombra_value_string("\xed\xa0\x80", 3, &v), SOMBRA_INVALID_UTF8); /* a UTF-16 surrogate */
    CHECK(sombra_value_string("abc", SOMBRA_MAX_VALUE_BYTES + 1, &v), SOMBRA_VALUE_TOO_LARGE);
    CHECK(sombra_value_string("abc", (size_t)-1, &v), SOMBRA_VALUE_TOO_LARGE);

    const uint8_t raw[4] = {0, 1, 2, 255};
    OK(sombra_value_bytes(raw, 4, &v));
    OK(sombra_value_get_bytes(v, &bytes, &n));
    EXPECT(n == 4 && memcmp(bytes, raw, 4) == 0);
    CHECK(sombra_value_get_string(v, &s, &n), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "{\"$bytes\":\"AAEC/w==\"}");
    OK(sombra_value_free(v));
    CHECK(sombra_value_bytes(raw, (size_t)-1, &v), SOMBRA_VALUE_TOO_LARGE);
    CHECK(sombra_value_bytes(NULL, 1, &v), SOMBRA_MISUSE);

    /* lists */
    OK(sombra_value_list(&v));
    OK(sombra_value_int(1, &item));
    OK(sombra_value_list_append(v, item));
    OK(sombra_value_list_append(v, item)); /* appends a copy; item is still ours */
    OK(sombra_value_free(item));
    OK(sombra_value_list_len(v, &n));
    EXPECT(n == 2);
    OK(sombra_value_list_get(v, 1, &item));
    OK(sombra_value_get_int(item, &i));
    EXPECT(i == 1);
    OK(sombra_value_free(item));
    CHECK(sombra_value_list_get(v, 2, &item), SOMBRA_RANGE);
    CHECK(sombra_value_list_get(v, (size_t)-1, &item), SOMBRA_RANGE);
    CHECK(sombra_value_list_append(v, 0), SOMBRA_MISUSE);
    CHECK(sombra_value_map_len(v, &n), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "[1,1]");
    OK(sombra_value_free(v));

    /* nesting is bounded: 32 levels are fine, 33 are refused */
    OK(sombra_value_list(&v));
    for (int level = 1; level < SOMBRA_MAX_NESTING; level++) {
        OK(sombra_value_list(&w));
        OK(sombra_value_list_append(w, v));
        OK(sombra_value_free(v));
        v = w;
    }
    OK(sombra_value_list(&w));
    CHECK(sombra_value_list_append(w, v), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_value_free(w));
    OK(sombra_value_free(v));

    /* maps */
    OK(sombra_value_map(&v));
    OK(sombra_value_string(S("x"), &item));
    OK(sombra_value_map_set(v, S("zeta"), item));
    OK(sombra_value_map_set(v, S("alpha"), item));
    OK(sombra_value_map_set(v, S("zeta"), item)); /* replaces */
    OK(sombra_value_free(item));
    OK(sombra_value_map_len(v, &n));
    EXPECT(n == 2);
    const char *key = NULL;
    size_t key_len = 0;
    OK(sombra_value_map_entry(v, 0, &key, &key_len, &item));
    EXPECT(key_len == 5 && memcmp(key, "alpha", 5) == 0);
    OK(sombra_value_free(item));
    OK(sombra_value_map_entry(v, 1, &key, &key_len, NULL));
    EXPECT(key_len == 4 && memcmp(key, "zeta", 4) == 0);
    CHECK(sombra_value_map_entry(v, 2, &key, &key_len, NULL), SOMBRA_RANGE);
    OK(sombra_value_map_get(v, S("alpha"), &item));
    EXPECT(item != 0);
    OK(sombra_value_free(item));
    OK(sombra_value_map_get(v, S("missing"), &item));
    EXPECT(item == 0);
    CHECK(sombra_value_map_get(v, "\xff", 1, &item), SOMBRA_INVALID_UTF8);
    CHECK(sombra_value_map_set(v, "\xff", 1, v), SOMBRA_INVALID_UTF8);
    CHECK(sombra_value_list_len(v, &n), SOMBRA_WRONG_KIND);
    EXPECT_JSON(v, "{\"alpha\":\"x\",\"zeta\":\"x\"}");
    OK(sombra_value_free(v));

    /* JSON: round trips, special forms, errors */
    const char *round[] = {
        "[null,true,false,0,-1,1.5,1e-07,\"a\\\"b\\\\c\\u0001\",{\"$bytes\":\"\"},[],{}]",
        "{\"$map\":{\"$bytes\":5}}",
        "{\"$map\":{\"$x\":[1]}}",
        "{\"$bytes\":\"AAE=\"}",
        "{\"$double\":\"inf\"}",
        "{\"$map\":{\"$bytes\":\"AA==\"},\"k\":1}",
        "9223372036854775807",
        "1e+300",
        "\"\xf0\x9f\x98\x80\"",
    };
    for (size_t r = 0; r < sizeof round / sizeof round[0]; r++) {
        v = json(round[r]);
        EXPECT_JSON(v, round[r]);
        OK(sombra_value_free(v));
    }
    v = json(" { \"b\" : 1 , \"a\" : [ 2.0 , \"\\ud83d\\ude00\" ] } ");
    EXPECT_JSON(v, "{\"a\":[2.0,\"\xf0\x9f\x98\x80\"],\"b\":1}");
    OK(sombra_value_free(v));
    v = json("{\"$map\":{\"$bytes\":\"AA==\"},\"k\":1}"); /* two keys: $map is an ordinary key */
    OK(sombra_value_map_get(v, S("$map"), &item));
    OK(sombra_value_kind(item, &kind));
    EXPECT(kind == SOMBRA_KIND_BYTES);
    OK(sombra_value_free(item));
    OK(sombra_value_free(v));
    v = json("99999999999999999999"); /* beyond int64: a double */
    OK(sombra_value_kind(v, &kind));
    EXPECT(kind == SOMBRA_KIND_DOUBLE);
    OK(sombra_value_free(v));

    const char *bad[] = {"", "nul", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"abc", "[1 2]", "{\"a\" 1}",
                         "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\x\"", "\"tab\there\"", "[1]x",
                         "{\"$bytes\":\"A\"}", "{\"$double\":\"1\"}", "{1:2}", "tru", "\"\\u12\""};
    for (size_t r = 0; r < sizeof bad / sizeof bad[0]; r++) {
        CHECK(sombra_value_from_json(bad[r], strlen(bad[r]), &v), SOMBRA_JSON);
    }
    CHECK(sombra_value_from_json("\"\xff\"", 3, &v), SOMBRA_INVALID_UTF8);
    CHECK(sombra_value_from_json("[1]", (size_t)-1, &v), SOMBRA_VALUE_TOO_LARGE);
    CHECK(sombra_value_from_json(NULL, 2, &v), SOMBRA_MISUSE);
    CHECK(sombra_value_from_json("1", 1, NULL), SOMBRA_MISUSE);
    /* 32 nested arrays parse, 33 do not */
    char deep[80];
    memset(deep, '[', 33);
    memset(deep + 33, ']', 33);
    CHECK(sombra_value_from_json(deep, 66, &v), SOMBRA_JSON);
    CHECK(sombra_value_from_json(deep + 1, 64, &v), SOMBRA_OK);
    OK(sombra_value_free(v));
    CHECK(sombra_value_to_json(0, NULL, NULL), SOMBRA_MISUSE);
}

/* ---- graph ------------------------------------------------------------------------------------------ */

typedef struct {
    sombra_db db;
    uint64_t ada, bob, cy, knows, likes, loop;
} graph;

static void test_graph(graph *g) {
    fresh_path("graph.sombra");
    OK(open_db(&g->db, 0));
    sombra_db again = 0;
    CHECK(open_db(&again, 0), SOMBRA_LOCKED); /* one writer handle per file */

    sombra_txn w, r;
    uint64_t snap = 0, commit_id = 0;
    int is_write = -1;
    OK(sombra_begin_write(g->db, &w));
    OK(sombra_txn_is_write(w, &is_write));
    EXPECT(is_write == 1);
    OK(sombra_txn_snapshot_id(w, &snap));
    CHECK(sombra_begin_write(g->db, &r), SOMBRA_BUSY); /* this thread already holds the writer */

    OK(sombra_create_index(w, S("Person"), S("name")));
    CHECK(sombra_create_index(w, S("Person"), S("name")), SOMBRA_INDEX_EXISTS);
    const char *labels[] = {"Person", "Admin"};
    size_t lens[] = {6, 5};
    sombra_value props = json("{\"name\":\"Ada\",\"age\":36,\"tags\":[\"x\"],\"raw\":{\"$bytes\":\"AQI=\"}}");
    OK(sombra_create_node(w, labels, lens, 2, props, &g->ada));
    OK(sombra_value_free(props));
    props = json("{\"name\":\"Bob\",\"age\":41}");
    OK(sombra_create_node(w, labels, lens, 1, props, &g->bob));
    OK(sombra_value_free(props));
    OK(sombra_create_node(w, NULL, NULL, 0, 0, &g->cy));
    EXPECT(g->ada == 1 && g->bob == 2 && g->cy == 3);

    /* bad node arguments: nothing is written */
    sombra_value not_map;
    OK(sombra_value_int(1, &not_map));
    uint64_t id = 0;
    CHECK(sombra_create_node(w, labels, lens, 1, not_map, &id), SOMBRA_WRONG_KIND);
    const char *bad_label[] = {"\xc0\xaf"};
    size_t bad_len[] = {2};
    CHECK(sombra_create_node(w, bad_label, bad_len, 1, 0, &id), SOMBRA_INVALID_UTF8);
    size_t huge_len[] = {SOMBRA_MAX_NAME_BYTES + 1};
    CHECK(sombra_create_node(w, labels, huge_len, 1, 0, &id), SOMBRA_KEY_TOO_LARGE);
    CHECK(sombra_create_node(w, NULL, NULL, 1, 0, &id), SOMBRA_MISUSE);
    CHECK(sombra_create_node(w, labels, lens, SOMBRA_MAX_NAME_COUNT + 1, 0, &id), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_create_node(w, labels, lens, 1, 0, NULL), SOMBRA_MISUSE);
    size_t empty_len[] = {0};
    CHECK(sombra_create_node(w, labels, empty_len, 1, 0, &id), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_create_node(w, labels, lens, 1, 0xA4000001000000FFull, &id), SOMBRA_MISUSE); /* stale value */

    /* labels and properties */
    OK(sombra_add_label(w, g->cy, S("Robot")));
    CHECK(sombra_add_label(w, 999, S("Robot")), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_add_label(w, g->cy, "\xff", 1), SOMBRA_INVALID_UTF8);
    int removed = -1;
    OK(sombra_remove_label(w, g->bob, S("Nope"), &removed));
    EXPECT(removed == 0);
    OK(sombra_add_label(w, g->bob, S("Temp")));
    OK(sombra_remove_label(w, g->bob, S("Temp"), &removed));
    EXPECT(removed == 1);
    OK(sombra_set_node_property(w, g->cy, S("score"), not_map));
    OK(sombra_remove_node_property(w, g->cy, S("score"), &removed));
    EXPECT(removed == 1);
    OK(sombra_remove_node_property(w, g->cy, S("score"), &removed));
    EXPECT(removed == 0);
    CHECK(sombra_set_node_property(w, 999, S("score"), not_map), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_set_node_property(w, g->cy, S("score"), 0), SOMBRA_MISUSE);
    CHECK(sombra_set_node_property(w, g->cy, "k", SOMBRA_MAX_NAME_BYTES + 1, not_map), SOMBRA_KEY_TOO_LARGE);
    OK(sombra_value_free(not_map));

    /* values larger than a page are fine; larger than the maximum are refused before writing */
    size_t big = 100000;
    char *text = malloc(SOMBRA_MAX_VALUE_BYTES + 1);
    memset(text, 'x', SOMBRA_MAX_VALUE_BYTES + 1);
    sombra_value v;
    OK(sombra_value_string(text, big, &v));
    OK(sombra_set_node_property(w, g->cy, S("essay"), v));
    OK(sombra_value_free(v));
    OK(sombra_value_string(text, SOMBRA_MAX_VALUE_BYTES, &v)); /* the maximum string, but a record needs more */
    CHECK(sombra_set_node_property(w, g->cy, S("tome"), v), SOMBRA_VALUE_TOO_LARGE);
    OK(sombra_value_free(v));
    CHECK(sombra_value_string(text, SOMBRA_MAX_VALUE_BYTES + 1, &v), SOMBRA_VALUE_TOO_LARGE);
    free(text);

    /* NaN and -0.0 cannot enter an index */
    OK(sombra_value_double(NAN, &v));
    CHECK(sombra_set_node_property(w, g->ada, S("name"), v), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_set_node_property(w, g->cy, S("name"), v)); /* cy is not a Person: not indexed */
    OK(sombra_value_free(v));
    OK(sombra_value_double(-0.0, &v));
    CHECK(sombra_set_node_property(w, g->bob, S("name"), v), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_value_free(v));
    OK(sombra_remove_node_property(w, g->cy, S("name"), NULL));

    /* edges */
    props = json("{\"since\":2020}");
    OK(sombra_create_edge(w, g->ada, g->bob, S("KNOWS"), props, &g->knows));
    OK(sombra_value_free(props));
    OK(sombra_create_edge(w, g->bob, g->cy, S("LIKES"), 0, &g->likes));
    OK(sombra_create_edge(w, g->cy, g->cy, S("LIKES"), 0, &g->loop));
    CHECK(sombra_create_edge(w, g->ada, 999, S("KNOWS"), 0, &id), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_create_edge(w, g->ada, g->bob, "\xff", 1, 0, &id), SOMBRA_INVALID_UTF8);
    CHECK(sombra_create_edge(w, g->ada, g->bob, S("KNOWS"), 0, NULL), SOMBRA_MISUSE);
    OK(sombra_value_bool(1, &v));
    OK(sombra_set_edge_property(w, g->likes, S("strong"), v));
    CHECK(sombra_set_edge_property(w, 999, S("strong"), v), SOMBRA_EDGE_NOT_FOUND);
    OK(sombra_value_free(v));
    OK(sombra_remove_edge_property(w, g->likes, S("strong"), &removed));
    EXPECT(removed == 1);
    CHECK(sombra_remove_edge_property(w, 999, S("strong"), &removed), SOMBRA_EDGE_NOT_FOUND);
    uint64_t temp_edge = 0, temp_node = 0;
    OK(sombra_create_node(w, NULL, NULL, 0, 0, &temp_node));
    OK(sombra_create_edge(w, temp_node, g->ada, S("TEMP"), 0, &temp_edge));
    OK(sombra_delete_edge(w, temp_edge));
    CHECK(sombra_delete_edge(w, temp_edge), SOMBRA_EDGE_NOT_FOUND);
    OK(sombra_create_edge(w, temp_node, g->ada, S("TEMP"), 0, &temp_edge));
    OK(sombra_delete_node(w, temp_node)); /* takes its edge with it */
    CHECK(sombra_delete_node(w, temp_node), SOMBRA_NODE_NOT_FOUND);
    int exists = -1;
    OK(sombra_edge_exists(w, temp_edge, &exists));
    EXPECT(exists == 0);

    OK(sombra_commit(w, &commit_id));
    EXPECT(commit_id > snap);
    CHECK(sombra_commit(w, &commit_id), SOMBRA_MISUSE);          /* use after commit */
    CHECK(sombra_add_label(w, g->ada, S("X")), SOMBRA_MISUSE);   /* the handle is gone */
    CHECK(sombra_rollback(w), SOMBRA_MISUSE);

    /* a read transaction sees the commit and refuses writes */
    OK(sombra_begin_read(g->db, &r));
    OK(sombra_txn_snapshot_id(r, &snap));
    EXPECT(snap == commit_id);
    OK(sombra_txn_is_write(r, &is_write));
    EXPECT(is_write == 0);
    CHECK(sombra_create_node(r, NULL, NULL, 0, 0, &id), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_delete_node(r, g->ada), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_add_label(r, g->ada, S("X")), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_create_edge(r, g->ada, g->bob, S("X"), 0, &id), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_create_index(r, S("A"), S("b")), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_drop_index(r, S("Person"), S("name")), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_delete_edge(r, g->knows), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_remove_label(r, g->ada, S("Person"), NULL), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_remove_node_property(r, g->ada, S("age"), NULL), SOMBRA_WRITE_IN_READ_TXN);
    CHECK(sombra_set_edge_property(r, g->knows, S("a"), 0), SOMBRA_MISUSE); /* value checked first */

    sombra_value l = 0, p = 0;
    OK(sombra_get_node(r, g->ada, &l, &p));
    EXPECT_JSON(l, "[\"Admin\",\"Person\"]");
    EXPECT_JSON(p, "{\"age\":36,\"name\":\"Ada\",\"raw\":{\"$bytes\":\"AQI=\"},\"tags\":[\"x\"]}");
    OK(sombra_value_free(l));
    OK(sombra_value_free(p));
    OK(sombra_get_node(r, g->cy, &l, NULL));
    EXPECT_JSON(l, "[\"Robot\"]");
    OK(sombra_value_free(l));
    OK(sombra_get_node(r, g->cy, NULL, NULL));
    CHECK(sombra_get_node(r, 999, &l, &p), SOMBRA_NODE_NOT_FOUND);
    OK(sombra_node_exists(r, g->bob, &exists));
    EXPECT(exists == 1);
    OK(sombra_node_exists(r, 999, &exists));
    EXPECT(exists == 0);
    CHECK(sombra_node_exists(r, 1, NULL), SOMBRA_MISUSE);
    OK(sombra_get_node_property(r, g->ada, S("age"), &v));
    EXPECT_JSON(v, "36");
    OK(sombra_value_free(v));
    OK(sombra_get_node_property(r, g->ada, S("nothing"), &v));
    EXPECT(v == 0);
    CHECK(sombra_get_node_property(r, 999, S("age"), &v), SOMBRA_NODE_NOT_FOUND);
    OK(sombra_get_node_property(r, g->cy, S("essay"), &v));
    const char *s = NULL;
    size_t n = 0;
    OK(sombra_value_get_string(v, &s, &n));
    EXPECT(n == big);
    OK(sombra_value_free(v));

    uint64_t src = 0, dst = 0;
    char *type = NULL;
    size_t type_len = 0;
    OK(sombra_get_edge(r, g->knows, &src, &dst, &type, &type_len, &p));
    EXPECT(src == g->ada && dst == g->bob && type_len == 5 && memcmp(type, "KNOWS", 5) == 0);
    EXPECT_JSON(p, "{\"since\":2020}");
    OK(sombra_free_string(type));
    CHECK(sombra_free_string(type), SOMBRA_MISUSE);
    OK(sombra_value_free(p));
    OK(sombra_get_edge(r, g->loop, &src, &dst, NULL, NULL, NULL));
    EXPECT(src == g->cy && dst == g->cy);
    CHECK(sombra_get_edge(r, 999, &src, &dst, NULL, NULL, NULL), SOMBRA_EDGE_NOT_FOUND);
    OK(sombra_edge_exists(r, g->likes, &exists));
    EXPECT(exists == 1);
    OK(sombra_get_edge_property(r, g->knows, S("since"), &v));
    EXPECT_JSON(v, "2020");
    OK(sombra_value_free(v));
    OK(sombra_get_edge_property(r, g->likes, S("strong"), &v));
    EXPECT(v == 0);
    CHECK(sombra_get_edge_property(r, 999, S("since"), &v), SOMBRA_EDGE_NOT_FOUND);
    OK(sombra_rollback(r));
    CHECK(sombra_node_exists(r, 1, &exists), SOMBRA_MISUSE); /* ended */

    /* rollback discards */
    OK(sombra_begin_write(g->db, &w));
    OK(sombra_create_node(w, NULL, NULL, 0, 0, &id));
    OK(sombra_rollback(w));
    OK(sombra_begin_read(g->db, &r));
    OK(sombra_node_exists(r, id, &exists));
    EXPECT(exists == 0);
    uint64_t ended_snapshot = 0;
    OK(sombra_commit(r, &ended_snapshot)); /* commit of a read transaction just ends it */
    EXPECT(ended_snapshot == commit_id);
}

static void test_queries(graph *g) {
    sombra_txn r;
    sombra_iter it;
    uint64_t ids[16];
    size_t n;
    OK(sombra_begin_read(g->db, &r));

    OK(sombra_query_all_nodes(r, &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 3 && ids[0] == g->ada && ids[2] == g->cy);
    OK(sombra_query_first_nodes(r, 2, &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 2 && ids[0] == g->ada && ids[1] == g->bob);
    OK(sombra_query_last_nodes(r, (size_t)-1, &it)); /* lazy: a huge n is fine */
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 3 && ids[0] == g->cy);
    OK(sombra_query_first_nodes(r, 0, &it));
    EXPECT(drain_nodes(it, ids, 16) == 0);
    OK(sombra_query_nodes_by_label(r, S("Person"), &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 2 && ids[0] == g->ada && ids[1] == g->bob);
    OK(sombra_query_nodes_by_label(r, S("Nobody"), &it));
    EXPECT(drain_nodes(it, ids, 16) == 0);
    CHECK(sombra_query_nodes_by_label(r, "\xff", 1, &it), SOMBRA_INVALID_UTF8);

    sombra_value v, lo, hi;
    OK(sombra_value_string(S("Bob"), &v));
    OK(sombra_query_nodes_by_property(r, S("Person"), S("name"), v, &it)); /* indexed */
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 1 && ids[0] == g->bob);
    OK(sombra_value_free(v));
    OK(sombra_value_int(36, &v));
    OK(sombra_query_nodes_by_property(r, S("Person"), S("age"), v, &it)); /* by scan */
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 1 && ids[0] == g->ada);
    OK(sombra_value_free(v));
    OK(sombra_value_list(&v));
    CHECK(sombra_query_nodes_by_property(r, S("Person"), S("age"), v, &it), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_value_free(v));
    CHECK(sombra_query_nodes_by_property(r, S("Person"), S("age"), 0, &it), SOMBRA_MISUSE);

    OK(sombra_value_int(36, &lo));
    OK(sombra_value_int(41, &hi));
    OK(sombra_query_nodes_by_range(r, S("Person"), S("age"), lo, 1, hi, 0, &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 1 && ids[0] == g->ada);
    OK(sombra_query_nodes_by_range(r, S("Person"), S("age"), lo, 0, hi, 1, &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 1 && ids[0] == g->bob);
    OK(sombra_query_nodes_by_range(r, S("Person"), S("age"), 0, 1, 0, 0, &it)); /* unbounded */
    EXPECT(drain_nodes(it, ids, 16) == 2);
    OK(sombra_value_free(lo));
    OK(sombra_value_free(hi));
    OK(sombra_value_string(S("A"), &lo));
    OK(sombra_value_string(S("B"), &hi));
    OK(sombra_query_nodes_by_range(r, S("Person"), S("name"), lo, 1, hi, 0, &it)); /* indexed */
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 1 && ids[0] == g->ada);
    OK(sombra_value_free(lo));
    OK(sombra_value_free(hi));

    /* edges */
    uint64_t e, src, dst;
    const char *type;
    size_t type_len;
    OK(sombra_query_all_edges(r, &it));
    OK(sombra_iter_next_edge(it, &e, &src, &dst, &type, &type_len));
    EXPECT(e == g->knows && src == g->ada && dst == g->bob && type_len == 5 && memcmp(type, "KNOWS", 5) == 0);
    CHECK(sombra_iter_next_node(it, &e), SOMBRA_MISUSE); /* an edge iterator */
    OK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL));
    EXPECT(e == g->likes);
    OK(sombra_iter_next_edge(it, &e, &src, &dst, &type, &type_len));
    EXPECT(e == g->loop && src == g->cy && type_len == 5 && memcmp(type, "LIKES", 5) == 0);
    CHECK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL), SOMBRA_DONE);
    CHECK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL), SOMBRA_DONE);
    OK(sombra_iter_free(it));
    CHECK(sombra_iter_free(it), SOMBRA_MISUSE);
    CHECK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL), SOMBRA_MISUSE);

    OK(sombra_query_edges(r, g->cy, SOMBRA_BOTH, NULL, NULL, 0, &it));
    int count = 0, saw_loop = 0;
    while (sombra_iter_next_edge(it, &e, &src, &dst, &type, &type_len) == SOMBRA_OK) {
        count++;
        if (e == g->loop) saw_loop++;
    }
    EXPECT(count == 2 && saw_loop == 1); /* likes in, loop once */
    OK(sombra_iter_free(it));
    const char *types[] = {"KNOWS"};
    size_t type_lens[] = {5};
    OK(sombra_query_edges(r, g->bob, SOMBRA_INCOMING, types, type_lens, 1, &it));
    OK(sombra_iter_next_edge(it, &e, &src, &dst, &type, &type_len));
    EXPECT(e == g->knows && src == g->ada && dst == g->bob);
    CHECK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL), SOMBRA_DONE);
    OK(sombra_iter_free(it));
    OK(sombra_query_edges(r, g->bob, SOMBRA_BOTH, types, type_lens, 0, &it)); /* empty filter */
    CHECK(sombra_iter_next_edge(it, &e, NULL, NULL, NULL, NULL), SOMBRA_DONE);
    OK(sombra_iter_free(it));
    CHECK(sombra_query_edges(r, g->bob, 7, NULL, NULL, 0, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_edges(r, g->bob, SOMBRA_BOTH, NULL, NULL, 1, &it), SOMBRA_MISUSE);

    OK(sombra_query_neighbors(r, g->bob, SOMBRA_BOTH, NULL, NULL, 0, &it));
    n = drain_nodes(it, ids, 16);
    EXPECT(n == 2 && ids[0] == g->cy && ids[1] == g->ada);
    OK(sombra_query_neighbors(r, g->bob, SOMBRA_OUTGOING, types, type_lens, 1, &it));
    EXPECT(drain_nodes(it, ids, 16) == 0);
    CHECK(sombra_query_neighbors(r, g->bob, -1, NULL, NULL, 0, &it), SOMBRA_INVALID_ARGUMENT);

    uint64_t degree = 0;
    OK(sombra_degree(r, g->cy, SOMBRA_BOTH, NULL, NULL, 0, &degree));
    EXPECT(degree == 2);
    OK(sombra_degree(r, g->cy, SOMBRA_INCOMING, NULL, NULL, 0, &degree));
    EXPECT(degree == 2);
    OK(sombra_degree(r, g->ada, SOMBRA_OUTGOING, types, type_lens, 1, &degree));
    EXPECT(degree == 1);
    CHECK(sombra_degree(r, g->ada, 3, NULL, NULL, 0, &degree), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_degree(r, g->ada, SOMBRA_BOTH, NULL, NULL, 0, NULL), SOMBRA_MISUSE);

    /* batches */
    uint64_t batch[2];
    size_t got = 0;
    OK(sombra_query_all_nodes(r, &it));
    OK(sombra_iter_next_batch(it, batch, 2, &got));
    EXPECT(got == 2 && batch[0] == g->ada && batch[1] == g->bob);
    OK(sombra_iter_next_batch(it, batch, 2, &got));
    EXPECT(got == 1 && batch[0] == g->cy);
    CHECK(sombra_iter_next_batch(it, batch, 2, &got), SOMBRA_DONE);
    EXPECT(got == 0);
    CHECK(sombra_iter_next_batch(it, NULL, 2, &got), SOMBRA_MISUSE);
    CHECK(sombra_iter_next_batch(it, batch, 0, &got), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_iter_free(it));
    OK(sombra_query_all_edges(r, &it));
    OK(sombra_iter_next_batch(it, batch, 2, &got));
    EXPECT(got == 2 && batch[0] == g->knows);
    CHECK(sombra_iter_next_node(it, batch), SOMBRA_MISUSE);
    OK(sombra_iter_free(it));

    /* counts */
    uint64_t c = 0;
    OK(sombra_node_count(r, &c));
    EXPECT(c == 3);
    OK(sombra_edge_count(r, &c));
    EXPECT(c == 3);
    OK(sombra_count_label(r, S("Person"), &c));
    EXPECT(c == 2);
    OK(sombra_count_label(r, S("Nobody"), &c));
    EXPECT(c == 0);
    OK(sombra_count_edge_type(r, S("LIKES"), &c));
    EXPECT(c == 2);
    CHECK(sombra_count_edge_type(r, "\xff", 1, &c), SOMBRA_INVALID_UTF8);
    CHECK(sombra_node_count(r, NULL), SOMBRA_MISUSE);
    OK(sombra_label_counts(r, &v));
    EXPECT_JSON(v, "{\"Admin\":1,\"Person\":2,\"Robot\":1}");
    OK(sombra_value_free(v));
    OK(sombra_edge_type_counts(r, &v));
    EXPECT_JSON(v, "{\"KNOWS\":1,\"LIKES\":2}");
    OK(sombra_value_free(v));

    /* indexes */
    int exists = 0;
    OK(sombra_has_index(r, S("Person"), S("name"), &exists));
    EXPECT(exists == 1);
    OK(sombra_has_index(r, S("Person"), S("age"), &exists));
    EXPECT(exists == 0);
    OK(sombra_list_indexes(r, &v));
    EXPECT_JSON(v, "[{\"key\":\"name\",\"label\":\"Person\"}]");
    OK(sombra_value_free(v));

    /* an iterator outlives its transaction only as a handle */
    OK(sombra_query_all_nodes(r, &it));
    OK(sombra_iter_next_node(it, &e));
    OK(sombra_rollback(r));
    CHECK(sombra_iter_next_node(it, &e), SOMBRA_TRANSACTION_ENDED);
    OK(sombra_iter_free(it));
    CHECK(sombra_query_all_nodes(r, &it), SOMBRA_MISUSE);

    /* index upkeep through the write path */
    sombra_txn w;
    OK(sombra_begin_write(g->db, &w));
    OK(sombra_drop_index(w, S("Person"), S("name")));
    CHECK(sombra_drop_index(w, S("Person"), S("name")), SOMBRA_INDEX_NOT_FOUND);
    OK(sombra_has_index(w, S("Person"), S("name"), &exists));
    EXPECT(exists == 0);
    OK(sombra_create_index(w, S("Person"), S("age")));
    OK(sombra_commit(w, NULL));
}

/* Invalid ids, and NaN / infinities / -0.0 as index keys (reliability rows A1 and A4). */
static void test_ids_and_index_keys(graph *g) {
    sombra_txn w;
    uint64_t id = 0, e = 0;
    int exists = 1;
    sombra_value v;
    OK(sombra_begin_write(g->db, &w));
    CHECK(sombra_get_node(w, 0, NULL, NULL), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_get_node(w, UINT64_MAX, NULL, NULL), SOMBRA_NODE_NOT_FOUND);
    OK(sombra_node_exists(w, 0, &exists));
    EXPECT(exists == 0);
    CHECK(sombra_create_edge(w, 0, g->ada, S("X"), 0, &e), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_get_edge(w, 0, NULL, NULL, NULL, NULL, NULL), SOMBRA_EDGE_NOT_FOUND);
    CHECK(sombra_delete_edge(w, UINT64_MAX), SOMBRA_EDGE_NOT_FOUND);
    uint64_t degree = 1;
    OK(sombra_degree(w, UINT64_MAX, SOMBRA_BOTH, NULL, NULL, 0, &degree));
    EXPECT(degree == 0);

    OK(sombra_create_index(w, S("Metric"), S("v")));
    const char *labels[] = {"Metric"};
    size_t lens[] = {6};
    double keys[] = {INFINITY, -1.5, 0.0, -INFINITY};
    for (int i = 0; i < 4; i++) {
        sombra_value props, d;
        OK(sombra_value_map(&props));
        OK(sombra_value_double(keys[i], &d));
        OK(sombra_value_map_set(props, S("v"), d));
        OK(sombra_create_node(w, labels, lens, 1, props, &id));
        OK(sombra_value_free(d));
        OK(sombra_value_free(props));
    }
    OK(sombra_value_double(NAN, &v));
    CHECK(sombra_set_node_property(w, id, S("v"), v), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_value_free(v));
    OK(sombra_value_double(-0.0, &v));
    CHECK(sombra_set_node_property(w, id, S("v"), v), SOMBRA_INVALID_ARGUMENT);
    OK(sombra_value_free(v));
    /* the index stays ordered: the whole range comes back in value order */
    sombra_value lo, hi;
    OK(sombra_value_double(-INFINITY, &lo));
    OK(sombra_value_double(INFINITY, &hi));
    sombra_iter it;
    OK(sombra_query_nodes_by_range(w, S("Metric"), S("v"), lo, 1, hi, 1, &it));
    uint64_t ids[8];
    size_t n = drain_nodes(it, ids, 8);
    EXPECT(n == 4 && ids[0] == id && ids[1] == id - 2 && ids[2] == id - 1 && ids[3] == id - 3);
    OK(sombra_query_nodes_by_property(w, S("Metric"), S("v"), hi, &it));
    n = drain_nodes(it, ids, 8);
    EXPECT(n == 1 && ids[0] == id - 3);
    OK(sombra_value_free(lo));
    OK(sombra_value_free(hi));
    OK(sombra_rollback(w));
}

static void test_checkpoint_stats_close(graph *g) {
    uint64_t frames = 0, pages = 0;
    OK(sombra_checkpoint(g->db, &frames, &pages));
    OK(sombra_checkpoint(g->db, NULL, NULL));
    CHECK(sombra_checkpoint(0, NULL, NULL), SOMBRA_MISUSE);
    sombra_value st, item;
    OK(sombra_stats(g->db, &st));
    int64_t page_size = 0;
    OK(sombra_value_map_get(st, S("page_size"), &item));
    OK(sombra_value_get_int(item, &page_size));
    EXPECT(page_size == 4096);
    OK(sombra_value_free(item));
    OK(sombra_value_map_get(st, S("poisoned"), &item));
    int kind = -1;
    OK(sombra_value_kind(item, &kind));
    EXPECT(kind == SOMBRA_KIND_NULL);
    OK(sombra_value_free(item));
    OK(sombra_value_free(st));
    CHECK(sombra_stats(g->db, NULL), SOMBRA_MISUSE);

    /* close with a write transaction, a read transaction and an iterator still open */
    sombra_txn w, r;
    sombra_iter it;
    uint64_t id;
    OK(sombra_begin_read(g->db, &r));
    OK(sombra_query_all_nodes(r, &it));
    OK(sombra_begin_write(g->db, &w));
    OK(sombra_create_node(w, NULL, NULL, 0, 0, &id)); /* rolled back by close */
    OK(sombra_close(g->db));
    CHECK(sombra_commit(w, NULL), SOMBRA_MISUSE);
    CHECK(sombra_node_count(r, &id), SOMBRA_MISUSE);
    CHECK(sombra_iter_next_node(it, &id), SOMBRA_TRANSACTION_ENDED);
    OK(sombra_iter_free(it));
    CHECK(sombra_close(g->db), SOMBRA_MISUSE);           /* stale */
    CHECK(sombra_begin_read(g->db, &r), SOMBRA_MISUSE);  /* use after close */
    CHECK(sombra_checkpoint(g->db, NULL, NULL), SOMBRA_MISUSE);

    /* reopen: committed data is there, the rolled-back node is not; read-only refuses writes */
    OK(open_db(&g->db, SOMBRA_OPEN_READ_ONLY));
    OK(sombra_begin_read(g->db, &r));
    uint64_t count = 0;
    OK(sombra_node_count(r, &count));
    EXPECT(count == 3);
    int exists = 1;
    OK(sombra_node_exists(r, id, &exists));
    EXPECT(exists == 0);
    OK(sombra_commit(r, NULL));
    CHECK(sombra_begin_write(g->db, &w), SOMBRA_READ_ONLY);
    CHECK(sombra_checkpoint(g->db, NULL, NULL), SOMBRA_READ_ONLY);
    OK(sombra_close(g->db));
}

/* ---- traversals ------------------------------------------------------------------------------------- */

/* Drains a node iterator and compares it with want[0..n); returns 1 when equal. */
static int drain_equals(sombra_iter it, const uint64_t *want, size_t n, int line) {
    uint64_t ids[32];
    size_t got = drain_nodes(it, ids, 32);
    int equal = got == n && (n == 0 || memcmp(ids, want, n * sizeof ids[0]) == 0);
    if (!equal) {
        pthread_mutex_lock(&count_lock);
        failures++;
        fprintf(stderr, "FAIL line %d: iterator gave %zu ids, wanted %zu:", line, got, n);
        for (size_t i = 0; i < got && i < 32; i++) fprintf(stderr, " %llu", (unsigned long long)ids[i]);
        fprintf(stderr, "\n");
        pthread_mutex_unlock(&count_lock);
    }
    return equal;
}
#define EXPECT_IDS(it, ...)                                                                 \
    do {                                                                                    \
        const uint64_t want_[] = {__VA_ARGS__};                                             \
        drain_equals((it), want_, sizeof want_ / sizeof want_[0], __LINE__);                \
    } while (0)
#define EXPECT_EMPTY(it) drain_equals((it), NULL, 0, __LINE__)

/* Graph (ids a[0..8]):  PARENT a0->a1, a0->a2, a1->a3, a3->a4;  FRIEND a2->a5, a5->a0 (a cycle);
 * LOOP a7->a7 (a self-loop only); a6 and a8 have no edge. */
static void test_traversals(void) {
    sombra_db db;
    sombra_txn w, r;
    sombra_iter it;
    uint64_t a[9], e, id, depth;
    fresh_path("traversals.sombra");
    OK(open_db(&db, 0));
    OK(sombra_begin_write(db, &w));
    for (int i = 0; i < 9; i++) OK(sombra_create_node(w, NULL, NULL, 0, 0, &a[i]));
    OK(sombra_create_edge(w, a[0], a[1], S("PARENT"), 0, &e));
    OK(sombra_create_edge(w, a[0], a[2], S("PARENT"), 0, &e));
    OK(sombra_create_edge(w, a[1], a[3], S("PARENT"), 0, &e));
    OK(sombra_create_edge(w, a[3], a[4], S("PARENT"), 0, &e));
    OK(sombra_create_edge(w, a[2], a[5], S("FRIEND"), 0, &e));
    OK(sombra_create_edge(w, a[5], a[0], S("FRIEND"), 0, &e));
    OK(sombra_create_edge(w, a[7], a[7], S("LOOP"), 0, &e));
    /* traversals see the writer's own uncommitted edges */
    OK(sombra_query_descendants(w, a[0], S("PARENT"), SOMBRA_DEPTH_UNLIMITED, &it));
    EXPECT_IDS(it, a[1], a[2], a[3], a[4]);
    OK(sombra_commit(w, NULL));
    OK(sombra_begin_read(db, &r));
    const char *parent[] = {"PARENT"}, *friend[] = {"FRIEND"}, *bad_type[] = {"\xe2\x28\xa1"};
    size_t parent_len[] = {6}, friend_len[] = {6}, bad_len[] = {3}, huge_len[] = {SOMBRA_MAX_NAME_BYTES + 1};

    /* bfs: order and depths */
    uint64_t want_bfs[] = {a[0], a[1], a[2], a[3], a[5], a[4]}, want_depth[] = {0, 1, 1, 2, 2, 3};
    OK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, SOMBRA_DEPTH_UNLIMITED, &it));
    CHECK(sombra_iter_depth(it, &depth), SOMBRA_MISUSE); /* no node returned yet */
    size_t n = 0;
    int in_order = 1;
    while (sombra_iter_next_node(it, &id) == SOMBRA_OK) {
        OK(sombra_iter_depth(it, &depth));
        if (n >= 6 || id != want_bfs[n] || depth != want_depth[n]) in_order = 0;
        n++;
    }
    EXPECT(in_order && n == 6);
    OK(sombra_iter_depth(it, &depth)); /* after SOMBRA_DONE: still the last node's depth */
    EXPECT(depth == 3);
    CHECK(sombra_iter_depth(it, NULL), SOMBRA_MISUSE);
    OK(sombra_iter_free(it));
    CHECK(sombra_iter_depth(it, &depth), SOMBRA_MISUSE); /* freed */
    OK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 1, &it));
    EXPECT_IDS(it, a[0], a[1], a[2]);
    OK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 0, &it));
    EXPECT_IDS(it, a[0]);
    OK(sombra_query_bfs(r, a[4], SOMBRA_OUTGOING, friend, friend_len, 1, 5, &it)); /* a4 has no FRIEND edge */
    EXPECT_IDS(it, a[4]);
    OK(sombra_query_bfs(r, a[2], SOMBRA_OUTGOING, friend, friend_len, 1, 5, &it));
    EXPECT_IDS(it, a[2], a[5], a[0]);
    OK(sombra_query_bfs(r, a[4], SOMBRA_INCOMING, parent, parent_len, 1, SOMBRA_DEPTH_UNLIMITED, &it));
    EXPECT_IDS(it, a[4], a[3], a[1], a[0]);
    OK(sombra_query_bfs(r, a[7], SOMBRA_BOTH, NULL, NULL, 0, 3, &it)); /* a self-loop: a7 once */
    EXPECT_IDS(it, a[7]);
    /* a batch: the depth is that of the batch's last id */
    uint64_t batch[4];
    size_t got = 0;
    OK(sombra_query_bfs(r, a[0], SOMBRA_BOTH, NULL, NULL, 0, SOMBRA_DEPTH_UNLIMITED, &it));
    OK(sombra_iter_next_batch(it, batch, 4, &got));
    OK(sombra_iter_depth(it, &depth));
    EXPECT(got == 4 && batch[0] == a[0] && depth == 1); /* a0; then a1, a2, a5 at depth 1 */
    OK(sombra_iter_free(it));
    /* errors */
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 2, NULL), SOMBRA_MISUSE);
    CHECK(sombra_query_bfs(r, a[0], 3, NULL, NULL, 0, 2, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, -1, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, INT64_MIN, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, NULL, NULL, 1, 2, &it), SOMBRA_MISUSE);
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, bad_type, bad_len, 1, 2, &it), SOMBRA_INVALID_UTF8);
    CHECK(sombra_query_bfs(r, a[0], SOMBRA_OUTGOING, parent, huge_len, 1, 2, &it), SOMBRA_KEY_TOO_LARGE);
    CHECK(sombra_query_bfs(r, 0, SOMBRA_OUTGOING, NULL, NULL, 0, 2, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_bfs(r, UINT64_MAX, SOMBRA_OUTGOING, NULL, NULL, 0, 2, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_bfs(0, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 2, &it), SOMBRA_MISUSE);
    /* sombra_iter_depth on iterators without depths */
    OK(sombra_query_all_nodes(r, &it));
    OK(sombra_iter_next_node(it, &id));
    CHECK(sombra_iter_depth(it, &depth), SOMBRA_MISUSE);
    OK(sombra_iter_free(it));
    OK(sombra_query_all_edges(r, &it));
    CHECK(sombra_iter_depth(it, &depth), SOMBRA_MISUSE);
    OK(sombra_iter_free(it));

    /* shortest path */
    OK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, NULL, NULL, 0, 64, &it));
    EXPECT_IDS(it, a[0], a[1], a[3], a[4]);
    OK(sombra_query_shortest_path(r, a[4], a[0], SOMBRA_INCOMING, NULL, NULL, 0, 64, &it));
    EXPECT_IDS(it, a[4], a[3], a[1], a[0]);
    OK(sombra_query_shortest_path(r, a[5], a[1], SOMBRA_BOTH, NULL, NULL, 0, SOMBRA_DEPTH_UNLIMITED, &it));
    EXPECT_IDS(it, a[5], a[0], a[1]);
    OK(sombra_query_shortest_path(r, a[5], a[3], SOMBRA_OUTGOING, NULL, NULL, 0, 64, &it)); /* via the cycle */
    EXPECT_IDS(it, a[5], a[0], a[1], a[3]);
    OK(sombra_query_shortest_path(r, a[3], a[3], SOMBRA_OUTGOING, NULL, NULL, 0, 0, &it));
    EXPECT_IDS(it, a[3]);
    OK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, NULL, NULL, 0, 2, &it)); /* too far */
    EXPECT_EMPTY(it);
    OK(sombra_query_shortest_path(r, a[4], a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 64, &it)); /* unreachable */
    CHECK(sombra_iter_next_node(it, &id), SOMBRA_DONE);
    OK(sombra_iter_free(it));
    OK(sombra_query_shortest_path(r, a[0], a[6], SOMBRA_BOTH, NULL, NULL, 0, 64, &it));
    EXPECT_EMPTY(it);
    OK(sombra_query_shortest_path(r, a[2], a[0], SOMBRA_OUTGOING, parent, parent_len, 1, 64, &it));
    EXPECT_EMPTY(it);
    OK(sombra_query_shortest_path(r, a[2], a[0], SOMBRA_OUTGOING, friend, friend_len, 1, 64, &it));
    EXPECT_IDS(it, a[2], a[5], a[0]);
    CHECK(sombra_query_shortest_path(r, a[0], 999, SOMBRA_OUTGOING, NULL, NULL, 0, 64, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_shortest_path(r, 999, a[0], SOMBRA_OUTGOING, NULL, NULL, 0, 64, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, NULL, NULL, 0, -5, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_shortest_path(r, a[0], a[4], -1, NULL, NULL, 0, 64, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, bad_type, bad_len, 1, 64, &it), SOMBRA_INVALID_UTF8);
    CHECK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, NULL, NULL, 0, 64, NULL), SOMBRA_MISUSE);

    /* k-hop neighbourhoods: sorted, the node itself excluded even on a cycle */
    OK(sombra_query_k_hop(r, a[0], 2, SOMBRA_OUTGOING, NULL, NULL, 0, &it));
    EXPECT_IDS(it, a[1], a[2], a[3], a[5]);
    OK(sombra_query_k_hop(r, a[0], SOMBRA_DEPTH_UNLIMITED, SOMBRA_OUTGOING, NULL, NULL, 0, &it));
    EXPECT_IDS(it, a[1], a[2], a[3], a[4], a[5]);
    OK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, NULL, NULL, 0, &it));
    EXPECT_IDS(it, a[1], a[2], a[5]);
    OK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, parent, parent_len, 0, &it)); /* empty filter */
    EXPECT_EMPTY(it);
    OK(sombra_query_k_hop(r, a[0], 0, SOMBRA_BOTH, NULL, NULL, 0, &it));
    EXPECT_EMPTY(it);
    OK(sombra_query_k_hop(r, a[7], 4, SOMBRA_BOTH, NULL, NULL, 0, &it));
    EXPECT_EMPTY(it);
    CHECK(sombra_query_k_hop(r, a[0], -1, SOMBRA_BOTH, NULL, NULL, 0, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_k_hop(r, a[0], 1, 9, NULL, NULL, 0, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, bad_type, bad_len, 1, &it), SOMBRA_INVALID_UTF8);
    CHECK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, NULL, NULL, SOMBRA_MAX_NAME_COUNT + 1, &it), SOMBRA_MISUSE);
    CHECK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, parent, parent_len, SOMBRA_MAX_NAME_COUNT + 1, &it),
          SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_k_hop(r, 12345, 1, SOMBRA_BOTH, NULL, NULL, 0, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, NULL, NULL, 0, NULL), SOMBRA_MISUSE);

    /* hierarchies */
    OK(sombra_query_ancestors(r, a[4], S("PARENT"), SOMBRA_DEPTH_UNLIMITED, &it));
    EXPECT_IDS(it, a[3], a[1], a[0]);
    OK(sombra_query_ancestors(r, a[4], S("PARENT"), 1, &it));
    EXPECT_IDS(it, a[3]);
    OK(sombra_query_ancestors(r, a[0], S("PARENT"), 10, &it));
    EXPECT_EMPTY(it);
    OK(sombra_query_ancestors(r, a[0], S("FRIEND"), 10, &it)); /* a5 -> a0, a2 -> a5 */
    EXPECT_IDS(it, a[5], a[2]);
    OK(sombra_query_descendants(r, a[0], S("PARENT"), SOMBRA_DEPTH_UNLIMITED, &it));
    EXPECT_IDS(it, a[1], a[2], a[3], a[4]);
    OK(sombra_query_descendants(r, a[1], S("PARENT"), 0, &it));
    EXPECT_EMPTY(it);
    OK(sombra_query_descendants(r, a[0], S("NO_SUCH_TYPE"), 10, &it));
    EXPECT_EMPTY(it);
    CHECK(sombra_query_ancestors(r, a[4], S("PARENT"), -1, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_ancestors(r, a[4], "\xff", 1, 3, &it), SOMBRA_INVALID_UTF8);
    CHECK(sombra_query_ancestors(r, a[4], NULL, 6, 3, &it), SOMBRA_MISUSE);
    CHECK(sombra_query_ancestors(r, a[4], "PARENT", SOMBRA_MAX_NAME_BYTES + 1, 3, &it), SOMBRA_KEY_TOO_LARGE);
    CHECK(sombra_query_ancestors(r, 999, S("PARENT"), 3, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_ancestors(r, a[4], S("PARENT"), 3, NULL), SOMBRA_MISUSE);
    CHECK(sombra_query_descendants(r, a[0], S("PARENT"), INT64_MIN, &it), SOMBRA_INVALID_ARGUMENT);
    CHECK(sombra_query_descendants(r, a[0], "P\xc0", 2, 3, &it), SOMBRA_INVALID_UTF8);
    CHECK(sombra_query_descendants(r, a[0], "PARENT", (size_t)-1, 3, &it), SOMBRA_KEY_TOO_LARGE);
    CHECK(sombra_query_descendants(r, 0, S("PARENT"), 3, &it), SOMBRA_NODE_NOT_FOUND);
    CHECK(sombra_query_descendants(r, a[0], S("PARENT"), 3, NULL), SOMBRA_MISUSE);

    /* isolated nodes: a7 has a self-loop, so it is not isolated */
    OK(sombra_query_isolated_nodes(r, &it));
    EXPECT_IDS(it, a[6], a[8]);
    CHECK(sombra_query_isolated_nodes(r, NULL), SOMBRA_MISUSE);
    CHECK(sombra_query_isolated_nodes(0, &it), SOMBRA_MISUSE);

    /* traversal iterators end with their transaction */
    sombra_iter bfs_it, path_it, lazy_it;
    OK(sombra_query_bfs(r, a[0], SOMBRA_BOTH, NULL, NULL, 0, 3, &bfs_it));
    OK(sombra_iter_next_node(bfs_it, &id));
    OK(sombra_query_shortest_path(r, a[0], a[4], SOMBRA_OUTGOING, NULL, NULL, 0, 8, &path_it));
    OK(sombra_query_isolated_nodes(r, &lazy_it));
    OK(sombra_rollback(r));
    CHECK(sombra_iter_next_node(bfs_it, &id), SOMBRA_TRANSACTION_ENDED);
    CHECK(sombra_iter_depth(bfs_it, &depth), SOMBRA_TRANSACTION_ENDED);
    CHECK(sombra_iter_next_node(path_it, &id), SOMBRA_TRANSACTION_ENDED);
    CHECK(sombra_iter_next_node(lazy_it, &id), SOMBRA_TRANSACTION_ENDED);
    OK(sombra_iter_free(bfs_it));
    OK(sombra_iter_free(path_it));
    OK(sombra_iter_free(lazy_it));
    CHECK(sombra_query_k_hop(r, a[0], 1, SOMBRA_BOTH, NULL, NULL, 0, &it), SOMBRA_MISUSE); /* stale txn */
    CHECK(sombra_query_descendants(r, a[0], S("PARENT"), 3, &it), SOMBRA_MISUSE);
    OK(sombra_close(db));
}

/* ---- threads: readers and a writer share one database handle ------------------------------------- */

typedef struct {
    sombra_db db;
    int rounds;
    int bad;
} worker;

static void *reader_main(void *arg) {
    worker *wk = arg;
    for (int i = 0; i < wk->rounds; i++) {
        sombra_txn r;
        uint64_t n = 0, snap = 0, m = 0;
        if (sombra_begin_read(wk->db, &r) != SOMBRA_OK) { wk->bad++; continue; }
        /* the writer adds one node per commit, so a snapshot's node count is fixed for its life */
        if (sombra_node_count(r, &n) != SOMBRA_OK || sombra_txn_snapshot_id(r, &snap) != SOMBRA_OK) wk->bad++;
        sombra_iter it;
        if (sombra_query_all_nodes(r, &it) == SOMBRA_OK) {
            uint64_t id;
            while (sombra_iter_next_node(it, &id) == SOMBRA_OK) m++;
            sombra_iter_free(it);
        } else {
            wk->bad++;
        }
        if (m != n) wk->bad++;
        if (sombra_rollback(r) != SOMBRA_OK) wk->bad++;
    }
    return NULL;
}

static void *writer_main(void *arg) {
    worker *wk = arg;
    for (int i = 0; i < wk->rounds; i++) {
        sombra_txn w;
        uint64_t id;
        if (sombra_begin_write(wk->db, &w) != SOMBRA_OK) { wk->bad++; continue; }
        if (sombra_create_node(w, NULL, NULL, 0, 0, &id) != SOMBRA_OK) wk->bad++;
        if (sombra_commit(w, NULL) != SOMBRA_OK) wk->bad++;
    }
    return NULL;
}

/* Close while other threads are inside transactions: every call returns a status, none crashes, and
 * every thread stops once the handle is gone. */
static _Atomic long commits_seen = 0;

static int acceptable_during_close(int rc) {
    return rc == SOMBRA_OK || rc == SOMBRA_MISUSE || rc == SOMBRA_CLOSED || rc == SOMBRA_TRANSACTION_ENDED ||
           rc == SOMBRA_DONE;
}

static void *close_race_reader(void *arg) {
    worker *wk = arg;
    for (;;) {
        sombra_txn r;
        int rc = sombra_begin_read(wk->db, &r);
        if (rc == SOMBRA_MISUSE || rc == SOMBRA_CLOSED) return NULL; /* closed: stop */
        if (rc != SOMBRA_OK) { wk->bad++; return NULL; }
        sombra_iter it;
        uint64_t id;
        rc = sombra_query_all_nodes(r, &it);
        if (rc == SOMBRA_OK) {
            while ((rc = sombra_iter_next_node(it, &id)) == SOMBRA_OK) {}
            if (!acceptable_during_close(rc)) wk->bad++;
            if (sombra_iter_free(it) != SOMBRA_OK) wk->bad++;
        } else if (!acceptable_during_close(rc)) {
            wk->bad++;
        }
        rc = sombra_rollback(r);
        if (!acceptable_during_close(rc)) wk->bad++;
    }
}

static void *close_race_writer(void *arg) {
    worker *wk = arg;
    for (;;) {
        sombra_txn w;
        uint64_t id;
        int rc = sombra_begin_write(wk->db, &w);
        if (rc == SOMBRA_MISUSE || rc == SOMBRA_CLOSED) return NULL;
        if (rc != SOMBRA_OK) { wk->bad++; return NULL; }
        rc = sombra_create_node(w, NULL, NULL, 0, 0, &id);
        if (!acceptable_during_close(rc)) wk->bad++;
        rc = sombra_commit(w, NULL);
        if (rc == SOMBRA_OK) commits_seen++;
        else if (!acceptable_during_close(rc)) wk->bad++;
    }
}

static void test_close_race(void) {
    fresh_path("race.sombra");
    sombra_db db;
    OK(open_db(&db, 0));
    enum { THREADS = 4 };
    pthread_t threads[THREADS];
    worker workers[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){db, 0, 0};
        pthread_create(&threads[i], NULL, i == 0 ? close_race_writer : close_race_reader, &workers[i]);
    }
    while (commits_seen < 20) sched_yield(); /* let the threads get going, then close under them */
    OK(sombra_close(db));
    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        bad += workers[i].bad;
    }
    EXPECT(bad == 0);
    /* everything committed before the close is there after reopening */
    long committed = commits_seen;
    OK(open_db(&db, 0));
    sombra_txn r;
    uint64_t n = 0;
    OK(sombra_begin_read(db, &r));
    OK(sombra_node_count(r, &n));
    EXPECT((long)n == committed);
    OK(sombra_rollback(r));
    OK(sombra_close(db));
}

static void test_threads(void) {
    fresh_path("threads.sombra");
    sombra_db db;
    OK(open_db(&db, 0));
    enum { READERS = 3 };
    pthread_t threads[READERS + 1];
    worker workers[READERS + 1];
    for (int i = 0; i <= READERS; i++) {
        workers[i] = (worker){db, i == 0 ? 200 : 100, 0};
        pthread_create(&threads[i], NULL, i == 0 ? writer_main : reader_main, &workers[i]);
    }
    int bad = 0;
    for (int i = 0; i <= READERS; i++) {
        pthread_join(threads[i], NULL);
        bad += workers[i].bad;
    }
    EXPECT(bad == 0);
    sombra_txn r;
    uint64_t n = 0;
    OK(sombra_begin_read(db, &r));
    OK(sombra_node_count(r, &n));
    EXPECT(n == 200);
    OK(sombra_rollback(r));
    OK(sombra_close(db));
}

/* ---- bench: the cost of one sombra_get_node ---------------------------------------------------------- */

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int bench(int NODES, int CALLS) {
    fresh_path("bench.sombra");
    sombra_db db;
    if (open_db(&db, 0) != SOMBRA_OK) { fprintf(stderr, "bench: open failed: %s\n", last_message()); return 1; }
    sombra_txn w;
    sombra_begin_write(db, &w);
    const char *labels[] = {"Person"};
    size_t lens[] = {6};
    for (int i = 0; i < NODES; i++) {
        char text[96];
        int n = snprintf(text, sizeof text, "{\"name\":\"person %d\",\"age\":%d,\"score\":%d.5}", i, i % 90, i);
        sombra_value props;
        sombra_value_from_json(text, (size_t)n, &props);
        uint64_t id;
        sombra_create_node(w, labels, lens, 1, props, &id);
        sombra_value_free(props);
    }
    sombra_commit(w, NULL);
    sombra_txn r;
    sombra_begin_read(db, &r);
    uint64_t x = 88172645463325252ull;
    int errors = 0;
    for (int phase = 0; phase < 2; phase++) { /* phase 0 warms the cache */
        double start = now_ns();
        int calls_n = phase == 0 ? CALLS / 10 : CALLS;
        for (int i = 0; i < calls_n; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            sombra_value l, p;
            if (sombra_get_node(r, 1 + x % NODES, &l, &p) != SOMBRA_OK) { errors++; continue; }
            sombra_value_free(l);
            sombra_value_free(p);
        }
        double elapsed = now_ns() - start;
        if (phase == 1) {
            printf("abi-get-node-ns: %.0f calls: %d nodes: %d errors: %d\n", elapsed / calls_n, calls_n, NODES, errors);
        }
    }
    sombra_rollback(r);
    sombra_close(db);
    return errors == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
    int bench_mode = 0, bench_nodes = 10000, bench_calls = 200000;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--bench") == 0) bench_mode = 1;
        else if (strcmp(argv[i], "--calls") == 0 && i + 1 < argc) bench_calls = atoi(argv[++i]);
        else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) bench_nodes = atoi(argv[++i]);
        else dir = argv[i];
    }
    if (bench_nodes < 1 || bench_calls < 10) { fprintf(stderr, "--nodes >= 1, --calls >= 10\n"); return 2; }
    if (dir == NULL) {
        snprintf(work_dir, sizeof work_dir, "/tmp/sombra-cabi-c-%d", (int)getpid());
    } else {
        snprintf(work_dir, sizeof work_dir, "%s", dir);
    }
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", work_dir);
    if (system(cmd) != 0) { fprintf(stderr, "cannot create %s\n", work_dir); return 2; }
    if (bench_mode) return bench(bench_nodes, bench_calls);

    test_general();
    test_open_errors();
    test_values();
    graph g;
    test_graph(&g);
    test_queries(&g);
    test_ids_and_index_keys(&g);
    test_checkpoint_stats_close(&g);
    test_traversals();
    test_threads();
    test_close_race();

    for (size_t i = 0; i < FUNCTION_COUNT; i++) {
        if (!seen[i]) {
            failures++;
            fprintf(stderr, "FAIL: %s was never called\n", all_functions[i]);
        }
    }
    printf("cabi-c: calls: %ld functions: %zu failures: %ld\n", calls, FUNCTION_COUNT, failures);
    return failures == 0 ? 0 : 1;
}
