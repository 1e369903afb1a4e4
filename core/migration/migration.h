/*
 * Saving and restoring a whole machine: the migration stream (a header
 * naming the board and the plugins, the RAM, the clocks and every device's
 * state), its channels (file:, exec:) and the state of the one outgoing
 * migration that may be under way.  The monitor and QMP commands
 * (migrate, migrate-incoming, query-migrate, info migrate) are thin
 * wrappers over this.
 *
 * The stream (all integers big-endian, see ram.c and migration.c):
 *
 *   u32 MIGRATION_MAGIC, u32 MIGRATION_VERSION
 *   header: str board, u64 RAM size, u32 CPU count, u32 plugin count, (str name,
 *           str version) per plugin, u8 icount (0: real time, else shift+1),
 *           u8 running (the guest ran when the save began)
 *   records, each a u8 tag:
 *     MIG_REC_RAM_TABLE   u32 n, (str id, u64 size) per region; first
 *     MIG_REC_RAM_PAGES   u32 region, u64 first page, u32 count, the pages
 *     MIG_REC_RAM_ZERO    u32 region, u64 first page, u32 count
 *     MIG_REC_CLOCK       i64 virtual-clock ns
 *     MIG_REC_DEVICES     u64 length, vmstate_save_machine's stream
 *     MIG_REC_END         last
 *
 * A live migration repeats RAM records (later ones win); pages absent from
 * every record are zero.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_MIGRATION_MIGRATION_H
#define CORE_MIGRATION_MIGRATION_H

#include <cardcage/error.h>
#include <cardcage/vmstate.h>

#define MIGRATION_MAGIC   0x43434d47u   /* "CCMG" */
#define MIGRATION_VERSION 3u   /* 3: the CPU count (-smp) */
#define MIGRATION_PAGE_SIZE 4096u

enum {
    MIG_REC_END = 0,
    MIG_REC_RAM_TABLE = 1,
    MIG_REC_RAM_PAGES = 2,
    MIG_REC_RAM_ZERO = 3,
    MIG_REC_CLOCK = 4,
    MIG_REC_DEVICES = 5,
};

/* QEMU's MigrationStatus names, which query-migrate and the MIGRATION
 * event report. */
typedef enum MigrationStatus {
    MIGRATION_STATUS_NONE,
    MIGRATION_STATUS_SETUP,
    MIGRATION_STATUS_ACTIVE,
    MIGRATION_STATUS_DEVICE,        /* the VM is stopped, the rest is sent */
    MIGRATION_STATUS_COMPLETED,
    MIGRATION_STATUS_FAILED,
    MIGRATION_STATUS_CANCELLED,
} MigrationStatus;

const char *migration_status_name(MigrationStatus st);

typedef struct MigrationStats {
    uint64_t total;                 /* RAM bytes */
    uint64_t transferred;           /* stream bytes written */
    uint64_t remaining;             /* dirty RAM bytes not yet sent */
    uint64_t duplicate;             /* zero pages (sent as nothing or a run) */
    uint64_t normal;                /* pages sent with their data */
    uint64_t normal_bytes;
    uint64_t dirty_sync_count;      /* RAM passes */
} MigrationStats;

typedef struct MigrationInfo {
    MigrationStatus status;
    int64_t total_time_ms;          /* start to end (so far, while active) */
    int64_t downtime_ms;            /* the guest was stopped for this long */
    int64_t setup_time_ms;
    MigrationStats ram;
    char *error_desc;               /* status FAILED */
} MigrationInfo;

/* Start saving the machine to uri ("file:PATH", "exec:CMD").  Live: RAM
 * is copied in passes while the guest runs, then the guest is stopped for
 * the rest; it stays stopped after success (as QEMU's postmigrate) and
 * runs again after a failure if it ran before.  Fails at once (errp) for a
 * bad uri or when a migration is under way; later failures show in
 * migration_get_info. */
bool migration_start(const char *uri, Error **errp);
/* Abort the outgoing migration (migrate_cancel). */
void migration_cancel(void);
bool migration_is_active(void);
/* The state of the last outgoing migration (valid until the next start). */
const MigrationInfo *migration_get_info(void);

/* Called at every status change of the outgoing or incoming side (the
 * MIGRATION event). */
typedef void MigrationStatusHook(MigrationStatus st, void *opaque);
void migration_set_status_hook(MigrationStatusHook *fn, void *opaque);

/* Load a whole machine from uri into the machine just built, which must
 * not be running (start-up, or stopped waiting for it).
 * Everything is checked before anything changes: the header against this
 * board and its plugins, every record's bounds, then the devices (which
 * restore themselves on a failed load), then RAM and clocks. */
bool migration_incoming(const char *uri, Error **errp);

/* -incoming: the uri the machine waits for ("defer": migrate-incoming
 * names it later); NULL when the machine starts normally.  autostart: run
 * the guest once it is loaded (no -S). */
void migration_set_incoming_uri(const char *uri, bool autostart);
/* Whether the loaded guest is to run: autostart, and it was running when
 * it was saved (a guest saved stopped stays "paused", as in QEMU). */
bool migration_incoming_autostart(void);
const char *migration_incoming_uri(void);
/* True from start-up with -incoming until the incoming load is done. */
bool migration_incoming_pending(void);

/* The whole machine (stopped) as a stream in memory, g_free'd by the
 * caller, and loaded back (checked whole first, as migration_incoming):
 * savevm/loadvm keep it in a qcow2 image's VM state area (savevm.c). */
bool migration_save_buffer(uint8_t **data, size_t *len, Error **errp);
bool migration_load_buffer(const uint8_t *data, size_t len, Error **errp);

/* The main loop's hook: one step of a live migration (a bounded amount
 * of work); returns true while a migration needs more steps. */
bool migration_iterate(void);

/* ---- inside the migration folder ---- */

/* Open uri for writing or reading.  Writing: *fd to write to; *child the
 * exec: command's pid (0 for files), for migration_channel_close. */
bool migration_channel_open_out(const char *uri, int *fd, GPid *child, Error **errp);
bool migration_channel_close_out(int fd, GPid child, Error **errp);
/* Reading: the whole stream in memory (a file is mapped, a pipe read into
 * an anonymous mapping). */
typedef struct MigrationInput {
    const uint8_t *data;
    size_t len;
    size_t map_len;     /* the mapping's length, when mapped */
    bool mapped;
} MigrationInput;
bool migration_channel_read_all(const char *uri, uint64_t limit, MigrationInput *in,
                                Error **errp);
void migration_input_free(MigrationInput *in);

/* RAM (ram.c).  The table lists every backed region; page records carry
 * the pages. */
uint64_t migration_ram_total(void);
bool migration_ram_save_table(VMStateStream *s, Error **errp);
/* Write every page of every region (zero pages cost nothing: the
 * receiver starts from zeroed RAM). */
bool migration_ram_save_all(VMStateStream *s, MigrationStats *st, Error **errp);
/* Parse a RAM record (tag already read).  apply false: only check it
 * against the table; true: write the pages. */
typedef struct MigrationRamTable MigrationRamTable;
MigrationRamTable *migration_ram_load_table(VMStateStream *s, Error **errp);
void migration_ram_table_free(MigrationRamTable *t);
bool migration_ram_load_record(VMStateStream *s, int tag, MigrationRamTable *t, bool apply,
                               Error **errp);
/* Live passes (the guest runs between steps). */
typedef struct MigrationRamLive MigrationRamLive;
/* Start dirty tracking and set up the first pass. */
MigrationRamLive *migration_ram_live_start(void);
/* Stop tracking and free. */
void migration_ram_live_free(MigrationRamLive *l);
/* Send up to budget pages; *pass_done when a pass just ended. */
bool migration_ram_live_step(VMStateStream *s, MigrationRamLive *l, uint64_t budget,
                             bool *pass_done, MigrationStats *st, Error **errp);
/* After a pass: take the pages the guest wrote meanwhile as the next
 * pass's work; returns how many. */
uint64_t migration_ram_live_next_pass(MigrationRamLive *l, MigrationStats *st);
/* The guest is stopped: send everything still dirty. */
bool migration_ram_live_finish(VMStateStream *s, MigrationRamLive *l, MigrationStats *st,
                               Error **errp);

/* Zero every backed region, before an incoming stream fills it. */
void migration_ram_clear_all(MigrationRamTable *t);

#endif
