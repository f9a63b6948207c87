//! The ground-truth file of `evaluate`: `dest_ip,_time,kind`, one row per malicious host-day.

use std::collections::HashMap;

use super::days::DayCache;
use super::EvaluateError;
use crate::cli::sample::{EXFILTRATION, LABELS_HEADER};
use crate::detect::number::parse_number;
use crate::detect::options::quote;

/// One row of the labels file.
#[derive(Debug, Clone)]
pub(super) struct Label {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub host: Box<[u8]>,
    /// `_time` as written, for messages.
    pub time_text: String,
    pub time: f64,
}

/// The labels as read, before they are placed on local days.
#[derive(Debug, Clone)]
pub(super) struct Labels {
    pub path: String,
    pub rows: Vec<Label>,
}

/// Where each label falls in one run's zone: the lookup by host and day, and campaigns.
#[derive(Debug)]
pub(super) struct LabelIndex {
    /// Labelled days of each host: (local day, label number).
    by_host: HashMap<Box<[u8]>, Vec<(i64, u32)>, foldhash::fast::RandomState>,
    /// Per label: its campaign's number, and whether it is the campaign's first day.
    pub campaign_of: Vec<u32>,
    pub is_first_day: Vec<bool>,
    pub campaigns: usize,
}

impl Labels {
    /// Reads and checks a labels file's bytes (header, `kind`, `_time`).
    pub fn parse(path: &str, bytes: &[u8]) -> Result<Labels, EvaluateError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(bytes);
        let csv_error = |source| EvaluateError::LabelsCsv {
            path: path.to_owned(),
            source,
        };
        let header = reader.byte_headers().map_err(csv_error)?.clone();
        let found: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        if found.join(",") != LABELS_HEADER || bytes.is_empty() {
            return Err(EvaluateError::LabelsHeader {
                path: path.to_owned(),
                found: quote(&found.join(",")),
            });
        }
        let mut rows = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).map_err(csv_error)? {
            let line = record.position().map_or(0, csv::Position::line);
            let field = |i| record.get(i).unwrap_or_default();
            let text = |i| String::from_utf8_lossy(field(i)).into_owned();
            let bad = |problem: String| EvaluateError::LabelRow {
                path: path.to_owned(),
                line,
                problem,
            };
            if field(2) != EXFILTRATION.as_bytes() {
                return Err(bad(format!(
                    "kind \"{}\" is not {EXFILTRATION} (the only kind)",
                    quote(&text(2))
                )));
            }
            if field(0).is_empty() {
                return Err(bad("dest_ip is empty".to_owned()));
            }
            let time = parse_number(field(1)).ok_or_else(|| {
                bad(format!(
                    "_time \"{}\" is not epoch seconds",
                    quote(&text(1))
                ))
            })?;
            rows.push(Label {
                line,
                host: field(0).into(),
                time_text: text(1),
                time,
            });
        }
        Ok(Labels {
            path: path.to_owned(),
            rows,
        })
    }

    /// Places the labels on local days; two labels of one host on one day are an error.
    pub fn index(&self, days: &mut DayCache) -> Result<LabelIndex, EvaluateError> {
        let mut by_host: HashMap<Box<[u8]>, Vec<(i64, u32)>, _> = HashMap::default();
        for (i, label) in self.rows.iter().enumerate() {
            let day = days
                .day_of(label.time)
                .ok_or_else(|| EvaluateError::LabelRow {
                    path: self.path.clone(),
                    line: label.line,
                    problem: format!("_time \"{}\" is out of range", quote(&label.time_text)),
                })?;
            let number = u32::try_from(i).map_err(|_| EvaluateError::LabelRow {
                path: self.path.clone(),
                line: label.line,
                problem: "more than 4294967295 labels".to_owned(),
            })?;
            by_host
                .entry(label.host.clone())
                .or_insert_with(Vec::new)
                .push((day, number));
        }
        let mut campaign_of = vec![0; self.rows.len()];
        let mut is_first_day = vec![false; self.rows.len()];
        let mut campaigns = 0;
        for days in by_host.values_mut() {
            days.sort_unstable();
            let mut previous: Option<(i64, u32)> = None;
            for &(day, label) in days.iter() {
                match previous {
                    Some((previous_day, previous_label)) if previous_day == day => {
                        return Err(self.duplicate(previous_label, label));
                    }
                    Some((previous_day, _)) if previous_day + 1 == day => {}
                    _ => {
                        campaigns += 1;
                        if let Some(first) = is_first_day.get_mut(label as usize) {
                            *first = true;
                        }
                    }
                }
                if let Some(campaign) = campaign_of.get_mut(label as usize) {
                    *campaign = u32::try_from(campaigns - 1).unwrap_or(u32::MAX);
                }
                previous = Some((day, label));
            }
        }
        Ok(LabelIndex {
            by_host,
            campaign_of,
            is_first_day,
            campaigns,
        })
    }

    fn duplicate(&self, a: u32, b: u32) -> EvaluateError {
        let (a, b) = (self.rows.get(a as usize), self.rows.get(b as usize));
        let (first, second) = match (a, b) {
            (Some(a), Some(b)) if a.line <= b.line => (a, b),
            (Some(a), Some(b)) => (b, a),
            _ => {
                return EvaluateError::LabelRow {
                    path: self.path.clone(),
                    line: 0,
                    problem: "duplicate label".to_owned(),
                }
            }
        };
        EvaluateError::LabelRow {
            path: self.path.clone(),
            line: second.line,
            problem: format!(
                "dest_ip={} _time={} is on the same local day as line {} (_time={}); give each host-day once",
                quote(&String::from_utf8_lossy(&second.host)),
                quote(&second.time_text),
                first.line,
                quote(&first.time_text),
            ),
        }
    }

    /// The error for label `i`, which names no input row.
    pub fn unmatched(&self, i: usize, data_path: &str) -> EvaluateError {
        let (line, host, time) = self
            .rows
            .get(i)
            .map_or((0, String::new(), String::new()), |l| {
                (
                    l.line,
                    String::from_utf8_lossy(&l.host).into_owned(),
                    l.time_text.clone(),
                )
            });
        EvaluateError::LabelRow {
            path: self.path.clone(),
            line,
            problem: format!(
                "dest_ip={} _time={} names no row of {}: that host has no row on that local day",
                quote(&host),
                quote(&time),
                quote(data_path)
            ),
        }
    }
}

impl LabelIndex {
    /// The label of `host` on local day `day`, if any.
    #[inline]
    pub fn find(&self, host: &[u8], day: i64) -> Option<u32> {
        let days = self.by_host.get(host)?;
        days.iter()
            .find(|(d, _)| *d == day)
            .map(|&(_, label)| label)
    }
}
