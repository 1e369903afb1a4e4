/*
 * cardcage plugin SDK: hooks for a plugin's unit tests.
 *
 * What a device test needs from the core beyond the rest of the SDK: the
 * core without a board, a virtual clock the test advances by hand, the
 * reset and shutdown requests a device makes, a character backend the test
 * types into and reads from, and keys.  tests/harness (installed as
 * <cardcage/harness.h> with cardcage-harness.pc) builds on these; a test
 * outside the tree needs nothing else.  Plugins never call them.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_TESTING_H
#define CARDCAGE_TESTING_H

#include <cardcage/chardev.h>
#include <cardcage/error.h>

/* Run the QOM list, create the memory roots and stop the virtual clock: it
 * moves only through testing_advance_ns.  Idempotent. */
CC_API void testing_init(void);
/* Load one plugin file (its types become available). */
/* Take the virtual clock back after a CPU that was realized made it its
 * instruction counter. */
CC_API void testing_clock_reclaim(void);
CC_API bool testing_load_plugin(const char *path, Error **errp);
/* Advance the virtual clock by ns, running each timer at its deadline. */
CC_API void testing_advance_ns(int64_t ns);

/* Take (and clear) a pending system_reset_request / system_shutdown_request. */
CC_API bool testing_take_reset_request(void);
CC_API bool testing_take_shutdown_request(int *exit_code);

/* A memory-backed character backend named id, for a device's chardev
 * property: what the test puts in reaches the device as host input, what the
 * device writes the test takes out.  Returns the number of bytes moved. */
CC_API Chardev *testing_chardev_new(const char *id, Error **errp);
CC_API size_t testing_chardev_input(Chardev *chr, const void *buf, size_t len);
CC_API size_t testing_chardev_output(Chardev *chr, void *buf, size_t max);

/* Press (down) or release a key by QEMU's name ("a", "ret", "shift"), as the
 * host keyboard would.  False for a name nobody knows. */
CC_API bool testing_send_key(const char *name, bool down);

#endif
