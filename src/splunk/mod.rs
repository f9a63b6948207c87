//! What Splunk gives a command besides rows: the search's `now` and time zone.
//!
//! - [`info`] parses `<dispatch_dir>/info.csv` (bytes in) into a [`info::DispatchInfo`].
//! - [`tz`] parses Splunk's serialized `_tz`, looks up IANA names, and finds where the local
//!   day of `now` began (`relative_time(now, "@d")`).
//! - [`calendar`] makes a [`tz::SearchZone`] the local calendar of `mode=backtest`.
//! - [`clock`] picks `now` and the zone from options, info.csv or the system, in that order.

pub mod calendar;
pub mod clock;
pub mod info;
pub mod tz;
