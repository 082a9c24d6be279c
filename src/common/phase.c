#include "common/phase.h"
#include "common/clock.h"

#define MAX_PHASES 32

static struct {
    const char *name;
    double ms, cpu_ms;
} phases[MAX_PHASES];
static unsigned nphases;
static const char *running;
static double started, cpu_started;
static __thread bool muted;

/* A phase entered twice (the exit stop of an exec'd image) adds up. */
static void add(const char *name, double ms, double cpu_ms)
{
    for (unsigned i = 0; i < nphases; i++)
        if (phases[i].name == name) {
            phases[i].ms += ms;
            phases[i].cpu_ms += cpu_ms;
            return;
        }
    if (nphases < MAX_PHASES)
        phases[nphases++] = (__typeof__(phases[0])){name, ms, cpu_ms};
}

/* CPU seconds of the whole launcher (every thread of it, a parallel phase's too). */
static double process_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void ch_phase_mute(bool on)
{
    muted = on;
}

void ch_phase(const char *name)
{
    if (muted)
        return;
    double t = ch_now() * 1e3, c = process_cpu() * 1e3;
    if (running)
        add(running, t - started, c - cpu_started);
    running = name;
    started = t;
    cpu_started = c;
}

void ch_phase_print(FILE *f)
{
    ch_phase(NULL);
    fputs("cgoheap: times:", f);
    for (unsigned i = 0; i < nphases; i++)
        fprintf(f, "%s %s %.1f ms (cpu %.1f)", i ? "," : "", phases[i].name, phases[i].ms,
                phases[i].cpu_ms);
    fputc('\n', f);
}
