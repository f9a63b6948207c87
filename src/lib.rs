//! emailoutlier: a Splunk custom search command (SCP v2) that finds email servers sending
//! unusually large volumes of data to a host (MITRE ATT&CK T1114.002).
#![deny(missing_docs)]

pub mod cli;
pub mod detect;
pub mod protocol;
pub mod splunk;
