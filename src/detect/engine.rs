//! One pass over the rows: global and per-destination accumulators, today's candidates kept,
//! the SPL's filter applied with the final statistics at the end.
//!
//! Memory is O(destinations + today's rows) in [`Mode::Alerts`] (a prior-day row only updates
//! accumulators and is forgotten), and O(all rows) in [`Mode::Annotate`] and
//! [`Mode::Backtest`], which must print every row. Field text is stored in one byte arena, not
//! one allocation per row. [`Mode::Backtest`] computes each row's window in
//! [`super::backtest`] at finish. How a row is judged is the method's (the `Method` trait of
//! `detect/method.rs`); the engine dispatches once per call to the one that runs.
//!
//! # Example
//! ```
//! use emailoutlier::detect::engine::{Engine, RowSink};
//! use emailoutlier::detect::options::Options;
//!
//! struct Lines(Vec<String>);
//! impl RowSink for Lines {
//!     type Error = std::convert::Infallible;
//!     fn write_header(&mut self, names: &[&str]) -> Result<(), Self::Error> {
//!         Ok(self.0.push(names.join(",")))
//!     }
//!     fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), Self::Error> {
//!         let texts: Vec<_> = fields.iter().map(|f| String::from_utf8_lossy(f)).collect();
//!         Ok(self.0.push(texts.join(",")))
//!     }
//! }
//!
//! let options = Options::parse(["deviation_threshold=1"])?;
//! let day_start = 400; // relative_time(now, "@d"), computed by the caller
//! let mut engine = Engine::new(&options, day_start);
//! let header: Vec<String> = ["dest_ip", "_time", "bytes_out"].map(String::from).into();
//! let columns = engine.bind(&header)?;
//! assert_eq!((columns.by, columns.time, columns.value), (0, 1, 2));
//! for (time, bytes) in [("100", "10"), ("200", "12"), ("300", "11"), ("400", "90")] {
//!     engine.feed(b"10.0.0.1", time.as_bytes(), bytes.as_bytes(), &[]);
//! }
//! let mut out = Lines(Vec::new());
//! let summary = engine.finish(&mut out).unwrap();
//! // global: mean 123/4 = 30.75, stdev √(4682.75/3) = 39.51, (90 − 30.75)/39.51 = 1.4996
//! // prior: mean 11, stdev 1, (90 − 11)/1 = 79
//! assert_eq!(out.0[1], "10.0.0.1,400,90,30.75,11,1.50,79.00");
//! assert_eq!(summary.info(), "rows read 4, hosts 1, today's rows 1, alerts 1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

pub use super::backtest::BacktestSummary;
use super::backtest::{Backtest, LocalCalendar, UtcCalendar};
use super::calendar::{weekday_at, Calendar};
use super::keys::Keys;
use super::method::{Day, FieldTexts, Layout, Method, Row};
use super::number::parse_number;
use super::options::{quote, Baseline, MethodName, Mode, Options};
use super::output::OUTLIER_FIELD;
use super::predictive::Predictive;
use super::seed::Seed;

/// Positions of the three fields the engine reads, in the caller's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    /// Index of the `value` field (`bytes_out`).
    pub value: usize,
    /// Index of the `by` field (`dest_ip`).
    pub by: usize,
    /// Index of the `time` field (`_time`).
    pub time: usize,
}

/// Why the input's fields cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A field the detection needs is not in the input.
    #[error("the input has no field \"{field}\" (option {option}); fields received: {received}")]
    MissingField {
        /// The missing field's name.
        field: String,
        /// The option that names it: `value`, `by` or `time`.
        option: &'static str,
        /// The input's field names, comma-separated.
        received: String,
    },
    /// In annotate or backtest mode, a later chunk of rows has other fields than the first.
    #[error("the input's fields changed from {expected} to {received}; mode={mode} needs the same fields in every chunk")]
    FieldsChanged {
        /// The mode: `annotate` or `backtest`.
        mode: &'static str,
        /// The first chunk's field names, comma-separated.
        expected: String,
        /// This chunk's field names, comma-separated.
        received: String,
    },
}

/// Where the output rows go: the protocol's CSV body, the CLI's CSV or JSON, a test.
pub trait RowSink {
    /// What writing can fail with.
    type Error;
    /// Receives the output field names, once, before any row.
    ///
    /// # Errors
    /// Whatever the sink fails with; the engine stops and returns it.
    fn write_header(&mut self, names: &[&str]) -> Result<(), Self::Error>;
    /// Receives one output row, one text per header name; an empty text is a null.
    ///
    /// # Errors
    /// Whatever the sink fails with; the engine stops and returns it.
    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), Self::Error>;
}

/// Counts of one run, for the INFO and WARN messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows fed.
    pub rows_read: u64,
    /// Distinct non-empty `by` values.
    pub hosts: u64,
    /// Rows with a numeric time at or after the start of today.
    pub today_rows: u64,
    /// Rows given to the sink.
    pub output_rows: u64,
    /// Rows that pass the filter.
    pub alerts: u64,
    /// Rows whose value is not numeric (they still count in `num_data_samples`).
    pub non_numeric_values: u64,
    /// The first such row, e.g. `row 17: bytes_out="1,024"` (rows counted from 1).
    pub first_non_numeric: Option<String>,
    /// Rows whose time is not numeric (neither today's nor prior rows).
    pub non_numeric_times: u64,
    /// The first such row, e.g. `row 3: _time="yesterday"`.
    pub first_non_numeric_time: Option<String>,
    /// Rows with an empty `by` field (in the global statistics, in no group).
    pub rows_without_group: u64,
    /// `mode=backtest`'s counts; `None` in the other modes.
    pub backtest: Option<BacktestSummary>,
}

impl Summary {
    /// One WARN text about non-numeric values and times, or `None` when all were numeric.
    pub fn warning(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.non_numeric_values > 0 {
            parts.push(format!(
                "{} {} a non-numeric value (first: {}); {} in num_data_samples but in no average or standard deviation",
                self.non_numeric_values,
                rows_have(self.non_numeric_values),
                self.first_non_numeric.as_deref().unwrap_or("?"),
                if self.non_numeric_values == 1 { "it counts" } else { "they count" },
            ));
        }
        if self.non_numeric_times > 0 {
            parts.push(format!(
                "{} {} a non-numeric time (first: {}); {} neither today's nor prior rows",
                self.non_numeric_times,
                rows_have(self.non_numeric_times),
                self.first_non_numeric_time.as_deref().unwrap_or("?"),
                if self.non_numeric_times == 1 {
                    "it is"
                } else {
                    "they are"
                },
            ));
        }
        parts.extend(self.backtest.as_ref().and_then(BacktestSummary::warning));
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// `rows read N, hosts H, today's rows T, alerts A`; the caller appends where now and
    /// the time zone came from.
    /// In backtest mode: `rows read N, hosts H, days judged D, alerts A, alerts per day
    /// min/median/max a/m/b`.
    pub fn info(&self) -> String {
        let Some(backtest) = &self.backtest else {
            return format!(
                "rows read {}, hosts {}, today's rows {}, alerts {}",
                self.rows_read, self.hosts, self.today_rows, self.alerts
            );
        };
        backtest.info(self.rows_read, self.hosts, self.alerts)
    }
}

fn rows_have(n: u64) -> &'static str {
    if n == 1 {
        "row has"
    } else {
        "rows have"
    }
}

/// Per-destination state: all rows counted, the method's baseline of prior values.
#[derive(Debug, Clone, Default)]
struct Host<B> {
    rows: u64,
    prior: B,
}

/// A today's row of a destination with a numeric value; its texts are in the arena.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    host: usize,
    value: f64,
    time: f64,
    start: usize,
    by_end: usize,
    time_end: usize,
    end: usize,
}

/// An annotate- or backtest-mode row; its stored input fields end at
/// `field_ends[i * width ..]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredRow {
    /// Index of the destination in `hosts`; `None` for an empty `by`.
    pub(crate) host: Option<usize>,
    /// The numeric value.
    pub(crate) value: Option<f64>,
    /// The numeric time; NaN when the time is not numeric (no number parses as NaN).
    time: f64,
}

impl StoredRow {
    /// The numeric time.
    pub(crate) fn time(&self) -> Option<f64> {
        (!self.time.is_nan()).then_some(self.time)
    }
}

/// Fields an annotate-mode run keeps and prints from the input.
#[derive(Debug, Clone)]
struct InputLayout {
    names: Vec<String>,
    kept: Vec<usize>,
}

/// The detection over a stream of rows; see the module doc.
#[derive(Debug)]
pub struct Engine {
    inner: Inner,
}

/// The engine for each method; [`Engine`]'s methods dispatch here, once per call.
#[derive(Debug)]
enum Inner {
    Seed(Core<Seed>),
    Predictive(Core<Predictive<1>>),
    PredictiveDaytype(Core<Predictive<2>>),
}

/// Calls `$body` with `$core` bound to the engine of whichever method runs.
macro_rules! dispatch {
    ($inner:expr, $core:ident => $body:expr) => {
        match $inner {
            Inner::Seed($core) => $body,
            Inner::Predictive($core) => $body,
            Inner::PredictiveDaytype($core) => $body,
        }
    };
}

impl Engine {
    /// A new run with `options`; `day_start` is `relative_time(now, "@d")` in epoch seconds,
    /// computed by the caller from the search's `now` and time zone. Local days
    /// (`mode=backtest`'s, `baseline=daytype`'s weekdays) are UTC days until
    /// [`with_calendar`](Engine::with_calendar) gives the search's.
    pub fn new(options: &Options, day_start: i64) -> Engine {
        let calendar = Calendar::utc(day_start);
        let names = [
            options.value.as_str(),
            options.by.as_str(),
            options.time.as_str(),
        ];
        let rows = options.minimum_data_samples;
        let predictive = |calendar| {
            (
                options.fpr,
                options.min_bytes,
                rows,
                calendar,
                options.value.as_str(),
            )
        };
        let inner = match (options.method, options.baseline) {
            (MethodName::Seed, _) => Inner::Seed(Core::new(
                Seed::new(options.deviation_threshold, rows, names),
                options,
                day_start,
            )),
            (MethodName::Predictive, Baseline::All) => {
                let (fpr, min_bytes, rows, calendar, value) = predictive(calendar);
                Inner::Predictive(Core::new(
                    Predictive::new(fpr, min_bytes, rows, calendar, value),
                    options,
                    day_start,
                ))
            }
            (MethodName::Predictive, Baseline::Daytype) => {
                let (fpr, min_bytes, rows, calendar, value) = predictive(calendar);
                Inner::PredictiveDaytype(Core::new(
                    Predictive::new(fpr, min_bytes, rows, calendar, value),
                    options,
                    day_start,
                ))
            }
        };
        Engine { inner }
    }

    /// Sets the search's local calendar, whose days `mode=backtest` judges and whose weekends
    /// `baseline=daytype` tells apart (default: UTC).
    #[must_use]
    pub fn with_calendar(mut self, calendar: Box<dyn LocalCalendar>) -> Engine {
        let calendar: Arc<dyn LocalCalendar> = Arc::from(calendar);
        if let Inner::PredictiveDaytype(core) = &mut self.inner {
            let today = core.day_start_secs;
            let weekday = weekday_at(&*calendar, today);
            let days = Calendar::new(today, weekday, |start| {
                calendar.start_of_day(start.checked_sub(1)?)
            })
            .with_zone(Arc::clone(&calendar));
            core.method.set_calendar(days);
        }
        dispatch!(&mut self.inner, core => core.calendar = calendar);
        self
    }

    /// Finds the `value`, `by` and `time` fields among a chunk's field names.
    ///
    /// In annotate mode the first call also fixes the output's input fields; input fields
    /// named like a computed field (`avg_bytes_out`, …) are replaced by the computed one.
    ///
    /// # Errors
    /// [`EngineError::MissingField`] naming the missing field and listing the fields received;
    /// in annotate mode [`EngineError::FieldsChanged`] when the names differ from the first call.
    pub fn bind(&mut self, fields: &[String]) -> Result<Columns, EngineError> {
        dispatch!(&mut self.inner, core => core.bind(fields))
    }

    /// Feeds one row: its `by`, `time` and `value` texts, and in annotate mode all its fields
    /// in the order given to [`bind`](Engine::bind) (alerts mode ignores `row`; pass `&[]`).
    ///
    /// Allocates only for a new destination and for growing the stored rows' buffers.
    #[inline]
    pub fn feed(&mut self, by: &[u8], time: &[u8], value: &[u8], row: &[&[u8]]) {
        dispatch!(&mut self.inner, core => core.feed(by, time, value, row));
    }

    /// Applies the filter with the final statistics and writes the header and the output rows
    /// in input order: the alerts (alerts mode) or every row annotated (annotate mode).
    ///
    /// # Errors
    /// The sink's error, as soon as a write fails.
    pub fn finish<S: RowSink>(self, sink: &mut S) -> Result<Summary, S::Error> {
        self.finish_with_note(sink).map(|(summary, _)| summary)
    }

    /// Like [`finish`](Engine::finish), and the method's sentence for the INFO message, if
    /// it has one (`method=predictive`: the expected number of false alerts).
    ///
    /// # Errors
    /// The sink's error, as soon as a write fails.
    pub fn finish_with_note<S: RowSink>(
        self,
        sink: &mut S,
    ) -> Result<(Summary, Option<String>), S::Error> {
        dispatch!(self.inner, core => core.finish(sink))
    }
}

/// The engine of one method `M`: the rows, the destinations and their baselines.
#[derive(Debug)]
struct Core<M: Method> {
    method: M,
    day_start: f64,
    day_start_secs: i64,
    baseline_days: u32,
    calendar: Arc<dyn LocalCalendar>,
    mode: Mode,
    value_name: String,
    by_name: String,
    time_name: String,
    /// Index of each destination in `hosts`.
    keys: Keys,
    hosts: Vec<Host<M::Baseline>>,
    arena: Vec<u8>,
    candidates: Vec<Candidate>,
    layout: Option<InputLayout>,
    stored: Vec<StoredRow>,
    field_ends: Vec<usize>,
    summary: Summary,
}

impl<M: Method> Core<M> {
    fn new(method: M, options: &Options, day_start: i64) -> Core<M> {
        #[allow(clippy::cast_precision_loss)] // |day_start| < 2^53 for any real date
        let day_start_secs = day_start;
        let day_start = day_start as f64;
        Core {
            method,
            day_start,
            day_start_secs,
            baseline_days: options.baseline_days,
            calendar: Arc::new(UtcCalendar),
            mode: options.mode,
            value_name: options.value.clone(),
            by_name: options.by.clone(),
            time_name: options.time.clone(),
            keys: Keys::default(),
            hosts: Vec::new(),
            arena: Vec::new(),
            candidates: Vec::new(),
            layout: None,
            stored: Vec::new(),
            field_ends: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Computed fields of annotate mode: the method's, then `is_outlier`.
    fn annotate_names(&self) -> Vec<String> {
        let mut names = self.method.field_names(Layout::Annotate);
        names.push(OUTLIER_FIELD.to_owned());
        names
    }

    fn bind(&mut self, fields: &[String]) -> Result<Columns, EngineError> {
        let find = |name: &str, option| {
            fields
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| EngineError::MissingField {
                    field: quote(name),
                    option,
                    received: quote(&fields.join(",")),
                })
        };
        let columns = Columns {
            value: find(&self.value_name, "value")?,
            by: find(&self.by_name, "by")?,
            time: find(&self.time_name, "time")?,
        };
        if let Some(mode) = self.stored_mode() {
            match &self.layout {
                Some(layout) if layout.names != fields => {
                    return Err(EngineError::FieldsChanged {
                        mode,
                        expected: quote(&layout.names.join(",")),
                        received: quote(&fields.join(",")),
                    })
                }
                Some(_) => {}
                None => {
                    let computed = self.annotate_names();
                    let kept = (0..fields.len())
                        .filter(|&i| fields.get(i).is_some_and(|f| !computed.contains(f)))
                        .collect();
                    self.layout = Some(InputLayout {
                        names: fields.to_vec(),
                        kept,
                    });
                }
            }
        }
        Ok(columns)
    }

    /// The mode's name when it stores every row.
    fn stored_mode(&self) -> Option<&'static str> {
        match self.mode {
            Mode::Alerts => None,
            Mode::Annotate => Some("annotate"),
            Mode::Backtest => Some("backtest"),
        }
    }

    #[inline]
    fn feed(&mut self, by: &[u8], time: &[u8], value: &[u8], row: &[&[u8]]) {
        self.summary.rows_read += 1;
        let number = parse_number(value);
        match number {
            Some(x) => self.method.observe(x),
            None => {
                self.summary.non_numeric_values += 1;
                if self.summary.first_non_numeric.is_none() {
                    self.summary.first_non_numeric = Some(self.describe(&self.value_name, value));
                }
            }
        }
        let time_number = parse_number(time);
        let day = match time_number {
            Some(t) if t >= self.day_start => {
                self.summary.today_rows += 1;
                Day::Today
            }
            Some(_) => Day::Prior,
            None => {
                self.summary.non_numeric_times += 1;
                if self.summary.first_non_numeric_time.is_none() {
                    self.summary.first_non_numeric_time =
                        Some(self.describe(&self.time_name, time));
                }
                Day::Unknown
            }
        };
        let host = if by.is_empty() {
            self.summary.rows_without_group += 1;
            None
        } else {
            let index = self.host_of(by);
            if let Some(stats) = self.hosts.get_mut(index) {
                stats.rows += 1;
                if let (Day::Prior, Some(x), Some(t)) = (day, number, time_number) {
                    self.method.accumulate(&mut stats.prior, x, t);
                }
            }
            Some(index)
        };
        match self.mode {
            Mode::Alerts => {
                if let (Day::Today, Some(value_number), Some(host)) = (day, number, host) {
                    let start = self.arena.len();
                    self.arena.extend_from_slice(by);
                    let by_end = self.arena.len();
                    self.arena.extend_from_slice(time);
                    let time_end = self.arena.len();
                    self.arena.extend_from_slice(value);
                    self.candidates.push(Candidate {
                        host,
                        value: value_number,
                        time: time_number.unwrap_or(self.day_start),
                        start,
                        by_end,
                        time_end,
                        end: self.arena.len(),
                    });
                }
            }
            Mode::Annotate | Mode::Backtest => {
                if let Some(layout) = &self.layout {
                    for &i in &layout.kept {
                        self.arena
                            .extend_from_slice(row.get(i).copied().unwrap_or_default());
                        self.field_ends.push(self.arena.len());
                    }
                }
                self.stored.push(StoredRow {
                    host,
                    value: number,
                    time: time_number.unwrap_or(f64::NAN),
                });
            }
        }
    }

    /// `row N: field="text"` for the WARN message, escaped and truncated.
    fn describe(&self, field: &str, text: &[u8]) -> String {
        format!(
            "row {}: {}=\"{}\"",
            self.summary.rows_read,
            field,
            quote(&String::from_utf8_lossy(text))
        )
    }

    /// The index of destination `by` in `hosts`, created on first sight.
    #[inline]
    fn host_of(&mut self, by: &[u8]) -> usize {
        let index = self.keys.index_of(by);
        if index == self.hosts.len() {
            self.hosts.push(Host::default());
        }
        index
    }

    fn finish<S: RowSink>(mut self, sink: &mut S) -> Result<(Summary, Option<String>), S::Error> {
        self.summary.hosts = self.hosts.len() as u64;
        self.method.prepare();
        match self.mode {
            Mode::Alerts => self.finish_alerts(sink)?,
            Mode::Annotate => self.finish_annotate(sink)?,
            Mode::Backtest => self.finish_backtest(sink)?,
        }
        let note = self.method.note();
        Ok((self.summary, note))
    }

    fn finish_alerts<S: RowSink>(&mut self, sink: &mut S) -> Result<(), S::Error> {
        let mut names = vec![
            self.by_name.clone(),
            self.time_name.clone(),
            self.value_name.clone(),
        ];
        names.extend(self.method.field_names(Layout::Alert));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        sink.write_header(&names)?;
        let mut numbers = FieldTexts::default();
        for candidate in &self.candidates {
            let Some(host) = self.hosts.get(candidate.host) else {
                continue;
            };
            let verdict = self.method.judge(
                Some(&host.prior),
                Row {
                    value: Some(candidate.value),
                    time: Some(candidate.time),
                    day: Day::Today,
                    rows: Some(host.rows),
                },
            );
            if !M::is_alert(&verdict) {
                continue;
            }
            numbers.clear();
            self.method.write(&verdict, Layout::Alert, &mut numbers);
            let text = |from: usize, to: usize| self.arena.get(from..to).unwrap_or_default();
            // One small vector per alert row (alerts are few; prior rows allocate nothing).
            let mut fields: Vec<&[u8]> = Vec::with_capacity(3 + numbers.len());
            fields.extend([
                text(candidate.start, candidate.by_end),
                text(candidate.by_end, candidate.time_end),
                text(candidate.time_end, candidate.end),
            ]);
            fields.extend(numbers.iter());
            sink.write_row(&fields)?;
            self.summary.alerts += 1;
            self.summary.output_rows += 1;
        }
        Ok(())
    }

    fn finish_annotate<S: RowSink>(&mut self, sink: &mut S) -> Result<(), S::Error> {
        let day_start = self.day_start;
        let hosts = std::mem::take(&mut self.hosts);
        let judge = |method: &mut M, _: usize, row: &StoredRow| {
            let host = row.host.and_then(|h| hosts.get(h));
            method.judge(
                host.map(|h| &h.prior),
                Row {
                    value: row.value,
                    time: row.time(),
                    day: match row.time() {
                        Some(t) if t >= day_start => Day::Today,
                        Some(_) => Day::Prior,
                        None => Day::Unknown,
                    },
                    rows: host.map(|h| h.rows),
                },
            )
        };
        let result = self.write_annotated(sink, judge, |_, _| {});
        self.hosts = hosts;
        result
    }

    /// Every row judged on its own day, over its window ([`super::backtest`]).
    fn finish_backtest<S: RowSink>(&mut self, sink: &mut S) -> Result<(), S::Error> {
        let backtest = Backtest::compute(
            &self.stored,
            self.hosts.len(),
            &*self.calendar,
            self.baseline_days,
        );
        let windows = self
            .method
            .windows(&backtest, &self.stored, self.hosts.len());
        let judge = |method: &mut M, i: usize, row: &StoredRow| {
            method.judge_in_window(&backtest, &windows, i, row)
        };
        let mut alerts = vec![0; backtest.days()];
        let tally = |i: usize, outlier: bool| {
            if let Some(count) = backtest.day_of(i).and_then(|d| alerts.get_mut(d)) {
                *count += u64::from(outlier);
            }
        };
        self.write_annotated(sink, judge, tally)?;
        self.summary.backtest = Some(BacktestSummary::of(alerts, backtest.out_of_range()));
        Ok(())
    }

    /// Writes annotate's header, then every stored row in input order with its input fields,
    /// the method's fields for `judge(method, i, row)` and `is_outlier`; `verdict(i,
    /// is_outlier)` sees each row's verdict.
    fn write_annotated<S: RowSink>(
        &mut self,
        sink: &mut S,
        mut judge: impl FnMut(&mut M, usize, &StoredRow) -> M::Verdict,
        mut verdict: impl FnMut(usize, bool),
    ) -> Result<(), S::Error> {
        let (input_names, width) = match &self.layout {
            Some(layout) => (
                layout
                    .kept
                    .iter()
                    .filter_map(|&i| layout.names.get(i).cloned())
                    .collect(),
                layout.kept.len(),
            ),
            None => (Vec::new(), 0),
        };
        let computed = self.annotate_names();
        let names: Vec<&str> = input_names
            .iter()
            .chain(&computed)
            .map(String::as_str)
            .collect();
        sink.write_header(&names)?;
        let mut numbers = FieldTexts::default();
        let mut start = 0;
        for (i, row) in self.stored.iter().enumerate() {
            let judgement = judge(&mut self.method, i, row);
            let outlier = M::is_alert(&judgement);
            verdict(i, outlier);
            numbers.clear();
            self.method
                .write(&judgement, Layout::Annotate, &mut numbers);
            numbers.count(Some(u64::from(outlier)));
            let mut fields: Vec<&[u8]> = Vec::with_capacity(width + numbers.len());
            for j in 0..width {
                let end = self.field_ends.get(i * width + j).copied().unwrap_or(start);
                fields.push(self.arena.get(start..end).unwrap_or_default());
                start = end;
            }
            fields.extend(numbers.iter());
            sink.write_row(&fields)?;
            self.summary.alerts += u64::from(outlier);
            self.summary.output_rows += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
