//! Never lose or mix a run (issue #20), with real processes and real signals: one run per
//! folder at a time (a lock), checks before an earlier run is touched, bounded sizes, verified
//! parts, standard input and the temporaries a killed run leaves, links out of `--out`, and
//! names and rows that must be unique.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("onnx-inspector"))
}

/// `explain` of the diabetes test set (89 rows, parts of 8) into `out`.
fn explain(out: &Path, samples: &str, extra: &[&str]) -> Command {
    explain_model(
        "models/diabetes.onnx",
        "models/diabetes_test.csv",
        out,
        samples,
        extra,
    )
}

/// Permutation SHAP of `model` on `data` into `out`, in parts of 8 rows, no charts.
fn explain_model(model: &str, data: &str, out: &Path, samples: &str, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args(["explain", model, "--data", data, "--samples", samples]);
    if !extra.contains(&"--method") {
        c.args(["--method", "permutation"]);
    }
    c.args(["--chunk-rows", "8", "--no-charts", "--quiet", "--out"])
        .arg(out)
        .args(extra);
    c
}

fn ok(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The one-line error of a failing command (exit code 1: no abort, no panic).
fn err(mut c: Command) -> String {
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let e = String::from_utf8_lossy(&o.stderr).trim_end().to_string();
    assert_eq!(e.lines().count(), 1, "not one line: {e}");
    assert!(!e.contains("panicked"), "{e}");
    e
}

/// A slow run (one thread, a large budget) into `out`, started in the background.
fn slow(out: &Path, extra: &[&str]) -> Child {
    explain(out, "40000", &[&["--threads", "1"], extra].concat())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `done()` or the child ends (a test failure either way after two minutes).
fn wait_for(child: &mut Child, what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{what}: gave up"
        );
        assert!(child.try_wait().unwrap().is_none(), "{what}: the run ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `out` is locked by a run that wrote its pid.
fn locked(out: &Path) -> bool {
    std::fs::read_to_string(out.join(".lock")).is_ok_and(|t| !t.is_empty())
}

fn signal(child: &Child, sig: &str) {
    let s = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success());
}

/// Every file under `dir` (hidden ones too) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(snapshot(&p));
        } else {
            out.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    out
}

fn hidden_files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_keys()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

#[cfg(unix)]
#[test]
fn a_second_run_into_a_held_folder_fails_at_once_and_wait_lock_waits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q");
    let mut first = slow(&out, &["--seed", "1"]);
    wait_for(&mut first, "lock", || locked(&out));
    let e = err(explain(&out, "64", &[]));
    assert!(
        e.contains(&out.display().to_string()) && e.contains(&format!("pid {}", first.id())),
        "{e}"
    );
    assert!(e.contains("--wait-lock"), "{e}");
    // merge will not take a shard a run is still writing.
    let mut m = bin();
    m.args(["merge"])
        .arg(&out)
        .arg("--out")
        .arg(dir.path().join("m"));
    let e = err(m);
    assert!(
        e.contains("still writing") && e.contains(&format!("pid {}", first.id())),
        "{e}"
    );
    assert!(!dir.path().join("m").exists());
    // A waiting run gets the folder once the holder is gone, here killed (-9: its lock is
    // released by the system, the file left behind holds no lock).
    let waiting = explain(&out, "64", &["--wait-lock"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    let o = waiting.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["fingerprint"]["seed"], 0, "the waiting run's");
    assert!(!out.join(".lock").exists());
}

#[test]
fn failing_runs_leave_the_previous_run_byte_identical_and_no_new_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(explain(&out, "300", &[]));
    let before = snapshot(&out);
    // A feature named like a Parquet column: only known once the data's header is read.
    let text = std::fs::read_to_string("models/diabetes_test.csv").unwrap();
    let renamed = dir.path().join("row.csv");
    std::fs::write(&renamed, text.replacen("age,", "row,", 1)).unwrap();
    let groups = dir.path().join("groups.json");
    std::fs::write(&groups, r#"{"a": ["age"], "b": ["sex"], "a": ["bmi"]}"#).unwrap();
    let failing: Vec<(Vec<String>, &str)> = vec![
        (vec!["--rows".into(), "1,1,1".into()], "more than once"),
        (vec!["--rows".into(), "0:5,3:8".into()], "row 3"),
        (
            vec!["--groups".into(), groups.display().to_string()],
            "group 'a' is defined twice",
        ),
        (
            vec!["--resume".into(), "--seed".into(), "3".into()],
            "seed differs",
        ),
    ];
    for (args, says) in &failing {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let e = err(explain(&out, "300", &args));
        assert!(e.contains(says), "{args:?}: {e}");
        assert!(snapshot(&out) == before, "{args:?} changed the earlier run");
    }
    let e = err(explain(&out, "1000000000000", &[]));
    assert!(e.contains("--samples: 1000000000000"), "{e}");
    assert!(
        snapshot(&out) == before,
        "a huge budget changed the earlier run"
    );
    let data = renamed.display().to_string();
    let e = err(explain_model(
        "models/diabetes.onnx",
        &data,
        &out,
        "300",
        &[],
    ));
    assert!(e.contains("the Parquet column 'row'"), "{e}");
    assert!(
        snapshot(&out) == before,
        "a feature named row changed the earlier run"
    );
    // A failed first run leaves no empty --out (nor the parents it created).
    let fresh = dir.path().join("new").join("out");
    let e = err(explain(&fresh, "1000000000000", &[]));
    assert!(e.contains("--samples"), "{e}");
    assert!(!dir.path().join("new").exists());
}

#[test]
fn sizes_beyond_memory_are_one_line_naming_the_flag_and_the_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for method in ["permutation", "kernel", "lime"] {
        let e = err(explain_model(
            "models/breast_cancer.onnx",
            "models/breast_cancer_test.csv",
            &out,
            "1000000000000",
            &["--method", method, "--rows", "0:4"],
        ));
        assert!(
            e.starts_with("error: --samples: 1000000000000"),
            "{method}: {e}"
        );
        assert!(
            e.contains("of memory") && e.contains("lower it"),
            "{method}: {e}"
        );
    }
    let e = err(explain(
        &out,
        "300",
        &["--patch", "2", "--image-shape", "4294967296x4294967296x3"],
    ));
    assert!(e.contains("--image-shape") && e.contains("EB"), "{e}");
    assert!(!out.exists());
}

/// Cuts a file to half its size.
fn truncate(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
}

/// Changes one byte in the middle of a file (same size).
fn flip(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn resume_explains_damaged_parts_again_and_merge_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let twin = dir.path().join("twin");
    ok(explain(&twin, "300", &[]));
    let out = dir.path().join("out");
    ok(explain(&out, "300", &[]));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"attributions/part-00003.parquet\": {") && manifest.contains("sha256"),
        "no checksums recorded"
    );
    truncate(&out.join("attributions/part-00002.parquet"));
    flip(&out.join("attributions/part-00005.parquet"));
    std::fs::remove_file(out.join("attributions/part-00007.parquet")).unwrap();
    flip(&out.join("parts/part-00009.json"));
    let said = ok(explain(&out, "300", &["--resume"]));
    for why in [
        "part 2: ",
        "truncated (",
        "part 5: ",
        "different content",
        "part 7: ",
        "missing",
        "part 9: ",
    ] {
        assert!(said.contains(why), "{why}: {said}");
    }
    assert_eq!(said.lines().count(), 4, "{said}");
    for p in 0..12 {
        let name = format!("attributions/part-{p:05}.parquet");
        assert!(
            std::fs::read(out.join(&name)).unwrap() == std::fs::read(twin.join(&name)).unwrap(),
            "{name}"
        );
    }
    // Shards: a damaged part is refused by merge, naming it, before the target is touched.
    let shard = |k: usize| {
        let s = dir.path().join(format!("s{k}"));
        ok(explain(&s, "300", &["--shard", &format!("{k}/2")]));
        s
    };
    let (s0, s1) = (shard(0), shard(1));
    let merged = dir.path().join("merged");
    let merge = || {
        let mut m = bin();
        m.args(["merge", "--quiet"])
            .arg(&s0)
            .arg(&s1)
            .arg("--out")
            .arg(&merged);
        m
    };
    ok(merge());
    let before = snapshot(&merged);
    truncate(&s1.join("attributions/part-00008.parquet"));
    let e = err(merge());
    assert!(
        e.contains("part-00008.parquet") && e.contains("truncated") && e.contains("shard 1/2"),
        "{e}"
    );
    assert!(snapshot(&merged) == before, "merge touched the target");
    ok(explain(&s1, "300", &["--shard", "1/2", "--resume"]));
    flip(&s0.join("parts/part-00001.json"));
    let e = err(merge());
    assert!(
        e.contains("part-00001.json") && e.contains("SHA-256"),
        "{e}"
    );
}

/// A run reading CSV from standard input (piped, left open) into `out`.
fn from_stdin(out: &Path) -> Child {
    explain_model("models/diabetes.onnx", "-", out, "300", &[])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Whether standard input's hidden copy is in `out`.
fn spooling(out: &Path) -> bool {
    hidden_files(out)
        .iter()
        .any(|p| p.to_string_lossy().contains(".stdin"))
}

#[cfg(unix)]
#[test]
fn standard_input_honours_an_interrupt_and_errors_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("in");
    // Nothing is ever written: the run waits on standard input until Ctrl-C (SIGINT).
    let mut child = from_stdin(&out);
    wait_for(&mut child, "spool", || spooling(&out));
    // Standard input stays open (nobody types): the interrupt alone must end the wait.
    let open_input = child.stdin.take();
    signal(&child, "-INT");
    let o = child.wait_with_output().unwrap();
    drop(open_input);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(e.trim_end(), "error: interrupted");
    assert!(!out.exists(), "a failed first run left its folder");
    // A bad cell read from standard input is named as standard input, not the hidden copy.
    let text = std::fs::read_to_string("models/diabetes_test.csv").unwrap();
    let bad = text.replacen("0.0199132133", "x", 1);
    let mut child = from_stdin(&out);
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(bad.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(e.starts_with("error: - (standard input): line 2"), "{e}");
    assert!(!e.contains(".stdin"), "{e}");
}

#[cfg(unix)]
#[test]
fn temporaries_of_a_terminated_run_are_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // SIGTERM while the copy of standard input is being written: the copy stays behind.
    let mut child = from_stdin(&out);
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"age,sex,bmi,bp,s1,s2,s3,s4,s5,s6\n")
        .unwrap();
    stdin.flush().unwrap();
    wait_for(&mut child, "spool", || spooling(&out));
    signal(&child, "-TERM");
    child.wait().unwrap();
    drop(stdin);
    // What writes cut short by a kill leave, beside it.
    std::fs::create_dir_all(out.join("attributions")).unwrap();
    for f in [
        ".manifest.json.tmpAbC.json",
        "attributions/.part-00001.parquet.tmpXyZ.parquet",
    ] {
        std::fs::write(out.join(f), b"half").unwrap();
    }
    std::fs::write(out.join(".mine"), b"keep").unwrap();
    assert!(hidden_files(&out).len() >= 4, "{:?}", hidden_files(&out));
    ok(explain(&out, "300", &[]));
    assert_eq!(hidden_files(&out), vec![out.join(".mine")]);
}

#[cfg(unix)]
#[test]
fn symbolic_links_never_take_writes_outside_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    ok(explain(&out, "300", &[]));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("part-00000.parquet"), b"not ours").unwrap();
    std::fs::rename(out.join("attributions"), dir.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("attributions")).unwrap();
    let e = err(explain(&out, "300", &[]));
    assert!(e.contains("attributions is a symbolic link"), "{e}");
    assert_eq!(
        std::fs::read(elsewhere.join("part-00000.parquet")).unwrap(),
        b"not ours"
    );
    // A dangling link as --out is named with its target.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("gone"), &dangling).unwrap();
    let e = err(explain(&dangling, "300", &[]));
    assert!(e.contains("gone, which does not exist"), "{e}");
}

#[test]
fn names_and_settings_are_named_by_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let wine = |names: &str| {
        let data = "models/diabetes_test.csv";
        err(explain_model(
            "models/wine_keras3.onnx",
            data,
            &out,
            "300",
            &["--output-names", names],
        ))
    };
    let e = wine("a,a,b");
    assert!(e.contains("--output-names: 'a' is given twice"), "{e}");
    let e = wine(",,");
    assert!(e.contains("--output-names: name 1 of 3 is empty"), "{e}");
    let e = err(explain(&out, "300", &["--superpixels", "0"]));
    assert!(
        e.starts_with("error: --superpixels: must be at least 1"),
        "{e}"
    );
    let e = err(explain(&out, "0", &["--method", "auto"]));
    assert!(
        e.contains("--samples 0 is too small for method auto"),
        "{e}"
    );
    assert!(!out.exists());
}

/// Disk full on a small tmpfs in a private mount namespace (`unshare`), when this machine
/// allows it: one line, exit code 1, no temporary file left.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_one_line_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir_all(&mnt).unwrap();
    let script = r#"mount -t tmpfs -o size=48k tmpfs "$1" 2>/dev/null || { echo NO_MOUNT; exit 0; }
shift
"$@"; echo "rc=$?"
find "$MNT" -name '.*' -type f"#;
    let bin_path = assert_cmd::cargo::cargo_bin("onnx-inspector");
    let out = mnt.join("out");
    let o = Command::new("unshare")
        .args(["-r", "-m", "sh", "-c", script, "sh"])
        .arg(&mnt)
        .arg(&bin_path)
        .args([
            "explain",
            "models/diabetes.onnx",
            "--data",
            "models/diabetes_test.csv",
        ])
        .args([
            "--method",
            "permutation",
            "--samples",
            "300",
            "--chunk-rows",
            "8",
        ])
        .args(["--quiet", "--out"])
        .arg(&out)
        .env("MNT", &mnt)
        .output();
    let o = match o {
        Ok(o) if !String::from_utf8_lossy(&o.stdout).contains("NO_MOUNT") && o.status.success() => {
            o
        }
        other => {
            eprintln!("skipped: no tmpfs can be mounted here (unshare -r -m): {other:?}");
            return;
        }
    };
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(stdout.contains("rc=1"), "{stdout} {stderr}");
    let e = stderr.trim_end();
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("No space left on device"), "{e}");
    let left: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("rc=")).collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// A thread pool that cannot be built (`--threads 1000` under a process limit, as an
/// unprivileged user: root is exempt from the limit) fails before the earlier run is touched.
#[cfg(target_os = "linux")]
#[test]
fn a_thread_pool_refused_by_a_process_limit_leaves_the_previous_run() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = dir.path().join("out");
    let as_nobody = |limit: Option<&str>, extra: &[&str]| {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        if let Some(n) = limit {
            c.args(["prlimit", &format!("--nproc={n}")]);
        }
        let cwd = std::env::current_dir().unwrap();
        let run = explain(&out, "300", extra);
        c.arg(run.get_program())
            .args(run.get_args())
            .current_dir(cwd);
        c
    };
    let first = as_nobody(None, &["--rows", "0:10"]).output();
    match first {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!("skipped: cannot run as an unprivileged user (setpriv): {other:?}");
            return;
        }
    }
    let before = snapshot(&out);
    let e = err(as_nobody(
        Some("20"),
        &["--threads", "1000", "--rows", "0:20"],
    ));
    assert!(e.starts_with("error: --threads: "), "{e}");
    assert!(snapshot(&out) == before, "the earlier run was touched");
}
