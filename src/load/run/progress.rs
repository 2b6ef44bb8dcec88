//! The live progress bars of a load run (indicatif, on stderr). [`Setup`]: groups built of the
//! total, with an ETA, while a flow's groups are set up. [`Progress`]: elapsed time of the total
//! duration and the time left, the request rate of the last second, the p95 so far, errors and
//! violations. Hidden when stderr is not a terminal, or with `--quiet` (the setup's line is then
//! printed once instead).

use crate::load::measure::record::Recorder;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

pub struct Progress {
    bar: ProgressBar,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Start drawing; `label` is shown before the bar (e.g. the size of a capacity step).
    pub fn start(
        recorder: Arc<Recorder>,
        duration: Duration,
        label: &str,
        hidden: bool,
    ) -> Progress {
        let millis = duration.as_millis().max(1) as u64;
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(millis), ProgressDrawTarget::stderr())
        };
        let style =
            ProgressStyle::with_template(
                "{prefix}[{elapsed_precise} of {duration_precise}, {eta} left] {bar:25.cyan/blue} {msg}",
            )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("█▉▊▋▌▍▎▏ ");
        bar.set_style(style);
        bar.set_prefix(if label.is_empty() {
            String::new()
        } else {
            format!("{label} ")
        });
        let ticker = (!bar.is_hidden()).then(|| {
            let bar = bar.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let mut last = (started, 0u64);
                let mut rate = 0.0;
                loop {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    let now = Instant::now();
                    let requests = recorder.requests.load(Ordering::Relaxed);
                    let span = now.duration_since(last.0).as_secs_f64();
                    if span >= 1.0 {
                        rate = (requests - last.1) as f64 / span;
                        last = (now, requests);
                    }
                    bar.set_position(
                        now.duration_since(started)
                            .as_millis()
                            .min(u128::from(millis)) as u64,
                    );
                    bar.set_message(format!(
                        "{rate:>7.0} req/s  p95 (last s) {:>9}  errors {}  violations {}",
                        crate::units::fmt_ms(recorder.p95_ms()),
                        recorder.errors.load(Ordering::Relaxed),
                        recorder.violations.load(Ordering::Relaxed),
                    ));
                }
            })
        });
        Progress { bar, ticker }
    }

    /// Print a line without tearing the bar.
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    pub fn finish(self) {
        if let Some(t) = &self.ticker {
            t.abort();
        }
        self.bar.finish_and_clear();
    }
}

/// The setup of one flow's groups: `message` (what is set up), then groups built of the total.
pub struct Setup {
    bar: ProgressBar,
}

impl Setup {
    pub fn start(total: usize, message: String, hidden: bool) -> Setup {
        let bar = if hidden {
            ProgressBar::hidden()
        } else {
            ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
        };
        if bar.is_hidden() {
            eprintln!("{message}");
        } else {
            let style = ProgressStyle::with_template(
                "{msg} {bar:25.cyan/blue} {pos}/{len} groups [{elapsed_precise}, ETA {eta}]",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("█▉▊▋▌▍▎▏ ");
            bar.set_style(style);
            bar.set_message(message);
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Setup { bar }
    }

    /// One more group (slot) built.
    pub fn built(&self) {
        self.bar.inc(1);
    }

    /// Leave the finished bar on screen as the record of the setup.
    pub fn finish(self) {
        self.bar.finish();
    }
}
