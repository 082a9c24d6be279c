/* exp() from libm, loaded on first use (see report_exp.h). */
#include "report/report_exp.h"

#include <dlfcn.h>
#include <pthread.h>

static double (*libm_exp)(double);
static pthread_once_t loaded = PTHREAD_ONCE_INIT;

static void load(void)
{
    /* Never closed: the library stays for the process's life, as a linked one would. */
    void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    if (h)
        *(void **)&libm_exp = dlsym(h, "exp");
}

/* e^x as (e^(x/2^k))^(2^k), e^(x/2^k) by its series: for |x| of a few hundred at most. */
static double fallback_exp(double x)
{
    const int k = 16;
    double y = x / (double)(1 << k), term = 1.0, sum = 1.0;
    for (int i = 1; i < 12; i++) {
        term *= y / i;
        sum += term;
    }
    for (int i = 0; i < k; i++)
        sum *= sum;
    return sum;
}

double chr_exp(double x)
{
    pthread_once(&loaded, load);
    return libm_exp ? libm_exp(x) : fallback_exp(x);
}
