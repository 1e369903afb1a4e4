/*
 * The x87 register stack, tags and the status word's exception summary.
 *
 * SPDX-License-Identifier: MIT
 */
#include "x87-internal.h"

unsigned x87_tag_of(floatx80 v)
{
    switch (fx80_classify(v)) {
    case FXC_ZERO:
        return TAG_ZERO;
    case FXC_NORMAL:
        return TAG_VALID;
    default:
        /* NaN, infinity, denormal, unsupported (SDM vol. 1 figure 8-7). */
        return TAG_SPECIAL;
    }
}

void x87_set_tag(X87State *s, unsigned phys, unsigned tag)
{
    s->ftw = (uint16_t)((s->ftw & ~(3u << (2 * phys))) | (tag << (2 * phys)));
}

void x87_set_top(X87State *s, unsigned top)
{
    s->fsw = (uint16_t)((s->fsw & ~FSW_TOP_MASK) | ((top & 7) << FSW_TOP_SHIFT));
}

void x87_set_st(X87State *s, unsigned i, floatx80 v)
{
    unsigned p = x87_phys(s, i);

    s->regs[p] = v;
    x87_set_tag(s, p, x87_tag_of(v));
}

void x87_pop(X87State *s)
{
    x87_set_tag(s, x87_top(s), TAG_EMPTY);
    x87_set_top(s, x87_top(s) + 1);
}

void x87_set_cc(X87State *s, uint16_t cc)
{
    s->fsw = (uint16_t)((s->fsw & ~FSW_CC) | (cc & FSW_CC));
}

void x87_update_es(X87State *s)
{
    if (s->fsw & ~s->fcw & FX_ALL_EXC) {
        s->fsw |= FSW_ES | FSW_B;
    } else {
        s->fsw &= (uint16_t)~(FSW_ES | FSW_B);
    }
}

bool x87_underflow(X87State *s)
{
    x87_raise(s, FX_IE | FX_SF);
    x87_set_c1(s, false);
    return (s->fcw & FX_IE) != 0;
}

bool x87_push_overflows(X87State *s)
{
    if (!x87_empty(s, 7)) {
        x87_raise(s, FX_IE | FX_SF);
        x87_set_c1(s, true);
        if (s->fcw & FX_IE) {
            x87_set_top(s, x87_top(s) - 1);
            x87_set_st(s, 0, fx80_default_nan());
        }
        return true;
    }
    return false;
}

bool x87_push(X87State *s, floatx80 v)
{
    if (x87_push_overflows(s)) {
        return (s->fcw & FX_IE) != 0;
    }
    x87_set_top(s, x87_top(s) - 1);
    x87_set_st(s, 0, v);
    return true;
}

bool x87_deliver(X87State *s, const Fx80Env *e)
{
    x87_raise(s, e->flags);
    if (e->flags & ~e->masks & (FX_IE | FX_ZE | FX_DE)) {
        x87_set_c1(s, false);           /* measured: C1 cleared */
        return false;
    }
    x87_set_c1(s, e->round_up);
    return true;
}

uint16_t x87_full_tags(const X87State *s)
{
    uint16_t t = 0;
    unsigned p;

    for (p = 0; p < 8; p++) {
        unsigned tag = x87_tag(s, p) == TAG_EMPTY ? TAG_EMPTY : x87_tag_of(s->regs[p]);
        t |= (uint16_t)(tag << (2 * p));
    }
    return t;
}
