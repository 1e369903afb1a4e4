/*
 * The in-tree name of the state-description check of the device test
 * harness (include/cardcage/harness-vmstate.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/harness-vmstate.h>
