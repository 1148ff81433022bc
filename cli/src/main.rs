//! `qtro`, the command-line tool: explore, test and debug any QtRO network (stock Qt 5.15 / 6
//! nodes as well as qtro_rs ones).
//!
//! Everything here is built on the crate's public APIs: [`qtro_rs::node`] for replicas and sources,
//! [`qtro_rs::core`] for decoding raw traffic, [`qtro_rs::rep`] for `.rep` files. The binary
//! (`src/bin/qtro.rs`) only calls [`main`]. The README section "qtro — the command-line tool" is
//! the user documentation.

mod client;
mod describe;
pub mod error;
mod json;
mod output;
mod probe;
mod serve;
mod tap;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use qtro_rs::core::Dialect;
pub use error::{CliError, CliResult, Kind};
use output::Out;

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
        url: String,
        /// Object name.
        name: String,
        /// text, json (same as --json) or rep (a .rep file repc accepts).
        #[arg(long, value_enum, default_value_t = DescribeFormat::Text)]
        format: DescribeFormat,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Print a property (or all properties when PROP is omitted).
    Get {
        url: String,
        name: String,
        prop: Option<String>,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Change a property (push<Prop> slot if it has one, else a property write) and print the
    /// value the source confirms.
    Set {
        url: String,
        name: String,
        prop: String,
        /// New value (see "Values" below).
        #[arg(allow_negative_numbers = true)]
        value: String,
        #[command(flatten)]
        rep: RepArgs,
    },
    /// Call a slot and print its reply.
    Call {
        url: String,
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
        url: String,
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
        file: PathBuf,
        /// Only this connection number.
        #[arg(long, value_name = "N")]
        conn: Option<u64>,
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { Kind::Usage.exit_code() } else { 0 };
        }
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

async fn run(cli: Cli, out: Out) -> CliResult<()> {
    let g = cli.global;
    match cli.command {
        Command::List { url } => client::list(&g, &out, &url).await,
        Command::Describe { url, name, format, rep } => client::describe(&g, &out, &url, &name, format, &rep).await,
        Command::Get { url, name, prop, rep } => client::get(&g, &out, &url, &name, prop.as_deref(), &rep).await,
        Command::Set { url, name, prop, value, rep } => client::set(&g, &out, &url, &name, &prop, &value, &rep).await,
        Command::Call { url, name, slot, args, rep } => client::call(&g, &out, &url, &name, &slot, &args, &rep).await,
        Command::Watch { url, name, count, duration, rep } => client::watch(&g, &out, &url, &name, count, duration, &rep).await,
        Command::Serve { rep_file, url, class, name, values, sets, replies, registry } => {
            let opts = serve::ServeOptions { rep_file, url, class, name, values, sets, replies, registry };
            serve::serve(&g, &out, opts).await
        }
        Command::Tap { listen, upstream, save, no_learn } => tap::tap(&g, &out, &listen, &upstream, save.as_deref(), !no_learn).await,
        Command::Replay { file, conn } => tap::replay(&out, &file, conn),
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
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
