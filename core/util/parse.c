/*
 * Parsers for the textual values that board files and the command line
 * give: booleans, integers, sizes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <cardcage/object.h>

bool cc_parse_bool(const char *text, bool *out)
{
    static const char *const yes[] = { "on", "true", "yes", "1" };
    static const char *const no[] = { "off", "false", "no", "0" };
    for (size_t i = 0; i < CC_ARRAY_SIZE(yes); i++) {
        if (!g_ascii_strcasecmp(text, yes[i])) {
            *out = true;
            return true;
        }
        if (!g_ascii_strcasecmp(text, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Digits in base 10, 0x hex or leading-0 octal; the whole string must be
 * consumed and must fit 64 bits. */
static bool parse_magnitude(const char *p, uint64_t *out, const char **end)
{
    if (!isdigit((unsigned char)*p)) {
        return false;
    }
    errno = 0;
    char *e;
    unsigned long long v = strtoull(p, &e, 0);
    if (errno == ERANGE || e == p) {
        return false;
    }
    *out = v;
    *end = e;
    return true;
}

bool cc_parse_uint64(const char *text, uint64_t *out)
{
    const char *end;
    uint64_t v;
    if (!text || !parse_magnitude(text, &v, &end) || *end) {
        return false;
    }
    *out = v;
    return true;
}

bool cc_parse_int64(const char *text, int64_t *out)
{
    if (!text) {
        return false;
    }
    bool neg = false;
    const char *p = text;
    if (*p == '-' || *p == '+') {
        neg = (*p == '-');
        p++;
    }
    const char *end;
    uint64_t mag;
    if (!parse_magnitude(p, &mag, &end) || *end) {
        return false;
    }
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1) {
            return false;
        }
        *out = (int64_t)(0 - mag);
    } else {
        if (mag > INT64_MAX) {
            return false;
        }
        *out = (int64_t)mag;
    }
    return true;
}

static int size_shift(char suffix)
{
    switch (g_ascii_toupper(suffix)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    default:  return -1;
    }
}

bool cc_parse_size(const char *text, uint64_t *out)
{
    if (!text) {
        return false;
    }
    const char *end;
    uint64_t v;
    if (!parse_magnitude(text, &v, &end)) {
        return false;
    }
    if (*end == '\0') {
        *out = v;
        return true;
    }
    int shift = size_shift(*end);
    /* Accept "128M", "128MB", "128MiB" and "4k". */
    if (shift < 0 || !(end[1] == '\0' || !g_ascii_strcasecmp(end + 1, "b") ||
                       !g_ascii_strcasecmp(end + 1, "ib"))) {
        return false;
    }
    if (shift && v > (UINT64_MAX >> shift)) {
        return false;
    }
    *out = v << shift;
    return true;
}

char *cc_format_size(uint64_t size)
{
    static const char suffix[] = "TGMK";
    for (int i = 0; i < 4; i++) {
        int shift = 40 - 10 * i;
        if (size && !(size & ((1ULL << shift) - 1))) {
            return g_strdup_printf("%" PRIu64 "%c", size >> shift, suffix[i]);
        }
    }
    return g_strdup_printf("%" PRIu64, size);
}
