//! The README's CLI tour agrees with the binary's `--help`: every flag exists, every default
//! shown is the real default, and every list of choices is the real list.

use std::collections::HashMap;

/// One flag of a subcommand's `--help`: its default and possible values, if any.
#[derive(Debug, Default)]
struct HelpFlag {
    default: Option<String>,
    choices: Option<Vec<String>>,
}

fn help_flags(sub: &str) -> HashMap<String, HelpFlag> {
    let out = assert_cmd::Command::cargo_bin("onnx-inspector")
        .unwrap()
        .args([sub, "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut flags: HashMap<String, HelpFlag> = HashMap::new();
    let mut current: Option<String> = None;
    let mut in_values = false;
    for line in text.lines() {
        let t = line.trim_start();
        if in_values {
            // clap's long form: "Possible values:" then "- name: doc" lines.
            if let Some(item) = t.strip_prefix("- ") {
                let v = item.split(':').next().unwrap().trim().to_string();
                let f = flags.get_mut(current.as_ref().unwrap()).unwrap();
                f.choices.get_or_insert_with(Vec::new).push(v);
                continue;
            }
            in_values = false;
        }
        if t == "Possible values:" {
            in_values = true;
            continue;
        }
        if let Some(rest) = t.strip_prefix("--") {
            let name = rest.split([' ', ',']).next().unwrap().to_string();
            flags.insert(name.clone(), HelpFlag::default());
            current = Some(name);
        }
        // Defaults and choices follow the flag on its own line or on the next ones.
        if let Some(name) = &current {
            let f = flags.get_mut(name).unwrap();
            if let Some(i) = t.find("[default: ") {
                let d = &t[i + 10..];
                f.default = Some(d[..d.find(']').unwrap()].to_string());
            }
            if let Some(i) = t.find("[possible values: ") {
                let v = &t[i + 18..];
                f.choices = Some(
                    v[..v.find(']').unwrap()]
                        .split(", ")
                        .map(str::to_string)
                        .collect(),
                );
            }
        }
    }
    // Positional arguments are listed without "--"; the tour shows them in capitals.
    flags
}

/// The `onnx-inspector ...` lines of the README's CLI tour, continuation lines joined.
fn tour() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("## CLI tour").expect("a CLI tour section");
    let block = &readme[start..];
    let block = &block[block.find("```text").unwrap() + 7..];
    let block = &block[..block.find("```").unwrap()];
    let mut commands: Vec<(String, String)> = vec![];
    for line in block.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("onnx-inspector ") {
            let sub = rest.split_whitespace().next().unwrap().to_string();
            commands.push((sub, rest.to_string()));
        } else if !t.is_empty() {
            commands.last_mut().unwrap().1.push(' ');
            commands.last_mut().unwrap().1.push_str(t);
        }
    }
    commands
}

#[test]
fn the_readme_tour_agrees_with_help() {
    let commands = tour();
    assert!(commands.len() >= 6, "{commands:?}");
    let mut checked = 0;
    for (sub, line) in commands {
        let flags = help_flags(&sub);
        let words: Vec<&str> = line
            .split_whitespace()
            .map(|w| w.trim_matches(|c| c == '[' || c == ']'))
            .collect();
        for (i, w) in words.iter().enumerate() {
            let Some(name) = w.strip_prefix("--") else {
                continue;
            };
            let flag = flags
                .get(name)
                .unwrap_or_else(|| panic!("README: `{sub} --{name}` is not in `{sub} --help`"));
            checked += 1;
            let Some(value) = words.get(i + 1).filter(|v| !v.starts_with("--")) else {
                continue;
            };
            let is_placeholder = value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c == '|');
            if is_placeholder {
                continue;
            }
            if value.contains('|') {
                let shown: Vec<&str> = value.split('|').collect();
                let mut sorted = shown.clone();
                sorted.sort_unstable();
                let mut real = flag
                    .choices
                    .clone()
                    .unwrap_or_else(|| panic!("`{sub} --{name}` has no choices in --help"));
                real.sort_unstable();
                assert_eq!(sorted, real, "README: choices of `{sub} --{name}`");
                if let Some(d) = &flag.default {
                    assert_eq!(
                        shown[0], d,
                        "README: `{sub} --{name}` lists its default first"
                    );
                }
            } else if let Some(d) = &flag.default {
                // A concrete value next to a flag with a default must be that default.
                if !value.contains(',') {
                    assert_eq!(
                        value.trim_end_matches('/'),
                        d.trim_end_matches('/'),
                        "README: `{sub} --{name} {value}` but the default is {d}"
                    );
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} flags checked");
}
