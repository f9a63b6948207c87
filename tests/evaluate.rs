//! `emailoutlier sample --labels` and `emailoutlier evaluate` through the real binary: exit
//! status 2 and nothing on stdout for every bad input.

use crate::util::run_raw;

/// Writes a labelled hard sample into `dir` with the binary; returns (data, labels) paths.
fn labelled_sample(dir: &std::path::Path) -> (String, String) {
    let data = dir.join("data.csv");
    let labels = dir.join("labels.csv");
    let labels_text = labels.to_str().unwrap().to_owned();
    let (stdout, stderr, status) = run_raw(
        &[
            "sample",
            "--hard",
            "--hosts",
            "200",
            "--days",
            "40",
            "--labels",
            &labels_text,
        ],
        b"",
    );
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    std::fs::write(&data, stdout).unwrap();
    (data.to_str().unwrap().to_owned(), labels_text)
}

#[test]
fn evaluate_runs_on_a_labelled_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (data, labels) = labelled_sample(dir.path());
    let label_rows = std::fs::read_to_string(&labels).unwrap().lines().count() - 1;
    assert!(label_rows > 0);
    let (stdout, stderr, status) = run_raw(
        &[
            "evaluate",
            &data,
            "--labels",
            &labels,
            "tz=UTC",
            "--sweep",
            "deviation_threshold=2,4",
            "--format",
            "json",
        ],
        b"",
    );
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    let rows: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert_eq!(rows[1]["options"], "tz=UTC deviation_threshold=4");
}

#[test]
fn bad_inputs_exit_2_with_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let (data, labels) = labelled_sample(dir.path());
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let bad_header = write(
        "header.csv",
        "host,_time,kind\n10.0.0.1,1767225600,exfiltration\n",
    );
    let bad_kind = write(
        "kind.csv",
        "dest_ip,_time,kind\n10.0.0.1,1767225600,phishing\n",
    );
    let no_row = write(
        "norow.csv",
        "dest_ip,_time,kind\n10.99.0.1,1767225600,exfiltration\n",
    );
    let duplicate = write(
        "dup.csv",
        "dest_ip,_time,kind\n10.0.0.1,1767225600,exfiltration\n10.0.0.1,1767225600,exfiltration\n",
    );
    let bad_data = write("data-bad.csv", "dest_ip,_time\n10.0.0.1,1767225600\n");
    let cases: [(&[&str], &str); 9] = [
        (
            &[&data, "--labels", &bad_header],
            "the header must be dest_ip,_time,kind",
        ),
        (
            &[&data, "--labels", &bad_kind],
            "kind \"phishing\" is not exfiltration",
        ),
        (
            &[&data, "--labels", &no_row, "tz=UTC"],
            "line 2: dest_ip=10.99.0.1 _time=1767225600 names no row of",
        ),
        (
            &[&data, "--labels", &duplicate, "tz=UTC"],
            "line 3: dest_ip=10.0.0.1",
        ),
        (
            &[&bad_data, "--labels", &labels],
            "the input has no field \"bytes_out\"",
        ),
        (
            &[&data, "--labels", "/nonexistent/l.csv"],
            "cannot open /nonexistent/l.csv",
        ),
        (
            &[&data, "--labels", &labels, "--sweep", "deviation_threshold"],
            "invalid --sweep",
        ),
        (
            &[&data, "--labels", &labels, "fpr"],
            "argument \"fpr\" is not of the form name=value",
        ),
        (&[&data], "evaluate needs --labels"),
    ];
    for (args, message) in cases {
        let mut argv = vec!["evaluate"];
        argv.extend(args);
        let (stdout, stderr, status) = run_raw(&argv, b"");
        let stderr = String::from_utf8_lossy(&stderr);
        assert_eq!(status.code(), Some(2), "{argv:?}: {stderr}");
        assert!(stdout.is_empty(), "{argv:?}: stdout {stdout:?}");
        assert!(stderr.contains(message), "{argv:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // sample: a labels path that cannot be created fails before any output.
    let (stdout, stderr, status) = run_raw(&["sample", "--labels", "/nonexistent/dir/l.csv"], b"");
    assert_eq!(status.code(), Some(2));
    assert!(stdout.is_empty());
    assert!(String::from_utf8_lossy(&stderr).contains("cannot write /nonexistent/dir/l.csv"));
}
