//! Integration tests: the real binary driven through the protocol.

mod app_conf;
mod app_views;
mod backtest;
mod conformance;
mod hostile;
mod install;
mod session;
mod spl;
mod util;
