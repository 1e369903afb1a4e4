/*
 * Calendar arithmetic and register formats of the MC146818 (rtc-time.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include "rtc-time.h"

#define SECS_PER_DAY 86400

int64_t rtc_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static bool is_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int rtc_days_in_month(int year, int mon)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (mon == 2 && is_leap(year)) {
        return 29;
    }
    return days[(mon - 1) % 12];
}

/* Days since 1970-01-01.  The year is counted from March so that the leap
 * day is the last day of its year; 400 Gregorian years are 146097 days. */
int64_t rtc_days_from_civil(int year, int mon, int day)
{
    int64_t y = year - (mon <= 2);
    int64_t cycle = rtc_floor_div(y, 400);
    int64_t year_of_cycle = y - cycle * 400;                      /* 0..399 */
    int64_t day_of_year = (153 * (mon > 2 ? mon - 3 : mon + 9) + 2) / 5 + day - 1;
    int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 +
                           day_of_year;
    /* 719468 days from 0000-03-01 to 1970-01-01. */
    return cycle * 146097 + day_of_cycle - 719468;
}

static void civil_from_days(int64_t days, int *year, int *mon, int *day)
{
    days += 719468;
    int64_t cycle = rtc_floor_div(days, 146097);
    int64_t day_of_cycle = days - cycle * 146097;                  /* 0..146096 */
    int64_t year_of_cycle = (day_of_cycle - day_of_cycle / 1460 + day_of_cycle / 36524 -
                             day_of_cycle / 146096) / 365;
    int64_t day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 -
                                          year_of_cycle / 100);
    int64_t m = (5 * day_of_year + 2) / 153;                       /* from March */
    *day = (int)(day_of_year - (153 * m + 2) / 5 + 1);
    *mon = (int)(m < 10 ? m + 3 : m - 9);
    *year = (int)(year_of_cycle + cycle * 400 + (*mon <= 2));
}

int64_t rtc_fields_to_sec(const RTCFields *f)
{
    return rtc_days_from_civil(f->year, f->mon, f->day) * SECS_PER_DAY +
           f->hour * 3600 + f->min * 60 + f->sec;
}

static int weekday(int64_t days, int dow_offset)
{
    int64_t r = (days + dow_offset) % 7;
    return (int)(r < 0 ? r + 7 : r) + 1;
}

void rtc_sec_to_fields(int64_t sec, int dow_offset, RTCFields *f)
{
    int64_t days = rtc_floor_div(sec, SECS_PER_DAY);
    int64_t tod = sec - days * SECS_PER_DAY;
    civil_from_days(days, &f->year, &f->mon, &f->day);
    f->hour = (int)(tod / 3600);
    f->min = (int)(tod / 60 % 60);
    f->sec = (int)(tod % 60);
    f->dow = weekday(days, dow_offset);
}

int rtc_dow_offset_for(int64_t sec, int dow)
{
    int64_t days = rtc_floor_div(sec, SECS_PER_DAY);
    int64_t r = (dow - 1 - days) % 7;
    return (int)(r < 0 ? r + 7 : r);
}

/* ---- register formats ---- */

uint8_t rtc_encode(int v, uint8_t regb)
{
    if (regb & RTC_B_DM) {
        return (uint8_t)v;
    }
    return (uint8_t)((v / 10) << 4 | (v % 10));
}

int rtc_decode(uint8_t v, uint8_t regb)
{
    if (regb & RTC_B_DM) {
        return v;
    }
    return (v >> 4) * 10 + (v & 15);
}

/* 12-hour format: 1..12 with bit 7 set for PM (datasheet, Table 3). */
uint8_t rtc_encode_hour(int hour24, uint8_t regb)
{
    if (regb & RTC_B_24H) {
        return rtc_encode(hour24, regb);
    }
    int h12 = hour24 % 12 ? hour24 % 12 : 12;
    return rtc_encode(h12, regb) | (hour24 >= 12 ? 0x80 : 0);
}

static int decode_hour(uint8_t v, uint8_t regb)
{
    if (regb & RTC_B_24H) {
        int h = rtc_decode(v, regb);
        return h > 23 ? 23 : h;
    }
    int h = rtc_decode(v & 0x7f, regb);
    h = h < 1 ? 1 : (h > 12 ? 12 : h);
    return h % 12 + ((v & 0x80) ? 12 : 0);
}

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void rtc_fields_to_regs(const RTCFields *f, uint8_t regb, uint8_t *cmos)
{
    cmos[RTC_SECONDS] = rtc_encode(f->sec, regb);
    cmos[RTC_MINUTES] = rtc_encode(f->min, regb);
    cmos[RTC_HOURS] = rtc_encode_hour(f->hour, regb);
    cmos[RTC_DAY_OF_WEEK] = rtc_encode(f->dow, regb);
    cmos[RTC_DAY_OF_MONTH] = rtc_encode(f->day, regb);
    cmos[RTC_MONTH] = rtc_encode(f->mon, regb);
    cmos[RTC_YEAR] = rtc_encode(f->year % 100, regb);
    cmos[RTC_CENTURY] = rtc_encode(f->year / 100, regb);
}

void rtc_regs_to_fields(const uint8_t *cmos, uint8_t regb, RTCFields *f)
{
    f->sec = clamp(rtc_decode(cmos[RTC_SECONDS], regb), 0, 59);
    f->min = clamp(rtc_decode(cmos[RTC_MINUTES], regb), 0, 59);
    f->hour = decode_hour(cmos[RTC_HOURS], regb);
    f->dow = clamp(rtc_decode(cmos[RTC_DAY_OF_WEEK], regb), 1, 7);
    f->year = clamp(rtc_decode(cmos[RTC_CENTURY], regb), 0, 99) * 100 +
              clamp(rtc_decode(cmos[RTC_YEAR], regb), 0, 99);
    f->mon = clamp(rtc_decode(cmos[RTC_MONTH], regb), 1, 12);
    f->day = clamp(rtc_decode(cmos[RTC_DAY_OF_MONTH], regb), 1,
                   rtc_days_in_month(f->year, f->mon));
}

/* ---- alarm ---- */

enum { ALARM_ANY = -1, ALARM_NEVER = -2 };

/* The value in [0, n) whose encoding is the alarm byte, ALARM_ANY for a
 * don't-care byte (top two bits set), ALARM_NEVER when none matches. */
static int alarm_value(uint8_t alarm, int n, bool hours, uint8_t regb)
{
    if ((alarm & 0xc0) == 0xc0) {
        return ALARM_ANY;
    }
    for (int v = 0; v < n; v++) {
        if ((hours ? rtc_encode_hour(v, regb) : rtc_encode(v, regb)) == alarm) {
            return v;
        }
    }
    return ALARM_NEVER;
}

static bool matches(int want, int v)
{
    return want == ALARM_ANY || want == v;
}

/* The first time of day >= from (0..86399) matching, or -1. */
static int first_match_from(int from, int h, int m, int s)
{
    for (int hh = from / 3600; hh < 24; hh++) {
        if (!matches(h, hh)) {
            continue;
        }
        int m0 = hh == from / 3600 ? from / 60 % 60 : 0;
        for (int mm = m0; mm < 60; mm++) {
            if (!matches(m, mm)) {
                continue;
            }
            int base = hh * 3600 + mm * 60;
            int s0 = base + 59 < from ? 60 : (from > base ? from - base : 0);
            for (int ss = s0; ss < 60; ss++) {
                if (matches(s, ss)) {
                    return base + ss;
                }
            }
        }
    }
    return -1;
}

int64_t rtc_next_alarm(int64_t after, const uint8_t *cmos, uint8_t regb)
{
    int s = alarm_value(cmos[RTC_SECONDS_ALARM], 60, false, regb);
    int m = alarm_value(cmos[RTC_MINUTES_ALARM], 60, false, regb);
    int h = alarm_value(cmos[RTC_HOURS_ALARM], 24, true, regb);
    if (s == ALARM_NEVER || m == ALARM_NEVER || h == ALARM_NEVER) {
        return -1;
    }
    int64_t next = after + 1;
    int64_t day = rtc_floor_div(next, SECS_PER_DAY) * SECS_PER_DAY;
    int tod = first_match_from((int)(next - day), h, m, s);
    if (tod >= 0) {
        return day + tod;
    }
    return day + SECS_PER_DAY + first_match_from(0, h, m, s);
}

/* ---- start dates ---- */

bool rtc_parse_date(const char *text, int64_t *sec)
{
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
    size_t len = strlen(text);
    if (len == 10) {
        if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
            return false;
        }
    } else if (len == 19) {
        if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
            n != 19) {
            return false;
        }
    } else {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '-' || text[i] == ':' || text[i] == 'T') {
            continue;
        }
        if (text[i] < '0' || text[i] > '9') {
            return false;   /* sscanf would let signs and spaces through */
        }
    }
    if (y < 0 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > rtc_days_in_month(y, mo) ||
        h > 23 || mi > 59 || s > 59) {
        return false;
    }
    RTCFields f = { .sec = s, .min = mi, .hour = h, .day = d, .mon = mo, .year = y };
    *sec = rtc_fields_to_sec(&f);
    return true;
}
