#pragma once

#include <stdint.h>
#include <time.h>

/* Monotonic microseconds: for deadlines and durations, never wall time. */
static inline uint64_t time_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
