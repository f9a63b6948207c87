//! JSON metadata: the getinfo and execute requests splunkd sends, and the replies a command
//! sends back.
//!
//! Requests accept every `searchinfo` key seen in real splunkd traffic (6.3 to 8.2.1) and
//! ignore unknown keys. Replies serialize only keys splunkd knows, in the order `type`,
//! `required_fields`, `generating`, `inspector`, `error`, `finished`, and never `partial`.
//!
//! # Example
//!
//! ```
//! use emailoutlier::protocol::message::{parse_request, CommandType, GetInfoReply, Request};
//!
//! let request = parse_request(br#"{"action":"getinfo","preview":false,"searchinfo":{"args":["a=1"]}}"#)?;
//! let Request::GetInfo(getinfo) = request else { panic!("not a getinfo") };
//! assert_eq!(getinfo.searchinfo.args, ["a=1"]);
//!
//! let reply = GetInfoReply { command_type: CommandType::Events, required_fields: None };
//! assert_eq!(reply.to_json(), br#"{"type":"events"}"#);
//! # Ok::<(), emailoutlier::protocol::message::MessageError>(())
//! ```

use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::frame::escape;

/// A request decoded from a chunk's metadata.
#[derive(Debug, Clone, PartialEq)]
// One request per chunk, and one getinfo per session: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// `"action":"getinfo"`: the first request of a session.
    GetInfo(GetInfo),
    /// `"action":"execute"`: a batch of rows (or the end of input).
    Execute(Execute),
}

/// The getinfo request: search context and arguments.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct GetInfo {
    /// `true` when this run produces preview results; the session then does no work.
    pub preview: bool,
    /// Sent by splunkd 8.x, always `false` in samples; meaning undocumented.
    pub streaming_command_will_restart: bool,
    /// Search context.
    pub searchinfo: SearchInfo,
}

/// The execute request's metadata.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Execute {
    /// `true` on the last execute request: no more rows will follow.
    pub finished: bool,
}

/// `searchinfo` of the getinfo request. Absent keys are empty (or `None`).
///
/// `Debug` never shows `session_key`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SearchInfo {
    /// Command arguments, tokenised by splunkd, quotes removed (`pattern=\w+`).
    pub args: Vec<String>,
    /// The same tokens with their original quoting (`pattern="\w+"`).
    pub raw_args: Vec<String>,
    /// The search's dispatch directory (may be empty or temporary on parse-only runs).
    pub dispatch_dir: String,
    /// Search id.
    pub sid: String,
    /// App context of the search.
    pub app: String,
    /// Owner of the search.
    pub owner: String,
    /// User running the search.
    pub username: String,
    /// Token for splunkd's REST API. Secret: never printed by this crate.
    #[serde(deserialize_with = "secret")]
    pub session_key: String,
    /// splunkd's management URI, e.g. `https://127.0.0.1:8089`.
    pub splunkd_uri: String,
    /// splunkd version (`8.2.1`; a build date in pre-releases).
    pub splunk_version: String,
    /// The full search, percent-encoded as splunkd sends it.
    pub search: String,
    /// Command name (splunkd 8.x).
    pub command: String,
    /// Row cap per chunk from limits.conf (splunkd 8.x).
    pub maxresultrows: Option<u64>,
    /// Search window start, epoch seconds as text (`"0"` = unbounded). Numbers are accepted.
    #[serde(deserialize_with = "string_or_number")]
    pub earliest_time: String,
    /// Search window end, epoch seconds as text (`"0"` = unbounded). Numbers are accepted.
    #[serde(deserialize_with = "string_or_number")]
    pub latest_time: String,
}

impl fmt::Debug for SearchInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchInfo")
            .field("args", &self.args)
            .field("raw_args", &self.raw_args)
            .field("dispatch_dir", &self.dispatch_dir)
            .field("sid", &self.sid)
            .field("app", &self.app)
            .field("owner", &self.owner)
            .field("username", &self.username)
            .field("session_key", &format_args!("<redacted>"))
            .field("splunkd_uri", &self.splunkd_uri)
            .field("splunk_version", &self.splunk_version)
            .field("search", &self.search)
            .field("command", &self.command)
            .field("maxresultrows", &self.maxresultrows)
            .field("earliest_time", &self.earliest_time)
            .field("latest_time", &self.latest_time)
            .finish()
    }
}

/// Accepts any JSON for the session key, keeping only a string, so that no deserialization
/// error message can ever quote it.
fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) => Ok(s),
        _ => Ok(String::new()),
    }
}

/// A JSON string, number (kept as its text) or null (empty).
fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(de::Error::custom(format_args!(
            "expected epoch seconds as a string or number, found {}",
            kind(&other)
        ))),
    }
}

/// Bad request metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// The metadata is not JSON.
    #[error("request metadata is not valid JSON: {reason}")]
    InvalidJson {
        /// serde_json's description, with line and column.
        reason: String,
    },
    /// The metadata is JSON but not an object.
    #[error("request metadata must be a JSON object, found {found}")]
    NotAnObject {
        /// The JSON kind found (array, string, …).
        found: &'static str,
    },
    /// The object has no string `action`.
    #[error("request metadata has no \"action\" string; expected \"getinfo\" or \"execute\"")]
    MissingAction,
    /// `action` is neither `getinfo` nor `execute`.
    #[error("unknown request action \"{action}\"; expected \"getinfo\" or \"execute\"")]
    UnknownAction {
        /// The action found, escaped and shortened.
        action: String,
    },
    /// A known key has a value of the wrong type.
    #[error("{action} request has an invalid value: {reason}")]
    InvalidField {
        /// `getinfo` or `execute`.
        action: &'static str,
        /// serde_json's description.
        reason: String,
    },
}

/// Decodes a request from a chunk's metadata.
///
/// # Errors
///
/// [`MessageError`] when the metadata is not a JSON object with a known `action` and values
/// of the expected types. No error text ever quotes the session key.
pub fn parse_request(metadata: &[u8]) -> Result<Request, MessageError> {
    let value: Value = serde_json::from_slice(metadata).map_err(|e| MessageError::InvalidJson {
        reason: e.to_string(),
    })?;
    let Value::Object(ref object) = value else {
        return Err(MessageError::NotAnObject {
            found: kind(&value),
        });
    };
    let is_getinfo = match object.get("action") {
        Some(Value::String(action)) if action == "getinfo" => true,
        Some(Value::String(action)) if action == "execute" => false,
        Some(Value::String(other)) => {
            return Err(MessageError::UnknownAction {
                action: escape(other.as_bytes(), 40),
            })
        }
        _ => return Err(MessageError::MissingAction),
    };
    if is_getinfo {
        GetInfo::deserialize(value)
            .map(Request::GetInfo)
            .map_err(|e| MessageError::InvalidField {
                action: "getinfo",
                reason: e.to_string(),
            })
    } else {
        Execute::deserialize(value)
            .map(Request::Execute)
            .map_err(|e| MessageError::InvalidField {
                action: "execute",
                reason: e.to_string(),
            })
    }
}

/// The JSON kind of a value, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Severity of an inspector message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// Goes to the job inspector only.
    Debug,
    /// Informational.
    Info,
    /// A warning shown in Splunk Web.
    Warn,
    /// An error shown in Splunk Web.
    Error,
}

impl Level {
    /// The wire spelling: `DEBUG`, `INFO`, `WARN`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// An inspector message; serializes as `["INFO","text"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Severity.
    pub level: Level,
    /// Text shown to the user.
    pub text: String,
}

impl Message {
    /// A message of `level` with `text`.
    pub fn new(level: Level, text: impl Into<String>) -> Self {
        Message {
            level,
            text: text.into(),
        }
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(2)?;
        tuple.serialize_element(self.level.as_str())?;
        tuple.serialize_element(&self.text)?;
        tuple.end()
    }
}

/// How splunkd schedules the command (getinfo reply `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandType {
    /// Row by row, may be distributed to indexers.
    Streaming,
    /// Row by row in order, on the search head.
    Stateful,
    /// Sees all events on the search head, may reorder; output stays events.
    Events,
    /// Transforming: output is a new table.
    Reporting,
}

/// What a command answers to getinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetInfoReply {
    /// `type` of the reply.
    pub command_type: CommandType,
    /// Fields the command needs; `None` = all fields.
    pub required_fields: Option<Vec<String>>,
}

impl GetInfoReply {
    /// The reply metadata, e.g. `{"type":"events","required_fields":["bytes"]}`.
    pub fn to_json(&self) -> Vec<u8> {
        Reply {
            command_type: Some(self.command_type),
            required_fields: self.required_fields.as_deref(),
            ..Reply::default()
        }
        .to_json()
    }
}

/// `inspector` object of a reply.
#[derive(Debug, Serialize)]
struct Inspector<'a> {
    messages: &'a [Message],
}

/// Any reply metadata; `None` keys are left out. Field order is wire order.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Reply<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    command_type: Option<CommandType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    required_fields: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    generating: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inspector: Option<Inspector<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished: Option<bool>,
}

impl<'a> Reply<'a> {
    /// `{"finished":<finished>}`, with `inspector` first when there are messages.
    pub(crate) fn execute(finished: bool, messages: &'a [Message]) -> Self {
        Reply {
            inspector: (!messages.is_empty()).then_some(Inspector { messages }),
            finished: Some(finished),
            ..Reply::default()
        }
    }

    /// A fatal error: the message as an ERROR inspector message and as `error`.
    pub(crate) fn error(messages: &'a [Message], error: &'a str) -> Self {
        Reply {
            inspector: Some(Inspector { messages }),
            error: Some(error),
            finished: Some(true),
            ..Reply::default()
        }
    }

    /// Compact JSON bytes.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        // Serializing these plain structs (string keys, no maps) into a Vec cannot fail;
        // the fallback keeps this function total anyway.
        serde_json::to_vec(self).unwrap_or_else(|_| br#"{"finished":true}"#.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GETINFO_821: &str = r#"{"action":"getinfo","preview":false,"streaming_command_will_restart":false,"searchinfo":{"args":[],"raw_args":[],"dispatch_dir":"C:\\Program Files\\Splunk\\var\\run\\splunk\\dispatch\\1629786722.117","sid":"1629786722.117","app":"CustomSearchCommandExamples","owner":"admin","username":"admin","session_key":"SeCrEtKeY^42","splunkd_uri":"https://127.0.0.1:8089","splunk_version":"8.2.1","search":"search%20index%3Dbeetles","command":"accumages","maxresultrows":50000,"earliest_time":"0","latest_time":"1627419600"}}"#;

    const GETINFO_63: &str = r#"{"preview": false, "searchinfo": {"splunkd_uri": "https://127.0.0.1:8089", "app": "chunked_searchcommands", "owner": "admin", "latest_time": "0", "args": ["count=1000"], "sid": "1433261368.155", "dispatch_dir": "/tmp/d", "search": "generatehello%20%20count%3D1000", "splunk_version": "20150522", "earliest_time": "0", "session_key": "SeCrEtKeY^42", "raw_args": ["count=\"1000\""], "username": "admin"}, "action": "getinfo"}"#;

    fn getinfo(json: &str) -> GetInfo {
        match parse_request(json.as_bytes()) {
            Ok(Request::GetInfo(g)) => g,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn getinfo_821_shape() {
        let g = getinfo(GETINFO_821);
        assert!(!g.preview && !g.streaming_command_will_restart);
        let s = &g.searchinfo;
        assert_eq!(
            s.dispatch_dir,
            r"C:\Program Files\Splunk\var\run\splunk\dispatch\1629786722.117"
        );
        assert_eq!(
            (s.sid.as_str(), s.app.as_str()),
            ("1629786722.117", "CustomSearchCommandExamples")
        );
        assert_eq!((s.owner.as_str(), s.username.as_str()), ("admin", "admin"));
        assert_eq!(s.session_key, "SeCrEtKeY^42");
        assert_eq!(s.splunkd_uri, "https://127.0.0.1:8089");
        assert_eq!(
            (s.splunk_version.as_str(), s.command.as_str()),
            ("8.2.1", "accumages")
        );
        assert_eq!(s.search, "search%20index%3Dbeetles");
        assert_eq!(s.maxresultrows, Some(50000));
        assert_eq!(
            (s.earliest_time.as_str(), s.latest_time.as_str()),
            ("0", "1627419600")
        );
        assert!(s.args.is_empty() && s.raw_args.is_empty());
    }

    #[test]
    fn getinfo_63_shape_without_8x_keys() {
        let g = getinfo(GETINFO_63);
        assert_eq!(g.searchinfo.args, ["count=1000"]);
        assert_eq!(g.searchinfo.raw_args, ["count=\"1000\""]);
        assert_eq!(g.searchinfo.maxresultrows, None);
        assert_eq!(g.searchinfo.command, "");
        assert_eq!(g.searchinfo.splunk_version, "20150522");
    }

    #[test]
    fn times_as_numbers_and_unknown_keys() {
        let g = getinfo(
            r#"{"action":"getinfo","future":{"x":[1]},"searchinfo":{"earliest_time":1627333200,"latest_time":1627419600.5,"new_key":true}}"#,
        );
        assert_eq!(g.searchinfo.earliest_time, "1627333200");
        assert_eq!(g.searchinfo.latest_time, "1627419600.5");
        let g = getinfo(r#"{"action":"getinfo"}"#);
        assert_eq!(g, GetInfo::default());
        let g = getinfo(r#"{"action":"getinfo","preview":true}"#);
        assert!(g.preview);
    }

    #[test]
    fn execute_shapes() {
        let parsed = parse_request(br#"{"action":"execute","finished":true}"#);
        assert_eq!(parsed, Ok(Request::Execute(Execute { finished: true })));
        let parsed = parse_request(br#"{ "action": "execute", "finished": false }"#);
        assert_eq!(parsed, Ok(Request::Execute(Execute { finished: false })));
    }

    #[test]
    fn bad_requests() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "request metadata is not valid JSON: EOF while parsing a value at line 1 column 0"),
            (b"{\"action\":", "request metadata is not valid JSON: EOF while parsing a value at line 1 column 10"),
            (b"[1]", "request metadata must be a JSON object, found an array"),
            (b"\"getinfo\"", "request metadata must be a JSON object, found a string"),
            (b"{}", "request metadata has no \"action\" string; expected \"getinfo\" or \"execute\""),
            (b"{\"action\":1}", "request metadata has no \"action\" string; expected \"getinfo\" or \"execute\""),
            (b"{\"action\":\"fetch\"}", "unknown request action \"fetch\"; expected \"getinfo\" or \"execute\""),
            (
                b"{\"action\":\"execute\",\"finished\":\"yes\"}",
                "execute request has an invalid value: invalid type: string \"yes\", expected a boolean",
            ),
            (
                b"{\"action\":\"getinfo\",\"searchinfo\":{\"earliest_time\":[]}}",
                "getinfo request has an invalid value: expected epoch seconds as a string or number, found an array",
            ),
        ];
        for (input, want) in cases {
            let err = parse_request(input).unwrap_err();
            assert_eq!(err.to_string(), *want, "{}", input.escape_ascii());
        }
    }

    #[test]
    fn session_key_never_in_debug_or_errors() {
        let g = getinfo(GETINFO_821);
        let debug = format!("{g:?} {:#?}", g.searchinfo);
        assert!(!debug.contains("SeCrEtKeY"), "{debug}");
        assert!(debug.contains("<redacted>") && debug.contains("accumages"));
        // A session key of an unexpected type is dropped, not quoted in an error.
        let g = getinfo(r#"{"action":"getinfo","searchinfo":{"session_key":12345678}}"#);
        assert_eq!(g.searchinfo.session_key, "");
    }

    #[test]
    fn reply_serialization_is_byte_exact() {
        let events = GetInfoReply {
            command_type: CommandType::Events,
            required_fields: None,
        };
        assert_eq!(events.to_json(), br#"{"type":"events"}"#);
        let fields = GetInfoReply {
            command_type: CommandType::Stateful,
            required_fields: Some(vec!["age".into(), "accum_age".into()]),
        };
        assert_eq!(
            fields.to_json(),
            br#"{"type":"stateful","required_fields":["age","accum_age"]}"#
        );
        for (t, s) in [
            (CommandType::Streaming, "streaming"),
            (CommandType::Reporting, "reporting"),
        ] {
            let json = GetInfoReply {
                command_type: t,
                required_fields: None,
            }
            .to_json();
            assert_eq!(json, format!("{{\"type\":\"{s}\"}}").into_bytes());
        }
        assert_eq!(
            Reply::execute(false, &[]).to_json(),
            br#"{"finished":false}"#
        );
        assert_eq!(Reply::execute(true, &[]).to_json(), br#"{"finished":true}"#);
        let messages = [
            Message::new(Level::Info, "3 hosts"),
            Message::new(Level::Warn, "ünïcode \"q\""),
        ];
        assert_eq!(
            Reply::execute(true, &messages).to_json(),
            r#"{"inspector":{"messages":[["INFO","3 hosts"],["WARN","ünïcode \"q\""]]},"finished":true}"#.as_bytes()
        );
        let error = [Message::new(Level::Error, "bad option")];
        assert_eq!(
            Reply::error(&error, "bad option").to_json(),
            br#"{"inspector":{"messages":[["ERROR","bad option"]]},"error":"bad option","finished":true}"#
        );
        let all = Reply {
            command_type: Some(CommandType::Events),
            required_fields: Some(&[]),
            generating: Some(false),
            inspector: Some(Inspector {
                messages: &[Message::new(Level::Debug, "d")],
            }),
            error: Some("e"),
            finished: Some(false),
        };
        assert_eq!(
            all.to_json(),
            br#"{"type":"events","required_fields":[],"generating":false,"inspector":{"messages":[["DEBUG","d"]]},"error":"e","finished":false}"#
        );
    }
}
