//! The `neuro-divergent` commands of docs/migrating-from-neuralforecast.md run as written (its
//! Rust snippets are doctests, see `src/lib.rs`). The guide's exogenous example reads
//! train.csv, static.csv and futr.csv; this test writes them with the data of the guide's Rust
//! example, in a fresh directory where every relative path of a command points.

use std::path::Path;

use neuro_divergent::cli::run;

const GUIDE: &str = include_str!("../docs/migrating-from-neuralforecast.md");

/// The command lines of the guide's `sh` blocks, split into words (single quotes group words,
/// as the shell does; the guide uses no other quoting).
fn guide_commands() -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in GUIDE.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            command if in_sh && !command.is_empty() => commands.push(shell_words(command)),
            _ => {}
        }
    }
    commands
}

fn shell_words(line: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut started) = (Vec::new(), String::new(), false, false);
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                started = true;
            }
            ' ' if !quoted => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quote in {line}");
    if started {
        words.push(word);
    }
    words
}

/// The guide's exogenous data: 20 steps of one series, its static row, 2 future prices.
fn write_data(dir: &Path) {
    let mut train = String::from("unique_id,ds,y,price,traffic\n");
    for t in 0..20 {
        train += &format!("a,{t},{},{},{}\n", 10 + t % 4, t % 3, t % 5);
    }
    std::fs::write(dir.join("train.csv"), train).unwrap();
    std::fs::write(dir.join("static.csv"), "unique_id,size\na,3.5\n").unwrap();
    std::fs::write(dir.join("futr.csv"), "unique_id,ds,price\na,20,1\na,21,2\n").unwrap();
}

#[test]
fn every_command_of_the_guide_runs() {
    let dir = std::env::temp_dir().join(format!("nd-migration-guide-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write_data(&dir);
    let commands = guide_commands();
    assert!(commands.len() >= 5, "{commands:?}");
    for words in &commands {
        assert_eq!(words[0], "neuro-divergent", "{words:?}");
        // Relative file names (the words that name a file here or one a command writes) point
        // into the directory; tests run in parallel, so the working directory is not changed.
        let argv: Vec<String> = words[1..]
            .iter()
            .map(|w| {
                let is_file = [".csv", ".ndf", ".svg"].iter().any(|ext| w.ends_with(ext));
                if is_file {
                    dir.join(w).to_string_lossy().into_owned()
                } else {
                    w.clone()
                }
            })
            .collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&argv, &mut out, &mut err);
        let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
        assert_eq!(code, 0, "{words:?}: {err}");
        // The commands that print a forecast print its table (the header names the id column).
        if words[1] == "forecast" || words[1] == "predict" {
            assert!(out.contains("unique_id"), "{words:?}: {out}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn shell_words_follow_single_quotes() {
    assert_eq!(
        shell_words("a --set 'x=[\"p q\"]'  b"),
        ["a", "--set", "x=[\"p q\"]", "b"]
    );
}
