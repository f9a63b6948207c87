//! Integration tests: the real binary driven through the protocol.

mod alert;
mod alert_conf;
mod app_conf;
mod conformance;
mod hostile;
mod install;
mod session;
mod util;
