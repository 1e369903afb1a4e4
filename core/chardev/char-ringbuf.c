/*
 * The "ringbuf" backend: everything in memory, for tests and the monitor.
 *
 * Output goes into a ring of `size` bytes; when it is full the oldest bytes
 * are overwritten (a log of the latest output, as QEMU's ringbuf keeps).
 * Input is injected by chardev_ringbuf_inject into a queue of at most `size`
 * bytes and handed to the frontend as its can_read allows: at once from
 * inject, and later from an idle source on the default GMainContext after
 * the frontend calls chardev_accept_input.  The idle hop keeps a device
 * from being re-entered while it is still inside its own register handler.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include "chardev-internal.h"

#define RINGBUF_DEFAULT_SIZE (64 * 1024)
#define RINGBUF_MAX_SIZE (16 * 1024 * 1024)

typedef struct RingbufChardev {
    Chardev parent_obj;
    uint8_t *out;          /* output ring */
    size_t size;
    size_t out_head;       /* index of the oldest byte */
    size_t out_count;
    GByteArray *in;        /* injected input not yet delivered */
    guint idle;            /* pending delivery source, or 0 */
} RingbufChardev;

#define RINGBUF(obj) OBJECT_CHECK(RingbufChardev, (obj), TYPE_CHARDEV_RINGBUF)

static RingbufChardev *ringbuf_of(Chardev *chr)
{
    return (RingbufChardev *)object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_RINGBUF);
}

/* ---- output ---- */

static int ringbuf_write(Chardev *chr, const uint8_t *buf, int len)
{
    RingbufChardev *r = RINGBUF(chr);
    for (int i = 0; i < len; i++) {
        r->out[(r->out_head + r->out_count) % r->size] = buf[i];
        if (r->out_count < r->size) {
            r->out_count++;
        } else {
            r->out_head = (r->out_head + 1) % r->size;
        }
    }
    return len;
}

size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t max)
{
    RingbufChardev *r = ringbuf_of(chr);
    if (!r) {
        return 0;
    }
    size_t n = MIN(max, r->out_count);
    for (size_t i = 0; i < n; i++) {
        buf[i] = r->out[r->out_head];
        r->out_head = (r->out_head + 1) % r->size;
    }
    r->out_count -= n;
    return n;
}

size_t chardev_ringbuf_count(Chardev *chr)
{
    RingbufChardev *r = ringbuf_of(chr);
    return r ? r->out_count : 0;
}

/* ---- input ---- */

static void ringbuf_deliver(RingbufChardev *r)
{
    Chardev *chr = CHARDEV(r);
    /* Each round hands over what the frontend says it can take; a
     * frontend that keeps saying "more" while taking nothing is cut off by
     * the queue running dry, so this loop ends. */
    while (r->in->len) {
        int room = chardev_fe_can_read(chr);
        if (room <= 0) {
            break;
        }
        uint8_t chunk[4096];
        guint n = MIN(MIN((guint)room, r->in->len), (guint)sizeof(chunk));
        memcpy(chunk, r->in->data, n);
        g_byte_array_remove_range(r->in, 0, n);
        chardev_fe_deliver(chr, chunk, (int)n);
    }
}

static gboolean ringbuf_idle(gpointer opaque)
{
    RingbufChardev *r = opaque;
    r->idle = 0;
    ringbuf_deliver(r);
    return G_SOURCE_REMOVE;
}

static void ringbuf_input_ready(Chardev *chr)
{
    RingbufChardev *r = RINGBUF(chr);
    if (r->in->len && !r->idle) {
        r->idle = g_idle_add(ringbuf_idle, r);
    }
}

size_t chardev_ringbuf_inject(Chardev *chr, const uint8_t *buf, size_t len)
{
    RingbufChardev *r = ringbuf_of(chr);
    if (!r) {
        return 0;
    }
    size_t n = MIN(len, r->size - r->in->len);
    g_byte_array_append(r->in, buf, (guint)n);
    ringbuf_deliver(r);
    return n;
}

size_t chardev_ringbuf_input_pending(Chardev *chr)
{
    RingbufChardev *r = ringbuf_of(chr);
    return r ? r->in->len : 0;
}

/* ---- life cycle ---- */

static bool ringbuf_open(Chardev *chr, const ChardevOpts *opts, Error **errp)
{
    RingbufChardev *r = RINGBUF(chr);
    uint64_t size = RINGBUF_DEFAULT_SIZE;
    const char *s = keyval_get(opts, "size");
    if (s && (!cc_parse_size(s, &size) || size == 0 || size > RINGBUF_MAX_SIZE)) {
        error_setg(errp, "ringbuf size '%s' must be 1 to %u bytes", s, RINGBUF_MAX_SIZE);
        return false;
    }
    r->size = (size_t)size;
    r->out = g_malloc(r->size);
    return true;
}

static void ringbuf_init(Object *obj)
{
    RINGBUF(obj)->in = g_byte_array_new();
}

static void ringbuf_finalize(Object *obj)
{
    RingbufChardev *r = RINGBUF(obj);
    if (r->idle) {
        g_source_remove(r->idle);
    }
    g_byte_array_free(r->in, TRUE);
    g_free(r->out);
}

static const char *const ringbuf_opt_names[] = { "size", NULL };

static void ringbuf_class_init(ObjectClass *oc, void *data)
{
    ChardevClass *cc = CHARDEV_CLASS(oc);
    cc->opt_names = ringbuf_opt_names;
    cc->open = ringbuf_open;
    cc->write = ringbuf_write;
    cc->input_ready = ringbuf_input_ready;
}

static const TypeInfo ringbuf_types[] = {
    {
        .name = TYPE_CHARDEV_RINGBUF,
        .parent = TYPE_CHARDEV,
        .instance_size = sizeof(RingbufChardev),
        .instance_init = ringbuf_init,
        .instance_finalize = ringbuf_finalize,
        .class_init = ringbuf_class_init,
    },
};

DEFINE_TYPES(ringbuf_types)
