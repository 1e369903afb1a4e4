/*
 * Every device type the core and the build's plugins register describes
 * its state, and a device driven into some state survives save, load into
 * a fresh instance and save again (the harness's walker, see
 * tests/harness/harness-vmstate.h).  Then behaviour across a restore: the
 * PIT keeps counting as it would have, the serial receiver keeps its bytes,
 * the CPU keeps its registers and interrupt state.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "harness-vmstate.h"
#include "cpu/x86-cpu.h"
#include "cpu/x86-internal.h"

#define SEED 0x5eed

/* fw_cfg: select items and read into them, and leave an address in the
 * DMA register's high half; random writes to the low half would start DMA
 * transfers of random lengths. */
static void drive_fwcfg(DeviceState *dev, GRand *rng)
{
    uint16_t base = (uint16_t)object_property_get_uint(OBJECT(dev), "iobase", &error_abort);
    for (int i = 0; i < 50; i++) {
        cpu_outw(base, (uint32_t)g_rand_int_range(rng, 0, 0x40));
        for (int j = g_rand_int_range(rng, 0, 20); j > 0; j--) {
            cpu_inb(base + 1);
        }
    }
    cpu_outl(base + 4, g_rand_int(rng) | 1);
}

/* The HPET: no board maps it, and random accesses of random sizes rarely
 * hit its 32- and 64-bit registers.  Map it, run the counter, and program
 * the timers with random values (IA-PC HPET Specification 1.0a, 2.3). */
/* mmio-ide: map its two windows, then the default random accesses (an
 * unmapped system-bus device would see none). */
static void drive_mmio_ide(DeviceState *dev, GRand *rng)
{
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, 0xfe000000, 0, &error_abort));
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(dev), 1, 0xfe000100, 0, &error_abort));
    harness_vmstate_drive_default(dev, rng);
}

static void drive_hpet(DeviceState *dev, GRand *rng)
{
    const hwaddr base = 0xfed00000;
    assert_true(sysbus_mmio_map(SYS_BUS_DEVICE(dev), 0, base, 0, &error_abort));
    AddressSpace *as = address_space_memory();
    address_space_st(as, base + 0x10, 1 | (g_rand_int(rng) & 2), 4, NULL);
    for (hwaddr t = 0x100; t < 0x160; t += 0x20) {
        address_space_st(as, base + t, g_rand_int(rng), 4, NULL);
        address_space_st(as, base + t + 8, g_rand_int_range(rng, 1, 100000), 4, NULL);
    }
    harness_advance_ns(g_rand_int_range(rng, 0, 2000000));
}

/* The CPU: random registers in every group the description covers. */
static void drive_x86_cpu(DeviceState *dev, GRand *rng)
{
    X86CPU *cpu = X86_CPU(dev);
    CPUX86State *env = &cpu->env;
    for (int r = 0; r < 8; r++) {
        env->regs[r] = g_rand_int(rng);
    }
    env->eip = g_rand_int(rng);
    env->eflags = (g_rand_int(rng) & (CC_ARITH | DF_MASK | IOPL_MASK | NT_MASK | AC_MASK)) | 2;
    env->cc_op = CC_OP_EFLAGS;
    for (int s = 0; s < 6; s++) {
        env->segs[s] = (SegmentCache){ .base = g_rand_int(rng), .limit = g_rand_int(rng),
                                       .sel = (uint16_t)g_rand_int(rng),
                                       .flags = (uint16_t)g_rand_int(rng) };
    }
    env->ldt.base = g_rand_int(rng);
    env->tr.sel = (uint16_t)g_rand_int(rng);
    env->gdt = (DescTable){ g_rand_int(rng), (uint16_t)g_rand_int(rng) };
    env->idt = (DescTable){ g_rand_int(rng), (uint16_t)g_rand_int(rng) };
    env->cr[2] = g_rand_int(rng);
    env->cr[3] = g_rand_int(rng) & ~0xfffu;
    for (int i = 0; i < 4; i++) {
        env->dr[i] = g_rand_int(rng);
    }
    env->cpl = 0;
    env->a20_mask = g_rand_boolean(rng) ? 0xffffffffu : ~(1u << 20);
    env->tsc_offset = (int64_t)g_rand_int(rng) << 20;
    env->sysenter_cs = g_rand_int(rng) & 0xffff;
    env->sysenter_esp = g_rand_int(rng);
    env->sysenter_eip = g_rand_int(rng);
    for (int i = 0; i < 8; i++) {
        env->fpu.regs[i].mant = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
        env->fpu.regs[i].sign_exp = (uint16_t)g_rand_int(rng);
    }
    env->fpu.fcw = 0x037f;
    env->fpu.fsw = (uint16_t)g_rand_int(rng);
    env->fpu.ftw = (uint16_t)g_rand_int(rng);
    env->fpu.fip = g_rand_int(rng);
    env->mxcsr = 0x1f80 | (g_rand_int(rng) & 0x3f);
    for (int i = 0; i < 8; i++) {
        for (int j = 0; j < 4; j++) {
            env->xmm[i].d[j] = g_rand_int(rng);
        }
    }
    env->nmi_blocked = true;
    CPU(dev)->halted = true;
    CPU(dev)->interrupt_request |= CPU_INTERRUPT_NMI;
    env->inhibit_irq_at = CPU(dev)->insns_executed;
}

static int setup(void **state)
{
    harness_init();
    /* Every plugin folder of the tree builds one. */
    assert_true(harness_load_build_plugins() >= 13);
    harness_vmstate_set_driver("fw-cfg", drive_fwcfg);
    harness_vmstate_set_driver("hpet", drive_hpet);
    harness_vmstate_set_driver("mmio-ide", drive_mmio_ide);
    GSList *cpus = object_class_get_list(TYPE_X86_CPU, false);
    for (GSList *l = cpus; l; l = l->next) {
        harness_vmstate_set_driver(object_class_get_name(l->data), drive_x86_cpu);
    }
    g_slist_free(cpus);
    /* The harness's own bridge has the bus name "isa". */
    static const char *const bridge_props[] = { "bus-name=isa-vmstate", NULL };
    harness_vmstate_set_props(TYPE_ISA_BRIDGE, bridge_props);
    /* The chipset's ISA bridge, likewise, beside function 3 of its slot. */
    static const char *const piix3_props[] = { "isa-bus-name=isa-piix3", "multifunction=on",
                                               NULL };
    harness_vmstate_set_props("PIIX3", piix3_props);
    /* The ISA NE2000 wires its IRQ to the board's 'pic' by itself; the
     * harness has none, so its output stays unwired. */
    static const char *const ne2k_isa_props[] = { "irq=-1", NULL };
    harness_vmstate_set_props("ne2k_isa", ne2k_isa_props);
    /* ide-hd and ide-cd plug into an IDE controller's bus with a drive;
     * what they hold (registers, the I/O buffer, the transfer) is saved
     * with the controller's channel, checked through piix3-ide, isa-ide
     * and mmio-ide here and mid-transfer in plugins/ide/test-ide.c. */
    harness_vmstate_skip("ide-hd", "needs an IDE controller's bus and a drive");
    harness_vmstate_skip("ide-cd", "needs an IDE controller's bus and a drive");
    /* The machine's RAM as a board maps it: the i440FX takes it over. */
    static MemoryRegion ram;
    assert_true(memory_region_init_ram(&ram, NULL, "ram", 2 << 20, &error_abort));
    memory_region_add_subregion(memory_get_system_memory(), 0, &ram);
    return 0;
}

/* The walk over every type: the core's (the CPU models, the ISA bridge)
 * and the plugins'. */
static void test_every_device_type(void **state)
{
    int passed = harness_vmstate_check_plugin(NULL, SEED);
    /* 13 plugins, 3 CPU models, the bridge. */
    assert_true(passed >= 17);
    /* And each plugin's own walk, as an out-of-tree plugin's test runs it. */
    assert_int_equal(harness_vmstate_check_plugin("i8042", SEED + 1), 1);
}

/* ---- behaviour across a restore ---- */

/* Save dev and load the state into a fresh device of the same type. */
static DeviceState *clone_device(DeviceState *dev, const char *const *props)
{
    VMStateStream *w = vmstate_stream_new_buffer();
    assert_true(vmstate_save_device(w, dev, &error_abort));
    DeviceState *copy = harness_create(object_get_typename(OBJECT(dev)), NULL, NULL, props);
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    VMStateStream *r = vmstate_stream_new_reader(d, len);
    Error *err = NULL;
    if (!vmstate_load_device(r, copy, &err)) {
        fail_msg("%s", error_get_pretty(err));
    }
    vmstate_stream_free(r);
    vmstate_stream_free(w);
    return copy;
}

/* Counter 2 in mode 3 (square wave, 8254 datasheet) read back through
 * port 0x61 and latched reads: the restored PIT reads what the original
 * would have at the same instants. */
static void test_pit_counts_on(void **state)
{
    static const char *const props_a[] = { "iobase=0x1040", "port61=false", NULL };
    DeviceState *a = harness_create("i8254", NULL, NULL, props_a);
    cpu_outb(0x1043, 0xb6);               /* counter 2, LSB then MSB, mode 3 */
    cpu_outb(0x1042, 0x34);
    cpu_outb(0x1042, 0x12);
    cpu_outb(0x1043, 0x34);               /* counter 0, mode 2 */
    cpu_outb(0x1040, 0x00);
    cpu_outb(0x1040, 0x10);
    harness_advance_ns(1234567);
    /* A count half read: the restored device must continue with the MSB. */
    cpu_outb(0x1043, 0x80);               /* latch counter 2 */
    uint8_t lsb = (uint8_t)cpu_inb(0x1042);
    DeviceState *b = clone_device(a, (const char *const[]){ "iobase=0x2040", "port61=false",
                                                            NULL });
    assert_int_equal(cpu_inb(0x2042), cpu_inb(0x1042));   /* the latched MSB */
    (void)lsb;
    for (int i = 0; i < 20; i++) {
        harness_advance_ns(77777 + 1000 * i);
        cpu_outb(0x1043, 0x00);
        cpu_outb(0x2043, 0x00);
        uint8_t la = (uint8_t)cpu_inb(0x1040), lb = (uint8_t)cpu_inb(0x2040);
        uint8_t ma = (uint8_t)cpu_inb(0x1040), mb = (uint8_t)cpu_inb(0x2040);
        assert_int_equal(la, lb);
        assert_int_equal(ma, mb);
    }
    harness_destroy(a);
    harness_destroy(b);
}

/* Bytes the guest wrote in loopback sit in the receive FIFO; the restored
 * UART hands out the same bytes in the same order, with the same LSR. */
static void test_serial_fifo_survives(void **state)
{
    static const char *const props_a[] = { "iobase=0x1100", NULL };
    DeviceState *a = harness_create("isa-serial", NULL, NULL, props_a);
    cpu_outb(0x1103, 0x03);               /* LCR: 8-bit words */
    cpu_outb(0x1102, 0x01);               /* FCR: FIFOs on */
    cpu_outb(0x1104, 0x10);               /* MCR: loopback */
    static const char msg[] = "cardcage!";
    for (size_t i = 0; i < sizeof(msg) - 1; i++) {
        cpu_outb(0x1100, (uint8_t)msg[i]);
    }
    assert_int_equal(cpu_inb(0x1100), 'c');
    DeviceState *b = clone_device(a, (const char *const[]){ "iobase=0x1200", NULL });
    harness_destroy(a);
    for (size_t i = 1; i < sizeof(msg) - 1; i++) {
        assert_true(cpu_inb(0x1205) & 0x01);  /* LSR.DR */
        assert_int_equal(cpu_inb(0x1200), (uint8_t)msg[i]);
    }
    assert_false(cpu_inb(0x1205) & 0x01);
    harness_destroy(b);
}

/* The CPU: registers, the x87 and the interrupt state come back, and the
 * lazily computed flags are folded into EFLAGS. */
static void test_cpu_state(void **state)
{
    DeviceState *a = harness_create("pentium2-x86-cpu", NULL, NULL, NULL);
    harness_clock_reclaim();
    CPUX86State *env = &X86_CPU(a)->env;
    env->regs[R_EAX] = 0x12345678;
    env->cr[0] |= CR0_PE;
    env->segs[R_CS].flags |= DESC_B;
    env->fpu.fsw = 0x3800;                 /* TOP 7 */
    env->fpu.ftw = 0x3fff;
    env->fpu.regs[7].mant = 0xc000000000000000ull;
    env->fpu.regs[7].sign_exp = 0x3fff;
    /* Flags from a lazy "sub": ZF set, CF clear. */
    env->cc_op = CC_OP_EFLAGS;
    env->eflags = 0x2 | IF_MASK | CC_Z;
    env->a20_mask = ~(1u << 20);
    env->inhibit_irq_at = CPU(a)->insns_executed;
    CPU(a)->halted = true;
    CPU(a)->interrupt_request |= CPU_INTERRUPT_HARD | CPU_INTERRUPT_EXIT;
    DeviceState *b = clone_device(a, NULL);
    harness_clock_reclaim();
    CPUX86State *e2 = &X86_CPU(b)->env;
    assert_int_equal(e2->regs[R_EAX], 0x12345678);
    assert_true(e2->cr[0] & CR0_PE);
    assert_true(e2->hflags & HF_CS32);     /* derived again from CS */
    assert_int_equal(e2->fpu.fsw, 0x3800);
    assert_int_equal(e2->fpu.ftw, 0x3fff);
    assert_true(e2->fpu.regs[7].mant == 0xc000000000000000ull);
    assert_int_equal(x86_get_eflags(e2), 0x2 | IF_MASK | CC_Z);
    assert_int_equal(e2->a20_mask, ~(1u << 20));
    assert_true(CPU(b)->halted);
    assert_true(CPU(b)->interrupt_request & CPU_INTERRUPT_HARD);
    assert_true(e2->inhibit_irq_at == CPU(b)->insns_executed);
    harness_destroy(a);
    harness_destroy(b);
    harness_clock_reclaim();
}

/* The paging MSRs and the PDPTEs PAE paging loaded come back; a state with
 * a reserved PAT memory type, which WRMSR refuses, is refused on load. */
static void test_cpu_paging_msrs(void **state)
{
    DeviceState *a = harness_create("pentium4-x86-cpu", NULL, NULL, NULL);
    harness_clock_reclaim();
    CPUX86State *env = &X86_CPU(a)->env;
    env->efer = EFER_NXE;
    env->pat = 0x0007010600070106ull;
    env->mtrr_deftype = 0xc06;
    env->mtrr_fixed[3] = 0x0606060605050404ull;
    env->mtrr_var[0] = 0xf00100006ull;
    env->mtrr_var[1] = 0xff0000800ull;
    env->pdpte[2] = 0x123456001ull;
    DeviceState *b = clone_device(a, NULL);
    harness_clock_reclaim();
    CPUX86State *e2 = &X86_CPU(b)->env;
    assert_true(e2->efer == EFER_NXE);
    assert_true(e2->pat == 0x0007010600070106ull);
    assert_true(e2->mtrr_deftype == 0xc06);
    assert_true(e2->mtrr_fixed[3] == 0x0606060605050404ull);
    assert_true(e2->mtrr_var[0] == 0xf00100006ull && e2->mtrr_var[1] == 0xff0000800ull);
    assert_true(e2->pdpte[2] == 0x123456001ull);

    env->pat = 0x0007010600070102ull;       /* type 2 is reserved */
    VMStateStream *w = vmstate_stream_new_buffer();
    assert_true(vmstate_save_device(w, a, &error_abort));
    size_t len;
    const uint8_t *d = vmstate_stream_data(w, &len);
    VMStateStream *r = vmstate_stream_new_reader(d, len);
    Error *err = NULL;
    assert_false(vmstate_load_device(r, b, &err));
    assert_non_null(strstr(error_get_pretty(err), "IA32_PAT"));
    assert_true(e2->pat == 0x0007010600070106ull);   /* unchanged */
    error_free(err);
    vmstate_stream_free(r);
    vmstate_stream_free(w);
    harness_destroy(a);
    harness_destroy(b);
    harness_clock_reclaim();
}

/* ---- a type without a description fails the walk ---- */

#define TYPE_UNDESCRIBED "vmstate-undescribed-device"
static const TypeInfo undescribed_type = {
    .name = TYPE_UNDESCRIBED,
    .parent = TYPE_SYS_BUS_DEVICE,
    .instance_size = sizeof(SysBusDevice),
};

static void test_undescribed_type_fails(void **state)
{
    type_register_static(&undescribed_type);
    Error *err = NULL;
    assert_false(harness_vmstate_check_type(TYPE_UNDESCRIBED, SEED, &err));
    assert_string_equal(error_get_pretty(err), TYPE_UNDESCRIBED ": no state description "
                        "(DeviceClass.vmsd)");
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_device_type),
        cmocka_unit_test(test_pit_counts_on),
        cmocka_unit_test(test_serial_fifo_survives),
        cmocka_unit_test(test_cpu_state),
        cmocka_unit_test(test_cpu_paging_msrs),
        cmocka_unit_test(test_undescribed_type_fails),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
