/*
 * IRQ lines: an input is a handler plus its line number; splitters fan one
 * level out to several inputs, inverters flip it.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/irq.h>

struct IRQState {
    IRQHandler handler;
    void *opaque;
    int n;
    int level;
    /* Splitters only: the inputs fed (not owned). */
    IRQState **targets;
    int nr_targets;
    int cap_targets;
};

IRQState *irq_allocate(IRQHandler handler, void *opaque, int n)
{
    IRQState *irq = g_new0(IRQState, 1);
    irq->handler = handler;
    irq->opaque = opaque;
    irq->n = n;
    return irq;
}

IRQState **irq_allocate_array(IRQHandler handler, void *opaque, int n)
{
    g_return_val_if_fail(n >= 0, NULL);
    IRQState **irqs = g_new0(IRQState *, n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        irqs[i] = irq_allocate(handler, opaque, i);
    }
    return irqs;
}

void irq_free(IRQState *irq)
{
    if (irq) {
        g_free(irq->targets);
        g_free(irq);
    }
}

void irq_free_array(IRQState **irqs, int n)
{
    if (!irqs) {
        return;
    }
    for (int i = 0; i < n; i++) {
        irq_free(irqs[i]);
    }
    g_free(irqs);
}

void irq_set(IRQState *irq, int level)
{
    if (!irq) {
        return;
    }
    irq->level = level;
    if (irq->handler) {
        irq->handler(irq->opaque, irq->n, level);
    }
}

int irq_get_level(const IRQState *irq)
{
    return irq ? irq->level : 0;
}

/* ---- splitters ---- */

static void split_handler(void *opaque, int n, int level)
{
    IRQState *s = opaque;
    /* By index: a target's handler may add further targets. */
    for (int i = 0; i < s->nr_targets; i++) {
        irq_set(s->targets[i], level);
    }
}

IRQState *irq_split(IRQState *const *targets, int n)
{
    g_return_val_if_fail(n >= 0 && (targets || n == 0), NULL);
    IRQState *s = irq_allocate(split_handler, NULL, 0);
    s->opaque = s;
    for (int i = 0; i < n; i++) {
        irq_split_add(s, targets[i]);
    }
    return s;
}

void irq_split_add(IRQState *splitter, IRQState *target)
{
    g_return_if_fail(irq_is_split(splitter));
    if (splitter->nr_targets == splitter->cap_targets) {
        splitter->cap_targets = splitter->cap_targets ? splitter->cap_targets * 2 : 4;
        splitter->targets = g_renew(IRQState *, splitter->targets, splitter->cap_targets);
    }
    splitter->targets[splitter->nr_targets++] = target;
}

bool irq_is_split(const IRQState *irq)
{
    return irq && irq->handler == split_handler;
}

/* ---- inverter ---- */

static void invert_handler(void *opaque, int n, int level)
{
    irq_set(opaque, !level);
}

IRQState *irq_invert(IRQState *target)
{
    return irq_allocate(invert_handler, target, 0);
}
