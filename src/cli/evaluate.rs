//! `emailoutlier evaluate`: how well a detection finds the labelled exfiltration days.
//!
//! ```text
//! emailoutlier evaluate <data.csv|-> --labels <labels.csv> [name=value …]
//!     [--sweep name=v1,v2,…] [--warmup-days N] [--format text|json]
//! ```
//!
//! The data file is read into memory once; for each option set (one, or one per `--sweep`
//! value) the engine runs in `mode=backtest`, which judges every row as of the end of its own
//! local day, and a [`RowSink`](crate::detect::engine::RowSink) reads each output row's host,
//! time and `is_outlier`. The options go to the engine's parser unchanged, so any option of
//! any method works, in the options and in `--sweep`.
//!
//! Only rows on local days `D ≥ first day of the input + warmup` are judged (warmup
//! `--warmup-days`, default `baseline_days`; in a sweep the largest `baseline_days` of its
//! runs, so that every row of the result judges the same host-days), in the zone of `tz=`
//! (else the system's), as `detect` computes days. The unit scored is the host-day, a distinct
//! (host, local day) pair, which alerts when any of its rows has `is_outlier=1`. A label
//! matches the host-day of its `dest_ip` on the local day of its `_time`. The counts and rates
//! are [`Scores`]; a campaign is a run of consecutive labelled days of one host.
//!
//! On stderr: the engine's WARN (non-numeric values or times) and a WARN for rows in no
//! host-day (empty host, no day), each distinct text once per evaluation, not once per sweep
//! value (a WARN that only some runs give names their options); then one INFO line per
//! distinct summary, with how many rows were scored and how many were not, and why.

mod days;
mod labels;
mod score;

use std::ffi::OsString;
use std::io::{Read, Write};

use super::{feed_csv, resolve_clock, usage, CliError, USAGE};
use crate::detect::engine::Engine;
use crate::detect::options::{quote, Options, OptionsError};
use days::{date_text, DayCache};
use labels::Labels;
pub use score::Scores;
use score::{ScoreSink, Unscored};

/// The option evaluate adds to every run: each row judged as of the end of its own day.
const MODE: &str = "mode=backtest";

/// Why an evaluation cannot be scored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvaluateError {
    /// The labels file is not readable CSV.
    #[error("cannot read labels file {path} as CSV: {source}")]
    LabelsCsv {
        /// The path given.
        path: String,
        /// Where and why.
        source: csv::Error,
    },
    /// The labels file's header is not `dest_ip,_time,kind`.
    #[error("labels file {path}: the header must be dest_ip,_time,kind, found \"{found}\"")]
    LabelsHeader {
        /// The path given.
        path: String,
        /// The header found, escaped.
        found: String,
    },
    /// One label is wrong: a bad value, a duplicate, or no input row on its host and day.
    #[error("labels file {path} line {line}: {problem}")]
    LabelRow {
        /// The path given.
        path: String,
        /// The line (the header is line 1).
        line: u64,
        /// What is wrong, naming the values.
        problem: String,
    },
    /// The method's output lacks a field scoring needs.
    #[error("the detection's output has no field \"{field}\"; fields: {received}")]
    OutputField {
        /// The field.
        field: String,
        /// The output's fields, comma-separated.
        received: String,
    },
}

/// What the command line asks for.
struct Request {
    data_path: String,
    labels_path: String,
    tokens: Vec<String>,
    sweep: Option<(String, Vec<String>)>,
    warmup_days: Option<u64>,
    json: bool,
}

pub(super) fn evaluate(
    args: impl Iterator<Item = OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let Some(request) = parse_args(args)? else {
        return stdout.write_all(USAGE.as_bytes()).map_err(CliError::Output);
    };
    // Every option set is checked before any work.
    let runs = option_sets(&request)?;
    let data = read_input(&request.data_path, stdin)?;
    let labels_bytes = std::fs::read(&request.labels_path).map_err(|source| CliError::Open {
        path: request.labels_path.clone(),
        source,
    })?;
    let labels = Labels::parse(&request.labels_path, &labels_bytes)?;
    let warmup = match request.warmup_days {
        Some(days) => Warmup {
            days,
            source: "--warmup-days",
        },
        None => default_warmup(&runs),
    };
    let mut results = Vec::with_capacity(runs.len());
    let mut notes = Vec::new();
    let mut warnings = Vec::new();
    for (text, options) in &runs {
        let run = run_once(&request, &data, &labels, text, options, warmup)?;
        results.push(run.scores);
        notes.push(run.note);
        warnings.push(run.warnings);
    }
    let output = if request.json {
        json(&results)
    } else {
        table(&results)
    };
    stdout
        .write_all(output.as_bytes())
        .map_err(CliError::Output)?;
    stdout.flush().map_err(CliError::Output)?;
    // Diagnostics are best effort: a closed stderr must not fail a finished run.
    for warning in distinct_warnings(&runs, &warnings) {
        let _ = writeln!(stderr, "emailoutlier: WARN: {warning}");
    }
    // One line per distinct summary: option sets that differ only in thresholds share one.
    notes.dedup();
    for note in &notes {
        let _ = writeln!(stderr, "emailoutlier: INFO: {note}");
    }
    Ok(())
}

/// `None` for `--help`.
fn parse_args(args: impl Iterator<Item = OsString>) -> Result<Option<Request>, CliError> {
    use lexopt::Arg::{Long, Short, Value};
    let mut parser = lexopt::Parser::from_args(args);
    let mut data_path = None;
    let mut labels_path = None;
    let mut tokens = Vec::new();
    let mut sweep = None;
    let mut warmup_days = None;
    let mut json = false;
    let text = |value: OsString, what: &str| {
        value
            .into_string()
            .map_err(|v| CliError::Usage(format!("{what} {v:?} is not UTF-8")))
    };
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("labels") => {
                labels_path = Some(text(parser.value().map_err(usage)?, "--labels path")?);
            }
            Long("sweep") => {
                let value = text(parser.value().map_err(usage)?, "--sweep")?;
                if sweep.is_some() {
                    return Err(CliError::Usage(
                        "--sweep is given more than once; sweep one option per run".into(),
                    ));
                }
                sweep = Some(parse_sweep(&value)?);
            }
            Long("warmup-days") => {
                let value = parser.value().map_err(usage)?;
                warmup_days = Some(
                    value
                        .to_str()
                        .and_then(|v| v.parse::<u64>().ok())
                        .filter(|n| *n <= 100_000)
                        .ok_or_else(|| {
                            CliError::Usage(format!(
                                "invalid value {value:?} for --warmup-days: expected a whole number from 0 to 100000"
                            ))
                        })?,
                );
            }
            Long("format") => {
                json = match parser.value().map_err(usage)?.to_str() {
                    Some("text") => false,
                    Some("json") => true,
                    other => {
                        return Err(CliError::Usage(format!(
                            "invalid --format {:?}: expected text or json",
                            other.unwrap_or("(not UTF-8)")
                        )))
                    }
                };
            }
            Short('h') | Long("help") => return Ok(None),
            Value(value) => {
                let value = text(value, "argument")?;
                if data_path.is_none() {
                    data_path = Some(value);
                } else {
                    tokens.push(value);
                }
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    let data_path = data_path.ok_or_else(|| {
        CliError::Usage("evaluate needs an input: a CSV file, or - for stdin".into())
    })?;
    let labels_path = labels_path.ok_or_else(|| {
        CliError::Usage("evaluate needs --labels <labels.csv> (dest_ip,_time,kind)".into())
    })?;
    Ok(Some(Request {
        data_path,
        labels_path,
        tokens,
        sweep,
        warmup_days,
        json,
    }))
}

/// `name=v1,v2,…` → the name and its values.
fn parse_sweep(text: &str) -> Result<(String, Vec<String>), CliError> {
    let bad = || {
        CliError::Usage(format!(
            "invalid --sweep \"{}\": expected name=value1,value2,…, such as deviation_threshold=2,3,4",
            quote(text)
        ))
    };
    let (name, values) = text.split_once('=').ok_or_else(bad)?;
    let values: Vec<String> = values.split(',').map(str::to_owned).collect();
    if name.is_empty() || values.iter().any(String::is_empty) {
        return Err(bad());
    }
    Ok((name.to_owned(), values))
}

/// The option text shown in each result row, and the parsed options of that run.
fn option_sets(request: &Request) -> Result<Vec<(String, Options)>, CliError> {
    let given = |name: &str| {
        request
            .tokens
            .iter()
            .any(|t| t.split_once('=').is_some_and(|(n, _)| n == name))
    };
    if given("mode") {
        return Err(CliError::Usage(format!(
            "evaluate runs the detection with {MODE} itself; leave out the mode= option"
        )));
    }
    let sets: Vec<Vec<String>> = match &request.sweep {
        None => vec![request.tokens.clone()],
        Some((name, values)) => {
            if given(name) {
                return Err(CliError::Usage(format!(
                    "option {} is both given and swept; give it only in --sweep",
                    quote(name)
                )));
            }
            values
                .iter()
                .map(|v| {
                    let mut tokens = request.tokens.clone();
                    tokens.push(format!("{name}={v}"));
                    tokens
                })
                .collect()
        }
    };
    sets.into_iter()
        .map(|tokens| {
            let options = Options::parse(
                tokens
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::once(MODE)),
            )?;
            Ok::<_, OptionsError>((tokens.join(" "), options))
        })
        .collect::<Result<_, _>>()
        .map_err(CliError::from)
}

/// The days before the first judged one, and where the number came from (for the INFO line).
#[derive(Debug, Clone, Copy)]
struct Warmup {
    days: u64,
    source: &'static str,
}

/// `--warmup-days` when not given: the backtest's window, so every judged row has a full one;
/// in a sweep the widest window of its runs, so that all its rows judge the same host-days.
fn default_warmup(runs: &[(String, Options)]) -> Warmup {
    let days = runs
        .iter()
        .map(|(_, options)| u64::from(options.baseline_days))
        .max()
        .unwrap_or_default();
    let source = if runs.len() > 1 {
        "the largest baseline_days of the sweep"
    } else {
        "baseline_days"
    };
    Warmup { days, source }
}

/// Each distinct WARN text of the runs once, in order of first appearance; one that not
/// every run gives ends with the options of the runs that give it.
fn distinct_warnings(runs: &[(String, Options)], warnings: &[Vec<String>]) -> Vec<String> {
    let mut distinct: Vec<&String> = Vec::new();
    for warning in warnings.iter().flatten() {
        if !distinct.contains(&warning) {
            distinct.push(warning);
        }
    }
    distinct
        .into_iter()
        .map(|warning| {
            let givers: Vec<&str> = runs
                .iter()
                .zip(warnings)
                .filter(|(_, given)| given.contains(warning))
                .map(|((text, _), _)| shown_options(text))
                .collect();
            if givers.len() == runs.len() {
                warning.clone()
            } else {
                format!("{warning} (options: {})", givers.join("; "))
            }
        })
        .collect()
}

/// The options of a result row as shown: `(defaults)` for none.
fn shown_options(text: &str) -> &str {
    if text.is_empty() {
        "(defaults)"
    } else {
        text
    }
}

fn read_input(path: &str, stdin: &mut dyn Read) -> Result<Vec<u8>, CliError> {
    let open_error = |source| CliError::Open {
        path: path.to_owned(),
        source,
    };
    if path == "-" {
        let mut data = Vec::new();
        stdin.read_to_end(&mut data).map_err(open_error)?;
        Ok(data)
    } else {
        std::fs::read(path).map_err(open_error)
    }
}

/// What one engine run gives: its scores, an INFO text and its WARN texts.
struct Run {
    scores: Scores,
    note: String,
    warnings: Vec<String>,
}

/// One engine run over the data and its scores.
fn run_once(
    request: &Request,
    data: &[u8],
    labels: &Labels,
    text: &str,
    options: &Options,
    warmup: Warmup,
) -> Result<Run, CliError> {
    let clock = resolve_clock(options)?;
    let mut days = DayCache::new(clock.zone.clone());
    let index = labels.index(&mut days)?;
    let mut engine =
        Engine::new(options, clock.day_start()?).with_calendar(Box::new(clock.zone.clone()));
    feed_csv(&mut engine, options.mode, data)
        .map_err(|source| CliError::Csv {
            path: request.data_path.clone(),
            source,
        })?
        .map_err(CliError::Engine)?;
    let mut sink = ScoreSink::new(&options.by, &options.time, &mut days, &index);
    let summary = engine.finish(&mut sink)?;
    if let Some(i) = sink.matched.iter().position(|&m| !m) {
        return Err(labels.unmatched(i, &request.data_path).into());
    }
    let (scores, unscored) = sink.scores(text.to_owned(), warmup.days);
    let (first, judged) = sink.judged_range(warmup.days);
    let mut warnings: Vec<String> = summary.warning().into_iter().collect();
    warnings.extend(unscored_warning(&unscored, options));
    let note = format!(
        "rows read {}, hosts {}, labels {} in {} campaigns; days from {} judged (first day {} + {} warm-up days, {}); {}; {} option set{}",
        summary.rows_read,
        summary.hosts,
        labels.rows.len(),
        index.campaigns,
        judged.map_or_else(|| "-".to_owned(), date_text),
        first.map_or_else(|| "-".to_owned(), date_text),
        warmup.days,
        warmup.source,
        unscored_info(&unscored, scores.host_days, options),
        request.sweep.as_ref().map_or(1, |(_, v)| v.len()),
        if request.sweep.as_ref().is_some_and(|(_, v)| v.len() > 1) { "s" } else { "" },
    );
    Ok(Run {
        scores,
        note,
        warnings,
    })
}

/// `rows scored S in H host-days, not scored N (…)`: where every row went.
fn unscored_info(unscored: &Unscored, host_days: u64, options: &Options) -> String {
    let not_scored = unscored.before_warmup + unscored.no_host + unscored.no_day;
    format!(
        "rows scored {} in {host_days} host-days, not scored {not_scored} ({} before the judged days, {} with an empty {}, {} without a day)",
        unscored.scored_rows,
        unscored.before_warmup,
        unscored.no_host,
        options.by,
        unscored.no_day,
    )
}

/// A WARN for rows that are in no host-day, `None` when every row has a host and a day.
fn unscored_warning(unscored: &Unscored, options: &Options) -> Option<String> {
    let lost = unscored.no_host + unscored.no_day;
    let mut why = Vec::new();
    if unscored.no_host > 0 {
        why.push(format!("{} with an empty {}", unscored.no_host, options.by));
    }
    if unscored.no_day > 0 {
        why.push(format!(
            "{} with a {} that is not a number of seconds in years 1 to 9998",
            unscored.no_day, options.time
        ));
    }
    (lost > 0).then(|| {
        format!(
            "{lost} {} in no host-day and not scored: {}",
            if lost == 1 { "row is" } else { "rows are" },
            why.join(", ")
        )
    })
}

const COLUMNS: [&str; 13] = [
    "options",
    "host_days",
    "positives",
    "negatives",
    "true_positives",
    "false_positives",
    "recall",
    "false_positive_rate",
    "precision",
    "alerts_per_day",
    "event_recall",
    "first_day_recall",
    "later_day_recall",
];

/// An aligned table: the options left-aligned, numbers right-aligned; `-` for no value.
fn table(results: &[Scores]) -> String {
    let fixed = |x: Option<f64>, decimals: usize| {
        x.map_or_else(|| "-".to_owned(), |x| format!("{x:.decimals$}"))
    };
    let rows: Vec<[String; 13]> = results
        .iter()
        .map(|s| {
            [
                if s.options.is_empty() {
                    "(defaults)".to_owned()
                } else {
                    s.options.clone()
                },
                s.host_days.to_string(),
                s.positives.to_string(),
                s.negatives.to_string(),
                s.true_positives.to_string(),
                s.false_positives.to_string(),
                fixed(s.recall, 4),
                fixed(s.false_positive_rate, 6),
                fixed(s.precision, 4),
                fixed(s.alerts_per_day, 2),
                fixed(s.event_recall, 4),
                fixed(s.first_day_recall, 4),
                fixed(s.later_day_recall, 4),
            ]
        })
        .collect();
    let mut widths = COLUMNS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i == 0 {
                out.push_str(&format!("{cell:<width$}"));
            } else {
                out.push_str(&format!("  {cell:>width$}"));
            }
        }
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
    };
    line(&COLUMNS);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells);
    }
    out
}

/// A JSON array of objects, one per line.
fn json(results: &[Scores]) -> String {
    if results.is_empty() {
        return "[]\n".to_owned();
    }
    let objects: Vec<String> = results
        .iter()
        .map(|s| serde_json::to_string(s).unwrap_or_else(|_| "null".to_owned()))
        .collect();
    format!("[\n  {}\n]\n", objects.join(",\n  "))
}

#[cfg(test)]
mod tests;
