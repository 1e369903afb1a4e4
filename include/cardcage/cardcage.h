/*
 * cardcage plugin SDK: everything a plugin may use.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_H
#define CARDCAGE_H

#include <cardcage/abi.h>
#include <cardcage/compiler.h>
#include <cardcage/bswap.h>
#include <cardcage/error.h>
#include <cardcage/log.h>
#include <cardcage/module.h>
#include <cardcage/plugin.h>
#include <cardcage/object.h>
#include <cardcage/property.h>
#include <cardcage/irq.h>
#include <cardcage/timer.h>
#include <cardcage/memory.h>
#include <cardcage/device.h>
#include <cardcage/sysbus.h>
#include <cardcage/isa.h>
#include <cardcage/pci.h>
#include <cardcage/net.h>
#include <cardcage/intc.h>
#include <cardcage/apic-bus.h>
#include <cardcage/fwcfg.h>
#include <cardcage/system.h>
#include <cardcage/input.h>
#include <cardcage/chardev.h>
#include <cardcage/block.h>
#include <cardcage/vmstate.h>
#include <cardcage/qmp.h>
#include <cardcage/display.h>

#endif
