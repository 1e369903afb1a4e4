/*
 * cardcage plugin SDK: ACPI tables (ABI 2.1).
 *
 * Three parts:
 *
 *  - An AML encoder (ACPI 6.4, chapter 20 "ACPI Machine Language
 *    Specification"), `aml_*`: a tree of nodes that serialize to the byte
 *    stream of a DSDT or SSDT.  Every builder that takes Aml arguments
 *    CONSUMES them (they are freed with the node they were put into), so
 *    expressions nest without bookkeeping:
 *
 *        Aml *m = aml_method("_STA", 0, false);
 *        aml_append(m, aml_return(aml_int(0x0f)));
 *        aml_append(dev, m);
 *
 *  - Table helpers, `acpi_*`: a table is a GByteArray that begins with the
 *    36-byte system description header (acpi_table_begin); the core fills
 *    its length and checksum when it is added to the machine's tables.
 *
 *  - The interface a device implements to contribute to the machine's
 *    tables (TYPE_ACPI_DEVICE_IF, below).  The core builds RSDP, RSDT,
 *    FADT, FACS, MADT and DSDT once the machine is complete, asking every
 *    device that implements the interface; a device that implements
 *    nothing adds nothing.  The result reaches the firmware as QEMU's
 *    fw_cfg files etc/acpi/tables, etc/acpi/rsdp and etc/table-loader.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_ACPI_H
#define CARDCAGE_ACPI_H

#include <glib.h>
#include <cardcage/compiler.h>
#include <cardcage/object.h>

/* ---- The AML encoder ---------------------------------------------------- */

typedef struct Aml Aml;

/* Blocks: a name and a PkgLength-delimited body that aml_append fills.
 * Names are ACPI name strings: "PCI0", "\\_SB.PCI0", "^LNKA". */
CC_API Aml *aml_scope(const char *name);
CC_API Aml *aml_device(const char *name);
/* Method(name, nargs (0-7), Serialized or NotSerialized). */
CC_API Aml *aml_method(const char *name, int nargs, bool serialized);
/* If (predicate) { ... }; an Else block is appended right after its If. */
CC_API Aml *aml_if(Aml *predicate);
CC_API Aml *aml_else(void);
/* Processor(name, id, P_BLK address, P_BLK length) (ACPI 1.0b 16.2.3.3). */
CC_API Aml *aml_processor(const char *name, uint8_t id, uint32_t pblk, uint8_t pblk_len);
/* Package () { elements appended in order }. */
CC_API Aml *aml_package(void);
/* Buffer () { bytes }. */
CC_API Aml *aml_buffer(const uint8_t *data, size_t len);
/* ResourceTemplate () { descriptors appended }: a buffer that ends with
 * the End Tag (checksum 0: "treat as correct", ACPI 6.4 6.4.2.9). */
CC_API Aml *aml_resource_template(void);

/* A plain sequence of terms (a table's body) that aml_append extends. */
CC_API Aml *aml_list(void);

/* Put child at the end of parent's body (a block, a package, a resource
 * template).  The child is consumed. */
CC_API void aml_append(Aml *parent, Aml *child);

/* Data: Zero, One, Ones and the smallest of Byte/Word/DWord/QWordConst. */
CC_API Aml *aml_int(uint64_t value);
CC_API Aml *aml_zero(void);
CC_API Aml *aml_one(void);
CC_API Aml *aml_ones(void);
CC_API Aml *aml_string(const char *s);
/* EISAID ("PNP0A03"): three letters and four hex digits compressed into a
 * DWord (ACPI 6.4 19.6.35); NULL when id is not of that form. */
CC_API Aml *aml_eisaid(const char *id);
/* A reference to a named object, an argument (0-6), a local (0-7). */
CC_API Aml *aml_name(const char *name);
CC_API Aml *aml_arg(int n);
CC_API Aml *aml_local(int n);

/* Name (name, value). */
CC_API Aml *aml_name_decl(const char *name, Aml *value);
/* Statements and expressions.  target may be NULL (no store). */
CC_API Aml *aml_return(Aml *value);
CC_API Aml *aml_store(Aml *value, Aml *target);
CC_API Aml *aml_add(Aml *a, Aml *b, Aml *target);
CC_API Aml *aml_and(Aml *a, Aml *b, Aml *target);
CC_API Aml *aml_or(Aml *a, Aml *b, Aml *target);
CC_API Aml *aml_shiftleft(Aml *a, Aml *count, Aml *target);
CC_API Aml *aml_shiftright(Aml *a, Aml *count, Aml *target);
CC_API Aml *aml_lequal(Aml *a, Aml *b);
CC_API Aml *aml_lless(Aml *a, Aml *b);
CC_API Aml *aml_lgreater(Aml *a, Aml *b);
CC_API Aml *aml_lnot(Aml *a);
CC_API Aml *aml_notify(Aml *object, Aml *value);
/* A call of a method with nargs arguments (Aml *, consumed). */
CC_API Aml *aml_call(const char *method, int nargs, ...);
/* CreateDWordField (buffer, byte index, name). */
CC_API Aml *aml_create_dword_field(Aml *buffer, Aml *index, const char *name);

/* OperationRegion (name, space, offset, length) (ACPI 6.4 19.6.100). */
typedef enum AmlRegionSpace {
    AML_SYSTEM_MEMORY = 0x00,
    AML_SYSTEM_IO = 0x01,
    AML_PCI_CONFIG = 0x02,
} AmlRegionSpace;
CC_API Aml *aml_operation_region(const char *name, AmlRegionSpace space, Aml *offset,
                                 Aml *len);

/* Field (region, access, lock, update) { named and reserved bits } (ACPI
 * 6.4 19.6.48; the flag values are FieldFlags of 20.2.5.2). */
typedef enum AmlAccessType {
    AML_ANY_ACC = 0, AML_BYTE_ACC = 1, AML_WORD_ACC = 2, AML_DWORD_ACC = 3,
    AML_QWORD_ACC = 4, AML_BUFFER_ACC = 5,
} AmlAccessType;
typedef enum AmlUpdateRule {
    AML_PRESERVE = 0, AML_WRITE_AS_ONES = 1, AML_WRITE_AS_ZEROS = 2,
} AmlUpdateRule;
CC_API Aml *aml_field(const char *region, AmlAccessType access, bool lock,
                      AmlUpdateRule update);
/* Field elements for aml_append(field, ...): a named field of `bits`, and
 * `bits` skipped (Offset() is a reserved field up to the new offset). */
CC_API Aml *aml_named_field(const char *name, unsigned bits);
CC_API Aml *aml_reserved_field(unsigned bits);

/* Resource descriptors for aml_append(resource_template, ...) (ACPI 6.4
 * 6.4 "Resource Data Types for ACPI"). */
/* IO (Decode16, min, max, alignment, length). */
CC_API Aml *aml_io(uint16_t min, uint16_t max, uint8_t align, uint8_t len);
/* FixedIO (base, length). */
CC_API Aml *aml_fixed_io(uint16_t base, uint8_t len);
/* Memory32Fixed (ReadWrite or ReadOnly, base, length): a device's own
 * memory-mapped registers (6.4.3.4), as the HPET's _CRS has them. */
CC_API Aml *aml_memory32_fixed(uint32_t base, uint32_t len, bool read_write);
/* IRQNoFlags () { irq } (ISA IRQ 0-15: edge, active high). */
CC_API Aml *aml_irq_no_flags(uint8_t irq);
/* Interrupt (ResourceConsumer, Level/Edge, ActiveHigh/Low, Shared/Exclusive)
 * { irqs } (the extended interrupt descriptor, 6.4.3.6); n from 1 to 255. */
CC_API Aml *aml_interrupt(bool level, bool active_low, bool shared, const uint32_t *irqs,
                          unsigned n);
/* Address space descriptors of a bridge (ResourceProducer, PosDecode,
 * MinFixed, MaxFixed): WordBusNumber, WordIO (EntireRange), DWordMemory and
 * QWordMemory (Cacheable or NonCacheable, ReadWrite). */
CC_API Aml *aml_word_bus_number(uint16_t min, uint16_t max);
CC_API Aml *aml_word_io(uint16_t min, uint16_t max);
CC_API Aml *aml_dword_memory(uint32_t min, uint32_t max, bool cacheable);
CC_API Aml *aml_qword_memory(uint64_t min, uint64_t max, bool cacheable);

/* The encoding of a node (for a table or a test); the node is consumed. */
CC_API GByteArray *aml_serialize(Aml *aml);
/* Free a node that was never appended nor serialized. */
CC_API void aml_free(Aml *aml);

/* ---- Tables ------------------------------------------------------------- */

/* The header every table but the RSDP and FACS begins with (ACPI 6.4
 * 5.2.6): 36 bytes. */
#define ACPI_TABLE_HEADER_SIZE 36
/* The OEM ids cardcage puts into every header. */
#define ACPI_OEM_ID "CRDCGE"
#define ACPI_OEM_TABLE_ID "CARDCAGE"

/* A new table: the header with signature (4 characters) and revision, the
 * OEM and creator ids; length and checksum are filled when it is added. */
CC_API GByteArray *acpi_table_begin(const char *signature, uint8_t revision);
/* Little-endian fields. */
CC_API void acpi_append_u8(GByteArray *t, uint8_t v);
CC_API void acpi_append_u16(GByteArray *t, uint16_t v);
CC_API void acpi_append_u32(GByteArray *t, uint32_t v);
CC_API void acpi_append_u64(GByteArray *t, uint64_t v);
/* A Generic Address Structure (ACPI 6.4 5.2.3.2). */
CC_API void acpi_append_gas(GByteArray *t, uint8_t space, uint8_t bit_width,
                            uint8_t bit_offset, uint8_t access_size, uint64_t address);
/* The encoding of aml at the end of t; aml is consumed. */
CC_API void acpi_append_aml(GByteArray *t, Aml *aml);
/* The 8-bit checksum that makes the bytes sum to zero. */
CC_API uint8_t acpi_checksum(const uint8_t *data, size_t len);

/* MADT entries (ACPI 6.4 5.2.12), for a device's build_madt. */
CC_API void acpi_madt_add_ioapic(GByteArray *madt, uint8_t id, uint32_t address,
                                 uint32_t gsi_base);
/* Interrupt Source Override: ISA IRQ `source` is GSI `gsi`; flags are the
 * MPS INTI flags (0: bus conformant; ACPI_MADT_LEVEL_HIGH: level, active high). */
#define ACPI_MADT_LEVEL_HIGH 0x000d
CC_API void acpi_madt_add_irq_override(GByteArray *madt, uint8_t source, uint32_t gsi,
                                       uint16_t flags);

/* The machine's tables while they are built (see build_tables). */
typedef struct AcpiBuilder AcpiBuilder;
/* Add a table begun with acpi_table_begin: it gets its length and checksum
 * and an entry in the RSDT.  The table is consumed. */
CC_API void acpi_builder_add_table(AcpiBuilder *b, GByteArray *table);

/* ---- What devices contribute -------------------------------------------- */

/* The power-management device's registers for the FADT (ACPI 1.0b 5.2.5).
 * Every device's fadt_info is called on the same structure: fill what the
 * device owns, leave the rest. */
typedef struct AcpiFadtInfo {
    bool present;               /* set by the PM device: there is one */
    uint16_t sci_irq;           /* the SCI's ISA IRQ (level, active high) */
    uint32_t smi_cmd;           /* port the OS writes acpi_enable/disable to */
    uint8_t acpi_enable, acpi_disable;
    uint32_t pm1a_evt_blk;      /* ports; 0: none */
    uint32_t pm1a_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint8_t gpe0_blk_len;
    bool tmr_val_ext;           /* the PM timer counts 32 bits, not 24 */
    uint8_t slp_typ_s5;         /* SLP_TYP of soft-off, for _S5 */
    uint8_t rtc_century;        /* the CMOS index of the century, 0: none */
} AcpiFadtInfo;

/* A PCI host bridge's resources for \_SB.PCI0._CRS. */
#define ACPI_PCI_MAX_WINDOWS 4
typedef struct AcpiWindow {
    uint64_t base, limit;       /* inclusive */
} AcpiWindow;
typedef struct AcpiPciHostInfo {
    bool present;
    uint16_t config_port;       /* configuration mechanism #1's base (0xcf8) */
    uint8_t bus_min, bus_max;
    AcpiWindow io[ACPI_PCI_MAX_WINDOWS];
    unsigned n_io;
    AcpiWindow mem[ACPI_PCI_MAX_WINDOWS];   /* above 4 GiB: a QWordMemory */
    unsigned n_mem;
} AcpiPciHostInfo;

/* A PCI interrupt router (the PIIX3's PIRQ route control): the links
 * LNKA..LNKD over its route registers, and how slots reach them. */
#define ACPI_PIRQ_LINKS 4
#define ACPI_PIRQ_MAX_IRQS 8
typedef struct AcpiPirqInfo {
    bool present;
    uint8_t devfn;              /* the router's function on bus 0 */
    uint8_t route_reg;          /* its first route register (0x60); one byte per link,
                                   bit 7 disables, bits 3:0 the ISA IRQ */
    uint32_t irqs[ACPI_PIRQ_MAX_IRQS]; /* the IRQs a link may take */
    unsigned n_irqs;
    uint8_t link_of[32][4];     /* slot, INTA#..INTD# -> link 0..3 */
} AcpiPirqInfo;

#define TYPE_ACPI_DEVICE_IF "acpi-device-interface"

/* Implement what applies; every hook is optional.  They run once, when the
 * machine is complete (after every device is realized), in the order of the
 * composition tree. */
typedef struct AcpiDeviceClass {
    InterfaceClass parent_class;
    /* MADT entries (acpi_madt_add_*): an I/O APIC, its overrides. */
    void (*build_madt)(Object *obj, GByteArray *madt);
    /* AML appended into the DSDT's \_SB scope. */
    void (*build_aml)(Object *obj, Aml *sb_scope);
    /* Tables of its own (the HPET's "HPET"), through acpi_builder_add_table. */
    void (*build_tables)(Object *obj, AcpiBuilder *b);
    /* The FADT's power-management registers. */
    void (*fadt_info)(Object *obj, AcpiFadtInfo *info);
    /* A PCI host bridge's windows; a PCI interrupt router's links. */
    void (*pci_host_info)(Object *obj, AcpiPciHostInfo *info);
    void (*pirq_info)(Object *obj, AcpiPirqInfo *info);
} AcpiDeviceClass;

#endif
