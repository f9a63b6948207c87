//! Reading the SPL that the app ships (saved searches, drilldowns, dashboards) well enough to
//! check it: macro calls, `$token$`s, `| emailoutlier …` invocations, fields an `eval` assigns.

use crate::app_conf::{conf_value, Stanza};

/// The text between pairs of backticks: macro calls such as `name` or `name(a, b)`.
pub fn macro_calls(spl: &str) -> Vec<&str> {
    spl.split('`').skip(1).step_by(2).collect()
}

/// `macro(arg1, arg2)` → the macros.conf stanza name `macro(2)`; `macro` → `macro`.
pub fn macro_stanza(call: &str) -> String {
    match call.split_once('(') {
        Some((name, args)) => format!("{name}({})", args.split(',').count()),
        None => call.to_owned(),
    }
}

/// Checks that every macro `spl` calls, and every macro their definitions call in turn, is one
/// of the app's own (`emailoutlier_…`) and is defined in macros.conf. Returns the stanzas reached.
pub fn check_macros(spl: &str, macros: &[Stanza]) -> Result<Vec<String>, String> {
    let mut reached: Vec<String> = Vec::new();
    let mut pending: Vec<String> = macro_calls(spl).into_iter().map(macro_stanza).collect();
    while let Some(stanza) = pending.pop() {
        if reached.contains(&stanza) {
            continue;
        }
        if !stanza.starts_with("emailoutlier_") {
            return Err(format!("`{stanza}` is not one of the app's own macros"));
        }
        let definition = conf_value(macros, &stanza, "definition")
            .ok_or_else(|| format!("macros.conf lacks [{stanza}] (called in: {spl})"))?;
        pending.extend(macro_calls(definition).into_iter().map(macro_stanza));
        reached.push(stanza);
    }
    Ok(reached)
}

/// The names of the `$name$` tokens in `text`, in order, with a Simple XML filter (`$row.x|u$`)
/// dropped; `$$` (an escaped dollar) is no token.
pub fn tokens(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('$') else { break };
        let inner = &after[..end];
        if !inner.is_empty() {
            let name = inner.split('|').next().unwrap_or_default();
            names.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    names
}

/// Replaces each `$name$` (and `$name|filter$`) with its sample value; an error names a token
/// without one.
pub fn substitute(text: &str, samples: &[(&str, &str)]) -> Result<String, String> {
    let mut out = text.to_owned();
    for name in tokens(text) {
        let value = samples
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("no sample value for token ${name}$ in: {text}"))?;
        let plain = format!("${name}$");
        if out.contains(&plain) {
            out = out.replacen(&plain, value, 1);
        } else {
            let start = out
                .find(&format!("${name}|"))
                .ok_or_else(|| format!("token ${name}$ vanished from: {out}"))?;
            let end = start + 1 + out[start + 1..].find('$').unwrap_or_default();
            out.replace_range(start..=end, value);
        }
    }
    Ok(out)
}

/// The option tokens of each `| emailoutlier …` in `spl`: the words after the command up to
/// the next `|` or `]` outside double quotes, split on blanks outside double quotes.
pub fn emailoutlier_invocations(spl: &str) -> Vec<Vec<String>> {
    let mut invocations = Vec::new();
    for segment in split_outside_quotes(spl, &['|', '[', ']'])
        .into_iter()
        .skip(1)
    {
        let words = split_words(&segment);
        if words.first().map(String::as_str) == Some("emailoutlier") {
            invocations.push(words[1..].to_vec());
        }
    }
    invocations
}

/// The field names an `eval a=…, b=…` assigns (top-level commas only).
pub fn eval_assigned_fields(eval: &str) -> Vec<String> {
    let body = eval
        .trim()
        .strip_prefix("eval ")
        .unwrap_or_else(|| panic!("not an eval: {eval}"));
    let mut fields = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut start = 0;
    let bytes = body.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b',' if !quoted && depth == 0 => {
                fields.push(assigned(&body[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(assigned(&body[start..]));
    fields
}

fn assigned(assignment: &str) -> String {
    let (name, _) = assignment
        .split_once('=')
        .unwrap_or_else(|| panic!("not an assignment: {assignment}"));
    name.trim().to_owned()
}

/// Splits on any of `separators` outside double quotes (a backslash escapes a quote).
fn split_outside_quotes(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if !quoted && separators.contains(&c) {
            parts.push(String::new());
            continue;
        }
        parts.last_mut().unwrap().push(c);
    }
    parts
}

fn split_words(text: &str) -> Vec<String> {
    split_outside_quotes(text, &[' ', '\t', '\n', '\r'])
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn spl_helpers_read_what_they_claim() {
    assert_eq!(macro_calls("| `a` | x | `b(1, 2)`"), ["a", "b(1, 2)"]);
    assert_eq!(macro_stanza("x(\"A\", 2)"), "x(2)");
    assert_eq!(macro_stanza("y"), "y");
    assert_eq!(tokens("a $x$ b $row.y|u$ $$ c"), ["x", "row.y"]);
    assert_eq!(
        substitute("q=$x$ r=$row.y|u$", &[("x", "1"), ("row.y", "2")]).unwrap(),
        "q=1 r=2"
    );
    assert!(substitute("$z$", &[]).unwrap_err().contains("$z$"));
    assert_eq!(
        emailoutlier_invocations(
            "| `m` | emailoutlier mode=backtest tz=\"A | B\" | search x | emailoutlier\n| y [| emailoutlier now=1]"
        ),
        vec![
            vec!["mode=backtest".to_owned(), "tz=\"A | B\"".to_owned()],
            vec![],
            vec!["now=1".to_owned()],
        ]
    );
    assert!(emailoutlier_invocations("| emailoutliers x=1 | search emailoutlier").is_empty());
    assert_eq!(
        eval_assigned_fields("eval a=f(x, \"y,z\"), b = 1 , c=if(a, 1, 2)"),
        ["a", "b", "c"]
    );
}
