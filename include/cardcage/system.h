/*
 * cardcage plugin SDK: machine-wide services for devices.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_SYSTEM_H
#define CARDCAGE_SYSTEM_H

#include <cardcage/compiler.h>
#include <cardcage/error.h>

/* Ask for a system reset (the 8042's reset pulse, port 0x92, a triple
 * fault).  It happens in the main loop after the current instruction; under
 * -no-reboot the emulator exits with status 0 instead. */
CC_API void system_reset_request(void);
/* Ask the emulator to stop and exit with this status (isa-debug-exit). */
CC_API void system_shutdown_request(int exit_code);

/* Size of the board's RAM in bytes. */
CC_API uint64_t board_ram_size(void);
/* The number of CPUs the board was built with (-smp, or the board's "cpu"
 * "count"), and the most it could take (-smp's maxcpus, or the count);
 * CPU i has local APIC ID i.  1 and 1 before a board is built. */
CC_API int board_cpu_count(void);
CC_API int board_cpu_max(void);
/* The index of the CPU that executes now (whose memory access reaches the
 * device: a local APIC answers for its own CPU at the shared address), or
 * 0 between CPU slices (timers, host I/O, the monitor). */
CC_API int cpu_current_index(void);
/* The board's name ("isapc"). */
CC_API const char *board_get_name(void);
/* Full path of a firmware or option-ROM file, searched in the -L
 * directories, the board's directory and the firmware directories; NULL
 * when not found.  g_free the result. */
CC_API char *board_find_firmware(const char *name);
/* A NULL-terminated list of the directories board_find_firmware searches
 * (for error messages). */
CC_API const char *const *board_firmware_dirs(void);

/* Functions run after the whole machine is built and before the first
 * reset (the "init done" notifiers). */
CC_API void system_add_init_done_notifier(void (*fn)(void *opaque), void *opaque);
/* Functions run at every system reset, after the devices are reset. */
CC_API void system_add_reset_notifier(void (*fn)(void *opaque), void *opaque);

/* The power button (QMP system_powerdown): the functions a power
 * management device registers run, in order; with none, nothing happens
 * (the ISA PC has no power button).  Remove before the opaque goes away. */
CC_API void system_add_powerdown_notifier(void (*fn)(void *opaque), void *opaque);
CC_API void system_remove_powerdown_notifier(void (*fn)(void *opaque), void *opaque);
/* Press the power button: run the powerdown notifiers now.  QMP
 * system_powerdown does this; tests call it directly. */
CC_API void system_powerdown_request(void);

#endif
