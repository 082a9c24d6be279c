/*
 * Unit tests of suppressions: file parsing, LSan-style wildcards, the
 * built-in list. Usage: supp_test CASE DIR (DIR: a scratch directory).
 */
#include "analyze/analyze.h"
#include "analyze/wildcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL " __VA_ARGS__);                                                           \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static const char *scratch;

static const char *write_file(const char *name, const char *text)
{
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text; returns the error ("" if none). */
static const char *load(const char *text)
{
    static char err[512];
    err[0] = 0;
    ch_suppressions *s = ch_supp_new();
    ch_supp_load(s, write_file("s.supp", text), err, sizeof err);
    ch_supp_free(s);
    return err;
}

static int case_parse(void)
{
    CHECK(!*load("# comment\n\n   \nleak:foo\n  leak:bar*baz  \r\n"), "valid file rejected: %s",
          load("# comment\n\nleak:foo\n"));
    const char *e = load("leak:ok\nleak foo\n");
    CHECK(strstr(e, "s.supp:2:") != NULL, "missing colon: got '%s'", e);
    e = load("\n\nrace:foo\n");
    CHECK(strstr(e, "s.supp:3:") && strstr(e, "unknown"), "unknown type: got '%s'", e);
    e = load("leak:\n");
    CHECK(strstr(e, "s.supp:1:") && strstr(e, "empty"), "empty pattern: got '%s'", e);
    e = load("leak:a\nleak:^\n");
    CHECK(strstr(e, "s.supp:2:") != NULL, "pattern '^' alone: got '%s'", e);
    char err[256] = "";
    ch_suppressions *s = ch_supp_new();
    CHECK(ch_supp_load(s, "/nonexistent/x.supp", err, sizeof err) != 0 &&
              strstr(err, "/nonexistent/x.supp") && !strchr(err, '\n'),
          "missing file: got '%s'", err);
    ch_supp_free(s);
    return failures;
}

static int case_wildcard(void)
{
    static const struct {
        const char *pat, *str;
        int want;
    } t[] = {
        {"foo", "foo", 1},
        {"foo", "xfooy", 1},
        {"foo", "fo", 0},
        {"^foo", "foobar", 1},
        {"^foo", "xfoo", 0},
        {"bar$", "foobar", 1},
        {"bar$", "barfoo", 0},
        {"^foo$", "foo", 1},
        {"^foo$", "foox", 0},
        {"a*c", "xxabbbcyy", 1},
        {"a*c", "xxcba", 0},
        {"^a*b$", "abab", 1},
        {"*", "anything", 1},
        {"main.*Leak", "main.(*T).Leak", 1},
        {"libfoo.so", "/usr/lib/libfoo.so.1", 1},
        {"x", "", 0},
        {"^x_cgo_", "x_cgo_thread_start", 1},
        {"^x_cgo_", "my_x_cgo_", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        CHECK(ch_wildcard_match(t[i].pat, t[i].str) == t[i].want, "'%s' vs '%s': expected %d",
              t[i].pat, t[i].str, t[i].want);
    CHECK(!ch_wildcard_match("foo", NULL), "NULL string matched");
    return failures;
}

static ch_frame frame(const char *fn, const char *file, const char *module)
{
    return (ch_frame){.function = fn, .file = file, .module = module};
}

static int case_match(void)
{
    ch_suppressions *s = ch_supp_new();
    char err[256];
    ch_supp_load(s, write_file("m.supp", "leak:libthird*.so\nleak:^parse_config$\nleak:vendor/\n"),
                 err, sizeof err);
    ch_frame f1[] = {frame("helper", "a.c", "/app/bin"),
                     frame("parse_config", "cfg.c", "/app/bin")};
    ch_frame f2[] = {frame("helper", "a.c", "/usr/lib/libthird_party.so")};
    ch_frame f3[] = {frame("x", "/src/vendor/y.c", NULL), frame(NULL, NULL, NULL)};
    ch_frame f4[] = {frame("parse_config_v2", "cfg.c", "/app/bin"), frame(NULL, NULL, NULL)};
    ch_symstack s1 = {f1, 2}, s2 = {f2, 1}, s3 = {f3, 2}, s4 = {f4, 2}, none = {NULL, 0};
    const char *m = ch_supp_match(s, &s1);
    CHECK(m && !strcmp(m, "^parse_config$"), "function in a non-leaf frame: got %s", m);
    CHECK(ch_supp_match(s, &s2) != NULL, "module pattern");
    CHECK(ch_supp_match(s, &s3) != NULL, "file pattern");
    CHECK(ch_supp_match(s, &s4) == NULL, "anchored pattern matched a longer name");
    CHECK(ch_supp_match(s, &none) == NULL, "empty stack matched");
    ch_supp_free(s);
    return failures;
}

/* A stack shaped like a real one: the defaults must not touch it. */
static int case_defaults(void)
{
    ch_suppressions *s = ch_supp_new();
    ch_supp_add_defaults(s);
    ch_frame user[] = {
        frame("malloc", NULL, "/lib/x86_64-linux-gnu/libc.so.6"),
        frame("_cgo_cmalloc", "cgo.c", "/app/prog"),
        frame("runtime.cgocall", "cgocall.go", NULL),
        frame("main._Cfunc_CString", "_cgo_gotypes.go", NULL),
        frame("main.main", "main.go", NULL),
        frame("runtime.main", "proc.go", NULL),
        frame("runtime.goexit", "asm_amd64.s", NULL),
        frame("crosscall2", "asm.s", NULL),
        frame("_dl_init", NULL, "/lib64/ld-linux-x86-64.so.2"),
        frame("__libc_start_call_main", NULL, NULL),
        frame("__libc_start_main", NULL, NULL),
        frame("_start", NULL, NULL),
        frame("start_thread", NULL, NULL),
        frame("clone3", NULL, NULL),
        frame("runtime.mstart", NULL, NULL),
        frame("runtime.asmcgocall", NULL, NULL),
        frame("pthread_create", NULL, NULL),
        frame("dlopen", NULL, NULL),
        frame("localtime_r", NULL, NULL),
        frame("newlocale", NULL, NULL),
    };
    ch_symstack us = {user, sizeof user / sizeof user[0]};
    const char *m = ch_supp_match(s, &us);
    CHECK(m == NULL, "defaults hide an ordinary user stack (pattern %s)", m);
    const char *runtime_fns[] = {"x_cgo_thread_start", "_dl_allocate_tls", "_cgo_sys_thread_start",
                                 "_nl_intern_locale_data", "__new_exitfn"};
    for (size_t i = 0; i < sizeof runtime_fns / sizeof *runtime_fns; i++) {
        ch_frame f[] = {frame("calloc", NULL, NULL), frame(runtime_fns[i], NULL, NULL),
                        frame("main", "main.c", NULL)};
        ch_symstack st = {f, 3};
        CHECK(ch_supp_match(s, &st) != NULL, "defaults miss %s", runtime_fns[i]);
    }
    /* The start-up rule: libstdc++ frames right below ld.so's, nothing else. */
    const char *lib = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
               *ld = "/lib64/ld-linux-x86-64.so.2";
    const char *pool[] = {lib, ld, ld}, *two[] = {lib, lib, ld};
    const char *user_ctor[] = {lib, "/app/libuser.so", ld}, *user_new[] = {lib, "/app/prog", ld};
    const char *only_lib[] = {lib, lib}, *only_ld[] = {ld, ld}, *unknown[] = {lib, NULL, ld};
    CHECK(ch_supp_match_startup(s, pool, 3) != NULL, "start-up rule misses the pool");
    CHECK(ch_supp_match_startup(s, two, 3) != NULL, "start-up rule misses two libstdc++ frames");
    CHECK(!ch_supp_match_startup(s, user_ctor, 3), "start-up rule hides a user constructor's new");
    CHECK(!ch_supp_match_startup(s, user_new, 3), "start-up rule hides a user's new");
    CHECK(!ch_supp_match_startup(s, only_lib, 2), "start-up rule without the loader");
    CHECK(!ch_supp_match_startup(s, only_ld, 2), "start-up rule without libstdc++");
    CHECK(!ch_supp_match_startup(s, unknown, 3), "start-up rule across an unknown module");
    ch_supp_free(s);
    ch_suppressions *none = ch_supp_new();
    CHECK(!ch_supp_match_startup(none, pool, 3), "start-up rule without the built-in list");
    ch_supp_free(none);
    /* --print-default-suppressions output is a valid suppressions file. */
    char path[4096], err[256] = "";
    snprintf(path, sizeof path, "%s/defaults.supp", scratch);
    FILE *f = fopen(path, "w");
    ch_supp_print_defaults(f);
    fclose(f);
    s = ch_supp_new();
    CHECK(ch_supp_load(s, path, err, sizeof err) == 0, "printed defaults do not load: %s", err);
    ch_frame tls[] = {frame("_dl_allocate_tls", NULL, NULL)};
    ch_symstack ts = {tls, 1};
    CHECK(ch_supp_match(s, &ts) != NULL, "printed defaults lost a pattern");
    ch_supp_free(s);
    return failures;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } cases[] = {
        {"parse", case_parse},
        {"wildcard", case_wildcard},
        {"match", case_match},
        {"defaults", case_defaults},
    };
    if (argc < 3) {
        fprintf(stderr, "usage: supp_test CASE DIR\n");
        return 2;
    }
    scratch = argv[2];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!strcmp(argv[1], cases[i].name))
            return cases[i].fn() ? 1 : 0;
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
