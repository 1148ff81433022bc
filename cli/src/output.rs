//! Printing: text lines or JSON lines on stdout, errors on stderr.

use std::io::Write;

use serde_json::Value as Json;

use super::error::CliError;

/// Where results go. Every line is flushed at once (streams are read live by other programs).
#[derive(Clone, Debug)]
pub struct Out {
    pub json: bool,
}

impl Out {
    pub fn new(json: bool) -> Out {
        Out { json }
    }

    /// Prints one line; a closed stdout (e.g. `| head`) ends the program quietly.
    pub fn line(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        if writeln!(o, "{text}").and_then(|_| o.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// Prints part of a line (a long JSON object printed as it is built).
    pub fn part(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        if write!(o, "{text}").and_then(|_| o.flush()).is_err() {
            std::process::exit(0);
        }
    }

    /// Prints a JSON object on one line.
    pub fn json_line(&self, v: &Json) {
        self.line(&v.to_string());
    }

    /// Prints either the text (built lazily) or the JSON object, depending on `--json`.
    pub fn emit(&self, text: impl FnOnce() -> String, json: impl FnOnce() -> Json) {
        if self.json {
            self.json_line(&json());
        } else {
            self.line(&text());
        }
    }

    /// Reports an error on stderr: `qtro: error: …`, or with `--json` a JSON object
    /// `{"error": KIND, "exit": CODE, "message": …}`.
    pub fn error(&self, e: &CliError) {
        let mut err = std::io::stderr().lock();
        let _ = if self.json {
            writeln!(
                err,
                "{}",
                serde_json::json!({"error": e.kind.name(), "exit": e.kind.exit_code(), "message": e.message})
            )
        } else {
            writeln!(err, "qtro: error: {}", e.message)
        };
    }

    /// A warning on stderr (never on stdout, which carries results only).
    pub fn warn(&self, msg: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.json {
            writeln!(err, "{}", serde_json::json!({"warning": msg}))
        } else {
            writeln!(err, "qtro: warning: {msg}")
        };
    }
}
