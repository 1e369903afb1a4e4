/*
 * Timer lists: one binary min-heap per clock, ordered by deadline and, for
 * equal deadlines, by arming order (so an icount run is reproducible).
 * Each timer knows its heap slot, so arming and cancelling are O(log n).
 *
 * SPDX-License-Identifier: MIT
 */
#include "clock-internal.h"

struct Timer {
    ClockType type;
    TimerCallback *cb;
    void *opaque;
    int64_t expire;          /* deadline, or -1 when not armed */
    uint64_t seq;            /* when it was last armed (global counter) */
    int heap_index;          /* slot in its list's heap, or -1 */
    /* Parked by timers_run_expired: armed for a due time during the run. */
    bool parked;
    Timer *park_next;
};

typedef struct TimerList {
    Timer **heap;
    int nr, cap;
    bool running;            /* inside timers_run_expired */
    Timer *parked;           /* singly linked, only during a run */
} TimerList;

static TimerList timer_lists[CC_CLOCK_MAX];
static uint64_t arm_counter;

static void (*deadline_notify)(void *opaque, ClockType type);
static void *deadline_notify_opaque;

/* ---- the heap ---- */

static inline bool timer_before(const Timer *a, const Timer *b)
{
    return a->expire < b->expire || (a->expire == b->expire && a->seq < b->seq);
}

static inline void heap_place(TimerList *tl, int i, Timer *t)
{
    tl->heap[i] = t;
    t->heap_index = i;
}

static void heap_sift_up(TimerList *tl, int i)
{
    Timer *t = tl->heap[i];
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (!timer_before(t, tl->heap[parent])) {
            break;
        }
        heap_place(tl, i, tl->heap[parent]);
        i = parent;
    }
    heap_place(tl, i, t);
}

static void heap_sift_down(TimerList *tl, int i)
{
    Timer *t = tl->heap[i];
    for (;;) {
        int child = 2 * i + 1;
        if (child >= tl->nr) {
            break;
        }
        if (child + 1 < tl->nr && timer_before(tl->heap[child + 1], tl->heap[child])) {
            child++;
        }
        if (!timer_before(tl->heap[child], t)) {
            break;
        }
        heap_place(tl, i, tl->heap[child]);
        i = child;
    }
    heap_place(tl, i, t);
}

static void heap_insert(TimerList *tl, Timer *t)
{
    if (tl->nr == tl->cap) {
        tl->cap = tl->cap ? tl->cap * 2 : 16;
        tl->heap = g_renew(Timer *, tl->heap, tl->cap);
    }
    heap_place(tl, tl->nr++, t);
    heap_sift_up(tl, t->heap_index);
}

static void heap_remove(TimerList *tl, Timer *t)
{
    int i = t->heap_index;
    Timer *last = tl->heap[--tl->nr];
    t->heap_index = -1;
    if (last == t) {
        return;
    }
    heap_place(tl, i, last);
    if (i > 0 && timer_before(last, tl->heap[(i - 1) / 2])) {
        heap_sift_up(tl, i);
    } else {
        heap_sift_down(tl, i);
    }
}

/* Take t out of wherever it waits (heap or parking list). */
static void timer_unlink(Timer *t)
{
    TimerList *tl = &timer_lists[t->type];
    if (t->heap_index >= 0) {
        heap_remove(tl, t);
    } else if (t->parked) {
        for (Timer **p = &tl->parked; *p; p = &(*p)->park_next) {
            if (*p == t) {
                *p = t->park_next;
                break;
            }
        }
        t->parked = false;
        t->park_next = NULL;
    }
    t->expire = -1;
}

/* ---- the API ---- */

Timer *timer_new_ns(ClockType type, TimerCallback *cb, void *opaque)
{
    g_return_val_if_fail(type >= 0 && type < CC_CLOCK_MAX && cb, NULL);
    Timer *t = g_new0(Timer, 1);
    t->type = type;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = -1;
    t->heap_index = -1;
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_unlink(t);
        g_free(t);
    }
}

void timer_mod_ns(Timer *t, int64_t expire_ns)
{
    g_return_if_fail(t);
    TimerList *tl = &timer_lists[t->type];

    timer_unlink(t);
    /* -1 means "not armed"; any time before 0 is simply due. */
    t->expire = expire_ns < 0 ? 0 : expire_ns;
    t->seq = ++arm_counter;
    heap_insert(tl, t);
    if (t->heap_index == 0 && deadline_notify) {
        deadline_notify(deadline_notify_opaque, t->type);
    }
}

void timer_mod_ns_earlier(Timer *t, int64_t expire_ns)
{
    g_return_if_fail(t);
    if (!timer_pending(t) || expire_ns < t->expire) {
        timer_mod_ns(t, expire_ns);
    }
}

void timer_del(Timer *t)
{
    if (t) {
        timer_unlink(t);
    }
}

bool timer_pending(const Timer *t)
{
    return t && t->expire >= 0;
}

int64_t timer_expire_time_ns(const Timer *t)
{
    return t ? t->expire : -1;
}

void timers_set_deadline_notify(void (*fn)(void *opaque, ClockType type), void *opaque)
{
    deadline_notify = fn;
    deadline_notify_opaque = opaque;
}

int64_t timers_deadline_ns(ClockType type)
{
    g_return_val_if_fail(type >= 0 && type < CC_CLOCK_MAX, -1);
    TimerList *tl = &timer_lists[type];
    if (tl->parked) {
        return 0;
    }
    if (tl->nr == 0) {
        return -1;
    }
    int64_t delta = tl->heap[0]->expire - clock_get_ns(type);
    return delta > 0 ? delta : 0;
}

bool timers_run_expired(ClockType type)
{
    g_return_val_if_fail(type >= 0 && type < CC_CLOCK_MAX, false);
    TimerList *tl = &timer_lists[type];
    if (tl->running) {
        /* Called from a callback: the outer run carries on. */
        return false;
    }

    int64_t now = clock_get_ns(type);
    uint64_t armed_before = arm_counter;
    bool ran = false;

    tl->running = true;
    while (tl->nr > 0 && tl->heap[0]->expire <= now) {
        Timer *t = tl->heap[0];
        heap_remove(tl, t);
        if (t->seq > armed_before) {
            /* Armed by a callback of this run for a time already due: it
             * waits for the next call, so a timer that keeps re-arming
             * itself in the past cannot hold the loop. */
            t->parked = true;
            t->park_next = tl->parked;
            tl->parked = t;
            continue;
        }
        t->expire = -1;
        ran = true;
        /* The callback may re-arm, delete or free t, or any other timer. */
        t->cb(t->opaque);
    }
    while (tl->parked) {
        Timer *t = tl->parked;
        tl->parked = t->park_next;
        t->parked = false;
        t->park_next = NULL;
        heap_insert(tl, t);
    }
    tl->running = false;
    return ran;
}
