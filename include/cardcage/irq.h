/*
 * cardcage plugin SDK: interrupt (and general-purpose) signal lines.
 *
 * An IRQState is an *input*: a handler and the number of the line it serves
 * on its receiver.  A device's *output* is a pointer to the input it drives
 * (NULL while unconnected: driving it does nothing).
 *
 * Semantics.  A line carries a level.  irq_set(line, level) calls the
 * receiver's handler with the new level every time, even when the level did
 * not change; the receiver decides what an event is:
 *   - a level-triggered receiver (an 8259 input in level mode, the CPU's
 *     INTR pin) acts on the current level;
 *   - an edge-triggered receiver (an 8259 input in edge mode) latches a
 *     request on a 0 -> 1 transition and must remember the previous level
 *     itself.
 * irq_pulse raises then lowers the line, which an edge-triggered receiver
 * sees as one edge and a level-triggered one as a brief request.
 *
 * Fan-out: irq_split makes one input that forwards each level to several
 * inputs; device_connect_gpio_out does this by itself when one output is
 * wired to more than one input.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_IRQ_H
#define CARDCAGE_IRQ_H

#include <cardcage/compiler.h>

typedef struct IRQState IRQState;
typedef void (*IRQHandler)(void *opaque, int n, int level);

/* One input line number n on a receiver: handler(opaque, n, level). */
CC_API IRQState *irq_allocate(IRQHandler handler, void *opaque, int n);
/* n inputs numbered 0..n-1, in a g_new array of pointers. */
CC_API IRQState **irq_allocate_array(IRQHandler handler, void *opaque, int n);
CC_API void irq_free(IRQState *irq);
CC_API void irq_free_array(IRQState **irqs, int n);

CC_API void irq_set(IRQState *irq, int level);
static inline void irq_raise(IRQState *irq) { irq_set(irq, 1); }
static inline void irq_lower(IRQState *irq) { irq_set(irq, 0); }
static inline void irq_pulse(IRQState *irq) { irq_set(irq, 1); irq_set(irq, 0); }

/* An input that forwards each level to every one of targets[0..n-1]. */
CC_API IRQState *irq_split(IRQState *const *targets, int n);
/* Add one more target to a splitter made by irq_split. */
CC_API void irq_split_add(IRQState *splitter, IRQState *target);
CC_API bool irq_is_split(const IRQState *irq);

/* An input that forwards the inverted level. */
CC_API IRQState *irq_invert(IRQState *target);

/* The last level the line was set to (for tests and `info irq`). */
CC_API int irq_get_level(const IRQState *irq);

#endif
