//! The QVariant codec, byte for byte against STOCK Qt.
//!
//! `qt-interop/datastream-vectors` is a small C++ program built against the system Qt 6 and,
//! separately, Qt 5.15. It writes one QVariant per case with a plain `QDataStream << QVariant`
//! (Qt 6: little-endian and big-endian, stream version 20; Qt 5: big-endian, version 18, the
//! QtRO outer/nested stream settings) and prints the bytes as hex. For every row this test
//!
//! * decodes Qt's bytes with [`variant::from_bytes`] and compares with the expected [`Value`]
//!   from the hand-written table below (derived from Qt's documented semantics, never from our
//!   decoder), and
//! * encodes the expected value (and the decoded one) with [`variant::to_bytes_plain`] and
//!   requires exactly Qt's bytes.
//!
//! The set of cases the program printed must equal the table, so nothing is silently skipped.
//! Building or running the program failing fails the test with the tool output.

#[path = "common/qt_build.rs"]
mod qt_build;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use bytes::Bytes;
use qtro_rs::core::value::JsonValue;
use qtro_rs::core::variant::{from_bytes, to_bytes_plain};
use qtro_rs::core::{
    Assoc, BitArray, ByteOrder, Dialect, EnumValue, Gadget, Line, LineF, Point, PointF, QDate, QDateTime, QTime, Rect,
    RectF, Sequence, Size, SizeF, TimeSpec, TypeRegistry, UtcOffsetZone, Value,
};

// ---------------------------------------------------------------------------------------------
// Building and running the C++ program
// ---------------------------------------------------------------------------------------------

/// Rows printed by one build: (case name, stream) -> bytes.
type Rows = BTreeMap<(String, String), Vec<u8>>;

fn build_and_run(qt_major: u32) -> Rows {
    let exe: PathBuf = qt_build::build_cmake_program(
        "qt-interop/datastream-vectors",
        &format!("datastream-vectors-qt{qt_major}"),
        &[&format!("QTRO_QT_MAJOR={qt_major}")],
        "datastream_vectors",
    );
    let out = qt_build::run_checked(&mut Command::new(&exe));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr).trim_end());
    let text = String::from_utf8(out.stdout).expect("datastream_vectors printed non-UTF-8");
    let mut rows = Rows::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, stream, hex] = fields.as_slice() else {
            panic!("Qt {qt_major}: malformed line {}: {line:?}", i + 1);
        };
        let bytes = hex::decode(hex).unwrap_or_else(|e| panic!("Qt {qt_major}: bad hex on line {}: {e}", i + 1));
        if rows.insert((name.to_string(), stream.to_string()), bytes).is_some() {
            panic!("Qt {qt_major}: duplicate row {name}/{stream}");
        }
    }
    assert!(!rows.is_empty(), "Qt {qt_major}: datastream_vectors printed no rows");
    rows
}

fn qt_rows(qt_major: u32) -> &'static Rows {
    static QT5: OnceLock<Rows> = OnceLock::new();
    static QT6: OnceLock<Rows> = OnceLock::new();
    match qt_major {
        5 => QT5.get_or_init(|| build_and_run(5)),
        6 => QT6.get_or_init(|| build_and_run(6)),
        _ => unreachable!(),
    }
}

// ---------------------------------------------------------------------------------------------
// The expected values, written by hand from Qt's semantics
// ---------------------------------------------------------------------------------------------

fn s(x: &str) -> Value {
    Value::String(Some(x.to_owned()))
}

fn b(x: &[u8]) -> Value {
    Value::ByteArray(Some(Bytes::copy_from_slice(x)))
}

fn point3(x: i32, y: i32, z: i32) -> Value {
    Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(x), Value::Int(y), Value::Int(z)] })
}

fn g_e(value: i64) -> Value {
    Value::Enum(EnumValue { type_name: "G::E".into(), value, size: 4 })
}

/// Puts map entries in the order the dialect's QMap writes them: Qt 6 ascending, Qt 5 descending.
/// `ascending` must be given in ascending key order.
fn qmap_order<T>(dialect: Dialect, mut ascending: Vec<T>) -> Vec<T> {
    if dialect == Dialect::Qt5 {
        ascending.reverse();
    }
    ascending
}

/// 2024-01-02 is Julian day 2460312 (2000-01-01 is JD 2451545; 8766 + 1 days later).
const JD_2024_01_02: i64 = 2_460_312;
/// 03:04:05.000 in ms since midnight.
const MS_03_04_05: u32 = (3 * 3600 + 4 * 60 + 5) * 1000;

fn datetime(spec: TimeSpec) -> Value {
    Value::DateTime(QDateTime { date: QDate { julian_day: JD_2024_01_02 }, time: QTime { msecs: MS_03_04_05 }, spec })
}

/// Every case the C++ program writes for `dialect`, with the value Qt wrote.
fn utc_offset_zone(id: &str, offset: i32, name: &str, abbreviation: &str, territory: i32, comment: &str) -> TimeSpec {
    TimeSpec::UtcOffsetZone(Box::new(UtcOffsetZone {
        id: Some(id.into()),
        offset_seconds: offset,
        name: Some(name.into()),
        abbreviation: Some(abbreviation.into()),
        territory,
        comment: Some(comment.into()),
    }))
}

fn expected(dialect: Dialect) -> Vec<(&'static str, Value)> {
    use Value as V;
    let json = |j: JsonValue| V::JsonValue(j);
    let cbor = |hex_text: &str| Bytes::from(hex::decode(hex_text).unwrap());
    let mut cases = vec![
        ("qjsonvalue_null", json(JsonValue::Null)),
        ("qjsonvalue_bool", json(JsonValue::Bool(true))),
        ("qjsonvalue_double", json(JsonValue::Double(2.5))),
        ("qjsonvalue_string", json(JsonValue::String(Some("hé".into())))),
        ("qjsonvalue_array", json(JsonValue::Array(r#"[1,"x"]"#.into()))),
        ("qjsonvalue_object", json(JsonValue::Object(r#"{"k":1}"#.into()))),
        ("qjsonvalue_undefined", json(JsonValue::Undefined)),
        ("qjsonobject", V::JsonObject(r#"{"a":true,"b":[1.5]}"#.into())),
        ("qjsonarray", V::JsonArray(r#"[1,"two",null]"#.into())),
        ("qjsondocument", V::JsonDocument(Some(r#"{"n":3}"#.into()))),
        ("qjsondocument_null", V::JsonDocument(None)),
        // CBOR: 42; "cbor"; [1, "x", 2.5]; {"k": 1, 2: false}.
        ("qcborvalue_int", V::CborValue(cbor("182a"))),
        ("qcborvalue_string", V::CborValue(cbor("6463626f72"))),
        ("qcborarray", V::CborArray(cbor("83016178fb4004000000000000"))),
        ("qcbormap", V::CborMap(cbor("a2616b0102f4"))),
        ("qcborsimpletype", V::CborSimpleType(32)),
        ("bool_true", V::Bool(true)),
        ("bool_false", V::Bool(false)),
        ("int_minus2", V::Int(-2)),
        ("int_zero", V::Int(0)),
        ("int_max", V::Int(i32::MAX)),
        ("uint_3000000000", V::UInt(3_000_000_000)),
        ("qlonglong_minus4", V::LongLong(-4)),
        ("qulonglong_big", V::ULongLong(0x0123_4567_89ab_cdef)),
        ("double_1_5", V::Double(1.5)),
        ("double_neg_zero", V::Double(-0.0)),
        ("float_2_5", V::Float(2.5)),
        ("short_minus3", V::Short(-3)),
        ("ushort_beef", V::UShort(0xbeef)),
        ("char_A", V::Char(b'A' as i8)),
        ("schar_minus5", V::SChar(-5)),
        ("uchar_200", V::UChar(200)),
        ("long_minus7", V::Long(-7)),
        ("ulong_2_pow_40", V::ULong(1 << 40)),
        ("qchar_Z", V::QChar(u16::from(b'Z'))),
        ("qchar_euro", V::QChar(0x20ac)),
        ("qstring_null", V::String(None)),
        ("qstring_empty", s("")),
        ("qstring_he", s("h\u{e9}")),
        ("qstring_emoji", s("a\u{1f600}")),
        ("qbytearray_null", V::ByteArray(None)),
        ("qbytearray_empty", b(b"")),
        ("qbytearray_ab", b(b"ab")),
        ("qbytearray_all_bytes", b(&(0..=255u8).collect::<Vec<u8>>())),
        ("qstringlist_ab", V::StringList(vec![Some("a".into()), Some("b".into())])),
        ("qstringlist_with_null", V::StringList(vec![Some("a".into()), None])),
        ("qbytearraylist", V::ByteArrayList(vec![Some(Bytes::from_static(b"x")), None, Some(Bytes::from_static(b""))])),
        ("qvariantlist_1_x", V::List(vec![V::Int(1), s("x")])),
        ("qvariantlist_empty", V::List(vec![])),
        (
            "qvariantlist_nested",
            V::List(vec![V::List(vec![V::Int(2), V::List(vec![])]), V::StringList(vec![Some("s".into())]), V::Invalid]),
        ),
        ("qvariantmap_a_k", V::Map(qmap_order(dialect, vec![("a".into(), V::Bool(true)), ("k".into(), V::Int(1))]))),
        ("qvariantmap_k_s", V::Map(qmap_order(dialect, vec![("k".into(), V::Int(1)), ("s".into(), s("v"))]))),
        (
            "qvariantmap_nested",
            V::Map(qmap_order(
                dialect,
                vec![("l".into(), V::List(vec![V::Int(1)])), ("m".into(), V::Map(vec![("x".into(), s("y"))]))],
            )),
        ),
        ("qvarianthash_h", V::Hash(vec![("h".into(), V::Int(2))])),
        ("invalid", V::Invalid),
        ("qdate", V::Date(QDate { julian_day: JD_2024_01_02 })),
        ("qdate_null", V::Date(QDate { julian_day: i64::MIN })),
        ("qtime", V::Time(QTime { msecs: ((13 * 3600 + 14 * 60 + 15) * 1000) + 16 })),
        ("qtime_null", V::Time(QTime { msecs: u32::MAX })),
        ("qdatetime_utc", datetime(TimeSpec::Utc)),
        // Zones of Qt's UTC-offset backend stream a marker id and six fields.
        ("qdatetime_tz_utc", datetime(utc_offset_zone("UTC", 0, "UTC", "UTC", 0, "UTC"))),
        ("qdatetime_tz_offset", datetime(utc_offset_zone("UTC+01", 3600, "UTC+01", "UTC+01", 0, "UTC+01"))),
        // QLocale::Germany is 91 in Qt 6.4's territory numbering, 82 in Qt 5.15's country numbering.
        (
            "qdatetime_tz_custom",
            datetime(utc_offset_zone(
                "Custom/Zone",
                3600,
                "Custom Name",
                "CUS",
                if dialect == Dialect::Qt6 { 91 } else { 82 },
                "a comment",
            )),
        ),
        // A valid type with QVariant's is-null flag set still carries a (default) payload.
        ("int_null_flag", V::Null(Box::new(V::Int(0)))),
        ("qdatetime_local", datetime(TimeSpec::LocalTime)),
        ("qdatetime_offset", datetime(TimeSpec::OffsetFromUtc(3600))),
        ("qdatetime_berlin", datetime(TimeSpec::TimeZone("Europe/Berlin".into()))),
        (
            "qdatetime_null",
            V::DateTime(QDateTime {
                date: QDate { julian_day: i64::MIN },
                time: QTime { msecs: u32::MAX },
                spec: TimeSpec::LocalTime,
            }),
        ),
        ("qurl", V::Url("tcp://h:1/p?q".into())),
        ("qurl_empty", V::Url(String::new())),
        // QUrl::toEncoded(): space -> %20, non-ASCII -> percent-encoded UTF-8 (upper-case hex).
        ("qurl_percent", V::Url("http://example.com/a%20b/%C3%A4?x=1%202#f%20g".into())),
        (
            "quuid",
            V::Uuid([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
        ),
        ("qpoint", V::Point(Point { x: 1, y: -2 })),
        ("qpointf", V::PointF(PointF { x: 0.5, y: 1.5 })),
        ("qsize", V::Size(Size { width: 3, height: 4 })),
        ("qsizef", V::SizeF(SizeF { width: 0.5, height: 1.5 })),
        // QRect(1, 2, 3, 4): right = x + w - 1 = 3, bottom = y + h - 1 = 5.
        ("qrect", V::Rect(Rect { left: 1, top: 2, right: 3, bottom: 5 })),
        ("qrectf", V::RectF(RectF { x: 1.0, y: 2.0, width: 3.0, height: 4.25 })),
        ("qline", V::Line(Line { x1: 1, y1: 2, x2: 3, y2: 4 })),
        ("qlinef", V::LineF(LineF { x1: 0.5, y1: 1.5, x2: 2.5, y2: 3.5 })),
        ("qbitarray_3_true", V::BitArray(BitArray::from_bools([true, true, true]))),
        (
            "qbitarray_11_mixed",
            V::BitArray(BitArray::from_bools([true, false, true, true, false, false, false, true, true, false, true])),
        ),
        ("qbitarray_empty", V::BitArray(BitArray::from_bools([]))),
        ("point3", point3(1, 2, 3)),
        (
            "qlist_int",
            V::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![V::Int(1), V::Int(2), V::Int(3)] }),
        ),
        (
            "qhash_int_qbytearray",
            V::Assoc(Assoc { type_name: "QHash<int,QByteArray>".into(), entries: vec![(V::Int(1), b(b"one"))] }),
        ),
        (
            "qmap_qstring_int",
            V::Assoc(Assoc {
                type_name: "QMap<QString,int>".into(),
                entries: qmap_order(dialect, vec![(s("a"), V::Int(1)), (s("b"), V::Int(2))]),
            }),
        ),
        ("enum_g_e", g_e(7)),
        ("qvariantlist_enum", V::List(vec![g_e(7)])),
        ("qvariantlist_point3", V::List(vec![point3(4, 5, 6), V::Int(1)])),
    ];
    if dialect == Dialect::Qt6 {
        cases.extend([
            ("char16_t", V::Char16(0x20ac)),
            ("char32_t", V::Char32(0x1f600)),
            ("qvariantpair", V::Pair(Box::new(V::Int(1)), Box::new(s("x")))),
        ]);
    } else {
        cases.push((
            "qvector_int",
            V::Sequence(Sequence { type_name: "QVector<int>".into(), items: vec![V::Int(4), V::Int(5)] }),
        ));
    }
    cases
}

fn registry(dialect: Dialect) -> TypeRegistry {
    let mut r = TypeRegistry::new(dialect);
    r.register_gadget("Point3", ["x", "y", "z"].iter().map(|f| (f.to_string(), "int".to_string())).collect());
    r.register_enum("G::E", 4);
    r
}

// ---------------------------------------------------------------------------------------------
// The check
// ---------------------------------------------------------------------------------------------

fn check(qt_major: u32, dialect: Dialect, streams: &[(&str, ByteOrder)]) {
    let rows = qt_rows(qt_major);
    let table = expected(dialect);
    let types = registry(dialect);

    let mut names = BTreeSet::new();
    for name in table.iter().map(|(n, _)| *n) {
        assert!(names.insert(name), "duplicate case {name} in the Rust tables");
    }
    let want: BTreeSet<(String, String)> =
        names.iter().flat_map(|n| streams.iter().map(move |(st, _)| (n.to_string(), st.to_string()))).collect();
    let got: BTreeSet<(String, String)> = rows.keys().cloned().collect();
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Qt {qt_major}: case set mismatch\n  in the Rust table but not printed by Qt: {missing:?}\n  printed by Qt but not in the Rust table: {extra:?}"
    );

    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, value) in &table {
        for (stream, order) in streams {
            let qt = &rows[&(name.to_string(), stream.to_string())];
            let qt_hex = hex::encode(qt);
            checked += 1;
            match from_bytes(Bytes::copy_from_slice(qt), dialect, *order, &types) {
                Ok(decoded) => {
                    if &decoded != value {
                        failures.push(format!(
                            "{name}/{stream}: decode mismatch\n    qt bytes: {qt_hex}\n    decoded:  {decoded:?}\n    expected: {value:?}"
                        ));
                    }
                    match to_bytes_plain(&decoded, dialect, *order) {
                        Ok(ours) if ours.as_ref() == qt.as_slice() => {}
                        Ok(ours) => failures.push(format!(
                            "{name}/{stream}: re-encoding the decoded value differs\n    qt:   {qt_hex}\n    ours: {}",
                            hex::encode(&ours)
                        )),
                        Err(e) => failures.push(format!("{name}/{stream}: re-encoding the decoded value failed: {e}")),
                    }
                }
                Err(e) => failures.push(format!("{name}/{stream}: decode failed: {e}\n    qt bytes: {qt_hex}")),
            }
            match to_bytes_plain(value, dialect, *order) {
                Ok(ours) if ours.as_ref() == qt.as_slice() => {}
                Ok(ours) => failures.push(format!(
                    "{name}/{stream}: encoding the expected value differs\n    qt:   {qt_hex}\n    ours: {}",
                    hex::encode(&ours)
                )),
                Err(e) => failures.push(format!("{name}/{stream}: encoding the expected value failed: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "Qt {qt_major} ({dialect:?}): {} problem(s) in {checked} rows:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("Qt {qt_major} ({dialect:?}): all {checked} rows byte-exact");
}

const QT6_STREAMS: &[(&str, ByteOrder)] = &[("le", ByteOrder::Little), ("be", ByteOrder::Big)];
const QT5_STREAMS: &[(&str, ByteOrder)] = &[("be", ByteOrder::Big)];

#[test]
fn qt6_datastream_vectors_are_byte_exact() {
    check(6, Dialect::Qt6, QT6_STREAMS);
}

#[test]
fn qt5_datastream_vectors_are_byte_exact() {
    check(5, Dialect::Qt5, QT5_STREAMS);
}
