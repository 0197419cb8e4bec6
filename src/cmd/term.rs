//! What the terminal gets: colour (`--color`, `NO_COLOR`), the report's width, and how progress
//! is shown. Decided once in `main` from the flags and the environment; the renderers only
//! receive the outcome.

use crate::cli::ColorWhen;
use crate::report::Look;

/// How a running scan shows its progress on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// An indicatif bar (stderr is a terminal, not CI).
    Bar,
    /// A plain log line every few seconds (a CI log, a file).
    Lines,
    /// `-q`: nothing.
    Off,
}

/// The facts about where output goes, read by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Env {
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// The terminal's columns when stdout is one.
    pub stdout_columns: Option<usize>,
    /// `NO_COLOR` set to anything non-empty (no-color.org).
    pub no_color: bool,
    /// `CI` set (and not `false`): GitHub Actions, GitLab and most others set it.
    pub ci: bool,
    pub quiet: bool,
}

impl Env {
    /// Reads the environment and the standard streams.
    pub fn detect(quiet: bool) -> Env {
        use std::io::IsTerminal;
        let set = |name: &str| {
            std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
        };
        let stdout_is_terminal = std::io::stdout().is_terminal();
        Env {
            stdout_is_terminal,
            stderr_is_terminal: std::io::stderr().is_terminal(),
            stdout_columns: stdout_is_terminal
                .then(|| terminal_size::terminal_size_of(std::io::stdout()))
                .flatten()
                .map(|(w, _)| usize::from(w.0)),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ci: set("CI"),
            quiet,
        }
    }
}

/// The decisions, handed to the subcommands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// The report on stdout.
    pub stdout: Look,
    /// ANSI colour in the log lines on stderr.
    pub stderr_color: bool,
    pub progress: ProgressMode,
}

impl Term {
    pub fn decide(when: ColorWhen, env: Env) -> Term {
        let color = |is_terminal: bool| match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => is_terminal && !env.no_color,
        };
        Term {
            stdout: Look {
                width: env.stdout_columns.unwrap_or(Look::PLAIN_WIDTH),
                color: color(env.stdout_is_terminal),
            },
            stderr_color: color(env.stderr_is_terminal),
            progress: if env.quiet {
                ProgressMode::Off
            } else if env.stderr_is_terminal && !env.ci {
                ProgressMode::Bar
            } else {
                ProgressMode::Lines
            },
        }
    }

    /// For tests and library callers: plain report, plain progress lines.
    pub fn plain() -> Term {
        Term {
            stdout: Look::plain(),
            stderr_color: false,
            progress: ProgressMode::Lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            stdout_is_terminal: true,
            stderr_is_terminal: true,
            stdout_columns: Some(80),
            no_color: false,
            ci: false,
            quiet: false,
        }
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color() {
        let t = Term::decide(ColorWhen::Auto, env());
        assert!(t.stdout.color && t.stderr_color);
        assert_eq!((t.stdout.width, t.progress), (80, ProgressMode::Bar));
        let t = Term::decide(
            ColorWhen::Auto,
            Env {
                no_color: true,
                ..env()
            },
        );
        assert!(!t.stdout.color && !t.stderr_color);
        // NO_COLOR is about colour: the bar stays.
        assert_eq!(t.progress, ProgressMode::Bar);
    }

    #[test]
    fn pipes_get_no_colour_and_plain_width_unless_forced() {
        let piped = Env {
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            stdout_columns: None,
            ..env()
        };
        let t = Term::decide(ColorWhen::Auto, piped);
        assert!(!t.stdout.color && !t.stderr_color);
        assert_eq!((t.stdout.width, t.progress), (100, ProgressMode::Lines));
        let t = Term::decide(ColorWhen::Always, piped);
        assert!(t.stdout.color && t.stderr_color);
        let t = Term::decide(ColorWhen::Never, env());
        assert!(!t.stdout.color && !t.stderr_color);
    }

    #[test]
    fn ci_gets_lines_and_quiet_gets_nothing() {
        let t = Term::decide(ColorWhen::Auto, Env { ci: true, ..env() });
        assert_eq!(t.progress, ProgressMode::Lines);
        let t = Term::decide(
            ColorWhen::Auto,
            Env {
                quiet: true,
                ..env()
            },
        );
        assert_eq!(t.progress, ProgressMode::Off);
    }
}
