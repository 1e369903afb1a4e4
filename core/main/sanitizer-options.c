/*
 * Defaults for AddressSanitizer, linked into the cardcage executable when
 * the build sanitizes addresses (-Db_sanitize=address...).  The runtime
 * calls this hook once at start-up; ASAN_OPTIONS from the environment
 * still override what is here.
 *
 * intercept_tls_get_addr=0: with the intercept on, ASan records every
 * thread's dynamic TLS blocks so that LeakSanitizer can scan them, and it
 * guesses a block's bounds from a header layout that glibc stopped using
 * after 2.19.  On Debian 12 (glibc 2.36, GCC 12's libasan) a block whose
 * address happens to end in 0x010 within its page is taken for such a
 * header, its bounds come out as garbage (we saw "DTLS 8 at 0x327-
 * 0x1000001429"), and LeakSanitizer's tracer faults scanning them at exit
 * ("Tracer caught signal 11"): a failure that depends on address layout,
 * so on ASLR.  The plugins dlopen libraries with TLS (libnbd's gnutls,
 * libiscsi's rdmacm), which is what fills those blocks.  Without the
 * intercept, static TLS is still scanned; only dynamically loaded
 * libraries' TLS is not, and no cardcage pointer lives only there.
 *
 * SPDX-License-Identifier: MIT
 */

const char *__asan_default_options(void);

const char *__asan_default_options(void)
{
    return "intercept_tls_get_addr=0";
}
