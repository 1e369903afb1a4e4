/*
 * cardcage-img: create, inspect, check, convert and modify disk images,
 * with qemu-img's verbs and options (docs/block.md, "cardcage-img").
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include "cardcage-config.h"
#include "img.h"

static const ImgVerb *const verbs[] = {
    &img_verb_check, &img_verb_commit, &img_verb_compare, &img_verb_convert,
    &img_verb_create, &img_verb_info, &img_verb_map, &img_verb_rebase,
    &img_verb_resize, &img_verb_snapshot,
};

static void help(void)
{
    printf("cardcage-img " CARDCAGE_VERSION ": disk image utility (qemu-img's verbs)\n\n"
           "usage: cardcage-img VERB [OPTIONS] ...\n\nVerbs:\n");
    for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
        printf("  %s\n", verbs[i]->synopsis);
    }
    printf("\nSIZE: bytes, or with a suffix k, M, G, T, P, E (powers of 1024).\n"
           "FMT: raw or qcow2 (probed from the image when not given).\n"
           "cardcage-img VERB --help describes a verb's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        img_error("no verb given (cardcage-img --help lists them)");
        return 1;
    }
    const char *v = argv[1];
    if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
        help();
        return 0;
    }
    if (!strcmp(v, "--version") || !strcmp(v, "-V")) {
        printf("cardcage-img version " CARDCAGE_VERSION "\n");
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(verbs); i++) {
        if (!strcmp(v, verbs[i]->name)) {
            for (int a = 2; a < argc; a++) {
                if (!strcmp(argv[a], "--")) {
                    break;
                }
                if (!strcmp(argv[a], "--help") || !strcmp(argv[a], "-h")) {
                    return img_usage(verbs[i], true);
                }
            }
            img_getopt_reset();
            return verbs[i]->run(argc - 1, argv + 1);
        }
    }
    img_error("unknown verb '%s' (cardcage-img --help lists them)", v);
    return 1;
}
