/* SPDX-License-Identifier: Apache-2.0 */
/* Calendar arithmetic for emu/aws's date parsers (days from a civil date, fixed-width digits). */
#include "emu/aws/aws_time.h"

#include "emu/base/err.h"

long long emu__aws_days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

int emu__aws_digits(const char *s, size_t n, unsigned *ret)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return EMU_EINVAL;
        }
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *ret = v;
    return 0;
}
