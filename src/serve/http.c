/*
 * The HTTP side of --http: binding, routing and replies, with libmicrohttpd
 * (one thread per connection, so that a ?seconds=30 profile does not hold
 * up a /metrics scrape; at most CONNECTIONS of them).
 *
 * The address is bound here rather than by libmicrohttpd so that a unix
 * socket, the loopback rule and the port actually bound (for port 0) are
 * handled in one place, and so that a bad address fails before the program
 * runs. The server's threads start with every signal blocked: SIGINT and
 * friends must reach the launcher's main thread, which forwards them to the
 * program and reaps it.
 */
#include "serve/http.h"
#include "common/duration.h"
#include "serve/mhd_load.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CONNECTIONS 16
#define IDLE_TIMEOUT_S 60
#define MAX_SECONDS 3600u

struct ch_http {
    struct MHD_Daemon *mhd;
    int fd;
    ch_live *live;   /* not owned */
    ch_leaks *leaks; /* not owned */
    char url[160];
    char unix_path[108]; /* removed at close */
};

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family != AF_INET6)
        return false;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

static int listen_on(const struct sockaddr *sa, socklen_t len, char *err, size_t errlen,
                     const char *addr)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0 && sa->sa_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, sa, len) || listen(fd, 64)) {
        snprintf(err, errlen, "--http=%s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int bind_unix(ch_http *s, const char *addr, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    struct stat st;
    if (!*path || strlen(path) >= sizeof un.sun_path) {
        snprintf(err, errlen, "--http=%s: bad socket path", addr);
        return -1;
    }
    /* A socket left by an earlier run is replaced; any other file is not ours to remove. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path);
    memcpy(un.sun_path, path, strlen(path) + 1);
    if ((s->fd = listen_on((struct sockaddr *)&un, sizeof un, err, errlen, addr)) < 0)
        return -1;
    snprintf(s->unix_path, sizeof s->unix_path, "%s", path);
    snprintf(s->url, sizeof s->url, "unix:%s", path);
    return 0;
}

/* "HOST:PORT", "[HOST]:PORT" or ":PORT" into host and port; -1 if malformed. */
static int split_host_port(const char *addr, char *host, size_t hostlen, const char **port)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || !colon[1])
        return -1;
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    } else if (memchr(h, ':', n))
        return -1; /* a bare IPv6 address needs brackets */
    if (n >= hostlen)
        return -1;
    memcpy(host, n ? h : "127.0.0.1", n ? n : 10);
    host[n ? n : 9] = 0;
    *port = colon + 1;
    return 0;
}

static void describe(ch_http *s, int family)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?", port[16] = "?";
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0)
        getnameinfo((struct sockaddr *)&ss, len, host, sizeof host, port, sizeof port,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(s->url, sizeof s->url, family == AF_INET6 ? "http://[%s]:%s" : "http://%s:%s", host,
             port);
}

static int bind_inet(ch_http *s, const char *addr, bool allow_remote, char *err, size_t errlen)
{
    char host[256];
    const char *port;
    if (split_host_port(addr, host, sizeof host, &port)) {
        snprintf(err, errlen, "--http=%s: expected HOST:PORT, [HOST]:PORT or unix:PATH", addr);
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *ai;
    int g = getaddrinfo(host, port, &hints, &ai);
    if (g) {
        snprintf(err, errlen, "--http=%s: %s", addr, gai_strerror(g));
        return -1;
    }
    if (!allow_remote && !is_loopback(ai->ai_addr)) {
        snprintf(err, errlen,
                 "--http=%s: not a loopback address; the profiles show the program's code paths "
                 "(add --http-allow-remote to serve it anyway)",
                 addr);
        freeaddrinfo(ai);
        return -1;
    }
    s->fd = listen_on(ai->ai_addr, ai->ai_addrlen, err, errlen, addr);
    int family = ai->ai_family;
    freeaddrinfo(ai);
    if (s->fd < 0)
        return -1;
    describe(s, family);
    return 0;
}

/* ---- requests ---------------------------------------------------------- */

static const char INDEX[] =
    "<html>\n<head>\n<title>/debug/pprof/</title>\n</head>\n<body>\n/debug/pprof/\n"
    "<br>\n<p>Set debug=1 as a query parameter to export in legacy text format</p>\n<br>\n"
    "Types of profiles available:\n<table>\n<thead><td>Profile</td></thead>\n"
    "<tr><td><a href='allocs?debug=1'>allocs</a></td></tr>\n"
    "<tr><td><a href='delta_heap'>delta_heap</a></td></tr>\n"
    "<tr><td><a href='heap?debug=1'>heap</a></td></tr>\n"
    "</table>\n<a href=\"/metrics\">metrics</a>\n<br>\n"
    "<a href=\"/debug/cgoheap/leaks\">leak check</a> (stops the program for a "
    "moment)\n<br>\n<p>\nProfile Descriptions:\n<ul>\n"
    "<li><div class=profile-name>allocs: </div> A sampling of all past C heap allocations "
    "(alloc_space shown first)</li>\n"
    "<li><div class=profile-name>delta_heap: </div> As godeltaprof: allocations since the "
    "previous request, C heap in use now</li>\n"
    "<li><div class=profile-name>heap: </div> A sampling of C heap allocations of live blocks. "
    "Specify the seconds GET parameter for a delta profile.</li>\n"
    "</ul>\n</p>\n</body>\n</html>\n";

static const char *arg(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

/* Go's parsing of ?debug= and ?seconds=: a bad number is a 400. */
static int uint_arg(struct MHD_Connection *c, const char *name, unsigned *out)
{
    const char *v = arg(c, name);
    *out = 0;
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || *end || *v == '-' || n > MAX_SECONDS)
        return -1;
    *out = (unsigned)n;
    return 0;
}

static void heap(ch_http *s, struct MHD_Connection *c, const char *name, ch_reply *r)
{
    unsigned debug, seconds;
    if (uint_arg(c, "debug", &debug) || uint_arg(c, "seconds", &seconds))
        return ch_reply_text(r, 400, "bad debug or seconds parameter\n");
    /* ?gc=1 asks Go to collect garbage first: C memory has none to collect. */
    ch_heap_query q = {.mode = seconds ? CH_HEAP_SECONDS : CH_HEAP_WHOLE,
                       .seconds = seconds,
                       .legacy_text = debug > 0,
                       .default_type = strcmp(name, "allocs") ? NULL : "alloc_space"};
    if (!strcmp(name, "delta_heap"))
        q.mode = CH_HEAP_GODELTA;
    if (q.legacy_text && q.mode != CH_HEAP_WHOLE)
        return ch_reply_text(r, 400, "debug=1 is not supported for delta profiles\n");
    const char *min_age = arg(c, "min_age");
    if (min_age && ch_parse_duration(min_age, &q.min_age))
        return ch_reply_text(r, 400, "bad min_age parameter (a duration: 90s, 30m, 2h)\n");
    /* Its baseline is shared by every caller: one with min_age would skew the next one's. */
    if (min_age && q.mode == CH_HEAP_GODELTA)
        return ch_reply_text(r, 400, "min_age is not supported for delta_heap\n");
    ch_live_heap(s->live, &q, r);
}

static void route(ch_http *s, struct MHD_Connection *c, const char *url, ch_reply *r)
{
    static const char prefix[] = "/debug/pprof/";
    if (!strcmp(url, "/metrics")) {
        ch_metrics_extra x = {0};
        ch_leaks_figures(s->leaks, &x);
        return ch_live_metrics(s->live, &x, r);
    }
    if (!strcmp(url, "/debug/cgoheap/leaks"))
        return ch_leaks_request(s->leaks, arg(c, "format"), arg(c, "kinds"), r);
    if (!strcmp(url, prefix) || !strcmp(url, "/debug/pprof")) {
        *r = (ch_reply){.status = 200, .type = "text/html; charset=utf-8"};
        r->body = strdup(INDEX);
        r->len = r->body ? strlen(r->body) : 0;
        return;
    }
    const char *name = strncmp(url, prefix, sizeof prefix - 1) ? "" : url + sizeof prefix - 1;
    if (!strcmp(name, "heap") || !strcmp(name, "allocs") || !strcmp(name, "delta_heap"))
        return heap(s, c, name, r);
    ch_reply_text(r, 404, "404 page not found\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    ch_http *s = cls;
    if (!*con_cls) { /* the headers: answer once the (empty) body is in */
        *con_cls = s;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    ch_reply r;
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        ch_reply_text(&r, 405, "method not allowed\n");
    else
        route(s, c, url, &r);
    if (!r.body)
        return MHD_NO; /* out of memory: drop the connection */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r.len, r.body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(r.body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r.type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* ---- the server ---------------------------------------------------------- */

int ch_http_start(ch_http *s, char *err, size_t errlen)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old); /* inherited by the server's threads */
    s->mhd =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD, 0, NULL,
                         NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->mhd) {
        snprintf(err, errlen, "--http: cannot start the HTTP server");
        return -1;
    }
    s->fd = -1; /* the daemon closes it when stopped */
    return 0;
}

ch_http *ch_http_open(const char *addr, bool allow_remote, ch_live *live, ch_leaks *leaks,
                      char *err, size_t errlen)
{
    if (ch_mhd_load(err, errlen)) /* before the program runs, as a bad address fails */
        return NULL;
    ch_http *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fd = -1;
    s->live = live;
    s->leaks = leaks;
    int rc = strncmp(addr, "unix:", 5) ? bind_inet(s, addr, allow_remote, err, errlen)
                                       : bind_unix(s, addr, addr + 5, err, errlen);
    if (rc) {
        ch_http_close(s);
        return NULL;
    }
    return s;
}

const char *ch_http_url(const ch_http *s)
{
    return s->url;
}

void ch_http_close(ch_http *s)
{
    if (!s)
        return;
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    if (s->fd >= 0)
        close(s->fd);
    if (s->unix_path[0])
        unlink(s->unix_path);
    free(s);
}
