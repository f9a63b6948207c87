//! The detection, pure: rows in, alerts out.
//!
//! It computes what the ESCU search "Email servers sending high volume traffic to hosts"
//! computes after its `tstats`: global and per-destination `eventstats`, the `where` filter and
//! the two `num_standard_deviations_*` fields, in one pass with O(destinations + today's rows)
//! memory. No I/O, no clock: the caller gives the rows and the start of today.
//!
//! - [`options`]: `name=value` options parsed once into [`Options`](options::Options).
//! - [`number`]: what counts as a numeric field.
//! - [`stats`]: the running mean (naive sum, as Splunk) and sample standard deviation (Welford).
//! - [`engine`]: [`Engine::feed`](engine::Engine::feed) row by row, then
//!   [`Engine::finish`](engine::Engine::finish) into a [`RowSink`](engine::RowSink).
//! - [`output`]: output field names and number printing.
//! - `method` (the trait), `seed` and [`predictive`]: how one destination's row is judged
//!   against its baseline (`method=seed|predictive`); the engine only sees the trait.
//! - [`calendar`]: weekday or weekend of a time in the search's zone (`baseline=daytype`).
//! - [`backtest`]: `mode=backtest`, every row judged over its own day's window, with
//!   [`window`]'s sliding-window statistics.

pub mod backtest;
pub mod calendar;
pub mod engine;
mod keys;
mod method;
pub mod number;
pub mod options;
pub mod output;
pub mod predictive;
mod seed;
pub mod stats;
#[cfg(test)]
mod test_sink;
pub mod window;
