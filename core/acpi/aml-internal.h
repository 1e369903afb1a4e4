/*
 * The AML encoder's pieces shared between its files.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CORE_ACPI_AML_INTERNAL_H
#define CORE_ACPI_AML_INTERNAL_H

#include <cardcage/acpi.h>

/* PkgLength of a value (a field's bit width) and of a block body (which
 * counts the length's own bytes) (ACPI 6.4 20.2.4). */
void aml_encode_pkglen(GByteArray *b, uint32_t value);
void aml_encode_block_len(GByteArray *b, uint32_t body_len);
/* A NameString (20.2.2). */
void aml_encode_name(GByteArray *b, const char *name);
/* A node holding these bytes verbatim. */
Aml *aml_raw(const uint8_t *data, size_t len);

#endif
