/*
 * The in-tree name of the device test harness (include/cardcage/harness.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/harness.h>
