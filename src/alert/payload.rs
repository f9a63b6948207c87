//! The JSON payload splunkd writes on the action's stdin (`payload_format = json`).
//!
//! Keys (Splunk's custom alert action framework; the same ones Splunk_SA_CIM's
//! `cim_actions.py` reads): `app`, `owner`, `results_file`, `results_link`, `search_uri`,
//! `server_host`, `server_uri`, `session_key`, `sid`, `search_name`, `configuration` (the
//! action's parameters, already merged with the saved search's
//! `action.emailoutlier_risk.param.*`) and `result` (the first row). Unknown keys are ignored.
//! `results_file`, `sid`, `search_name` and `configuration` are required; the rest are not
//! used. The session key is never stored: [`Payload::parse`] only remembers it to blank it
//! out of error messages.
//!
//! # Example
//!
//! ```
//! use emailoutlier::alert::payload::Payload;
//!
//! let json = br#"{"results_file": "/r.csv.gz", "sid": "1.2", "search_name": "s",
//!     "session_key": "secret", "configuration": {"index": "risk", "risk_score": "40"}}"#;
//! let payload = Payload::parse(json)?;
//! assert_eq!(payload.config("index"), Some("risk"));
//! assert_eq!(payload.config("risk_message"), None);
//! # Ok::<(), emailoutlier::alert::payload::PayloadError>(())
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

/// Largest payload read from stdin, in bytes. A payload holds the parameters and one result
/// row (the results themselves are in `results_file`), so this is generous.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024 * 1024;

/// A payload that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload is not JSON, or a key has the wrong type.
    #[error("the payload on stdin is not valid JSON for an alert action: {reason}")]
    Json {
        /// serde_json's description, without the session key.
        reason: String,
    },
    /// A required key is absent.
    #[error("the payload on stdin has no \"{key}\" key; run the action with splunkd (payload_format = json) or `| sendalert emailoutlier_risk`")]
    MissingKey {
        /// The key.
        key: &'static str,
    },
    /// A configuration value is not a string.
    #[error("the payload's configuration value \"{key}\" is not a string")]
    NotAString {
        /// The parameter.
        key: String,
    },
    /// The payload is larger than [`MAX_PAYLOAD_BYTES`].
    #[error("the payload on stdin is larger than {MAX_PAYLOAD_BYTES} bytes")]
    TooLarge,
}

/// The payload keys this action uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Path of the gzipped CSV of the search results.
    pub results_file: String,
    /// The search's id (becomes `orig_sid`).
    pub sid: String,
    /// The saved search's name (empty for an ad hoc `| sendalert`).
    pub search_name: String,
    /// The action's parameters (string values only).
    pub configuration: BTreeMap<String, String>,
}

/// The payload as serde sees it: required keys as options so that a missing one gets its
/// own message; types checked; everything else ignored.
#[derive(Deserialize)]
struct Raw {
    results_file: Option<String>,
    sid: Option<Sid>,
    search_name: Option<String>,
    configuration: Option<BTreeMap<String, serde_json::Value>>,
}

/// splunkd writes the sid as a string; `cim_actions.py` notes it may arrive as a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Sid {
    Text(String),
    Number(serde_json::Number),
}

impl Payload {
    /// Parses the payload bytes.
    ///
    /// # Errors
    ///
    /// [`PayloadError`] when the bytes are not a JSON object with the required keys of the
    /// right types. Messages never contain the session key's value.
    pub fn parse(bytes: &[u8]) -> Result<Payload, PayloadError> {
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(json_error)?;
        if !value.is_object() {
            return Err(PayloadError::Json {
                reason: "expected a JSON object".into(),
            });
        }
        let secret = value
            .get("session_key")
            .and_then(serde_json::Value::as_str)
            .filter(|key| key.chars().count() >= super::MIN_REDACTED_KEY_CHARS)
            .map(str::to_owned);
        let redact = |e: serde_json::Error| {
            let mut reason = e.to_string();
            if let Some(secret) = &secret {
                reason = reason.replace(secret.as_str(), "<session key>");
            }
            PayloadError::Json { reason }
        };
        let raw: Raw = serde_json::from_value(value).map_err(redact)?;
        let mut configuration = BTreeMap::new();
        for (key, value) in raw.configuration.ok_or(PayloadError::MissingKey {
            key: "configuration",
        })? {
            match value {
                serde_json::Value::String(text) => {
                    configuration.insert(key, text);
                }
                serde_json::Value::Null => {}
                _ => return Err(PayloadError::NotAString { key }),
            }
        }
        Ok(Payload {
            results_file: raw.results_file.ok_or(PayloadError::MissingKey {
                key: "results_file",
            })?,
            sid: match raw.sid.ok_or(PayloadError::MissingKey { key: "sid" })? {
                Sid::Text(text) => text,
                Sid::Number(number) => number.to_string(),
            },
            search_name: raw
                .search_name
                .ok_or(PayloadError::MissingKey { key: "search_name" })?,
            configuration,
        })
    }

    /// The parameter `name`, when the configuration has it.
    pub fn config(&self, name: &str) -> Option<&str> {
        self.configuration.get(name).map(String::as_str)
    }
}

/// A syntax error: serde_json's message gives only line and column, never input text.
fn json_error(e: serde_json::Error) -> PayloadError {
    PayloadError::Json {
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{
        "app": "emailoutlier", "owner": "admin",
        "results_file": "/opt/splunk/var/run/splunk/dispatch/scheduler__x/results.csv.gz",
        "results_link": "https://sh:8000/app/search/search?sid=x",
        "search_uri": "/servicesNS/nobody/emailoutlier/saved/searches/s",
        "server_host": "sh", "server_uri": "https://127.0.0.1:8089",
        "session_key": "s3cr3t-key", "sid": "scheduler__admin__emailoutlier__RMD5_at_1_42",
        "search_name": "emailoutlier - risk",
        "configuration": {"index": "risk", "risk_score": "25", "unset": null},
        "result": {"dest_ip": "10.0.0.2", "_time": "1718928000"},
        "future_key": [1, 2]
    }"#;

    #[test]
    fn full_payload_and_unknown_keys() {
        let payload = Payload::parse(FULL.as_bytes()).unwrap();
        assert_eq!(payload.sid, "scheduler__admin__emailoutlier__RMD5_at_1_42");
        assert_eq!(payload.search_name, "emailoutlier - risk");
        assert!(payload.results_file.ends_with("results.csv.gz"));
        assert_eq!(payload.config("index"), Some("risk"));
        assert_eq!(payload.config("unset"), None);
        assert!(!format!("{payload:?}").contains("s3cr3t"));
    }

    #[test]
    fn numeric_sid() {
        let json =
            r#"{"results_file":"f","sid":1465593470.1228,"search_name":"","configuration":{}}"#;
        assert_eq!(
            Payload::parse(json.as_bytes()).unwrap().sid,
            "1465593470.1228"
        );
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &str)] = &[
            ("", "the payload on stdin is not valid JSON for an alert action: EOF while parsing a value at line 1 column 0"),
            ("<xml/>", "the payload on stdin is not valid JSON for an alert action: expected value at line 1 column 1"),
            ("[1]", "the payload on stdin is not valid JSON for an alert action: expected a JSON object"),
            (r#"{"sid":"1","search_name":"s","configuration":{}}"#, "the payload on stdin has no \"results_file\" key; run the action with splunkd (payload_format = json) or `| sendalert emailoutlier_risk`"),
            (r#"{"results_file":"f","search_name":"s","configuration":{}}"#, "the payload on stdin has no \"sid\" key; run the action with splunkd (payload_format = json) or `| sendalert emailoutlier_risk`"),
            (r#"{"results_file":"f","sid":"1","configuration":{}}"#, "the payload on stdin has no \"search_name\" key; run the action with splunkd (payload_format = json) or `| sendalert emailoutlier_risk`"),
            (r#"{"results_file":"f","sid":"1","search_name":"s"}"#, "the payload on stdin has no \"configuration\" key; run the action with splunkd (payload_format = json) or `| sendalert emailoutlier_risk`"),
            (r#"{"results_file":"f","sid":"1","search_name":"s","configuration":{"index":5}}"#, "the payload's configuration value \"index\" is not a string"),
            (r#"{"results_file":7,"sid":"1","search_name":"s","configuration":{}}"#, "the payload on stdin is not valid JSON for an alert action: invalid type: integer `7`, expected a string"),
        ];
        for (json, want) in cases {
            assert_eq!(
                Payload::parse(json.as_bytes()).unwrap_err().to_string(),
                *want,
                "{json}"
            );
        }
    }

    #[test]
    fn session_key_is_blanked_out_of_type_errors() {
        let json = r#"{"session_key":"TOPSECRET","results_file":"f","sid":"1","search_name":"s","configuration":"TOPSECRET"}"#;
        let message = Payload::parse(json.as_bytes()).unwrap_err().to_string();
        assert!(!message.contains("TOPSECRET"), "{message}");
        assert!(message.contains("<session key>"), "{message}");
    }
}
