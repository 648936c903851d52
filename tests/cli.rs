//! The `neuro-divergent` binary end to end: exit codes, help, and the reporting of a bad
//! `NEURO_DIVERGENT_ISA` (which the library reads once per process, so it is tested here, in
//! child processes, rather than in unit tests).

use std::process::{Command, Output};

fn neuro_divergent(args: &[&str], isa_env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"));
    cmd.args(args);
    match isa_env {
        Some(value) => cmd.env("NEURO_DIVERGENT_ISA", value),
        None => cmd.env_remove("NEURO_DIVERGENT_ISA"),
    };
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn no_arguments_print_the_help() {
    let out = neuro_divergent(&[], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Usage: neuro-divergent"));
}

#[test]
fn info_reports_the_tiers() {
    let out = neuro_divergent(&["info"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("usable ISAs:") && stdout.contains("scalar"),
        "{stdout}"
    );

    let out = neuro_divergent(&["info"], Some("scalar"));
    assert!(
        text(&out.stdout).contains("active ISA:   scalar (NEURO_DIVERGENT_ISA=scalar)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_invalid_isa_variable_is_reported_with_exit_code_2() {
    for (value, needle) in [
        ("avx1024", "unknown ISA \"avx1024\""),
        (
            if cfg!(target_arch = "x86_64") {
                "neon"
            } else {
                "avx2"
            },
            "is not supported by this CPU",
        ),
    ] {
        for args in [&["info"][..], &["bench", "kernels", "--quick"]] {
            let out = neuro_divergent(args, Some(value));
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?} {value}: {stderr}");
            assert!(stderr.contains("NEURO_DIVERGENT_ISA"), "{stderr}");
            assert!(stderr.contains(needle), "{stderr}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn bad_arguments_exit_2_without_a_panic() {
    for args in [
        &["bench", "kernels", "--isa", "avx1024"][..],
        &["bench", "kernels", "--isa"],
        &["bench", "kernels", "--bogus"],
        &["bogus"],
        &["bench"],
    ] {
        let out = neuro_divergent(args, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn bench_models_reports_every_workload_and_never_invents_figures() {
    let out = Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args(["bench", "models", "--only", "TCN", "--json", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = neuro_divergent::io::json::parse(&String::from_utf8(out.stdout).unwrap(), "stdout")
        .unwrap();
    let results = doc.get("results").and_then(|r| r.as_array()).unwrap();
    let suites: Vec<&str> = results
        .iter()
        .map(|r| r.get("suite").and_then(|s| s.as_str()).unwrap())
        .collect();
    assert_eq!(suites, ["training", "inference", "memory"]);
    for r in results {
        // TCN is not implemented yet: reported missing, with no figure at all.
        assert_eq!(r.get("status").and_then(|s| s.as_str()), Some("missing"));
        assert!(r.get("step_ms_median").is_none());
    }
}
