//! argv → mode; exit codes. Nothing else.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use emailoutlier::command::{Environment, OutlierCommand};

const HELP: &str = "\
emailoutlier — finds email servers sending unusually large volumes of data to a host
(Splunk ESCU \"Email servers sending high volume traffic to hosts\", MITRE T1114.002).

USAGE:
    emailoutlier                      protocol mode: what splunkd runs (SCP v2 on stdin/stdout)
    emailoutlier detect <file.csv|-> [name=value ...] [--format csv|json]
                                      run the detection on tstats output (dest_ip,_time,bytes_out)
    emailoutlier sample [--hosts N] [--days D] [--seed S] [--now EPOCH] [--labels FILE] [--hard]
                                      write realistic sample input as CSV (and its labels)
    emailoutlier evaluate <data.csv|-> --labels <labels.csv> [name=value ...] [--sweep name=v1,v2]
                                      score the detection against labelled exfiltration days
    emailoutlier --execute            alert action emailoutlier_risk: what splunkd runs (JSON
                                      payload on stdin; risk events to $SPLUNK_HOME/var/spool/splunk)
    emailoutlier --help | --version

OPTIONS (detect, and the Splunk command):
    deviation_threshold=<number>  default 3      minimum_data_samples=<integer>  default 4
    now=<epoch seconds>           default: the search's now (info.csv), else the clock
    tz=<IANA zone>                default: the search's zone (info.csv), else the local zone
    value=<field> default bytes_out   by=<field> default dest_ip   time=<field> default _time
    mode=alerts|annotate          default alerts (annotate: every row with all statistics)

EXAMPLE:
    emailoutlier sample | emailoutlier detect - now=1750000000 tz=UTC
";

enum Mode {
    Protocol,
    Alert,
    Help,
    Version,
    Cli(Vec<OsString>),
}

fn mode(args: Vec<OsString>) -> Mode {
    match args.first().and_then(|a| a.to_str()) {
        None => Mode::Protocol,
        Some("-h" | "--help" | "help") => Mode::Help,
        Some("-V" | "--version") => Mode::Version,
        Some("--execute") if args.len() == 1 => Mode::Alert,
        Some(_) => Mode::Cli(args),
    }
}

fn main() -> ExitCode {
    match mode(std::env::args_os().skip(1).collect()) {
        Mode::Protocol if std::io::stdin().is_terminal() => print(HELP),
        Mode::Protocol => {
            let command = OutlierCommand::new(Environment::system());
            let stdout = std::io::stdout();
            match emailoutlier::run_protocol(std::io::stdin().lock(), stdout.lock(), command) {
                Ok(_) => ExitCode::SUCCESS,
                // splunkd already has the error as an ERROR chunk; stderr goes to search.log.
                Err(e) => {
                    eprintln!("emailoutlier: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Mode::Alert => {
            let env = emailoutlier::alert::AlertEnv::system();
            let (lines, ok) = emailoutlier::alert::execute(std::io::stdin().lock(), &env);
            // splunkd files each stderr line under its leading level in splunkd.log.
            for line in lines {
                eprintln!("{line}");
            }
            ExitCode::from(if ok { 0 } else { 1 })
        }
        Mode::Help => print(HELP),
        Mode::Version => print(&format!("emailoutlier {}\n", env!("CARGO_PKG_VERSION"))),
        Mode::Cli(args) => {
            let stdout = std::io::stdout();
            match emailoutlier::cli::run(args, &mut std::io::stdin().lock(), &mut stdout.lock()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("emailoutlier: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}
