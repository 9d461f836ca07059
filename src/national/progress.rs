//! Progress of a long load: bars on a terminal, one line per stage otherwise.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bars: bool,
    quiet: bool,
    started: Instant,
}

impl Progress {
    /// Bars when stdout is a terminal, else a line per stage.
    pub fn for_stdout() -> Progress {
        Progress { bars: std::io::stdout().is_terminal(), quiet: false, started: Instant::now() }
    }

    /// Nothing printed (tests).
    pub fn quiet() -> Progress {
        Progress { bars: false, quiet: true, started: Instant::now() }
    }

    pub fn stage(&self, name: &'static str, total: u64) -> Stage<'_> {
        let bar = self.bars.then(|| {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>20} [{bar:40}] {pos:>9}/{len:9} {elapsed:>4}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_prefix(name);
            bar
        });
        Stage { progress: self, name, bar, started: Instant::now() }
    }

    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}

pub struct Stage<'a> {
    progress: &'a Progress,
    name: &'static str,
    bar: Option<ProgressBar>,
    started: Instant,
}

impl Stage<'_> {
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    pub fn finish(self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.finish();
        } else if !self.progress.quiet {
            println!(
                "{:>20}: {rows:>9} rows in {:>6.1}s (total {:.1}s)",
                self.name,
                self.started.elapsed().as_secs_f64(),
                self.progress.elapsed_secs()
            );
        }
    }
}
