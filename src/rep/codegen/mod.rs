//! A Rust "repc": typed sources and replicas generated from `.rep` files.
//!
//! [`generate`] turns a parsed [`RepFile`] into Rust source that uses [`crate::typed`]; from a
//! build script, [`compile_rep`] reads a `.rep` file and writes `$OUT_DIR/<name>.rs`:
//!
//! ```no_run
//! // build.rs: `main` of the build script.
//! let out_dir = std::env::var("OUT_DIR").unwrap();
//! println!("cargo:rerun-if-changed=simpleswitch.rep");
//! qtro_rs::rep::codegen::compile_rep("simpleswitch.rep", &out_dir).unwrap();
//! ```
//!
//! ```ignore
//! // src/main.rs: one module per generated file.
//! mod simpleswitch {
//!     include!(concat!(env!("OUT_DIR"), "/simpleswitch.rs"));
//! }
//! ```
//!
//! Per `class C` the file holds:
//!
//! * `CSource`: a hosted source with typed getters, setters that notify replicas, `emit_*`
//!   methods for the signals and `enable_*` for child objects; `CSlots`, the trait whose
//!   (async) methods answer the slots; `CSourceEvent`, what replicas did to it;
//! * `CReplica`: a replica with typed getters, `set_*` (READWRITE: WriteProperty) and `push_*`
//!   (READPUSH) setters, async slot calls with typed results, child replicas and `events()`, a
//!   stream of `CEvent`s (typed signals and property changes);
//! * `CProperties`: every property, with the .rep defaults;
//! * `CSource::SIGNATURE` / `CReplica::SIGNATURE`: the class signature, equal to repc's.
//!
//! Enums and flags of a class or POD live in a module named after it (`rich::Color`); PODs are
//! structs; `register_types` registers the file's PODs and enums in a type registry.
//!
//! Enums are Rust enums with the representation of their underlying type, so they travel with
//! the size Qt gives them; a received integer that is not a key is rejected with
//! [`ConvertError::UnknownEnumValue`](crate::typed::ConvertError::UnknownEnumValue) (declare a
//! `FLAG` to accept arbitrary bit combinations).

mod emit;
mod names;
mod out;
mod types;

use std::path::{Path, PathBuf};

use super::{parse, ParseError, RepFile};

/// Settings of [`generate`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The `.rep` file name shown in the generated header.
    pub source_name: Option<String>,
    /// Generate the typed sources (`CSource`, `CSlots`, `CSourceEvent`).
    pub sources: bool,
    /// Generate the typed replicas (`CReplica`, `CEvent`).
    pub replicas: bool,
    /// Path of the qtro_rs crate in the generated code.
    pub crate_path: String,
}

impl Default for Options {
    fn default() -> Self {
        Options { source_name: None, sources: true, replicas: true, crate_path: "::qtro_rs".into() }
    }
}

/// Why code could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The `.rep` file does not parse.
    #[error("{path}:{error}")]
    Parse {
        /// The file.
        path: String,
        /// The parse error (with line and column).
        error: ParseError,
    },
    /// Reading the `.rep` file or writing the output failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Two declarations would get the same Rust name.
    #[error("{0}")]
    NameClash(String),
    /// The file has something no Rust code can be generated for (only possible with a
    /// hand-built [`RepFile`]: the parser rejects it).
    #[error("{0}")]
    Invalid(String),
}

/// Generates the Rust source for `file`.
///
/// ```
/// use qtro_rs::rep::codegen::{generate, Options};
///
/// let file = qtro_rs::rep::parse("class Simple {\n  PROP(int value = 0)\n  SLOT(int add(int a, int b))\n}\n")?;
/// let code = generate(&file, &Options { sources: false, ..Options::default() })?;
/// assert!(code.contains("pub struct SimpleReplica {"));
/// assert!(code.contains("pub async fn add(&self, a: i32, b: i32) -> qtro::typed::Result<i32> {"));
/// assert!(!code.contains("SimpleSource"), "replicas only");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn generate(file: &RepFile, options: &Options) -> Result<String, CodegenError> {
    emit::file(file, options)
}

/// Reads the `.rep` file at `rep_path` and writes the generated Rust source to
/// `<out_dir>/<file stem>.rs`, for a build script. Returns the path written.
///
/// The file is only rewritten when its content changes.
pub fn compile_rep(rep_path: impl AsRef<Path>, out_dir: impl AsRef<Path>) -> Result<PathBuf, CodegenError> {
    let rep_path = rep_path.as_ref();
    let code = generate_file(rep_path)?;
    let stem = rep_path.file_stem().map_or_else(|| "rep".into(), |s| s.to_string_lossy().into_owned());
    let out = out_dir.as_ref().join(format!("{stem}.rs"));
    if std::fs::read_to_string(&out).ok().as_deref() != Some(code.as_str()) {
        std::fs::write(&out, code).map_err(|source| CodegenError::Io { path: out.clone(), source })?;
    }
    Ok(out)
}

/// Reads and parses the `.rep` file at `rep_path` and generates its Rust source (with the file
/// name in the header).
pub fn generate_file(rep_path: impl AsRef<Path>) -> Result<String, CodegenError> {
    let rep_path = rep_path.as_ref();
    let text =
        std::fs::read_to_string(rep_path).map_err(|source| CodegenError::Io { path: rep_path.into(), source })?;
    let file = parse(&text).map_err(|error| CodegenError::Parse { path: rep_path.display().to_string(), error })?;
    let options =
        Options { source_name: rep_path.file_name().map(|n| n.to_string_lossy().into_owned()), ..Options::default() };
    generate(&file, &options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(text: &str) -> Result<String, CodegenError> {
        generate(&parse(text).unwrap(), &Options::default())
    }

    #[test]
    fn generates_the_typed_api_of_a_class() {
        let text = "class Simple {\n PROP(int value = 0)\n PROP(QString name READWRITE)\n SIGNAL(fired(int code))\n SLOT(int add(int a, int b))\n}\n";
        let code = gen(text).unwrap();
        let sig = crate::rep::signature_qt6(&parse(text).unwrap(), "Simple").unwrap();
        for item in [
            "pub struct SimpleProperties {".to_owned(),
            "pub trait SimpleSlots: Send + Sync + 'static {".to_owned(),
            "pub struct SimpleSource {".to_owned(),
            "pub struct SimpleReplica {".to_owned(),
            "pub enum SimpleEvent {".to_owned(),
            "pub async fn push_value(&self, value: i32) -> qtro::typed::Result<()> {".to_owned(),
            "pub fn set_name(&self, value: String) -> qtro::typed::Result<()> {".to_owned(),
            "pub async fn add(&self, a: i32, b: i32) -> qtro::typed::Result<i32> {".to_owned(),
            "pub fn emit_fired(&self, code: i32) -> qtro::typed::Result<()> {".to_owned(),
            "Fired {".to_owned(),
            format!("pub const SIGNATURE: &'static str = \"{sig}\";"),
        ] {
            assert!(code.contains(&item), "missing {item:?} in:\n{code}");
        }
    }

    #[test]
    fn rejects_declarations_that_would_share_a_rust_name() {
        let err = gen("POD my_pod(int a)\nPOD MyPod(int b)\n").unwrap_err();
        assert!(matches!(err, CodegenError::NameClash(_)), "{err}");
        assert!(matches!(gen("POD Vec(int a)\n"), Err(CodegenError::NameClash(_))));
    }

    #[test]
    fn keeps_going_on_types_without_a_mapping() {
        let code = gen("class Cc {\n PROP(Unknown u)\n PROP(QMap<double, int> m)\n}\n").unwrap();
        assert!(code.contains("pub u: qtro::core::Value,"));
        assert!(code.contains("`Unknown` has no Rust mapping"));
        assert!(code.contains("pub m: qtro::core::Value,"));
    }
}
