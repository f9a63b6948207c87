//! `method=seed` (the default): the ESCU search's rule, exactly as `semantics.md` pins it.
//!
//! A row is an alert when its destination has at least `minimum_data_samples` rows, its value
//! is more than `deviation_threshold` sample standard deviations above both the global average
//! (every numeric row of the run, today's included) and the destination's prior-day average,
//! and it is a row of today. Any null operand fails the row.

use super::backtest::Backtest;
use super::engine::StoredRow;
use super::method::{Day, FieldTexts, Layout, Method, Row};
use super::output::{alert_fields, annotate_fields};
use super::stats::Accumulator;
use super::window::Moments;

/// The seed method's state: its options and the global accumulator.
#[derive(Debug)]
pub(crate) struct Seed {
    threshold: f64,
    minimum_rows: u64,
    value_name: String,
    by_name: String,
    time_name: String,
    global: Accumulator,
    global_stats: Stats,
}

impl Seed {
    /// The rule with threshold `T`, `minimum_data_samples` and the field names of the output.
    pub fn new(threshold: f64, minimum_rows: u64, names: [&str; 3]) -> Seed {
        let [value, by, time] = names;
        Seed {
            threshold,
            minimum_rows,
            value_name: value.to_owned(),
            by_name: by.to_owned(),
            time_name: time.to_owned(),
            global: Accumulator::default(),
            global_stats: Stats::NULL,
        }
    }

    /// The SPL's `where`: all four conditions, any null operand failing the row.
    fn is_alert(&self, x: f64, day: Day, rows: u64, global: Stats, prior: Stats) -> bool {
        let above = |stats: Stats| match (stats.mean, stats.stdev) {
            (Some(mean), Some(stdev)) => x > mean + self.threshold * stdev,
            _ => false,
        };
        rows >= self.minimum_rows && above(global) && above(prior) && day == Day::Today
    }
}

/// One row judged by the seed rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedVerdict {
    x: f64,
    global: Stats,
    rows: Option<u64>,
    prior: Stats,
    alert: bool,
}

impl Method for Seed {
    type Baseline = Accumulator;
    type Verdict = SeedVerdict;

    #[inline]
    fn observe(&mut self, x: f64) {
        self.global.push(x);
    }

    #[inline]
    fn accumulate(&self, baseline: &mut Accumulator, x: f64, _time: f64) {
        baseline.push(x);
    }

    fn prepare(&mut self) {
        self.global_stats = Stats::of(&self.global);
    }

    fn judge(&mut self, baseline: Option<&Accumulator>, row: Row) -> SeedVerdict {
        let prior = baseline.map_or(Stats::NULL, Stats::of);
        let alert = match (row.value, row.rows) {
            (Some(x), Some(rows)) => self.is_alert(x, row.day, rows, self.global_stats, prior),
            _ => false,
        };
        SeedVerdict {
            x: row.value.unwrap_or(f64::NAN),
            global: self.global_stats,
            rows: row.rows,
            prior,
            alert,
        }
    }

    /// The window statistics come from [`Backtest`] itself: nothing more to compute.
    type Windows = ();

    fn windows(&mut self, _: &Backtest, _: &[StoredRow], _: usize) {}

    fn judge_in_window(
        &mut self,
        backtest: &Backtest,
        (): &(),
        i: usize,
        row: &StoredRow,
    ) -> SeedVerdict {
        let baseline = backtest.baseline(i);
        // The row's own day is "today" of its window.
        let day = if baseline.has_day {
            Day::Today
        } else {
            Day::Unknown
        };
        let alert = match (row.value, baseline.samples) {
            (Some(x), Some(rows)) => self.is_alert(x, day, rows, baseline.global, baseline.prior),
            _ => false,
        };
        SeedVerdict {
            x: row.value.unwrap_or(f64::NAN),
            global: baseline.global,
            rows: baseline.samples,
            prior: baseline.prior,
            alert,
        }
    }

    fn is_alert(verdict: &SeedVerdict) -> bool {
        verdict.alert
    }

    fn write(&self, verdict: &SeedVerdict, layout: Layout, out: &mut FieldTexts) {
        let global = verdict.global;
        let prior = verdict.prior;
        let x = verdict.x;
        match layout {
            Layout::Alert => {
                out.shortest(global.mean);
                out.shortest(prior.mean);
                out.rounded(ratio(x, global));
                out.rounded(ratio(x, prior));
            }
            Layout::Annotate => {
                out.shortest(global.mean);
                out.shortest(global.stdev);
                out.count(verdict.rows);
                out.shortest(prior.mean);
                out.shortest(prior.stdev);
                out.rounded(ratio(x, global));
                out.rounded(ratio(x, prior));
            }
        }
    }

    fn field_names(&self, layout: Layout) -> Vec<String> {
        match layout {
            Layout::Alert => {
                alert_fields(&self.value_name, &self.by_name, &self.time_name).split_off(3)
            }
            Layout::Annotate => {
                let mut names = annotate_fields(&self.value_name);
                names.pop(); // is_outlier: the engine's
                names
            }
        }
    }
}

/// Mean and stdev of one accumulator; `None` is a null.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    pub(crate) mean: Option<f64>,
    pub(crate) stdev: Option<f64>,
}

impl Stats {
    pub(crate) const NULL: Stats = Stats {
        mean: None,
        stdev: None,
    };

    fn of(acc: &Accumulator) -> Stats {
        Stats {
            mean: acc.mean(),
            stdev: acc.stdev(),
        }
    }

    pub(crate) fn of_moments(moments: &Moments) -> Stats {
        Stats {
            mean: moments.mean(),
            stdev: moments.stdev(),
        }
    }
}

/// `|x − mean| / stdev`; null for a null operand or a zero stdev (division by zero).
fn ratio(x: f64, stats: Stats) -> Option<f64> {
    match (stats.mean, stats.stdev) {
        (Some(mean), Some(stdev)) if stdev != 0.0 => Some((x - mean).abs() / stdev),
        _ => None,
    }
}
