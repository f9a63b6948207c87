//! Installs `dist/emailoutlier-<version>.tgz` like Splunk would and runs one protocol
//! session through the installed command.
//!
//! CI builds the tarball (`cargo xtask package`) before the tests; without it the test prints
//! a note and passes, so `cargo test` works on a fresh clone.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::app_conf::{conf_value, parse_conf};

const APP: &str = "emailoutlier";
/// 2024-06-21 12:00:00 UTC: "today" starts at 1718928000.
const NOW: i64 = 1_718_971_200;
const TODAY: i64 = 1_718_928_000;
const DAY_SECONDS: i64 = 86_400;
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

fn tarball() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("dist/{APP}-{}.tgz", env!("CARGO_PKG_VERSION")))
}

/// Unpacks the package into `<root>/etc/apps/` and returns the app folder.
fn install(tgz: &Path, root: &Path) -> PathBuf {
    let apps = root.join("etc/apps");
    std::fs::create_dir_all(&apps).unwrap();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(tgz).unwrap());
    let mut archive = tar::Archive::new(gz);
    archive.set_preserve_permissions(true);
    archive.unpack(&apps).unwrap();
    let installed: Vec<String> = std::fs::read_dir(&apps)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        installed,
        [APP],
        "the package must hold one folder named {APP}"
    );
    apps.join(APP)
}

/// What splunkd runs for a chunked command: `filename` from commands.conf, looked up in
/// `<app>/linux_x86_64/bin/` first, then `<app>/bin/`.
fn resolve_executable(app: &Path, command: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(app.join("default/commands.conf")).ok()?;
    let commands = parse_conf(&text);
    if conf_value(&commands, command, "chunked") != Some("true") {
        return None;
    }
    let filename = conf_value(&commands, command, "filename")?;
    ["linux_x86_64/bin", "bin"]
        .iter()
        .map(|dir| app.join(dir).join(filename))
        .find(|path| path.is_file())
}

/// Extensions splunkd tries for an alert action's executable on Linux, and AppInspect's list
/// (`NIX_EXES` in splunk_appinspect/alert_actions.py: ".sh", ".js", ".py", "").
const ALERT_EXTENSIONS: [&str; 4] = ["", ".sh", ".py", ".js"];

/// What splunkd runs for a custom alert action without `alert.execute.cmd`: the file named
/// after the stanza in `<app>/linux_x86_64/bin/`, then in `<app>/bin/`.
fn resolve_alert_action(app: &Path, action: &str) -> Option<PathBuf> {
    let text = std::fs::read_to_string(app.join("default/alert_actions.conf")).ok()?;
    let conf = parse_conf(&text);
    if conf_value(&conf, action, "is_custom") != Some("1")
        || conf_value(&conf, action, "alert.execute.cmd").is_some()
    {
        return None;
    }
    ["linux_x86_64/bin", "bin"].iter().find_map(|dir| {
        ALERT_EXTENSIONS
            .iter()
            .map(|ext| app.join(dir).join(format!("{action}{ext}")))
            .find(|path| path.is_file())
    })
}

/// AppInspect's `check_alert_actions_exe_exist` without `alert.execute.cmd`: a file named
/// after the stanza in the app's root `bin/` only.
fn appinspect_alert_executables(app: &Path, action: &str) -> Vec<PathBuf> {
    ALERT_EXTENSIONS
        .iter()
        .map(|ext| app.join("bin").join(format!("{action}{ext}")))
        .filter(|path| path.is_file())
        .collect()
}

fn chunk(metadata: &Value, body: &str) -> Vec<u8> {
    let metadata = metadata.to_string();
    let mut out = format!("chunked 1.0,{},{}\n", metadata.len(), body.len()).into_bytes();
    out.extend_from_slice(metadata.as_bytes());
    out.extend_from_slice(body.as_bytes());
    out
}

/// Splits the command's stdout into (metadata, body) pairs; panics on anything else.
fn parse_chunks(mut bytes: &[u8]) -> Vec<(Value, String)> {
    let mut chunks = Vec::new();
    while !bytes.is_empty() {
        let newline = bytes.iter().position(|b| *b == b'\n').expect("header line");
        let header = std::str::from_utf8(&bytes[..newline]).unwrap();
        let lengths = header
            .strip_prefix("chunked 1.0,")
            .unwrap_or_else(|| panic!("bad header {header:?}"));
        let (meta_len, body_len) = lengths.split_once(',').unwrap();
        let (meta_len, body_len): (usize, usize) =
            (meta_len.parse().unwrap(), body_len.parse().unwrap());
        let rest = &bytes[newline + 1..];
        let metadata = serde_json::from_slice(&rest[..meta_len]).unwrap();
        let body = String::from_utf8(rest[meta_len..meta_len + body_len].to_vec()).unwrap();
        chunks.push((metadata, body));
        bytes = &rest[meta_len + body_len..];
    }
    chunks
}

/// Runs the executable with `input` on stdin (cwd = the dispatch dir, as splunkd does);
/// returns stdout and whether it exited successfully. Kills it after `SESSION_TIMEOUT`.
fn run_session(exe: &Path, dispatch_dir: &Path, input: Vec<u8>) -> (Vec<u8>, bool, String) {
    let mut command = Command::new(exe);
    command
        .current_dir(dispatch_dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn_fresh_executable(&mut command);
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        // A command that stops reading early closes the pipe: not this test's failure to report.
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).unwrap();
        out
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        err
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > SESSION_TIMEOUT {
            child.kill().unwrap();
            panic!(
                "{} did not finish within {SESSION_TIMEOUT:?}",
                exe.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    writer.join().unwrap();
    (
        reader.join().unwrap(),
        status.success(),
        err_reader.join().unwrap(),
    )
}

/// Three hosts, six days each (today last). 10.0.0.2 jumps to 50000 bytes today;
/// 10.0.0.1 rises above its own tight history but not above the global bar.
fn dataset() -> String {
    let hosts: [(&str, [u64; 6]); 3] = [
        ("10.0.0.1", [1000, 1010, 990, 1005, 995, 1100]),
        ("10.0.0.2", [2000, 2100, 1900, 2050, 1950, 50000]),
        ("10.0.0.3", [3000, 3300, 2700, 3100, 2900, 3050]),
    ];
    let mut csv = String::from("dest_ip,_time,bytes_out\n");
    for (host, bytes) in hosts {
        for (day, value) in (0..6i64).rev().zip(bytes) {
            csv.push_str(&format!("{host},{},{value}\n", TODAY - day * DAY_SECONDS));
        }
    }
    csv
}

fn getinfo(dispatch_dir: &Path) -> Value {
    let args = [format!("now={NOW}"), "tz=UTC".to_owned()];
    json!({
        "action": "getinfo",
        "preview": false,
        "streaming_command_will_restart": false,
        "searchinfo": {
            "args": args,
            "raw_args": args,
            "dispatch_dir": dispatch_dir.to_str().unwrap(),
            "sid": "1718971200.42",
            "app": APP,
            "owner": "admin",
            "username": "admin",
            "session_key": "",
            "splunkd_uri": "https://127.0.0.1:8089",
            "splunk_version": "9.2.1",
            "search": "search%20%7C%20emailoutlier%20now%3D1718971200%20tz%3DUTC",
            "command": APP,
            "maxresultrows": 50000,
            "earliest_time": "1716336000",
            "latest_time": "1718970600"
        }
    })
}

fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// Unpacks `dist/emailoutlier-<version>.tgz` under `root`; `None` (with a note) when it
/// has not been built.
fn install_package(root: &Path) -> Option<PathBuf> {
    let tgz = tarball();
    if !tgz.is_file() {
        eprintln!(
            "note: {} is absent (build it with `cargo xtask package`); install test skipped",
            tgz.display()
        );
        return None;
    }
    Some(install(&tgz, root))
}

#[test]
fn installed_package_runs_the_detection_through_splunkds_lookup() {
    let root = tempfile::tempdir().unwrap();
    let Some(app) = install_package(root.path()) else {
        return;
    };
    let exe = resolve_executable(&app, APP).expect("commands.conf names a packaged file");
    assert_eq!(exe, app.join("linux_x86_64/bin/emailoutlier"));
    let exe_mode = std::fs::metadata(&exe).unwrap().permissions().mode();
    assert_eq!(exe_mode & 0o777, 0o755);
    let conf_mode = std::fs::metadata(app.join("default/app.conf"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(conf_mode & 0o777, 0o644);

    let dispatch_dir = root.path().join("var/run/splunk/dispatch/1718971200.42");
    std::fs::create_dir_all(&dispatch_dir).unwrap();
    let mut input = chunk(&getinfo(&dispatch_dir), "");
    input.extend(chunk(
        &json!({"action": "execute", "finished": true}),
        &dataset(),
    ));
    let (stdout, success, stderr) = run_session(&exe, &dispatch_dir, input);
    assert!(success, "the command failed; stderr: {stderr}");

    let replies = parse_chunks(&stdout);
    assert_eq!(replies.len(), 2, "one reply per request: {replies:?}");
    let (info, _) = &replies[0];
    assert_eq!(info["type"], "events", "getinfo reply {info}");
    assert!(info.get("error").is_none(), "getinfo reply {info}");
    let (done, body) = &replies[1];
    assert_eq!(done["finished"], true, "final reply {done}");
    assert!(done.get("error").is_none(), "final reply {done}");
    // Worked by hand from semantics.md (checked with Python): 18 values, sum 84150, mean 4675,
    // sample stdev 11343.14…; 10.0.0.2's prior days: mean 2000, stdev sqrt(6250) = 79.06…
    // (50000 − 4675) / 11343.14 = 3.9958 → 4.00; (50000 − 2000) / 79.06 = 607.157 → 607.16.
    // 10.0.0.1 (1100) passes its own bar 1023.7 but not the global 38704.4.
    assert_eq!(
        csv_rows(body),
        [
            vec![
                "dest_ip",
                "_time",
                "bytes_out",
                "avg_bytes_out",
                "per_source_avg_bytes_out",
                "num_standard_deviations_away_from_server_average",
                "num_standard_deviations_away_from_client_average",
            ],
            vec![
                "10.0.0.2",
                "1718928000",
                "50000",
                "4675",
                "2000",
                "4.00",
                "607.16"
            ],
        ]
    );
}

#[test]
fn installed_package_runs_the_alert_action_through_splunkds_lookup() {
    let root = tempfile::tempdir().unwrap();
    let Some(app) = install_package(root.path()) else {
        return;
    };
    let action = "emailoutlier_risk";
    let exe = resolve_alert_action(&app, action).expect("alert_actions.conf names a packaged file");
    assert_eq!(exe, app.join("bin/emailoutlier_risk.sh"));
    assert_eq!(
        appinspect_alert_executables(&app, action),
        std::slice::from_ref(&exe)
    );
    let mode = std::fs::metadata(&exe).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    let binaries: Vec<_> = walk(&app)
        .into_iter()
        .filter(|p| std::fs::read(p).is_ok_and(|b| b.starts_with(b"\x7fELF")))
        .collect();
    assert_eq!(
        binaries,
        [app.join("linux_x86_64/bin/emailoutlier")],
        "one binary in the package"
    );

    for dir in ["var/spool/splunk", "var/run/splunk/dispatch/s"] {
        std::fs::create_dir_all(root.path().join(dir)).unwrap();
    }
    let results = root.path().join("var/run/splunk/dispatch/s/results.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"dest_ip,_time,bytes_out\n10.0.0.2,1718928000,50000\n")
        .unwrap();
    std::fs::write(&results, gz.finish().unwrap()).unwrap();
    let payload = json!({
        "results_file": results, "sid": "1718971200.42", "search_name": "s",
        "session_key": "", "configuration": {"index": "risk", "risk_object_field": "dest_ip",
        "risk_object_type": "system", "risk_score": "25", "risk_message": "$dest_ip$"}
    });
    // splunkd: `<executable> --execute`, the payload on stdin, SPLUNK_HOME set.
    let mut command = Command::new(&exe);
    command
        .arg("--execute")
        .env("SPLUNK_HOME", root.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn_fresh_executable(&mut command);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(payload.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("INFO emailoutlier_risk: read 1 rows"),
        "{stderr}"
    );
    let spooled: Vec<_> = std::fs::read_dir(root.path().join("var/spool/splunk"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(spooled.len(), 1);
    let stash =
        emailoutlier::alert::stash::read_stash(&std::fs::read(&spooled[0]).unwrap()).unwrap();
    assert_eq!(stash.events.len(), 1);
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn alert_action_lookup_prefers_the_platform_folder_then_bin() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join(APP);
    std::fs::create_dir_all(app.join("default")).unwrap();
    std::fs::write(
        app.join("default/alert_actions.conf"),
        "[emailoutlier_risk]\nis_custom = 1\n",
    )
    .unwrap();
    let action = "emailoutlier_risk";
    assert_eq!(resolve_alert_action(&app, action), None);
    let place = |relative: &str| -> PathBuf {
        let path = app.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        path
    };
    let wrapper = place("bin/emailoutlier_risk.sh");
    assert_eq!(resolve_alert_action(&app, action), Some(wrapper.clone()));
    assert_eq!(appinspect_alert_executables(&app, action), [wrapper]);
    let platform = place("linux_x86_64/bin/emailoutlier_risk");
    assert_eq!(resolve_alert_action(&app, action), Some(platform));
    std::fs::write(
        app.join("default/alert_actions.conf"),
        "[emailoutlier_risk]\nis_custom = 1\nalert.execute.cmd = x.path\n",
    )
    .unwrap();
    assert_eq!(
        resolve_alert_action(&app, action),
        None,
        "only the stanza-name lookup is modelled"
    );
}

#[test]
fn executable_lookup_prefers_the_platform_folder_then_bin() {
    let root = tempfile::tempdir().unwrap();
    let app = root.path().join(APP);
    std::fs::create_dir_all(app.join("default")).unwrap();
    std::fs::write(
        app.join("default/commands.conf"),
        "[emailoutlier]\nfilename = emailoutlier\nchunked = true\n",
    )
    .unwrap();
    assert_eq!(resolve_executable(&app, APP), None);

    let place = |dir: &str, mode: u32| -> PathBuf {
        let path = app.join(dir).join("emailoutlier");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    };
    let fallback = place("bin", 0o755);
    assert_eq!(resolve_executable(&app, APP), Some(fallback));
    let platform = place("linux_x86_64/bin", 0o755);
    assert_eq!(resolve_executable(&app, APP), Some(platform));
}

/// Spawns a just-unpacked executable. While another test thread forks, its child briefly holds
/// copies of this process's open files, including the one the unpacking wrote; exec then fails
/// with ETXTBSY ("Text file busy") until that child has exec'd. Retry for a while.
fn spawn_fresh_executable(command: &mut Command) -> std::process::Child {
    const ETXTBSY: i32 = 26;
    let mut attempts = 0;
    loop {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && attempts < 50 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            result => return result.unwrap(),
        }
    }
}
