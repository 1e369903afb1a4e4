/*
 * Character backends: ringbuf round trip and overwrite, flow control
 * (can_read / chardev_accept_input) on the ringbuf and on a real fd, the
 * file backend, unix and TCP socket servers with a client in the test,
 * the bounded output queue against a peer that never reads, a pty, attach
 * exclusivity, and the spec / -chardev parsers.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cardcage/module.h>
#include "chardev/chardev-internal.h"
#include "main/runstate.h"

/* A frontend that takes at most `limit` bytes in total until the test
 * raises the limit, and at most `chunk` per can_read. */
typedef struct Frontend {
    uint8_t buf[1 << 16];
    int len;
    int limit;
    int chunk;
    int can_read_calls;
    int opened, closed;
    int focus_in, focus_out, breaks;
} Frontend;

static int fe_can_read(void *opaque)
{
    Frontend *f = opaque;
    f->can_read_calls++;
    int room = f->limit - f->len;
    return MIN(room, f->chunk);
}

static void fe_read(void *opaque, const uint8_t *buf, int size)
{
    Frontend *f = opaque;
    /* The backend must never hand over more than can_read allowed. */
    assert_true(size > 0 && size <= f->chunk && f->len + size <= f->limit);
    memcpy(f->buf + f->len, buf, size);
    f->len += size;
}

static void fe_event(void *opaque, ChardevEvent ev)
{
    Frontend *f = opaque;
    if (ev == CHARDEV_EVENT_OPENED) {
        f->opened++;
    } else if (ev == CHARDEV_EVENT_CLOSED) {
        f->closed++;
    } else if (ev == CHARDEV_EVENT_FOCUS_IN) {
        f->focus_in++;
    } else if (ev == CHARDEV_EVENT_FOCUS_OUT) {
        f->focus_out++;
    } else if (ev == CHARDEV_EVENT_BREAK) {
        f->breaks++;
    }
}

static Frontend *fe_new(int limit, int chunk)
{
    Frontend *f = g_new0(Frontend, 1);
    f->limit = limit;
    f->chunk = chunk;
    return f;
}

static void attach(Chardev *chr, Frontend *f)
{
    assert_true(chardev_attach(chr, fe_can_read, fe_read, fe_event, f, &error_abort));
}

/* Run the main context until cond holds or 2 s pass. */
#define PUMP_UNTIL(cond)                                                     \
    do {                                                                     \
        gint64 end_ = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;           \
        while (!(cond) && g_get_monotonic_time() < end_) {                   \
            g_main_context_iteration(NULL, FALSE);                           \
            g_usleep(1000);                                                  \
        }                                                                    \
        assert_true(cond);                                                   \
    } while (0)

static void pump_briefly(void)
{
    for (int i = 0; i < 50; i++) {
        g_main_context_iteration(NULL, FALSE);
        g_usleep(200);
    }
}

/* One scratch directory for the whole run, removed at the end. */
static char *scratch_dir;

static char *tmp_path(const char *name)
{
    return g_build_filename(scratch_dir, name, NULL);
}

static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    if (d) {
        const char *n;
        while ((n = g_dir_read_name(d))) {
            char *child = g_build_filename(path, n, NULL);
            remove_tree(child);
            g_free(child);
        }
        g_dir_close(d);
    }
    remove(path);
}

static int setup(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    scratch_dir = g_dir_make_tmp("cc-chardev-XXXXXX", NULL);
    assert_non_null(scratch_dir);
    return 0;
}

static int teardown(void **state)
{
    remove_tree(scratch_dir);
    g_free(scratch_dir);
    return 0;
}

/* ---- ringbuf ---- */

static void test_ringbuf_round_trip(void **state)
{
    Chardev *chr = chardev_new_from_spec("rb1", "ringbuf", &error_abort);
    assert_ptr_equal(chardev_find("rb1"), chr);
    assert_string_equal(chardev_get_id(chr), "rb1");
    Frontend *f = fe_new(1000, 1000);
    attach(chr, f);
    assert_int_equal(f->opened, 1);

    assert_int_equal(chardev_write(chr, (const uint8_t *)"hello", 5), 5);
    uint8_t out[16];
    assert_int_equal(chardev_ringbuf_count(chr), 5);
    assert_int_equal(chardev_ringbuf_read(chr, out, sizeof(out)), 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(chardev_ringbuf_read(chr, out, sizeof(out)), 0);

    assert_int_equal(chardev_ringbuf_inject(chr, (const uint8_t *)"abc", 3), 3);
    assert_int_equal(f->len, 3);
    assert_memory_equal(f->buf, "abc", 3);
    chardev_detach(chr);
    assert_true(chardev_delete("rb1", &error_abort));
    assert_null(chardev_find("rb1"));
    g_free(f);
}

static void test_ringbuf_keeps_latest_output(void **state)
{
    Chardev *chr = chardev_new_from_opts("ringbuf,id=rb2,size=8", &error_abort);
    assert_int_equal(chardev_write(chr, (const uint8_t *)"0123456789AB", 12), 12);
    assert_int_equal(chardev_ringbuf_count(chr), 8);
    uint8_t out[8];
    assert_int_equal(chardev_ringbuf_read(chr, out, 3), 3);
    assert_memory_equal(out, "456", 3);
    assert_int_equal(chardev_ringbuf_read(chr, out, 8), 5);
    assert_memory_equal(out, "789AB", 5);
    /* The input queue holds at most the ring's size. */
    assert_int_equal(chardev_ringbuf_inject(chr, (const uint8_t *)"0123456789", 10), 8);
    assert_int_equal(chardev_ringbuf_input_pending(chr), 8);
    assert_true(chardev_delete("rb2", &error_abort));
}

static void test_ringbuf_flow_control(void **state)
{
    Chardev *chr = chardev_new_from_spec("rb3", "ringbuf", &error_abort);
    Frontend *f = fe_new(3, 2);
    attach(chr, f);
    assert_int_equal(chardev_ringbuf_inject(chr, (const uint8_t *)"abcdefghij", 10), 10);
    /* Delivered in chunks of at most 2 until the frontend is full at 3. */
    assert_int_equal(f->len, 3);
    assert_int_equal(chardev_ringbuf_input_pending(chr), 7);
    /* Nothing moves until the frontend says it has room again. */
    f->limit = 6;
    pump_briefly();
    assert_int_equal(f->len, 3);
    chardev_accept_input(chr);
    /* ...and then only from the main loop, never inside the call. */
    assert_int_equal(f->len, 3);
    PUMP_UNTIL(f->len == 6);
    assert_memory_equal(f->buf, "abcdef", 6);
    assert_int_equal(chardev_ringbuf_input_pending(chr), 4);
    chardev_detach(chr);
    assert_true(chardev_delete("rb3", &error_abort));
    g_free(f);
}

/* ---- file ---- */

static char *slurp(const char *path, gsize *len)
{
    char *data = NULL;
    assert_true(g_file_get_contents(path, &data, len, NULL));
    return data;
}

static void test_file_backend(void **state)
{
    char *path = tmp_path("out.txt");
    char *spec = g_strdup_printf("file:%s", path);
    Chardev *chr = chardev_new_from_spec("f1", spec, &error_abort);
    assert_true(chardev_is_connected(chr));
    assert_int_equal(chardev_write(chr, (const uint8_t *)"first\n", 6), 6);
    assert_true(chardev_delete("f1", &error_abort));
    gsize len;
    char *data = slurp(path, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(data, "first\n", 6);
    g_free(data);

    /* append=on keeps what is there; the default truncates. */
    char *opts = g_strdup_printf("file,id=f2,path=%s,append=on", path);
    chr = chardev_new_from_opts(opts, &error_abort);
    chardev_write(chr, (const uint8_t *)"second\n", 7);
    assert_true(chardev_delete("f2", &error_abort));
    data = slurp(path, &len);
    assert_int_equal(len, 13);
    assert_memory_equal(data, "first\nsecond\n", 13);
    g_free(data);

    chr = chardev_new_from_spec("f3", spec, &error_abort);
    chardev_write(chr, (const uint8_t *)"x", 1);
    assert_true(chardev_delete("f3", &error_abort));
    data = slurp(path, &len);
    assert_int_equal(len, 1);
    g_free(data);
    g_free(opts);
    g_free(spec);
    g_free(path);
}

static void test_file_unwritable_is_an_error(void **state)
{
    Error *err = NULL;
    assert_null(chardev_new_from_spec("f4", "file:/nonexistent-dir/x", &err));
    assert_non_null(strstr(error_get_pretty(err), "/nonexistent-dir/x"));
    error_free(err);
    assert_null(chardev_find("f4"));
}

/* Input from a file, through the fd reader: can_read is obeyed, and a
 * full frontend stops the reading (no busy loop) until accept_input. */
static void test_fd_flow_control(void **state)
{
    char *in = tmp_path("in.bin");
    char *out = tmp_path("out.bin");
    GString *data = g_string_new(NULL);
    for (int i = 0; i < 10000; i++) {
        g_string_append_c(data, (char)('a' + i % 26));
    }
    assert_true(g_file_set_contents(in, data->str, data->len, NULL));
    char *opts = g_strdup_printf("file,id=f5,path=%s,input-path=%s", out, in);
    Chardev *chr = chardev_new_from_opts(opts, &error_abort);
    Frontend *f = fe_new(300, 100);
    attach(chr, f);
    PUMP_UNTIL(f->len == 300);
    int calls = f->can_read_calls;
    pump_briefly();
    assert_int_equal(f->len, 300);
    /* The reader asked once more, saw 0 and stopped watching the fd. */
    assert_true(f->can_read_calls - calls <= 1);
    f->limit = 10000;
    f->chunk = 4096;
    chardev_accept_input(chr);
    PUMP_UNTIL(f->len == 10000);
    assert_memory_equal(f->buf, data->str, 10000);
    chardev_detach(chr);
    assert_true(chardev_delete("f5", &error_abort));
    g_string_free(data, TRUE);
    g_free(opts);
    g_free(in);
    g_free(out);
    g_free(f);
}

/* ---- sockets ---- */

static int unix_connect(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    return fd;
}

static int read_exact(int fd, uint8_t *buf, int len)
{
    int got = 0;
    while (got < len) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        g_main_context_iteration(NULL, FALSE);
        if (poll(&p, 1, 10) <= 0) {
            continue;
        }
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0) {
            break;
        }
        got += (int)n;
    }
    return got;
}

static void test_unix_socket_server(void **state)
{
    char *path = tmp_path("sock");
    char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    Chardev *chr = chardev_new_from_spec("s1", spec, &error_abort);
    Frontend *f = fe_new(1000, 1000);
    attach(chr, f);
    assert_false(chardev_is_connected(chr));
    assert_int_equal(f->opened, 0);
    /* No peer: output is dropped. */
    assert_int_equal(chardev_write(chr, (const uint8_t *)"lost", 4), 0);

    int c = unix_connect(path);
    PUMP_UNTIL(f->opened == 1);
    assert_true(chardev_is_connected(chr));
    assert_int_equal(write(c, "hello", 5), 5);
    PUMP_UNTIL(f->len == 5);
    assert_memory_equal(f->buf, "hello", 5);
    assert_int_equal(chardev_write(chr, (const uint8_t *)"world", 5), 5);
    uint8_t buf[8];
    assert_int_equal(read_exact(c, buf, 5), 5);
    assert_memory_equal(buf, "world", 5);

    close(c);
    PUMP_UNTIL(f->closed == 1);
    assert_false(chardev_is_connected(chr));
    /* The server listens again: a second client gets in. */
    c = unix_connect(path);
    PUMP_UNTIL(f->opened == 2);
    assert_int_equal(write(c, "again", 5), 5);
    PUMP_UNTIL(f->len == 10);
    assert_memory_equal(f->buf + 5, "again", 5);
    close(c);
    chardev_detach(chr);
    assert_true(chardev_delete("s1", &error_abort));
    /* The server's socket file goes with it. */
    assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(spec);
    g_free(path);
    g_free(f);
}

static void test_tcp_socket_server(void **state)
{
    /* The old bare flags: server (on), nowait (wait=off). */
    Chardev *chr = chardev_new_from_opts(
        "socket,id=t1,host=127.0.0.1,port=0,server,nowait", &error_abort);
    char *addr = chardev_socket_listen_address(chr);
    assert_non_null(addr);
    assert_true(g_str_has_prefix(addr, "tcp:127.0.0.1:"));
    Frontend *f = fe_new(1000, 1000);
    attach(chr, f);

    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
    assert_int_equal(getaddrinfo("127.0.0.1", strrchr(addr, ':') + 1, &hints, &res), 0);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(c, res->ai_addr, res->ai_addrlen), 0);
    freeaddrinfo(res);
    PUMP_UNTIL(f->opened == 1);
    assert_int_equal(write(c, "ping", 4), 4);
    PUMP_UNTIL(f->len == 4);
    assert_memory_equal(f->buf, "ping", 4);
    chardev_write(chr, (const uint8_t *)"pong", 4);
    uint8_t buf[4];
    assert_int_equal(read_exact(c, buf, 4), 4);
    assert_memory_equal(buf, "pong", 4);
    close(c);
    chardev_detach(chr);
    assert_true(chardev_delete("t1", &error_abort));
    g_free(addr);
    g_free(f);
}

/* A peer that never reads: writes never block; at most the socket buffer
 * plus CHARDEV_OUTQ_MAX is accepted, the rest dropped and counted, and
 * the queued part still arrives once the peer reads. */
static void test_socket_output_is_bounded(void **state)
{
    char *path = tmp_path("sock2");
    char *spec = g_strdup_printf("unix:%s,server,nowait", path);
    Chardev *chr = chardev_new_from_spec("s2", spec, &error_abort);
    int c = unix_connect(path);
    PUMP_UNTIL(chardev_is_connected(chr));

    enum { TOTAL = 8 << 20 };
    uint8_t block[4096];
    memset(block, 'z', sizeof(block));
    uint64_t accepted = 0;
    for (int i = 0; i < TOTAL / (int)sizeof(block); i++) {
        accepted += chardev_write(chr, block, sizeof(block));
    }
    assert_true(accepted < TOTAL);
    assert_int_equal(chardev_dropped_bytes(chr), TOTAL - accepted);

    /* Drain: everything accepted arrives. */
    uint64_t got = 0;
    uint8_t buf[65536];
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (got < accepted && g_get_monotonic_time() < end) {
        g_main_context_iteration(NULL, FALSE);
        ssize_t n = recv(c, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            got += (uint64_t)n;
        } else {
            g_usleep(100);
        }
    }
    assert_int_equal(got, accepted);
    close(c);
    assert_true(chardev_delete("s2", &error_abort));
    g_free(spec);
    g_free(path);
}

typedef struct SlowReader {
    int fd;
    size_t want;
    size_t got;
    bool in_order;
} SlowReader;

static gpointer slow_reader(gpointer opaque)
{
    SlowReader *r = opaque;
    uint8_t buf[16384];
    r->in_order = true;
    while (r->got < r->want) {
        ssize_t n = read(r->fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            r->in_order &= buf[i] == (uint8_t)((r->got + i) % 251);
        }
        r->got += (size_t)n;
        g_usleep(1000);     /* slow, but far faster than the stall limit */
    }
    return NULL;
}

/* A reader slower than the emulator but alive loses nothing. */
static void test_socket_slow_reader_loses_nothing(void **state)
{
    char *path = tmp_path("sock3");
    char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    Chardev *chr = chardev_new_from_spec("s4", spec, &error_abort);
    SlowReader r = { .fd = unix_connect(path), .want = 2 << 20 };
    PUMP_UNTIL(chardev_is_connected(chr));
    GThread *t = g_thread_new("slow-reader", slow_reader, &r);
    uint8_t block[4096];
    size_t sent = 0;
    while (sent < r.want) {
        for (size_t i = 0; i < sizeof(block); i++) {
            block[i] = (uint8_t)((sent + i) % 251);
        }
        assert_int_equal(chardev_write(chr, block, sizeof(block)), sizeof(block));
        sent += sizeof(block);
    }
    CHARDEV_GET_CLASS(chr)->flush(chr, 5000);
    g_thread_join(t);
    assert_int_equal(chardev_dropped_bytes(chr), 0);
    assert_int_equal(r.got, r.want);
    assert_true(r.in_order);
    close(r.fd);
    assert_true(chardev_delete("s4", &error_abort));
    g_free(spec);
    g_free(path);
}

static void test_socket_client_refused_is_an_error(void **state)
{
    char *path = tmp_path("nobody");
    char *spec = g_strdup_printf("unix:%s", path);
    Error *err = NULL;
    assert_null(chardev_new_from_spec("s3", spec, &err));
    assert_non_null(strstr(error_get_pretty(err), "can't connect"));
    error_free(err);
    g_free(spec);
    g_free(path);
}

/* ---- pty ---- */

static void test_pty(void **state)
{
    Chardev *chr = chardev_new_from_spec("p1", "pty", &error_abort);
    const char *path = chardev_pty_path(chr);
    assert_non_null(path);
    assert_true(g_str_has_prefix(path, "/dev/pts/"));
    Frontend *f = fe_new(100, 100);
    attach(chr, f);
    int slave = open(path, O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    chardev_write(chr, (const uint8_t *)"to-term", 7);
    uint8_t buf[8];
    assert_int_equal(read_exact(slave, buf, 7), 7);
    assert_memory_equal(buf, "to-term", 7);
    assert_int_equal(write(slave, "from", 4), 4);
    PUMP_UNTIL(f->len == 4);
    assert_memory_equal(f->buf, "from", 4);
    close(slave);
    chardev_detach(chr);
    assert_true(chardev_delete("p1", &error_abort));
    g_free(f);
}

/* ---- frontends ---- */

static void test_attach_is_exclusive(void **state)
{
    Chardev *chr = chardev_new_from_spec("x1", "null", &error_abort);
    Frontend *a = fe_new(10, 10), *b = fe_new(10, 10);
    attach(chr, a);
    Error *err = NULL;
    assert_false(chardev_attach(chr, fe_can_read, fe_read, NULL, b, &err));
    assert_non_null(strstr(error_get_pretty(err), "already in use"));
    error_free(err);
    err = NULL;
    /* A backend in use can't be deleted from under its device. */
    assert_false(chardev_delete("x1", &err));
    error_free(err);
    chardev_detach(chr);
    assert_true(chardev_attach(chr, fe_can_read, fe_read, NULL, b, &error_abort));
    chardev_detach(chr);
    assert_true(chardev_delete("x1", &error_abort));
    g_free(a);
    g_free(b);
}

static void test_stdio_only_once(void **state)
{
    Chardev *chr = chardev_new_from_spec("io1", "stdio", &error_abort);
    Error *err = NULL;
    assert_null(chardev_new_from_opts("stdio,id=io2,signal=off", &err));
    assert_non_null(strstr(error_get_pretty(err), "already used"));
    error_free(err);
    assert_true(chardev_delete("io1", &error_abort));
    (void)chr;
    chr = chardev_new_from_opts("stdio,id=io3,signal=off", &error_abort);
    assert_true(chardev_delete("io3", &error_abort));
}

/* On a terminal, stdio goes raw, and a fatal Ctrl-C restores the terminal
 * before the emulator dies.  The emulator here is a child process whose
 * stdin and stdout are a pty we watch. */
static void test_stdio_terminal_restored_on_sigint(void **state)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    char *slave_path = g_strdup(ptsname(master));
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid();
        int slave = open(slave_path, O_RDWR);
        dup2(slave, STDIN_FILENO);
        dup2(slave, STDOUT_FILENO);
        Chardev *chr = chardev_new_from_spec("tty", "stdio", NULL);
        if (!chr) {
            _exit(3);
        }
        chardev_write(chr, (const uint8_t *)"R", 1);
        for (;;) {
            pause();
        }
    }
    char c = 0;
    assert_int_equal(read(master, &c, 1), 1);
    assert_int_equal(c, 'R');
    int slave = open(slave_path, O_RDWR | O_NOCTTY);
    struct termios t;
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_int_equal(t.c_lflag & (ECHO | ICANON), 0);   /* raw */
    assert_true(t.c_lflag & ISIG);                       /* signal=on */
    kill(pid, SIGINT);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGINT);
    assert_int_equal(tcgetattr(slave, &t), 0);
    assert_true(t.c_lflag & ECHO);
    assert_true(t.c_lflag & ICANON);
    close(slave);
    close(master);
    g_free(slave_path);
}

/* ---- parsing ---- */

static void expect_error(Chardev *chr, Error *err, const char *needle)
{
    assert_null(chr);
    assert_non_null(err);
    if (!strstr(error_get_pretty(err), needle)) {
        fail_msg("error '%s' lacks '%s'", error_get_pretty(err), needle);
    }
    error_free(err);
}

/* Evaluate a creation that must fail with an error naming `needle`. */
#define EXPECT_ERROR(make, needle)                                           \
    do {                                                                     \
        Error *err = NULL;                                                   \
        Chardev *chr_ = make;                                                \
        expect_error(chr_, err, needle);                                     \
    } while (0)

static void test_parse_errors(void **state)
{
    EXPECT_ERROR(chardev_new_from_spec("e1", "vc", &err), "unknown character device");
    EXPECT_ERROR(chardev_new_from_opts("bogus,id=e2", &err), "unknown chardev backend");
    EXPECT_ERROR(chardev_new_from_opts("ringbuf,id=e3,colour=red", &err), "no option 'colour'");
    EXPECT_ERROR(chardev_new_from_opts("ringbuf", &err), "needs an id");
    EXPECT_ERROR(chardev_new_from_opts("ringbuf,id=9lives", &err), "not valid");
    EXPECT_ERROR(chardev_new_from_opts("ringbuf,id=e4,size=0", &err), "size");
    EXPECT_ERROR(chardev_new_from_spec("e5", "tcp:nohostport", &err), "HOST:PORT");
    EXPECT_ERROR(chardev_new_from_opts("socket,id=e6,server=maybe,port=1", &err), "on or off");
    EXPECT_ERROR(chardev_new_from_opts("socket,id=e7,path=/x,port=1", &err), "not both");
    EXPECT_ERROR(chardev_new_from_opts("socket,id=e8,port=1,server=on,telnet=on", &err),
                 "telnet");
    chardev_new_from_spec("dup", "null", &error_abort);
    EXPECT_ERROR(chardev_new_from_spec("dup", "null", &err), "already in use");
    assert_true(chardev_delete("dup", &error_abort));
    /* None of the failures left a backend behind. */
    assert_null(chardev_find("e3"));
    assert_null(chardev_find("e6"));
}

static void test_comma_escape_in_option(void **state)
{
    const char *dir = scratch_dir;
    char *path = g_build_filename(dir, "a,b.txt", NULL);
    char *opts = g_strdup_printf("file,id=c1,path=%s/a,,b.txt", dir);
    Chardev *chr = chardev_new_from_opts(opts, &error_abort);
    chardev_write(chr, (const uint8_t *)"q", 1);
    assert_true(chardev_delete("c1", &error_abort));
    assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_free(opts);
    g_free(path);
}

/* ---- multiplexed backends (-serial mon:stdio) ---- */

static void inject(Chardev *chr, const char *s)
{
    assert_int_equal(chardev_ringbuf_inject(chr, (const uint8_t *)s, strlen(s)), strlen(s));
}

static bool output_contains(Chardev *chr, const char *what)
{
    uint8_t buf[4096];
    size_t n = chardev_ringbuf_read(chr, buf, sizeof(buf) - 1);
    buf[n] = 0;
    return strstr((char *)buf, what) != NULL;
}

/* Input goes to the focused frontend, Ctrl-A c moves the focus (with
 * events), Ctrl-A Ctrl-A is a literal Ctrl-A, Ctrl-A b a break for the
 * focused one, an unknown key after Ctrl-A is dropped, and both
 * frontends' output goes out. */
static void test_mux_focus_and_escapes(void **state)
{
    Chardev *chr = chardev_new_from_spec("m1", "mon:ringbuf", &error_abort);
    assert_true(chardev_is_mux(chr));
    Frontend *a = fe_new(100, 100), *b = fe_new(100, 100);
    attach(chr, a);
    attach(chr, b);
    assert_int_equal(a->focus_in, 1);
    assert_int_equal(b->focus_in, 0);
    inject(chr, "ab\001\001c\001zd");
    assert_int_equal(a->len, 5);
    assert_memory_equal(a->buf, "ab\001cd", 5);
    inject(chr, "\001b");
    assert_int_equal(a->breaks, 1);
    inject(chr, "\001cxy");
    assert_int_equal(a->focus_out, 1);
    assert_int_equal(b->focus_in, 1);
    assert_int_equal(a->len, 5);
    assert_int_equal(b->len, 2);
    assert_memory_equal(b->buf, "xy", 2);
    /* Round the ring and back. */
    inject(chr, "\001cq");
    assert_int_equal(a->len, 6);
    assert_int_equal(a->buf[5], 'q');
    /* Output from both goes out. */
    assert_int_equal(chardev_write(chr, (const uint8_t *)"one ", 4), 4);
    assert_int_equal(chardev_write(chr, (const uint8_t *)"two", 3), 3);
    assert_true(output_contains(chr, "one two"));
    /* Ctrl-A h lists the keys. */
    inject(chr, "\001h");
    assert_true(output_contains(chr, "C-a x    exit emulator"));
    chardev_detach(chr);
    assert_true(chardev_delete("m1", &error_abort));
    g_free(a);
    g_free(b);
}

/* A focused frontend that takes nothing (a guest that does not read its
 * UART) neither loses what is typed (it waits, up to the buffer) nor stops
 * Ctrl-A x from ending the emulator. */
static void test_mux_escape_when_frontend_full(void **state)
{
    Chardev *chr = chardev_new_from_spec("m2", "mon:ringbuf", &error_abort);
    Frontend *a = fe_new(0, 8);
    attach(chr, a);
    inject(chr, "hello");
    assert_int_equal(a->len, 0);
    int code = -1;
    assert_false(runstate_take_shutdown_request(&code));
    inject(chr, "\001x");
    assert_true(runstate_take_shutdown_request(&code));
    assert_int_equal(code, 0);
    /* Room again: what waited arrives, in order, in chunks it allows. */
    a->limit = 100;
    chardev_accept_input(chr);
    assert_int_equal(a->len, 5);
    assert_memory_equal(a->buf, "hello", 5);
    chardev_detach(chr);
    assert_true(chardev_delete("m2", &error_abort));
    g_free(a);
}

/* Up to CHARDEV_FRONTENDS_MAX frontends; detaching the focused one moves
 * the focus on; "mon:" once only. */
static void test_mux_limits_and_detach(void **state)
{
    Chardev *chr = chardev_new_from_spec("m3", "mon:null", &error_abort);
    Frontend *f[CHARDEV_FRONTENDS_MAX + 1];
    for (int i = 0; i <= CHARDEV_FRONTENDS_MAX; i++) {
        f[i] = fe_new(10, 10);
    }
    for (int i = 0; i < CHARDEV_FRONTENDS_MAX; i++) {
        attach(chr, f[i]);
    }
    Error *err = NULL;
    assert_false(chardev_attach(chr, fe_can_read, fe_read, fe_event, f[CHARDEV_FRONTENDS_MAX],
                                &err));
    assert_non_null(strstr(error_get_pretty(err), "frontends"));
    error_free(err);
    err = NULL;
    chardev_detach_frontend(chr, f[0]);
    assert_int_equal(f[1]->focus_in, 1);
    chardev_detach_frontend(chr, f[3]);
    chardev_detach_frontend(chr, f[2]);
    chardev_detach_frontend(chr, f[1]);
    assert_true(chardev_delete("m3", &error_abort));
    assert_null(chardev_new_from_spec("m4", "mon:mon:null", &err));
    assert_non_null(strstr(error_get_pretty(err), "once only"));
    error_free(err);
    for (int i = 0; i <= CHARDEV_FRONTENDS_MAX; i++) {
        g_free(f[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ringbuf_round_trip),
        cmocka_unit_test(test_ringbuf_keeps_latest_output),
        cmocka_unit_test(test_ringbuf_flow_control),
        cmocka_unit_test(test_file_backend),
        cmocka_unit_test(test_file_unwritable_is_an_error),
        cmocka_unit_test(test_fd_flow_control),
        cmocka_unit_test(test_unix_socket_server),
        cmocka_unit_test(test_tcp_socket_server),
        cmocka_unit_test(test_socket_output_is_bounded),
        cmocka_unit_test(test_socket_slow_reader_loses_nothing),
        cmocka_unit_test(test_socket_client_refused_is_an_error),
        cmocka_unit_test(test_pty),
        cmocka_unit_test(test_attach_is_exclusive),
        cmocka_unit_test(test_stdio_only_once),
        cmocka_unit_test(test_stdio_terminal_restored_on_sigint),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_comma_escape_in_option),
        cmocka_unit_test(test_mux_focus_and_escapes),
        cmocka_unit_test(test_mux_escape_when_frontend_full),
        cmocka_unit_test(test_mux_limits_and_detach),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
