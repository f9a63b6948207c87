//! The search's `now` and time zone, resolved from their three sources in the order of
//! `semantics.md`: command options, else `info.csv`, else the system clock and local zone.
//! Pure: the caller reads the clock and the system zone and passes them in.
//!
//! # Example
//!
//! ```
//! use emailoutlier::splunk::clock::{resolve, Source};
//! use emailoutlier::splunk::tz::SearchZone;
//! use jiff::tz::TimeZone;
//!
//! let tz = SearchZone::iana("America/Los_Angeles")?;
//! let time = resolve(Some(1_434_859_155.0), Some(tz), None, 0.0, TimeZone::UTC);
//! assert_eq!((time.now_source, time.zone_source), (Source::Option, Source::Option));
//! // 2015-06-20 20:59:15 PDT: the day began at 2015-06-20T07:00:00Z.
//! assert_eq!(time.day_start()?, 1_434_783_600);
//! # Ok::<(), emailoutlier::splunk::tz::TzError>(())
//! ```

use std::fmt;

use crate::splunk::info::DispatchInfo;
use crate::splunk::tz::{SearchZone, TzError, MAX_NOW_SECS, MIN_NOW_SECS};

/// Where a value of the search's time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command option (`now=`, `tz=`).
    Option,
    /// `info.csv` in the search's dispatch directory.
    DispatchInfo,
    /// The system clock or local time zone.
    System,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Option => "option",
            Source::DispatchInfo => "info.csv",
            Source::System => "system",
        })
    }
}

/// The search's `now` and time zone, and where each came from.
#[derive(Debug, Clone)]
pub struct SearchTime {
    /// Epoch seconds.
    pub now: f64,
    /// The time zone.
    pub zone: SearchZone,
    /// Where `now` came from.
    pub now_source: Source,
    /// Where `zone` came from.
    pub zone_source: Source,
}

impl SearchTime {
    /// `relative_time(now, "@d")`: the first instant of the local day containing `now`
    /// (rounded down to a whole second), in epoch seconds.
    ///
    /// # Errors
    ///
    /// [`TzError::NowOutOfRange`] when `now` is not finite or outside the supported range.
    pub fn day_start(&self) -> Result<i64, TzError> {
        self.zone.start_of_day(self.now_secs()?)
    }

    /// `now` rounded down to a whole second.
    ///
    /// # Errors
    ///
    /// [`TzError::NowOutOfRange`] when `now` is not finite or outside the supported range.
    pub fn now_secs(&self) -> Result<i64, TzError> {
        let floor = self.now.floor();
        // Both bounds are exactly representable, so the cast below is exact.
        if floor.is_finite() && (MIN_NOW_SECS as f64..=MAX_NOW_SECS as f64).contains(&floor) {
            Ok(floor as i64)
        } else {
            Err(TzError::NowOutOfRange {
                now: self.now.to_string(),
            })
        }
    }

    /// One line for the INFO message, e.g. `now=1434859155 (from info.csv),
    /// tz=Splunk serialized zone (UTC-07:00 PDT) (from info.csv), today starts at
    /// 2015-06-20T07:00:00Z`.
    pub fn describe(&self) -> String {
        let zone = match self.now_secs() {
            Ok(now) => self.zone.describe_at(now),
            Err(_) => self.zone.describe(),
        };
        let day_start = self
            .day_start()
            .ok()
            .and_then(|secs| jiff::Timestamp::from_second(secs).ok())
            .map_or_else(|| "unknown".to_owned(), |t| t.to_string());
        format!(
            "now={} (from {}), tz={zone} (from {}), today starts at {day_start}",
            self.now, self.now_source, self.zone_source
        )
    }
}

/// Picks `now` and the zone, each independently: the option if given, else info.csv's value
/// if present, else the system's.
pub fn resolve(
    option_now: Option<f64>,
    option_zone: Option<SearchZone>,
    info: Option<&DispatchInfo>,
    system_now: f64,
    system_zone: jiff::tz::TimeZone,
) -> SearchTime {
    let info_now = info.and_then(|i| i.now);
    let info_zone = info.and_then(|i| i.zone.clone());
    let (now, now_source) = match (option_now, info_now) {
        (Some(now), _) => (now, Source::Option),
        (None, Some(now)) => (now, Source::DispatchInfo),
        (None, None) => (system_now, Source::System),
    };
    let (zone, zone_source) = match (option_zone, info_zone) {
        (Some(zone), _) => (zone, Source::Option),
        (None, Some(zone)) => (SearchZone::Serialized(zone), Source::DispatchInfo),
        (None, None) => (SearchZone::System(system_zone), Source::System),
    };
    SearchTime {
        now,
        zone,
        now_source,
        zone_source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::splunk::tz::SerializedZone;
    use jiff::tz::{Offset, TimeZone};

    /// +01:00 all year, abbreviation `CET`.
    const PLUS_ONE: &str = "### SERIALIZED TIMEZONE FORMAT 1.0;Y3600 NW 43 45 54;$";

    fn info(now: Option<f64>, zone: bool) -> DispatchInfo {
        DispatchInfo {
            now,
            zone: zone.then(|| SerializedZone::parse(PLUS_ONE).unwrap()),
        }
    }

    fn system_zone() -> TimeZone {
        TimeZone::fixed(Offset::from_hours(-5).unwrap())
    }

    /// 2024-01-02T03:00:00Z; local days: +09 Tokyo 2024-01-02 (began 2024-01-01T15:00Z),
    /// +01 info 2024-01-02 (began 2024-01-01T23:00Z), -05 system 2024-01-01 (began
    /// 2024-01-01T05:00Z).
    const NOW: f64 = 1_704_164_400.0;

    #[test]
    fn every_priority_combination() {
        let system_now = NOW + 0.75;
        let option_now = NOW + 0.5;
        let info_now = NOW + 0.25;
        for use_option_now in [false, true] {
            for use_option_zone in [false, true] {
                for info_now_present in [false, true] {
                    for info_zone_present in [false, true] {
                        for info_present in [false, true] {
                            let info =
                                info(info_now_present.then_some(info_now), info_zone_present);
                            let time = resolve(
                                use_option_now.then_some(option_now),
                                use_option_zone.then(|| SearchZone::iana("Asia/Tokyo").unwrap()),
                                info_present.then_some(&info),
                                system_now,
                                system_zone(),
                            );
                            let (now, now_source) = if use_option_now {
                                (option_now, Source::Option)
                            } else if info_present && info_now_present {
                                (info_now, Source::DispatchInfo)
                            } else {
                                (system_now, Source::System)
                            };
                            let (day_start, zone_source) = if use_option_zone {
                                (1_704_121_200, Source::Option)
                            } else if info_present && info_zone_present {
                                (1_704_150_000, Source::DispatchInfo)
                            } else {
                                (1_704_085_200, Source::System)
                            };
                            assert_eq!(time.now, now);
                            assert_eq!(time.now_source, now_source);
                            assert_eq!(time.zone_source, zone_source);
                            assert_eq!(time.day_start(), Ok(day_start));
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn describe_names_sources_and_values() {
        let info = info(Some(NOW), true);
        let time = resolve(None, None, Some(&info), 0.0, system_zone());
        assert_eq!(
            time.describe(),
            "now=1704164400 (from info.csv), tz=Splunk serialized zone (UTC+01:00 CET) \
             (from info.csv), today starts at 2024-01-01T23:00:00Z"
        );
        let tz = SearchZone::iana("Asia/Tokyo").unwrap();
        let time = resolve(Some(1.5), Some(tz), None, 0.0, system_zone());
        assert_eq!(
            time.describe(),
            "now=1.5 (from option), tz=Asia/Tokyo (UTC+09:00 JST) (from option), \
             today starts at 1969-12-31T15:00:00Z"
        );
        let time = resolve(None, None, None, NOW, system_zone());
        assert!(time
            .describe()
            .starts_with("now=1704164400 (from system), tz=system zone"));
    }

    #[test]
    fn fractional_and_negative_now_round_down() {
        let utc = || SearchZone::iana("UTC").unwrap();
        let time = resolve(Some(86_399.999), Some(utc()), None, 0.0, TimeZone::UTC);
        assert_eq!(time.day_start(), Ok(0));
        let time = resolve(Some(-0.5), Some(utc()), None, 0.0, TimeZone::UTC);
        assert_eq!(time.now_secs(), Ok(-1));
        assert_eq!(time.day_start(), Ok(-86_400));
    }

    #[test]
    fn unusable_now_is_an_error() {
        for now in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            let time = resolve(Some(now), None, None, 0.0, TimeZone::UTC);
            assert!(
                matches!(time.day_start(), Err(TzError::NowOutOfRange { .. })),
                "{now}"
            );
            assert!(time.describe().contains("tz=system zone"));
        }
    }
}
