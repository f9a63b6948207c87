//! `mode=backtest`: every row judged as the shipped search would have judged it at the end of
//! the row's own local day D, over the rows of `[D − baseline_days, D + 1 day)`.
//!
//! Within D's window the seed's rules apply with D as "today" (semantics.md): the global
//! average and stdev over every numeric row of the window (day D included, rows with an empty
//! `by` included), the host's average and stdev over its numeric rows of the window before D,
//! `num_data_samples` = the host's rows of the window (numeric or not). "D − N days" is the
//! first instant of the local calendar date N days before D's (Splunk's `-30d@d` taken at the
//! end of D), as given by a [`LocalCalendar`] the caller builds from the search's zone.
//!
//! # Algorithm, O(rows · log rows) time
//! 1. Each row's day: the calendar's start of day of `floor(_time)`, cached as intervals
//!    `[start, next start)`, so tstats rows (a handful of midnights) ask the zone once per day.
//!    Distinct days are numbered in time order; day i's window starts at day `lo(i)`, the
//!    first day at or after `start(i) − N days`.
//! 2. Global: one [`Moments`] per day, then a [`SlidingWindow`] over days (push day i, pop the
//!    days before `lo(i)`).
//! 3. Per host: the host's rows sorted by day; one [`SlidingWindow`] over them holds the rows
//!    of days `[lo(i), i)`; `num_data_samples` is the count of rows of days `[lo(i), i]`.
//! 4. Each day's weekday (`baseline=daytype`): the calendar's, of the day's start, so a row's
//!    day type is its own local date's whatever the search's `now`.
//!
//! Memory: the engine's stored rows (as `mode=annotate`) plus, per row, a 24-byte
//! `RowBaseline` and a 4-byte index for the per-host sort; per day, one window summary.

use std::collections::BTreeMap;
use std::fmt;

use super::calendar::weekday_at;
use super::engine::StoredRow;
use super::seed::Stats;
use super::window::{Merge, Moments, SlidingWindow};

/// Local calendar days of the search's time zone, as `mode=backtest` needs them. The caller
/// implements it from its zone (the Splunk command and the CLI from `SearchZone`). `Sync`, so
/// that the engine and `baseline=daytype`'s weekdays share one.
pub trait LocalCalendar: fmt::Debug + Send + Sync {
    /// The first instant (epoch seconds) of the local day containing `t`; `None` when `t` is
    /// outside the calendar's range.
    fn start_of_day(&self, t: i64) -> Option<i64>;
    /// The first instant of the local calendar date `days` after (negative: before) the date
    /// of the day that starts at `day_start`; `None` outside the calendar's range.
    fn start_of_day_shifted(&self, day_start: i64, days: i32) -> Option<i64>;
    /// The weekday (0 = Monday … 6 = Sunday) of the local date at `t`, for
    /// `baseline=daytype`; `None` (the default) takes the UTC date's.
    fn weekday(&self, _t: i64) -> Option<u8> {
        None
    }
}

/// Days of 86,400 seconds from 1970-01-01T00:00:00Z: UTC, the engine's calendar until the
/// caller gives the search's zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct UtcCalendar;

const SECS_PER_DAY: i64 = 86_400;

impl LocalCalendar for UtcCalendar {
    fn start_of_day(&self, t: i64) -> Option<i64> {
        t.div_euclid(SECS_PER_DAY).checked_mul(SECS_PER_DAY)
    }

    fn start_of_day_shifted(&self, day_start: i64, days: i32) -> Option<i64> {
        i64::from(days).checked_mul(SECS_PER_DAY).and_then(|shift| {
            day_start
                .div_euclid(SECS_PER_DAY)
                .checked_mul(SECS_PER_DAY)?
                .checked_add(shift)
        })
    }
}

/// Counts of a `mode=backtest` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BacktestSummary {
    /// Local days that have rows; each is judged.
    pub days_judged: u64,
    /// Fewest alerts of a judged day.
    pub min_alerts_per_day: u64,
    /// Twice the median of the alerts per judged day (the sum of the two middle counts).
    pub twice_median_alerts_per_day: u64,
    /// Most alerts of a judged day.
    pub max_alerts_per_day: u64,
    /// Rows whose numeric time is outside years 1 to 9998: in no day and no window.
    pub rows_out_of_range: u64,
}

impl BacktestSummary {
    /// The counts of a run whose judged days had `alerts` alerts each.
    pub(crate) fn of(mut alerts: Vec<u64>, rows_out_of_range: u64) -> BacktestSummary {
        alerts.sort_unstable();
        let n = alerts.len();
        let middle = |i: usize| alerts.get(i).copied().unwrap_or(0);
        BacktestSummary {
            days_judged: n as u64,
            min_alerts_per_day: middle(0),
            twice_median_alerts_per_day: middle(n.saturating_sub(1) / 2) + middle(n / 2),
            max_alerts_per_day: middle(n.saturating_sub(1)),
            rows_out_of_range,
        }
    }

    /// `rows read N, hosts H, days judged D, alerts A, alerts per day min/median/max a/m/b`.
    pub(crate) fn info(&self, rows_read: u64, hosts: u64, alerts: u64) -> String {
        let per_day = if self.days_judged == 0 {
            "-/-/-".to_owned()
        } else {
            let twice = self.twice_median_alerts_per_day;
            let median = if twice % 2 == 0 {
                (twice / 2).to_string()
            } else {
                format!("{}.5", twice / 2)
            };
            format!(
                "{}/{median}/{}",
                self.min_alerts_per_day, self.max_alerts_per_day
            )
        };
        format!(
            "rows read {rows_read}, hosts {hosts}, days judged {}, alerts {alerts}, \
             alerts per day min/median/max {per_day}",
            self.days_judged
        )
    }

    /// The WARN part about rows outside the calendar, if any.
    pub(crate) fn warning(&self) -> Option<String> {
        let n = self.rows_out_of_range;
        (n > 0).then(|| {
            format!(
                "{n} {} a time outside years 1 to 9998; {} in no day's window",
                if n == 1 { "row has" } else { "rows have" },
                if n == 1 { "it is" } else { "they are" },
            )
        })
    }
}

/// Marks a row that has no day (its time is not numeric or outside the calendar).
const NO_DAY: u32 = u32::MAX;
/// Marks a row without a host (empty `by`), which has no `num_data_samples`.
const NO_HOST: u32 = u32::MAX;

/// What one row's host contributes to its verdict: the host's prior statistics in the row's
/// window (NaN is a null) and its row count there.
#[derive(Debug, Clone, Copy)]
struct RowBaseline {
    prior_mean: f64,
    prior_stdev: f64,
    samples: u32,
    day: u32,
}

impl Default for RowBaseline {
    fn default() -> RowBaseline {
        RowBaseline {
            prior_mean: f64::NAN,
            prior_stdev: f64::NAN,
            samples: NO_HOST,
            day: NO_DAY,
        }
    }
}

/// The statistics one row is judged with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Baseline {
    /// The window's global average and stdev.
    pub global: Stats,
    /// The host's average and stdev over its rows of the window before the row's day.
    pub prior: Stats,
    /// The host's rows in the window; `None` for a row without a host.
    pub samples: Option<u64>,
    /// Whether the row has a day at all (else every statistic is null).
    pub has_day: bool,
}

/// Every row's window statistics, computed once by [`Backtest::compute`].
#[derive(Debug)]
pub(crate) struct Backtest {
    /// Global statistics of each day's window, days in time order.
    days: Vec<Stats>,
    rows: Vec<RowBaseline>,
    /// Rows whose time is numeric but outside the calendar's range.
    out_of_range: u64,
    /// For each day, the first day of its window.
    lo: Vec<u32>,
    /// For each day, whether its local date is a Saturday or a Sunday (`baseline=daytype`).
    weekend: Vec<bool>,
}

/// Day intervals already asked of the calendar: start → (end, day number).
#[derive(Debug, Default)]
struct DayCache {
    known: BTreeMap<i64, (i64, u32)>,
    last: Option<(i64, i64)>,
}

impl DayCache {
    /// The start of the local day containing `second`, asking the calendar only for a day
    /// not seen yet.
    fn start_of(&mut self, calendar: &dyn LocalCalendar, second: i64) -> Option<i64> {
        if let Some((start, end)) = self.last {
            if (start..end).contains(&second) {
                return Some(start);
            }
        }
        if let Some((&start, &(end, _))) = self.known.range(..=second).next_back() {
            if second < end {
                self.last = Some((start, end));
                return Some(start);
            }
        }
        let start = calendar.start_of_day(second)?;
        let end = calendar
            .start_of_day_shifted(start, 1)
            .filter(|&end| end > second)
            .unwrap_or(second.saturating_add(1));
        // A day seen before from another second keeps its (longer) interval.
        let end = self
            .known
            .get(&start)
            .map_or(end, |&(known, _)| known.max(end));
        self.known.insert(start, (end, 0));
        self.last = Some((start, end));
        Some(start)
    }

    /// Numbers the days seen in time order; returns their starts.
    fn number_days(&mut self) -> Vec<i64> {
        let mut starts = Vec::with_capacity(self.known.len());
        for (i, (&start, entry)) in self.known.iter_mut().enumerate() {
            entry.1 = u32::try_from(i).unwrap_or(NO_DAY);
            starts.push(start);
        }
        starts
    }

    fn number_of(&self, start: i64) -> u32 {
        self.known.get(&start).map_or(NO_DAY, |&(_, i)| i)
    }
}

/// The whole second a numeric time falls in, if an `i64` holds it.
fn second_of(time: f64) -> Option<i64> {
    let floor = time.floor();
    // 2^62 is far outside any calendar; the bound keeps the conversion exact.
    #[allow(clippy::cast_possible_truncation)]
    (floor.abs() < 4.6e18).then_some(floor as i64)
}

impl Backtest {
    /// Computes every row's window statistics: `rows` in input order, `hosts` distinct hosts
    /// (the rows' host indexes are below it), windows of `baseline_days` days before each day.
    pub(crate) fn compute(
        rows: &[StoredRow],
        hosts: usize,
        calendar: &dyn LocalCalendar,
        baseline_days: u32,
    ) -> Backtest {
        let mut cache = DayCache::default();
        let mut out_of_range = 0;
        // Pass 1: every day that has a row.
        for row in rows {
            if let Some(time) = row.time() {
                if second_of(time)
                    .and_then(|s| cache.start_of(calendar, s))
                    .is_none()
                {
                    out_of_range += 1;
                }
            }
        }
        let starts = cache.number_days();
        // Pass 2: each row's day number.
        let mut baselines: Vec<RowBaseline> = rows
            .iter()
            .map(|row| {
                let day = row
                    .time()
                    .and_then(second_of)
                    .and_then(|s| cache.start_of(calendar, s))
                    .map_or(NO_DAY, |start| cache.number_of(start));
                RowBaseline {
                    day,
                    ..RowBaseline::default()
                }
            })
            .collect();
        drop(cache);
        let lo = window_starts(&starts, calendar, baseline_days);
        let days = global_windows(rows, &baselines, &lo, starts.len());
        host_windows(rows, &mut baselines, &lo, hosts);
        let weekend = starts
            .iter()
            .map(|&start| weekday_at(calendar, start) >= 5)
            .collect();
        Backtest {
            days,
            rows: baselines,
            out_of_range,
            lo,
            weekend,
        }
    }

    /// The statistics row `i` (input order) is judged with.
    pub(crate) fn baseline(&self, i: usize) -> Baseline {
        let row = self.rows.get(i).copied().unwrap_or_default();
        let Some(&global) = usize::try_from(row.day).ok().and_then(|d| self.days.get(d)) else {
            return Baseline {
                global: Stats::NULL,
                prior: Stats::NULL,
                samples: None,
                has_day: false,
            };
        };
        let some = |x: f64| (!x.is_nan()).then_some(x);
        Baseline {
            global,
            prior: Stats {
                mean: some(row.prior_mean),
                stdev: some(row.prior_stdev),
            },
            samples: (row.samples != NO_HOST).then_some(u64::from(row.samples)),
            has_day: true,
        }
    }

    /// The day number of row `i`, if it has a day.
    pub(crate) fn day_of(&self, i: usize) -> Option<usize> {
        let day = self.rows.get(i)?.day;
        (day != NO_DAY).then(|| usize::try_from(day).ok())?
    }

    /// The first day of day `day`'s window (days numbered in time order).
    pub(crate) fn window_start(&self, day: usize) -> usize {
        self.lo.get(day).map_or(0, |&lo| lo as usize)
    }

    /// Whether day `day`'s local date is a Saturday or a Sunday.
    pub(crate) fn is_weekend(&self, day: usize) -> bool {
        self.weekend.get(day).copied().unwrap_or(false)
    }

    /// How many days have rows (each is judged).
    pub(crate) fn days(&self) -> usize {
        self.days.len()
    }

    /// Rows whose time is numeric but outside the calendar's range (years 1 to 9998).
    pub(crate) fn out_of_range(&self) -> u64 {
        self.out_of_range
    }
}

/// For each day, the first day of its window: the first day at or after `start − N days`.
/// Never decreasing, so the windows can slide.
fn window_starts(starts: &[i64], calendar: &dyn LocalCalendar, baseline_days: u32) -> Vec<u32> {
    let back = -i32::try_from(baseline_days).unwrap_or(i32::MAX);
    let mut previous = 0;
    starts
        .iter()
        .map(|&start| {
            let first = calendar
                .start_of_day_shifted(start, back)
                .unwrap_or(i64::MIN);
            let lo = u32::try_from(starts.partition_point(|&s| s < first))
                .unwrap_or(NO_DAY)
                .max(previous);
            previous = lo;
            lo
        })
        .collect()
}

/// The global statistics of each day's window.
fn global_windows(
    rows: &[StoredRow],
    baselines: &[RowBaseline],
    lo: &[u32],
    days: usize,
) -> Vec<Stats> {
    let mut buckets = vec![Moments::default(); days];
    for (row, baseline) in rows.iter().zip(baselines) {
        if let (Some(x), Some(bucket)) = (row.value, buckets.get_mut(baseline.day as usize)) {
            *bucket = bucket.merge(&Moments::of(x));
        }
    }
    let mut window = SlidingWindow::default();
    let mut first = 0;
    buckets
        .iter()
        .zip(lo)
        .map(|(bucket, &lo)| {
            window.push(*bucket);
            while first < lo {
                window.pop();
                first += 1;
            }
            Stats::of_moments(&window.summary())
        })
        .collect()
}

/// Fills each row's host statistics: rows grouped by host, sorted by day, one sliding window
/// per host over the days before the row's.
fn host_windows(rows: &[StoredRow], baselines: &mut [RowBaseline], lo: &[u32], hosts: usize) {
    // Counting sort of the row numbers by host, then each host's rows by day.
    let host_of = |row: &StoredRow, baseline: &RowBaseline| {
        row.host.filter(|&h| h < hosts && baseline.day != NO_DAY)
    };
    let mut offsets = vec![0usize; hosts + 1];
    for (row, baseline) in rows.iter().zip(baselines.iter()) {
        if let Some(h) = host_of(row, baseline) {
            offsets[h + 1] += 1;
        }
    }
    for h in 0..hosts {
        offsets[h + 1] += offsets[h];
    }
    let mut order = vec![0u32; offsets[hosts]];
    let mut next = offsets.clone();
    for (i, (row, baseline)) in rows.iter().zip(baselines.iter()).enumerate() {
        if let Some(h) = host_of(row, baseline) {
            order[next[h]] = u32::try_from(i).unwrap_or(u32::MAX);
            next[h] += 1;
        }
    }
    drop(next);
    let mut window = SlidingWindow::default();
    let mut days = Vec::new();
    for h in 0..hosts {
        let group = &mut order[offsets[h]..offsets[h + 1]];
        let day = |r: &u32| baselines.get(*r as usize).map_or(NO_DAY, |b| b.day);
        group.sort_by_key(day);
        days.clear();
        days.extend(group.iter().map(day));
        judge_host(group, &days, rows, baselines, lo, &mut window);
    }
}

/// One host's rows (row numbers sorted by day, and their days): each day's rows get the
/// host's window of the days before.
fn judge_host(
    group: &[u32],
    days: &[u32],
    rows: &[StoredRow],
    baselines: &mut [RowBaseline],
    lo: &[u32],
    window: &mut SlidingWindow<Moments>,
) {
    window.clear();
    let value = |r: u32| rows.get(r as usize).and_then(|row| row.value);
    // group[popped..pushed] are in the window; group[pushed..] are not yet.
    let (mut pushed, mut popped) = (0, 0);
    let mut start = 0;
    while let Some(&today) = days.get(start) {
        let end = start + days[start..].partition_point(|&d| d == today);
        let first_day = lo.get(today as usize).copied().unwrap_or(0);
        while pushed < start {
            window.push(value(group[pushed]).map_or_else(Moments::default, Moments::of));
            pushed += 1;
        }
        while popped < pushed && days[popped] < first_day {
            window.pop();
            popped += 1;
        }
        // The window holds the prior rows group[popped..start]; today's are group[start..end].
        let prior = Stats::of_moments(&window.summary());
        let samples = u32::try_from(end - popped).unwrap_or(NO_HOST - 1);
        for &r in &group[start..end] {
            if let Some(baseline) = baselines.get_mut(r as usize) {
                baseline.prior_mean = prior.mean.unwrap_or(f64::NAN);
                baseline.prior_stdev = prior.stdev.unwrap_or(f64::NAN);
                baseline.samples = samples;
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests;
