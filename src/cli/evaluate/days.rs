//! Local calendar days of epoch times, with the zone rules of `detect`.

use std::collections::HashMap;

use crate::splunk::tz::{SearchZone, MAX_NOW_SECS, MIN_NOW_SECS};

const SECONDS_PER_DAY: i64 = 86_400;

/// Local days (days since 1970-01-01 in the zone's calendar) of epoch times, remembered per
/// whole second: `tstats … span=1d` output has one time per day, so this is a few lookups.
#[derive(Debug)]
pub(super) struct DayCache {
    zone: SearchZone,
    known: HashMap<i64, i64, foldhash::fast::RandomState>,
}

impl DayCache {
    pub fn new(zone: SearchZone) -> DayCache {
        DayCache {
            zone,
            known: HashMap::default(),
        }
    }

    /// The local day of `time` (epoch seconds, rounded down), or `None` when it is not finite
    /// or outside the years the zone code handles.
    pub fn day_of(&mut self, time: f64) -> Option<i64> {
        let floor = time.floor();
        #[allow(clippy::cast_precision_loss)] // both bounds are exact in f64
        if !(floor.is_finite() && (MIN_NOW_SECS as f64..=MAX_NOW_SECS as f64).contains(&floor)) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)] // in range, checked above
        let secs = floor as i64;
        if let Some(&day) = self.known.get(&secs) {
            return Some(day);
        }
        let (offset, _) = self.zone.local_time_at(secs);
        let day = (secs + i64::from(offset)).div_euclid(SECONDS_PER_DAY);
        self.known.insert(secs, day);
        Some(day)
    }
}

/// `2026-01-01` for a local day number.
pub(super) fn date_text(day: i64) -> String {
    jiff::Timestamp::from_second(day.saturating_mul(SECONDS_PER_DAY))
        .map(|t| jiff::tz::Offset::UTC.to_datetime(t).date().to_string())
        .unwrap_or_else(|_| format!("day {day}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_zone() {
        let mut utc = DayCache::new(SearchZone::iana("UTC").unwrap());
        // 2026-01-01T00:00:00Z and one second before.
        assert_eq!(utc.day_of(1_767_225_600.0), Some(20_454));
        assert_eq!(utc.day_of(1_767_225_599.5), Some(20_453));
        assert_eq!(utc.day_of(f64::NAN), None);
        assert_eq!(utc.day_of(1e300), None);
        // 03:00 UTC is still 2025-12-31 in New York (UTC-5).
        let mut new_york = DayCache::new(SearchZone::iana("America/New_York").unwrap());
        assert_eq!(new_york.day_of(1_767_236_400.0), Some(20_453));
        assert_eq!(new_york.day_of(1_767_243_600.0), Some(20_454));
        assert_eq!(date_text(20_454), "2026-01-01");
    }
}
