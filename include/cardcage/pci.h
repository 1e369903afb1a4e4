/*
 * cardcage plugin SDK: the PCI bus and PCI devices (functions).
 *
 * The core holds everything every PCI card shares: the 256-byte
 * configuration space of each function with its write masks, the BARs and
 * their mapping into the bus's memory and I/O spaces, the expansion ROM,
 * INTx routing to the host bridge's PIRQ lines, bus-master DMA and MSI.  A
 * card only fills in its ids and registers its BARs:
 *
 *     typedef struct MyCardState {
 *         PCIDevice parent_obj;           the PCI function comes first
 *         MemoryRegion mmio;
 *     } MyCardState;
 *
 *     static bool my_card_realize(PCIDevice *pci, Error **errp)
 *     {
 *         MyCardState *s = MY_CARD(pci);
 *         pci->config[PCI_INTERRUPT_PIN] = 1;                     INTA#
 *         memory_region_init_io(&s->mmio, OBJECT(s), &my_ops, s, "my-card", 4096);
 *         pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, &s->mmio);
 *         return true;
 *     }
 *     ...  class_init: PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
 *          k->vendor_id = 0x1234; k->device_id = 0x5678; k->class_id = 0x0200;
 *          k->realize = my_card_realize;
 *     ...  TypeInfo: .parent = TYPE_PCI_DEVICE
 *
 * The guest reaches configuration space through the host bridge, which
 * decodes configuration mechanism #1 with pci_host_config_read/write.
 * Register offsets and bits follow the PCI Local Bus Specification 3.0,
 * chapter 6 (the type 0 header, figure 6-1).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_PCI_H
#define CARDCAGE_PCI_H

#include <cardcage/device.h>
#include <cardcage/memory.h>
#include <cardcage/sysbus.h>
#include <cardcage/bswap.h>
#include <cardcage/vmstate.h>

#define TYPE_PCI_BUS    "PCI"
#define TYPE_PCI_DEVICE "pci-device"

typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;
typedef struct PCIDeviceClass PCIDeviceClass;

/* ---- configuration space layout (PCI 3.0, 6.1, figure 6-1) ---- */

#define PCI_CONFIG_SPACE_SIZE   256
#define PCI_CONFIG_HEADER_SIZE  0x40
#define PCI_SLOT_MAX            32       /* device numbers 0..31 */
#define PCI_FUNC_MAX            8        /* function numbers 0..7 */
#define PCI_DEVFN(slot, fn)     ((((slot) & 0x1f) << 3) | ((fn) & 0x07))
#define PCI_SLOT(devfn)         (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)         ((devfn) & 0x07)

#define PCI_VENDOR_ID           0x00     /* 16 bits */
#define PCI_DEVICE_ID           0x02     /* 16 bits */
#define PCI_COMMAND             0x04     /* 16 bits, 6.2.2 */
#define  PCI_COMMAND_IO           0x0001   /* I/O space enable */
#define  PCI_COMMAND_MEMORY       0x0002   /* memory space enable */
#define  PCI_COMMAND_MASTER       0x0004   /* bus master enable */
#define  PCI_COMMAND_PARITY       0x0040   /* parity error response */
#define  PCI_COMMAND_SERR         0x0100   /* SERR# enable */
#define  PCI_COMMAND_INTX_DISABLE 0x0400   /* INTx emulation disable */
#define PCI_STATUS              0x06     /* 16 bits, 6.2.3 */
#define  PCI_STATUS_INTERRUPT     0x0008   /* INTx# asserted (read-only) */
#define  PCI_STATUS_CAP_LIST      0x0010   /* capability list at 0x34 */
#define  PCI_STATUS_66MHZ         0x0020
#define  PCI_STATUS_FAST_BACK     0x0080
#define  PCI_STATUS_PARITY        0x0100   /* master data parity error (W1C) */
#define  PCI_STATUS_DEVSEL_MEDIUM 0x0200
#define  PCI_STATUS_SIG_TARGET_ABORT 0x0800
#define  PCI_STATUS_REC_TARGET_ABORT 0x1000
#define  PCI_STATUS_REC_MASTER_ABORT 0x2000
#define  PCI_STATUS_SIG_SYSTEM_ERROR 0x4000
#define  PCI_STATUS_DETECTED_PARITY  0x8000
#define PCI_REVISION_ID         0x08
#define PCI_CLASS_PROG          0x09     /* programming interface */
#define PCI_CLASS_DEVICE        0x0a     /* 16 bits: class, subclass */
#define PCI_CACHE_LINE_SIZE     0x0c
#define PCI_LATENCY_TIMER       0x0d
#define PCI_HEADER_TYPE         0x0e
#define  PCI_HEADER_TYPE_NORMAL       0x00
#define  PCI_HEADER_TYPE_BRIDGE       0x01
#define  PCI_HEADER_TYPE_MULTI_FUNCTION 0x80
#define PCI_BIST                0x0f
#define PCI_BASE_ADDRESS_0      0x10     /* six 32-bit BARs, 6.2.5.1 */
#define PCI_BASE_ADDRESS_5      0x24
#define  PCI_BASE_ADDRESS_SPACE_MEMORY 0x00
#define  PCI_BASE_ADDRESS_SPACE_IO     0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_32  0x00
#define  PCI_BASE_ADDRESS_MEM_TYPE_64  0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define  PCI_BASE_ADDRESS_MEM_MASK     (~0x0fu)
#define  PCI_BASE_ADDRESS_IO_MASK      (~0x03u)
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID        0x2e
#define PCI_ROM_ADDRESS         0x30     /* expansion ROM BAR, 6.2.5.2 */
#define  PCI_ROM_ADDRESS_ENABLE   0x01
#define  PCI_ROM_ADDRESS_MASK     (~0x7ffu)
#define PCI_CAPABILITY_LIST     0x34
#define PCI_INTERRUPT_LINE      0x3c
#define PCI_INTERRUPT_PIN       0x3d     /* 0: none, 1..4: INTA#..INTD# */
#define PCI_MIN_GNT             0x3e
#define PCI_MAX_LAT             0x3f

/* Capabilities (PCI 3.0, 6.7 and appendix H). */
#define PCI_CAP_ID_PM           0x01
#define PCI_CAP_ID_MSI          0x05
#define PCI_CAP_ID_VNDR         0x09

/* The MSI capability (PCI 3.0, 6.8.1, figure 6-9). */
#define PCI_MSI_FLAGS           0x02     /* message control, 16 bits */
#define  PCI_MSI_FLAGS_ENABLE     0x0001
#define  PCI_MSI_FLAGS_QMASK      0x000e   /* multiple message capable */
#define  PCI_MSI_FLAGS_QSIZE      0x0070   /* multiple message enable */
#define  PCI_MSI_FLAGS_64BIT      0x0080
#define  PCI_MSI_FLAGS_MASKBIT    0x0100   /* per-vector masking capable */
#define PCI_MSI_ADDRESS_LO      0x04

/* BAR slots: 0..5 in the header, 6 the expansion ROM. */
#define PCI_NUM_REGIONS 7
#define PCI_ROM_SLOT    6
/* io_regions[n].addr while BAR n does not decode. */
#define PCI_BAR_UNMAPPED (~(uint64_t)0)

/* ---- configuration space accessors (little-endian at any offset) ---- */

static inline uint8_t pci_get_byte(const uint8_t *p) { return *p; }
static inline void pci_set_byte(uint8_t *p, uint8_t v) { *p = v; }
static inline uint16_t pci_get_word(const uint8_t *p) { return cc_ld_le16(p); }
static inline void pci_set_word(uint8_t *p, uint16_t v) { cc_st_le16(p, v); }
static inline uint32_t pci_get_long(const uint8_t *p) { return cc_ld_le32(p); }
static inline void pci_set_long(uint8_t *p, uint32_t v) { cc_st_le32(p, v); }
static inline uint64_t pci_get_quad(const uint8_t *p) { return cc_ld_le64(p); }
static inline void pci_set_quad(uint8_t *p, uint64_t v) { cc_st_le64(p, v); }

/* ---- the bus ---- */

/* Which PIRQ line (0..nirq-1) INTx pin (0..3 = INTA#..INTD#) of dev drives. */
typedef int (*PCIMapIRQFunc)(PCIDevice *dev, int pin);
/* A PIRQ line changed level: level 1 while at least one function asserts it. */
typedef void (*PCISetIRQFunc)(void *opaque, int pirq, int level);

#define PCI_BUS_MAX_IRQS 32

struct PCIBus {
    BusState parent_obj;
    MemoryRegion *address_space_mem;     /* where memory BARs are mapped */
    MemoryRegion *address_space_io;      /* where I/O BARs are mapped */
    PCIDevice *devices[PCI_SLOT_MAX * PCI_FUNC_MAX];   /* by devfn */
    /* INTx routing (pci_bus_set_irq_route); default: the swizzle onto 4
     * lines that nobody listens to. */
    PCIMapIRQFunc map_irq;
    PCISetIRQFunc set_irq;
    void *irq_opaque;
    int nirq;
    int irq_count[PCI_BUS_MAX_IRQS];     /* asserting functions per PIRQ */
};

#define PCI_BUS(obj) OBJECT_CHECK(PCIBus, (obj), TYPE_PCI_BUS)

/* A PCI bus named name (NULL: "pci.0") owned by parent (the host bridge;
 * may be NULL in tests), decoding BARs into mem and io. */
CC_API PCIBus *pci_bus_new(DeviceState *parent, const char *name, MemoryRegion *mem,
                           MemoryRegion *io);
/* The standard swizzle (PCI-to-PCI Bridge Architecture 1.2, 9.1): INTx
 * pin of the device in slot S drives line (S + pin) % 4. */
CC_API int pci_swizzle_map_irq(PCIDevice *dev, int pin);
/* Let the chipset own INTx routing: map_irq (NULL: the swizzle) picks one
 * of nirq (1..PCI_BUS_MAX_IRQS) PIRQ lines, set_irq hears their levels. */
CC_API void pci_bus_set_irq_route(PCIBus *bus, PCIMapIRQFunc map_irq,
                                  PCISetIRQFunc set_irq, void *opaque, int nirq);
/* Whether PIRQ line pirq is asserted (0 for a line out of range). */
CC_API int pci_bus_irq_level(PCIBus *bus, int pirq);
/* The function at devfn, or NULL. */
CC_API PCIDevice *pci_bus_find_device(PCIBus *bus, int devfn);

/* ---- configuration mechanism #1 (PCI 3.0, 3.2.2.3.2) ----
 *
 * The host bridge keeps CONFIG_ADDRESS (port 0xCF8) itself and passes its
 * value with each access to CONFIG_DATA: port is the offset in
 * 0xCFC..0xCFF (0..3), len 1, 2 or 4 and port + len <= 4.  Bit 31 enables
 * the access, bits 23:16 are the bus (only bus 0 exists), 15:11 the
 * device, 10:8 the function, 7:2 the register.  A disabled access, another
 * bus, an absent function, or a function > 0 of a device without function
 * 0 reads all ones and drops writes. */
CC_API uint32_t pci_host_config_read(PCIBus *bus, uint32_t config_addr, unsigned port,
                                     unsigned len);
CC_API void pci_host_config_write(PCIBus *bus, uint32_t config_addr, unsigned port,
                                  uint32_t val, unsigned len);

/* ---- the host bridge base type ----
 *
 * What every host bridge with configuration mechanism #1 shares: it creates
 * its PCI bus (property "bus-name", default "pci.0") over the system memory
 * and I/O spaces, and decodes 0xCF8-0xCFB (CONFIG_ADDRESS: DWORD accesses
 * only, 3.2.2.3.2) and 0xCFC-0xCFF (CONFIG_DATA: every size at every
 * offset).  A chipset subclasses it (TypeInfo .parent = TYPE_PCI_HOST_BRIDGE,
 * its state struct starting with a PCIHostState) and fills the hooks of its
 * PCIHostClass; its vmsd nests vmstate_pci_host for the base's state. */
#define TYPE_PCI_HOST_BRIDGE "pci-host-bridge"

typedef struct PCIHostState {
    SysBusDevice parent_obj;
    MemoryRegion conf_addr_io, conf_data_io;
    PCIBus *bus;
    uint32_t config_addr;        /* CONFIG_ADDRESS as latched (reserved bits 0) */
    char *bus_name;
} PCIHostState;

typedef struct PCIHostClass {
    DeviceClass parent_class;
    /* Byte and word accesses to 0xCF8-0xCFB are not configuration cycles
     * (3.2.2.3.2): they reach these (offset 0..3 in the window), where a
     * chipset may keep a register of its own (the PIIX's reset control at
     * 0xCF9).  NULL: reads all ones, writes are dropped. */
    uint64_t (*conf_addr_other_read)(PCIHostState *s, unsigned offset, unsigned size);
    void (*conf_addr_other_write)(PCIHostState *s, unsigned offset, uint64_t val,
                                  unsigned size);
    /* The subclass's own realize, once the bus exists (PIRQ routing...). */
    bool (*realize)(PCIHostState *s, Error **errp);
    /* The subclass's own reset, after the base cleared CONFIG_ADDRESS. */
    void (*reset)(PCIHostState *s);
} PCIHostClass;

#define PCI_HOST_BRIDGE(obj) OBJECT_CHECK(PCIHostState, (obj), TYPE_PCI_HOST_BRIDGE)
#define PCI_HOST_BRIDGE_CLASS(klass) \
    OBJECT_CLASS_CHECK(PCIHostClass, (klass), TYPE_PCI_HOST_BRIDGE)
#define PCI_HOST_BRIDGE_GET_CLASS(obj) \
    OBJECT_GET_CLASS(PCIHostClass, (obj), TYPE_PCI_HOST_BRIDGE)

/* The base's state (CONFIG_ADDRESS), for VMSTATE_STRUCT(parent_obj, ...). */
CC_API extern const VMStateDescription vmstate_pci_host;

/* ---- devices ---- */

typedef struct PCIIORegion {
    uint64_t addr;               /* where it decodes, or PCI_BAR_UNMAPPED */
    uint64_t size;               /* BAR size: a power of two; 0: no BAR */
    uint8_t type;                /* PCI_BASE_ADDRESS_* flags */
    MemoryRegion *memory;
    MemoryRegion *address_space; /* the bus space it is mapped into */
} PCIIORegion;

struct PCIDevice {
    DeviceState parent_obj;
    /* Configuration space and its masks: wmask bits the guest may write,
     * w1cmask bits a written 1 clears; cmask marks the bytes of the
     * identity in the header (checked when state is loaded) and the bytes
     * capabilities take (pci_add_capability). */
    uint8_t config[PCI_CONFIG_SPACE_SIZE];
    uint8_t wmask[PCI_CONFIG_SPACE_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SPACE_SIZE];
    uint8_t cmask[PCI_CONFIG_SPACE_SIZE];
    int32_t devfn;               /* set when plugged */
    PCIBus *bus;
    PCIIORegion io_regions[PCI_NUM_REGIONS];
    bool intx_level;             /* the device drives its INTx# */
    bool intx_asserted;          /* ... and the bus counts it (not disabled) */
    int intx_pirq;               /* the line it counts on while asserted */
    /* Bus mastering: dma_as is the device's view of memory, gated by the
     * command register's bus-master bit; MSI writes land on the APIC bus. */
    MemoryRegion bm_root, bm_alias, bm_msi;
    AddressSpace *dma_as;
    MemoryRegion rom;            /* the romfile's image, when loaded */
    /* MSI: offset of the capability (0: none) */
    uint8_t msi_cap;
    /* properties */
    char *addr_prop;             /* "SLOT" / "SLOT.FN" in hex, or NULL */
    bool multifunction;
    char *romfile;               /* NULL: the class's default; "": none */
    bool rombar;
    int32_t bootindex;           /* place in the firmware's boot order; -1: none */
};

struct PCIDeviceClass {
    DeviceClass parent_class;
    /* The identity written into configuration space at realize. */
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t class_id;           /* class << 8 | subclass */
    uint8_t prog_if;
    uint8_t revision;
    uint16_t subsystem_vendor_id; /* 0: none */
    uint16_t subsystem_id;
    uint8_t header_type;         /* PCI_HEADER_TYPE_NORMAL (only type 0 for now) */
    const char *romfile;         /* default option ROM file, or NULL */
    /* The card's own realize, once the core wrote the header (the card
     * then registers its BARs, sets its interrupt pin and capabilities),
     * and its unrealize, once the core took the BARs off the bus. */
    bool (*realize)(PCIDevice *dev, Error **errp);
    void (*exit)(PCIDevice *dev);
    /* The card's own reset, after the core reset the function's
     * configuration registers.  (Leave DeviceClass.reset alone: realize
     * refuses a PCI type that replaces it.) */
    void (*reset)(PCIDevice *dev);
    /* Configuration space accesses (addr + len <= 256, len 1, 2 or 4);
     * NULL: pci_default_read_config / pci_default_write_config.  A card
     * that overrides them calls the defaults for what it does not own. */
    uint32_t (*config_read)(PCIDevice *dev, uint32_t addr, unsigned len);
    void (*config_write)(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);
};

#define PCI_DEVICE(obj) OBJECT_CHECK(PCIDevice, (obj), TYPE_PCI_DEVICE)
#define PCI_DEVICE_CLASS(klass) OBJECT_CLASS_CHECK(PCIDeviceClass, (klass), TYPE_PCI_DEVICE)
#define PCI_DEVICE_GET_CLASS(obj) OBJECT_GET_CLASS(PCIDeviceClass, (obj), TYPE_PCI_DEVICE)

/* The defaults: reads from config; writes through wmask/w1cmask, then
 * remap BARs, follow the bus-master and INTx-disable bits and MSI. */
CC_API uint32_t pci_default_read_config(PCIDevice *dev, uint32_t addr, unsigned len);
CC_API void pci_default_write_config(PCIDevice *dev, uint32_t addr, uint32_t val,
                                     unsigned len);
/* Through the class's methods, bounds-checked: addresses at or past 256
 * read all ones and drop writes; len other than 1, 2, 4 likewise. */
CC_API uint32_t pci_config_read(PCIDevice *dev, uint32_t addr, unsigned len);
CC_API void pci_config_write(PCIDevice *dev, uint32_t addr, uint32_t val, unsigned len);

/* Declare BAR n (0..5; a 64-bit BAR takes n and n+1) of type
 * PCI_BASE_ADDRESS_SPACE_IO, or _MEMORY with _MEM_TYPE_64 and/or
 * _MEM_PREFETCH.  The BAR's size is the region's rounded up to a power of
 * two and to the minimum the spec allows (4 bytes for I/O, 16 for memory,
 * 6.2.5.1).  It decodes once the guest programs an address and sets the
 * command register's I/O or memory enable.  Call from realize. */
CC_API void pci_register_bar(PCIDevice *dev, int n, uint8_t type, MemoryRegion *mr);
/* Where BAR n decodes now, or PCI_BAR_UNMAPPED. */
CC_API uint64_t pci_get_bar_addr(PCIDevice *dev, int n);

/* Add a capability of size bytes with id cap_id at offset (0: the first
 * free dword-aligned space after the header), linked at the head of the
 * list, and set the status register's capability bit.  Returns the offset,
 * or 0 with errp set when it does not fit or overlaps another one. */
CC_API uint8_t pci_add_capability(PCIDevice *dev, uint8_t cap_id, uint8_t offset,
                                  uint8_t size, Error **errp);
/* The offset of the first capability with that id, or 0. */
CC_API uint8_t pci_find_capability(PCIDevice *dev, uint8_t cap_id);

/* Drive the function's INTx# pin (config PCI_INTERRUPT_PIN) to level.
 * The line is level-triggered and shared: the PIRQ it is routed to stays
 * high while any function asserts it.  Status bit 3 follows level; the
 * command register's INTx disable keeps it off the bus. */
CC_API void pci_set_irq(PCIDevice *dev, int level);

/* Bus-master DMA through the device's address space: refused (the
 * MEMTX_DECODE_ERROR of unassigned space) while the command register's
 * bus-master bit is clear.  Writes into 0xFEE00000-0xFEEFFFFF are MSI
 * messages to the local APICs. */
CC_API AddressSpace *pci_get_address_space(PCIDevice *dev);
CC_API MemTxResult pci_dma_read(PCIDevice *dev, uint64_t addr, void *buf, uint64_t len);
CC_API MemTxResult pci_dma_write(PCIDevice *dev, uint64_t addr, const void *buf,
                                 uint64_t len);

/* MSI (PCI 3.0, 6.8.1): add the capability at offset (0: anywhere) with
 * nvectors (1, 2, 4, 8, 16 or 32), a 64-bit address if is_64bit, and mask
 * and pending registers if per_vector_mask.  Call from realize. */
CC_API bool msi_init(PCIDevice *dev, uint8_t offset, unsigned nvectors, bool is_64bit,
                     bool per_vector_mask, Error **errp);
CC_API bool msi_enabled(PCIDevice *dev);
/* Send vector (below the number the guest enabled): a DWORD write of the
 * message data to the message address, by DMA (bus mastering must be on).
 * A masked vector is recorded in the pending bits and sent on unmask. */
CC_API void msi_notify(PCIDevice *dev, unsigned vector);

/* The state every PCI function saves: configuration space and the INTx
 * level.  A card's description includes it as its first field,
 * VMSTATE_PCI_DEVICE(parent_obj, MyCardState); on load the BARs, the
 * bus-master gate and the INTx contribution are rebuilt from it. */
CC_API extern const VMStateDescription vmstate_pci_device;
#define VMSTATE_PCI_DEVICE(f, st) VMSTATE_STRUCT(f, st, vmstate_pci_device, PCIDevice)

#endif
