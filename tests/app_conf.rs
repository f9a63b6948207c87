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
    // Macros of the search and of every macro it reaches.
    let reached = crate::spl::check_macros(search, &macros).unwrap_or_else(|e| panic!("{e}"));
    assert!(reached.len() >= 5, "{reached:?}");

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
        "$alert_day$",
        "$bytes_out$",
        "$bytes_out_human$",
        "$avg_bytes_out_human$",
        "$per_source_avg_bytes_out_human$",
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
}

// ---- Throttling, drilldowns and the fields the correlation search outputs (issue 11) ----

const RULE: &str = "emailoutlier - Email servers sending high volume traffic to hosts - Rule";

/// Tokens ES fills in a drilldown besides the risk event's fields: the detection's window.
const ES_DRILLDOWN_TOKENS: [&str; 2] = ["info_min_time", "info_max_time"];

/// The fields of the correlation search's results: the command's alert fields (default
/// options), kept by the filter macro, plus what `emailoutlier_alert_fields` evaluates.
fn correlation_search_output_fields() -> Vec<String> {
    let searches = conf("default/savedsearches.conf");
    let macros = conf("default/macros.conf");
    let search = conf_value(&searches, RULE, "search").unwrap();
    assert_eq!(
        search,
        "| `emailoutlier_daily_bytes` | emailoutlier | `emailoutlier_filter` | `emailoutlier_alert_fields`",
        "the output fields below are derived from this pipeline"
    );
    let filter = conf_value(&macros, "emailoutlier_filter", "definition").unwrap();
    assert!(filter.starts_with("search "), "the filter only drops rows");
    let mut fields = emailoutlier::detect::output::alert_fields("bytes_out", "dest_ip", "_time");
    let context = conf_value(&macros, "emailoutlier_alert_fields", "definition").unwrap();
    fields.extend(crate::spl::eval_assigned_fields(context));
    fields
}

#[test]
fn correlation_search_raises_risk_once_per_host_and_day() {
    let searches = conf("default/savedsearches.conf");
    let get = |key: &str| {
        conf_value(&searches, RULE, key).unwrap_or_else(|| panic!("[{RULE}] lacks {key}"))
    };
    let outputs = correlation_search_output_fields();
    assert_eq!(get("alert.suppress"), "1");
    // Digest mode: one action run for all results, throttled per key (see the conf comment).
    assert_eq!(get("alert.digest_mode"), "1");
    let fields: Vec<&str> = get("alert.suppress.fields")
        .split(',')
        .map(str::trim)
        .collect();
    assert_eq!(fields, ["dest_ip", "_time"], "host and day");
    for field in &fields {
        assert!(
            outputs.iter().any(|o| o == field),
            "throttle field {field} is not in the search's output {outputs:?}"
        );
    }
    let period = get("alert.suppress.period");
    let seconds: u64 = match period.split_at(period.len() - 1) {
        (n, "s") => n.parse().unwrap(),
        (n, "m") => n.parse::<u64>().unwrap() * 60,
        (n, "h") => n.parse::<u64>().unwrap() * 3600,
        _ => panic!("alert.suppress.period {period:?} is not [0-9]+[smh] (contentctl's form)"),
    };
    // At least the longest local day (25 hours when DST ends) plus the schedule's skew and
    // window (see the conf comment); the key holds the day, so longer never merges two days.
    assert_eq!(seconds, 90_000, "25 hours");
    // The risk message quotes only fields the search outputs.
    for token in crate::spl::tokens(get("action.risk.param._risk_message")) {
        assert!(
            outputs.contains(&token),
            "risk message token ${token}$ is not an output field"
        );
    }
}

#[test]
fn drilldown_searches_parse_and_use_only_output_fields() {
    let searches = conf("default/savedsearches.conf");
    let macros = conf("default/macros.conf");
    let outputs = correlation_search_output_fields();
    let json = conf_value(&searches, RULE, "action.notable.param.drilldown_searches").unwrap();
    let drilldowns: Vec<serde_json::Map<String, Value>> = serde_json::from_str(json).unwrap();
    assert!(
        drilldowns.len() >= 3,
        "backtest, traffic and risk drilldowns"
    );
    let samples: Vec<(String, String)> = outputs
        .iter()
        .map(|f| (f.clone(), format!("sample_{f}")))
        .chain([
            ("dest_ip".to_owned(), "10.0.0.1".to_owned()),
            ("alert_day_start".to_owned(), "1767225600".to_owned()),
            ("alert_day_end".to_owned(), "1767312000".to_owned()),
        ])
        .rev()
        .collect();
    let samples: Vec<(&str, &str)> = samples
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut invocations = 0;
    for drilldown in &drilldowns {
        let mut keys: Vec<&str> = drilldown.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["earliest_offset", "latest_offset", "name", "search"]);
        let text = |key: &str| drilldown[key].as_str().unwrap_or_else(|| panic!("{key}"));
        assert!(
            text("name").chars().count() >= 5,
            "contentctl: name of 5+ characters"
        );
        for key in ["name", "search", "earliest_offset", "latest_offset"] {
            for token in crate::spl::tokens(text(key)) {
                assert!(
                    outputs.contains(&token) || ES_DRILLDOWN_TOKENS.contains(&token.as_str()),
                    "drilldown {key} token ${token}$ is not an output field: {}",
                    text(key)
                );
            }
        }
        let search = text("search");
        crate::spl::check_macros(search, &macros).unwrap_or_else(|e| panic!("{e}"));
        let spl = crate::spl::substitute(search, &samples).unwrap();
        for options in crate::spl::emailoutlier_invocations(&spl) {
            invocations += 1;
            if let Err(e) =
                emailoutlier::detect::options::Options::parse(options.iter().map(String::as_str))
            {
                panic!("drilldown | emailoutlier {}: {e}", options.join(" "));
            }
        }
    }
    assert_eq!(invocations, 1, "the backtest drilldown");
    let searches_text: Vec<&str> = drilldowns
        .iter()
        .map(|d| d["search"].as_str().unwrap())
        .collect();
    assert!(searches_text
        .iter()
        .any(|s| s.contains("emailoutlier mode=backtest")
            && s.contains("| search dest_ip=\"$dest_ip$\"")));
    assert!(searches_text.iter().any(
        |s| s.contains("emailoutlier_email_traffic($dest_ip$, $alert_day_start$, $alert_day_end$)")
    ));
    assert!(searches_text.iter().any(|s| s.contains("Risk.All_Risk")));
}

#[test]
fn the_command_does_not_run_for_previews() {
    let commands = conf("default/commands.conf");
    assert_eq!(
        conf_value(&commands, "emailoutlier", "run_in_preview"),
        Some("false")
    );
}

#[test]
fn every_emailoutlier_in_a_saved_search_takes_valid_options() {
    let searches = conf("default/savedsearches.conf");
    let mut count = 0;
    for stanza in searches.iter().filter(|s| !s.name.is_empty()) {
        let search = conf_value(&searches, &stanza.name, "search")
            .unwrap_or_else(|| panic!("[{}] has no search", stanza.name));
        let spl = crate::spl::substitute(search, &[]).unwrap();
        for options in crate::spl::emailoutlier_invocations(&spl) {
            count += 1;
            if let Err(e) =
                emailoutlier::detect::options::Options::parse(options.iter().map(String::as_str))
            {
                panic!(
                    "[{}] | emailoutlier {}: {e}",
                    stanza.name,
                    options.join(" ")
                );
            }
        }
    }
    assert!(count >= 1, "no saved search runs emailoutlier");
}

#[test]
fn macros_use_exactly_their_arguments_with_balanced_brackets() {
    let macros = conf("default/macros.conf");
    for stanza in macros.iter().filter(|s| !s.name.is_empty()) {
        let definition = conf_value(&macros, &stanza.name, "definition")
            .unwrap_or_else(|| panic!("[{}] has no definition", stanza.name));
        let mut args: Vec<String> = conf_value(&macros, &stanza.name, "args")
            .map(|a| a.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default();
        // A stanza `name(N)` takes N arguments; a plain `name` takes none.
        let declared = stanza.name.split_once('(').map_or(0, |(_, n)| {
            n.trim_end_matches(')').parse::<usize>().unwrap()
        });
        assert_eq!(declared, args.len(), "[{}]: args = {args:?}", stanza.name);
        let mut used = crate::spl::tokens(definition);
        used.sort();
        used.dedup();
        args.sort();
        assert_eq!(
            used, args,
            "[{}] uses other $tokens$ than its args",
            stanza.name
        );
        let depth = definition.chars().try_fold(0i32, |depth, c| {
            let depth = depth + i32::from(c == '(') - i32::from(c == ')');
            (depth >= 0).then_some(depth)
        });
        assert_eq!(
            depth,
            Some(0),
            "[{}] has unbalanced parentheses",
            stanza.name
        );
        assert_eq!(
            definition.matches('`').count() % 2,
            0,
            "[{}] has an odd number of backticks",
            stanza.name
        );
    }
}
