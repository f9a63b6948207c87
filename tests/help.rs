//! `emailoutlier --help`, `-h` and `help` through the real binary: one text, whose option list
//! is the CLI's usage text.

use crate::util::run_raw;

#[test]
fn every_help_spelling_prints_one_text_with_the_cli_usage() {
    let (help, stderr, status) = run_raw(&["help"], b"");
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    let help = String::from_utf8(help).unwrap();
    for spelling in ["--help", "-h"] {
        let (text, _, status) = run_raw(&[spelling], b"");
        assert!(status.success());
        assert_eq!(String::from_utf8(text).unwrap(), help, "{spelling}");
    }
    // The usage text appears once, whole; the binary's own modes are listed beside it.
    assert_eq!(help.matches(emailoutlier::cli::USAGE).count(), 1, "{help}");
    assert_eq!(help.matches("deviation_threshold=").count(), 1, "{help}");
    for line in [
        "mode=alerts|annotate|backtest",
        "method=seed|predictive",
        "  emailoutlier\n      Protocol mode",
        "  emailoutlier --execute\n",
    ] {
        assert!(help.contains(line), "no {line:?} in {help}");
    }
}
