//! `qtro`, the command-line tool: explore, test and debug any QtRO network (stock Qt 5.15 / 6
//! nodes as well as qtro_rs ones).
//!
//! Everything here is built on qtro_rs's public API: [`qtro_rs::node`] for replicas and sources,
//! [`qtro_rs::core`] for decoding raw traffic, [`qtro_rs::rep`] for `.rep` files. The user
//! documentation is `docs/cli.md`.

mod client;
mod describe;
pub mod error;
mod json;
mod model;
mod output;
mod probe;
mod serve;
mod tap;

use std::path::PathBuf;
use std::time::Duration;

use std::ffi::OsString;
use std::io::Write;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

pub use error::{CliError, CliResult, Kind};
use output::Out;
use qtro_rs::core::Dialect;

const AFTER_HELP: &str = "\
Values: 42, -1.5, true, \"text\" (or a bare word), null, [1, \"a\"], {\"k\": 1}, and TYPE:VALUE for an
exact type (double:2, uint:3, bytes:hex:00ff, url:tcp://x:1, date:2024-01-02, Color:Blue, ...).
Values are converted to the declared type of the property or parameter.

Exit codes: 0 ok, 1 other error, 2 usage, 3 unreachable node or connection lost,
4 unknown object, 5 unknown member, 6 signature mismatch, 7 bad value, 8 timeout,
9 protocol mismatch (Qt 5 vs Qt 6) or undecodable data.";

/// Explore, test and debug Qt Remote Objects networks (stock Qt 5.15/6 and qtro_rs nodes).
#[derive(Parser, Debug)]
#[command(name = "qtro", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand accepts.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Print JSON: one object per line (streams print one line per event).
    #[arg(long, global = true)]
    pub json: bool,
    /// Speak Qt 5.15's protocol (QtRO 1.3). Commands that connect detect the dialect from the
    /// host's handshake (with --qt5 they insist on Qt 5); `serve` needs it to host for Qt 5
    /// replicas; `tap` follows its upstream's handshake.
    #[arg(long, global = true)]
    pub qt5: bool,
    /// How long to wait for a connection, a replica, a reply or a change (e.g. 500ms, 5s, 1m).
    #[arg(long, global = true, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Log the engine's diagnostics to stderr (-v info, -vv debug, -vvv trace; RUST_LOG also works).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// The dialect the user insisted on, if any.
    pub fn forced_dialect(&self) -> Option<Dialect> {
        self.qt5.then_some(Dialect::Qt5)
    }

    pub fn dialect(&self) -> Dialect {
        if self.qt5 {
            Dialect::Qt5
        } else {
            Dialect::Qt6
        }
    }
}

/// Acquire a typed (static) replica from a .rep class instead of a dynamic one: its signature
/// is checked against the source's, as a repc-generated replica would.
#[derive(Args, Debug, Clone, Default)]
pub struct RepArgs {
    /// .rep file with the object's class (static, signature-checked acquisition).
    #[arg(long, value_name = "REP_FILE")]
    pub rep: Option<PathBuf>,
    /// Class of --rep to use (default: the object's name, else the file's only class).
    #[arg(long, value_name = "CLASS", requires = "rep")]
    pub class: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the objects a host node offers, or a registry lists (name, type, signature, URL).
    List {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME.
        url: String,
    },
    /// Show an object's interface (properties with types and values, signals, slots).
    Describe {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the object).
        url: String,
        /// Object name (as `qtro list` shows it).
        name: String,
        /// text, json (same as --json) or rep (a .rep file repc accepts).
        #[arg(long, value_enum, default_value_t = DescribeFormat::Text)]
        format: DescribeFormat,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Print a property (or all properties when PROP is omitted).
    Get {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the object).
        url: String,
        /// Object name (as `qtro list` shows it).
        name: String,
        /// Property name (all properties when omitted).
        prop: Option<String>,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Change a property (push<Prop> slot if it has one, else a property write) and print the
    /// value the source confirms.
    Set {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the object).
        url: String,
        /// Object name (as `qtro list` shows it).
        name: String,
        /// Property name.
        prop: String,
        /// New value (see "Values" below).
        #[arg(allow_negative_numbers = true)]
        value: String,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Call a slot and print its reply.
    Call {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the object).
        url: String,
        /// Object name (as `qtro list` shows it).
        name: String,
        /// Slot name, or its full signature (add(int,int)).
        slot: String,
        /// Arguments, one value each.
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Stream property changes, signals and state changes until interrupted.
    Watch {
        /// Node URL: tcp://HOST:PORT, local:NAME or localabstract:NAME (a host node, or a registry that lists the object).
        url: String,
        /// Object name (as `qtro list` shows it).
        name: String,
        /// Stop after this many events.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Stop after this long.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        duration: Option<Duration>,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Host a source for a .rep class; commands on stdin: set PROP VALUE, emit SIGNAL ARGS...,
    /// get PROP, reply SLOT VALUE, quit.
    Serve {
        /// The .rep file.
        rep_file: PathBuf,
        /// Where to listen (tcp://127.0.0.1:0 picks a free port; the ready line tells it).
        #[arg(long)]
        url: String,
        /// Class of the file to serve (needed when it has several).
        #[arg(long)]
        class: Option<String>,
        /// Object name (default: the class name).
        #[arg(long)]
        name: Option<String>,
        /// JSON file with initial values: {"prop": value, ...}.
        #[arg(long, value_name = "JSON_FILE")]
        values: Option<PathBuf>,
        /// Initial value, PROP=VALUE (repeatable; applied after --values).
        #[arg(long = "set", value_name = "PROP=VALUE")]
        sets: Vec<String>,
        /// Reply of a slot, SLOT=VALUE (repeatable; default: the return type's default value).
        #[arg(long = "reply", value_name = "SLOT=VALUE")]
        replies: Vec<String>,
        /// Also register the source with the registry at this URL.
        #[arg(long, value_name = "URL")]
        registry: Option<String>,
    },
    /// Item models (QAbstractItemModel shared over QtRO): dump, watch, serve.
    Model {
        #[command(subcommand)]
        command: model::ModelCommand,
    },
    /// A recording proxy: replicas connect to --listen, traffic goes to --upstream, every packet
    /// is decoded and printed live with member names.
    Tap {
        /// Address replicas connect to.
        #[arg(long)]
        listen: String,
        /// The real host node.
        #[arg(long)]
        upstream: String,
        /// Also save the capture to this file (JSON lines; print it with `qtro replay`).
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Do not acquire a dynamic replica on the side to learn interfaces of static sessions.
        #[arg(long)]
        no_learn: bool,
    },
    /// Print a capture saved by `qtro tap --save`, decoded as it was live.
    Replay {
        /// Capture file written by `qtro tap --save`.
        file: PathBuf,
        /// Only this connection number.
        #[arg(long, value_name = "N")]
        conn: Option<u64>,
    },
    /// Print the shell completion script for bash, zsh, fish, elvish or powershell.
    ///
    /// Install it where the shell looks, e.g.
    /// `qtro completions bash > ~/.local/share/bash-completion/completions/qtro`,
    /// `qtro completions zsh > ~/.zfunc/_qtro` (with `fpath+=~/.zfunc` before `compinit`),
    /// `qtro completions fish > ~/.config/fish/completions/qtro.fish`.
    Completions {
        /// The shell to complete for.
        shell: Shell,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescribeFormat {
    Text,
    Json,
    Rep,
}

/// `500ms`, `5s`, `2m`, `1h`, or plain seconds (`1.5`).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num.trim().parse().map_err(|_| format!("bad duration {s:?} (examples: 500ms, 5s, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("bad duration unit in {s:?} (use ms, s, m or h)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("bad duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(f) if !f.is_empty() => EnvFilter::new(f),
        _ => EnvFilter::new(match verbose {
            0 => "off",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }),
    };
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

/// Runs the tool with the process arguments; returns the exit code.
fn main() {
    std::process::exit(exit_code());
}

/// Runs the command line; the process exit code.
fn exit_code() -> i32 {
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => return parse_failure(&e, wants_json(args.get(1..).unwrap_or_default())),
    };
    init_logging(cli.global.verbose);
    let out = Out::new(cli.global.json);
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            out.error(&CliError::other(format!("cannot start the async runtime: {e}")));
            return 1;
        }
    };
    let result = runtime.block_on(run(cli, out.clone()));
    // Do not wait for lingering connection tasks.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => 0,
        Err(e) => {
            out.error(&e);
            e.kind.exit_code()
        }
    }
}

/// Whether `--json` is among the options (those before a `--`). clap stops at the first usage
/// error, before it has parsed `--json`, so a usage error looks for it here.
fn wants_json(args: &[OsString]) -> bool {
    args.iter().take_while(|a| *a != "--").any(|a| a == "--json")
}

/// What to print when clap stops, and the exit code: `--help` and `--version` print their text
/// and succeed; a usage error exits 2 with clap's message, or with `--json` as one error object
/// of the same shape as every other error.
fn parse_failure(e: &clap::Error, json: bool) -> i32 {
    if !e.use_stderr() {
        let _ = e.print();
        return 0;
    }
    if json {
        Out::new(true).error(&CliError::usage(usage_message(e)));
    } else {
        let _ = e.print();
    }
    Kind::Usage.exit_code()
}

/// A clap error as a one-line message: its text up to the usage line, lines joined by `; `,
/// without the `error: ` prefix.
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty())
        .collect();
    let message = lines.join("; ").replace(":; ", ": ");
    message.strip_prefix("error: ").unwrap_or(&message).to_owned()
}

/// Prints the completion script of `shell` (built in memory first: clap_complete panics when a
/// write fails, and a closed stdout is no error here, as for every other output).
fn completions(shell: Shell) -> CliResult<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "qtro", &mut script);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&script).and_then(|()| stdout.flush());
    Ok(())
}

async fn run(cli: Cli, out: Out) -> CliResult<()> {
    let g = cli.global;
    match cli.command {
        Command::List { url } => client::list(&g, &out, &url).await,
        Command::Describe { url, name, format, rep } => client::describe(&g, &out, &url, &name, format, &rep).await,
        Command::Get { url, name, prop, rep } => client::get(&g, &out, &url, &name, prop.as_deref(), &rep).await,
        Command::Set { url, name, prop, value, rep } => client::set(&g, &out, &url, &name, &prop, &value, &rep).await,
        Command::Call { url, name, slot, args, rep } => client::call(&g, &out, &url, &name, &slot, &args, &rep).await,
        Command::Watch { url, name, count, duration, rep } => {
            client::watch(&g, &out, &url, &name, count, duration, &rep).await
        }
        Command::Serve { rep_file, url, class, name, values, sets, replies, registry } => {
            let opts = serve::ServeOptions { rep_file, url, class, name, values, sets, replies, registry };
            serve::serve(&g, &out, opts).await
        }
        Command::Tap { listen, upstream, save, no_learn } => {
            tap::tap(&g, &out, &listen, &upstream, save.as_deref(), !no_learn).await
        }
        Command::Model { command } => model::run(&g, &out, command).await,
        Command::Replay { file, conn } => tap::replay(&out, &file, conn),
        Command::Completions { shell } => completions(shell),
    }
}

/// Human name of a dialect.
pub(crate) fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Qt6 => "qt6",
        Dialect::Qt5 => "qt5",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("x").is_err());
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `qtro help CMD` describes every argument: a new argument without a doc comment fails here.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, checked: &mut usize) {
            assert!(cmd.get_about().is_some_and(|a| !a.to_string().trim().is_empty()), "{path} has no description");
            for arg in cmd.get_arguments() {
                let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                assert!(!help.trim().is_empty(), "argument {} of `{path}` has no help", arg.get_id());
                *checked += arg.is_positional() as usize;
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), checked);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut positionals = 0;
        walk(&cmd, "qtro", &mut positionals);
        // The walk reaches them all: 19 today (url of six commands, name of five, prop twice, value, slot, args,
        // serve's .rep file, replay's capture, the shell).
        assert!(positionals >= 19, "only {positionals} positional arguments walked");
        let help = cmd.find_subcommand_mut("call").unwrap().render_long_help().to_string();
        assert!(
            help.contains("<URL>")
                && help.contains("Node URL: tcp://HOST:PORT")
                && help.contains("Arguments, one value each"),
            "{help}"
        );
    }

    #[test]
    fn json_is_found_among_the_options_only() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(wants_json(&args(&["get", "--json"])));
        assert!(wants_json(&args(&["--json", "frobnicate"])));
        assert!(!wants_json(&args(&["call", "u", "o", "s", "--", "--json"])));
        assert!(!wants_json(&args(&["get", "--jsonx", "json"])));
    }

    #[test]
    fn usage_errors_become_one_line_messages() {
        let message = |a: &[&str]| usage_message(&Cli::try_parse_from(a).unwrap_err());
        assert_eq!(
            message(&["qtro", "get", "--json"]),
            "the following required arguments were not provided: <URL>; <NAME>"
        );
        assert_eq!(message(&["qtro", "frobnicate"]), "unrecognized subcommand 'frobnicate'");
        let m = message(&["qtro", "completions", "tcsh"]);
        assert!(m.starts_with("invalid value 'tcsh' for '<SHELL>'") && m.contains("bash") && !m.contains('\n'), "{m}");
    }
}
