//! Weekday or weekend of a row's time, in the search's local days (`baseline=daytype`).
//!
//! The caller, who knows the time zone, gives the start of today, today's weekday and a way
//! to find the start of the local day before a given one; the calendar keeps the starts of
//! the [`DAYS`] local days before today (built once), so that classifying a row is a
//! division and a comparison or two. A time earlier than those days is placed by whole
//! 86,400-second days before the earliest one (**decision**: no real search reaches back
//! that far with the rule of a day type). Saturday and Sunday are the weekend.
//!
//! # Example
//! ```
//! use emailoutlier::detect::calendar::Calendar;
//! // 2026-01-01T00:00:00Z is a Thursday.
//! let calendar = Calendar::utc(1_767_225_600);
//! assert!(!calendar.is_weekend(1_767_225_600.0 - 86_400.0 * 3.0)); // Monday 29 Dec
//! assert!(calendar.is_weekend(1_767_225_600.0 - 86_400.0 * 4.0 + 5.0)); // Sunday 28 Dec
//! ```

/// Local days before today whose start the calendar keeps.
pub const DAYS: usize = 400;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// Starts of today and the [`DAYS`] local days before it, and today's weekday.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// `starts[k]`: the start of the local day `k` days before today, descending.
    starts: Vec<f64>,
    /// 0 = Monday … 6 = Sunday.
    today_weekday: u8,
}

impl Calendar {
    /// Days of UTC: each starts at a multiple of 86,400 seconds.
    pub fn utc(day_start: i64) -> Calendar {
        #[allow(clippy::cast_possible_truncation)] // rem_euclid(7) < 7
        let today_weekday = (day_start.div_euclid(86_400) + 3).rem_euclid(7) as u8;
        Calendar::new(day_start, today_weekday, |start| Some(start - 86_400))
    }

    /// Local days: `day_start` is today's start, `today_weekday` its weekday (0 = Monday),
    /// and `previous_start(s)` the start of the local day before the one starting at `s`
    /// (`None` where the zone has no answer; the calendar then stops there).
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
            today_weekday: today_weekday % 7,
        }
    }

    /// Whether `time` (epoch seconds) falls on a local Saturday or Sunday; times at or after
    /// the start of today take today's weekday.
    #[inline]
    pub fn is_weekend(&self, time: f64) -> bool {
        self.weekday(time) >= 5
    }

    /// 0 = Monday … 6 = Sunday of the local day containing `time`.
    pub fn weekday(&self, time: f64) -> u8 {
        let days_before = self.days_before_today(time);
        let back = (days_before % 7) as u8;
        (self.today_weekday + 7 - back) % 7
    }

    /// How many local days before today `time` lies (0 for today and later).
    fn days_before_today(&self, time: f64) -> u64 {
        let today = self.starts.first().copied().unwrap_or(0.0);
        if time.is_nan() || time >= today {
            return 0;
        }
        let last = self.starts.len() - 1;
        let earliest = self.starts.get(last).copied().unwrap_or(today);
        if time < earliest {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let more = ((earliest - time) / SECONDS_PER_DAY).ceil().min(1e15) as u64;
            return last as u64 + more;
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
        k as u64
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
}
