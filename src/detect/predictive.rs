//! `method=predictive`: a one-sided prediction interval on the log scale, per destination.
//!
//! # The rule
//! For a destination, `y = ln(1 + max(x, 0))` of each prior-day numeric value `x` (the rows
//! the seed's per-destination statistics use: time before the start of today; a negative
//! byte count counts as 0). With `n` such values of mean `m` and sample standard deviation
//! `s`, the upper bound is
//!
//! ```text
//! U = m + t⁻¹(1 − fpr; n − 1) · max(s, S_MIN) · √(1 + 1/n)
//! ```
//!
//! and a row of today is an alert when `ln(1 + x) > U`, the destination has
//! `num_data_samples ≥ minimum_data_samples` (its rows, today's included) and
//! `x ≥ min_bytes`. If the prior `y` are independent normal draws and today's `y` is one
//! more, `P(y > U) = fpr` exactly (with `s ≥ S_MIN`; the floor only lowers it).
//!
//! - **Fewer than 2 prior values**: Student's t with 0 degrees of freedom does not exist, so
//!   such a row gets no verdict: empty `typical_`, `upper_` and `p_value`, never an alert.
//! - **`S_MIN` = 0.1** ([`S_MIN`]): a floor on `s` (ln units, ≈ 10 % day-to-day variation).
//!   A destination whose prior days are all equal has `s = 0`, which would make every extra
//!   byte an alert; with the floor it alerts only on a day about `e^(q·0.1)` times its
//!   constant (+41 % at fpr 0.001 with 29 prior days, about +54 % at fpr 0.0001).
//! - **Masking** ([`K`] = 5): a multi-day exfiltration would otherwise raise `m` and `s` so
//!   much that its later days pass (three 50× days among 29 lift the plain bound above
//!   them). Each destination keeps its `K` largest prior `y`. For `j = 1 … K`, the test bound
//!   `V_j` is the bound at tail probability `fpr / n` (Bonferroni over the `n` prior days, so
//!   that an ordinary host loses a day with probability about `fpr`) computed without the `j`
//!   largest prior values; if the `j`-th largest exceeds `V_j`, the `j` largest are outliers.
//!   The largest such `j` is left out: `n` becomes `n − j` (so `t` has `n − j − 1` degrees of
//!   freedom), `m` and `s` are recomputed once without them, and the bound at `fpr` from
//!   those is final. When no `j` qualifies the plain `U` is final. A removal that would leave
//!   fewer than 2 values is not considered. At most `K` prior days are ever left out;
//!   `num_data_samples` still counts rows, so `minimum_data_samples` does not change meaning.
//! - **`baseline=daytype`**: a weekday row is judged against the destination's prior weekdays
//!   and a weekend row (local Saturday, Sunday in the search's zone) against its prior
//!   weekends; when fewer than `max(minimum_data_samples − 1, 2)` prior values of that type
//!   exist, against all its prior values.
//! - `typical_<value>` is `e^m − 1`, `upper_<value>` is `e^U − 1` (both rounded to whole
//!   bytes), `p_value` is `P(T > (y − m)/(max(s, S_MIN)·√(1 + 1/n)))` for `T` ~ Student's t
//!   with `n − 1` degrees of freedom (statrs' `sf`).
//!
//! - `mode=backtest`: the same rule for every row as of the end of its own day, over its
//!   host's prior rows in the row's window: a [`SlidingWindow`] of mergeable summaries (the
//!   window's [`Moments`] of `y` and its `K` largest), O(K) per row pushed or popped.
//!
//! Memory per destination: the count, the sums of `y − c` and `(y − c)²` with `c` its first
//! `y` (the shift keeps the variance well conditioned), and the `K` largest `y`; twice that
//! with `daytype`.

use hashbrown::HashMap;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::backtest::Backtest;
use super::calendar::Calendar;
use super::engine::StoredRow;
use super::method::{Day, FieldTexts, Layout, Method, Row};
use super::output::predictive_fields;
use super::window::{Merge, Moments, SlidingWindow};

/// Largest prior values kept per destination (and day type) for the masking rule.
pub const K: usize = 5;
/// Floor on the standard deviation of `ln(1 + bytes)`.
pub const S_MIN: f64 = 0.1;
/// Degrees of freedom beyond which the t quantile is taken at this value.
pub const MAX_DF: u64 = 100_000;
/// Smallest tail probability a quantile is computed for (the masking test's `fpr / n`).
pub const MIN_LEVEL: f64 = 1e-20;

/// Count, shifted sums and the `K` largest values of one set of prior `y`.
#[derive(Debug, Clone, Copy)]
struct Logs {
    n: u64,
    sum: f64,
    sum_squares: f64,
    /// Descending; `-∞` where fewer than `K` values exist.
    top: [f64; K],
}

impl Default for Logs {
    fn default() -> Logs {
        Logs {
            n: 0,
            sum: 0.0,
            sum_squares: 0.0,
            top: [f64::NEG_INFINITY; K],
        }
    }
}

impl Logs {
    #[inline]
    fn push(&mut self, y: f64, shift: f64) {
        let d = y - shift;
        self.n += 1;
        self.sum += d;
        self.sum_squares += d * d;
        if y > self.top[K - 1] {
            self.insert(y);
        }
    }

    fn insert(&mut self, y: f64) {
        let mut i = K - 1;
        while i > 0 && self.top[i - 1] < y {
            self.top[i] = self.top[i - 1];
            i -= 1;
        }
        self.top[i] = y;
    }

    /// The union of two sets of values (same shift).
    fn merged(&self, other: &Logs) -> Logs {
        let mut both = Logs {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            sum_squares: self.sum_squares + other.sum_squares,
            top: self.top,
        };
        for &y in &other.top {
            if y > both.top[K - 1] {
                both.insert(y);
            }
        }
        both
    }
}

/// One destination's prior values: one [`Logs`] per day type (`T` = 1 or 2).
#[derive(Debug, Clone)]
pub(crate) struct Baseline<const T: usize> {
    /// The first `y` of the destination (NaN before it).
    shift: f64,
    parts: [Logs; T],
}

impl<const T: usize> Default for Baseline<T> {
    fn default() -> Self {
        Baseline {
            shift: f64::NAN,
            parts: [Logs::default(); T],
        }
    }
}

/// The fitted model of one row: the bound and what the output prints.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fit {
    n: u64,
    mean: f64,
    /// `max(s, S_MIN) · √(1 + 1/n)`.
    scale: f64,
    upper: f64,
}

/// The predictive method's options and caches; `T` = 1 (`baseline=all`) or 2 (`daytype`).
#[derive(Debug)]
pub(crate) struct Predictive<const T: usize> {
    fpr: f64,
    min_bytes: f64,
    minimum_rows: u64,
    /// Prior values of the row's day type needed to use them alone.
    minimum_same_type: u64,
    calendar: Calendar,
    value_name: String,
    /// `t⁻¹(1 − level; df)` by `(df, level bits)`, filled when first needed.
    quantiles: HashMap<(u64, u64), f64, foldhash::fast::FixedState>,
    /// Today's rows that got a bound and pass `minimum_data_samples`.
    judged: u64,
}

impl<const T: usize> Predictive<T> {
    /// The rule with its options; `calendar` classifies days when `T` = 2.
    pub fn new(
        fpr: f64,
        min_bytes: f64,
        minimum_rows: u64,
        calendar: Calendar,
        value_name: &str,
    ) -> Self {
        Predictive {
            fpr,
            min_bytes,
            minimum_rows,
            minimum_same_type: minimum_rows.saturating_sub(1).max(2),
            calendar,
            value_name: value_name.to_owned(),
            quantiles: HashMap::with_hasher(foldhash::fast::FixedState::default()),
            judged: 0,
        }
    }

    /// The local days whose weekends `baseline=daytype` tells apart.
    pub fn set_calendar(&mut self, calendar: Calendar) {
        self.calendar = calendar;
    }

    /// `t⁻¹(1 − level)` with `df ≥ 1` degrees of freedom, cached by `(df, level)`.
    ///
    /// statrs 0.19's `inverse_cdf` (through `inv_beta_reg`) is accurate to about 1e-6 of the
    /// tail for 2 ≤ df ≤ 10⁵ and levels down to 1e-20, but not beyond (measured: with 1 degree
    /// of freedom it stops growing near 9.2e7, a tail of 3.5e-9; with 10⁷ the tail is 10 % off
    /// at 0.077; near 1e-300 it panics). So: df = 1 uses the Cauchy closed form, df is capped
    /// at [`MAX_DF`] (t with 10⁵ degrees of freedom is within 1e-5 of any larger one), and the
    /// level is at least [`MIN_LEVEL`] (the options allow fpr ≥ 1e-12).
    fn quantile(&mut self, df: u64, level: f64) -> Option<f64> {
        let df = df.min(MAX_DF);
        let level = level.max(MIN_LEVEL);
        let key = (df, level.to_bits());
        if let Some(&q) = self.quantiles.get(&key) {
            return Some(q);
        }
        // −t⁻¹(level) rather than t⁻¹(1 − level): 1 − level rounds away a small level's digits.
        #[allow(clippy::cast_precision_loss)]
        let q = if df == 1 {
            // tan(π(1/2 − level)) = 1 / tan(π · level), without the rounding of 1/2 − level.
            // Not statrs' `Cauchy::inverse_cdf` (the same distribution): it computes
            // tan(π(p − 1/2)) and so loses `level`'s digits — measured against this closed form,
            // 5.5e-8 relative at 1e-9, 1.4e-5 at 1e-12, 0.38 at 1e-16 and 1.0 at 1e-20, a
            // masking level this method reaches (fpr / n).
            1.0 / (std::f64::consts::PI * level).tan()
        } else {
            -StudentsT::new(0.0, 1.0, df as f64).ok()?.inverse_cdf(level)
        };
        if !q.is_finite() {
            return None;
        }
        self.quantiles.insert(key, q);
        Some(q)
    }

    /// The bound at `fpr` from `n ≥ 2` values with shifted sums `sum`, `sum_squares`.
    fn fit(&mut self, shift: f64, n: u64, sum: f64, sum_squares: f64) -> Option<Fit> {
        self.fit_at(self.fpr, shift, n, sum, sum_squares)
    }

    /// The bound at tail probability `level`.
    fn fit_at(
        &mut self,
        level: f64,
        shift: f64,
        n: u64,
        sum: f64,
        sum_squares: f64,
    ) -> Option<Fit> {
        if n < 2 {
            return None;
        }
        #[allow(clippy::cast_precision_loss)]
        let count = n as f64;
        let mean_d = sum / count;
        let variance = (sum_squares - sum * mean_d).max(0.0) / (count - 1.0);
        let s = variance.sqrt().max(S_MIN);
        let scale = s * (1.0 + 1.0 / count).sqrt();
        let q = self.quantile(n - 1, level)?;
        let mean = shift + mean_d;
        Some(Fit {
            n,
            mean,
            scale,
            upper: mean + q * scale,
        })
    }

    /// The final bound of `logs`: the plain one, or the one without the `j` largest values
    /// (see the module doc).
    fn robust_fit(&mut self, shift: f64, logs: &Logs) -> Option<Fit> {
        let plain = self.fit(shift, logs.n, logs.sum, logs.sum_squares)?;
        #[allow(clippy::cast_precision_loss)]
        let outlier_level = self.fpr / logs.n as f64;
        let mut chosen = None;
        let (mut n, mut sum, mut sum_squares) = (logs.n, logs.sum, logs.sum_squares);
        for &y in &logs.top {
            if y == f64::NEG_INFINITY || n <= 2 {
                break;
            }
            let d = y - shift;
            n -= 1;
            sum -= d;
            sum_squares -= d * d;
            if let Some(test) = self.fit_at(outlier_level, shift, n, sum, sum_squares) {
                if y > test.upper {
                    chosen = Some((n, sum, sum_squares));
                }
            }
        }
        match chosen {
            Some((n, sum, sum_squares)) => self.fit(shift, n, sum, sum_squares),
            None => Some(plain),
        }
    }

    /// One stored row as a window summary: its `y` in its day type's part, or nothing.
    fn summary_of(row: Option<&StoredRow>, weekend: bool) -> WindowParts<T> {
        let mut parts = WindowParts::<T>::default();
        if let Some(x) = row.and_then(|r| r.value) {
            let y = log_bytes(x);
            let part = if T == 1 { 0 } else { usize::from(weekend) };
            if let Some(part) = parts.0.get_mut(part) {
                part.moments = Moments::of(y);
                part.top[0] = y;
            }
        }
        parts
    }

    /// The bound of a row of a weekend day or not from its window: its own type's, or all
    /// when too few.
    fn window_fit(&mut self, window: &WindowParts<T>, weekend: bool) -> Option<Fit> {
        let all = window
            .0
            .iter()
            .fold(WindowPart::default(), |all, part| all.merge(part));
        let chosen = match window.0.get(usize::from(weekend)) {
            Some(same) if T == 2 && same.moments.count() >= self.minimum_same_type => *same,
            _ => all,
        };
        let (shift, logs) = chosen.logs()?;
        self.robust_fit(shift, &logs)
    }

    /// The values a row is judged against: its day type's, or all when too few.
    fn logs_for(&self, baseline: &Baseline<T>, row: &Row) -> Logs {
        if T == 1 {
            return baseline.parts.first().copied().unwrap_or_default();
        }
        let all = baseline
            .parts
            .iter()
            .fold(Logs::default(), |all, part| all.merged(part));
        let Some(time) = row.time else {
            return all;
        };
        let part = usize::from(self.calendar.is_weekend(time));
        match baseline.parts.get(part) {
            Some(same) if same.n >= self.minimum_same_type => *same,
            _ => all,
        }
    }
}

/// `mode=backtest`'s summary of some prior `y` of one day type: mergeable, so a
/// [`SlidingWindow`] keeps it for a host's window (Moments: double-double sum and Chan's M2).
#[derive(Debug, Clone, Copy)]
struct WindowPart {
    moments: Moments,
    top: [f64; K],
}

impl Default for WindowPart {
    fn default() -> WindowPart {
        WindowPart {
            moments: Moments::default(),
            top: [f64::NEG_INFINITY; K],
        }
    }
}

impl Merge for WindowPart {
    fn merge(&self, later: &WindowPart) -> WindowPart {
        let mut logs = Logs {
            top: self.top,
            ..Logs::default()
        };
        for &y in &later.top {
            if y > logs.top[K - 1] {
                logs.insert(y);
            }
        }
        WindowPart {
            moments: self.moments.merge(&later.moments),
            top: logs.top,
        }
    }
}

impl WindowPart {
    /// As [`Logs`] shifted by the mean (so the shifted sum is 0 and the squares are M2).
    fn logs(&self) -> Option<(f64, Logs)> {
        let n = self.moments.count();
        let mean = self.moments.mean()?;
        #[allow(clippy::cast_precision_loss)]
        let m2 = self
            .moments
            .stdev()
            .map_or(0.0, |s| s * s * (n.max(1) - 1) as f64);
        Some((
            mean,
            Logs {
                n,
                sum: 0.0,
                sum_squares: m2,
                top: self.top,
            },
        ))
    }
}

/// One summary per day type.
#[derive(Debug, Clone, Copy)]
struct WindowParts<const T: usize>([WindowPart; T]);

impl<const T: usize> Default for WindowParts<T> {
    fn default() -> Self {
        WindowParts([WindowPart::default(); T])
    }
}

impl<const T: usize> Merge for WindowParts<T> {
    fn merge(&self, later: &Self) -> Self {
        let mut parts = self.0;
        for (part, other) in parts.iter_mut().zip(&later.0) {
            *part = part.merge(other);
        }
        WindowParts(parts)
    }
}

/// One row judged by the predictive rule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PredictiveVerdict {
    rows: Option<u64>,
    y: f64,
    fit: Option<Fit>,
    alert: bool,
}

impl<const T: usize> Method for Predictive<T> {
    type Baseline = Baseline<T>;
    type Verdict = PredictiveVerdict;

    #[inline]
    fn accumulate(&self, baseline: &mut Baseline<T>, x: f64, time: f64) {
        let y = log_bytes(x);
        if baseline.shift.is_nan() {
            baseline.shift = y;
        }
        let part = if T == 1 {
            0
        } else {
            usize::from(self.calendar.is_weekend(time))
        };
        if let Some(logs) = baseline.parts.get_mut(part) {
            logs.push(y, baseline.shift);
        }
    }

    fn judge(&mut self, baseline: Option<&Baseline<T>>, row: Row) -> PredictiveVerdict {
        let mut verdict = PredictiveVerdict {
            rows: row.rows,
            y: f64::NAN,
            fit: None,
            alert: false,
        };
        let (Some(baseline), Some(x), Some(rows)) = (baseline, row.value, row.rows) else {
            return verdict;
        };
        verdict.y = log_bytes(x);
        let logs = self.logs_for(baseline, &row);
        verdict.fit = self.robust_fit(baseline.shift, &logs);
        if let Some(fit) = verdict.fit {
            if row.day == Day::Today && rows >= self.minimum_rows {
                self.judged += 1;
                verdict.alert = x >= self.min_bytes && verdict.y > fit.upper;
            }
        }
        verdict
    }

    fn is_alert(verdict: &PredictiveVerdict) -> bool {
        verdict.alert
    }

    /// Each row's bound over its host's prior days in its window.
    type Windows = Vec<Option<Fit>>;

    fn windows(
        &mut self,
        backtest: &Backtest,
        rows: &[StoredRow],
        hosts: usize,
    ) -> Vec<Option<Fit>> {
        let mut fits = vec![None; rows.len()];
        // Row numbers of rows with a host and a day, by host then day (input order within).
        let key = |i: usize| {
            let row = rows.get(i)?;
            let host = row.host.filter(|&h| h < hosts)?;
            Some((host, backtest.day_of(i)?))
        };
        let mut order: Vec<(usize, usize, usize)> = (0..rows.len())
            .filter_map(|i| key(i).map(|(host, day)| (host, day, i)))
            .collect();
        order.sort_unstable();
        let mut window = SlidingWindow::<WindowParts<T>>::default();
        for group in order.chunk_by(|a, b| a.0 == b.0) {
            window.clear();
            // group[popped..pushed] are in the window; group[pushed..] are not yet.
            let (mut pushed, mut popped, mut start) = (0, 0, 0);
            while let Some(&(_, today, _)) = group.get(start) {
                let end = start + group[start..].partition_point(|g| g.1 == today);
                while pushed < start {
                    let (_, day, i) = group[pushed];
                    window.push(Self::summary_of(rows.get(i), backtest.is_weekend(day)));
                    pushed += 1;
                }
                let first_day = backtest.window_start(today);
                while popped < pushed && group[popped].1 < first_day {
                    window.pop();
                    popped += 1;
                }
                let summary = window.summary();
                let weekend = backtest.is_weekend(today);
                for &(_, _, i) in &group[start..end] {
                    if let Some(fit) = fits.get_mut(i) {
                        *fit = self.window_fit(&summary, weekend);
                    }
                }
                start = end;
            }
        }
        fits
    }

    fn judge_in_window(
        &mut self,
        backtest: &Backtest,
        windows: &Vec<Option<Fit>>,
        i: usize,
        row: &StoredRow,
    ) -> PredictiveVerdict {
        let baseline = backtest.baseline(i);
        let fit = windows.get(i).copied().flatten();
        let mut verdict = PredictiveVerdict {
            rows: baseline.samples,
            y: row.value.map_or(f64::NAN, log_bytes),
            fit,
            alert: false,
        };
        if let (Some(fit), Some(x), Some(rows), true) =
            (fit, row.value, baseline.samples, baseline.has_day)
        {
            if rows >= self.minimum_rows {
                self.judged += 1;
                verdict.alert = x >= self.min_bytes && verdict.y > fit.upper;
            }
        }
        verdict
    }

    fn write(&self, verdict: &PredictiveVerdict, _layout: Layout, out: &mut FieldTexts) {
        let fit = verdict.fit;
        out.bytes(fit.map(|f| f.mean.exp_m1()));
        out.bytes(fit.map(|f| f.upper.exp_m1()));
        out.p_value(fit.and_then(|f| p_value(verdict.y, &f)));
        out.count(verdict.rows);
    }

    fn field_names(&self, _layout: Layout) -> Vec<String> {
        predictive_fields(&self.value_name)
    }

    fn note(&self) -> Option<String> {
        // (In mode=backtest every row with a day is "today" of its own window.)
        #[allow(clippy::cast_precision_loss)]
        let expected = self.judged as f64 * self.fpr;
        Some(format!(
            "method=predictive fpr={}: {} {} judged, so about {expected:.2} false alerts expected under the model (judged × fpr){}",
            self.fpr,
            self.judged,
            if self.judged == 1 { "row" } else { "rows" },
            if T == 2 { ", baseline=daytype" } else { "" }
        ))
    }
}

/// `y = ln(1 + max(x, 0))`. `ln` of `1 + x` rather than `ln_1p(x)`: `1 + x` is exact for
/// whole byte counts below 2^53, and `log` is about twice as fast as `log1p` (20 vs 39 ns a
/// value measured on the project VM).
#[inline]
pub(crate) fn log_bytes(x: f64) -> f64 {
    (1.0 + x.max(0.0)).ln()
}

/// `P(T > (y − m)/scale)` for Student's t with `n − 1` degrees of freedom.
fn p_value(y: f64, fit: &Fit) -> Option<f64> {
    let t = (y - fit.mean) / fit.scale;
    if t.is_nan() {
        return None;
    }
    // Capped like the quantile's (see `Predictive::quantile`).
    #[allow(clippy::cast_precision_loss)]
    let df = (fit.n - 1).min(MAX_DF) as f64;
    StudentsT::new(0.0, 1.0, df).ok().map(|d| d.sf(t))
}

#[cfg(test)]
mod tests;
