//! The app's configuration agrees with itself and with Cargo.toml: one version in three
//! places, strict JSON where Splunk wants JSON, exports the command needs, and a saved search
//! that only uses macros the app defines.

use std::path::Path;

use serde_json::Value;

/// One `.conf` stanza: its name and its `key = value` pairs in file order.
pub struct Stanza {
    /// Text between `[` and `]` (empty for the default stanza `[]`).
    pub name: String,
    /// Keys and values, blanks around both trimmed, continuation lines joined.
    pub pairs: Vec<(String, String)>,
}

/// Reads a Splunk `.conf` file: `#` comment lines, `[stanza]` headers, `key = value` lines,
/// a trailing `\` continues a value on the next line.
pub fn parse_conf(text: &str) -> Vec<Stanza> {
    let mut stanzas = vec![Stanza {
        name: String::new(),
        pairs: Vec::new(),
    }];
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            stanzas.push(Stanza {
                name: name.to_owned(),
                pairs: Vec::new(),
            });
            continue;
        }
        let (key, value) = trimmed
            .split_once('=')
            .unwrap_or_else(|| panic!("not a key = value line: {line:?}"));
        let mut value = value.trim().to_owned();
        while value.ends_with('\\') {
            value.pop();
            value.push('\n');
            value.push_str(lines.next().unwrap_or_default().trim());
        }
        stanzas
            .last_mut()
            .unwrap()
            .pairs
            .push((key.trim().to_owned(), value));
    }
    stanzas
}

/// The value of `key` in `[stanza]` of a parsed file, if set.
pub fn conf_value<'a>(stanzas: &'a [Stanza], stanza: &str, key: &str) -> Option<&'a str> {
    stanzas
        .iter()
        .filter(|s| s.name == stanza)
        .flat_map(|s| s.pairs.iter())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn repo_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn conf(relative: &str) -> Vec<Stanza> {
    parse_conf(&repo_file(relative))
}

#[test]
fn app_conf_and_manifest_carry_the_cargo_version() {
    let version = env!("CARGO_PKG_VERSION");
    let app = conf("default/app.conf");
    assert_eq!(
        conf_value(&app, "id", "version"),
        Some(version),
        "[id] version"
    );
    assert_eq!(
        conf_value(&app, "launcher", "version"),
        Some(version),
        "[launcher] version"
    );
    let manifest: Value = serde_json::from_str(&repo_file("app/app.manifest")).unwrap();
    assert_eq!(manifest["info"]["id"]["version"], version);
}

#[test]
fn app_manifest_is_strict_json_naming_the_app() {
    // serde_json rejects comments and trailing commas, which `slim generate-manifest` adds.
    let manifest: Value = serde_json::from_str(&repo_file("app/app.manifest")).unwrap();
    assert_eq!(manifest["schemaVersion"], "2.0.0");
    assert_eq!(manifest["info"]["id"]["name"], "emailoutlier");
}

#[test]
fn app_conf_identity_fits_appinspect_rules() {
    let app = conf("default/app.conf");
    assert_eq!(conf_value(&app, "package", "id"), Some("emailoutlier"));
    assert_eq!(conf_value(&app, "id", "name"), Some("emailoutlier"));
    assert_eq!(conf_value(&app, "install", "is_configured"), Some("false"));
    let build: u64 = conf_value(&app, "install", "build")
        .unwrap()
        .parse()
        .unwrap();
    assert!(build > 0);
    let label = conf_value(&app, "ui", "label").unwrap();
    assert!((5..=80).contains(&label.chars().count()), "{label:?}");
    let description = conf_value(&app, "launcher", "description").unwrap();
    assert!(description.chars().count() <= 200, "{description:?}");
    assert!(
        app.iter().all(|s| s.name != "triggers"),
        "AppInspect fails a [triggers] stanza for commands/searchbnf"
    );
}

#[test]
fn default_meta_exports_command_help_and_macros_to_system() {
    let meta = conf("app/metadata/default.meta");
    for stanza in ["commands", "searchbnf", "macros"] {
        assert_eq!(
            conf_value(&meta, stanza, "export"),
            Some("system"),
            "[{stanza}]"
        );
    }
    let access = conf_value(&meta, "", "access").unwrap();
    assert!(access.contains("read : [ * ]"), "{access}");
}

#[test]
fn commands_conf_declares_a_chunked_command_with_only_chunked_keys() {
    let commands = conf("default/commands.conf");
    assert_eq!(
        conf_value(&commands, "emailoutlier", "filename"),
        Some("emailoutlier")
    );
    assert_eq!(
        conf_value(&commands, "emailoutlier", "chunked"),
        Some("true")
    );
    let allowed = [
        "filename",
        "chunked",
        "is_risky",
        "maxwait",
        "maxchunksize",
        "run_in_preview",
        "python.version",
    ];
    for stanza in &commands {
        for (key, _) in &stanza.pairs {
            assert!(
                allowed.contains(&key.as_str()) || key.starts_with("command.arg."),
                "commands.conf key {key} does not apply to a chunked command"
            );
        }
    }
}

#[test]
fn searchbnf_documents_every_option_publicly() {
    let bnf = conf("default/searchbnf.conf");
    let syntax = conf_value(&bnf, "emailoutlier-command", "syntax").unwrap();
    let description = conf_value(&bnf, "emailoutlier-command", "description").unwrap();
    for option in emailoutlier::detect::options::KNOWN_OPTIONS {
        assert!(
            syntax.contains(&format!("{option}=")),
            "syntax lacks {option}"
        );
        assert!(
            description.contains(&format!("{option}=")),
            "description lacks {option}"
        );
    }
    assert_eq!(
        conf_value(&bnf, "emailoutlier-command", "usage"),
        Some("public")
    );
    assert!(conf_value(&bnf, "emailoutlier-command", "example1").is_some());
    assert!(conf_value(&bnf, "emailoutlier-command", "comment1").is_some());
}

/// `macro(arg1, arg2)` → the macros.conf stanza name `macro(2)`; `macro` → `macro`.
fn macro_stanza(call: &str) -> String {
    match call.split_once('(') {
        Some((name, args)) => format!("{name}({})", args.split(',').count()),
        None => call.to_owned(),
    }
}

#[test]
fn correlation_search_uses_only_app_macros_and_fixes_the_window() {
    let searches = conf("default/savedsearches.conf");
    let macros = conf("default/macros.conf");
    let name = "emailoutlier - Email servers sending high volume traffic to hosts - Rule";
    let get = |key: &str| {
        conf_value(&searches, name, key).unwrap_or_else(|| panic!("[{name}] lacks {key}"))
    };

    let search = get("search");
    assert!(search.contains("| emailoutlier |"), "{search}");
    let daily = conf_value(&macros, "emailoutlier_daily_bytes", "definition")
        .expect("macros.conf lacks [emailoutlier_daily_bytes]");
    assert!(daily.starts_with("tstats "), "{daily}");
    assert!(
        search.starts_with("| `emailoutlier_daily_bytes` |"),
        "{search}"
    );
    // Macros of the search and of the macro it starts with.
    let text = format!("{search} {daily}");
    let calls: Vec<&str> = text.split('`').skip(1).step_by(2).collect();
    assert_eq!(calls.len(), 4, "{text}");
    for call in calls {
        let stanza = macro_stanza(call);
        assert!(
            stanza.starts_with("emailoutlier_"),
            "{stanza} is not the app's own macro"
        );
        assert!(
            macros.iter().any(|s| s.name == stanza),
            "macros.conf lacks [{stanza}]"
        );
    }

    assert_eq!(get("dispatch.earliest_time"), "-30d@d");
    assert_eq!(get("dispatch.latest_time"), "-10m@m");
    assert_eq!(get("cron_schedule"), "0 * * * *");
    assert_eq!(get("disabled"), "1");

    let risk: Value = serde_json::from_str(get("action.risk.param._risk")).unwrap();
    assert_eq!(risk[0]["risk_object_field"], "dest_ip");
    assert_eq!(risk[0]["risk_object_type"], "system");
    assert_eq!(risk[0]["risk_score"], 25);
    let message = get("action.risk.param._risk_message");
    for token in [
        "$dest_ip$",
        "$bytes_out$",
        "$avg_bytes_out$",
        "$per_source_avg_bytes_out$",
    ] {
        assert!(message.contains(token), "risk message lacks {token}");
    }

    let annotations: Value =
        serde_json::from_str(get("action.correlationsearch.annotations")).unwrap();
    assert_eq!(
        annotations["mitre_attack"],
        serde_json::json!(["T1114", "T1114.002"])
    );
    assert_eq!(annotations["confidence"], 50);
    assert_eq!(annotations["impact"], 50);
}

#[test]
fn parse_conf_joins_continuations_and_skips_comments() {
    let stanzas = parse_conf("# c\n[a]\nk = one \\\n  two\n[b]\nk=3\n");
    assert_eq!(conf_value(&stanzas, "a", "k"), Some("one \ntwo"));
    assert_eq!(conf_value(&stanzas, "b", "k"), Some("3"));
    assert_eq!(conf_value(&stanzas, "a", "missing"), None);
    assert_eq!(macro_stanza("x(\"A\", 2)"), "x(2)");
    assert_eq!(macro_stanza("y"), "y");
}
