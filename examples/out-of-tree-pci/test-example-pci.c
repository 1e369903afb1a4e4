/*
 * Unit test of example-pci against the installed SDK and harness only:
 * the card goes on the harness's PCI bus and is driven through its
 * configuration space and its BAR.  The plugin's path is the first
 * argument.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <cardcage/harness.h>
#include <cardcage/harness-vmstate.h>

#define BAR_ADDR 0xfebf0000u

static const char *plugin_path;

static uint32_t mmio_read(hwaddr a)
{
    return (uint32_t)address_space_ld(address_space_memory(), a, 4, NULL);
}

static void mmio_write(hwaddr a, uint32_t v)
{
    address_space_st(address_space_memory(), a, v, 4, NULL);
}

static void test_doorbell(void **state)
{
    (void)state;
    DeviceState *d = harness_create("example-pci", "card", NULL,
                                    (const char *[]){ "addr=4", NULL });
    PCIDevice *pci = PCI_DEVICE(d);
    PCIBus *bus = harness_pci_bus();
    assert_int_equal(pci_config_read(pci, PCI_VENDOR_ID, 4), 0x00011234);
    /* 16 bytes of memory: sizing reads back the mask. */
    pci_config_write(pci, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    assert_int_equal(pci_config_read(pci, PCI_BASE_ADDRESS_0, 4), 0xfffffff0);
    pci_config_write(pci, PCI_BASE_ADDRESS_0, BAR_ADDR, 4);
    assert_int_equal(mmio_read(BAR_ADDR), 0xffffffff);     /* memory decode off */
    pci_config_write(pci, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert_int_equal(mmio_read(BAR_ADDR), 0xc0ffee00);
    /* Slot 4, INTA#: PIRQ (4 + 0) % 4 = 0. */
    mmio_write(BAR_ADDR + 4, 1);
    assert_int_equal(mmio_read(BAR_ADDR), 0xc0ffee01);
    assert_int_equal(pci_bus_irq_level(bus, 0), 1);
    mmio_write(BAR_ADDR + 8, 1);
    assert_int_equal(pci_bus_irq_level(bus, 0), 0);
    device_cold_reset(d);
    assert_int_equal(mmio_read(BAR_ADDR), 0xffffffff);     /* reset: command 0 */
    harness_destroy(d);
}

static void test_state_description(void **state)
{
    (void)state;
    assert_int_equal(harness_vmstate_check_plugin("example-pci", 1), 1);
}

static int load_plugin(void **state)
{
    (void)state;
    harness_load_plugin(plugin_path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        return 2;
    }
    plugin_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doorbell),
        cmocka_unit_test(test_state_description),
    };
    return cmocka_run_group_tests(tests, load_plugin, NULL);
}
