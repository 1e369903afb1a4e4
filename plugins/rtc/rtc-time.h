/*
 * Calendar arithmetic and the MC146818's register formats.
 *
 * The RTC's time is kept as a count of seconds from 1970-01-01 00:00:00 in
 * the RTC's own (zone-less) time, on the proleptic Gregorian calendar, plus
 * the day-of-week register, which the chip counts on its own.  These helpers
 * convert between that count, broken-down fields and the time registers in
 * BCD or binary, 12- or 24-hour format (Motorola MC146818A datasheet,
 * "Time, Calendar and Alarm" and Table 3 "Time, Calendar and Alarm Data
 * Modes").
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef RTC_TIME_H
#define RTC_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Register B bits used by the formats (datasheet, "Register B"). */
#define RTC_B_DM    0x04    /* 1: binary, 0: BCD */
#define RTC_B_24H   0x02    /* 1: 24-hour, 0: 12-hour */

/* Register indexes of the time registers (datasheet, Figure "Address
 * Map"); the century byte is the PC/AT's (IBM AT Technical Reference,
 * CMOS RAM 32h). */
enum {
    RTC_SECONDS = 0x00, RTC_SECONDS_ALARM = 0x01,
    RTC_MINUTES = 0x02, RTC_MINUTES_ALARM = 0x03,
    RTC_HOURS = 0x04, RTC_HOURS_ALARM = 0x05,
    RTC_DAY_OF_WEEK = 0x06, RTC_DAY_OF_MONTH = 0x07,
    RTC_MONTH = 0x08, RTC_YEAR = 0x09,
    RTC_CENTURY = 0x32,
};

typedef struct RTCFields {
    int sec, min, hour;     /* hour 0..23 */
    int dow;                /* 1..7, Sunday is 1 */
    int day, mon;           /* 1..31, 1..12 */
    int year;               /* 0..9999 */
} RTCFields;

int64_t rtc_floor_div(int64_t a, int64_t b);

int64_t rtc_days_from_civil(int year, int mon, int day);
int rtc_days_in_month(int year, int mon);

/* Seconds <-> fields.  dow_offset places the day-of-week counter: the
 * weekday of day number d (from 1970-01-01) is (d + dow_offset) mod 7 + 1. */
int64_t rtc_fields_to_sec(const RTCFields *f);
void rtc_sec_to_fields(int64_t sec, int dow_offset, RTCFields *f);
/* The dow_offset under which the day of sec has weekday dow (1..7). */
int rtc_dow_offset_for(int64_t sec, int dow);
/* The true weekday's offset (1970-01-01 was a Thursday). */
#define RTC_DOW_OFFSET_TRUE 4

/* One byte in BCD or binary (bit DM of register B). */
uint8_t rtc_encode(int v, uint8_t regb);
/* BCD nibbles above 9 are taken at face value. */
int rtc_decode(uint8_t v, uint8_t regb);
uint8_t rtc_encode_hour(int hour24, uint8_t regb);

/* Fields -> the time registers in cmos[0..9] (not the alarms) and the
 * century byte. */
void rtc_fields_to_regs(const RTCFields *f, uint8_t regb, uint8_t *cmos);
/* The registers (as the guest may have written them, valid or not) ->
 * fields, each clamped into its range. */
void rtc_regs_to_fields(const uint8_t *cmos, uint8_t regb, RTCFields *f);

/* The first second after `after` whose time matches the alarm registers
 * (a byte with both top bits set matches anything, datasheet "Alarm"), or
 * -1 when no time ever matches. */
int64_t rtc_next_alarm(int64_t after, const uint8_t *cmos, uint8_t regb);

/* Parse "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD" into seconds.  False when
 * the text is not such a date or names no real day or time. */
bool rtc_parse_date(const char *text, int64_t *sec);

#endif
