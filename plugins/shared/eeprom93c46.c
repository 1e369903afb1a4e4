/*
 * The 93C46 serial EEPROM in its 64 x 16 organisation.  Everything happens
 * on a rising clock edge while chip select is high: first a start bit (a 1
 * on DI), then the opcode (2 bits) and address (6 bits); READ shifts the
 * word out MSB first after a dummy 0 and goes on with the next word
 * (sequential read); WRITE takes 16 data bits; EWEN/EWDS (opcode 00 with
 * address 11xxxx / 00xxxx) allow and forbid writes.  Dropping chip select
 * ends any command.  (Microchip 93AA46/93LC46/93C46 datasheet, 2.0-3.0.)
 *
 * SPDX-License-Identifier: MIT
 */
#include "eeprom93c46.h"

enum EepromState {
    EE_IDLE,                     /* waiting for the start bit */
    EE_COMMAND,                  /* collecting opcode and address */
    EE_READ,                     /* shifting a word out */
    EE_WRITE,                    /* collecting a word */
    EE_DONE,                     /* ignoring clocks until CS drops */
};

#define EE_ADDR_BITS 6
#define EE_OP_READ   2
#define EE_OP_WRITE  1
#define EE_OP_ERASE  3
#define EE_OP_EXT    0           /* EWEN, EWDS, ERAL, WRAL by the address's top bits */

void eeprom93c46_reset(Eeprom93c46 *e)
{
    e->state = EE_IDLE;
    e->shift = e->count = e->addr = 0;
    e->cs = e->sk = e->di = false;
    e->dout = true;              /* ready (DO high) while idle */
}

static void command(Eeprom93c46 *e)
{
    unsigned op = (e->shift >> EE_ADDR_BITS) & 3;
    e->addr = e->shift & (EEPROM_WORDS - 1);
    e->shift = e->count = 0;
    switch (op) {
    case EE_OP_READ:
        e->state = EE_READ;
        e->dout = false;         /* the dummy 0 */
        break;
    case EE_OP_WRITE:
        e->state = EE_WRITE;
        break;
    case EE_OP_ERASE:
        if (e->write_enabled) {
            e->words[e->addr] = 0xffff;
        }
        e->state = EE_DONE;
        break;
    default:
        switch (e->addr >> 4) {
        case 3:
            e->write_enabled = true;     /* EWEN */
            break;
        case 0:
            e->write_enabled = false;    /* EWDS */
            break;
        default:
            break;                       /* ERAL/WRAL: not needed by any driver */
        }
        e->state = EE_DONE;
        break;
    }
}

static void clock_rise(Eeprom93c46 *e)
{
    switch (e->state) {
    case EE_IDLE:
        if (e->di) {
            e->state = EE_COMMAND;
            e->shift = e->count = 0;
        }
        break;
    case EE_COMMAND:
        e->shift = e->shift << 1 | e->di;
        if (++e->count == 2 + EE_ADDR_BITS) {
            command(e);
        }
        break;
    case EE_READ:
        e->dout = (e->words[e->addr] >> (15 - e->count)) & 1;
        if (++e->count == 16) {
            e->count = 0;
            e->addr = (e->addr + 1) & (EEPROM_WORDS - 1);
        }
        break;
    case EE_WRITE:
        e->shift = e->shift << 1 | e->di;
        if (++e->count == 16) {
            if (e->write_enabled) {
                e->words[e->addr] = (uint16_t)e->shift;
            }
            e->state = EE_DONE;
            e->dout = true;      /* ready at once: writes take no time here */
        }
        break;
    default:
        break;
    }
}

void eeprom93c46_set_pins(Eeprom93c46 *e, bool cs, bool sk, bool di)
{
    if (!cs) {
        e->state = EE_IDLE;
        e->shift = e->count = 0;
        e->dout = true;
    } else if (sk && !e->sk && e->cs) {
        e->di = di;
        clock_rise(e);
    }
    e->cs = cs;
    e->sk = sk;
    e->di = di;
}
