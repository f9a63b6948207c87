//! Standalone mode: the same detection over a CSV file, and a sample generator.
//!
//! ```text
//! emailoutlier detect <file.csv|-> [name=value …] [--format csv|json]
//! emailoutlier sample [--hosts N] [--days D] [--seed S] [--now EPOCH] [--missing-percent P]
//!     [--labels FILE] [--hard] [--volume-decades D] [--day-sigma-max S] [--weekend-percent P]
//!     [--late-percent P] [--burst-percent P] [--campaign-percent P]
//! emailoutlier evaluate <data.csv|-> --labels <labels.csv> [name=value …]
//!     [--sweep name=v1,v2,…] [--warmup-days N] [--format text|json]
//! ```
//!
//! `detect` reads `tstats` output (a header row, then `dest_ip,_time,bytes_out` rows; other
//! fields are allowed), runs the [`Engine`] and prints the alerts as CSV, the same bytes a
//! search would return, or as JSON (an array of objects, values as text, empty → `null`). The
//! INFO summary and any WARN go to stderr. The output is written only once the whole input is
//! read, so a failed run prints nothing on stdout. [`sample`] documents the generator and its
//! labels, [`evaluate`] the scoring.
//!
//! # Example
//! ```
//! use emailoutlier::cli;
//! let mut sample = Vec::new();
//! cli::run(vec!["sample".into(), "--hosts".into(), "40".into()], &mut std::io::empty(), &mut sample)?;
//! let mut alerts = Vec::new();
//! let args = ["detect", "-", "now=1767268800", "tz=UTC"].map(Into::into).to_vec();
//! cli::run_with_stderr(args, &mut sample.as_slice(), &mut alerts, &mut std::io::sink())?;
//! assert!(alerts.starts_with(b"dest_ip,_time,bytes_out,avg_bytes_out,"));
//! assert!(alerts.split(|&b| b == b'\n').count() > 2); // header, at least one alert, end
//! # Ok::<(), cli::CliError>(())
//! ```

pub mod evaluate;
pub mod sample;

use std::ffi::OsString;
use std::io::{self, Read, Write};

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::detect::engine::{Engine, EngineError, RowSink, Summary};
use crate::detect::options::{Mode, Options, OptionsError};
use crate::protocol::body::BodyWriter;
use crate::splunk::clock::{self, SearchTime};
use crate::splunk::tz::{SearchZone, TzError};
use sample::{
    SampleSpec, MAX_DAYS, MAX_DAY_SIGMA, MAX_HOSTS, MAX_NOW, MAX_VOLUME_DECADES, MIN_DAY_SIGMA,
};

/// The usage text printed by `emailoutlier help`.
pub const USAGE: &str = "\
usage:
  emailoutlier detect <file.csv|-> [name=value ...] [--format csv|json]
      Find days on which an email server sent a host far more bytes than usual.
      Input: tstats output with dest_ip, _time, bytes_out (a header row first; - is stdin).
      Options: deviation_threshold=3 minimum_data_samples=4 now=<epoch> tz=<IANA zone>
               value=bytes_out by=dest_ip time=_time mode=alerts|annotate|backtest
               baseline_days=30 (mode=backtest: days before each row's day in its window)
               method=seed|predictive; with method=predictive:
               fpr=0.001 min_bytes=100000000 baseline=all|daytype
  emailoutlier sample [--hosts N] [--days D] [--seed S] [--now EPOCH] [--missing-percent P]
                      [--labels FILE] [--hard] [hard-feature flags below]
      Write realistic sample input (defaults: 1000 hosts, 30 days, seed 1,
      now 1767268800 = 2026-01-01T12:00:00Z, 2% of past days missing), e.g.
      emailoutlier sample | emailoutlier detect - now=1767268800 tz=UTC
      --labels FILE          also write the ground truth: dest_ip,_time,kind, one row per
                             exfiltration host-day (kind=exfiltration)
      --hard                 all features below, with the values in brackets:
      --volume-decades D     typical volumes log-uniform over D decades around 150 MB [4]
      --day-sigma-max S      each host's day-to-day sigma uniform in [0.05, S] [0.6]
      --weekend-percent P    only P% of hosts have quiet weekends (35%) [80; default 100]
      --missing-percent P    P% of past days missing [5; default 2]
      --late-percent P       P% of hosts start on a random later day of the window [10]
      --burst-percent P      P% of host-days are benign 3-10x bursts, not labelled [1]
      --campaign-percent P   P% of hosts get a 1-5 day exfiltration of a 0.2-50 GB mailbox
                             on any day, instead of the default's 20-80 GB today [2]
  emailoutlier evaluate <data.csv|-> --labels <labels.csv> [name=value ...]
                        [--sweep name=v1,v2,...] [--warmup-days N] [--format text|json]
      Score the detection (any detect option) against labelled host-days: counts, recall,
      false_positive_rate, precision, alerts_per_day, event/first-day/later-day recall.
      A host-day (host, local day) alerts when any of its rows has is_outlier=1; rows with
      an empty host or no numeric time are in none (counted on stderr).
      Rows on days before (first day of the input + N) are not judged (default N:
      baseline_days; in a sweep the largest baseline_days of its runs, so every row judges
      the same host-days). --sweep runs once per value, one row each.
";

/// Why a CLI run failed; `main` prints it and exits with status 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Bad command line.
    #[error("{0}; run `emailoutlier help` for usage")]
    Usage(String),
    /// Bad `name=value` option.
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// The input lacks a needed field.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The input file cannot be opened.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The path given.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The input is not readable CSV.
    #[error("cannot read {path} as CSV: {source}")]
    Csv {
        /// The path given (`-` for stdin).
        path: String,
        /// Where and why.
        source: csv::Error,
    },
    /// The time zone is unknown, or `now` has no start of day in it.
    #[error(transparent)]
    Time(#[from] TzError),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(io::Error),
    /// The labels or the detection's output cannot be scored.
    #[error(transparent)]
    Evaluate(#[from] evaluate::EvaluateError),
    /// An output file (`--labels`) cannot be created or written.
    #[error("cannot write {path}: {source}")]
    Create {
        /// The path given.
        path: String,
        /// Why.
        source: io::Error,
    },
}

/// Runs `emailoutlier <args>` (`args` starts with the subcommand), INFO/WARN to the process's
/// stderr.
///
/// # Errors
/// [`CliError`]; nothing has been written to `stdout` then (except by `sample`, which streams).
pub fn run(
    args: Vec<OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    run_with_stderr(args, stdin, stdout, &mut io::stderr())
}

/// [`run`] with the diagnostics going to `stderr` (tests capture them).
///
/// # Errors
/// As [`run`].
pub fn run_with_stderr(
    args: Vec<OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let mut args = args.into_iter();
    let subcommand = args.next().unwrap_or_default();
    let result = match subcommand.to_str() {
        Some("detect") => detect(args, stdin, stdout, stderr),
        Some("sample") => sample_command(args, stdout),
        Some("evaluate") => evaluate::evaluate(args, stdin, stdout, stderr),
        Some("help" | "-h" | "--help") => {
            stdout.write_all(USAGE.as_bytes()).map_err(CliError::Output)
        }
        Some("") => Err(CliError::Usage(
            "missing subcommand: detect, evaluate, sample or help".into(),
        )),
        _ => Err(CliError::Usage(format!(
            "unknown subcommand {:?}: expected detect, evaluate, sample or help",
            subcommand
        ))),
    };
    match result {
        // Like `head` closing the pipe: the reader has what it wanted.
        Err(CliError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Output format of `detect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

fn usage(error: lexopt::Error) -> CliError {
    CliError::Usage(error.to_string())
}

fn detect(
    args: impl Iterator<Item = OsString>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    use lexopt::Arg::{Long, Short, Value};
    let mut parser = lexopt::Parser::from_args(args);
    let mut path: Option<String> = None;
    let mut tokens: Vec<String> = Vec::new();
    let mut format = Format::Csv;
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("format") => {
                format = match parser.value().map_err(usage)?.to_str() {
                    Some("csv") => Format::Csv,
                    Some("json") => Format::Json,
                    other => {
                        return Err(CliError::Usage(format!(
                            "invalid --format {:?}: expected csv or json",
                            other.unwrap_or("(not UTF-8)")
                        )))
                    }
                }
            }
            Short('h') | Long("help") => {
                return stdout.write_all(USAGE.as_bytes()).map_err(CliError::Output)
            }
            Value(value) => {
                let text = value
                    .into_string()
                    .map_err(|v| CliError::Usage(format!("argument {v:?} is not UTF-8")))?;
                if path.is_none() {
                    path = Some(text);
                } else {
                    tokens.push(text);
                }
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    let path = path.ok_or_else(|| {
        CliError::Usage("detect needs an input: a CSV file, or - for stdin".into())
    })?;
    let options = Options::parse(tokens.iter().map(String::as_str))?;
    let clock = resolve_clock(&options)?;
    let mut engine =
        Engine::new(&options, clock.day_start()?).with_calendar(Box::new(clock.zone.clone()));
    let csv_error = |source| CliError::Csv {
        path: path.clone(),
        source,
    };
    if path == "-" {
        feed_csv(&mut engine, options.mode, stdin)
    } else {
        let file = std::fs::File::open(&path).map_err(|source| CliError::Open {
            path: path.clone(),
            source,
        })?;
        feed_csv(&mut engine, options.mode, file)
    }
    .map_err(csv_error)??;
    let (summary, note, output) = finish(engine, format)?;
    stdout.write_all(&output).map_err(CliError::Output)?;
    stdout.flush().map_err(CliError::Output)?;
    // Diagnostics are best effort: a closed stderr must not fail a finished run.
    if let Some(warning) = summary.warning() {
        let _ = writeln!(stderr, "emailoutlier: WARN: {warning}");
    }
    let note = note.map(|note| format!("; {note}")).unwrap_or_default();
    let _ = writeln!(
        stderr,
        "emailoutlier: INFO: {}{note}; {}",
        summary.info(),
        clock.describe()
    );
    Ok(())
}

/// Reads the CSV header and rows into the engine, one reused record.
fn feed_csv<R: Read>(
    engine: &mut Engine,
    mode: Mode,
    input: R,
) -> Result<Result<(), EngineError>, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let names: Vec<String> = reader
        .byte_headers()?
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    let columns = match engine.bind(&names) {
        Ok(columns) => columns,
        Err(e) => return Ok(Err(e)),
    };
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record)? {
        let field = |i| record.get(i).unwrap_or_default();
        let (by, time, value) = (field(columns.by), field(columns.time), field(columns.value));
        match mode {
            Mode::Alerts => engine.feed(by, time, value, &[]),
            Mode::Annotate | Mode::Backtest => {
                let row: Vec<&[u8]> = record.iter().collect();
                engine.feed(by, time, value, &row);
            }
        }
    }
    Ok(Ok(()))
}

fn finish(engine: Engine, format: Format) -> Result<(Summary, Option<String>, Vec<u8>), CliError> {
    match format {
        Format::Csv => {
            let mut output = Vec::new();
            let mut writer = BodyWriter::new(&mut output);
            let output_error = |e| CliError::Output(io::Error::other(e));
            let (summary, note) = engine.finish_with_note(&mut writer).map_err(output_error)?;
            writer.finish().map_err(output_error)?;
            Ok((summary, note, output))
        }
        Format::Json => {
            let mut sink = JsonSink::default();
            let (summary, note) = engine
                .finish_with_note(&mut sink)
                .map_err(CliError::Output)?;
            sink.out
                .extend_from_slice(if sink.rows == 0 { b"[]\n" } else { b"\n]\n" });
            Ok((summary, note, sink.out))
        }
    }
}

/// `now` and the zone from the options, else the system clock and zone (there is no
/// info.csv outside Splunk), resolved by the same code the Splunk command uses.
fn resolve_clock(options: &Options) -> Result<SearchTime, CliError> {
    let option_zone = options.tz.as_deref().map(SearchZone::iana).transpose()?;
    #[allow(clippy::cast_precision_loss)] // milliseconds since 1970 fit f64 exactly
    let system_now = Timestamp::now().as_millisecond() as f64 / 1000.0;
    Ok(clock::resolve(
        options.now,
        option_zone,
        None,
        system_now,
        TimeZone::system(),
    ))
}

/// A JSON array of objects, one per line; values are the CSV texts, empty ones `null`.
#[derive(Default)]
struct JsonSink {
    names: Vec<String>,
    out: Vec<u8>,
    rows: u64,
}

impl RowSink for JsonSink {
    type Error = io::Error;
    fn write_header(&mut self, names: &[&str]) -> Result<(), io::Error> {
        self.names = names
            .iter()
            .map(|name| serde_json::to_string(name).map_err(io::Error::from))
            .collect::<Result<_, _>>()?;
        Ok(())
    }
    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), io::Error> {
        self.out
            .extend_from_slice(if self.rows == 0 { b"[\n  {" } else { b",\n  {" });
        for (i, (name, value)) in self.names.iter().zip(fields).enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.out.extend_from_slice(name.as_bytes());
            self.out.push(b':');
            if value.is_empty() {
                self.out.extend_from_slice(b"null");
            } else {
                serde_json::to_writer(&mut self.out, &String::from_utf8_lossy(value))?;
            }
        }
        self.out.push(b'}');
        self.rows += 1;
        Ok(())
    }
}

/// One `sample` flag's change to the spec, applied after the `--hard` preset.
type SpecChange = Box<dyn Fn(&mut SampleSpec)>;

fn sample_command(
    args: impl Iterator<Item = OsString>,
    stdout: &mut dyn Write,
) -> Result<(), CliError> {
    use lexopt::Arg::{Long, Short};
    let mut parser = lexopt::Parser::from_args(args);
    // Flags are applied after the preset, whatever their order.
    let mut hard = false;
    let mut changes: Vec<SpecChange> = Vec::new();
    let mut labels_path: Option<String> = None;
    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Long("hosts") => {
                let n = bounded(&mut parser, "--hosts", 1, MAX_HOSTS)?;
                changes.push(Box::new(move |s| s.hosts = n));
            }
            Long("days") => {
                let n = u32::try_from(bounded(&mut parser, "--days", 1, u64::from(MAX_DAYS))?)
                    .unwrap_or(MAX_DAYS);
                changes.push(Box::new(move |s| s.days = n));
            }
            Long("seed") => {
                let n = bounded(&mut parser, "--seed", 0, u64::MAX)?;
                changes.push(Box::new(move |s| s.seed = n));
            }
            Long("missing-percent") => {
                let n =
                    u8::try_from(bounded(&mut parser, "--missing-percent", 0, 100)?).unwrap_or(100);
                changes.push(Box::new(move |s| s.missing_percent = n));
            }
            Long("now") => {
                let n = i64::try_from(bounded(&mut parser, "--now", 0, MAX_NOW.unsigned_abs())?)
                    .unwrap_or(MAX_NOW);
                changes.push(Box::new(move |s| s.now = n));
            }
            Long("hard") => hard = true,
            Long("volume-decades") => {
                let x = real(&mut parser, "--volume-decades", 0.0, MAX_VOLUME_DECADES)?;
                changes.push(Box::new(move |s| s.volume_decades = Some(x)));
            }
            Long("day-sigma-max") => {
                let x = real(&mut parser, "--day-sigma-max", MIN_DAY_SIGMA, MAX_DAY_SIGMA)?;
                changes.push(Box::new(move |s| s.day_sigma_max = Some(x)));
            }
            Long("weekend-percent") => {
                let x = real(&mut parser, "--weekend-percent", 0.0, 100.0)?;
                changes.push(Box::new(move |s| s.weekend_percent = x));
            }
            Long("late-percent") => {
                let x = real(&mut parser, "--late-percent", 0.0, 100.0)?;
                changes.push(Box::new(move |s| s.late_percent = x));
            }
            Long("burst-percent") => {
                let x = real(&mut parser, "--burst-percent", 0.0, 100.0)?;
                changes.push(Box::new(move |s| s.burst_percent = x));
            }
            Long("campaign-percent") => {
                let x = real(&mut parser, "--campaign-percent", 0.0, 100.0)?;
                changes.push(Box::new(move |s| s.campaign_percent = Some(x)));
            }
            Long("labels") => {
                let value = parser.value().map_err(usage)?;
                labels_path =
                    Some(value.into_string().map_err(|v| {
                        CliError::Usage(format!("--labels path {v:?} is not UTF-8"))
                    })?);
            }
            Short('h') | Long("help") => {
                return stdout.write_all(USAGE.as_bytes()).map_err(CliError::Output)
            }
            other => return Err(usage(other.unexpected())),
        }
    }
    let mut spec = if hard {
        SampleSpec::hard()
    } else {
        SampleSpec::default()
    };
    for change in &changes {
        change(&mut spec);
    }
    let Some(path) = labels_path else {
        return sample::write_sample(&spec, stdout).map_err(CliError::Output);
    };
    // Created before any output, so a bad path fails with nothing on stdout.
    let file = std::fs::File::create(&path).map_err(|source| CliError::Create {
        path: path.clone(),
        source,
    })?;
    let mut labels = io::BufWriter::new(file);
    sample::write_labelled_sample(&spec, stdout, Some(&mut labels)).map_err(|e| match e {
        sample::SampleError::Output(e) => CliError::Output(e),
        sample::SampleError::Labels(source) => CliError::Create { path, source },
    })
}

/// The flag's value as a number in `min..=max`.
fn real(parser: &mut lexopt::Parser, flag: &str, min: f64, max: f64) -> Result<f64, CliError> {
    let value = parser.value().map_err(usage)?;
    value
        .to_str()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|x| (min..=max).contains(x))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "invalid value {value:?} for {flag}: expected a number from {min} to {max}"
            ))
        })
}

/// The flag's value as a whole number in `min..=max`.
fn bounded(parser: &mut lexopt::Parser, flag: &str, min: u64, max: u64) -> Result<u64, CliError> {
    let value = parser.value().map_err(usage)?;
    value
        .to_str()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "invalid value {value:?} for {flag}: expected a whole number from {min} to {max}"
            ))
        })
}

#[cfg(test)]
mod tests;
