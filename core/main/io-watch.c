/*
 * A thread that watches host input while the CPU runs, so that a QMP
 * command or a key typed on a serial console is served within a block or
 * two instead of at the next scheduled look at host I/O (up to a slice
 * later).  It only watches: it polls a copy of the file descriptors GLib's
 * context waits on for input and, when one is ready, asks the CPU to
 * return to the main loop (CPUState.kick), which then services the I/O on
 * its own thread as always.  After firing it sleeps until the main loop
 * arms it again with the current descriptors, so a descriptor that stays
 * ready costs one kick, not a busy loop.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "cpu/cpu.h"
#include "main/io-watch.h"

static struct {
    GMutex lock;
    GCond armed_cond;
    GThread *thread;
    int wake_fd;                 /* eventfd: the descriptors changed */
    struct pollfd *fds;          /* the input descriptors to watch */
    int nfds;
    bool armed;
    CPUState *cpu;
    int fired;                   /* atomic: the thread kicked the CPU */
} w = { .wake_fd = -1 };

static void kick_cpu(CPUState *cpu)
{
    /* kick before exit_request: the CPU clears exit_request, then reads
     * kick (x86-exec.c handle_events). */
    __atomic_store_n(&cpu->kick, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&w.fired, 1, __ATOMIC_SEQ_CST);
    cpu->exit_request = 1;
}

static gpointer watch_thread(gpointer opaque)
{
    struct pollfd *local = NULL;
    int nalloc = 0;
    for (;;) {
        g_mutex_lock(&w.lock);
        while (!w.armed) {
            g_cond_wait(&w.armed_cond, &w.lock);
        }
        if (w.nfds + 1 > nalloc) {
            nalloc = w.nfds + 1;
            local = g_renew(struct pollfd, local, nalloc);
        }
        memcpy(local, w.fds, sizeof(*local) * w.nfds);
        int n = w.nfds;
        CPUState *cpu = w.cpu;
        g_mutex_unlock(&w.lock);

        local[n] = (struct pollfd){ .fd = w.wake_fd, .events = POLLIN };
        if (poll(local, n + 1, -1) < 0) {
            if (errno != EINTR) {
                g_usleep(1000);     /* never spin on a persistent error */
            }
            continue;
        }
        if (local[n].revents) {
            uint64_t v;
            if (read(w.wake_fd, &v, sizeof(v)) < 0) {
                /* EAGAIN: another wake-up already took it */
            }
            continue;               /* new descriptors: poll those */
        }
        g_mutex_lock(&w.lock);
        w.armed = false;
        g_mutex_unlock(&w.lock);
        kick_cpu(cpu);
    }
    return NULL;
}

/* Whether the input descriptors among fds (those io_watch_arm keeps) are
 * the ones watched already: only then may a watcher asleep in poll stay
 * there.  Comparing with every descriptor instead would find a change at
 * each arming whenever one is polled for output only. */
static bool same_fds(const GPollFD *fds, int n)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        short ev = fds[i].events & (POLLIN | POLLPRI);
        if (!ev || fds[i].fd < 0) {
            continue;
        }
        if (m >= w.nfds || w.fds[m].fd != fds[i].fd || w.fds[m].events != ev) {
            return false;
        }
        m++;
    }
    return m == w.nfds;
}

void io_watch_arm(CPUState *cpu, const GPollFD *fds, int n)
{
    if (!w.thread) {
        w.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (w.wake_fd < 0) {
            return;                 /* no watcher: the scheduled looks remain */
        }
        g_mutex_init(&w.lock);
        g_cond_init(&w.armed_cond);
        w.thread = g_thread_new("io-watch", watch_thread, NULL);
    }
    g_mutex_lock(&w.lock);
    bool changed = !same_fds(fds, n) || w.cpu != cpu;
    if (changed) {
        w.fds = g_renew(struct pollfd, w.fds, MAX(n, 1));
        int m = 0;
        for (int i = 0; i < n; i++) {
            /* Output readiness would fire at once and keep firing; a
             * negative descriptor is a parked entry poll() skips. */
            if ((fds[i].events & (POLLIN | POLLPRI)) && fds[i].fd >= 0) {
                w.fds[m++] = (struct pollfd){ .fd = fds[i].fd,
                                              .events = fds[i].events & (POLLIN | POLLPRI) };
            }
        }
        w.nfds = m;
        w.cpu = cpu;
    }
    bool was_armed = w.armed;
    w.armed = true;
    g_cond_signal(&w.armed_cond);
    g_mutex_unlock(&w.lock);
    if (changed && was_armed) {
        uint64_t one = 1;
        if (write(w.wake_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: the counter is already non-zero, a wake-up is due */
        }
    }
}

bool io_watch_take_fired(void)
{
    return __atomic_exchange_n(&w.fired, 0, __ATOMIC_SEQ_CST) != 0;
}
