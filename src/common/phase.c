#include "common/phase.h"
#include "common/clock.h"

#define MAX_PHASES 16

static struct {
    const char *name;
    double ms;
} phases[MAX_PHASES];
static unsigned nphases;
static const char *running;
static double started;
static __thread bool muted;

/* A phase entered twice (the exit stop of an exec'd image) adds up. */
static void add(const char *name, double ms)
{
    for (unsigned i = 0; i < nphases; i++)
        if (phases[i].name == name) {
            phases[i].ms += ms;
            return;
        }
    if (nphases < MAX_PHASES)
        phases[nphases++] = (__typeof__(phases[0])){name, ms};
}

void ch_phase_mute(bool on)
{
    muted = on;
}

void ch_phase(const char *name)
{
    if (muted)
        return;
    double t = ch_now() * 1e3;
    if (running)
        add(running, t - started);
    running = name;
    started = t;
}

void ch_phase_print(FILE *f)
{
    ch_phase(NULL);
    fputs("cgoheap: times:", f);
    for (unsigned i = 0; i < nphases; i++)
        fprintf(f, "%s %s %.1f ms", i ? "," : "", phases[i].name, phases[i].ms);
    fputc('\n', f);
}
