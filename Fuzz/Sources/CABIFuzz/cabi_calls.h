/*
 * cabi_calls.h - the calls of the C ABI fuzz target: one static function per group of sombra_* functions,
 * each reading its arguments from the input before the call. Included once, by cabi_fuzz.c (it uses that
 * file's state, checks and argument helpers); not a public header.
 */
/* ---- calls ---------------------------------------------------------------------------------------- */

static void op_open(state *s, input *in) {
    sombra_options o;
    const sombra_options *opts = NULL;
    if (u8(in) % 2) {
        CALL("sombra_options_init", sombra_options_init(&o));
        static const uint64_t sizes[] = {4096, 8192, 65536, 0, 5000, 131072};
        o.page_size = sizes[u8(in) % 6];
        o.cache_bytes = (uint64_t)(u8(in) % 4) << 18;
        o.checkpoint_threshold_bytes = (uint64_t)(u8(in) % 4) << 14;
        o.sync_mode = u8(in) % 5;
        o.flags = u8(in) % 5;
        if (u8(in) % 8 == 0) o.struct_size = u8(in);
        opts = &o;
    }
    sombra_db db = SENTINEL;
    uint64_t *dst = slot(s, in, K_DB);
    int rc = CALL("sombra_open", sombra_open(db_path, strlen(db_path), opts, OUT(&db, 1)));
    untouched_on_failure(s, rc, db);
    if (rc == SOMBRA_OK) store(K_DB, dst, db);
}

static void op_begin(state *s, input *in, int write) {
    sombra_txn t = SENTINEL;
    sombra_db db = pick(s, in, K_DB);
    uint64_t *dst = slot(s, in, K_TXN);
    int rc = write ? CALL("sombra_begin_write", sombra_begin_write(db, OUT(&t, 1)))
                   : CALL("sombra_begin_read", sombra_begin_read(db, OUT(&t, 1)));
    untouched_on_failure(s, rc, t);
    if (rc == SOMBRA_OK) store(K_TXN, dst, t);
}

/* Promise 4: a read transaction begun right after a commit sees exactly that commit. */
static void op_commit(state *s, input *in) {
    uint64_t *src = slot(s, in, K_TXN);
    int write = 0;
    int known = sombra_txn_is_write(*src, &write) == SOMBRA_OK;
    uint64_t id = SENTINEL;
    int rc = CALL("sombra_commit", sombra_commit(*src, OUT(&id, 0)));
    untouched_on_failure(s, rc, id);
    if (rc == SOMBRA_OK && known && write && id != SENTINEL) {
        for (int i = 0; i < DBS; i++) {
            sombra_txn r;
            if (sombra_begin_read(s->db[i], &r) != SOMBRA_OK) continue;
            uint64_t snap = 0;
            if (sombra_txn_snapshot_id(r, &snap) == SOMBRA_OK && snap == id) { sombra_rollback(r); return; }
            sombra_rollback(r);
        }
        s->call = "sombra_commit";
        problem(s, "no open database reads the commit id just returned", rc);
    }
}

static int names_must_fail;

/* Up to 3 names; returns how many texts were made (free them with free_names, whatever `count` becomes). */
static size_t names(state *s, input *in, const char **list, size_t *lens, text *texts, size_t *count, int *null_arrays) {
    int saved = s->must_fail;
    *count = u8(in) % 4;
    size_t made = *count;
    *null_arrays = 0;
    for (size_t i = 0; i < made; i++) {
        texts[i] = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        list[i] = texts[i].p;
        lens[i] = texts[i].len;
    }
    uint8_t b = u8(in);
    if (b % 16 == 0 && *count > 0) { *null_arrays = 1; s->must_fail = 1; }
    if (b % 16 == 1) { *null_arrays = 1; *count = SIZE_MAX; s->must_fail = 1; }
    /* The caller decides whether the names are passed: it ORs this into must_fail then. */
    names_must_fail = s->must_fail;
    s->must_fail = saved;
    return made;
}

static void free_names(text *texts, size_t made) {
    for (size_t i = 0; i < made; i++) free_text(&texts[i]);
}

static void op_create_node(state *s, input *in) {
    const char *list[4];
    size_t lens[4], count;
    text texts[4];
    int null_arrays;
    sombra_txn t = pick(s, in, K_TXN);
    size_t made = names(s, in, list, lens, texts, &count, &null_arrays);
    s->must_fail |= names_must_fail;
    sombra_value props = pick(s, in, K_VALUE);
    uint64_t node = SENTINEL;
    int rc = CALL("sombra_create_node", sombra_create_node(t, null_arrays ? NULL : list, null_arrays ? NULL : lens, count,
                                                           props, OUT(&node, 0)));
    untouched_on_failure(s, rc, node);
    free_names(texts, made);
    if (rc == SOMBRA_OK && node != SENTINEL) {
        remember_id(s, node);
        int exists = 0;
        if (sombra_node_exists(t, node, &exists) != SOMBRA_OK || !exists) problem(s, "a created node does not exist", rc);
    }
}

static void op_create_edge(state *s, input *in) {
    sombra_txn t = pick(s, in, K_TXN);
    uint64_t a = pick_id(s, in), b = pick_id(s, in);
    text type = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
    sombra_value props = pick(s, in, K_VALUE);
    uint64_t edge = SENTINEL;
    int rc = CALL("sombra_create_edge", sombra_create_edge(t, a, b, type.p, type.len, props, OUT(&edge, 0)));
    untouched_on_failure(s, rc, edge);
    free_text(&type);
    if (rc == SOMBRA_OK && edge != SENTINEL) remember_id(s, edge);
}

/* Calls that take (txn, id, name[, value]) or (txn, id). */
static void op_node_or_edge(state *s, input *in, int which) {
    sombra_txn t = pick(s, in, K_TXN);
    uint64_t id = pick_id(s, in);
    int flag = -7, rc;
    sombra_value v = SENTINEL, w = SENTINEL;
    /* Only the calls that take a name get one (a refused name must not count against the others). */
    int named = (which >= 3 && which <= 7) || which >= 11;
    text name = {NULL, 0};
    if (named) name = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
    switch (which) {
    case 0: rc = CALL("sombra_delete_node", sombra_delete_node(t, id)); break;
    case 1:
        rc = CALL("sombra_get_node", sombra_get_node(t, id, OUT(&v, 0), OUT(&w, 0)));
        untouched_on_failure(s, rc, v);
        untouched_on_failure(s, rc, w);
        if (rc == SOMBRA_OK) { sombra_value_free(v); sombra_value_free(w); }
        break;
    case 2: rc = CALL("sombra_node_exists", sombra_node_exists(t, id, OUT(&flag, 1))); break;
    case 3: rc = CALL("sombra_add_label", sombra_add_label(t, id, name.p, name.len)); break;
    case 4: rc = CALL("sombra_remove_label", sombra_remove_label(t, id, name.p, name.len, OUT(&flag, 0))); break;
    case 5: rc = CALL("sombra_set_node_property", sombra_set_node_property(t, id, name.p, name.len, pick(s, in, K_VALUE))); break;
    case 6:
        rc = CALL("sombra_get_node_property", sombra_get_node_property(t, id, name.p, name.len, OUT(&v, 1)));
        untouched_on_failure(s, rc, v);
        if (rc == SOMBRA_OK && v) sombra_value_free(v);
        break;
    case 7: rc = CALL("sombra_remove_node_property", sombra_remove_node_property(t, id, name.p, name.len, OUT(&flag, 0))); break;
    case 8: rc = CALL("sombra_delete_edge", sombra_delete_edge(t, id)); break;
    case 9: {
        uint64_t src = SENTINEL, dst = SENTINEL;
        char *type = (char *)SENTINEL;
        size_t type_len = 0;
        rc = CALL("sombra_get_edge", sombra_get_edge(t, id, OUT(&src, 0), OUT(&dst, 0), OUT(&type, 0), OUT(&type_len, 0), OUT(&v, 0)));
        untouched_on_failure(s, rc, src);
        untouched_on_failure(s, rc, (uint64_t)(uintptr_t)type);
        if (rc == SOMBRA_OK) {
            if (type != (char *)SENTINEL) sombra_free_string(type);
            if (v != SENTINEL) sombra_value_free(v);
        }
        break;
    }
    case 10: rc = CALL("sombra_edge_exists", sombra_edge_exists(t, id, OUT(&flag, 1))); break;
    case 11: rc = CALL("sombra_set_edge_property", sombra_set_edge_property(t, id, name.p, name.len, pick(s, in, K_VALUE))); break;
    case 12:
        rc = CALL("sombra_get_edge_property", sombra_get_edge_property(t, id, name.p, name.len, OUT(&v, 1)));
        untouched_on_failure(s, rc, v);
        if (rc == SOMBRA_OK && v) sombra_value_free(v);
        break;
    default: rc = CALL("sombra_remove_edge_property", sombra_remove_edge_property(t, id, name.p, name.len, OUT(&flag, 0))); break;
    }
    if (rc != SOMBRA_OK && flag != -7) problem(s, "flag out-parameter written on failure", rc);
    free_text(&name);
}

static void op_index(state *s, input *in, int which) {
    sombra_txn t = pick(s, in, K_TXN);
    text label = {NULL, 0}, key = {NULL, 0};
    if (which < 3) {
        label = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        key = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
    }
    int flag = -7, rc;
    sombra_value v = SENTINEL;
    switch (which) {
    case 0: rc = CALL("sombra_create_index", sombra_create_index(t, label.p, label.len, key.p, key.len)); break;
    case 1: rc = CALL("sombra_drop_index", sombra_drop_index(t, label.p, label.len, key.p, key.len)); break;
    case 2: rc = CALL("sombra_has_index", sombra_has_index(t, label.p, label.len, key.p, key.len, OUT(&flag, 1))); break;
    default:
        rc = CALL("sombra_list_indexes", sombra_list_indexes(t, OUT(&v, 1)));
        untouched_on_failure(s, rc, v);
        if (rc == SOMBRA_OK) sombra_value_free(v);
        break;
    }
    if (rc != SOMBRA_OK && flag != -7) problem(s, "flag out-parameter written on failure", rc);
    free_text(&label);
    free_text(&key);
}

static void op_query(state *s, input *in, int which) {
    sombra_txn t = pick(s, in, K_TXN);
    uint64_t *dst = slot(s, in, K_ITER);
    sombra_iter it = SENTINEL;
    int rc = SOMBRA_OK;
    const char *list[4];
    size_t lens[4], count = 0;
    text texts[4], a = {NULL, 0}, b = {NULL, 0};
    int null_arrays = 0;
    int direction = u8(in) % 4; /* 3 is invalid */
    uint64_t node = pick_id(s, in);
    switch (which) {
    case 0: rc = CALL("sombra_query_all_nodes", sombra_query_all_nodes(t, OUT(&it, 1))); break;
    case 1: rc = CALL("sombra_query_first_nodes", sombra_query_first_nodes(t, u8(in) % 8, OUT(&it, 1))); break;
    case 2: rc = CALL("sombra_query_last_nodes", sombra_query_last_nodes(t, (size_t)u64(in), OUT(&it, 1))); break;
    case 3:
        a = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        rc = CALL("sombra_query_nodes_by_label", sombra_query_nodes_by_label(t, a.p, a.len, OUT(&it, 1)));
        break;
    case 4:
        a = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        b = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        rc = CALL("sombra_query_nodes_by_property",
                  sombra_query_nodes_by_property(t, a.p, a.len, b.p, b.len, pick(s, in, K_VALUE), OUT(&it, 1)));
        break;
    case 5:
        a = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        b = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        {
            sombra_value lower = pick(s, in, K_VALUE);
            int lower_inclusive = u8(in) % 3;
            sombra_value upper = pick(s, in, K_VALUE);
            int upper_inclusive = u8(in) % 3;
            rc = CALL("sombra_query_nodes_by_range",
                      sombra_query_nodes_by_range(t, a.p, a.len, b.p, b.len, lower, lower_inclusive, upper,
                                                  upper_inclusive, OUT(&it, 1)));
        }
        break;
    case 6: rc = CALL("sombra_query_all_edges", sombra_query_all_edges(t, OUT(&it, 1))); break;
    case 13:
    case 14: {
        int64_t depth = u8(in) % 8 == 0 ? INT64_MAX : (int64_t)(int8_t)u8(in);
        a = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        rc = which == 13 ? CALL("sombra_query_ancestors", sombra_query_ancestors(t, node, a.p, a.len, depth, OUT(&it, 1)))
                         : CALL("sombra_query_descendants", sombra_query_descendants(t, node, a.p, a.len, depth, OUT(&it, 1)));
        break;
    }
    case 15: rc = CALL("sombra_query_isolated_nodes", sombra_query_isolated_nodes(t, OUT(&it, 1))); break;
    default: {
        size_t made = names(s, in, list, lens, texts, &count, &null_arrays);
        if (direction == 3) s->must_fail = 1;
        const char *const *types = null_arrays ? NULL : list;
        const size_t *type_lens = null_arrays ? NULL : lens;
        if (u8(in) % 4 == 0 && !null_arrays) { types = NULL; type_lens = NULL; count = 0; } /* every type */
        else s->must_fail |= names_must_fail;
        /* Traversal depths: small, negative (refused) or the largest. */
        int64_t depth = u8(in) % 8 == 0 ? INT64_MAX : (int64_t)(int8_t)u8(in);
        uint64_t other = pick_id(s, in);
        if (which == 7) {
            rc = CALL("sombra_query_edges", sombra_query_edges(t, node, direction, types, type_lens, count, OUT(&it, 1)));
        } else if (which == 10) {
            rc = CALL("sombra_query_bfs", sombra_query_bfs(t, node, direction, types, type_lens, count, depth, OUT(&it, 1)));
        } else if (which == 11) {
            rc = CALL("sombra_query_shortest_path",
                      sombra_query_shortest_path(t, node, other, direction, types, type_lens, count, depth, OUT(&it, 1)));
        } else if (which == 12) {
            rc = CALL("sombra_query_k_hop", sombra_query_k_hop(t, node, depth, direction, types, type_lens, count, OUT(&it, 1)));
        } else if (which == 8) {
            rc = CALL("sombra_query_neighbors", sombra_query_neighbors(t, node, direction, types, type_lens, count, OUT(&it, 1)));
        } else {
            uint64_t degree = SENTINEL;
            rc = CALL("sombra_degree", sombra_degree(t, node, direction, types, type_lens, count, OUT(&degree, 1)));
            untouched_on_failure(s, rc, degree);
        }
        free_names(texts, made);
        break;
    }
    }
    untouched_on_failure(s, rc, it);
    if (rc == SOMBRA_OK && it != SENTINEL) store(K_ITER, dst, it);
    free_text(&a);
    free_text(&b);
}

static void op_counts(state *s, input *in, int which) {
    sombra_txn t = pick(s, in, K_TXN);
    uint64_t n = SENTINEL;
    sombra_value v = SENTINEL;
    text name = {NULL, 0};
    int rc;
    switch (which) {
    case 0: rc = CALL("sombra_node_count", sombra_node_count(t, OUT(&n, 1))); break;
    case 1: rc = CALL("sombra_edge_count", sombra_edge_count(t, OUT(&n, 1))); break;
    case 2:
        name = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        rc = CALL("sombra_count_label", sombra_count_label(t, name.p, name.len, OUT(&n, 1)));
        break;
    case 3:
        name = make_text(s, in, SOMBRA_MAX_NAME_BYTES);
        rc = CALL("sombra_count_edge_type", sombra_count_edge_type(t, name.p, name.len, OUT(&n, 1)));
        break;
    case 4: rc = CALL("sombra_label_counts", sombra_label_counts(t, OUT(&v, 1))); break;
    default: rc = CALL("sombra_edge_type_counts", sombra_edge_type_counts(t, OUT(&v, 1))); break;
    }
    untouched_on_failure(s, rc, n);
    untouched_on_failure(s, rc, v);
    if (rc == SOMBRA_OK && v != SENTINEL) sombra_value_free(v);
    free_text(&name);
}

static void op_iter(state *s, input *in, int which) {
    sombra_iter it = pick(s, in, K_ITER);
    uint64_t id = SENTINEL, src = SENTINEL, dst = SENTINEL;
    const char *type = (const char *)SENTINEL;
    size_t type_len = 0;
    int rc;
    switch (which) {
    case 0: rc = CALL("sombra_iter_next_node", sombra_iter_next_node(it, OUT(&id, 1))); break;
    case 1:
        rc = CALL("sombra_iter_next_edge", sombra_iter_next_edge(it, OUT(&id, 0), OUT(&src, 0), OUT(&dst, 0), OUT(&type, 0), OUT(&type_len, 0)));
        if (rc == SOMBRA_OK && type != (const char *)SENTINEL && type && type_len && type[type_len] != 0) {
            problem(s, "borrowed edge type is not NUL-terminated", rc);
        }
        break;
    case 2: {
        size_t capacity = u8(in) % 6; /* 0 is invalid */
        uint64_t *ids = malloc(capacity ? capacity * sizeof *ids : 1);
        size_t got = SENTINEL;
        if (capacity == 0) s->must_fail = 1;
        rc = CALL("sombra_iter_next_batch", sombra_iter_next_batch(it, OUT(ids, 1), capacity, OUT(&got, 1)));
        if (rc == SOMBRA_OK && (got == 0 || got > capacity)) problem(s, "batch count out of range", rc);
        if (rc == SOMBRA_OK && got <= capacity) id = ids[0];
        free(ids);
        break;
    }
    case 3: {
        uint64_t depth = SENTINEL;
        rc = CALL("sombra_iter_depth", sombra_iter_depth(it, OUT(&depth, 1)));
        untouched_on_failure(s, rc, depth);
        break;
    }
    default: rc = CALL("sombra_iter_free", sombra_iter_free(it)); break;
    }
    if (rc == SOMBRA_OK && id != SENTINEL) remember_id(s, id);
}

static int same_json(sombra_value v) {
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    sombra_value back = 0;
    int ok = 1;
    if (sombra_value_to_json(v, &a, &alen) != SOMBRA_OK) return 1;
    if (sombra_value_from_json(a, alen, &back) != SOMBRA_OK) ok = 0;
    else if (sombra_value_to_json(back, &b, &blen) != SOMBRA_OK || alen != blen || memcmp(a, b, alen) != 0) ok = 0;
    sombra_free_string(a);
    if (b) sombra_free_string(b);
    if (back) sombra_value_free(back);
    return ok;
}

static void op_make_value(state *s, input *in) {
    uint64_t *dst = slot(s, in, K_VALUE);
    sombra_value v = SENTINEL;
    int rc, kind = u8(in) % 8;
    int64_t i = (int64_t)u64(in);
    double d;
    uint64_t bits = u64(in);
    memcpy(&d, &bits, sizeof d);
    text t = {NULL, 0};
    switch (kind) {
    case 0: rc = CALL("sombra_value_null", sombra_value_null(OUT(&v, 1))); break;
    case 1: rc = CALL("sombra_value_bool", sombra_value_bool((int)(i % 3), OUT(&v, 1))); break;
    case 2: rc = CALL("sombra_value_int", sombra_value_int(i, OUT(&v, 1))); break;
    case 3: rc = CALL("sombra_value_double", sombra_value_double(d, OUT(&v, 1))); break;
    case 4:
        t = make_text(s, in, SOMBRA_MAX_VALUE_BYTES);
        rc = CALL("sombra_value_string", sombra_value_string(t.p, t.len, OUT(&v, 1)));
        break;
    case 5:
        t = make_text(s, in, SOMBRA_MAX_VALUE_BYTES);
        rc = CALL("sombra_value_bytes", sombra_value_bytes((const uint8_t *)t.p, t.len, OUT(&v, 1)));
        break;
    case 6: rc = CALL("sombra_value_list", sombra_value_list(OUT(&v, 1))); break;
    default: rc = CALL("sombra_value_map", sombra_value_map(OUT(&v, 1))); break;
    }
    untouched_on_failure(s, rc, v);
    if (rc == SOMBRA_OK) {
        /* Promise 4: the getters give back what the constructor was given. */
        int64_t gi;
        double gd;
        const char *gs;
        const uint8_t *gb;
        size_t glen;
        s->call = "value getters";
        if (kind == 2 && (sombra_value_get_int(v, &gi) != SOMBRA_OK || gi != i)) problem(s, "int does not read back", rc);
        if (kind == 3 && (sombra_value_get_double(v, &gd) != SOMBRA_OK || (!isnan(d) && memcmp(&gd, &d, sizeof d) != 0)))
            problem(s, "double does not read back", rc);
        if (kind == 4 && (sombra_value_get_string(v, &gs, &glen) != SOMBRA_OK || glen != t.len ||
                          (glen && memcmp(gs, t.p, glen) != 0) || !gs || gs[glen] != 0))
            problem(s, "string does not read back", rc);
        if (kind == 5 && (sombra_value_get_bytes(v, &gb, &glen) != SOMBRA_OK || glen != t.len || (glen && memcmp(gb, t.p, glen) != 0)))
            problem(s, "bytes do not read back", rc);
        if (!same_json(v)) problem(s, "JSON print, parse, print is not stable", rc);
        store(K_VALUE, dst, v);
    }
    free_text(&t);
}

static void op_value_calls(state *s, input *in, int which) {
    sombra_value v = pick(s, in, K_VALUE);
    sombra_value out = SENTINEL;
    uint64_t *dst = slot(s, in, K_VALUE);
    size_t len = SENTINEL, index = u8(in) % 5;
    int kind = -7, rc;
    text key = {NULL, 0};
    switch (which) {
    case 0: {
        rc = CALL("sombra_value_kind", sombra_value_kind(v, OUT(&kind, 1)));
        int b;
        int64_t i;
        double d;
        const char *p;
        const uint8_t *q;
        size_t n;
        CALL("sombra_value_get_bool", sombra_value_get_bool(v, &b));
        CALL("sombra_value_get_int", sombra_value_get_int(v, &i));
        CALL("sombra_value_get_double", sombra_value_get_double(v, &d));
        CALL("sombra_value_get_string", sombra_value_get_string(v, &p, &n));
        CALL("sombra_value_get_bytes", sombra_value_get_bytes(v, &q, &n));
        break;
    }
    case 1: rc = CALL("sombra_value_list_len", sombra_value_list_len(v, OUT(&len, 1))); break;
    case 2: rc = CALL("sombra_value_list_get", sombra_value_list_get(v, index, OUT(&out, 1))); break;
    case 3: rc = CALL("sombra_value_list_append", sombra_value_list_append(v, pick(s, in, K_VALUE))); break;
    case 4: rc = CALL("sombra_value_map_len", sombra_value_map_len(v, OUT(&len, 1))); break;
    case 5:
        key = make_text(s, in, SOMBRA_MAX_VALUE_BYTES); /* map keys are bounded like string values */
        rc = CALL("sombra_value_map_get", sombra_value_map_get(v, key.p, key.len, OUT(&out, 1)));
        break;
    case 6:
        key = make_text(s, in, SOMBRA_MAX_VALUE_BYTES);
        rc = CALL("sombra_value_map_set", sombra_value_map_set(v, key.p, key.len, pick(s, in, K_VALUE)));
        break;
    case 7: {
        const char *k = (const char *)SENTINEL;
        size_t klen = SENTINEL;
        rc = CALL("sombra_value_map_entry", sombra_value_map_entry(v, index, OUT(&k, 1), OUT(&klen, 0), OUT(&out, 0)));
        untouched_on_failure(s, rc, (uint64_t)(uintptr_t)k);
        break;
    }
    case 8: {
        char *json = (char *)SENTINEL;
        size_t n = SENTINEL;
        rc = CALL("sombra_value_to_json", sombra_value_to_json(v, OUT(&json, 1), OUT(&n, 0)));
        untouched_on_failure(s, rc, (uint64_t)(uintptr_t)json);
        if (rc == SOMBRA_OK && json != (char *)SENTINEL && json) {
            if (n != SENTINEL && json[n] != 0) problem(s, "JSON text is not NUL-terminated", rc);
            CALL("sombra_free_string", sombra_free_string(json));
            /* A second free, and a pointer the library never returned, are misuse, not crashes. */
            if (CALL("sombra_free_string", sombra_free_string(json)) != SOMBRA_MISUSE) problem(s, "double free accepted", rc);
        }
        break;
    }
    case 9: {
        /* JSON text from the input (possibly invalid, deep, huge numbers, bad escapes). `v` is not an
         * argument of this call, so a wrong-kind `v` does not make it fail. */
        s->must_fail = 0;
        size_t n = u8(in) % 48;
        char *json = malloc(n ? n : 1);
        static const char *pieces[] = {"[", "]", "{", "}", "\"a\"", ":", ",", "1e400", "-0.0", "{\"$bytes\":\"QQ==\"}",
                                       "{\"$double\":\"nan\"}", "null", "true", "\"\\ud800\"", "9223372036854775808", " "};
        size_t used = 0;
        while (used < n) {
            uint8_t b = u8(in);
            const char *p = pieces[b % 16];
            size_t plen = strlen(p);
            if (b >= 200 || used + plen > n) { json[used++] = (char)b; continue; }
            memcpy(json + used, p, plen);
            used += plen;
        }
        rc = CALL("sombra_value_from_json", sombra_value_from_json(json, n, OUT(&out, 1)));
        free(json);
        if (rc == SOMBRA_OK && out != SENTINEL && !same_json(out)) problem(s, "parsed JSON does not print stably", rc);
        break;
    }
    default: rc = CALL("sombra_value_free", sombra_value_free(v)); break;
    }
    untouched_on_failure(s, rc, out);
    untouched_on_failure(s, rc, len);
    if (rc != SOMBRA_OK && kind != -7) problem(s, "kind written on failure", rc);
    if (rc == SOMBRA_OK && out != SENTINEL && out != 0) store(K_VALUE, dst, out);
    free_text(&key);
}

static void op_misc(state *s, input *in, int which) {
    int rc;
    switch (which) {
    case 0: {
        uint64_t a = SENTINEL, b = SENTINEL;
        rc = CALL("sombra_checkpoint", sombra_checkpoint(pick(s, in, K_DB), OUT(&a, 0), OUT(&b, 0)));
        untouched_on_failure(s, rc, a);
        break;
    }
    case 1: {
        sombra_value v = SENTINEL;
        rc = CALL("sombra_stats", sombra_stats(pick(s, in, K_DB), OUT(&v, 1)));
        untouched_on_failure(s, rc, v);
        if (rc == SOMBRA_OK) sombra_value_free(v);
        break;
    }
    case 2: {
        uint64_t id = SENTINEL;
        int w = -7;
        sombra_txn t = pick(s, in, K_TXN);
        rc = CALL("sombra_txn_snapshot_id", sombra_txn_snapshot_id(t, OUT(&id, 1)));
        untouched_on_failure(s, rc, id);
        rc = CALL("sombra_txn_is_write", sombra_txn_is_write(t, OUT(&w, 1)));
        if (rc != SOMBRA_OK && w != -7) problem(s, "flag written on failure", rc);
        break;
    }
    case 3: {
        const char *p;
        size_t n;
        CALL("sombra_version", sombra_version(OUT(&p, 1), OUT(&n, 0)));
        CALL("sombra_errmsg", sombra_errmsg(OUT(&p, 1), OUT(&n, 0)));
        CALL("sombra_status_name", sombra_status_name((int)(int8_t)u8(in), OUT(&p, 1)));
        char own[8] = "mine";
        s->must_fail = 1;
        CALL("sombra_free_string", sombra_free_string(own));
        CALL("sombra_free_string", sombra_free_string(NULL));
        break;
    }
    case 4: CALL("sombra_rollback", sombra_rollback(pick(s, in, K_TXN))); break;
    default: CALL("sombra_close", sombra_close(pick(s, in, K_DB))); break;
    }
}

