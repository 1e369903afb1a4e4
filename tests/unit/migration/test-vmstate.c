/*
 * The state description engine: round trips of every field kind, and each
 * way a hostile stream is refused (with the field named and the structure
 * left as it was).
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "harness.h"

typedef struct Inner {
    uint16_t a;
    int8_t b;
} Inner;

static const VMStateDescription vmstate_inner = {
    .name = "inner",
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(a, Inner),
        VMSTATE_INT8(b, Inner),
        VMSTATE_END_OF_LIST()
    },
};

typedef enum Colour { RED, GREEN, BLUE } Colour;

typedef struct St {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    bool flag;
    uint8_t buf[5];
    uint32_t arr[3];
    uint32_t count;
    uint8_t queue[8];
    uint8_t head;            /* an index into queue */
    Colour colour;
    int mode;                /* -1..1 */
    Inner inner;
    Inner inners[2];
    Timer *timer;
    uint32_t extra;          /* version 2 */
    uint32_t sub_value;      /* in a subsection */
    bool sub_needed;
    bool refuse;             /* post_load refuses when set */
    int post_loads;
} St;

static bool sub_needed(void *opaque)
{
    return ((St *)opaque)->sub_needed;
}

static const VMStateDescription vmstate_st_sub = {
    .name = "st/sub",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(sub_value, St),
        VMSTATE_END_OF_LIST()
    },
};

static bool st_post_load(void *opaque, int version_id, Error **errp)
{
    St *s = opaque;
    s->post_loads++;
    if (s->refuse) {
        error_setg(errp, "refuse is set");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_st = {
    .name = "st",
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = st_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(u8, St),
        VMSTATE_UINT16(u16, St),
        VMSTATE_UINT32(u32, St),
        VMSTATE_UINT64(u64, St),
        VMSTATE_INT8(i8, St),
        VMSTATE_INT16(i16, St),
        VMSTATE_INT32(i32, St),
        VMSTATE_INT64(i64, St),
        VMSTATE_BOOL(flag, St),
        VMSTATE_BUFFER(buf, St),
        VMSTATE_UINT32_ARRAY(arr, St, 3),
        VMSTATE_UINT32_MAX(count, St, 8),
        VMSTATE_UINT8_VARRAY_UINT32(queue, St, count),
        VMSTATE_UINT8_INDEX(head, St, 8),
        VMSTATE_ENUM(colour, St, BLUE),
        VMSTATE_INT_RANGE(mode, St, -1, 1),
        VMSTATE_STRUCT(inner, St, vmstate_inner, Inner),
        VMSTATE_STRUCT_ARRAY(inners, St, 2, vmstate_inner, Inner),
        VMSTATE_TIMER(timer, St),
        VMSTATE_BOOL(refuse, St),
        VMSTATE_UINT32_V(extra, St, 2),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateSubsection[]) {
        { &vmstate_st_sub, sub_needed },
        { NULL }
    },
};

static int timer_fired;
static void on_timer(void *opaque)
{
    timer_fired++;
}

static void st_fill(St *s)
{
    memset(s, 0, sizeof(*s));
    s->u8 = 0xa5;
    s->u16 = 0xbeef;
    s->u32 = 0xdeadbeef;
    s->u64 = 0x0123456789abcdefull;
    s->i8 = -5;
    s->i16 = -1234;
    s->i32 = -123456789;
    s->i64 = INT64_MIN + 7;
    s->flag = true;
    memcpy(s->buf, "hello", 5);
    s->arr[0] = 1; s->arr[1] = 2; s->arr[2] = 3;
    s->count = 3;
    s->queue[0] = 'a'; s->queue[1] = 'b'; s->queue[2] = 'c';
    s->head = 7;
    s->colour = GREEN;
    s->mode = -1;
    s->inner = (Inner){ 0x1234, -2 };
    s->inners[0] = (Inner){ 1, 2 };
    s->inners[1] = (Inner){ 3, -4 };
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, on_timer, s);
    timer_mod_ns(s->timer, harness_now_ns() + 5000);
    s->extra = 99;
    s->sub_value = 77;
    s->sub_needed = true;
}

static void st_fresh(St *s)
{
    memset(s, 0, sizeof(*s));
    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, on_timer, s);
}

/* Save s into a new buffer stream. */
static VMStateStream *st_save(St *s)
{
    VMStateStream *w = vmstate_stream_new_buffer();
    Error *err = NULL;
    assert_true(vmstate_save(w, &vmstate_st, s, &err));
    assert_null(err);
    return w;
}

static bool st_load_bytes(St *s, const uint8_t *data, size_t len, int version, Error **errp)
{
    VMStateStream *r = vmstate_stream_new_reader(data, len);
    bool ok = vmstate_load(r, &vmstate_st, s, version, errp);
    vmstate_stream_free(r);
    return ok;
}

/* The bytes of s as a save gives them: for comparing states. */
static GBytes *st_bytes(St *s)
{
    VMStateStream *w = st_save(s);
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    GBytes *b = g_bytes_new(d, len);
    vmstate_stream_free(w);
    return b;
}

static void test_round_trip(void **state)
{
    St a, b;
    st_fill(&a);
    st_fresh(&b);
    VMStateStream *w = st_save(&a);
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    Error *err = NULL;
    assert_true(st_load_bytes(&b, d, len, 2, &err));
    assert_int_equal(b.u8, a.u8);
    assert_int_equal(b.u16, a.u16);
    assert_int_equal(b.u32, a.u32);
    assert_true(b.u64 == a.u64);
    assert_int_equal(b.i8, -5);
    assert_int_equal(b.i16, -1234);
    assert_int_equal(b.i32, -123456789);
    assert_true(b.i64 == INT64_MIN + 7);
    assert_true(b.flag);
    assert_memory_equal(b.buf, "hello", 5);
    assert_int_equal(b.arr[2], 3);
    assert_int_equal(b.count, 3);
    assert_memory_equal(b.queue, "abc", 3);
    assert_int_equal(b.queue[3], 0);
    assert_int_equal(b.head, 7);
    assert_int_equal(b.colour, GREEN);
    assert_int_equal(b.mode, -1);
    assert_int_equal(b.inner.a, 0x1234);
    assert_int_equal(b.inner.b, -2);
    assert_int_equal(b.inners[1].b, -4);
    assert_int_equal(b.extra, 99);
    assert_int_equal(b.sub_value, 77);
    assert_int_equal(b.post_loads, 1);
    assert_true(timer_pending(b.timer));
    assert_true(timer_expire_time_ns(b.timer) == timer_expire_time_ns(a.timer));
    /* The restored timer fires, at the saved deadline. */
    timer_del(a.timer);
    timer_fired = 0;
    harness_advance_ns(4999);
    assert_int_equal(timer_fired, 0);
    harness_advance_ns(1);
    assert_int_equal(timer_fired, 1);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

static void test_version_1_and_subsection_absent(void **state)
{
    St a, b;
    st_fill(&a);
    a.sub_needed = false;
    /* A version-1 stream has no "extra"; write it by hand from a version 2
     * stream: drop the 4 bytes of extra, the field before the subsections. */
    VMStateStream *w = st_save(&a);
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    assert_int_equal(d[len - 1], 0);          /* no subsection */
    GByteArray *v1 = g_byte_array_new();
    g_byte_array_append(v1, d, len - 5);
    g_byte_array_append(v1, d + len - 1, 1);
    st_fresh(&b);
    b.extra = 5;
    b.sub_value = 6;
    Error *err = NULL;
    assert_true(st_load_bytes(&b, v1->data, v1->len, 1, &err));
    assert_int_equal(b.extra, 5);             /* not in version 1 */
    assert_int_equal(b.sub_value, 6);         /* subsection absent */
    assert_int_equal(b.u32, a.u32);
    /* Version 3 is from the future, version 0 too old. */
    assert_false(st_load_bytes(&b, v1->data, v1->len, 3, &err));
    assert_non_null(strstr(error_get_pretty(err), "version 3"));
    error_free(err);
    err = NULL;
    assert_false(st_load_bytes(&b, v1->data, v1->len, 0, &err));
    error_free(err);
    g_byte_array_free(v1, TRUE);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

/* Change one stored field of a good stream and check the error names the
 * field and the target is unchanged. */
typedef void (*Corrupt)(St *s);

static void expect_refused(Corrupt corrupt, const char *field, const char *what)
{
    St a, b;
    st_fill(&a);
    corrupt(&a);
    /* Save with the check of the bound bypassed: corrupt values that
     * the save itself refuses (a count past its bound) are patched in
     * the stream below by the caller instead. */
    VMStateStream *w = vmstate_stream_new_buffer();
    Error *err = NULL;
    assert_true(vmstate_save(w, &vmstate_st, &a, &err));
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    st_fill(&b);
    b.u8 = 0x11;
    b.sub_value = 1234;
    timer_mod_ns(b.timer, harness_now_ns() + 777);
    GBytes *before = st_bytes(&b);
    assert_false(st_load_bytes(&b, d, len, 2, &err));
    assert_non_null(err);
    const char *msg = error_get_pretty(err);
    if (!strstr(msg, field) || !strstr(msg, what)) {
        fail_msg("error '%s' names neither '%s' nor '%s'", msg, field, what);
    }
    GBytes *after = st_bytes(&b);
    assert_true(g_bytes_equal(before, after));
    assert_true(timer_expire_time_ns(b.timer) == harness_now_ns() + 777);
    g_bytes_unref(before);
    g_bytes_unref(after);
    error_free(err);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

static void bad_head(St *s) { s->head = 8; }
static void bad_colour(St *s) { s->colour = (Colour)3; }
static void bad_mode(St *s) { s->mode = 2; }
static void bad_refuse(St *s) { s->refuse = true; }

static void test_refused_values(void **state)
{
    expect_refused(bad_head, "st.head", "past the bound 7");
    expect_refused(bad_colour, "st.colour", "outside [0, 2]");
    expect_refused(bad_mode, "st.mode", "outside [-1, 1]");
    expect_refused(bad_refuse, "st: state refused", "refuse is set");
}

/* A saved count past the bound of its array is refused by the save. */
static void test_count_past_bound(void **state)
{
    St a, b;
    st_fill(&a);
    a.count = 9;
    VMStateStream *w = vmstate_stream_new_buffer();
    Error *err = NULL;
    assert_false(vmstate_save(w, &vmstate_st, &a, &err));
    assert_non_null(strstr(error_get_pretty(err), "st.queue: element count 9 (field 'count') is "
                                                  "past the bound 8"));
    error_free(err);
    err = NULL;
    vmstate_stream_free(w);
    /* And in a stream, the count is checked before any element is read. */
    a.count = 8;
    w = st_save(&a);
    size_t len;
    const uint8_t *saved = vmstate_stream_data(w, &len);
    uint8_t *d = g_memdup2(saved, len);
    /* count follows u8 u16 u32 u64 i8 i16 i32 i64 bool, buf (4+5), arr (4+12). */
    size_t at = 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8 + 1 + 9 + 16;
    assert_int_equal(d[at + 3], 8);
    d[at] = 0xff;
    st_fresh(&b);
    assert_false(st_load_bytes(&b, d, len, 2, &err));
    assert_non_null(strstr(error_get_pretty(err), "st.count"));
    error_free(err);
    g_free(d);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

/* A bool byte of 2 in the stream is refused. */
static void test_bad_bool(void **state)
{
    St a, b;
    st_fill(&a);
    VMStateStream *w = st_save(&a);
    size_t len;
    const uint8_t *saved = vmstate_stream_data(w, &len);
    uint8_t *d = g_memdup2(saved, len);
    /* flag follows u8 u16 u32 u64 i8 i16 i32 i64. */
    size_t at = 1 + 2 + 4 + 8 + 1 + 2 + 4 + 8;
    assert_int_equal(d[at], 1);
    d[at] = 2;
    st_fresh(&b);
    Error *err = NULL;
    assert_false(st_load_bytes(&b, d, len, 2, &err));
    assert_non_null(strstr(error_get_pretty(err), "st.flag: bool value 2 is neither 0 nor 1"));
    assert_false(b.flag);
    error_free(err);
    g_free(d);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

/* Every truncation of a good stream fails and leaves the target as it was. */
static void test_truncations(void **state)
{
    St a, b;
    st_fill(&a);
    VMStateStream *w = st_save(&a);
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    st_fresh(&b);
    b.u64 = 42;
    GBytes *before = st_bytes(&b);
    for (size_t cut = 0; cut < len; cut++) {
        Error *err = NULL;
        assert_false(st_load_bytes(&b, d, cut, 2, &err));
        assert_non_null(err);
        error_free(err);
        GBytes *after = st_bytes(&b);
        assert_true(g_bytes_equal(before, after));
        g_bytes_unref(after);
    }
    g_bytes_unref(before);
    vmstate_stream_free(w);
    timer_free(a.timer);
    timer_free(b.timer);
}

static void test_stream_bounds(void **state)
{
    static const uint8_t bytes[] = { 0x12, 0x34, 0x56 };
    VMStateStream *r = vmstate_stream_new_reader(bytes, sizeof(bytes));
    uint16_t v16;
    uint32_t v32;
    Error *err = NULL;
    assert_true(vmstate_stream_get_u16(r, &v16, &err));
    assert_int_equal(v16, 0x1234);
    assert_false(vmstate_stream_get_u32(r, &v32, &err));
    assert_non_null(strstr(error_get_pretty(err), "truncated"));
    error_free(err);
    assert_int_equal(vmstate_stream_remaining(r), 1);
    vmstate_stream_free(r);

    /* A string with a NUL byte is refused. */
    static const uint8_t str[] = { 3, 'a', 0, 'b' };
    char *out = NULL;
    err = NULL;
    r = vmstate_stream_new_reader(str, sizeof(str));
    assert_false(vmstate_stream_get_str(r, &out, &err));
    assert_null(out);
    error_free(err);
    vmstate_stream_free(r);

    /* The fd writer writes everything, big-endian. */
    char path[] = "/tmp/cc-vmstate-XXXXXX";
    int fd = g_mkstemp(path);
    assert_true(fd >= 0);
    VMStateStream *w = vmstate_stream_new_fd(fd);
    for (int i = 0; i < 50000; i++) {
        assert_true(vmstate_stream_put_u32(w, (uint32_t)i, NULL));
    }
    assert_true(vmstate_stream_flush(w, NULL));
    assert_int_equal(vmstate_stream_tell(w), 200000);
    vmstate_stream_free(w);
    close(fd);
    gchar *contents;
    gsize clen;
    assert_true(g_file_get_contents(path, &contents, &clen, NULL));
    assert_int_equal(clen, 200000);
    assert_int_equal((uint8_t)contents[4 * 49999 + 2], (49999 >> 8) & 0xff);
    g_free(contents);
    unlink(path);
}

/* One nested description with a field of its own version 2, nested in a
 * parent of version 1 and in a parent of version 5: the nested field
 * follows the nested description's version in both (with version 1 of the
 * stream format, it followed the parent's and the version-1 parent saved a
 * field it then skipped on load). */
typedef struct Shared {
    uint16_t base;
    uint32_t added;          /* shared version 2 */
} Shared;

static const VMStateDescription vmstate_shared = {
    .name = "shared",
    .version_id = 2,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(base, Shared),
        VMSTATE_UINT32_V(added, Shared, 2),
        VMSTATE_END_OF_LIST()
    },
};

typedef struct Outer {
    uint8_t before;
    Shared sh;
    uint8_t after;
} Outer;

static const VMStateDescription vmstate_outer_v1 = {
    .name = "outer-v1",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(before, Outer),
        VMSTATE_STRUCT(sh, Outer, vmstate_shared, Shared),
        VMSTATE_UINT8(after, Outer),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_outer_v5 = {
    .name = "outer-v5",
    .version_id = 5,
    .minimum_version_id = 5,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(before, Outer),
        VMSTATE_STRUCT(sh, Outer, vmstate_shared, Shared),
        VMSTATE_UINT8(after, Outer),
        VMSTATE_END_OF_LIST()
    },
};

static bool outer_load(const VMStateDescription *vmsd, Outer *o, const uint8_t *d, size_t len,
                       Error **errp)
{
    VMStateStream *r = vmstate_stream_new_reader(d, len);
    bool ok = vmstate_load(r, vmsd, o, vmsd->version_id, errp);
    vmstate_stream_free(r);
    return ok;
}

static void test_nested_own_version(void **state)
{
    const VMStateDescription *parents[] = { &vmstate_outer_v1, &vmstate_outer_v5 };
    for (int i = 0; i < 2; i++) {
        Outer a = { .before = 1, .sh = { .base = 0x2233, .added = 0xdeadbeef }, .after = 9 };
        Outer b = { 0 };
        VMStateStream *w = vmstate_stream_new_buffer();
        Error *err = NULL;
        assert_true(vmstate_save(w, parents[i], &a, &err));
        size_t len;
        const uint8_t *d = vmstate_stream_data(w, &len);
        /* before, the nested version, base, added, the nested (empty)
         * subsection list, after, the parent's subsection list. */
        assert_int_equal(len, 1 + 4 + 2 + 4 + 1 + 1 + 1);
        assert_true(outer_load(parents[i], &b, d, len, &err));
        assert_int_equal(b.sh.base, 0x2233);
        assert_true(b.sh.added == 0xdeadbeef);
        assert_int_equal(b.after, 9);

        /* A stream from when the shared description was at version 1:
         * no "added", which keeps its value. */
        GByteArray *old = g_byte_array_new();
        uint8_t v1[4] = { 0, 0, 0, 1 };
        g_byte_array_append(old, d, 1);
        g_byte_array_append(old, v1, 4);
        g_byte_array_append(old, d + 5, 2);
        g_byte_array_append(old, d + 11, 3);
        Outer c = { .sh = { .added = 42 } };
        assert_true(outer_load(parents[i], &c, old->data, old->len, &err));
        assert_int_equal(c.sh.base, 0x2233);
        assert_int_equal(c.sh.added, 42);
        assert_int_equal(c.after, 9);

        /* A nested version from the future, or too old, is refused by name. */
        GByteArray *bad = g_byte_array_new();
        g_byte_array_append(bad, d, len);
        bad->data[4] = 3;
        assert_false(outer_load(parents[i], &c, bad->data, bad->len, &err));
        assert_non_null(strstr(error_get_pretty(err), "shared"));
        assert_non_null(strstr(error_get_pretty(err), "version 3"));
        error_free(err);
        err = NULL;
        bad->data[4] = 0;
        assert_false(outer_load(parents[i], &c, bad->data, bad->len, &err));
        assert_non_null(strstr(error_get_pretty(err), "version 0"));
        error_free(err);
        g_byte_array_free(bad, TRUE);
        g_byte_array_free(old, TRUE);
        vmstate_stream_free(w);
    }
}

int main(void)
{
    harness_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_version_1_and_subsection_absent),
        cmocka_unit_test(test_refused_values),
        cmocka_unit_test(test_count_past_bound),
        cmocka_unit_test(test_bad_bool),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_stream_bounds),
        cmocka_unit_test(test_nested_own_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
