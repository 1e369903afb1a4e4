/*
 * The 93C46 serial EEPROM (64 words of 16 bits) that network cards bit-bang
 * through a register: chip select, clock, data in and data out (Microchip
 * 93C46 datasheet: start bit, two opcode bits, six address bits, then 16
 * data bits out on READ after a dummy 0).  The RTL8139 (9346CR) and the
 * 82540EM (EECD, whose microwire EEPROM speaks the same protocol, SDM 5.3)
 * compile it in, each its own copy.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef PLUGINS_SHARED_EEPROM93C46_H
#define PLUGINS_SHARED_EEPROM93C46_H

#include <stdbool.h>
#include <stdint.h>

#define EEPROM_WORDS 64

typedef struct Eeprom93c46 {
    uint16_t words[EEPROM_WORDS];
    uint32_t state;              /* EepromState */
    uint32_t shift;              /* bits collected (command) or to send */
    uint32_t count;              /* how many of them */
    uint32_t addr;               /* word being read or written */
    bool cs, sk, di, dout;
    bool write_enabled;
} Eeprom93c46;

void eeprom93c46_reset(Eeprom93c46 *e);
/* The pins as the host drives them; returns nothing, dout follows. */
void eeprom93c46_set_pins(Eeprom93c46 *e, bool cs, bool sk, bool di);

#endif
