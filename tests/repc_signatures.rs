//! Golden test against the stock repc tools: for every `.rep` file of `tests/rep/`, the class
//! signatures computed by `qtro_rs::rep` must equal the `"RemoteObject Signature"` class-infos
//! that repc writes into the generated headers (Qt 6 for every file, Qt 5.15 for the files
//! without `qt6` in their name), and the API lists must match the member order of the
//! generated replica classes.
//!
//! The tools are expected at /usr/lib/qt6/libexec/repc and /usr/lib/qt5/bin/repc; if one is
//! missing, `qt-interop/install-qt-deps.sh` is run once. The test fails (never skips) when the
//! tools are still unavailable.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;

use qtro_rs::core::typename::normalize_type_for;
use qtro_rs::core::Dialect;
use qtro_rs::rep::{parse, signatures_qt5, signatures_qt6, ApiLists, Modifier, RepFile};

const REPC_QT6: &str = "/usr/lib/qt6/libexec/repc";
const REPC_QT5: &str = "/usr/lib/qt5/bin/repc";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Makes sure both repc binaries exist, installing the Qt packages if needed.
fn ensure_tools() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if Path::new(REPC_QT6).exists() && Path::new(REPC_QT5).exists() {
            return;
        }
        let script = manifest_dir().join("qt-interop/install-qt-deps.sh");
        eprintln!("repc missing, running {}", script.display());
        match Command::new("bash").arg(&script).current_dir(manifest_dir()).status() {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("{} exited with {status}", script.display()),
            Err(e) => eprintln!("could not run {}: {e}", script.display()),
        }
    });
    for tool in [REPC_QT6, REPC_QT5] {
        assert!(
            Path::new(tool).exists(),
            "stock repc not found at {tool} even after running qt-interop/install-qt-deps.sh; \
             install the Qt 6 and Qt 5 remoteobjects tool packages (e.g. qt6-remoteobjects-dev, \
             qtremoteobjects5-dev on Debian) to run this test"
        );
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/rep");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rep"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "the corpus should hold at least 8 .rep files");
    files
}

fn is_qt6_only(path: &Path) -> bool {
    path.file_name().unwrap().to_string_lossy().contains("qt6")
}

/// Output of one repc run.
struct Generated {
    header: String,
    stderr: String,
}

/// Runs `repc -i rep -o <mode> file out.h` and returns the header.
fn run_repc(tool: &str, mode: &str, rep: &Path) -> Generated {
    let out = std::env::temp_dir().join(format!(
        "qtro_rs-repc-{}-{}-{}-{}.h",
        std::process::id(),
        if tool == REPC_QT6 { "qt6" } else { "qt5" },
        mode,
        rep.file_stem().unwrap().to_string_lossy()
    ));
    let result = Command::new(tool)
        .args(["-i", "rep", "-o", mode])
        .arg(rep)
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(result.status.success(), "{tool} -o {mode} failed on {}: {stderr}", rep.display());
    let header = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("no header written by {tool} for {}: {e}", rep.display()));
    let _ = std::fs::remove_file(&out);
    Generated { header, stderr }
}

/// The first double-quoted string in `s`.
fn quoted(s: &str) -> Option<&str> {
    let start = s.find('"')? + 1;
    let len = s[start..].find('"')?;
    Some(&s[start..start + len])
}

/// `(type name, signature)` of every class-info pair in a generated header, in order.
fn header_signatures(header: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current_type = None;
    for line in header.lines() {
        let line = line.trim();
        if line.starts_with("Q_CLASSINFO(QCLASSINFO_REMOTEOBJECT_TYPE")
            || line.starts_with("Q_CLASSINFO(\"RemoteObject Type\"")
        {
            current_type = quoted(line.split_once(',').unwrap().1).map(str::to_string);
        } else if line.starts_with("Q_CLASSINFO(QCLASSINFO_REMOTEOBJECT_SIGNATURE")
            || line.starts_with("Q_CLASSINFO(\"RemoteObject Signature\"")
        {
            let sig = quoted(line.split_once(',').unwrap().1).unwrap().to_string();
            let ty = current_type.take().expect("signature class-info without a type class-info");
            out.push((ty, sig));
        }
    }
    out
}

fn check_signatures(label: &str, rep: &Path, ours: &[(String, String)], headers: &[&Generated]) -> usize {
    let mut checked = 0;
    for generated in headers {
        let theirs = header_signatures(&generated.header);
        let mut expected_classes: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
        let mut found: Vec<&str> = theirs.iter().map(|(n, _)| n.as_str()).collect();
        expected_classes.dedup();
        found.dedup();
        assert_eq!(found, expected_classes, "{label} {}: classes in header", rep.display());
        for (class, sig) in &theirs {
            let (_, mine) = ours.iter().find(|(n, _)| n == class).unwrap();
            assert_eq!(mine, sig, "{label} signature of class {class} in {}", rep.display());
            checked += 1;
        }
    }
    checked
}

/// Splits `a, QMap<K, V> b` at top-level commas.
fn split_params(params: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in params.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                out.push(params[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = params[start..].trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// Members of `class <Name>Replica` as repc declared them.
#[derive(Debug)]
struct ReplicaMembers {
    /// (name, has WRITE)
    properties: Vec<(String, bool)>,
    /// Normalized signal signatures in declaration order.
    signals: Vec<String>,
    /// Normalized slot signatures (from the `indexOfSlot("...")` literals) in order.
    slots: Vec<String>,
}

/// Maps the replica spelling of types back to the API spelling used by `ApiLists`.
fn api_spelling(s: &str, class: &str, children: &[String]) -> String {
    let mut s = s.replace(&format!("{class}Replica::"), &format!("{class}::"));
    s = s.replace("QAbstractItemModelReplica*", "QAbstractItemModel*");
    for child in children {
        s = s.replace(&format!("{child}Replica*"), &format!("{child}Source*"));
    }
    s
}

fn replica_members(header: &str, class: &str, children: &[String], dialect: Dialect) -> ReplicaMembers {
    let start_marker = format!("class {class}Replica : public QRemoteObjectReplica");
    let start = header.find(&start_marker).unwrap_or_else(|| panic!("no {class}Replica in the generated header"));
    let body = &header[start..];
    let body = &body[..body.find("\n};").expect("unterminated replica class")];

    let mut properties = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Q_PROPERTY(") {
            let decl = &rest[..rest.find(" READ ").unwrap()];
            let name = decl.rsplit(' ').next().unwrap().to_string();
            properties.push((name, rest.contains(" WRITE ")));
        }
    }

    let mut signals = Vec::new();
    if let Some(pos) = body.find("\nQ_SIGNALS:\n") {
        for line in body[pos + 12..].lines().map(str::trim) {
            if line.is_empty() {
                break;
            }
            let decl = line.strip_prefix("void ").unwrap().strip_suffix(");").unwrap();
            let (name, params) = decl.split_once('(').unwrap();
            let types: Vec<String> = split_params(params)
                .into_iter()
                .map(|p| {
                    // Drop the parameter name (repc always writes one).
                    let cut = p.trim_end_matches(|c: char| c.is_alphanumeric() || c == '_');
                    normalize_type_for(&api_spelling(cut, class, children), dialect)
                })
                .collect();
            signals.push(format!("{name}({})", types.join(",")));
        }
    }

    let mut slots = Vec::new();
    let mut rest = body;
    while let Some(pos) = rest.find("indexOfSlot(\"") {
        rest = &rest[pos + 13..];
        let end = rest.find("\")").unwrap();
        let sig = &rest[..end];
        let (name, params) = sig.split_once('(').unwrap();
        let params = params.strip_suffix(')').unwrap();
        let types: Vec<String> = split_params(params)
            .into_iter()
            .map(|p| normalize_type_for(&api_spelling(p, class, children), dialect))
            .collect();
        slots.push(format!("{name}({})", types.join(",")));
        rest = &rest[end..];
    }

    ReplicaMembers { properties, signals, slots }
}

fn check_api(dialect: Dialect, rep: &Path, file: &RepFile, replica_header: &str) {
    let label = format!("{dialect:?}");
    for class in &file.classes {
        let api: ApiLists = class.api_for(dialect);
        let children: Vec<String> = api.properties.iter().filter_map(|p| p.child_class.clone()).collect();
        let members = replica_members(replica_header, &class.name, &children, dialect);
        let ctx = format!("{label} {} class {}", rep.display(), class.name);

        let props: Vec<(String, bool)> =
            api.properties.iter().map(|p| (p.name.clone(), p.modifier == Modifier::ReadWrite)).collect();
        assert_eq!(members.properties, props, "{ctx}: properties");

        // The replica declares notify signals of CONSTANT properties after the API signals.
        let mut signals: Vec<String> = api.signals.iter().map(|s| s.signature.clone()).collect();
        for p in api.properties.iter().filter(|p| p.modifier == Modifier::Constant) {
            signals.push(format!("{}Changed({})", p.name, p.type_name));
        }
        assert_eq!(members.signals, signals, "{ctx}: signals");

        let methods: Vec<String> = api.methods.iter().map(|m| m.signature.clone()).collect();
        assert_eq!(members.slots, methods, "{ctx}: methods");
    }
}

/// repc prints one warning per SLOT without return type; we record the same ones.
fn check_warnings(label: &str, rep: &Path, file: &RepFile, stderr: &str) {
    let theirs = stderr.matches("Adding 'void' for unspecified return type").count();
    let ours = file.warnings.iter().filter(|w| w.message.contains("unspecified return type")).count();
    assert_eq!(ours, theirs, "{label} {}: implicit-void warnings\n{stderr}", rep.display());
}

#[test]
fn signatures_and_api_match_stock_repc() {
    ensure_tools();
    let mut checked_qt6 = 0;
    let mut checked_qt5 = 0;
    let mut classes = 0;
    for rep in corpus() {
        let text = std::fs::read_to_string(&rep).unwrap();
        let file = parse(&text).unwrap_or_else(|e| panic!("{}:{e}", rep.display()));
        assert!(!file.classes.is_empty(), "{} declares no class", rep.display());
        classes += file.classes.len();

        let replica6 = run_repc(REPC_QT6, "replica", &rep);
        let source6 = run_repc(REPC_QT6, "source", &rep);
        checked_qt6 += check_signatures("Qt 6", &rep, &signatures_qt6(&file), &[&replica6, &source6]);
        check_api(Dialect::Qt6, &rep, &file, &replica6.header);
        check_warnings("Qt 6", &rep, &file, &replica6.stderr);

        if is_qt6_only(&rep) {
            assert!(!file.is_qt5_compatible() || text.contains("/*"), "{} needs no Qt 6", rep.display());
            continue;
        }
        assert!(file.is_qt5_compatible(), "{} uses Qt 6 constructs", rep.display());
        let replica5 = run_repc(REPC_QT5, "replica", &rep);
        let source5 = run_repc(REPC_QT5, "source", &rep);
        checked_qt5 += check_signatures("Qt 5.15", &rep, &signatures_qt5(&file), &[&replica5, &source5]);
        check_api(Dialect::Qt5, &rep, &file, &replica5.header);
        check_warnings("Qt 5.15", &rep, &file, &replica5.stderr);
    }
    eprintln!("checked {checked_qt6} Qt 6 and {checked_qt5} Qt 5.15 signature class-infos of {classes} classes");
    assert!(checked_qt6 > 0 && checked_qt5 > 0);
}
