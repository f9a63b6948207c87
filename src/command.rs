//! The detection as a Splunk search command: the glue between [`crate::protocol`] and
//! [`crate::detect`], which never import each other.
//!
//! `getinfo` parses the options (so that a bad option fails while splunkd parses the search);
//! the first `execute` resolves the search's `now` and time zone (options, then
//! `<dispatch_dir>/info.csv`, then the system clock and zone) and builds the [`Engine`]; each
//! chunk's rows are fed to it; `finish` writes the output rows and one INFO message (plus a WARN
//! when some values were not numeric).

use std::path::{Path, PathBuf};

use crate::detect::engine::{Columns, Engine, RowSink};
use crate::detect::options::{Mode, Options};
use crate::protocol::body::{BodyError, BodyReader, BodyWriter};
use crate::protocol::message::{CommandType, GetInfo, GetInfoReply, Level, Message};
use crate::protocol::session::{Command, CommandError};
use crate::splunk::{clock, info, tz::SearchZone};

/// Where the command gets what lies outside the protocol: the system clock and zone, and the
/// bytes of `info.csv`. `main` passes the real ones; tests pass fixed ones.
pub struct Environment {
    /// The system clock, in epoch seconds.
    pub system_now: f64,
    /// The process's local time zone (`TZ`, then `/etc/localtime`).
    pub system_zone: jiff::tz::TimeZone,
    /// Reads a file (used for `<dispatch_dir>/info.csv` only).
    pub read_file: fn(&Path) -> std::io::Result<Vec<u8>>,
}

impl Environment {
    /// The real environment of a process: the system clock, the local zone and the file system.
    pub fn system() -> Environment {
        Environment {
            system_now: jiff::Timestamp::now().as_millisecond() as f64 / 1000.0,
            system_zone: jiff::tz::TimeZone::system(),
            read_file: |path| std::fs::read(path),
        }
    }
}

/// The `emailoutlier` search command.
pub struct OutlierCommand {
    environment: Environment,
    options: Options,
    dispatch_dir: String,
    run: Option<Run>,
    warnings: Vec<String>,
}

/// What exists once rows arrive.
struct Run {
    engine: Engine,
    time_note: String,
}

impl OutlierCommand {
    /// A command that will take its clock, zone and files from `environment`.
    pub fn new(environment: Environment) -> OutlierCommand {
        OutlierCommand {
            environment,
            options: Options::default(),
            dispatch_dir: String::new(),
            run: None,
            warnings: Vec::new(),
        }
    }

    /// The run of this search, built when the first rows arrive: that is when `now`, the zone
    /// and so "today" are settled (a getinfo-only run never reads info.csv).
    fn run(&mut self) -> Result<&mut Run, CommandError> {
        let run = match self.run.take() {
            Some(run) => run,
            None => self.new_run()?,
        };
        Ok(self.run.insert(run))
    }

    fn new_run(&mut self) -> Result<Run, CommandError> {
        let dispatch = self.read_dispatch_info()?;
        let option_zone = self
            .options
            .tz
            .as_deref()
            .map(SearchZone::iana)
            .transpose()?;
        let time = clock::resolve(
            self.options.now,
            option_zone,
            dispatch.as_ref(),
            self.environment.system_now,
            self.environment.system_zone.clone(),
        );
        Ok(Run {
            engine: Engine::new(&self.options, time.day_start()?)
                .with_calendar(Box::new(time.zone.clone())),
            time_note: time.describe(),
        })
    }

    /// `info.csv` when the options leave `now` or `tz` open and the dispatch folder is known.
    /// A missing file falls back to the system clock with a WARN; an unreadable or malformed
    /// one is an error, because a wrong "today" would silently change which rows can alert.
    fn read_dispatch_info(&mut self) -> Result<Option<info::DispatchInfo>, CommandError> {
        if (self.options.now.is_some() && self.options.tz.is_some()) || self.dispatch_dir.is_empty()
        {
            return Ok(None);
        }
        let path = PathBuf::from(&self.dispatch_dir).join("info.csv");
        match (self.environment.read_file)(&path) {
            Ok(bytes) => info::parse_info_csv(&bytes).map(Some).map_err(|e| {
                format!(
                    "cannot use {}: {e}; pass now=<epoch seconds> and tz=<zone> to the command instead",
                    path.display()
                )
                .into()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let fallback = match (self.options.now, &self.options.tz) {
                    (Some(_), None) => "time zone",
                    (None, Some(_)) => "clock",
                    _ => "clock and time zone",
                };
                self.warnings.push(format!(
                    "{} does not exist; using the system {fallback} for \"today\"",
                    path.display()
                ));
                Ok(None)
            }
            Err(e) => Err(format!(
                "cannot read {}: {e}; pass now=<epoch seconds> and tz=<zone> to the command instead",
                path.display()
            )
            .into()),
        }
    }
}

impl Command for OutlierCommand {
    fn getinfo(&mut self, request: &GetInfo) -> Result<GetInfoReply, CommandError> {
        let info = &request.searchinfo;
        self.options = Options::parse(info.args.iter().map(String::as_str))?;
        self.dispatch_dir = info.dispatch_dir.clone();
        let required_fields = match self.options.mode {
            Mode::Alerts => Some(vec![
                self.options.by.clone(),
                self.options.time.clone(),
                self.options.value.clone(),
            ]),
            Mode::Annotate | Mode::Backtest => None,
        };
        Ok(GetInfoReply {
            command_type: CommandType::Events,
            required_fields,
        })
    }

    fn feed(&mut self, body: &mut BodyReader<'_>) -> Result<(), CommandError> {
        let annotate = matches!(self.options.mode, Mode::Annotate | Mode::Backtest);
        let run = self.run()?;
        if body.fields().is_empty() {
            return Ok(());
        }
        let Columns { value, by, time } = run.engine.bind(body.fields())?;
        let width = body.fields().len();
        while let Some(row) = body.read_row()? {
            // Annotate and backtest keep every row anyway; alerts mode needs three fields.
            let all: Vec<&[u8]> = match annotate {
                true => (0..width).map(|i| row.get(i)).collect(),
                false => Vec::new(),
            };
            run.engine
                .feed(row.get(by), row.get(time), row.get(value), &all);
        }
        Ok(())
    }

    fn finish(&mut self, output: &mut BodyWriter<'_>) -> Result<Vec<Message>, CommandError> {
        let run = match self.run.take() {
            Some(run) => run,
            None => self.new_run()?,
        };
        let (summary, note) = run.engine.finish_with_note(output)?;
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.extend(summary.warning());
        let mut messages: Vec<Message> = warnings
            .into_iter()
            .map(|text| Message::new(Level::Warn, text))
            .collect();
        let note = note.map(|note| format!("; {note}")).unwrap_or_default();
        messages.push(Message::new(
            Level::Info,
            format!("{}{note}; {}", summary.info(), run.time_note),
        ));
        Ok(messages)
    }
}

/// Lets the engine write its rows straight into a reply body (and the CLI's CSV output, so
/// both print the same bytes).
impl RowSink for BodyWriter<'_> {
    type Error = BodyError;

    fn write_header(&mut self, names: &[&str]) -> Result<(), Self::Error> {
        BodyWriter::write_header(self, names)
    }

    fn write_row(&mut self, fields: &[&[u8]]) -> Result<(), Self::Error> {
        BodyWriter::write_row(self, fields)
    }
}

#[cfg(test)]
mod tests;
