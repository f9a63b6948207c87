//! The app's dashboards and navigation: every view is Simple XML 1.1 that parses, defines each
//! token it uses, calls only the app's own macros, and gives `emailoutlier` only options the
//! command's own parser accepts; the nav names existing views and lands on one of them.

use std::path::{Path, PathBuf};

use emailoutlier::detect::options::Options;
use roxmltree::{Document, Node};

use crate::app_conf::{conf_value, parse_conf, Stanza};
use crate::spl::{check_macros, emailoutlier_invocations, substitute, tokens};

/// Views Splunk itself provides that a nav may name.
const SPLUNK_VIEWS: [&str; 1] = ["search"];

/// Sample values for the dashboards' tokens, used to check the searches they become.
const SAMPLE_TOKENS: [(&str, &str); 11] = [
    ("dest_ip", "10.0.0.1"),
    ("threshold", "3"),
    ("min_samples", "4"),
    ("min_bytes", "10000000"),
    ("baseline", "daytype"),
    ("window.earliest", "-30d@d"),
    ("window.latest", "-10m@m"),
    ("day_start", "1767225600"),
    ("day_end", "1767312000"),
    ("day_label", "2026-01-01"),
    ("row.dest_ip", "10.0.0.1"),
];

/// Tokens Simple XML sets inside a `<drilldown>`: the clicked row, cell and time range.
fn is_drilldown_token(name: &str) -> bool {
    name.starts_with("row.") || name.starts_with("click.") || name == "earliest" || name == "latest"
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn views() -> Vec<(String, String)> {
    let dir = root().join("default/data/ui/views");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let views: Vec<(String, String)> = files
        .iter()
        .map(|path| {
            assert_eq!(
                path.extension().and_then(|e| e.to_str()),
                Some("xml"),
                "{} is not a view",
                path.display()
            );
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            (name, read(path))
        })
        .collect();
    assert!(views.len() >= 3, "expected the three dashboards");
    views
}

fn macros() -> Vec<Stanza> {
    parse_conf(&read(&root().join("default/macros.conf")))
}

/// Is `node` inside a `<drilldown>` (or is one)?
fn in_drilldown(node: Node) -> bool {
    node.ancestors().any(|a| a.has_tag_name("drilldown"))
}

/// The tokens a view defines: its inputs (a time input also gives `.earliest`/`.latest`) and
/// every `<set>`/`<eval>`/`<unset>` target.
fn defined_tokens(doc: &Document) -> Vec<String> {
    let mut defined = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let Some(token) = node.attribute("token") else {
            continue;
        };
        defined.push(token.to_owned());
        if node.has_tag_name("input") && node.attribute("type") == Some("time") {
            defined.push(format!("{token}.earliest"));
            defined.push(format!("{token}.latest"));
        }
    }
    defined
}

#[test]
fn every_view_is_simple_xml_1_1_with_defined_tokens_and_app_macros() {
    let macros = macros();
    for (name, text) in views() {
        let doc = Document::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let dashboard = doc.root_element();
        assert!(
            dashboard.has_tag_name("form") || dashboard.has_tag_name("dashboard"),
            "{name}: root is <{}>",
            dashboard.tag_name().name()
        );
        assert_eq!(dashboard.attribute("version"), Some("1.1"), "{name}");
        assert!(
            dashboard.children().any(|n| n.has_tag_name("label")),
            "{name} has no <label>"
        );

        let defined = defined_tokens(&doc);
        for node in doc.descendants().filter(|n| n.is_text()) {
            for token in tokens(node.text().unwrap_or_default()) {
                let ok =
                    defined.contains(&token) || (in_drilldown(node) && is_drilldown_token(&token));
                assert!(ok, "{name}: token ${token}$ is never set");
            }
        }

        let ids: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("search"))
            .filter_map(|n| n.attribute("id"))
            .collect();
        let queries: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("query"))
            .map(|n| n.text().unwrap_or_default())
            .collect();
        assert!(!queries.is_empty(), "{name} has no search");
        for search in doc.descendants().filter(|n| n.has_tag_name("search")) {
            if let Some(base) = search.attribute("base") {
                assert!(ids.contains(&base), "{name}: no search has id {base:?}");
            }
        }
        for query in queries {
            assert!(!query.trim().is_empty(), "{name}: empty query");
            check_macros(query, &macros).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn every_emailoutlier_in_a_view_takes_valid_options() {
    let mut count = 0;
    for (name, text) in views() {
        let doc = Document::parse(&text).unwrap();
        for query in doc.descendants().filter(|n| n.has_tag_name("query")) {
            let spl = substitute(query.text().unwrap_or_default(), &SAMPLE_TOKENS)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            for options in emailoutlier_invocations(&spl) {
                count += 1;
                if let Err(e) = Options::parse(options.iter().map(String::as_str)) {
                    panic!("{name}: | emailoutlier {}: {e}", options.join(" "));
                }
            }
        }
    }
    // Overview: alerts + backtest; Host: backtest + annotate; Tuning: backtest + 5 predictive.
    assert!(count >= 10, "found only {count} emailoutlier invocations");
}

#[test]
fn the_views_cover_overview_host_and_tuning() {
    let views = views();
    let find = |view: &str| {
        views
            .iter()
            .find(|(name, _)| name == view)
            .map(|(_, text)| text.as_str())
            .unwrap_or_else(|| panic!("no view {view}"))
    };
    let overview = find("emailoutlier_overview");
    assert!(
        overview.contains("| emailoutlier | `emailoutlier_filter`"),
        "today's outliers"
    );
    assert!(overview.contains("emailoutlier mode=backtest"));
    assert!(overview.contains("emailoutlier_host?form.dest_ip=$row.dest_ip|u$"));
    let host = find("emailoutlier_host");
    assert!(host.contains("token=\"dest_ip\""));
    assert!(host.contains("emailoutlier mode=backtest deviation_threshold=$threshold$"));
    assert!(host.contains("per_source_avg_bytes_out + $threshold$ * per_source_stdev_bytes_out"));
    let tuning = find("emailoutlier_tuning");
    for fpr in ["0.01", "0.001", "0.0001"] {
        assert!(
            tuning.contains(&format!("method=predictive mode=backtest fpr={fpr} ")),
            "Tuning lacks fpr={fpr}"
        );
    }
    assert!(tuning.contains(
        "bytes_out > avg_bytes_out + t * stdev_bytes_out AND bytes_out > per_source_avg_bytes_out + t * per_source_stdev_bytes_out"
    ));
    // Every time picker starts at the detection's window.
    for (name, text) in &views {
        let doc = Document::parse(text).unwrap();
        for input in doc
            .descendants()
            .filter(|n| n.has_tag_name("input") && n.attribute("type") == Some("time"))
        {
            let default = input
                .children()
                .find(|n| n.has_tag_name("default"))
                .unwrap_or_else(|| panic!("{name}: time input without a default"));
            let child = |tag: &str| {
                default
                    .children()
                    .find(|n| n.has_tag_name(tag))
                    .and_then(|n| n.text())
            };
            assert_eq!(child("earliest"), Some("-30d@d"), "{name}");
            assert_eq!(child("latest"), Some("-10m@m"), "{name}");
        }
    }
}

#[test]
fn nav_names_existing_views_and_lands_on_one_of_the_apps() {
    let text = read(&root().join("default/data/ui/nav/default.xml"));
    let doc = Document::parse(&text).unwrap();
    assert!(doc.root_element().has_tag_name("nav"));
    let names: Vec<String> = views().into_iter().map(|(name, _)| name).collect();
    let mut defaults = Vec::new();
    for view in doc.descendants().filter(|n| n.has_tag_name("view")) {
        let name = view.attribute("name").expect("a <view> without name");
        assert!(
            names.iter().any(|n| n == name) || SPLUNK_VIEWS.contains(&name),
            "nav names the view {name}, which does not exist"
        );
        if view.attribute("default") == Some("true") {
            defaults.push(name);
        }
    }
    assert_eq!(defaults, ["emailoutlier_overview"], "one landing page");
    for name in &names {
        assert!(
            doc.descendants()
                .any(|n| n.has_tag_name("view") && n.attribute("name") == Some(name)),
            "the nav does not reach {name}"
        );
    }

    let app = parse_conf(&read(&root().join("default/app.conf")));
    assert_eq!(conf_value(&app, "ui", "is_visible"), Some("true"));
}

/// The thresholds the Tuning view tries: the list in its `split("…", ",")`.
fn tuning_thresholds() -> Vec<f64> {
    let (_, text) = views()
        .into_iter()
        .find(|(name, _)| name == "emailoutlier_tuning")
        .unwrap();
    let start = text.find("deviation_threshold=split(\"").unwrap() + 27;
    let list = &text[start..start + text[start..].find('"').unwrap()];
    list.split(',').map(|t| t.parse().unwrap()).collect()
}

#[test]
fn the_tuning_rule_reproduces_the_commands_verdict_at_each_threshold() {
    // The Tuning view flags each backtest row with the detection's rule from the printed
    // statistics; at each of its thresholds that must give exactly the command's is_outlier.
    let (sample, stderr, status) = crate::util::run_raw(
        &[
            "sample",
            "--hosts",
            "60",
            "--days",
            "45",
            "--seed",
            "3",
            "--now",
            "1767268800",
        ],
        b"",
    );
    assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
    let thresholds = tuning_thresholds();
    assert!(thresholds.contains(&3.0), "{thresholds:?}");
    let mut alerts_per_threshold = Vec::new();
    for t in thresholds {
        let threshold = format!("deviation_threshold={t}");
        let (out, stderr, status) = crate::util::run_raw(
            &["detect", "-", "mode=backtest", &threshold, "tz=UTC"],
            &sample,
        );
        assert!(status.success(), "{}", String::from_utf8_lossy(&stderr));
        let mut reader = csv::Reader::from_reader(&out[..]);
        let header = reader.headers().unwrap().clone();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let [bytes, avg, stdev, samples, source_avg, source_stdev, outlier] = [
            "bytes_out",
            "avg_bytes_out",
            "stdev_bytes_out",
            "num_data_samples",
            "per_source_avg_bytes_out",
            "per_source_stdev_bytes_out",
            "is_outlier",
        ]
        .map(column);
        let mut alerts = 0;
        for record in reader.records() {
            let record = record.unwrap();
            let number = |i: usize| record[i].parse::<f64>().ok();
            let above = |mean: usize, sd: usize| match (number(bytes), number(mean), number(sd)) {
                (Some(x), Some(m), Some(s)) => x > m + t * s,
                _ => false,
            };
            let rule = number(samples).is_some_and(|n| n >= 4.0)
                && above(avg, stdev)
                && above(source_avg, source_stdev);
            assert_eq!(
                rule,
                &record[outlier] == "1",
                "T={t}: the Tuning rule and is_outlier disagree on {record:?}"
            );
            alerts += usize::from(rule);
        }
        alerts_per_threshold.push(alerts);
    }
    assert!(alerts_per_threshold[0] > 0, "{alerts_per_threshold:?}");
    assert!(
        alerts_per_threshold.windows(2).all(|w| w[0] >= w[1]),
        "alerts fall as the threshold rises: {alerts_per_threshold:?}"
    );
}
