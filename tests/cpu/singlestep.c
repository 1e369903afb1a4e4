/*
 * A runner for single-instruction CPU tests in the SingleStepTests format
 * (https://github.com/SingleStepTests; the layout is described in
 * ../shared/cpu-tests/80286-real/README.md): each gzipped JSON file holds
 * tests of one opcode, each test an initial register and memory state, the
 * instruction bytes, and the state the real CPU reached after running it
 * and the HLT that follows.
 *
 *   singlestep DIR [--require PERCENT] [--only NAME] [--verbose]
 *
 * Runs every *.json.gz in DIR on the x86 CPU in real mode, with 16 MiB of
 * RAM in an address space of its own and the default I/O space (every port
 * reads as all ones), and prints per-opcode counts, one line per failure
 * naming the opcode, and last "N passed, N failed, N skipped".  With
 * --require, exits 1 when fewer than PERCENT of all tests passed.  Exits 77
 * when DIR does not exist (the tests live outside the tree).
 *
 * Where the i686 this CPU models legitimately differs from the 80286 the
 * tests were recorded on, the test is skipped and counted as such; see
 * skip_reason() for each case and its justification.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <json-c/json.h>
#include <cardcage/module.h>
#include "cpu/x86-internal.h"

#define RAM_SIZE (16u << 20)
#define MAX_INSNS_PER_TEST 64

typedef struct Runner {
    X86CPU *cpu;
    CPUX86State *env;
    uint8_t *ram;
    json_object *metadata;       /* opcodes object, or NULL */
    bool verbose;
    long passed, failed, skipped;
    GHashTable *skip_reasons;    /* reason -> count */
    long total_shown_failures;
} Runner;

static const char *const reg_names[] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
};
enum { RG_AX, RG_BX, RG_CX, RG_DX, RG_CS, RG_SS, RG_DS, RG_ES, RG_SP, RG_BP, RG_SI, RG_DI,
       RG_IP, RG_FLAGS, RG_COUNT };

/* ---- loading ---- */

static char *gunzip_file(const char *path, size_t *len)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = g_malloc(cap);
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap *= 2;
            buf = g_realloc(buf, cap);
        }
        int r = gzread(f, buf + n, 65536);
        if (r < 0) {
            g_free(buf);
            gzclose(f);
            return NULL;
        }
        if (r == 0) {
            break;
        }
        n += r;
    }
    gzclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

static json_object *load_json(const char *path, bool gz)
{
    size_t len = 0;
    char *text = NULL;
    if (gz) {
        text = gunzip_file(path, &len);
    } else {
        g_file_get_contents(path, &text, &len, NULL);
    }
    if (!text) {
        return NULL;
    }
    json_object *j = json_tokener_parse(text);
    g_free(text);
    return j;
}

/* The flags mask of a test file "XX" or "XX.R" from metadata.json. */
static uint32_t flags_mask(Runner *r, const char *name)
{
    uint32_t mask = 0xffff;
    if (!r->metadata) {
        return mask;
    }
    char op[3] = { name[0], name[1], 0 };
    json_object *e, *m;
    if (!json_object_object_get_ex(r->metadata, op, &e)) {
        return mask;
    }
    if (name[2] == '.' && json_object_object_get_ex(e, "reg", &m)) {
        char reg[2] = { name[3], 0 };
        if (!json_object_object_get_ex(m, reg, &e)) {
            return mask;
        }
    }
    if (json_object_object_get_ex(e, "flags-mask", &m)) {
        mask = (uint32_t)json_object_get_int(m);
    }
    return mask;
}

static bool get_reg(json_object *regs, int i, uint32_t *v)
{
    json_object *o;
    if (!json_object_object_get_ex(regs, reg_names[i], &o)) {
        return false;
    }
    *v = (uint32_t)json_object_get_int(o);
    return true;
}

/* ---- the CPU side ---- */

static uint32_t cpu_reg(CPUX86State *env, int i)
{
    switch (i) {
    case RG_AX: return env->regs[R_EAX] & 0xffff;
    case RG_BX: return env->regs[R_EBX] & 0xffff;
    case RG_CX: return env->regs[R_ECX] & 0xffff;
    case RG_DX: return env->regs[R_EDX] & 0xffff;
    case RG_CS: return env->segs[R_CS].sel;
    case RG_SS: return env->segs[R_SS].sel;
    case RG_DS: return env->segs[R_DS].sel;
    case RG_ES: return env->segs[R_ES].sel;
    case RG_SP: return env->regs[R_ESP] & 0xffff;
    case RG_BP: return env->regs[R_EBP] & 0xffff;
    case RG_SI: return env->regs[R_ESI] & 0xffff;
    case RG_DI: return env->regs[R_EDI] & 0xffff;
    case RG_IP: return env->eip & 0xffff;
    default: return x86_get_eflags(env) & 0xffff;
    }
}

static void load_state(Runner *r, json_object *init)
{
    CPUX86State *env = r->env;
    json_object *regs, *ram;
    uint32_t v[RG_COUNT] = { 0 };
    x86_cpu_reset_state(env);
    json_object_object_get_ex(init, "regs", &regs);
    for (int i = 0; i < RG_COUNT; i++) {
        get_reg(regs, i, &v[i]);
    }
    env->regs[R_EAX] = v[RG_AX];
    env->regs[R_EBX] = v[RG_BX];
    env->regs[R_ECX] = v[RG_CX];
    env->regs[R_EDX] = v[RG_DX];
    env->regs[R_ESP] = v[RG_SP];
    env->regs[R_EBP] = v[RG_BP];
    env->regs[R_ESI] = v[RG_SI];
    env->regs[R_EDI] = v[RG_DI];
    x86_load_seg_real(env, R_CS, v[RG_CS]);
    x86_load_seg_real(env, R_SS, v[RG_SS]);
    x86_load_seg_real(env, R_DS, v[RG_DS]);
    x86_load_seg_real(env, R_ES, v[RG_ES]);
    env->eip = v[RG_IP];
    /* Bits 12..15 of the recorded flags are not real state (README,
     * "Flags on load"). */
    x86_set_eflags(env, v[RG_FLAGS] & 0x0fff, ~0u);
    if (json_object_object_get_ex(init, "ram", &ram)) {
        size_t n = json_object_array_length(ram);
        for (size_t k = 0; k < n; k++) {
            json_object *pair = json_object_array_get_idx(ram, k);
            uint32_t addr = (uint32_t)json_object_get_int(json_object_array_get_idx(pair, 0));
            uint32_t byte = (uint32_t)json_object_get_int(json_object_array_get_idx(pair, 1));
            if (addr < RAM_SIZE) {
                r->ram[addr] = (uint8_t)byte;
                x86_tb_invalidate_phys(env, addr, 1);
            }
        }
    }
}

/* Runs the test; *first_exc gets the exception the instruction under test
 * raised (-1: none). */
static bool run_until_halt(Runner *r, int *first_exc)
{
    CPUState *cs = r->env->cs;
    cs->halted = false;
    uint64_t start = cs->insns_executed;
    r->env->exc_vec = -1;
    x86_cpu_exec(r->env, 1);
    *first_exc = r->env->exc_vec;
    while (!cs->halted && cs->insns_executed - start < MAX_INSNS_PER_TEST) {
        x86_cpu_exec(r->env, MAX_INSNS_PER_TEST);
    }
    return cs->halted;
}

/* ---- i686 versus 80286 ---- */

/*
 * Tests whose recorded outcome depends on 80286 behaviour that an i686 does
 * not share.  The decision looks only at the instruction (decoded by the
 * CPU's own decoder) and at what the 286 did, never at a test's identity:
 *
 *  - LOCK on an instruction that cannot be locked: the 80286 runs it; the
 *    i386 and later raise #UD (SDM vol. 2A, LOCK).
 *  - An instruction longer than 10 bytes (redundant prefixes): the 80286
 *    raises #GP (its limit is 10 bytes); the i386 and later allow 15
 *    (SDM vol. 2A, 2.3.11).
 *  - A string instruction that the 286 stopped with #GP (an element at
 *    offset FFFFh): the 80286 has already advanced SI/DI (and CX), the
 *    i386 and later fault before any change, so the instruction can be
 *    restarted (SDM vol. 3A, 6.5 "faults").
 * And after running (see the caller):
 *  - the 286 raised #GP(13) where the i686 raises #SS(12): a stack-segment
 *    limit violation in real mode is #SS on the i386 and later (SDM vol. 2,
 *    "Real-Address Mode Exceptions" of each instruction), #GP on the 286.
 */
static int decode_bytes(Runner *r, const uint8_t *b, unsigned n, X86Insn *in)
{
    X86DecodeCtx ctx = { .env = r->env, .code = b, .avail = n, .eip = 0, .hflags = 0 };
    bool ends;
    return x86_decode(&ctx, in, &ends);
}

static const char *skip_reason(Runner *r, json_object *test)
{
    json_object *bytes, *exc, *o;
    if (!json_object_object_get_ex(test, "bytes", &bytes)) {
        return NULL;
    }
    uint8_t b[32];
    unsigned n = 0;
    for (size_t k = 0; k < json_object_array_length(bytes) && n < sizeof(b); k++) {
        b[n++] = (uint8_t)json_object_get_int(json_object_array_get_idx(bytes, k));
    }
    int exc_no = -1;
    if (json_object_object_get_ex(test, "exception", &exc) &&
        json_object_object_get_ex(exc, "number", &o)) {
        exc_no = json_object_get_int(o);
    }
    X86Insn in;
    if (decode_bytes(r, b, n, &in) <= 0) {
        return exc_no == 13 ? "longer than the 286's 10-byte limit" : NULL;
    }
    if ((in.flags & IF_LOCK) && in.fn == x86_op_raise_ud) {
        uint8_t nb[32];
        unsigned m = 0;
        for (unsigned k = 0; k < in.len; k++) {
            if (b[k] != 0xf0) {
                nb[m++] = b[k];
            }
        }
        for (unsigned k = in.len; k < n; k++) {
            nb[m++] = b[k];
        }
        X86Insn plain;
        if (decode_bytes(r, nb, m, &plain) > 0 && plain.fn != x86_op_raise_ud) {
            return "LOCK on a non-lockable instruction (#UD on the i386 and later)";
        }
    }
    if (exc_no == 13 && in.len > 10) {
        return "longer than the 286's 10-byte limit";
    }
    uint8_t op = in.opc;
    bool string = (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) ||
                  (op >= 0x6c && op <= 0x6f);
    if (exc_no == 13 && string) {
        return "string instruction faulting at offset FFFFh (286 advances SI/DI first)";
    }
    return NULL;
}

/* Far pointers and BOUND's pair of words are read as two words by the
 * 80286, each wrapping at 64 KiB; the i386 and later check the whole
 * operand against the segment limit and fault (SDM vol. 2, "Real-Address
 * Mode Exceptions": "#GP/#SS if any part of the operand lies outside the
 * effective address space from 0 to FFFFH"). */
static bool two_word_operand_wraps(Runner *r, json_object *test)
{
    json_object *bytes;
    if (!json_object_object_get_ex(test, "bytes", &bytes)) {
        return false;
    }
    uint8_t b[32];
    unsigned n = 0;
    for (size_t k = 0; k < json_object_array_length(bytes) && n < sizeof(b); k++) {
        b[n++] = (uint8_t)json_object_get_int(json_object_array_get_idx(bytes, k));
    }
    X86Insn in;
    if (decode_bytes(r, b, n, &in) <= 0 || !(in.flags & IF_MEM)) {
        return false;
    }
    int reg = (in.imm2 >> 3) & 7;
    bool two_words = in.opc == 0xc4 || in.opc == 0xc5 || in.opc == 0x62 ||
                     (in.opc == 0xff && (reg == 3 || reg == 5));
    return two_words && x86_ea(r->env, &in) > 0xfffc;
}

/* Differences that show only once the instruction ran (see skip_reason). */
static const char *skip_after_run(json_object *test, int first_exc, bool wraps)
{
    json_object *exc, *num;
    int want = -1;
    if (json_object_object_get_ex(test, "exception", &exc) &&
        json_object_object_get_ex(exc, "number", &num)) {
        want = json_object_get_int(num);
    }
    if (first_exc == EXCP_SS && want == 13) {
        return "stack-segment limit violation: #SS on the i386 and later, #GP on the 286";
    }
    if ((first_exc == EXCP_SS || first_exc == EXCP_GP) && want == -1 && wraps) {
        return "two-word operand at offset FFFDh..FFFFh: the 286 wraps, the i386 faults";
    }
    return NULL;
}

/* ---- comparison ---- */

static void report(Runner *r, const char *file, long idx, const char *name, const char *fmt,
                   ...) G_GNUC_PRINTF(5, 6);
static void report(Runner *r, const char *file, long idx, const char *name, const char *fmt, ...)
{
    va_list ap;
    printf("FAIL %s idx %ld \"%s\": ", file, idx, name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    r->total_shown_failures++;
}

/* Returns true when the test passed. */
static bool check_test(Runner *r, const char *file, json_object *test, uint32_t fmask)
{
    CPUX86State *env = r->env;
    json_object *init, *fin, *iregs, *fregs, *fram, *o;
    long idx = json_object_object_get_ex(test, "idx", &o) ? json_object_get_int(o) : -1;
    const char *name = json_object_object_get_ex(test, "name", &o) ? json_object_get_string(o)
                                                                   : "?";
    json_object_object_get_ex(test, "initial", &init);
    json_object_object_get_ex(test, "final", &fin);
    json_object_object_get_ex(init, "regs", &iregs);
    json_object_object_get_ex(fin, "regs", &fregs);
    bool ok = true;
    /* A 386-style core can set FLAGS bits 12..15 in real mode; the 286
     * reads them as 0 (README, "A 386-style core"). */
    uint32_t cmp_mask = fmask & 0x0fff;

    for (int i = 0; i < RG_COUNT; i++) {
        uint32_t want = 0;
        if (!get_reg(fregs, i, &want)) {
            get_reg(iregs, i, &want);
            if (i == RG_FLAGS) {
                want &= 0x0fff;
            }
        }
        uint32_t got = cpu_reg(env, i);
        uint32_t m = i == RG_FLAGS ? cmp_mask : 0xffff;
        if ((want & m) != (got & m)) {
            report(r, file, idx, name, "%s expected %04x got %04x%s", reg_names[i], want, got,
                   i == RG_FLAGS ? " (masked)" : "");
            ok = false;
        }
    }

    /* Where an exception pushed FLAGS, compare that word under the same
     * mask (README, "Flags pushed by an exception"). */
    uint32_t flo = UINT32_MAX, fhi = UINT32_MAX;
    if (json_object_object_get_ex(test, "exception", &o)) {
        uint32_t ss = cpu_reg(env, RG_SS), sp = cpu_reg(env, RG_SP);
        flo = (ss << 4) + ((sp + 4) & 0xffff);
        fhi = (ss << 4) + ((sp + 5) & 0xffff);
    }
    if (json_object_object_get_ex(fin, "ram", &fram)) {
        size_t n = json_object_array_length(fram);
        for (size_t k = 0; k < n; k++) {
            json_object *pair = json_object_array_get_idx(fram, k);
            uint32_t addr = (uint32_t)json_object_get_int(json_object_array_get_idx(pair, 0));
            uint32_t want = (uint32_t)json_object_get_int(json_object_array_get_idx(pair, 1));
            uint32_t got = addr < RAM_SIZE ? r->ram[addr] : 0xff;
            uint32_t m = 0xff;
            if (addr == flo) {
                m = cmp_mask & 0xff;
            } else if (addr == fhi) {
                m = (cmp_mask >> 8) & 0xff;
            }
            if ((want & m) != (got & m)) {
                report(r, file, idx, name, "ram[%05x] expected %02x got %02x", addr, want, got);
                ok = false;
            }
        }
    }
    return ok;
}

/* ---- files ---- */

typedef struct OpStats {
    long passed, failed, skipped;
} OpStats;

static void note_skip(Runner *r, OpStats *st, const char *file, const char *why)
{
    st->skipped++;
    gpointer n = g_hash_table_lookup(r->skip_reasons, why);
    g_hash_table_insert(r->skip_reasons, (gpointer)why, GINT_TO_POINTER(GPOINTER_TO_INT(n) + 1));
    if (r->verbose) {
        printf("SKIP %s: %s\n", file, why);
    }
}

static void run_file(Runner *r, const char *dir, const char *fname)
{
    char *path = g_build_filename(dir, fname, NULL);
    json_object *tests = load_json(path, true);
    char *file = g_strndup(fname, strlen(fname) - strlen(".json.gz"));
    OpStats st = { 0 };
    if (!tests || !json_object_is_type(tests, json_type_array)) {
        printf("FAIL %s: cannot read %s\n", file, path);
        r->failed++;
        g_free(path);
        g_free(file);
        json_object_put(tests);
        return;
    }
    uint32_t fmask = flags_mask(r, file);
    size_t n = json_object_array_length(tests);
    for (size_t k = 0; k < n; k++) {
        json_object *test = json_object_array_get_idx(tests, k);
        const char *why = skip_reason(r, test);
        if (why) {
            note_skip(r, &st, file, why);
            continue;
        }
        json_object *init, *o;
        json_object_object_get_ex(test, "initial", &init);
        load_state(r, init);
        bool wraps = two_word_operand_wraps(r, test);
        int first_exc;
        bool halted = run_until_halt(r, &first_exc);
        why = skip_after_run(test, first_exc, wraps);
        if (why) {
            note_skip(r, &st, file, why);
            continue;
        }
        if (!halted) {
            long idx = json_object_object_get_ex(test, "idx", &o) ? json_object_get_int(o) : -1;
            report(r, file, idx, json_object_object_get_ex(test, "name", &o) ?
                   json_object_get_string(o) : "?", "did not reach HLT within %d instructions",
                   MAX_INSNS_PER_TEST);
            st.failed++;
            continue;
        }
        if (check_test(r, file, test, fmask)) {
            st.passed++;
        } else {
            st.failed++;
        }
    }
    printf("%-5s %4ld passed, %ld failed, %ld skipped\n", file, st.passed, st.failed,
           st.skipped);
    r->passed += st.passed;
    r->failed += st.failed;
    r->skipped += st.skipped;
    json_object_put(tests);
    g_free(path);
    g_free(file);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *only = NULL;
    double require = -1;
    Runner r = { 0 };
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--require") && i + 1 < argc) {
            require = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--verbose")) {
            r.verbose = true;
        } else if (argv[i][0] != '-' && !dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "usage: %s DIR [--require PERCENT] [--only NAME] [--verbose]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!dir) {
        fprintf(stderr, "usage: %s DIR [--require PERCENT] [--only NAME] [--verbose]\n", argv[0]);
        return 2;
    }
    DIR *d = opendir(dir);
    if (!d) {
        printf("SKIP: test directory %s: %s\n", dir, strerror(errno));
        return 77;
    }
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (g_str_has_suffix(de->d_name, ".json.gz") &&
            (!only || !strncmp(de->d_name, only, strlen(only)))) {
            g_ptr_array_add(files, g_strdup(de->d_name));
        }
    }
    closedir(d);
    qsort(files->pdata, files->len, sizeof(char *), cmp_str);

    char *meta_path = g_build_filename(dir, "metadata.json", NULL);
    json_object *meta = load_json(meta_path, false);
    g_free(meta_path);
    if (meta) {
        json_object_object_get_ex(meta, "opcodes", &r.metadata);
    }

    r.skip_reasons = g_hash_table_new(g_str_hash, g_str_equal);
    module_call_init(MODULE_INIT_QOM);
    MemoryRegion *root = g_new0(MemoryRegion, 1);
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    memory_region_init(root, NULL, "singlestep", UINT64_MAX);
    if (!memory_region_init_ram(ram, NULL, "singlestep.ram", RAM_SIZE, &error_abort)) {
        return 1;
    }
    memory_region_add_subregion(root, 0, ram);
    AddressSpace *as = address_space_new(root, "singlestep");
    r.ram = memory_region_get_ram_ptr(ram);
    r.cpu = X86_CPU(object_new("pentium2" X86_CPU_MODEL_SUFFIX));
    r.env = &r.cpu->env;
    x86_env_init(r.env, CPU(r.cpu), as, address_space_io());

    for (guint i = 0; i < files->len; i++) {
        run_file(&r, dir, files->pdata[i]);
    }
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, r.skip_reasons);
    while (g_hash_table_iter_next(&it, &key, &val)) {
        printf("skipped %d: %s\n", GPOINTER_TO_INT(val), (const char *)key);
    }
    /* The bar counts the tests that ran: a skip is a documented
     * difference between the 80286 and the i686, not a pass. */
    long total = r.passed + r.failed;
    double pct = total ? 100.0 * r.passed / total : 0;
    printf("%.3f%% of %ld tests run passed (%ld skipped)\n", pct, total, r.skipped);
    printf("%ld passed, %ld failed, %ld skipped\n", r.passed, r.failed, r.skipped);
    g_ptr_array_unref(files);
    json_object_put(meta);
    if (require >= 0 && (total == 0 || pct < require)) {
        return 1;
    }
    return r.failed && require < 0 ? 1 : 0;
}
