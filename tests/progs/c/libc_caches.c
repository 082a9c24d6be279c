/*
 * glibc's process-wide caches that __libc_freeres frees (so valgrind never
 * reports them), as Debian's tools fill them: the text domain and its
 * binding (gettext), the locale's multibyte conversion (mbrtowc after
 * setlocale), the NSS configuration and the static buffers of getpwuid and
 * getgrgid (tar, curl), the resolver's configuration (res_init, also under
 * getaddrinfo), setenv's copies (git). Beside them, a user's own block kept in a global (still
 * reachable) and one dropped (definitely lost) must stay reported.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <libintl.h>
#include <locale.h>
#include <pwd.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static void *volatile kept;

static void lose(void)
{
    void *volatile p = malloc(40); /* LEAK-lost */
    p = NULL;
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    bindtextdomain("cgoheap-test", "/usr/share/locale");
    textdomain("cgoheap-test");
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    if (mbrtowc(&wc, "\xc3\xa9", 2, &st) != 2)
        return 2;
    if (!getpwuid(0) || !getgrgid(0))
        return 2;
    if (res_init() != 0)
        return 2;
    if (setenv("CGOHEAP_TEST_VAR", "a value", 1) || setenv("CGOHEAP_TEST_VAR", "another", 1))
        return 2;
    kept = malloc(24); /* KEPT */
    lose();
    return 0;
}
