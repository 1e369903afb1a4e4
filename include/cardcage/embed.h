/*
 * cardcage: running the emulator from a program (the cardcage executable is
 * one line around this).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef CARDCAGE_EMBED_H
#define CARDCAGE_EMBED_H

#include <cardcage/compiler.h>

/* Parse argv as the cardcage command line, build the machine and run it.
 * Returns the process exit status. */
CC_API int cardcage_main(int argc, char **argv);

#endif
