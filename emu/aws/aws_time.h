/* SPDX-License-Identifier: Apache-2.0 */
/* Calendar arithmetic private to emu/aws, shared by the SigV4 date parser (20150830T123600Z)
 * and the credential-expiry parser (ISO 8601): no libc time zone state is involved. */
#ifndef EMU_AWS_AWS_TIME_H
#define EMU_AWS_AWS_TIME_H

#include <stddef.h>

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
long long emu__aws_days_from_civil(long long y, unsigned m, unsigned d);

/* Reads exactly n decimal digits of s into *ret. Returns 0 or -EINVAL. */
int emu__aws_digits(const char *s, size_t n, unsigned *ret);

#endif
