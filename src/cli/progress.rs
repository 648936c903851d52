//! A one-line progress bar on stderr while models train.
//!
//! Drawn only when stderr is a terminal ([`std::io::IsTerminal`]) and `--quiet` is not given:
//! a log file or a pipe gets nothing (no carriage returns in captured output). The line is
//! redrawn in place with `\r` at most every [`REDRAW`] (and always on a model's last step),
//! and cleared when training ends, so the forecast table that follows starts on a clean line.

use std::io::Write;
use std::time::{Duration, Instant};

/// The shortest time between two redraws.
pub const REDRAW: Duration = Duration::from_millis(80);

/// Width of the bar itself, in characters.
const BAR: usize = 28;

/// What one update reports (the trainer's progress, in plain values).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tick<'a> {
    /// The model's alias.
    pub model: &'a str,
    /// 0-based index of the model among those being fitted.
    pub model_index: usize,
    /// How many models are fitted.
    pub n_models: usize,
    /// Steps done.
    pub step: usize,
    /// Steps in all.
    pub max_steps: usize,
    /// The latest training loss.
    pub train_loss: f32,
    /// The latest validation loss, if validating.
    pub valid_loss: Option<f32>,
}

/// The bar's state: whether it draws, when it last drew, how wide the last line was.
#[derive(Debug)]
pub struct ProgressBar {
    enabled: bool,
    last: Option<Instant>,
    last_width: usize,
}

impl ProgressBar {
    /// A bar that draws when `enabled` (see [`ProgressBar::for_stderr`]).
    pub fn new(enabled: bool) -> ProgressBar {
        ProgressBar {
            enabled,
            last: None,
            last_width: 0,
        }
    }

    /// A bar that draws only when the process's stderr is a terminal and not `quiet`.
    pub fn for_stderr(quiet: bool) -> ProgressBar {
        use std::io::IsTerminal;
        ProgressBar::new(!quiet && std::io::stderr().is_terminal())
    }

    /// Whether this bar draws at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Redraws the line for `tick` on `err` (throttled; write errors are ignored: progress is
    /// never worth failing a fit for).
    pub fn update(&mut self, tick: &Tick<'_>, err: &mut dyn Write) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let last_step = tick.step >= tick.max_steps;
        if !last_step && self.last.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        self.last = Some(now);
        let line = render(tick);
        let width = line.chars().count();
        let pad = self.last_width.saturating_sub(width);
        let _ = write!(err, "\r{line}{:pad$}", "");
        let _ = err.flush();
        self.last_width = width;
    }

    /// Clears the line (call once training is over).
    pub fn finish(&mut self, err: &mut dyn Write) {
        if self.enabled && self.last_width > 0 {
            let _ = write!(err, "\r{:w$}\r", "", w = self.last_width);
            let _ = err.flush();
            self.last_width = 0;
        }
    }
}

/// The text of one progress line, without `\r`.
pub fn render(tick: &Tick<'_>) -> String {
    let frac = if tick.max_steps == 0 {
        1.0
    } else {
        (tick.step as f64 / tick.max_steps as f64).clamp(0.0, 1.0)
    };
    let filled = (frac * BAR as f64).round() as usize;
    let mut line = format!(
        "[{}/{}] {} [{}{}] {:>3}% step {}/{} loss {:.4}",
        tick.model_index + 1,
        tick.n_models,
        tick.model,
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        (frac * 100.0).floor() as u32,
        tick.step,
        tick.max_steps,
        tick.train_loss
    );
    if let Some(v) = tick.valid_loss {
        line.push_str(&format!(" valid {v:.4}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick(step: usize) -> Tick<'static> {
        Tick {
            model: "MLP",
            model_index: 0,
            n_models: 2,
            step,
            max_steps: 200,
            train_loss: 0.12345,
            valid_loss: None,
        }
    }

    #[test]
    fn renders_the_fraction_done() {
        assert_eq!(
            render(&tick(50)),
            "[1/2] MLP [#######---------------------]  25% step 50/200 loss 0.1235"
        );
        let done = Tick {
            valid_loss: Some(1.5),
            ..tick(200)
        };
        assert!(render(&done).contains("[############################] 100%"));
        assert!(render(&done).ends_with("valid 1.5000"));
    }

    #[test]
    fn a_disabled_bar_writes_nothing() {
        let mut out = Vec::new();
        let mut bar = ProgressBar::new(false);
        bar.update(&tick(1), &mut out);
        bar.finish(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn an_enabled_bar_throttles_and_clears_its_line() {
        let mut out = Vec::new();
        let mut bar = ProgressBar::new(true);
        bar.update(&tick(1), &mut out);
        bar.update(&tick(2), &mut out); // within REDRAW: skipped
        bar.update(&tick(200), &mut out); // the last step always draws
        let text = String::from_utf8(out.clone()).unwrap();
        assert_eq!(text.matches('\r').count(), 2, "{text:?}");
        assert!(text.contains("step 200/200"));
        out.clear();
        bar.finish(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with('\r') && text.ends_with('\r'));
        assert!(text.trim().is_empty());
    }
}
