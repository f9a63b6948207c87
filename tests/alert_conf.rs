//! The alert action's configuration agrees with the binary and with itself: the parameters and
//! defaults of alert_actions.conf, the editor form, the .conf.spec files, and the saved search
//! that uses the action.

use std::collections::BTreeSet;
use std::path::Path;

use emailoutlier::alert::{ACTION, PARAMS};

use super::app_conf::{conf_value, parse_conf, Stanza};

fn repo_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn params() -> BTreeSet<String> {
    PARAMS.iter().map(|(name, _)| name.to_string()).collect()
}

#[test]
fn alert_actions_conf_declares_the_action_with_the_binarys_defaults() {
    let conf = parse_conf(&repo_file("default/alert_actions.conf"));
    let get = |key: &str| conf_value(&conf, ACTION, key);
    assert_eq!(get("is_custom"), Some("1"));
    assert_eq!(get("payload_format"), Some("json"));
    assert!(get("label").is_some_and(|l| !l.is_empty()));
    assert!(get("description").is_some_and(|d| !d.is_empty()));
    let icon = get("icon_path").unwrap();
    let png = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("app/appserver/static")
            .join(icon),
    )
    .unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{icon} is a PNG");
    // splunkd finds the executable by the stanza's name (no alert.execute.cmd, so it passes
    // --execute itself); AppInspect cloud fails .path pointers.
    assert_eq!(get("alert.execute.cmd"), None);
    let stanza = conf.iter().find(|s| s.name == ACTION).unwrap();
    let declared: BTreeSet<String> = stanza
        .pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("param.").map(str::to_owned))
        .collect();
    assert_eq!(declared, params());
    for (name, default) in PARAMS {
        assert_eq!(get(&format!("param.{name}")), Some(default), "param.{name}");
    }
}

#[test]
fn the_wrapper_named_after_the_action_runs_the_one_binary() {
    let script = repo_file(&format!("bin/{ACTION}.sh"));
    assert!(script.starts_with("#!/bin/sh\n"));
    assert!(script.contains("exec \"$here/../linux_x86_64/bin/emailoutlier\" \"$@\""));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("bin/{ACTION}.sh")))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o111, 0o111, "executable");
}

#[test]
fn the_editor_form_has_one_input_per_parameter() {
    let html = repo_file(&format!("default/data/ui/alerts/{ACTION}.html"));
    let prefix = format!("name=\"action.{ACTION}.param.");
    let names: Vec<String> = html
        .match_indices(&prefix)
        .map(|(at, _)| {
            let rest = &html[at + prefix.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect();
    assert_eq!(names.len(), PARAMS.len(), "one input each: {names:?}");
    assert_eq!(names.into_iter().collect::<BTreeSet<_>>(), params());
}

#[test]
fn spec_files_document_every_parameter() {
    let spec = repo_file("app/README/alert_actions.conf.spec");
    assert!(spec.contains(&format!("[{ACTION}]")));
    let saved = repo_file("app/README/savedsearches.conf.spec");
    assert!(saved.contains(&format!("\naction.{ACTION} = [0|1]")));
    for (name, _) in PARAMS {
        assert!(
            spec.contains(&format!("\nparam.{name} = ")),
            "alert_actions.conf.spec: {name}"
        );
        assert!(
            saved.contains(&format!("\naction.{ACTION}.param.{name} = ")),
            "savedsearches.conf.spec: {name}"
        );
    }
}

#[test]
fn default_meta_exports_the_action() {
    let meta = parse_conf(&repo_file("app/metadata/default.meta"));
    assert_eq!(
        conf_value(&meta, &format!("alert_actions/{ACTION}"), "export"),
        Some("system")
    );
}

fn risk_search(searches: &[Stanza]) -> &Stanza {
    let with_action: Vec<&Stanza> = searches
        .iter()
        .filter(|s| {
            s.pairs
                .iter()
                .any(|(k, v)| *k == format!("action.{ACTION}") && v == "1")
        })
        .collect();
    assert_eq!(with_action.len(), 1, "one saved search uses the action");
    with_action[0]
}

#[test]
fn the_no_es_search_is_the_detection_disabled_throttled_per_host_day() {
    let searches = parse_conf(&repo_file("default/savedsearches.conf"));
    let search = risk_search(&searches);
    let get = |key: &str| conf_value(&searches, &search.name, key);
    assert_eq!(get("disabled"), Some("1"));
    assert_eq!(get("enableSched"), Some("1"));
    let correlation = searches
        .iter()
        .find(|s| {
            s.pairs
                .iter()
                .any(|(k, v)| k == "action.correlationsearch.enabled" && v == "1")
        })
        .expect("the ES correlation search");
    for key in [
        "search",
        "cron_schedule",
        "dispatch.earliest_time",
        "dispatch.latest_time",
        "schedule_window",
        "allow_skew",
    ] {
        assert_eq!(
            get(key),
            conf_value(&searches, &correlation.name, key),
            "{key} as the correlation search"
        );
    }
    // Field throttling applies to per-result alerts only (savedsearches.conf.spec).
    assert_eq!(get("alert.digest_mode"), Some("0"));
    assert_eq!(get("alert.suppress"), Some("1"));
    assert_eq!(get("alert.suppress.fields"), Some("dest_ip,_time"));
    assert_eq!(get("alert.suppress.period"), Some("90000s"));
    assert_eq!(
        get("action.risk"),
        None,
        "never both risk actions in one search"
    );
    for (name, _) in PARAMS {
        assert!(
            get(&format!("action.{ACTION}.param.{name}")).is_some(),
            "{name}"
        );
    }
    assert_eq!(get(&format!("action.{ACTION}.param.index")), Some("risk"));
    assert_eq!(
        get(&format!("action.{ACTION}.param.risk_object_field")),
        Some("dest_ip")
    );
}
