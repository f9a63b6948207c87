//! Scores one run's output rows against the labels: a [`RowSink`] that reads each row's host,
//! time and `is_outlier`, then the counts and rates over the judged days.

use std::collections::HashSet;

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
    /// Local day, `None` for a non-numeric time.
    day: Option<i64>,
    label: u32,
    alert: bool,
}

/// Collects one run's output rows.
pub(super) struct ScoreSink<'a> {
    by: &'a str,
    time: &'a str,
    columns: Option<[usize; 3]>,
    days: &'a mut DayCache,
    labels: &'a LabelIndex,
    rows: Vec<Scored>,
    /// Per label: some input row falls on its host and day.
    pub matched: Vec<bool>,
}

/// One row of the evaluation's result: the counts and rates of one option set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// The options of this run, as given (`name=value`, space-separated).
    pub options: String,
    /// Judged rows (host-days).
    pub host_days: u64,
    /// Judged rows with a label.
    pub positives: u64,
    /// Judged rows without a label.
    pub negatives: u64,
    /// Labelled judged rows that alert.
    pub true_positives: u64,
    /// Unlabelled judged rows that alert.
    pub false_positives: u64,
    /// `true_positives / positives`.
    pub recall: Option<f64>,
    /// `false_positives / negatives`.
    pub false_positive_rate: Option<f64>,
    /// `true_positives / (true_positives + false_positives)`.
    pub precision: Option<f64>,
    /// Alerts on judged rows over the number of judged days that have rows.
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
            rows: Vec::new(),
            matched: vec![false; labels.campaign_of.len()],
        }
    }

    /// The input's first local day and the first judged one, `None` without numeric times.
    pub fn judged_range(&self, warmup_days: u64) -> (Option<i64>, Option<i64>) {
        let first = self.rows.iter().filter_map(|r| r.day).min();
        (first, first.map(|d| judged_from(d, warmup_days)))
    }

    /// The scores over local days `first day of the input + warmup_days` and later.
    pub fn scores(&self, options: String, warmup_days: u64) -> Scores {
        let first_day = self.rows.iter().filter_map(|r| r.day).min().unwrap_or(0);
        let judged_from = judged_from(first_day, warmup_days);
        let mut counts = Counts::default();
        let mut judged_days = HashSet::new();
        let mut campaign_judged = vec![false; self.labels.campaigns];
        let mut campaign_caught = vec![false; self.labels.campaigns];
        for row in &self.rows {
            let Some(day) = row.day.filter(|&d| d >= judged_from) else {
                continue;
            };
            judged_days.insert(day);
            counts.host_days += 1;
            counts.alerts += u64::from(row.alert);
            if row.label == NO_LABEL {
                counts.negatives += 1;
                counts.false_positives += u64::from(row.alert);
                continue;
            }
            counts.positives += 1;
            counts.true_positives += u64::from(row.alert);
            let label = row.label as usize;
            if let Some(&campaign) = self.labels.campaign_of.get(label) {
                let campaign = campaign as usize;
                if let Some(judged) = campaign_judged.get_mut(campaign) {
                    *judged = true;
                }
                if let Some(caught) = campaign_caught.get_mut(campaign) {
                    *caught |= row.alert;
                }
            }
            let (days, hits) = if self.labels.is_first_day.get(label) == Some(&true) {
                (&mut counts.first_days, &mut counts.first_day_hits)
            } else {
                (&mut counts.later_days, &mut counts.later_day_hits)
            };
            *days += 1;
            *hits += u64::from(row.alert);
        }
        let events = campaign_judged.iter().filter(|&&j| j).count() as u64;
        let caught = campaign_caught.iter().filter(|&&c| c).count() as u64;
        Scores {
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
        }
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
        let label = match day {
            Some(day) if !field(by).is_empty() => self.labels.find(field(by), day),
            _ => None,
        };
        if let Some(slot) = label.and_then(|l| self.matched.get_mut(l as usize)) {
            *slot = true;
        }
        self.rows.push(Scored {
            day,
            label: label.unwrap_or(NO_LABEL),
            alert: field(outlier) == b"1",
        });
        Ok(())
    }
}
