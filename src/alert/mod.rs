//! The custom alert action `emailoutlier_risk`: risk events without Enterprise Security.
//!
//! splunkd runs `emailoutlier --execute` with a JSON [`payload`] on stdin. The action reads the
//! alert's gzipped CSV [`results`] row by row, turns each row with a risk object into a risk
//! [`event`] with the fields ES's risk action writes, formats them as a [`stash`] `stash_new`
//! file and hands that to splunkd through its [`spool`] folder, atomically: one complete file
//! per run, or none. Everything it reports goes to stderr as lines starting with a level,
//! which splunkd copies to splunkd.log (`component=sendmodalert action=emailoutlier_risk`).
//!
//! Memory is bounded whatever the number of rows: one row (≤ [`results::MAX_ROW_BYTES`]) and
//! one event at a time, plus the file's write buffer.
//!
//! # Example
//!
//! ```
//! use emailoutlier::alert::{execute, AlertEnv};
//!
//! let env = AlertEnv { splunk_home: None, now: std::time::Duration::from_secs(1_718_971_200), pid: 1 };
//! let (lines, ok) = execute(&b"not json"[..], &env);
//! assert!(!ok);
//! assert_eq!(lines, ["ERROR the payload on stdin is not valid JSON for an alert action: expected ident at line 1 column 2"]);
//! ```

pub mod event;
pub mod payload;
pub mod results;
pub mod spool;
pub mod stash;

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use event::{Event, EventBuilder, Notes, RiskParams, Skip, Template};
use payload::{Payload, PayloadError, MAX_PAYLOAD_BYTES};
use results::{ResultsError, ResultsReader};
use spool::{Spool, SpoolError};

/// The action's name (the `alert_actions.conf` stanza).
pub const ACTION: &str = "emailoutlier_risk";

/// The parameters and their defaults, as in `default/alert_actions.conf` (a test checks that
/// the two agree). splunkd merges the defaults into the payload; these apply only when a
/// payload lacks a parameter (e.g. a hand-made one).
pub const PARAMS: [(&str, &str); 5] = [
    ("index", "risk"),
    ("risk_object_field", "dest_ip"),
    ("risk_object_type", "system"),
    ("risk_score", "25"),
    (
        "risk_message",
        "Email servers sent $bytes_out$ bytes to $dest_ip$ in one day ($num_standard_deviations_away_from_server_average$ standard deviations above the average of all hosts, $num_standard_deviations_away_from_client_average$ above this host's own average)",
    ),
];

/// What the action takes from outside besides stdin.
#[derive(Debug, Clone)]
pub struct AlertEnv {
    /// `$SPLUNK_HOME`.
    pub splunk_home: Option<PathBuf>,
    /// The run time, since the Unix epoch.
    pub now: Duration,
    /// The process id (part of the spool file name).
    pub pid: u32,
}

impl AlertEnv {
    /// The real environment: `$SPLUNK_HOME`, the system clock and this process's id.
    pub fn system() -> AlertEnv {
        AlertEnv {
            splunk_home: std::env::var_os("SPLUNK_HOME")
                .filter(|home| !home.is_empty())
                .map(PathBuf::from),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
            pid: std::process::id(),
        }
    }
}

/// Why a run failed. Nothing reached the spool.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// Reading stdin failed.
    #[error("cannot read the payload from stdin: {0}")]
    Stdin(#[source] std::io::Error),
    /// The payload is unusable.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// A parameter has a value the action cannot use.
    #[error("parameter {name} = \"{value}\" is not valid: {expected}")]
    Param {
        /// The parameter.
        name: &'static str,
        /// Its value.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// `$SPLUNK_HOME` is not set.
    #[error("SPLUNK_HOME is not set, so the spool folder $SPLUNK_HOME/var/spool/splunk cannot be found (splunkd sets it for alert actions)")]
    NoSplunkHome,
    /// The spool cannot be used.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The results file cannot be opened.
    #[error("cannot open results_file {path}: {source}")]
    OpenResults {
        /// The path from the payload.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The results file is damaged.
    #[error("results_file {path}: {source}")]
    Results {
        /// The path from the payload.
        path: String,
        /// What is wrong.
        #[source]
        source: ResultsError,
    },
    /// The action panicked (a bug); the temporary file was removed while unwinding.
    #[error("internal error: the action panicked ({0}); please report this as a bug")]
    Panic(String),
    /// The results have rows but no risk object field.
    #[error("the results have no field \"{field}\" (parameter risk_object_field); their fields are: {fields}")]
    NoRiskObjectField {
        /// The parameter's value.
        field: String,
        /// The fields the results have.
        fields: String,
    },
}

/// What a successful run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Rows read.
    pub rows: u64,
    /// Risk events written.
    pub events: u64,
    /// Rows without a risk object (no event), and the line of the first.
    pub without_object: (u64, u64),
    /// The spool file, when events were written.
    pub file: Option<PathBuf>,
    /// The index.
    pub index: String,
    /// The risk object field.
    pub field: String,
    /// Template tokens naming no field.
    pub unknown_tokens: Vec<String>,
    /// Other observations.
    pub notes: Notes,
    /// The run time used for rows without `_time`.
    pub now: String,
    /// The results file.
    pub results_file: String,
}

/// Runs the action on `input` (the payload) and returns the stderr lines, each starting with
/// its level, and whether the run succeeded. The session key never appears in the lines.
pub fn execute(mut input: impl Read, env: &AlertEnv) -> (Vec<String>, bool) {
    let mut bytes = Vec::new();
    let read = (&mut input)
        .take(MAX_PAYLOAD_BYTES as u64 + 1)
        .read_to_end(&mut bytes);
    let outcome = match read {
        Err(e) => Err(AlertError::Stdin(e)),
        Ok(n) if n > MAX_PAYLOAD_BYTES => Err(PayloadError::TooLarge.into()),
        Ok(_) => catch_unwind(AssertUnwindSafe(|| run(&bytes, env))).unwrap_or_else(|payload| {
            let message = crate::protocol::session::panic_message(payload.as_ref());
            Err(AlertError::Panic(message))
        }),
    };
    let (lines, ok) = match outcome {
        Ok(summary) => (report(&summary), true),
        Err(e) => (vec![format!("ERROR {e}")], false),
    };
    let secret = session_key(&bytes);
    let lines = lines
        .into_iter()
        .map(|line| match &secret {
            Some(key) => line.replace(key.as_str(), "<session key>"),
            None => line,
        })
        .collect();
    (lines, ok)
}

/// Shortest session key blanked out of the output. splunkd's keys are long random strings;
/// blanking a short test key such as "k" would garble every line instead.
pub const MIN_REDACTED_KEY_CHARS: usize = 8;

/// The payload's session key, when it has one long enough to blank out.
fn session_key(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Key {
        session_key: Option<String>,
    }
    serde_json::from_slice::<Key>(bytes)
        .ok()
        .and_then(|k| k.session_key)
        .filter(|k| k.chars().count() >= MIN_REDACTED_KEY_CHARS)
}

/// Runs the action on the payload bytes.
///
/// # Errors
///
/// [`AlertError`] for anything that stops the run; no spool file exists then.
pub fn run(payload: &[u8], env: &AlertEnv) -> Result<Summary, AlertError> {
    let payload = Payload::parse(payload)?;
    let params = params(&payload)?;
    let home = env.splunk_home.as_deref().ok_or(AlertError::NoSplunkHome)?;
    let spool = Spool::open(home)?;
    let results_file = payload.results_file.clone();
    let results_error = |source| AlertError::Results {
        path: results_file.clone(),
        source,
    };
    let file =
        std::fs::File::open(&payload.results_file).map_err(|source| AlertError::OpenResults {
            path: results_file.clone(),
            source,
        })?;
    let mut reader = ResultsReader::new(file).map_err(results_error)?;
    let index = params.index.clone();
    let field = params.risk_object_field.clone();
    let builder = EventBuilder::new(params, &payload.search_name, &payload.sid, reader.fields());
    let now = format!("{}.{:03}", env.now.as_secs(), env.now.subsec_millis());
    let mut summary = Summary {
        rows: 0,
        events: 0,
        without_object: (0, 0),
        file: None,
        index,
        field,
        unknown_tokens: builder.unknown_tokens().to_vec(),
        notes: Notes::default(),
        now,
        results_file: payload.results_file.clone(),
    };
    let source = if payload.search_name.is_empty() {
        ACTION
    } else {
        payload.search_name.as_str()
    };
    let mut pending = None;
    let mut event = Event::default();
    let mut bytes = Vec::new();
    while let Some(row) = reader.read_row().map_err(results_error)? {
        summary.rows += 1;
        if !builder.has_risk_object_field() {
            return Err(AlertError::NoRiskObjectField {
                field: summary.field,
                fields: reader.fields().join(","),
            });
        }
        match builder.build(&row, &summary.now, &mut summary.notes, &mut event) {
            Ok(()) => {}
            Err(Skip::NoRiskObject) => {
                if summary.without_object.0 == 0 {
                    summary.without_object.1 = row.line();
                }
                summary.without_object.0 += 1;
                continue;
            }
        }
        bytes.clear();
        let file = match &mut pending {
            Some(file) => file,
            None => {
                stash::write_header(&mut bytes, &summary.index, source);
                pending.insert(spool.create(&file_stem(env))?)
            }
        };
        stash::write_event(&mut bytes, &event);
        file.write_all(&bytes)?;
        summary.events += 1;
    }
    if let Some(file) = pending {
        summary.file = Some(file.commit()?);
    }
    Ok(summary)
}

/// Name of this run's spool file, without `.stash_new`: unique per process and instant.
fn file_stem(env: &AlertEnv) -> String {
    format!(
        "{ACTION}_{}_{:09}_{}",
        env.now.as_secs(),
        env.now.subsec_nanos(),
        env.pid
    )
}

/// The payload's parameters, validated, with the defaults of [`PARAMS`] for absent ones.
///
/// # Errors
///
/// [`AlertError::Param`] naming the first invalid parameter.
pub fn params(payload: &Payload) -> Result<RiskParams, AlertError> {
    let get = |name: &'static str| -> String {
        let default = PARAMS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, d)| *d);
        payload.config(name).unwrap_or(default).trim().to_owned()
    };
    let invalid = |name, value: String, expected| AlertError::Param {
        name,
        value,
        expected,
    };
    let index = get("index");
    if !valid_index(&index) {
        return Err(invalid("index", index, "an index name is lowercase letters, digits, '_' and '-', starts with a letter or digit, has at most 80 characters and does not contain \"kvstore\""));
    }
    let score = get("risk_score");
    if !valid_score(&score) {
        return Err(invalid(
            "risk_score",
            score,
            "expected a number such as 25 or 12.5",
        ));
    }
    let field = get("risk_object_field");
    if field.is_empty() {
        return Err(invalid(
            "risk_object_field",
            field,
            "expected the name of the result field that holds the risk object, such as dest_ip",
        ));
    }
    let object_type = get("risk_object_type");
    if object_type.is_empty() {
        return Err(invalid(
            "risk_object_type",
            object_type,
            "expected a risk object type such as system, user or other",
        ));
    }
    Ok(RiskParams {
        index,
        risk_object_field: field,
        risk_object_type: object_type,
        risk_score: score,
        risk_message: Template::parse(&get("risk_message")),
    })
}

/// Splunk's rule for index names ("only numbers, lowercase letters, underscores, and hyphens",
/// not beginning with an underscore or hyphen, not containing "kvstore"), and at most 80
/// characters (this action's own bound).
fn valid_index(name: &str) -> bool {
    let first_ok = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    first_ok
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !name.contains("kvstore")
}

/// A plain decimal number: optional sign, digits, optional fraction.
fn valid_score(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// The WARN lines and the INFO line of a successful run.
fn report(s: &Summary) -> Vec<String> {
    let mut lines = Vec::new();
    let (without, first) = s.without_object;
    if without > 0 {
        lines.push(format!(
            "WARN {without} of {} rows have no value in \"{}\" (risk_object_field) and wrote no risk event; the first is on line {first} of the results",
            s.rows, s.field
        ));
    }
    if !s.unknown_tokens.is_empty() {
        let tokens: Vec<String> = s.unknown_tokens.iter().map(|t| format!("${t}$")).collect();
        lines.push(format!(
            "WARN risk_message names fields the results do not have, written as empty: {}",
            tokens.join(", ")
        ));
    }
    if s.notes.rows_without_time > 0 {
        lines.push(format!(
            "WARN {} rows have no _time in epoch seconds; their risk events carry the run time {}",
            s.notes.rows_without_time, s.now
        ));
    }
    if s.notes.multivalue_objects > 0 {
        lines.push(format!(
            "WARN {} rows have several values in \"{}\"; each of their risk events takes the first that is not blank as risk_object",
            s.notes.multivalue_objects, s.field
        ));
    }
    let place = match &s.file {
        Some(path) => format!("in {}", path.display()),
        None => "(no spool file: nothing to write)".to_owned(),
    };
    let skipped = if without > 0 {
        format!(
            "{without} rows skipped ({without} without a value in \"{}\")",
            s.field
        )
    } else {
        "0 rows skipped".to_owned()
    };
    lines.push(format!(
        "INFO {ACTION}: read {} rows from {}; wrote {} risk events for index={} {place}; {skipped}",
        s.rows,
        display(Path::new(&s.results_file)),
        s.events,
        s.index,
    ));
    lines
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_session_keys_are_blanked_out() {
        assert_eq!(session_key(br#"{"session_key":"k"}"#), None);
        assert_eq!(
            session_key(br#"{"session_key":"Splunk-abcdefgh"}"#),
            Some("Splunk-abcdefgh".to_owned())
        );
        assert_eq!(session_key(b"not json"), None);
    }

    #[test]
    fn index_names() {
        for ok in ["risk", "main", "risk-2", "r_1", "9x"] {
            assert!(valid_index(ok), "{ok}");
        }
        for bad in [
            "",
            "Risk",
            "_internal",
            "-x",
            "a b",
            "my_kvstore",
            "é",
            &"a".repeat(81),
        ] {
            assert!(!valid_index(bad), "{bad}");
        }
    }

    #[test]
    fn scores() {
        for ok in ["25", "0", "12.5", "-3", "+7", "100.00"] {
            assert!(valid_score(ok), "{ok}");
        }
        for bad in ["", "abc", "1e3", "12.", ".5", "NaN", "inf", "1,5", "25 "] {
            assert!(!valid_score(bad), "{bad}");
        }
    }
}
