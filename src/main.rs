//! argv → mode; exit codes. Nothing else.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use emailoutlier::command::{Environment, OutlierCommand};

/// Printed before the CLI's usage text (`cli::USAGE`, the one option list).
const HELP_HEAD: &str = "\
emailoutlier — finds email servers sending unusually large volumes of data to a host
(Splunk ESCU \"Email servers sending high volume traffic to hosts\", MITRE T1114.002).

";

/// The modes only this binary has, printed after the usage text.
const HELP_MODES: &str = "  emailoutlier
      Protocol mode: what splunkd runs (SCP v2 on stdin/stdout); the same options as detect.
  emailoutlier --execute
      Alert action emailoutlier_risk: what splunkd runs (JSON payload on stdin; risk events
      to $SPLUNK_HOME/var/spool/splunk).
  emailoutlier help | --help | -h | --version
";

/// `emailoutlier --help`, `-h` and `help`: one text, whose option list is the CLI's.
fn help() -> String {
    format!("{HELP_HEAD}{}{HELP_MODES}", emailoutlier::cli::USAGE)
}

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
        Mode::Protocol if std::io::stdin().is_terminal() => print(&help()),
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
        Mode::Help => print(&help()),
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
