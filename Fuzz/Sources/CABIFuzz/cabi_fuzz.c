/*
 * cabi_fuzz.c - fuzz target 4 (reliability guide A1-A5 over the C ABI): a byte-coded sequence of
 * sombra_* calls with fuzz-chosen handles (live, stale, null, wrong-kind, made up), lengths (in range,
 * NULL with a length, one past each limit, SIZE_MAX) and bytes (valid and invalid UTF-8, JSON text).
 *
 * Input: one opcode byte per call (byte % OP_COUNT, see the switch in run_one), followed by the bytes its
 * arguments take; reads past the end give zeros, so every byte string is a complete program.
 *
 * Promises checked (a broken one is a "problem": the fuzz executable then aborts so libFuzzer keeps the
 * input; the replay program exits 1):
 *  1. Every status is a documented code, never SOMBRA_INTERNAL.
 *  2. A call given a wrong-kind handle, a NULL required out-parameter, a NULL pointer with a length, or a
 *     length past a limit never succeeds; and the library never reads past the bytes it was given (every
 *     buffer is allocated at exactly its length, so the address sanitizer sees any over-read).
 *  3. Out-parameters are written only on success.
 *  4. Value getters return what the constructor was given; JSON printed, parsed and printed again is the
 *     same text; a commit id equals the snapshot id of a read transaction begun right after it.
 *
 * Length out-parameters (out_len of sombra_value_to_json, out_key_len of sombra_value_map_entry, and
 * those of version, errmsg, get_string, get_bytes) are treated as optional: the library accepts NULL
 * for them although only some are documented "may be NULL" (reported; the header should say so).
 *
 * A C callback is not part of the ABI (no function takes one), so reentrant calls cannot arise here.
 *
 * Files: this one (input, state, checks, arguments, the step loop), cabi_calls.h (the calls, included
 * once, here) and cabi_replay_main.c (a main() that replays files, compiled only with
 * -DSOMBRA_FUZZ_REPLAY_MAIN: the root replay test builds it with gcc against libsombra.so). The Fuzz
 * package builds the first two into fuzz-cabi with the sanitizers.
 */
#define _POSIX_C_SOURCE 200809L
#include "cabi_fuzz.h"
#include "sombra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- input ---------------------------------------------------------------------------------------- */

typedef struct {
    const uint8_t *p;
    size_t n, at;
} input;

static uint8_t u8(input *in) { return in->at < in->n ? in->p[in->at++] : 0; }
static uint64_t u64(input *in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)u8(in) << (8 * i);
    return v;
}
static int at_end(const input *in) { return in->at >= in->n; }

/* ---- state ---------------------------------------------------------------------------------------- */

#define DBS 2
#define TXNS 6
#define ITERS 6
#define VALUES 10
#define IDS 16
#define SENTINEL 0xA5A5A5A5A5A5A5A5ull

enum { K_DB, K_TXN, K_ITER, K_VALUE };

typedef struct {
    sombra_db db[DBS];
    sombra_txn txn[TXNS];
    sombra_iter iter[ITERS];
    sombra_value value[VALUES];
    uint64_t ids[IDS];
    int next_id;
    /* Set while building a call whose arguments make success impossible (promise 2). */
    int must_fail;
    /* Which out-parameters of this step are NULL (see out_arg). */
    uint8_t null_mask;
    const char *call;
} state;

static char problem_text[768];
static int problem_found;
static uint64_t calls_made;
static char db_dir[512];
static char db_path[600];

const char *sombra_fuzz_cabi_problem(void) { return problem_text; }
uint64_t sombra_fuzz_cabi_calls(void) { return calls_made; }

static void problem(const state *s, const char *what, int rc) {
    if (problem_found) return;
    problem_found = 1;
    const char *msg = "";
    size_t len = 0;
    sombra_errmsg(&msg, &len);
    snprintf(problem_text, sizeof problem_text, "%s: %s (status %d; last message: %.*s)", s->call, what, rc,
             (int)(len > 300 ? 300 : len), msg);
}

static int documented(int rc) {
    return (rc >= 0 && rc <= 8) || (rc >= 10 && rc <= 15) || (rc >= 20 && rc <= 23) || (rc >= 30 && rc <= 36) ||
           (rc >= 40 && rc <= 46);
}

static int tracing = -1;

/* Promises 1 and 2 for one call's status. Set CABI_FUZZ_TRACE=1 to print every call. */
static int check(state *s, int rc) {
    calls_made++;
    if (tracing < 0) tracing = getenv("CABI_FUZZ_TRACE") != NULL;
    if (tracing) printf("  cabi: %s -> %d%s\n", s->call, rc, s->must_fail ? " (must fail)" : "");
    if (!documented(rc) || rc == SOMBRA_INTERNAL) problem(s, "undocumented or internal status", rc);
    if (rc == SOMBRA_OK && s->must_fail) problem(s, "succeeded with an argument that must be refused", rc);
    s->must_fail = 0;
    return rc;
}

/* Promise 3: an out-parameter keeps its sentinel unless the call succeeded. */
static void untouched_on_failure(state *s, int rc, uint64_t out) {
    if (rc != SOMBRA_OK && rc != SOMBRA_DONE && out != SENTINEL) problem(s, "out-parameter written on failure", rc);
}

#define CALL(name, expr) (s->call = name, check(s, (expr)))

/* ---- arguments ------------------------------------------------------------------------------------ */

static uint64_t *table(state *s, int kind, int *count) {
    switch (kind) {
    case K_DB: *count = DBS; return s->db;
    case K_TXN: *count = TXNS; return s->txn;
    case K_ITER: *count = ITERS; return s->iter;
    default: *count = VALUES; return s->value;
    }
}

/* A handle of `kind`: mostly from the table (live, stale or 0), sometimes another kind's, 0, or made up. */
static uint64_t pick(state *s, input *in, int kind) {
    uint8_t b = u8(in);
    int count;
    uint64_t *t;
    switch (b % 10) {
    case 7: {
        t = table(s, (kind + 1 + b / 10 % 3) % 4, &count);
        uint64_t h = t[b % count];
        if (h != 0) s->must_fail = 1; /* wrong kind */
        return h;
    }
    case 8: return 0;
    case 9: return u64(in);
    default: t = table(s, kind, &count); return t[b % count];
    }
}

static uint64_t *slot(state *s, input *in, int kind) {
    int count;
    uint64_t *t = table(s, kind, &count);
    return &t[u8(in) % count];
}

/* Stores a new handle in a table slot, releasing the one it replaces (a stale one is simply refused), so
 * no handle is ever lost and the library's tables stay small over millions of inputs. */
static void store(int kind, uint64_t *dst, uint64_t h) {
    switch (kind) {
    case K_DB: sombra_close(*dst); break;
    case K_TXN: sombra_rollback(*dst); break;
    case K_ITER: sombra_iter_free(*dst); break;
    default: sombra_value_free(*dst); break;
    }
    *dst = h;
}

static uint64_t pick_id(state *s, input *in) {
    uint8_t b = u8(in);
    if (b >= 240) {
        static const uint64_t odd[] = {0, 1, 2, 1000, UINT64_MAX, UINT64_MAX - 1, 1ull << 63, 3};
        return odd[b % 8];
    }
    return s->ids[b % IDS];
}

static void remember_id(state *s, uint64_t id) { s->ids[s->next_id++ % IDS] = id; }

/* A string argument: `p` is malloc'd at exactly `len` bytes (or NULL); free with free_text. */
typedef struct {
    char *p;
    size_t len;
} text;

static text copy_text(const char *src, size_t len) {
    text t = {malloc(len ? len : 1), len};
    if (t.p && len) memcpy(t.p, src, len);
    return t;
}

static const char *words[] = {"Person", "name", "KNOWS", "age", "é", "Tag", "score", "→"};

/* `limit` is the ABI's bound for this argument (names, values, JSON, paths). */
static text make_text(state *s, input *in, size_t limit) {
    uint8_t b = u8(in);
    switch (b % 12) {
    case 5:
    case 6: { /* raw bytes from the input: often invalid UTF-8 */
        size_t n = u8(in) % 20;
        char tmp[20];
        for (size_t i = 0; i < n; i++) tmp[i] = (char)u8(in);
        return copy_text(tmp, n);
    }
    case 7: { text t = {NULL, 0}; return t; }
    case 8: { text t = {NULL, 1 + u8(in)}; s->must_fail = 1; return t; }
    case 9: { text t = copy_text("abcd", 4); t.len = limit + 1; s->must_fail = 1; return t; }
    case 10: { text t = copy_text("abcd", 4); t.len = SIZE_MAX; s->must_fail = 1; return t; }
    case 11: {
        size_t n = limit < 1100 ? limit : 1100;
        text t = {malloc(n), n};
        if (t.p) memset(t.p, 'n', n);
        return t;
    }
    default: { const char *w = words[b % 8]; return copy_text(w, strlen(w)); }
    }
}

static void free_text(text *t) {
    free(t->p);
    t->p = NULL;
}

/* An out-parameter, or NULL when this call site's bit of the step's null mask is set (then the call must
 * fail unless the parameter is optional). The mask is read once per step, before any argument is
 * evaluated: C leaves the order of argument evaluation unspecified, so arguments never read input. */
static void *out_arg(state *s, void *ptr, int required, int site) {
    if (!(s->null_mask >> (site % 8) & 1)) return ptr;
    if (required) s->must_fail = 1;
    return NULL;
}
#define OUT(ptr, required) out_arg(s, (ptr), (required), __COUNTER__)

#include "cabi_calls.h"

enum { OP_COUNT = 72 };

static void run_one(state *s, input *in) {
    uint8_t op = u8(in) % OP_COUNT;
    s->null_mask = u8(in) % 4 == 0 ? u8(in) : 0;
    switch (op) {
    case 0: case 1: op_open(s, in); break;
    case 2: case 3: op_begin(s, in, 0); break;
    case 4: case 5: op_begin(s, in, 1); break;
    case 6: case 7: case 8: op_commit(s, in); break;
    case 9: case 10: case 11: case 12: op_create_node(s, in); break;
    case 13: case 14: case 15: op_create_edge(s, in); break;
    default:
        if (op < 30) op_node_or_edge(s, in, op - 16);
        else if (op < 34) op_index(s, in, op - 30);
        else if (op < 44) op_query(s, in, op - 34);
        else if (op < 50) op_counts(s, in, op - 44);
        else if (op < 54) op_iter(s, in, op == 53 ? 4 : op - 50);
        else if (op < 56) op_make_value(s, in);
        else if (op < 58) op_value_calls(s, in, u8(in) % 11);
        else if (op < 64) op_misc(s, in, op - 58);
        else if (op < 70) op_query(s, in, 10 + (op - 64));
        else op_iter(s, in, 3);
        break;
    }
}

static void setup_paths(void) {
    if (db_dir[0]) return;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(db_dir, sizeof db_dir, "%s/sombra-fuzz-cabi-%ld", base, (long)getpid());
    mkdir(db_dir, 0700);
    snprintf(db_path, sizeof db_path, "%s/f.sombra", db_dir);
}

static void remove_files(void) {
    char wal[700];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    unlink(db_path);
    unlink(wal);
}

int sombra_fuzz_cabi(const uint8_t *data, size_t size) {
    setup_paths();
    remove_files();
    problem_found = 0;
    problem_text[0] = 0;
    state s;
    memset(&s, 0, sizeof s);
    input in = {data, size, 0};
    int steps = 0;
    while (!at_end(&in) && steps < 400 && !problem_found) {
        run_one(&s, &in);
        steps++;
    }
    /* Release everything (stale handles are simply refused). */
    for (int i = 0; i < ITERS; i++) sombra_iter_free(s.iter[i]);
    for (int i = 0; i < TXNS; i++) sombra_rollback(s.txn[i]);
    for (int i = 0; i < VALUES; i++) sombra_value_free(s.value[i]);
    for (int i = 0; i < DBS; i++) sombra_close(s.db[i]);
    remove_files();
    return problem_found;
}

void sombra_fuzz_cabi_cleanup(void) {
    if (db_dir[0]) {
        remove_files();
        rmdir(db_dir);
    }
}
