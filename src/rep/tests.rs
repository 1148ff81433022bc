//! Snapshot-style tests of the parser output, error messages, API lists and signatures.

use std::fmt::Write;

use super::*;

/// A compact, stable text rendering of a parsed file for snapshot comparisons.
fn snapshot(f: &RepFile) -> String {
    fn enums(out: &mut String, indent: &str, enums: &[Enum], flags: &[Flag]) {
        for e in enums {
            let keys: Vec<String> = e.keys.iter().map(|k| format!("{}={}", k.name, k.value)).collect();
            let _ = writeln!(
                out,
                "{indent}enum {}{}{} {{{}}}",
                if e.scoped { "class " } else { "" },
                e.name,
                e.underlying_type.as_ref().map(|t| format!(" : {t}")).unwrap_or_default(),
                keys.join(", ")
            );
        }
        for fl in flags {
            let _ = writeln!(out, "{indent}flag {}({})", fl.name, fl.enum_name);
        }
    }
    fn func(f: &Function) -> String {
        let params: Vec<String> = f.params.iter().map(|p| format!("{}/{} {}", p.type_name, p.flags, p.name)).collect();
        format!("{} {}({})", f.return_type, f.name, params.join(", "))
    }
    let mut out = String::new();
    for d in f.declarations() {
        match d {
            Decl::Preprocessor(i) => {
                let _ = writeln!(out, "{}", f.preprocessor[i]);
            }
            Decl::UseEnum(i) => {
                let _ = writeln!(out, "use_enum {}", f.use_enums[i]);
            }
            Decl::Enum(i) => enums(&mut out, "", std::slice::from_ref(&f.enums[i]), &[]),
            Decl::Flag(i) => enums(&mut out, "", &[], std::slice::from_ref(&f.flags[i])),
            Decl::Pod(i) => {
                let p = &f.pods[i];
                let attrs: Vec<String> = p.attributes.iter().map(|a| format!("{}: {}", a.name, a.type_name)).collect();
                let _ = writeln!(
                    out,
                    "pod {}{}{} {{{}}}",
                    p.attribute.as_ref().map(|a| format!("[{a}] ")).unwrap_or_default(),
                    p.name,
                    if p.block { " block" } else { "" },
                    attrs.join(", ")
                );
                enums(&mut out, "  ", &p.enums, &p.flags);
            }
            Decl::Class(i) => {
                let c = &f.classes[i];
                let _ = writeln!(
                    out,
                    "class {}{}",
                    c.attribute.as_ref().map(|a| format!("[{a}] ")).unwrap_or_default(),
                    c.name
                );
                enums(&mut out, "  ", &c.enums, &c.flags);
                for p in &c.properties {
                    let kind = match &p.kind {
                        PropertyKind::Prop => "prop".to_string(),
                        PropertyKind::Class => "class".to_string(),
                        PropertyKind::Model { roles } => format!("model[{}]", roles.join("|")),
                    };
                    let _ = writeln!(
                        out,
                        "  {kind} {}: {}{} {:?}{}",
                        p.name,
                        p.type_name,
                        p.default_value.as_ref().map(|d| format!(" = {d}")).unwrap_or_default(),
                        p.modifier,
                        if p.persisted { " persisted" } else { "" }
                    );
                }
                for s in &c.signals {
                    let _ = writeln!(out, "  signal {}", func(s));
                }
                for s in &c.slots {
                    let _ = writeln!(out, "  slot {}", func(s));
                }
            }
        }
    }
    for w in &f.warnings {
        let _ = writeln!(out, "warning {}:{}: {}", w.line, w.column, w.message);
    }
    out
}

fn check(src: &str, expected: &str) {
    let file = parse(src).unwrap_or_else(|e| panic!("parse failed: {e}"));
    let got = snapshot(&file);
    assert_eq!(got.trim_end(), expected.trim_end(), "\n--- got ---\n{got}");
}

fn err(src: &str) -> String {
    match parse(src) {
        Ok(f) => panic!("expected an error, got {f:?}"),
        Err(e) => e.to_string(),
    }
}

const SIMPLE: &str = "class Simple
{
    PROP(int value = 0)
    PROP(QString name READWRITE)
    SIGNAL(fired(int code))
    SLOT(int add(int a, int b))
    SLOT(void reset())
}
";

/// The Qt 6 .rep of captures.md (PODs, Child, Rich, Flagged).
const RICH: &str = r#"#include <QtCore/QMap>
POD Point3(int x, int y, int z)
POD Tagged{
  ENUM Kind { KA, KB = 4 }
  Kind kind,
  QString label
}
class Child
{
    PROP(QString title = "kid" READONLY)
    SLOT(void poke(int n))
}
class Rich
{
    ENUM Color { Red, Green = 3, Blue }
    ENUM class Mode : quint16 { Off, On = 2 }
    PROP(Color color = Color::Green READWRITE)
    PROP(Mode mode = Mode::On)
    PROP(Point3 pt READWRITE)
    PROP(QList<int> ints)
    PROP(QList<Point3> pts)
    PROP(QMap<QString, Point3> ptmap)
    PROP(QVariantMap vmap)
    PROP(double ratio = 1.5 CONSTANT)
    PROP(bool flag = true READONLY)
    PROP(QString note SOURCEONLYSETTER)
    PROP(Tagged tag)
    CLASS child(Child)
    MODEL items(display, someRole)
    SIGNAL(colored(Color c, Point3 p))
    SLOT(Color next(Color c))
    SLOT(Point3 scale(Point3 p, int f))
}
class Flagged
{
    ENUM Opt { OA = 1, OB = 2, OC = 4 }
    FLAG(Opts Opt)
    ENUM Small : quint8 { S0, S200 = 200 }
    PROP(Opts opts = Opt::OA READWRITE)
    PROP(Small small = Small::S200)
    PROP(Qt::Orientation orient = Qt::Vertical)
    SLOT(Opts toggle(Opts o))
}
"#;

#[test]
fn snapshot_simple() {
    check(
        SIMPLE,
        "class Simple
  prop value: int = 0 ReadPush
  prop name: QString ReadWrite
  signal void fired(int/0 code)
  slot int add(int/0 a, int/0 b)
  slot void reset()",
    );
}

#[test]
fn snapshot_rich() {
    check(
        RICH,
        r#"#include <QtCore/QMap>
pod Point3 {x: int, y: int, z: int}
pod Tagged block {kind: Kind, label: QString}
  enum Kind {KA=0, KB=4}
class Child
  prop title: QString = "kid" ReadOnly
  slot void poke(int/0 n)
class Rich
  enum Color {Red=0, Green=3, Blue=4}
  enum class Mode : quint16 {Off=0, On=2}
  prop color: Color = Color::Green ReadWrite
  prop mode: Mode = Mode::On ReadPush
  prop pt: Point3 ReadWrite
  prop ints: QList<int> ReadPush
  prop pts: QList<Point3> ReadPush
  prop ptmap: QMap<QString, Point3> ReadPush
  prop vmap: QVariantMap ReadPush
  prop ratio: double = 1.5 Constant
  prop flag: bool = true ReadOnly
  prop note: QString SourceOnlySetter
  prop tag: Tagged ReadPush
  class child: Child SourceOnlySetter
  model[display|someRole] items: QAbstractItemModel SourceOnlySetter
  signal void colored(Color/0 c, Point3/0 p)
  slot Color next(Color/0 c)
  slot Point3 scale(Point3/0 p, int/0 f)
class Flagged
  enum Opt {OA=1, OB=2, OC=4}
  enum Small : quint8 {S0=0, S200=200}
  flag Opts(Opt)
  prop opts: Opts = Opt::OA ReadWrite
  prop small: Small = Small::S200 ReadPush
  prop orient: Qt::Orientation = Qt::Vertical ReadPush
  slot Opts toggle(Opts/0 o)"#,
    );
}

#[test]
fn snapshot_everything_else() {
    check(
        r#"// file comment
/* block
   comment */
#include "other.h"
#HEADER #define X 1
USE_ENUM(Qt::Orientation);
ENUM class Global : unsigned int { G0 = 0x10, G1, G2 = -3, G3 };
FLAG(Globals Global)
POD MYEXPORT Pair(const QString &first, QHash<int, QByteArray> second);
POD Block {
  ENUM Inner { I0 }
  FLAG(Inners Inner)
  QMap<QString, QList<Pair>> m,
  const QString & s, Inners fl
};
class MYEXPORT Widget {
  PROP(QString label = "hello world" READONLY, PERSISTED);
  PROP(int a = 1 READONLY, CONSTANT)
  PROP(int b CONSTANT) // trailing comment
  PROP(int c = 2 SOURCEONLYSETTER)
  PROP(QMap<QString, Pair> map READPUSH)
  PROP(int d PERSISTED)
  SIGNAL(changed(const QList<Pair> &, int, QString name));
  SLOT(reset())
  SLOT(QHash<int, QByteArray> hash(QString &key, const int k))
  MODEL mm(a, b)
  CLASS sub(Other)
};
"#,
        r#"// (comments are not kept)
#include "other.h"
#HEADER #define X 1
use_enum Qt::Orientation
enum class Global : unsigned int {G0=16, G1=17, G2=-3, G3=-2}
flag Globals(Global)
pod [MYEXPORT] Pair {first: QString, second: QHash<int, QByteArray>}
pod Block block {m: QMap<QString,QList<Pair>>, s: QString, fl: Inners}
  enum Inner {I0=0}
  flag Inners(Inner)
class [MYEXPORT] Widget
  prop label: QString = "hello world" ReadOnly persisted
  prop a: int = 1 Constant
  prop b: int Constant
  prop c: int = 2 SourceOnlySetter
  prop map: QMap<QString, Pair> ReadPush
  prop d: int ReadPush persisted
  model[a|b] mm: QAbstractItemModel SourceOnlySetter
  class sub: Other SourceOnlySetter
  signal void changed(QList<Pair>/3 __repc_variable_1, int/0 __repc_variable_2, QString/0 name)
  slot void reset()
  slot QHash<int, QByteArray> hash(QString/2 key, int/1 k)
warning 24:3: adding 'void' for unspecified return type on reset"#
            .replace("// (comments are not kept)\n", "")
            .as_str(),
    );
}

#[test]
fn snapshot_repc_quirks() {
    // Reproduced on purpose because the signatures depend on them.
    check(
        "POD Quirk {\n  unsigned int u\n}\nPOD Joined {\n  int a\n  int b\n}\nPOD Empty()\n",
        "pod Quirk block {intu: unsigned}
pod Joined block {aintb: int}
warning 8:1: ignoring POD with no data members: Empty",
    );
}

#[test]
fn error_messages() {
    let cases: &[(&str, &str)] = &[
        ("class A {\n}\n", "1:7: class name 'A' must be at least two characters long"),
        ("class Ab {\n  PROP(int)\n}\n", "2:3: PROP: invalid property declaration 'int'"),
        (
            "class Ab {\n  PROP(int x READONLY PERSISTED)\n}\n",
            "2:3: PROP: unknown modifier 'READONLY PERSISTED' (expected READONLY, CONSTANT, READWRITE, READPUSH, SOURCEONLYSETTER, optionally followed by ', PERSISTED')",
        ),
        (
            "class Ab {\n PROP(int x READONLY, READWRITE)\n}",
            "2:2: PROP: modifier combination not allowed: 'READONLY, READWRITE'",
        ),
        ("class Ab {\n  MODEL m(a)\n}\n", "2:9: MODEL name 'm' must be at least two characters long"),
        ("class Ab {\n  MODEL mm()\n}\n", "2:12: MODEL needs at least one character between the parentheses"),
        ("PROP(int x)\n", "1:1: PROP can only be used in class scope"),
        ("class Ab {\n  POD Pp(int a)\n}\n", "2:3: POD can only be used in global scope"),
        ("class Ab {\n  class Cd {}\n}\n", "2:3: class declarations cannot be nested"),
        ("class Ab {\n  FLAG(Fs Nope)\n}\n", "2:3: FLAG: unknown class enum 'Nope'"),
        ("FLAG(Fs Nope)", "1:1: FLAG: unknown global enum 'Nope'"),
        ("POD Pp { ENUM E { A }\n FLAG(Fs X)\n int a }", "2:2: FLAG: unknown POD enum 'X'"),
        ("POD Pp(ENUM E {A} e)", "1:8: ENUMs are only allowed in PODs using the block syntax ('{'), not parentheses"),
        ("ENUM E { A, B, }", "1:16: unexpected '}', expected an enum key"),
        ("ENUM E { }", "1:10: ENUM 'E' has no keys"),
        ("ENUM E { A = 0x }", "1:15: unexpected 'x', expected ',' or '}' after the enum value"),
        ("ENUM E { A = - 1 }", "1:14: unexpected '-', expected an enum value (decimal, negative or 0x hex)"),
        ("class Ab {\n  PROP(int x)\n", "3:1: unterminated class block (missing '}')"),
        ("class Ab {\n  PROP(int x\n}\n", "2:8: unterminated argument list of PROP (missing ')')"),
        ("/* open", "1:1: unterminated /* comment"),
        ("class Ab {\n  SLOT(int f)\n}\n", "2:13: unexpected ')', expected '(' after the slot name"),
        ("POD Pp {\n  Qt::Orientation o\n}\n", "2:5: qualified type names ('::') are not supported in block POD members"),
        ("POD Pp {\n  int a, int b,\n}\n", "3:1: unexpected '}', expected a type name"),
        ("POD Pp {\n  QList<int x\n}\n", "2:13: unexpected 'x', expected ',' or '>' in the template argument list"),
        ("class Ab {\n  foo\n}\n", "2:3: unexpected 'foo', expected PROP, SIGNAL, SLOT, MODEL, CLASS, ENUM, FLAG or '}'"),
        ("class Ab {};\n;\n", "2:1: unexpected ';', expected a declaration (class, POD, ENUM, FLAG, USE_ENUM or #...)"),
        ("klass Ab {}", "1:1: unexpected 'klass', expected a declaration (class, POD, ENUM, FLAG, USE_ENUM or #...)"),
        ("class\nAb {}", "1:6: unexpected end of line, expected a class name"),
        ("class Ab {\n  SIGNAL(ping(int)\n}\n", "2:19: unexpected end of line, expected ')' to close SIGNAL("),
        ("  \u{e9}", "1:3: unexpected '\u{e9}', expected a declaration (class, POD, ENUM, FLAG, USE_ENUM or #...)"),
    ];
    for (src, expected) in cases {
        assert_eq!(&err(src), expected, "source: {src:?}");
    }
    let e = parse("class Ab {\n  PROP(int)\n}").unwrap_err();
    assert_eq!((e.line, e.column), (2, 3));
    assert_eq!(e.kind, ParseErrorKind::InvalidProperty("int".into()));
}

#[test]
fn api_lists_of_rich() {
    let file = parse(RICH).unwrap();
    let api = file.class("Rich").unwrap().api();
    let signals: Vec<&str> = api.signals.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(
        signals,
        [
            "colorChanged(Rich::Color)",
            "modeChanged(Rich::Mode)",
            "ptChanged(Point3)",
            "intsChanged(QList<int>)",
            "ptsChanged(QList<Point3>)",
            "ptmapChanged(QMap<QString,Point3>)",
            "vmapChanged(QVariantMap)",
            "flagChanged(bool)",
            "noteChanged(QString)",
            "tagChanged(Tagged)",
            "childChanged(ChildSource*)",
            "itemsChanged(QAbstractItemModel*)",
            "colored(Rich::Color,Point3)",
        ]
    );
    let methods: Vec<(&str, &str)> =
        api.methods.iter().map(|m| (m.signature.as_str(), m.return_type.as_str())).collect();
    assert_eq!(
        methods,
        [
            ("pushMode(Rich::Mode)", "void"),
            ("pushInts(QList<int>)", "void"),
            ("pushPts(QList<Point3>)", "void"),
            ("pushPtmap(QMap<QString,Point3>)", "void"),
            ("pushVmap(QVariantMap)", "void"),
            ("pushTag(Tagged)", "void"),
            ("next(Rich::Color)", "Rich::Color"),
            ("scale(Point3,int)", "Point3"),
        ]
    );
    // Index checks of api-model-and-indexes.md §2.
    assert_eq!(api.method_index("next(Rich::Color)"), Some(6));
    assert_eq!(api.signal_index("colored(Rich::Color,Point3)"), Some(12));
    assert_eq!(api.property_index("ratio"), Some(7));
    let ratio = &api.properties[7];
    assert_eq!((ratio.notify_signal, ratio.push_method), (None, None));
    let flag = &api.properties[8];
    assert_eq!((flag.notify_signal, flag.push_method), (Some(7), None));
    assert_eq!(api.properties[11].child_class.as_deref(), Some("Child"));
    let enums: Vec<(&str, bool, bool, u32)> =
        api.enums.iter().map(|e| (e.name.as_str(), e.is_flag, e.is_scoped, e.size)).collect();
    assert_eq!(enums, [("Color", false, false, 4), ("Mode", false, true, 2)]);

    let flagged = file.class("Flagged").unwrap().api();
    let sigs: Vec<&str> = flagged.signals.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(sigs, ["optsChanged(Opts)", "smallChanged(Flagged::Small)", "orientChanged(Qt::Orientation)"]);
    let meths: Vec<&str> = flagged.methods.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(meths, ["pushSmall(Flagged::Small)", "pushOrient(Qt::Orientation)", "toggle(Opts)"]);
    let enums: Vec<(&str, bool, u32)> = flagged.enums.iter().map(|e| (e.name.as_str(), e.is_flag, e.size)).collect();
    assert_eq!(enums, [("Opt", false, 4), ("Small", false, 1), ("Opts", true, 4)]);
}

#[test]
fn api_lists_of_simple() {
    let api = parse(SIMPLE).unwrap().classes[0].api();
    let s: Vec<(&str, &[String])> =
        api.signals.iter().map(|s| (s.signature.as_str(), s.parameter_names.as_slice())).collect();
    assert_eq!(
        s,
        [
            ("valueChanged(int)", &["value".to_string()][..]),
            ("nameChanged(QString)", &["name".to_string()][..]),
            ("fired(int)", &["code".to_string()][..]),
        ]
    );
    let m: Vec<(&str, &str)> = api.methods.iter().map(|m| (m.signature.as_str(), m.return_type.as_str())).collect();
    assert_eq!(m, [("pushValue(int)", "void"), ("add(int,int)", "int"), ("reset()", "void")]);
}

#[test]
fn verified_signatures() {
    let simple = parse(SIMPLE).unwrap();
    assert_eq!(signature_qt6(&simple, "Simple").unwrap(), "d73490aa59d4e788b36b725dafcbbcdddb485d09");
    assert_eq!(signature_qt5(&simple, "Simple").unwrap(), "d73490aa59d4e788b36b725dafcbbcdddb485d09");

    let rich = parse(RICH).unwrap();
    assert_eq!(signature_qt6(&rich, "Rich").unwrap(), "a809bd01dec948a2accbc2bc880c03fcda60cf18");
    assert_eq!(signature_qt6(&rich, "Child").unwrap(), "16df3c993071e304c2f44d2d2d0d75be029562eb");
    assert_eq!(signature_qt6(&rich, "Flagged").unwrap(), "492b874ed91aee19fb08f30a946a197e9f167e2f");
    assert_eq!(signature_qt5(&rich, "Child").unwrap(), "16df3c993071e304c2f44d2d2d0d75be029562eb");
    assert_eq!(signature_qt6(&rich, "Nope"), None);
    assert_eq!(signatures_qt6(&rich).iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["Child", "Rich", "Flagged"]);
}

#[test]
fn signature_depends_on_declaration_order() {
    // A POD declared after the class is not in repc 6's table yet when the class is hashed.
    let before = parse("POD Pt(int x)\nclass Ab { PROP(Pt p) }").unwrap();
    let after = parse("class Ab { PROP(Pt p) }\nPOD Pt(int x)").unwrap();
    assert_ne!(signature_qt6(&before, "Ab"), signature_qt6(&after, "Ab"));
    // repc 5.15 registers all PODs before any class.
    assert_eq!(signature_qt5(&before, "Ab"), signature_qt5(&after, "Ab"));
}

#[test]
fn qt5_compatibility() {
    assert!(parse(SIMPLE).unwrap().is_qt5_compatible());
    assert!(!parse(RICH).unwrap().is_qt5_compatible());
}

#[test]
fn serde_round_trip() {
    let file = parse(RICH).unwrap();
    let json = serde_json::to_string(&file).unwrap();
    let back: RepFile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, file);
    let api = file.classes[1].api();
    let back: ApiLists = serde_json::from_str(&serde_json::to_string(&api).unwrap()).unwrap();
    assert_eq!(back, api);
}

#[test]
fn hostile_inputs_do_not_panic() {
    let inputs = [
        String::new(),
        "class".into(),
        "class ".into(),
        "POD".into(),
        "POD Ab {".into(),
        "POD Ab { QList<".into(),
        format!("POD Ab {{ {}int{} x }}", "QList<".repeat(10_000), ">".repeat(10_000)),
        format!("class Ab {{ PROP({}int{} x) }}", "QList<".repeat(10_000), ">".repeat(10_000)),
        "ENUM".into(),
        "ENUM E { A = ".into(),
        "ENUM E { A = -".into(),
        "ENUM E : {A}".into(),
        "class Ab { SLOT(".into(),
        "class Ab { SLOT(x(".into(),
        "class Ab { SIGNAL(x(".into(),
        "class Ab { PROP(x> y = \"".into(),
        "class Ab { PROP(>>> <<< = \" \"\" READONLY,,,) }".into(),
        "#".into(),
        "\u{0}\u{feff}😀".into(),
        "class Ab { MODEL mm(,,,) CLASS cc( ) }".into(),
        "class Ab { ENUM E { A = 2147483647, B } }".into(),
    ];
    for input in &inputs {
        if let Ok(file) = parse(input) {
            let _ = signatures_qt6(&file);
            let _ = signatures_qt5(&file);
            for c in &file.classes {
                let _ = c.api();
            }
        }
    }
}

#[test]
fn comment_between_name_and_brace_warns() {
    // repc 6.4 generates a class named "" for this input (verified); we keep the name and warn.
    check(
        "class Ab // note\n{\n}\nPOD Pp\n/* x */ {\n int a\n}\nclass Cd\n\n{ // fine here\n}\n",
        "class Ab
pod Pp block {a: int}
class Cd
warning 1:10: repc 6 drops the name of class 'Ab' when a comment separates it from '{'; move the comment after the '{'
warning 5:1: repc 6 drops the name of POD 'Pp' when a comment separates it from '{'; move the comment after the '{'",
    );
}

#[test]
fn api_spelling_per_dialect() {
    let file = parse(
        "class Ab {\n  ENUM Color { Red }\n  PROP(QList<Color> colors)\n  PROP(Color color)\n  \
         SLOT(QList<QList<int>> nested(unsigned short s, Color c))\n}\n",
    )
    .unwrap();
    let class = &file.classes[0];
    let sigs = |api: &ApiLists| -> Vec<String> {
        api.signals.iter().chain(&api.methods).map(|m| m.signature.clone()).collect()
    };
    let qt6 = class.api();
    assert_eq!(
        sigs(&qt6),
        [
            "colorsChanged(QList<Ab::Color>)",
            "colorChanged(Ab::Color)",
            "pushColors(QList<Ab::Color>)",
            "pushColor(Ab::Color)",
            // repc reads `unsigned short s` as type `unsigned` named `shorts`.
            "nested(uint,Ab::Color)",
        ]
    );
    assert_eq!(qt6.methods[2].return_type, "QList<QList<int>>");
    let qt5 = class.api_for(crate::core::Dialect::Qt5);
    assert_eq!(
        sigs(&qt5),
        [
            "colorsChanged(QList<Color>)",
            "colorChanged(Ab::Color)",
            "pushColors(QList<Color>)",
            "pushColor(Ab::Color)",
            "nested(uint,Ab::Color)",
        ]
    );
    assert_eq!(qt5.methods[2].return_type, "QList<QList<int> >");
}

#[test]
fn hand_built_file_without_order() {
    let mut file = parse(SIMPLE).unwrap();
    file.order.clear();
    assert_eq!(signature_qt6(&file, "Simple").unwrap(), "d73490aa59d4e788b36b725dafcbbcdddb485d09");
}

#[test]
fn many_warnings_stay_fast() {
    let src = format!("class Ab {{{}}}", "SLOT(f())".repeat(50_000));
    let file = parse(&src).unwrap();
    assert_eq!(file.warnings.len(), 50_000);
    assert_eq!(file.warnings.last().unwrap().column, 10 + 9 * 49_999 + 1);
}
