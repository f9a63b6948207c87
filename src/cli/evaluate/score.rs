//! Scores one run's output rows against the labels: a [`RowSink`] that reads each row's host,
//! time and `is_outlier`, then the counts and rates over the judged host-days.
//!
//! The unit scored is a host-day, a distinct (host, local day) pair: a host-day alerts when any
//! of its rows has `is_outlier=1`, and it is labelled when a label names its host and day (all
//! its rows then carry that label). A row with an empty host, or without a day (a non-numeric
//! time, or one outside years 1 to 9998), is in no host-day; [`Unscored`] counts such rows.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::days::DayCache;
use super::labels::LabelIndex;
use super::EvaluateError;
use crate::detect::engine::RowSink;
use crate::detect::number::parse_number;

/// The field every method's row-by-row output carries: 1 when the row alerts.
pub(super) const IS_OUTLIER: &str = "is_outlier";
const NO_LABEL: u32 = u32::MAX;

/// One output row, reduced to what scoring needs.
#[derive(Debug, Clone, Copy)]
struct Scored {
    /// Host number (in order of first appearance), `None` for an empty host.
    host: Option<u32>,
    /// Local day, `None` for a non-numeric time.
    day: Option<i64>,
    label: u32,
    alert: bool,
}

/// Why rows of one run were not scored, or were scored together with another row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Unscored {
    /// Rows with a host and a day that are scored, as `host_days` distinct host-days.
    pub scored_rows: u64,
    /// Rows with a host and a day before the first judged day.
    pub before_warmup: u64,
    /// Rows with an empty host field.
    pub no_host: u64,
    /// Rows with a host but no day (non-numeric time, or outside years 1 to 9998).
    pub no_day: u64,
}

/// Collects one run's output rows.
pub(super) struct ScoreSink<'a> {
    by: &'a str,
    time: &'a str,
    columns: Option<[usize; 3]>,
    days: &'a mut DayCache,
    labels: &'a LabelIndex,
    hosts: HashMap<Box<[u8]>, u32, foldhash::fast::RandomState>,
    rows: Vec<Scored>,
    /// Per label: some input row falls on its host and day.
    pub matched: Vec<bool>,
}

/// One row of the evaluation's result: the counts and rates of one option set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// The options of this run, as given (`name=value`, space-separated).
    pub options: String,
    /// Judged host-days: distinct (host, local day) pairs on the judged days.
    pub host_days: u64,
    /// Judged host-days with a label.
    pub positives: u64,
    /// Judged host-days without a label.
    pub negatives: u64,
    /// Labelled judged host-days that alert (any of their rows has `is_outlier=1`).
    pub true_positives: u64,
    /// Unlabelled judged host-days that alert.
    pub false_positives: u64,
    /// `true_positives / positives`.
    pub recall: Option<f64>,
    /// `false_positives / negatives`.
    pub false_positive_rate: Option<f64>,
    /// `true_positives / (true_positives + false_positives)`.
    pub precision: Option<f64>,
    /// Alerting judged host-days over the number of judged days that have host-days.
    pub alerts_per_day: Option<f64>,
    /// Campaigns (consecutive labelled days of one host) with a judged day of which at least
    /// one alerts, over those campaigns.
    pub event_recall: Option<f64>,
    /// Recall on the judged first days of campaigns.
    pub first_day_recall: Option<f64>,
    /// Recall on the judged 2nd and later days of campaigns.
    pub later_day_recall: Option<f64>,
}

impl<'a> ScoreSink<'a> {
    pub fn new(by: &'a str, time: &'a str, days: &'a mut DayCache, labels: &'a LabelIndex) -> Self {
        ScoreSink {
            by,
            time,
            columns: None,
            days,
            labels,
            hosts: HashMap::default(),
            rows: Vec::new(),
            matched: vec![false; labels.campaign_of.len()],
        }
    }

    /// The input's first local day and the first judged one, `None` without numeric times.
    pub fn judged_range(&self, warmup_days: u64) -> (Option<i64>, Option<i64>) {
        let first = self.rows.iter().filter_map(|r| r.day).min();
        (first, first.map(|d| judged_from(d, warmup_days)))
    }

    /// The judged host-days (label, alert) in order of their first row, and how many rows
    /// were not scored and why.
    fn host_days(&self, warmup_days: u64) -> (Vec<(i64, u32, bool)>, Unscored) {
        let first_day = self.rows.iter().filter_map(|r| r.day).min().unwrap_or(0);
        let judged_from = judged_from(first_day, warmup_days);
        let mut unscored = Unscored::default();
        let mut index: HashMap<(u32, i64), usize, foldhash::fast::RandomState> = HashMap::default();
        let mut host_days: Vec<(i64, u32, bool)> = Vec::new();
        for row in &self.rows {
            let (Some(host), Some(day)) = (row.host, row.day) else {
                if row.host.is_none() {
                    unscored.no_host += 1;
                } else {
                    unscored.no_day += 1;
                }
                continue;
            };
            if day < judged_from {
                unscored.before_warmup += 1;
                continue;
            }
            unscored.scored_rows += 1;
            let slot = *index.entry((host, day)).or_insert_with(|| {
                host_days.push((day, row.label, false));
                host_days.len() - 1
            });
            if let Some(host_day) = host_days.get_mut(slot) {
                host_day.2 |= row.alert;
            }
        }
        (host_days, unscored)
    }

    /// The scores over the host-days on local days `first day of the input + warmup_days`
    /// and later, and the rows not scored.
    pub fn scores(&self, options: String, warmup_days: u64) -> (Scores, Unscored) {
        let mut counts = Counts::default();
        let mut judged_days = HashSet::new();
        let mut campaign_judged = vec![false; self.labels.campaigns];
        let mut campaign_caught = vec![false; self.labels.campaigns];
        let (host_days, unscored) = self.host_days(warmup_days);
        for (day, label, alert) in host_days {
            judged_days.insert(day);
            counts.host_days += 1;
            counts.alerts += u64::from(alert);
            if label == NO_LABEL {
                counts.negatives += 1;
                counts.false_positives += u64::from(alert);
                continue;
            }
            counts.positives += 1;
            counts.true_positives += u64::from(alert);
            let label = label as usize;
            if let Some(&campaign) = self.labels.campaign_of.get(label) {
                let campaign = campaign as usize;
                if let Some(judged) = campaign_judged.get_mut(campaign) {
                    *judged = true;
                }
                if let Some(caught) = campaign_caught.get_mut(campaign) {
                    *caught |= alert;
                }
            }
            let (days, hits) = if self.labels.is_first_day.get(label) == Some(&true) {
                (&mut counts.first_days, &mut counts.first_day_hits)
            } else {
                (&mut counts.later_days, &mut counts.later_day_hits)
            };
            *days += 1;
            *hits += u64::from(alert);
        }
        let events = campaign_judged.iter().filter(|&&j| j).count() as u64;
        let caught = campaign_caught.iter().filter(|&&c| c).count() as u64;
        let scores = Scores {
            options,
            host_days: counts.host_days,
            positives: counts.positives,
            negatives: counts.negatives,
            true_positives: counts.true_positives,
            false_positives: counts.false_positives,
            recall: rate(counts.true_positives, counts.positives),
            false_positive_rate: rate(counts.false_positives, counts.negatives),
            precision: rate(
                counts.true_positives,
                counts.true_positives + counts.false_positives,
            ),
            alerts_per_day: rate(counts.alerts, judged_days.len() as u64),
            event_recall: rate(caught, events),
            first_day_recall: rate(counts.first_day_hits, counts.first_days),
            later_day_recall: rate(counts.later_day_hits, counts.later_days),
        };
        (scores, unscored)
    }
}

#[derive(Debug, Default)]
struct Counts {
    host_days: u64,
    positives: u64,
    negatives: u64,
    true_positives: u64,
    false_positives: u64,
    alerts: u64,
    first_days: u64,
    first_day_hits: u64,
    later_days: u64,
    later_day_hits: u64,
}

fn judged_from(first_day: i64, warmup_days: u64) -> i64 {
    first_day.saturating_add(i64::try_from(warmup_days).unwrap_or(i64::MAX))
}

/// `part / whole`, `None` when `whole` is 0.
#[allow(clippy::cast_precision_loss)] // counts below 2^53
fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl RowSink for ScoreSink<'_> {
    type Error = EvaluateError;

    fn write_header(&mut self, names: &[&str]) -> Result<(), EvaluateError> {
        let find = |field: &str| {
            names
                .iter()
                .position(|n| *n == field)
                .ok_or_else(|| EvaluateError::OutputField {
                    field: field.to_owned(),
                    received: names.join(","),
                })
        };
        self.columns = Some([find(self.by)?, find(self.time)?, find(IS_OUTLIER)?]);
        Ok(())
    }

    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), EvaluateError> {
        let [by, time, outlier] = self.columns.unwrap_or_default();
        let field = |i: usize| fields.get(i).copied().unwrap_or_default();
        let day = parse_number(field(time)).and_then(|t| self.days.day_of(t));
        let host = (!field(by).is_empty()).then(|| match self.hosts.get(field(by)) {
            Some(&n) => n,
            None => {
                let n = u32::try_from(self.hosts.len()).unwrap_or(u32::MAX);
                self.hosts.insert(field(by).into(), n);
                n
            }
        });
        let label = match day {
            Some(day) if host.is_some() => self.labels.find(field(by), day),
            _ => None,
        };
        if let Some(slot) = label.and_then(|l| self.matched.get_mut(l as usize)) {
            *slot = true;
        }
        self.rows.push(Scored {
            host,
            day,
            label: label.unwrap_or(NO_LABEL),
            alert: field(outlier) == b"1",
        });
        Ok(())
    }
}
