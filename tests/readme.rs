//! The README agrees with the binary and the repository: in its CLI reference every flag exists,
//! every default shown is the real default and every list of choices the real list; every flag
//! of its other examples exists; every image it shows is in `docs/img`, drawn by
//! `docs/make_images.sh`.

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

/// The `onnx-inspector ...` lines of the README's CLI reference, continuation lines joined.
fn tour() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("## CLI reference")
        .expect("a CLI reference section");
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

/// docs/img figures drawn from benchmark results by matplotlib, not by docs/make_images.sh.
const BENCH_FIGURES: [&str; 2] = ["error_vs_time.png", "million.png"];
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

/// Every `onnx-inspector SUB ...` command in the README's code blocks outside the CLI reference
/// (`$ ` prompts dropped, `\` continuations joined): (subcommand, whole line).
fn examples() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    // The reference's own block, checked more strictly by the test above.
    let reference = readme.find("## CLI reference").unwrap();
    let block_start = reference + readme[reference..].find("```text").unwrap();
    let block_end = block_start + 7 + readme[block_start + 7..].find("```").unwrap();
    let text = format!("{}{}", &readme[..block_start], &readme[block_end + 3..]);
    let mut out: Vec<(String, String)> = vec![];
    let (mut in_code, mut joining) = (false, false);
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            continue;
        }
        let body = t.trim_end_matches('\\');
        if joining {
            let last = &mut out.last_mut().unwrap().1;
            last.push(' ');
            last.push_str(body);
        } else if let Some(rest) = body
            .trim_start_matches("$ ")
            .strip_prefix("onnx-inspector ")
        {
            let sub = rest.split_whitespace().next().unwrap().to_string();
            out.push((sub, rest.to_string()));
        } else {
            continue;
        }
        joining = t.ends_with('\\');
    }
    out
}

#[test]
fn the_readme_examples_use_real_flags() {
    let examples = examples();
    assert!(examples.len() >= 8, "{examples:?}");
    let mut checked = 0;
    for (sub, line) in examples {
        let flags = help_flags(&sub);
        for w in line.split_whitespace() {
            if let Some(name) = w.strip_prefix("--") {
                assert!(
                    flags.contains_key(name),
                    "README example `{line}`: no --{name} in `{sub} --help`"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} flags checked");
}

#[test]
fn the_readme_images_exist_and_one_script_draws_them() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let script = std::fs::read_to_string("docs/make_images.sh").unwrap();
    let shown: Vec<&str> = readme
        .split("](docs/img/")
        .skip(1)
        .map(|s| &s[..s.find(')').unwrap()])
        .collect();
    assert!(shown.len() >= 6, "{shown:?}");
    for name in &shown {
        assert!(
            std::path::Path::new("docs/img").join(name).exists(),
            "README shows missing docs/img/{name}"
        );
    }
    let committed: Vec<String> = std::fs::read_dir("docs/img")
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for name in &committed {
        // The benchmark figures, drawn by matplotlib (benches/plot_error_vs_time.py,
        // benches/plot_million.py).
        if BENCH_FIGURES.contains(&name.as_str()) {
            continue;
        }
        assert!(
            script.contains(&format!("\"$img/{name}\"")),
            "docs/make_images.sh does not draw docs/img/{name}"
        );
    }
    for drawn in script
        .split("\"$img/")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
    {
        assert!(
            committed.iter().any(|c| c == drawn),
            "docs/make_images.sh draws {drawn}, not in docs/img"
        );
    }
}
