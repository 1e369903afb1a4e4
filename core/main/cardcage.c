/*
 * The cardcage executable: the whole emulator lives in libcardcage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <cardcage/embed.h>

int main(int argc, char **argv)
{
    return cardcage_main(argc, argv);
}
