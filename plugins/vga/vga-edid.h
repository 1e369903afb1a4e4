/*
 * The monitor description (EDID 1.4) the PCI VGA presents in BAR2.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PLUGINS_VGA_EDID_H
#define PLUGINS_VGA_EDID_H

#include <cardcage/cardcage.h>

/* One base block, no extensions (VESA E-EDID 1.4, section 3). */
#define VGA_EDID_SIZE 128

/* Whether xres x yres can be an EDID preferred mode; an error says why not. */
bool vga_edid_check(uint32_t xres, uint32_t yres, Error **errp);

/* The block for a monitor whose preferred mode is xres x yres at 60 Hz
 * (vga_edid_check must have accepted it). */
void vga_edid_build(uint8_t edid[VGA_EDID_SIZE], uint32_t xres, uint32_t yres);

#endif
