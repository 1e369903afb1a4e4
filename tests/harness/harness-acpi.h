/*
 * In-tree plugin tests of ACPI hooks: the machine's tables built, as the
 * core builds them at machine-done, from the devices the test created, and
 * one of them looked up by signature.  Not installed (it reaches into the
 * core's table builder).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef HARNESS_ACPI_H
#define HARNESS_ACPI_H

#include <cardcage/acpi.h>

/* A copy of the table with this signature (header included, "FACS" too)
 * from the tables built from every device that exists now, or NULL when
 * there is none.  The second and later tables of one signature are found
 * with nth > 0. */
GByteArray *harness_acpi_table(const char *signature, unsigned nth);

/* Whether `needle` occurs in the table (a resource descriptor in the
 * DSDT, a name). */
bool harness_acpi_contains(const GByteArray *table, const void *needle, size_t len);

#endif
