/*
 * mc146818rtc: the Motorola MC146818A real-time clock and its CMOS RAM, as
 * the PC/AT has it (128 bytes behind an index and a data port).
 *
 * Wiring and properties:
 *   "iobase"  (0x70)   index port; the data port follows (0x71).  Bit 7 of
 *                      an index write is the PC's NMI mask, the index is
 *                      bits 6..0.  Reads of the index port give 0xFF (it is
 *                      write-only on the AT).
 *   output "irq"       the chip's IRQ pin as a level, high while IRQF is
 *                      set (the board wires it to pic.in[8])
 *   input "irq-enable"  high (the default, and while unwired): "irq" follows
 *                      IRQF; low: "irq" is held low, the flags in register C
 *                      are unchanged.  An HPET's "pit-enable" drives it:
 *                      under the HPET's legacy replacement route its timer 1
 *                      takes IRQ8 over (IA-PC HPET Specification 1.0a,
 *                      LEG_RT_CNF), a multiplexer in the chipset.
 *   output "nmi-mask"  1 while NMIs are masked (bit 7 of the last index
 *                      write); left unwired on the boards for now, as the
 *                      CPU's "nmi" input has no other source yet
 *   "base"    ("utc")  the clock's start: "utc" or "localtime" (the host's
 *                      time, seconds aligned with the host's), or a date,
 *                      "2006-06-17T16:01:21" or "2006-06-17" (what -rtc
 *                      base= gives)
 *   "file"    (none)   a CMOS file kept across runs (rtc-cmos-file.h: read
 *                      at realize, every guest change written through at
 *                      once, so no exit hook is needed and nothing is lost)
 *   "boot-order" ("cad") the firmware's boot order as QEMU's -boot letters,
 *                      written to CMOS 38h/3Dh at every reset
 *                      (rtc-boot-order.h); what QEMU's pc does, as
 *                      SeaBIOS reads it
 *   "boot-once" (none) the order for the first boot only (-boot once=):
 *                      the machine's start; later resets restore
 *                      "boot-order"
 *   "fd-bootchk" (on)  SeaBIOS checks a floppy boot sector's signature
 *
 * Time is computed from the virtual clock, never ticked: while the clock
 * runs, its value is a count of seconds and the update cycles fall on a
 * fixed phase of the virtual clock, one per second.  The time registers
 * are written from that count when read, and the count taken from them
 * when the guest writes them.  While SET is set or the divider chain is
 * stopped, the registers themselves are the clock, as written.  The update
 * is instantaneous at the second boundary: UIP reads 1 for the 244 us
 * before it, and the update-ended and alarm flags rise at it.
 *
 * Register C's flags are worked out on demand for the time that passed;
 * the one timer fires only for an enabled interrupt while IRQF is clear
 * and the "irq" output is wired.
 *
 * Not modelled: daylight saving (DSE, logged under "unimp"), the square
 * wave output, and divider settings other than the 32.768 kHz time base
 * (000 and 001 run like 010, as in QEMU; 011 to 101 stop the clock like a
 * divider reset).
 *
 * The PC memory-size bytes (IBM AT Technical Reference, CMOS RAM map:
 * 15h/16h base memory in KiB, 17h/18h and 30h/31h extended memory above
 * 1 MiB in KiB, capped at 0FFFFh, checksum of 10h..2Dh in 2Eh/2Fh; 34h/35h
 * memory above 16 MiB in 64 KiB units, as SeaBIOS reads them) are filled
 * from the board's RAM at every reset, where a BIOS would do it at POST.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/cardcage.h>
#include "rtc-boot-order.h"
#include "rtc-cmos-file.h"
#include "rtc-time.h"

#define TYPE_MC146818_RTC "mc146818rtc"

/* Status registers (MC146818A datasheet, "Register A" to "Register D"). */
#define RTC_REG_A       0x0a
#define RTC_REG_B       0x0b
#define RTC_REG_C       0x0c
#define RTC_REG_D       0x0d
#define REG_A_UIP       0x80
#define REG_A_DV        0x70
#define REG_A_RS        0x0f
#define REG_A_DV_32K    0x20    /* DV2..0 = 010: 32.768 kHz time base */
#define REG_A_POWER_ON  0x26    /* 32.768 kHz, 1024 Hz periodic rate: what the AT BIOS sets */
#define REG_B_SET       0x80
#define REG_B_PIE       0x40
#define REG_B_AIE       0x20
#define REG_B_UIE       0x10
#define REG_B_SQWE      0x08
#define REG_B_DSE       0x01
#define REG_B_POWER_ON  RTC_B_24H   /* BCD, 24-hour */
#define REG_C_IRQF      0x80
#define REG_C_FLAGS     0x70    /* PF, AF, UF: the same bits as PIE, AIE, UIE */
#define REG_C_PF        0x40
#define REG_C_AF        0x20
#define REG_C_UF        0x10
#define REG_D_VRT       0x80    /* valid RAM and time: the battery is good */

#define NS_PER_S        1000000000LL
#define TIME_BASE_HZ    32768
/* UIP rises tBUC = 244 us before the update: 8 cycles of the time base. */
#define UIP_NS          ((8 * NS_PER_S + TIME_BASE_HZ / 2) / TIME_BASE_HZ)
/* Leaving divider reset, "the first update cycle begins one-half second
 * later" (datasheet, "Divider Chain Control"). */
#define FIRST_UPDATE_NS (NS_PER_S / 2)

/* The PC's memory-size bytes. */
#define CMOS_BASE_MEM_LO    0x15
#define CMOS_EXT_MEM_LO     0x17
#define CMOS_EXT_MEM2_LO    0x30
#define CMOS_HIGH_MEM_LO    0x34
#define CMOS_CSUM_FIRST     0x10
#define CMOS_CSUM_LAST      0x2d
#define CMOS_CSUM_HI        0x2e

typedef struct RTCState {
    ISADevice parent_obj;
    MemoryRegion io;
    uint16_t iobase;
    char *base;
    char *file;
    char *boot_order;
    char *boot_once;
    bool fd_bootchk;

    uint8_t cmos[128];
    bool booted;            /* reset once: "boot-once" is spent */
    uint8_t index;
    int nmi_masked;
    IRQState *irq;
    IRQState *nmi_mask;
    int irq_level;          /* the "irq" pin */
    bool irq_enabled;       /* the "irq-enable" input */
    Timer *timer;
    CMOSFile cmos_file;

    /* The running clock: updates happen at phase_ns + n seconds, and the
     * clock reads sec_base + n in the second that starts there. */
    int64_t phase_ns;
    int64_t sec_base;
    int dow_offset;
    int64_t synced_ns;      /* register C's flags account for time up to here */
} RTCState;

OBJECT_DECLARE_SIMPLE_TYPE(RTCState, MC146818_RTC)

/* ---- the clock ---- */

static int64_t rtc_now(void)
{
    return clock_get_ns(CC_CLOCK_VIRTUAL);
}

static bool chain_running(RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV) <= REG_A_DV_32K;
}

static bool clock_running(RTCState *s)
{
    return chain_running(s) && !(s->cmos[RTC_REG_B] & REG_B_SET);
}

static int64_t seconds_into(RTCState *s, int64_t t)
{
    return rtc_floor_div(t - s->phase_ns, NS_PER_S);
}

static int64_t rtc_sec_at(RTCState *s, int64_t t)
{
    return s->sec_base + seconds_into(s, t);
}

/* Write the running clock into the time registers. */
static void rtc_materialize(RTCState *s, int64_t t)
{
    RTCFields f;
    rtc_sec_to_fields(rtc_sec_at(s, t), s->dow_offset, &f);
    rtc_fields_to_regs(&f, s->cmos[RTC_REG_B], s->cmos);
}

/* Take the time registers as the clock's value at t. */
static void rtc_adopt(RTCState *s, int64_t t)
{
    RTCFields f;
    rtc_regs_to_fields(s->cmos, s->cmos[RTC_REG_B], &f);
    int64_t sec = rtc_fields_to_sec(&f);
    s->sec_base = sec - seconds_into(s, t);
    s->dow_offset = rtc_dow_offset_for(sec, f.dow);
}

/* The periodic rate (datasheet, Table 5): RS 3..15 give 2^(RS-1) cycles
 * of the time base; RS 1 and 2 repeat RS 8 and 9; 0 is off.  Returns the
 * log2 of the period in cycles, or -1. */
static int periodic_shift(RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS;
    if (!rs) {
        return -1;
    }
    return (rs <= 2 ? rs + 7 : rs) - 1;
}

static int64_t cycles_at(RTCState *s, int64_t t)
{
    return (int64_t)((unsigned __int128)(t - s->phase_ns) * TIME_BASE_HZ / NS_PER_S);
}

static int64_t ns_of_cycle(RTCState *s, int64_t c)
{
    unsigned __int128 p = (unsigned __int128)c * NS_PER_S;
    return s->phase_ns + (int64_t)((p + TIME_BASE_HZ - 1) / TIME_BASE_HZ);
}

/* ---- register C and the interrupt ---- */

/* Raise the flags of register C for what happened in (synced_ns, t]. */
static void rtc_sync(RTCState *s, int64_t t)
{
    int64_t a = s->synced_ns;
    if (t <= a) {
        return;
    }
    uint8_t flags = 0;
    if (chain_running(s)) {
        int sh = periodic_shift(s);
        if (sh >= 0 && (cycles_at(s, t) >> sh) != (cycles_at(s, a) >> sh)) {
            flags |= REG_C_PF;
        }
        if (!(s->cmos[RTC_REG_B] & REG_B_SET)) {
            int64_t sa = rtc_sec_at(s, a), sb = rtc_sec_at(s, t);
            if (sb > sa) {
                flags |= REG_C_UF;
                int64_t alarm = rtc_next_alarm(sa, s->cmos, s->cmos[RTC_REG_B]);
                if (alarm >= 0 && alarm <= sb) {
                    flags |= REG_C_AF;
                }
            }
        }
    }
    s->cmos[RTC_REG_C] |= flags;
    s->synced_ns = t;
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE, and the IRQ pin follows it. */
static void rtc_update_irq(RTCState *s)
{
    uint8_t c = s->cmos[RTC_REG_C] & REG_C_FLAGS;
    if (c & s->cmos[RTC_REG_B] & REG_C_FLAGS) {
        c |= REG_C_IRQF;
    }
    s->cmos[RTC_REG_C] = c;
    int level = (c & REG_C_IRQF) && s->irq_enabled;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* The "irq-enable" input (see the top of the file). */
static void rtc_irq_enable_in(void *opaque, int n, int level)
{
    RTCState *s = opaque;
    s->irq_enabled = level;
    rtc_update_irq(s);
}

static int64_t earlier(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* Arm the timer for the next enabled interrupt, if IRQF is clear. */
static void rtc_arm(RTCState *s, int64_t t)
{
    uint8_t b = s->cmos[RTC_REG_B];
    int64_t next = INT64_MAX;
    if (s->irq && !(s->cmos[RTC_REG_C] & REG_C_IRQF) && chain_running(s)) {
        int sh = periodic_shift(s);
        if ((b & REG_B_PIE) && sh >= 0) {
            next = ns_of_cycle(s, ((cycles_at(s, t) >> sh) + 1) << sh);
        }
        if (!(b & REG_B_SET) && (b & REG_B_UIE)) {
            next = earlier(next, s->phase_ns + (seconds_into(s, t) + 1) * NS_PER_S);
        }
        if (!(b & REG_B_SET) && (b & REG_B_AIE)) {
            int64_t alarm = rtc_next_alarm(rtc_sec_at(s, t), s->cmos, b);
            if (alarm >= 0) {
                next = earlier(next, s->phase_ns + (alarm - s->sec_base) * NS_PER_S);
            }
        }
    }
    if (next == INT64_MAX) {
        timer_del(s->timer);
    } else {
        timer_mod_ns(s->timer, next);
    }
}

static void rtc_timer_cb(void *opaque)
{
    RTCState *s = opaque;
    int64_t t = rtc_now();
    rtc_sync(s, t);
    rtc_update_irq(s);
    rtc_arm(s, t);
}

/* ---- CMOS RAM ---- */

/* Store a byte that persists, writing it through to the CMOS file. */
static void rtc_store(RTCState *s, unsigned idx, uint8_t val)
{
    if (s->cmos[idx] != val) {
        s->cmos[idx] = val;
        cmos_file_write(&s->cmos_file, idx, &s->cmos[idx], 1);
    }
}

static void store16(RTCState *s, unsigned idx, uint64_t v)
{
    v = v > 0xffff ? 0xffff : v;
    rtc_store(s, idx, v & 0xff);
    rtc_store(s, idx + 1, v >> 8);
}

static void rtc_set_memory_size(RTCState *s)
{
    uint64_t ram = board_ram_size();
    uint64_t kib = ram / 1024;
    store16(s, CMOS_BASE_MEM_LO, kib < 640 ? kib : 640);
    store16(s, CMOS_EXT_MEM_LO, kib > 1024 ? kib - 1024 : 0);
    store16(s, CMOS_EXT_MEM2_LO, kib > 1024 ? kib - 1024 : 0);
    uint64_t above16 = ram > (16u << 20) ? (ram - (16u << 20)) >> 16 : 0;
    store16(s, CMOS_HIGH_MEM_LO, above16);
    unsigned sum = 0;
    for (unsigned i = CMOS_CSUM_FIRST; i <= CMOS_CSUM_LAST; i++) {
        sum += s->cmos[i];
    }
    rtc_store(s, CMOS_CSUM_HI, sum >> 8);       /* big-endian: 2Eh high, 2Fh low */
    rtc_store(s, CMOS_CSUM_HI + 1, sum & 0xff);
}

/* The first reset is the machine's start, so "boot-once" applies to it
 * and every later one restores "boot-order" (QEMU's once=).  The strings
 * were checked at realize. */
static void rtc_set_boot_order(RTCState *s)
{
    const char *drives = s->boot_once && !s->booted ? s->boot_once : s->boot_order;
    uint8_t flag1, flag2;
    char bad;
    s->booted = true;
    if (rtc_boot_order_bytes(drives ? drives : "", s->fd_bootchk, &flag1, &flag2, &bad)) {
        rtc_store(s, CMOS_BOOT_FLAG1, flag1);
        rtc_store(s, CMOS_BOOT_FLAG2, flag2);
    }
}

static bool rtc_check_boot_order(const char *prop, const char *drives, Error **errp)
{
    uint8_t flag1, flag2;
    char bad;
    if (!drives || rtc_boot_order_bytes(drives, true, &flag1, &flag2, &bad)) {
        return true;
    }
    if (bad) {
        error_setg(errp, "%s '%s': '%c' is not a boot drive or is given twice (a, b "
                   "floppy, c hard disk, d CD-ROM, n network)", prop, drives, bad);
    } else {
        error_setg(errp, "%s '%s': at most 3 drives", prop, drives);
    }
    return false;
}

static bool is_time_register(unsigned idx)
{
    switch (idx) {
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
    case RTC_CENTURY:
        return true;
    default:
        return false;
    }
}

/* ---- guest access ---- */

static uint8_t rtc_read_data(RTCState *s)
{
    int64_t t = rtc_now();
    unsigned idx = s->index;
    if (is_time_register(idx)) {
        if (clock_running(s)) {
            rtc_materialize(s, t);
        }
        return s->cmos[idx];
    }
    switch (idx) {
    case RTC_REG_A: {
        uint8_t v = s->cmos[RTC_REG_A] & ~REG_A_UIP;
        int64_t into = (t - s->phase_ns) % NS_PER_S;
        if (clock_running(s) && into >= NS_PER_S - UIP_NS) {
            v |= REG_A_UIP;
        }
        return v;
    }
    case RTC_REG_C: {
        /* Reading C returns the flags and clears them all. */
        rtc_sync(s, t);
        rtc_update_irq(s);
        uint8_t v = s->cmos[RTC_REG_C];
        s->cmos[RTC_REG_C] = 0;
        rtc_update_irq(s);
        rtc_arm(s, t);
        return v;
    }
    case RTC_REG_D:
        return REG_D_VRT;
    default:
        return s->cmos[idx];
    }
}

static void rtc_write_a(RTCState *s, uint8_t val, int64_t t)
{
    bool was_chain = chain_running(s), was_running = clock_running(s);
    if (was_running) {
        rtc_materialize(s, t);
    }
    rtc_store(s, RTC_REG_A, val & ~REG_A_UIP);
    if (!was_chain && chain_running(s)) {
        s->phase_ns = t - (NS_PER_S - FIRST_UPDATE_NS);
    }
    if (!was_running && clock_running(s)) {
        rtc_adopt(s, t);
    }
}

static void rtc_write_b(RTCState *s, uint8_t val, int64_t t)
{
    bool was_running = clock_running(s);
    if (was_running) {
        rtc_materialize(s, t);
    }
    if (val & REG_B_SET) {
        val &= ~REG_B_UIE;  /* "UIE is cleared when SET is written to one" */
    }
    if (val & REG_B_DSE) {
        log_mask(LOG_UNIMP, "mc146818rtc: daylight saving (DSE) is not modelled\n");
    }
    rtc_store(s, RTC_REG_B, val);
    if (!was_running && clock_running(s)) {
        rtc_adopt(s, t);    /* SET cleared: run from what was written */
    }
}

static void rtc_write_data(RTCState *s, uint8_t val)
{
    int64_t t = rtc_now();
    unsigned idx = s->index;
    rtc_sync(s, t);
    if (is_time_register(idx)) {
        if (clock_running(s)) {
            rtc_materialize(s, t);
            s->cmos[idx] = val;
            rtc_adopt(s, t);
        } else {
            s->cmos[idx] = val;
        }
    } else if (idx == RTC_REG_A) {
        rtc_write_a(s, val, t);
    } else if (idx == RTC_REG_B) {
        rtc_write_b(s, val, t);
    } else if (idx == RTC_REG_C || idx == RTC_REG_D) {
        log_mask(LOG_GUEST_ERROR, "mc146818rtc: write 0x%02x to read-only register %c\n",
                 val, idx == RTC_REG_C ? 'C' : 'D');
    } else {
        rtc_store(s, idx, val);
    }
    rtc_update_irq(s);
    rtc_arm(s, t);
}

static uint64_t rtc_io_read(void *opaque, hwaddr addr, unsigned size)
{
    RTCState *s = opaque;
    return addr == 0 ? 0xff : rtc_read_data(s);
}

static void rtc_io_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    RTCState *s = opaque;
    if (addr != 0) {
        rtc_write_data(s, (uint8_t)val);
        return;
    }
    s->index = val & 0x7f;
    int masked = (val & 0x80) != 0;
    if (masked != s->nmi_masked) {
        s->nmi_masked = masked;
        irq_set(s->nmi_mask, masked);
    }
}

static const MemoryRegionOps rtc_ops = {
    .read = rtc_io_read,
    .write = rtc_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

/* ---- reset ---- */

/* The chip's RESET clears PIE, AIE, UIE, SQWE and the flags of register C
 * (datasheet, "RESET"); the time and the RAM are battery backed. */
static void rtc_reset(DeviceState *dev)
{
    RTCState *s = MC146818_RTC(dev);
    int64_t t = rtc_now();
    rtc_sync(s, t);
    rtc_store(s, RTC_REG_B, s->cmos[RTC_REG_B] &
              ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE));
    s->cmos[RTC_REG_C] = 0;
    rtc_update_irq(s);
    rtc_set_memory_size(s);
    rtc_set_boot_order(s);
    rtc_arm(s, t);
}

/* ---- realize ---- */

/* The clock's value when the machine starts, and how far into that
 * second the host is (so "utc" ticks with the host's seconds). */
static bool rtc_parse_base(const char *base, int64_t *sec, int64_t *into, Error **errp)
{
    *into = 0;
    if (!base || !strcmp(base, "utc") || !strcmp(base, "localtime")) {
        int64_t ns = clock_get_ns(CC_CLOCK_HOST);
        *sec = rtc_floor_div(ns, NS_PER_S);
        *into = ns - *sec * NS_PER_S;
        if (base && !strcmp(base, "localtime")) {
            GDateTime *dt = g_date_time_new_from_unix_local(*sec);
            if (dt) {
                *sec += g_date_time_get_utc_offset(dt) / G_TIME_SPAN_SECOND;
                g_date_time_unref(dt);
            }
        }
        return true;
    }
    if (rtc_parse_date(base, sec)) {
        return true;
    }
    error_setg(errp, "base '%s' is not utc, localtime or a date such as "
               "2006-06-17T16:01:21 or 2006-06-17", base);
    return false;
}

static bool rtc_realize(DeviceState *dev, Error **errp)
{
    RTCState *s = MC146818_RTC(dev);
    int64_t start, into;
    memory_region_init_io(&s->io, OBJECT(dev), &rtc_ops, s, "mc146818rtc", 2);
    if (!isa_register_ioport(ISA_DEVICE(dev), &s->io, s->iobase, errp)) {
        return false;
    }
    if (!rtc_parse_base(s->base, &start, &into, errp) ||
        !rtc_check_boot_order("boot-order", s->boot_order, errp) ||
        !rtc_check_boot_order("boot-once", s->boot_once, errp)) {
        return false;
    }
    s->booted = false;
    memset(s->cmos, 0, sizeof(s->cmos));
    s->cmos[RTC_REG_A] = REG_A_POWER_ON;
    s->cmos[RTC_REG_B] = REG_B_POWER_ON;
    s->cmos_file.fd = -1;
    if (s->file && *s->file) {
        bool loaded;
        if (!cmos_file_open(&s->cmos_file, s->file, s->cmos, &loaded, errp)) {
            return false;
        }
    }
    s->cmos[RTC_REG_C] = 0;
    s->cmos[RTC_REG_D] = REG_D_VRT;

    int64_t t = rtc_now();
    s->phase_ns = t - into;
    s->sec_base = start;
    s->dow_offset = RTC_DOW_OFFSET_TRUE;
    s->synced_ns = t;
    rtc_materialize(s, t);  /* the registers hold the start, should the clock be stopped */

    s->timer = timer_new_ns(CC_CLOCK_VIRTUAL, rtc_timer_cb, s);
    return true;
}

static void rtc_unrealize(DeviceState *dev)
{
    RTCState *s = MC146818_RTC(dev);
    if (clock_running(s)) {
        rtc_materialize(s, rtc_now());
    }
    cmos_file_close(&s->cmos_file, s->cmos);
    timer_free(s->timer);
    s->timer = NULL;
    memory_region_finalize(&s->io);
}

/* ---- properties and type ---- */

static const Property rtc_properties[] = {
    DEFINE_PROP_UINT16("iobase", RTCState, iobase, 0x70,
                       "index port (bit 7 of a write: NMI mask); data port next"),
    DEFINE_PROP_STRING("base", RTCState, base, "utc",
                       "start time: utc, localtime or a date like 2006-06-17T16:01:21"),
    DEFINE_PROP_STRING("file", RTCState, file, NULL,
                       "CMOS file kept across runs (128 bytes; created when missing)"),
    DEFINE_PROP_STRING("boot-order", RTCState, boot_order, "cad",
                       "firmware boot order in CMOS: up to 3 of a,b floppy, c disk, d CD, n net"),
    DEFINE_PROP_STRING("boot-once", RTCState, boot_once, NULL,
                       "boot order for the first boot only (later resets: boot-order)"),
    DEFINE_PROP_BOOL("fd-bootchk", RTCState, fd_bootchk, true,
                     "firmware checks the floppy boot sector's signature (CMOS 38h bit 0)"),
    DEFINE_PROP_END_OF_LIST(),
};

/* The lines exist from creation, so -device mc146818rtc,help can list
 * them. */
static void rtc_instance_init(Object *obj)
{
    device_init_gpio_out_named(DEVICE(obj), &MC146818_RTC(obj)->irq, "irq", 1);
    device_init_gpio_out_named(DEVICE(obj), &MC146818_RTC(obj)->nmi_mask, "nmi-mask", 1);
    device_init_gpio_in_named(DEVICE(obj), rtc_irq_enable_in, "irq-enable", 1);
    /* Not reset: the input's level is the driving device's to set. */
    MC146818_RTC(obj)->irq_enabled = true;
}

/* ---- state ---- */

/* A CMOS image loaded into a machine with a CMOS file goes through to
 * the file, as the guest's own writes do. */
static bool rtc_post_load(void *opaque, int version_id, Error **errp)
{
    RTCState *s = opaque;
    cmos_file_write(&s->cmos_file, 0, s->cmos, sizeof(s->cmos));
    return true;
}

/* Times on the virtual clock stay far inside +-2^62 ns; the clock's
 * seconds inside +-2^38 (years 0..9999 are about -6.2e10..2.5e11 s), so
 * the date arithmetic cannot overflow. */
#define RTC_NS_LIMIT  (INT64_C(1) << 62)
#define RTC_SEC_LIMIT (INT64_C(1) << 38)

/* The IRQ and NMI-mask outputs' levels are kept by the devices they drive
 * (irq_level and nmi_masked are our copies). */
static const VMStateDescription vmstate_rtc = {
    .name = TYPE_MC146818_RTC,
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = rtc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(cmos, RTCState, 128),
        VMSTATE_UINT8_INDEX(index, RTCState, 128),
        VMSTATE_INT_RANGE(nmi_masked, RTCState, 0, 1),
        VMSTATE_INT_RANGE(irq_level, RTCState, 0, 1),
        VMSTATE_TIMER(timer, RTCState),
        VMSTATE_INT64_RANGE(phase_ns, RTCState, -RTC_NS_LIMIT, RTC_NS_LIMIT),
        VMSTATE_INT64_RANGE(sec_base, RTCState, -RTC_SEC_LIMIT, RTC_SEC_LIMIT),
        VMSTATE_INT_RANGE(dow_offset, RTCState, 0, 6),
        VMSTATE_INT64_RANGE(synced_ns, RTCState, -RTC_NS_LIMIT, RTC_NS_LIMIT),
        VMSTATE_BOOL_V(irq_enabled, RTCState, 2),
        VMSTATE_END_OF_LIST()
    },
};

static void rtc_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "Motorola MC146818A real-time clock with 128 bytes of CMOS RAM";
    dc->vmsd = &vmstate_rtc;
    dc->category = DEVICE_CATEGORY_TIMER;
    dc->realize = rtc_realize;
    dc->unrealize = rtc_unrealize;
    dc->reset = rtc_reset;
    device_class_set_props(dc, rtc_properties);
}

static const TypeInfo rtc_types[] = {
    {
        .name = TYPE_MC146818_RTC,
        .parent = TYPE_ISA_DEVICE,
        .instance_size = sizeof(RTCState),
        .instance_init = rtc_instance_init,
        .class_init = rtc_class_init,
    },
};

DEFINE_TYPES(rtc_types)

CARDCAGE_PLUGIN(
    .name = "rtc",
    .version = "1.0",
    .description = "mc146818rtc: the PC's real-time clock and CMOS RAM",
    .license = "MIT",
);
