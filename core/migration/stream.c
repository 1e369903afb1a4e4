/*
 * State streams: a writer into a growable buffer or a buffered file
 * descriptor, and a reader over a memory buffer whose every read is
 * bounds-checked.  Integers are big-endian, so a stream reads the same on
 * every host.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <cardcage/vmstate.h>

/* An fd writer hands the kernel chunks of this size. */
#define STREAM_FD_CHUNK (64 * 1024)

struct VMStateStream {
    bool reader;
    int fd;                       /* writer: -1 for a memory buffer */
    GByteArray *buf;              /* writer: all bytes (memory) or pending (fd) */
    uint64_t flushed;             /* fd writer: bytes already written out */
    Error *err;                   /* writer: the first failure, sticky */
    const uint8_t *data;          /* reader */
    size_t len, pos;
};

VMStateStream *vmstate_stream_new_buffer(void)
{
    VMStateStream *s = g_new0(VMStateStream, 1);
    s->fd = -1;
    s->buf = g_byte_array_new();
    return s;
}

VMStateStream *vmstate_stream_new_fd(int fd)
{
    VMStateStream *s = vmstate_stream_new_buffer();
    s->fd = fd;
    return s;
}

VMStateStream *vmstate_stream_new_reader(const uint8_t *data, size_t len)
{
    VMStateStream *s = g_new0(VMStateStream, 1);
    s->reader = true;
    s->fd = -1;
    s->data = data;
    s->len = data ? len : 0;
    return s;
}

void vmstate_stream_free(VMStateStream *s)
{
    if (!s) {
        return;
    }
    if (s->buf) {
        g_byte_array_free(s->buf, TRUE);
    }
    error_free(s->err);
    g_free(s);
}

const uint8_t *vmstate_stream_data(const VMStateStream *s, size_t *len)
{
    if (s->reader) {
        *len = s->len;
        return s->data;
    }
    *len = s->buf->len;
    return s->buf->data;
}

uint64_t vmstate_stream_tell(const VMStateStream *s)
{
    return s->reader ? s->pos : s->flushed + s->buf->len;
}

size_t vmstate_stream_remaining(const VMStateStream *s)
{
    return s->reader ? s->len - s->pos : 0;
}

bool vmstate_stream_is_reader(const VMStateStream *s)
{
    return s->reader;
}

/* ---- writers ---- */

static bool stream_failed(VMStateStream *s, Error **errp)
{
    if (s->err) {
        error_propagate(errp, error_copy(s->err));
        return true;
    }
    return false;
}

static bool stream_write_out(VMStateStream *s, Error **errp)
{
    size_t done = 0;
    while (done < s->buf->len) {
        ssize_t n = write(s->fd, s->buf->data + done, s->buf->len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(&s->err, n < 0 ? errno : EIO,
                             "state stream: write failed after %" PRIu64 " bytes",
                             s->flushed + done);
            g_byte_array_set_size(s->buf, 0);
            error_propagate(errp, error_copy(s->err));
            return false;
        }
        done += (size_t)n;
    }
    s->flushed += done;
    g_byte_array_set_size(s->buf, 0);
    return true;
}

bool vmstate_stream_flush(VMStateStream *s, Error **errp)
{
    if (s->reader || s->fd < 0) {
        return true;
    }
    if (stream_failed(s, errp)) {
        return false;
    }
    return stream_write_out(s, errp);
}

bool vmstate_stream_put_bytes(VMStateStream *s, const void *buf, size_t len, Error **errp)
{
    g_return_val_if_fail(!s->reader, false);
    if (stream_failed(s, errp)) {
        return false;
    }
    if (len > G_MAXUINT - s->buf->len) {
        error_setg(&s->err, "state stream: buffer larger than 4 GiB");
        error_propagate(errp, error_copy(s->err));
        return false;
    }
    g_byte_array_append(s->buf, buf, (guint)len);
    if (s->fd >= 0 && s->buf->len >= STREAM_FD_CHUNK) {
        return stream_write_out(s, errp);
    }
    return true;
}

bool vmstate_stream_put_u8(VMStateStream *s, uint8_t v, Error **errp)
{
    return vmstate_stream_put_bytes(s, &v, 1, errp);
}

bool vmstate_stream_put_u16(VMStateStream *s, uint16_t v, Error **errp)
{
    uint8_t b[2] = { v >> 8, v };
    return vmstate_stream_put_bytes(s, b, sizeof(b), errp);
}

bool vmstate_stream_put_u32(VMStateStream *s, uint32_t v, Error **errp)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };
    return vmstate_stream_put_bytes(s, b, sizeof(b), errp);
}

bool vmstate_stream_put_u64(VMStateStream *s, uint64_t v, Error **errp)
{
    return vmstate_stream_put_u32(s, v >> 32, errp) &&
           vmstate_stream_put_u32(s, (uint32_t)v, errp);
}

bool vmstate_stream_put_str(VMStateStream *s, const char *str, Error **errp)
{
    size_t len = strlen(str);
    if (len > 255) {
        error_setg(errp, "state stream: name '%.32s...' longer than 255 bytes", str);
        return false;
    }
    return vmstate_stream_put_u8(s, (uint8_t)len, errp) &&
           vmstate_stream_put_bytes(s, str, len, errp);
}

/* ---- readers ---- */

const uint8_t *vmstate_stream_get_span(VMStateStream *s, size_t len, Error **errp)
{
    g_return_val_if_fail(s->reader, NULL);
    if (len > s->len - s->pos) {
        error_setg(errp, "truncated stream: %zu bytes needed at offset %zu, %zu left",
                   len, s->pos, s->len - s->pos);
        return NULL;
    }
    const uint8_t *p = s->data + s->pos;
    s->pos += len;
    return p;
}

bool vmstate_stream_skip(VMStateStream *s, size_t len, Error **errp)
{
    return vmstate_stream_get_span(s, len, errp) != NULL;
}

bool vmstate_stream_get_bytes(VMStateStream *s, void *buf, size_t len, Error **errp)
{
    const uint8_t *p = vmstate_stream_get_span(s, len, errp);
    if (!p) {
        return false;
    }
    if (len) {
        memcpy(buf, p, len);
    }
    return true;
}

bool vmstate_stream_get_u8(VMStateStream *s, uint8_t *v, Error **errp)
{
    return vmstate_stream_get_bytes(s, v, 1, errp);
}

bool vmstate_stream_get_u16(VMStateStream *s, uint16_t *v, Error **errp)
{
    const uint8_t *p = vmstate_stream_get_span(s, 2, errp);
    if (!p) {
        return false;
    }
    *v = (uint16_t)(p[0] << 8 | p[1]);
    return true;
}

bool vmstate_stream_get_u32(VMStateStream *s, uint32_t *v, Error **errp)
{
    const uint8_t *p = vmstate_stream_get_span(s, 4, errp);
    if (!p) {
        return false;
    }
    *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return true;
}

bool vmstate_stream_get_u64(VMStateStream *s, uint64_t *v, Error **errp)
{
    uint32_t hi, lo;
    if (!vmstate_stream_get_u32(s, &hi, errp) || !vmstate_stream_get_u32(s, &lo, errp)) {
        return false;
    }
    *v = (uint64_t)hi << 32 | lo;
    return true;
}

bool vmstate_stream_get_str(VMStateStream *s, char **str, Error **errp)
{
    uint8_t len;
    if (!vmstate_stream_get_u8(s, &len, errp)) {
        return false;
    }
    const uint8_t *p = vmstate_stream_get_span(s, len, errp);
    if (!p) {
        return false;
    }
    if (memchr(p, 0, len)) {
        error_setg(errp, "a name in the stream contains a NUL byte");
        return false;
    }
    *str = g_strndup((const char *)p, len);
    return true;
}
