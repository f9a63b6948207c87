//! The search's zone as the [`LocalCalendar`] of `mode=backtest`: local days start at
//! [`SearchZone::start_of_day`] ("@d", DST-correct), and "N days before" is the start of the
//! local calendar date N days earlier (`relative_time(t, "-Nd@d")`).
//!
//! # Example
//! ```
//! use emailoutlier::detect::backtest::LocalCalendar;
//! use emailoutlier::splunk::tz::SearchZone;
//!
//! let paris = SearchZone::iana("Europe/Paris")?;
//! // 2025-03-31 00:00 CEST (UTC+2) is 2025-03-30T22:00:00Z; the day before began at
//! // 2025-03-30 00:00 CET (UTC+1), 2025-03-29T23:00:00Z: a 23-hour day.
//! assert_eq!(paris.start_of_day_shifted(1_743_372_000, -1), Some(1_743_289_200));
//! assert_eq!(LocalCalendar::start_of_day(&paris, 1_743_372_000 + 3600), Some(1_743_372_000));
//! # Ok::<(), emailoutlier::splunk::tz::TzError>(())
//! ```

use crate::detect::backtest::LocalCalendar;
use crate::splunk::tz::SearchZone;

const SECS_PER_DAY: i64 = 86_400;

impl LocalCalendar for SearchZone {
    fn start_of_day(&self, t: i64) -> Option<i64> {
        SearchZone::start_of_day(self, t).ok()
    }

    /// The weekday of the local date at `t`, from the zone's offset there.
    fn weekday(&self, t: i64) -> Option<u8> {
        let (offset, _) = self.local_time_at(t);
        let local_day = t.checked_add(i64::from(offset))?.div_euclid(SECS_PER_DAY);
        // 1970-01-01 was a Thursday (3 with Monday = 0).
        u8::try_from((local_day + 3).rem_euclid(7)).ok()
    }

    /// The local date of `day_start`, shifted by `days`; then the start of the day holding
    /// that date's local noon (found with the offset in effect near it, so a clock change of
    /// up to eleven hours between the two dates cannot move it to another date).
    fn start_of_day_shifted(&self, day_start: i64, days: i32) -> Option<i64> {
        let (offset, _) = self.local_time_at(day_start);
        let date = day_start
            .checked_add(i64::from(offset))?
            .div_euclid(SECS_PER_DAY)
            .checked_add(i64::from(days))?;
        let noon = date
            .checked_mul(SECS_PER_DAY)?
            .checked_add(SECS_PER_DAY / 2)?;
        let (offset, _) = self.local_time_at(noon.checked_sub(i64::from(offset))?);
        SearchZone::start_of_day(self, noon.checked_sub(i64::from(offset))?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Date;
    use jiff::tz::TimeZone;
    use proptest::prelude::*;

    /// The first instant of `date` in `zone`, by jiff's own civil arithmetic.
    fn jiff_start(zone: &str, date: Date) -> i64 {
        let tz = TimeZone::get(zone).unwrap();
        date.to_zoned_datetime(tz)
            .unwrap()
            .start_of_day()
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn shifts_across_dst_and_skipped_midnights() {
        for zone in [
            "UTC",
            "Europe/Paris",
            "America/New_York",
            "America/Sao_Paulo",
            "Asia/Tehran",
            "Australia/Lord_Howe",
        ] {
            let search = SearchZone::iana(zone).unwrap();
            // Sao Paulo skipped midnight on 2018-11-04: that day began at 01:00.
            for (y, m, d) in [(2018, 11, 4), (2025, 3, 30), (2025, 11, 2), (2024, 2, 29)] {
                let date = Date::new(y, m, d).unwrap();
                let start = jiff_start(zone, date);
                for days in [-30, -1, 0, 1, 7, 365] {
                    let want = jiff_start(
                        zone,
                        date.checked_add(jiff::Span::new().days(days)).unwrap(),
                    );
                    assert_eq!(
                        search.start_of_day_shifted(start, days),
                        Some(want),
                        "{zone} {date} {days}"
                    );
                }
            }
        }
    }

    #[test]
    fn out_of_range_is_none() {
        let utc = SearchZone::iana("UTC").unwrap();
        assert_eq!(
            utc.start_of_day_shifted(crate::splunk::tz::MAX_NOW_SECS, 400),
            None
        );
        assert_eq!(LocalCalendar::start_of_day(&utc, i64::MAX), None);
    }

    proptest! {
        #[test]
        fn shift_is_jiff_date_arithmetic(
            day in -20_000i64..40_000,
            days in -400i32..400,
            zone in prop::sample::select(vec!["Europe/Paris", "America/Sao_Paulo", "America/New_York", "Pacific/Apia", "Asia/Kolkata"]),
        ) {
            let date = Date::new(1970, 1, 1).unwrap().checked_add(jiff::Span::new().days(day)).unwrap();
            let search = SearchZone::iana(zone).unwrap();
            let start = jiff_start(zone, date);
            prop_assert_eq!(LocalCalendar::start_of_day(&search, start), Some(start));
            let target = date.checked_add(jiff::Span::new().days(i64::from(days))).unwrap();
            prop_assert_eq!(search.start_of_day_shifted(start, days), Some(jiff_start(zone, target)));
        }
    }
}
