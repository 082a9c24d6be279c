/*
 * exp(), from libm loaded when first called. The CLI links no libm: loading it at
 * start cost every run 0.4-0.7 ms of CPU and 11 page faults (bench/RESULTS.md, "The
 * fixed cost of a run: ..."), for this one function, which only a sampled profile's estimates
 * call. It is libm's own exp, so the estimates are the same to the bit.
 */
#ifndef CGOHEAP_REPORT_EXP_H
#define CGOHEAP_REPORT_EXP_H

/* e to the x. Thread-safe. Should libm fail to load (libm is part of glibc, like
 * libc), an approximation within 2e-11 of it, relatively, for x from -700 to 0. */
double chr_exp(double x);

#endif
