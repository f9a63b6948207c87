//! Weekday or weekend of a row's time, in the search's local days (`baseline=daytype`).
//!
//! The caller, who knows the time zone, gives the start of today, today's weekday and a way
//! to find the start of the local day before a given one; the calendar keeps the starts of
//! the [`DAYS`] local days before today (built once), so that classifying a row is a
//! division and a comparison or two. A time outside those days and today (earlier, or from
//! tomorrow on) takes the weekday of its own local date from the zone given with
//! [`Calendar::with_zone`] (UTC's without one), the last such day cached, so that the
//! answer never depends on where today is. Saturday and Sunday are the weekend.
//!
//! # Example
//! ```
//! use emailoutlier::detect::calendar::Calendar;
//! // 2026-01-01T00:00:00Z is a Thursday.
//! let calendar = Calendar::utc(1_767_225_600);
//! assert!(!calendar.is_weekend(1_767_225_600.0 - 86_400.0 * 3.0)); // Monday 29 Dec
//! assert!(calendar.is_weekend(1_767_225_600.0 - 86_400.0 * 4.0 + 5.0)); // Sunday 28 Dec
//! ```

use std::cell::Cell;
use std::sync::Arc;

use super::backtest::LocalCalendar;

/// Local days before today whose start the calendar keeps.
pub const DAYS: usize = 400;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// Starts of today and the [`DAYS`] local days before it, and today's weekday.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// `starts[k]`: the start of the local day `k` days before today, descending.
    starts: Vec<f64>,
    /// The start of tomorrow: from there on, times ask the zone.
    tomorrow: f64,
    /// 0 = Monday … 6 = Sunday.
    today_weekday: u8,
    /// The zone asked about times outside the table; `None`: UTC days.
    zone: Option<Arc<dyn LocalCalendar>>,
    /// The last day the zone was asked about: `[start, end)` and its weekday.
    beyond: Cell<(f64, f64, u8)>,
}

/// The weekday (0 = Monday) of the local date at `t` in `zone`, or of the UTC date when the
/// zone does not say.
pub(crate) fn weekday_at(zone: &dyn LocalCalendar, t: i64) -> u8 {
    zone.weekday(t).unwrap_or_else(|| utc_weekday(t))
}

fn utc_weekday(t: i64) -> u8 {
    // 1970-01-01 was a Thursday; rem_euclid(7) < 7.
    #[allow(clippy::cast_possible_truncation)]
    let weekday = (t.div_euclid(86_400) + 3).rem_euclid(7) as u8;
    weekday
}

impl Calendar {
    /// Days of UTC: each starts at a multiple of 86,400 seconds.
    pub fn utc(day_start: i64) -> Calendar {
        let mut calendar = Calendar::new(day_start, utc_weekday(day_start), |start| {
            Some(start - 86_400)
        });
        calendar.tomorrow = calendar.today() + SECONDS_PER_DAY;
        calendar
    }

    /// Local days: `day_start` is today's start, `today_weekday` its weekday (0 = Monday),
    /// and `previous_start(s)` the start of the local day before the one starting at `s`
    /// (`None` where the zone has no answer; the calendar then stops there). Until
    /// [`with_zone`](Calendar::with_zone) gives the zone, times from today's start on take
    /// today's weekday and times before the table the UTC date's.
    pub fn new(
        day_start: i64,
        today_weekday: u8,
        mut previous_start: impl FnMut(i64) -> Option<i64>,
    ) -> Calendar {
        let mut starts = Vec::with_capacity(DAYS + 1);
        let mut start = day_start;
        #[allow(clippy::cast_precision_loss)] // |epoch seconds| < 2^53
        starts.push(start as f64);
        for _ in 0..DAYS {
            match previous_start(start) {
                Some(previous) if previous < start => start = previous,
                _ => break,
            }
            #[allow(clippy::cast_precision_loss)]
            starts.push(start as f64);
        }
        Calendar {
            starts,
            tomorrow: f64::INFINITY,
            today_weekday: today_weekday % 7,
            zone: None,
            beyond: Cell::new((f64::NAN, f64::NAN, 0)),
        }
    }

    /// The zone whose local dates give the weekday of times before the table or from
    /// tomorrow on (the zone the table was built from).
    #[must_use]
    pub fn with_zone(mut self, zone: Arc<dyn LocalCalendar>) -> Calendar {
        #[allow(clippy::cast_precision_loss)] // |epoch seconds| < 2^53
        let tomorrow = zone
            .start_of_day_shifted(self.today_secs(), 1)
            .map_or(f64::INFINITY, |s| s as f64);
        self.tomorrow = tomorrow;
        self.zone = Some(zone);
        self
    }

    fn today(&self) -> f64 {
        self.starts.first().copied().unwrap_or(0.0)
    }

    #[allow(clippy::cast_possible_truncation)] // the table's starts are whole seconds
    fn today_secs(&self) -> i64 {
        self.today() as i64
    }

    /// Whether `time` (epoch seconds) falls on a local Saturday or Sunday.
    #[inline]
    pub fn is_weekend(&self, time: f64) -> bool {
        self.weekday(time) >= 5
    }

    /// 0 = Monday … 6 = Sunday of the local day containing `time`.
    /// A time that is not a number takes today's.
    pub fn weekday(&self, time: f64) -> u8 {
        match self.days_before_today(time) {
            Some(days_before) => {
                let back = (days_before % 7) as u8;
                (self.today_weekday + 7 - back) % 7
            }
            None => self.weekday_beyond(time),
        }
    }

    /// The weekday of a time outside the table, from the zone (the last day asked cached).
    fn weekday_beyond(&self, time: f64) -> u8 {
        let (start, end, weekday) = self.beyond.get();
        if start <= time && time < end {
            return weekday;
        }
        // 2^62 is far outside any zone's range; the bound keeps the conversion exact.
        #[allow(clippy::cast_possible_truncation)]
        let second = time.floor().clamp(-4.6e18, 4.6e18) as i64;
        let Some(zone) = &self.zone else {
            return utc_weekday(second);
        };
        let weekday = weekday_at(&**zone, second);
        if let Some(start) = zone.start_of_day(second) {
            let end = zone
                .start_of_day_shifted(start, 1)
                .filter(|&end| end > second)
                .unwrap_or(second.saturating_add(1));
            #[allow(clippy::cast_precision_loss)]
            self.beyond.set((start as f64, end as f64, weekday));
        }
        weekday
    }

    /// How many local days before today `time` lies (0 for today and not a number); `None`
    /// outside the table (before its earliest day, or from tomorrow on).
    fn days_before_today(&self, time: f64) -> Option<u64> {
        let today = self.today();
        if time.is_nan() || (time >= today && time < self.tomorrow) {
            return Some(0);
        }
        let last = self.starts.len() - 1;
        let earliest = self.starts.get(last).copied().unwrap_or(today);
        if time >= self.tomorrow || time < earliest {
            return None;
        }
        // starts[k] <= time < starts[k - 1]; local days are 23 to 25 hours long, so the
        // estimate from whole days is off by at most one.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let mut k = (((today - time) / SECONDS_PER_DAY).ceil() as usize).clamp(1, last);
        while k < last && time < self.starts.get(k).copied().unwrap_or(f64::MIN) {
            k += 1;
        }
        while k > 1 && time >= self.starts.get(k - 1).copied().unwrap_or(f64::MAX) {
            k -= 1;
        }
        Some(k as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THURSDAY: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    #[test]
    fn utc_weekdays() {
        let calendar = Calendar::utc(THURSDAY);
        assert_eq!(calendar.weekday(THURSDAY as f64 + 3600.0), 3);
        let day = |k: i64| (THURSDAY - k * 86_400) as f64;
        // Wed, Tue, Mon, Sun, Sat, Fri
        let weekdays: Vec<u8> = (1..=6).map(|k| calendar.weekday(day(k))).collect();
        assert_eq!(weekdays, [2, 1, 0, 6, 5, 4]);
        // The last second of Sunday and the first of Monday.
        assert!(calendar.is_weekend(day(3) - 1.0));
        assert!(!calendar.is_weekend(day(3)));
        // Beyond the table: 1000 days back is 142 weeks + 6 days → Friday.
        assert_eq!(calendar.weekday(day(1000)), 4);
        assert_eq!(calendar.weekday(day(1000) + 86_399.0), 4);
    }

    #[test]
    fn local_days_of_23_and_25_hours() {
        // A zone whose days before "today" alternately last 23 and 25 hours.
        let calendar = Calendar::new(THURSDAY, 3, |start| {
            let back = (THURSDAY - start) / 86_400;
            Some(start - if back % 2 == 0 { 23 * 3600 } else { 25 * 3600 })
        });
        // Yesterday (Wednesday) started 23 h before today.
        let yesterday = (THURSDAY - 23 * 3600) as f64;
        assert_eq!(calendar.weekday(yesterday), 2);
        assert_eq!(calendar.weekday(yesterday - 1.0), 1);
        // Monday started 23 + 25 + 23 hours before today.
        let monday = (THURSDAY - 71 * 3600) as f64;
        assert_eq!(calendar.weekday(monday), 0);
        assert_eq!(calendar.weekday(monday - 1.0), 6);
    }

    #[test]
    fn a_zone_without_answers_falls_back_to_whole_days() {
        let calendar = Calendar::new(THURSDAY, 3, |_| None);
        assert_eq!(calendar.weekday((THURSDAY - 86_400) as f64), 2);
        assert_eq!(calendar.weekday(f64::NAN), 3);
    }

    #[test]
    fn outside_the_table_the_zone_gives_the_local_date() {
        use crate::splunk::tz::SearchZone;
        use jiff::civil::Date;
        use jiff::tz::TimeZone;

        let zone = SearchZone::iana("America/New_York").unwrap();
        let tz = TimeZone::get("America/New_York").unwrap();
        let start = |date: Date| {
            let day = date.to_zoned_datetime(tz.clone()).unwrap();
            day.start_of_day().unwrap().timestamp().as_second()
        };
        let today = Date::new(2026, 1, 1).unwrap();
        let calendar = Calendar::new(start(today), 3, |s| {
            LocalCalendar::start_of_day(&zone, s.checked_sub(1)?)
        })
        .with_zone(Arc::new(zone.clone()));
        // 2023 to 2027: the table's 400 days, the DST days before them and days after today;
        // forwards, then backwards (the cache of the last day outside the table missed).
        let dates: Vec<Date> = (0..5 * 365)
            .map(|i| Date::new(2023, 1, 1).unwrap() + jiff::Span::new().days(i))
            .collect();
        for date in dates.iter().chain(dates.iter().rev()) {
            let want = u8::try_from(date.weekday().to_monday_zero_offset()).unwrap();
            let next = start(date.tomorrow().unwrap());
            for t in [start(*date), start(*date) + 3600, next - 1] {
                assert_eq!(calendar.weekday(t as f64), want, "{date} at {t}");
                assert_eq!(calendar.weekday(t as f64 + 0.5), want, "{date} at {t}.5");
            }
        }
    }
}
