//! Integration tests: the real binary driven through the protocol.

mod alert;
mod alert_conf;
mod app_conf;
mod app_views;
mod backtest;
mod conformance;
mod evaluate;
mod help;
mod hostile;
mod install;
mod predictive;
mod session;
mod spl;
mod students_t;
mod util;
