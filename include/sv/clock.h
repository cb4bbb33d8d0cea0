/*
 * The benchmarks' clock: seconds on CLOCK_MONOTONIC as a double.
 */
#ifndef SV_CLOCK_H
#define SV_CLOCK_H

#include <time.h>

static inline double sv_now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
