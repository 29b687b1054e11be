#!/usr/bin/env python3
"""test_sombra.py - drives libsombra through ctypes: every function of sombra.h, success and error paths.

    python3 Tests/CABI/test_sombra.py [path/to/libsombra.so] [work-dir]

The library defaults to $SOMBRA_LIB, then .build/debug/libsombra.so under the package root. Prints
"cabi-python: calls: N functions: M failures: 0" and exits non-zero on any failure. Every function
declared in sombra.h must be bound below and called at least once.
"""
import ctypes as C
import math
import os
import re
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(ROOT, "Sources", "SombraCABI", "include", "sombra.h")

u64, i64, i32, size, dbl = C.c_uint64, C.c_int64, C.c_int, C.c_size_t, C.c_double
P = C.POINTER
cstr = C.c_char_p
names = P(C.c_char_p)

# Status codes and constants (from sombra.h).
OK, MISUSE, NOMEM, DONE, INVALID_UTF8, WRONG_KIND, RANGE, JSON, LIMIT = range(9)
NOT_A_DATABASE, FILE_NOT_FOUND, LOCKED = 10, 23, 22
READ_ONLY, CLOSED, TXN_ENDED, WRITE_IN_READ, BUSY = 31, 32, 33, 34, 36
KEY_TOO_LARGE, VALUE_TOO_LARGE, INVALID_ARGUMENT = 40, 41, 42
NODE_NOT_FOUND, EDGE_NOT_FOUND, INDEX_EXISTS, INDEX_NOT_FOUND = 43, 44, 45, 46
OUTGOING, INCOMING, BOTH = 0, 1, 2
SYNC_OFF = 3
READ_ONLY_FLAG, NO_CREATE_FLAG = 1, 2
KIND_NULL, KIND_BOOL, KIND_INT, KIND_DOUBLE, KIND_STRING, KIND_BYTES, KIND_LIST, KIND_MAP = range(8)
MAX_NAME, MAX_VALUE, MAX_PATH = 1024, 16 << 20, 4096
DEPTH_UNLIMITED = 2 ** 63 - 1


class Options(C.Structure):
    _fields_ = [("struct_size", u64), ("page_size", u64), ("cache_bytes", u64),
                ("checkpoint_threshold_bytes", u64), ("sync_mode", u64), ("flags", u64)]


SIGNATURES = {
    "sombra_version": [P(cstr), P(size)],
    "sombra_errmsg": [P(cstr), P(size)],
    "sombra_status_name": [i32, P(cstr)],
    "sombra_free_string": [C.c_void_p],
    "sombra_options_init": [P(Options)],
    "sombra_open": [C.c_char_p, size, P(Options), P(u64)],
    "sombra_close": [u64],
    "sombra_checkpoint": [u64, P(u64), P(u64)],
    "sombra_stats": [u64, P(u64)],
    "sombra_begin_read": [u64, P(u64)],
    "sombra_begin_write": [u64, P(u64)],
    "sombra_commit": [u64, P(u64)],
    "sombra_rollback": [u64],
    "sombra_txn_snapshot_id": [u64, P(u64)],
    "sombra_txn_is_write": [u64, P(i32)],
    "sombra_create_node": [u64, names, P(size), size, u64, P(u64)],
    "sombra_delete_node": [u64, u64],
    "sombra_get_node": [u64, u64, P(u64), P(u64)],
    "sombra_node_exists": [u64, u64, P(i32)],
    "sombra_add_label": [u64, u64, C.c_char_p, size],
    "sombra_remove_label": [u64, u64, C.c_char_p, size, P(i32)],
    "sombra_set_node_property": [u64, u64, C.c_char_p, size, u64],
    "sombra_get_node_property": [u64, u64, C.c_char_p, size, P(u64)],
    "sombra_remove_node_property": [u64, u64, C.c_char_p, size, P(i32)],
    "sombra_create_edge": [u64, u64, u64, C.c_char_p, size, u64, P(u64)],
    "sombra_delete_edge": [u64, u64],
    "sombra_get_edge": [u64, u64, P(u64), P(u64), P(C.c_void_p), P(size), P(u64)],
    "sombra_edge_exists": [u64, u64, P(i32)],
    "sombra_set_edge_property": [u64, u64, C.c_char_p, size, u64],
    "sombra_get_edge_property": [u64, u64, C.c_char_p, size, P(u64)],
    "sombra_remove_edge_property": [u64, u64, C.c_char_p, size, P(i32)],
    "sombra_create_index": [u64, C.c_char_p, size, C.c_char_p, size],
    "sombra_drop_index": [u64, C.c_char_p, size, C.c_char_p, size],
    "sombra_has_index": [u64, C.c_char_p, size, C.c_char_p, size, P(i32)],
    "sombra_list_indexes": [u64, P(u64)],
    "sombra_query_all_nodes": [u64, P(u64)],
    "sombra_query_first_nodes": [u64, size, P(u64)],
    "sombra_query_last_nodes": [u64, size, P(u64)],
    "sombra_query_nodes_by_label": [u64, C.c_char_p, size, P(u64)],
    "sombra_query_nodes_by_property": [u64, C.c_char_p, size, C.c_char_p, size, u64, P(u64)],
    "sombra_query_nodes_by_range": [u64, C.c_char_p, size, C.c_char_p, size, u64, i32, u64, i32, P(u64)],
    "sombra_query_all_edges": [u64, P(u64)],
    "sombra_query_edges": [u64, u64, i32, names, P(size), size, P(u64)],
    "sombra_query_neighbors": [u64, u64, i32, names, P(size), size, P(u64)],
    "sombra_degree": [u64, u64, i32, names, P(size), size, P(u64)],
    "sombra_node_count": [u64, P(u64)],
    "sombra_edge_count": [u64, P(u64)],
    "sombra_count_label": [u64, C.c_char_p, size, P(u64)],
    "sombra_count_edge_type": [u64, C.c_char_p, size, P(u64)],
    "sombra_label_counts": [u64, P(u64)],
    "sombra_edge_type_counts": [u64, P(u64)],
    "sombra_iter_next_node": [u64, P(u64)],
    "sombra_iter_next_edge": [u64, P(u64), P(u64), P(u64), P(C.c_void_p), P(size)],
    "sombra_iter_next_batch": [u64, P(u64), size, P(size)],
    "sombra_iter_free": [u64],
    "sombra_query_bfs": [u64, u64, i32, names, P(size), size, i64, P(u64)],
    "sombra_iter_depth": [u64, P(u64)],
    "sombra_query_shortest_path": [u64, u64, u64, i32, names, P(size), size, i64, P(u64)],
    "sombra_query_k_hop": [u64, u64, i64, i32, names, P(size), size, P(u64)],
    "sombra_query_ancestors": [u64, u64, C.c_char_p, size, i64, P(u64)],
    "sombra_query_descendants": [u64, u64, C.c_char_p, size, i64, P(u64)],
    "sombra_query_isolated_nodes": [u64, P(u64)],
    "sombra_value_null": [P(u64)],
    "sombra_value_bool": [i32, P(u64)],
    "sombra_value_int": [i64, P(u64)],
    "sombra_value_double": [dbl, P(u64)],
    "sombra_value_string": [C.c_char_p, size, P(u64)],
    "sombra_value_bytes": [C.c_char_p, size, P(u64)],
    "sombra_value_list": [P(u64)],
    "sombra_value_map": [P(u64)],
    "sombra_value_kind": [u64, P(i32)],
    "sombra_value_get_bool": [u64, P(i32)],
    "sombra_value_get_int": [u64, P(i64)],
    "sombra_value_get_double": [u64, P(dbl)],
    "sombra_value_get_string": [u64, P(C.c_void_p), P(size)],
    "sombra_value_get_bytes": [u64, P(C.c_void_p), P(size)],
    "sombra_value_list_len": [u64, P(size)],
    "sombra_value_list_get": [u64, size, P(u64)],
    "sombra_value_list_append": [u64, u64],
    "sombra_value_map_len": [u64, P(size)],
    "sombra_value_map_get": [u64, C.c_char_p, size, P(u64)],
    "sombra_value_map_set": [u64, C.c_char_p, size, u64],
    "sombra_value_map_entry": [u64, size, P(C.c_void_p), P(size), P(u64)],
    "sombra_value_to_json": [u64, P(C.c_void_p), P(size)],
    "sombra_value_from_json": [C.c_char_p, size, P(u64)],
    "sombra_value_free": [u64],
}

calls = 0
failures = 0
called = set()


def fail(message):
    global failures
    failures += 1
    print("FAIL:", message, file=sys.stderr)


class Lib:
    """Binds every function with its argtypes and records each call (for the coverage check)."""

    def __init__(self, path):
        self.dll = C.CDLL(path)
        for name, args in SIGNATURES.items():
            f = getattr(self.dll, name)
            f.argtypes = args
            f.restype = C.c_int

    def __getattr__(self, name):
        f = getattr(self.dll, "sombra_" + name)

        def call(*args):
            global calls
            calls += 1
            called.add("sombra_" + name)
            return f(*args)
        return call


def ref(x):
    return C.byref(x)


def expect(rc, want, what):
    if rc != want:
        fail(f"{what}: got {rc}, wanted {want} ({errmsg()})")
    return rc


def check(cond, what):
    if not cond:
        fail(what)


def errmsg():
    m, n = cstr(), size()
    lib.errmsg(ref(m), ref(n))
    return m.value.decode("utf-8", "replace") if m.value else ""


def new(fn, *args):
    out = u64()
    expect(fn(*args, ref(out)), OK, f"{fn}")
    return out.value


def to_json(v):
    p, n = C.c_void_p(), size()
    expect(lib.value_to_json(v, ref(p), ref(n)), OK, "value_to_json")
    text = C.string_at(p.value, n.value).decode()
    expect(lib.free_string(p), OK, "free_string")
    return text


def from_json(text):
    b = text.encode()
    return new(lib.value_from_json, b, len(b))


def name_array(items):
    arr = (C.c_char_p * len(items))(*[s.encode() for s in items])
    lens = (size * len(items))(*[len(s.encode()) for s in items])
    return arr, lens, len(items)


def drain(it):
    out, x = [], u64()
    while True:
        rc = lib.iter_next_node(it, ref(x))
        if rc != OK:
            expect(rc, DONE, "iter_next_node end")
            break
        out.append(x.value)
    expect(lib.iter_free(it), OK, "iter_free")
    return out


def open_db(path, flags=0):
    o = Options()
    expect(lib.options_init(ref(o)), OK, "options_init")
    o.page_size, o.sync_mode, o.flags = 4096, SYNC_OFF, flags
    db = u64()
    b = path.encode()
    rc = lib.open(b, len(b), ref(o), ref(db))
    return rc, db.value


# ---- tests ---------------------------------------------------------------------------------------

def test_general():
    t, n = cstr(), size()
    expect(lib.version(ref(t), ref(n)), OK, "version")
    check(b"abi 1" in t.value and len(t.value) == n.value, "version text")
    expect(lib.status_name(NODE_NOT_FOUND, ref(t)), OK, "status_name")
    check(t.value == b"SOMBRA_NODE_NOT_FOUND", "status name")
    expect(lib.status_name(0, None), MISUSE, "status_name NULL out")
    check("out_name" in errmsg(), "errmsg names the NULL argument")
    expect(lib.free_string(None), OK, "free_string(NULL)")
    foreign = C.create_string_buffer(b"abc")
    expect(lib.free_string(C.cast(foreign, C.c_void_p)), MISUSE, "free_string(foreign)")


def test_values():
    v = new(lib.value_null)
    kind = i32()
    expect(lib.value_kind(v, ref(kind)), OK, "kind")
    check(kind.value == KIND_NULL, "null kind")
    expect(lib.value_free(v), OK, "free")
    expect(lib.value_free(v), MISUSE, "double free")
    expect(lib.value_kind(v, ref(kind)), MISUSE, "use after free")
    expect(lib.value_kind(0, ref(kind)), MISUSE, "null handle")
    expect(lib.value_kind(0xA4FFFFFFFF000001, ref(kind)), MISUSE, "foreign token")

    b, i, d = i32(), i64(), dbl()
    v = new(lib.value_bool, 1)
    expect(lib.value_get_bool(v, ref(b)), OK, "get_bool")
    check(b.value == 1, "bool")
    expect(lib.value_get_int(v, ref(i)), WRONG_KIND, "bool as int")
    lib.value_free(v)
    v = new(lib.value_int, -(2 ** 63))
    expect(lib.value_get_int(v, ref(i)), OK, "get_int")
    check(i.value == -(2 ** 63), "int min")
    lib.value_free(v)
    v = new(lib.value_double, 0.1)
    expect(lib.value_get_double(v, ref(d)), OK, "get_double")
    check(d.value == 0.1, "double")
    check(to_json(v) == "0.1", "double json")
    lib.value_free(v)
    v = new(lib.value_double, math.inf)
    check(to_json(v) == '{"$double":"inf"}', "inf json")
    lib.value_free(v)

    text = "grüße 🌍".encode()
    v = new(lib.value_string, text, len(text))
    p, n = C.c_void_p(), size()
    expect(lib.value_get_string(v, ref(p), ref(n)), OK, "get_string")
    check(C.string_at(p.value, n.value) == text, "string round trip")
    expect(lib.value_get_bytes(v, ref(p), ref(n)), WRONG_KIND, "string as bytes")
    lib.value_free(v)
    out = u64()
    expect(lib.value_string(b"\xff\xfe", 2, ref(out)), INVALID_UTF8, "invalid UTF-8 string")
    expect(lib.value_string(b"abc", MAX_VALUE + 1, ref(out)), VALUE_TOO_LARGE, "oversized string")
    expect(lib.value_string(b"abc", 2 ** 64 - 1, ref(out)), VALUE_TOO_LARGE, "SIZE_MAX string")
    expect(lib.value_string(None, 4, ref(out)), MISUSE, "NULL string with a length")
    raw = bytes([0, 255, 10])
    v = new(lib.value_bytes, raw, 3)
    expect(lib.value_get_bytes(v, ref(p), ref(n)), OK, "get_bytes")
    check(C.string_at(p.value, n.value) == raw, "bytes round trip")
    check(to_json(v) == '{"$bytes":"AP8K"}', "bytes json")
    lib.value_free(v)

    lst = new(lib.value_list)
    item = new(lib.value_int, 5)
    expect(lib.value_list_append(lst, item), OK, "append")
    expect(lib.value_list_append(lst, lst), OK, "append a copy of itself")
    lib.value_free(item)
    n = size()
    expect(lib.value_list_len(lst, ref(n)), OK, "list_len")
    check(n.value == 2, "list length")
    got = new(lib.value_list_get, lst, 0)
    expect(lib.value_get_int(got, ref(i)), OK, "list item")
    check(i.value == 5, "list item value")
    lib.value_free(got)
    expect(lib.value_list_get(lst, 9, ref(out)), RANGE, "list index out of range")
    check(to_json(lst) == "[5,[5]]", "list json")
    lib.value_free(lst)

    m = new(lib.value_map)
    item = new(lib.value_bool, 0)
    expect(lib.value_map_set(m, b"b", 1, item), OK, "map_set")
    expect(lib.value_map_set(m, b"a", 1, item), OK, "map_set")
    lib.value_free(item)
    expect(lib.value_map_len(m, ref(n)), OK, "map_len")
    check(n.value == 2, "map length")
    k, kl = C.c_void_p(), size()
    expect(lib.value_map_entry(m, 0, ref(k), ref(kl), ref(out)), OK, "map_entry")
    check(C.string_at(k.value, kl.value) == b"a", "map entries in key order")
    lib.value_free(out.value)
    expect(lib.value_map_entry(m, 2, ref(k), ref(kl), None), RANGE, "map_entry out of range")
    expect(lib.value_map_get(m, b"zz", 2, ref(out)), OK, "map_get missing")
    check(out.value == 0, "missing key gives 0")
    expect(lib.value_map_get(m, b"\xc3", 1, ref(out)), INVALID_UTF8, "map_get invalid UTF-8")
    check(to_json(m) == '{"a":false,"b":false}', "map json")
    lib.value_free(m)

    for text in ['{"$map":{"$double":1}}', '[1,2.0,"x",null,{"$bytes":"AA=="}]', '{"$double":"-inf"}']:
        v = from_json(text)
        check(to_json(v) == text, f"json round trip {text}")
        lib.value_free(v)
    for bad in ["[", "{'a':1}", "[1,]", "NaN", '{"a":1,"a":1}', "1 2"]:
        b = bad.encode()
        expect(lib.value_from_json(b, len(b), ref(out)), JSON, f"bad json {bad}")
    expect(lib.value_from_json(b'"\xff"', 3, ref(out)), INVALID_UTF8, "json invalid UTF-8")
    expect(lib.value_from_json(b"1", 2 ** 64 - 1, ref(out)), VALUE_TOO_LARGE, "json oversized length")
    expect(lib.value_to_json(0, None, None), MISUSE, "to_json null handle")


def test_database(work):
    path = os.path.join(work, "py.sombra")
    o = Options()
    db = u64()
    expect(lib.options_init(None), MISUSE, "options_init(NULL)")
    expect(lib.options_init(ref(o)), OK, "options_init")
    check(o.struct_size == C.sizeof(Options) == 48, "options size")
    bad = Options.from_buffer_copy(o)
    bad.struct_size = 8
    expect(lib.open(path.encode(), len(path), ref(bad), ref(db)), MISUSE, "bad struct_size")
    expect(lib.open(b"/tmp/\xff", 6, None, ref(db)), INVALID_UTF8, "invalid UTF-8 path")
    expect(lib.open(path.encode(), MAX_PATH + 1, None, ref(db)), KEY_TOO_LARGE, "oversized path")
    missing = os.path.join(work, "missing.sombra").encode()
    bad = Options.from_buffer_copy(o)
    bad.flags = NO_CREATE_FLAG
    expect(lib.open(missing, len(missing), ref(bad), ref(db)), FILE_NOT_FOUND, "no create")

    rc, db = open_db(path)
    expect(rc, OK, "open")
    rc, other = open_db(path)
    expect(rc, LOCKED, "second writer handle")

    w = new(lib.begin_write, db)
    flag = i32()
    expect(lib.txn_is_write(w, ref(flag)), OK, "txn_is_write")
    check(flag.value == 1, "is write")
    start = u64()
    expect(lib.txn_snapshot_id(w, ref(start)), OK, "snapshot id")
    expect(lib.begin_write(db, ref(u64())), BUSY, "nested write on one thread")
    expect(lib.create_index(w, b"City", 4, b"name", 4), OK, "create_index")
    expect(lib.create_index(w, b"City", 4, b"name", 4), INDEX_EXISTS, "index exists")
    arr, lens, count = name_array(["City"])
    props = from_json('{"name":"Oslo","pop":700000}')
    oslo = new(lib.create_node, w, arr, lens, count, props)
    lib.value_free(props)
    props = from_json('{"name":"Bergen","pop":285000}')
    bergen = new(lib.create_node, w, arr, lens, count, props)
    lib.value_free(props)
    plain = new(lib.create_node, w, None, None, 0, 0)
    expect(lib.create_node(w, None, None, 1, 0, ref(u64())), MISUSE, "NULL labels with a count")
    bad_arr = (C.c_char_p * 1)(b"\xe2\x82")
    expect(lib.create_node(w, bad_arr, (size * 1)(2), 1, 0, ref(u64())), INVALID_UTF8, "invalid UTF-8 label")
    expect(lib.create_node(w, arr, (size * 1)(MAX_NAME + 1), 1, 0, ref(u64())), KEY_TOO_LARGE, "oversized label")
    expect(lib.add_label(w, plain, b"Village", 7), OK, "add_label")
    removed = i32()
    expect(lib.remove_label(w, plain, b"Village", 7, ref(removed)), OK, "remove_label")
    check(removed.value == 1, "label removed")
    v = new(lib.value_int, 3)
    expect(lib.set_node_property(w, plain, b"n", 1, v), OK, "set_node_property")
    expect(lib.remove_node_property(w, plain, b"n", 1, ref(removed)), OK, "remove_node_property")
    check(removed.value == 1, "property removed")
    road = new(lib.create_edge, w, oslo, bergen, b"ROAD", 4, 0)
    ferry = new(lib.create_edge, w, bergen, oslo, b"FERRY", 5, 0)
    expect(lib.set_edge_property(w, road, b"km", 2, v), OK, "set_edge_property")
    expect(lib.remove_edge_property(w, ferry, b"km", 2, ref(removed)), OK, "remove_edge_property (absent)")
    check(removed.value == 0, "nothing removed")
    expect(lib.delete_edge(w, ferry), OK, "delete_edge")
    lib.value_free(v)
    gone = new(lib.create_node, w, None, None, 0, 0)
    expect(lib.delete_node(w, gone), OK, "delete_node")
    expect(lib.delete_node(w, gone), NODE_NOT_FOUND, "delete twice")
    commit = u64()
    expect(lib.commit(w, ref(commit)), OK, "commit")
    check(commit.value > start.value, "commit id increases")
    expect(lib.commit(w, ref(commit)), MISUSE, "use after commit")
    expect(lib.add_label(w, oslo, b"X", 1), MISUSE, "write after commit")

    r = new(lib.begin_read, db)
    snap = u64()
    expect(lib.txn_snapshot_id(r, ref(snap)), OK, "reader snapshot")
    check(snap.value == commit.value, "reader sees the commit id")
    expect(lib.create_node(r, None, None, 0, 0, ref(u64())), WRITE_IN_READ, "write through a read txn")
    expect(lib.set_node_property(r, oslo, b"n", 1, from_json("1")), WRITE_IN_READ, "set through a read txn")
    labels, props = u64(), u64()
    expect(lib.get_node(r, oslo, ref(labels), ref(props)), OK, "get_node")
    check(to_json(labels.value) == '["City"]', "labels")
    check(to_json(props.value) == '{"name":"Oslo","pop":700000}', "properties")
    lib.value_free(labels.value)
    lib.value_free(props.value)
    expect(lib.get_node(r, 999, None, None), NODE_NOT_FOUND, "missing node")
    exists = i32()
    expect(lib.node_exists(r, bergen, ref(exists)), OK, "node_exists")
    check(exists.value == 1, "exists")
    pv = u64()
    expect(lib.get_node_property(r, bergen, b"pop", 3, ref(pv)), OK, "get_node_property")
    check(to_json(pv.value) == "285000", "property value")
    lib.value_free(pv.value)
    src, dst, tp, tl = u64(), u64(), C.c_void_p(), size()
    expect(lib.get_edge(r, road, ref(src), ref(dst), ref(tp), ref(tl), ref(pv)), OK, "get_edge")
    check((src.value, dst.value, C.string_at(tp.value, tl.value)) == (oslo, bergen, b"ROAD"), "edge")
    expect(lib.free_string(tp), OK, "free edge type")
    check(to_json(pv.value) == '{"km":3}', "edge properties")
    lib.value_free(pv.value)
    expect(lib.edge_exists(r, ferry, ref(exists)), OK, "edge_exists")
    check(exists.value == 0, "deleted edge")
    expect(lib.get_edge_property(r, road, b"km", 2, ref(pv)), OK, "get_edge_property")
    lib.value_free(pv.value)
    expect(lib.get_edge_property(r, ferry, b"km", 2, ref(pv)), EDGE_NOT_FOUND, "deleted edge property")

    # queries
    check(drain(new(lib.query_all_nodes, r)) == [oslo, bergen, plain], "all nodes")
    check(drain(new(lib.query_first_nodes, r, 1)) == [oslo], "first nodes")
    check(drain(new(lib.query_last_nodes, r, 2)) == [plain, bergen], "last nodes")
    check(drain(new(lib.query_nodes_by_label, r, b"City", 4)) == [oslo, bergen], "by label")
    key = from_json('"Bergen"')
    check(drain(new(lib.query_nodes_by_property, r, b"City", 4, b"name", 4, key)) == [bergen], "by property")
    lib.value_free(key)
    lo = from_json("300000")
    check(drain(new(lib.query_nodes_by_range, r, b"City", 4, b"pop", 3, lo, 1, 0, 0)) == [oslo], "by range")
    lib.value_free(lo)
    it = new(lib.query_all_edges, r)
    e, tp = u64(), C.c_void_p()
    expect(lib.iter_next_edge(it, ref(e), ref(src), ref(dst), ref(tp), ref(tl)), OK, "next edge")
    check((e.value, C.string_at(tp.value, tl.value)) == (road, b"ROAD"), "edge from iterator")
    expect(lib.iter_next_node(it, ref(e)), MISUSE, "node step on an edge iterator")
    expect(lib.iter_next_edge(it, ref(e), None, None, None, None), DONE, "edges done")
    expect(lib.iter_free(it), OK, "iter_free")
    expect(lib.iter_free(it), MISUSE, "iter double free")
    arr, lens, count = name_array(["ROAD"])
    it = new(lib.query_edges, r, bergen, INCOMING, arr, lens, count)
    expect(lib.iter_next_edge(it, ref(e), None, None, None, None), OK, "incoming road")
    check(e.value == road, "incoming edge id")
    lib.iter_free(it)
    check(drain(new(lib.query_neighbors, r, oslo, BOTH, None, None, 0)) == [bergen], "neighbours")
    deg = u64()
    expect(lib.degree(r, oslo, OUTGOING, arr, lens, count, ref(deg)), OK, "degree")
    check(deg.value == 1, "degree value")
    expect(lib.degree(r, oslo, 5, None, None, 0, ref(deg)), INVALID_ARGUMENT, "bad direction")
    it = new(lib.query_all_nodes, r)
    buf, got = (u64 * 8)(), size()
    expect(lib.iter_next_batch(it, buf, 8, ref(got)), OK, "next_batch")
    check(list(buf[:got.value]) == [oslo, bergen, plain], "batch ids")
    expect(lib.iter_next_batch(it, buf, 8, ref(got)), DONE, "batch done")
    lib.iter_free(it)
    c = u64()
    expect(lib.node_count(r, ref(c)), OK, "node_count")
    check(c.value == 3, "node count")
    expect(lib.edge_count(r, ref(c)), OK, "edge_count")
    check(c.value == 1, "edge count")
    expect(lib.count_label(r, b"City", 4, ref(c)), OK, "count_label")
    check(c.value == 2, "label count")
    expect(lib.count_edge_type(r, b"ROAD", 4, ref(c)), OK, "count_edge_type")
    check(c.value == 1, "type count")
    m = new(lib.label_counts, r)
    check(to_json(m) == '{"City":2}', "label counts")
    lib.value_free(m)
    m = new(lib.edge_type_counts, r)
    check(to_json(m) == '{"ROAD":1}', "type counts")
    lib.value_free(m)
    expect(lib.has_index(r, b"City", 4, b"name", 4, ref(exists)), OK, "has_index")
    check(exists.value == 1, "index exists")
    m = new(lib.list_indexes, r)
    check(to_json(m) == '[{"key":"name","label":"City"}]', "index list")
    lib.value_free(m)
    it = new(lib.query_all_nodes, r)
    expect(lib.rollback(r), OK, "end read")
    expect(lib.iter_next_node(it, ref(e)), TXN_ENDED, "iterator after its transaction")
    lib.iter_free(it)
    expect(lib.node_count(r, ref(c)), MISUSE, "stale transaction")

    w = new(lib.begin_write, db)
    expect(lib.drop_index(w, b"City", 4, b"name", 4), OK, "drop_index")
    expect(lib.drop_index(w, b"City", 4, b"name", 4), INDEX_NOT_FOUND, "drop twice")
    expect(lib.rollback(w), OK, "rollback")

    frames, pages = u64(), u64()
    expect(lib.checkpoint(db, ref(frames), ref(pages)), OK, "checkpoint")
    st = new(lib.stats, db)
    ps = u64()
    expect(lib.value_map_get(st, b"page_size", 9, ref(ps)), OK, "stats page_size")
    expect(lib.value_get_int(ps.value, ref(i64())), OK, "page_size is an int")
    lib.value_free(ps.value)
    lib.value_free(st)

    # threads share the database handle
    errors = []

    def reader():
        for _ in range(50):
            t = u64()
            if lib.dll.sombra_begin_read(db, ref(t)) != OK:
                errors.append("begin")
                continue
            n = u64()
            if lib.dll.sombra_node_count(t, ref(n)) != OK or n.value < 3:
                errors.append("count")
            lib.dll.sombra_rollback(t)
    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for _ in range(20):
        t = u64()
        lib.dll.sombra_begin_write(db, ref(t))
        lib.dll.sombra_create_node(t, None, None, 0, 0, ref(u64()))
        lib.dll.sombra_commit(t, None)
    for t in threads:
        t.join()
    check(not errors, f"threaded readers: {errors[:3]}")

    # close ends what is open; everything after is a stale handle
    w = new(lib.begin_write, db)
    expect(lib.close(db), OK, "close")
    expect(lib.commit(w, None), MISUSE, "commit after close")
    expect(lib.close(db), MISUSE, "close twice")
    expect(lib.begin_read(db, ref(u64())), MISUSE, "use after close")
    expect(lib.checkpoint(db, None, None), MISUSE, "checkpoint after close")
    v = new(lib.value_null)
    expect(lib.begin_read(v, ref(u64())), MISUSE, "a value handle as a database")
    lib.value_free(v)

    rc, db = open_db(path, READ_ONLY_FLAG)
    expect(rc, OK, "open read-only")
    expect(lib.begin_write(db, ref(u64())), READ_ONLY, "write on read-only")
    expect(lib.close(db), OK, "close read-only")


def test_traversals(work):
    """A small hierarchy: PARENT r->c1, r->c2, c1->g1; FRIEND g1->r (a cycle); `alone` has no edge."""
    rc, db = open_db(os.path.join(work, "traversals.sombra"))
    expect(rc, OK, "open traversals")
    w = new(lib.begin_write, db)
    r, c1, c2, g1, alone = (new(lib.create_node, w, None, None, 0, 0) for _ in range(5))
    for s, t, typ in [(r, c1, b"PARENT"), (r, c2, b"PARENT"), (c1, g1, b"PARENT"), (g1, r, b"FRIEND")]:
        new(lib.create_edge, w, s, t, typ, len(typ), 0)
    expect(lib.commit(w, None), OK, "commit traversal graph")
    t = new(lib.begin_read, db)

    it = new(lib.query_bfs, t, r, OUTGOING, None, None, 0, DEPTH_UNLIMITED)
    depth, x, seen = u64(), u64(), []
    expect(lib.iter_depth(it, ref(depth)), MISUSE, "depth before the first node")
    while lib.iter_next_node(it, ref(x)) == OK:
        expect(lib.iter_depth(it, ref(depth)), OK, "iter_depth")
        seen.append((x.value, depth.value))
    check(seen == [(r, 0), (c1, 1), (c2, 1), (g1, 2)], f"bfs order and depths {seen}")
    expect(lib.iter_free(it), OK, "free bfs iterator")
    arr, lens, count = name_array(["PARENT"])
    check(drain(new(lib.query_bfs, t, g1, INCOMING, arr, lens, count, 1)) == [g1, c1], "bfs incoming, depth 1")
    expect(lib.query_bfs(t, r, OUTGOING, None, None, 0, -1, ref(x)), INVALID_ARGUMENT, "bfs negative depth")
    expect(lib.query_bfs(t, 999, OUTGOING, None, None, 0, 3, ref(x)), NODE_NOT_FOUND, "bfs missing start")
    bad, bad_lens = (C.c_char_p * 1)(b"\xff"), (size * 1)(1)
    expect(lib.query_bfs(t, r, OUTGOING, bad, bad_lens, 1, 3, ref(x)), INVALID_UTF8, "bfs invalid UTF-8 type")
    expect(lib.query_bfs(t, r, OUTGOING, None, None, 0, 3, None), MISUSE, "bfs NULL out")
    it = new(lib.query_all_nodes, t)
    expect(lib.iter_depth(it, ref(depth)), MISUSE, "depth of an iterator without depths")
    lib.iter_free(it)

    check(drain(new(lib.query_shortest_path, t, c2, g1, BOTH, None, None, 0, 64)) == [c2, r, g1], "shortest path")
    check(drain(new(lib.query_shortest_path, t, g1, c2, OUTGOING, arr, lens, count, 64)) == [], "unreachable: empty")
    check(drain(new(lib.query_shortest_path, t, r, g1, OUTGOING, None, None, 0, 1)) == [], "beyond max_depth: empty")
    expect(lib.query_shortest_path(t, r, 999, OUTGOING, None, None, 0, 9, ref(x)), NODE_NOT_FOUND, "path to nowhere")
    expect(lib.query_shortest_path(t, r, g1, 4, None, None, 0, 9, ref(x)), INVALID_ARGUMENT, "path bad direction")

    check(drain(new(lib.query_k_hop, t, r, 2, OUTGOING, None, None, 0)) == sorted([c1, c2, g1]), "k-hop")
    check(drain(new(lib.query_k_hop, t, g1, 5, OUTGOING, None, None, 0)) == sorted([r, c1, c2]), "k-hop on a cycle")
    expect(lib.query_k_hop(t, r, -3, OUTGOING, None, None, 0, ref(x)), INVALID_ARGUMENT, "k-hop negative k")

    check(drain(new(lib.query_ancestors, t, g1, b"PARENT", 6, DEPTH_UNLIMITED)) == [c1, r], "ancestors")
    check(drain(new(lib.query_descendants, t, r, b"PARENT", 6, 1)) == [c1, c2], "descendants, depth 1")
    expect(lib.query_ancestors(t, g1, b"\xc3", 1, 3, ref(x)), INVALID_UTF8, "ancestors invalid UTF-8")
    expect(lib.query_descendants(t, r, b"PARENT", MAX_NAME + 1, 3, ref(x)), KEY_TOO_LARGE, "descendants oversized type")
    expect(lib.query_descendants(t, r, b"PARENT", 6, -1, ref(x)), INVALID_ARGUMENT, "descendants negative depth")

    check(drain(new(lib.query_isolated_nodes, t)) == [alone], "isolated nodes")
    expect(lib.query_isolated_nodes(t, None), MISUSE, "isolated NULL out")
    expect(lib.rollback(t), OK, "end traversal reader")
    expect(lib.query_isolated_nodes(t, ref(x)), MISUSE, "isolated on a stale transaction")
    expect(lib.close(db), OK, "close traversals")


def main():
    global lib
    args = sys.argv[1:]
    path = args[0] if args else os.environ.get("SOMBRA_LIB", os.path.join(ROOT, ".build", "debug", "libsombra.so"))
    lib = Lib(path)
    declared = set(re.findall(r"^int (sombra_\w+)\(", open(HEADER).read(), re.M))
    for name in sorted(declared - set(SIGNATURES)):
        fail(f"{name} is declared in sombra.h but not bound here")
    for name in sorted(set(SIGNATURES) - declared):
        fail(f"{name} is bound here but not declared in sombra.h")
    work = args[1] if len(args) > 1 else tempfile.mkdtemp(prefix="sombra-cabi-py-")
    os.makedirs(work, exist_ok=True)
    test_general()
    test_values()
    test_database(work)
    test_traversals(work)
    for name in sorted(declared - called):
        fail(f"{name} was never called")
    print(f"cabi-python: calls: {calls} functions: {len(declared)} failures: {failures}")
    sys.exit(0 if failures == 0 else 1)


if __name__ == "__main__":
    main()
