//! The seam between the engine and a detection method.
//!
//! A **method** judges one destination's row against the baseline built from that
//! destination's prior-day rows ([`seed`](super::seed): the SPL's `avg + T·stdev` rule;
//! [`predictive`](super::predictive): a prediction interval on the log scale). The engine and
//! the modes (which rows come out) only call the [`Method`] trait: the engine feeds every
//! numeric value to [`observe`](Method::observe) and every prior-day numeric value of a
//! destination to [`accumulate`](Method::accumulate); after the last row it calls
//! [`prepare`](Method::prepare) once, then [`judge`](Method::judge) for each row it may print
//! and [`write`](Method::write) for each row it does print.

use super::backtest::Backtest;
use super::engine::StoredRow;
use super::output::{write_p_value, write_rounded2, write_shortest};

/// Where a row's time falls relative to the start of today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Day {
    /// At or after the start of today.
    Today,
    /// Before the start of today.
    Prior,
    /// The time is not numeric.
    Unknown,
}

/// Which set of computed fields a row gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// An alert row: the input's `by`, `time` and `value`, then the method's alert fields.
    Alert,
    /// An annotated row: all input fields, the method's annotate fields, then `is_outlier`.
    Annotate,
}

/// What the engine knows of a row when it asks for a verdict.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// The value, when numeric.
    pub value: Option<f64>,
    /// The time in epoch seconds, when numeric.
    pub time: Option<f64>,
    /// Today, prior, or unknown.
    pub day: Day,
    /// The destination's row count (`num_data_samples`); `None` for a row without one.
    pub rows: Option<u64>,
}

/// How one host's row is judged; see the module doc.
pub(crate) trait Method {
    /// What the method keeps of one destination's prior values.
    type Baseline: Default + Clone + std::fmt::Debug;
    /// The judgement of one row, enough to print its fields.
    type Verdict: Copy;

    /// Every numeric value of the run, in input order (the seed's global statistics).
    #[inline]
    fn observe(&mut self, _x: f64) {}

    /// One numeric value of a destination's prior day, `time` its numeric time.
    fn accumulate(&self, baseline: &mut Self::Baseline, x: f64, time: f64);

    /// Called once after the last row, before the first [`judge`](Method::judge).
    fn prepare(&mut self) {}

    /// Judges `row` of a destination with `baseline` (`None`: the row has no destination).
    fn judge(&mut self, baseline: Option<&Self::Baseline>, row: Row) -> Self::Verdict;

    /// What `mode=backtest` computes once from all stored rows, beside [`Backtest`]'s windows.
    type Windows;

    /// `mode=backtest`: computes each row's window baseline (`backtest` numbers the days and
    /// gives each day's window and the seed's window statistics; `hosts` bounds the rows'
    /// host indexes).
    fn windows(&mut self, backtest: &Backtest, rows: &[StoredRow], hosts: usize) -> Self::Windows;

    /// `mode=backtest`: judges stored row `i` as of the end of its own day, over its window.
    fn judge_in_window(
        &mut self,
        backtest: &Backtest,
        windows: &Self::Windows,
        i: usize,
        row: &StoredRow,
    ) -> Self::Verdict;

    /// Whether the verdict makes the row an alert.
    fn is_alert(verdict: &Self::Verdict) -> bool;

    /// Appends the computed fields of `layout` for `verdict` to `out`, one per name of
    /// [`field_names`](Method::field_names).
    fn write(&self, verdict: &Self::Verdict, layout: Layout, out: &mut FieldTexts);

    /// Names of the computed fields of `layout` (without `is_outlier`).
    fn field_names(&self, layout: Layout) -> Vec<String>;

    /// A sentence for the INFO message after the run (the predictive method's expected false
    /// alerts); `None` adds nothing.
    fn note(&self) -> Option<String> {
        None
    }
}

/// The computed fields of one output row as texts in one reused buffer.
#[derive(Debug, Default)]
pub(crate) struct FieldTexts {
    text: Vec<u8>,
    ends: Vec<usize>,
}

impl FieldTexts {
    /// Forgets the fields of the previous row (keeps the buffers).
    pub fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn end(&mut self) {
        self.ends.push(self.text.len());
    }

    /// The shortest round-trip decimal; `None` or a non-finite value is an empty field.
    pub fn shortest(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            write_shortest(&mut self.text, x);
        }
        self.end();
    }

    /// `round(x, 2)` with two decimals; `None` is an empty field.
    pub fn rounded(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            write_rounded2(&mut self.text, x);
        }
        self.end();
    }

    /// A count; `None` is an empty field.
    pub fn count(&mut self, n: Option<u64>) {
        if let Some(n) = n {
            use std::io::Write as _;
            let _ = write!(self.text, "{n}");
        }
        self.end();
    }

    /// A byte count rounded to a whole number; `None` or a non-finite value is empty.
    pub fn bytes(&mut self, x: Option<f64>) {
        if let Some(x) = x {
            write_shortest(&mut self.text, x.round());
        }
        self.end();
    }

    /// A probability, see [`write_p_value`]; `None` is an empty field.
    pub fn p_value(&mut self, p: Option<f64>) {
        if let Some(p) = p {
            write_p_value(&mut self.text, p);
        }
        self.end();
    }

    /// The fields written since [`clear`](FieldTexts::clear), in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(|(start, end)| self.text.get(start..end).unwrap_or_default())
    }

    /// How many fields were written since [`clear`](FieldTexts::clear).
    pub fn len(&self) -> usize {
        self.ends.len()
    }
}
