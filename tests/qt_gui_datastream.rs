//! The QtGui value types, byte for byte against STOCK Qt 6.4 and 5.15.
//!
//! `qt-interop/gui-vectors` writes one QVariant per case with a plain `QDataStream << QVariant`
//! (the stream settings QtRO uses) and prints the bytes. For every row this test decodes Qt's
//! bytes, compares the value with the one written by hand below from Qt's semantics (fonts: the
//! fields that do not depend on the machine's fonts; images: the pixels), and encodes the decoded
//! value again, which must give exactly Qt's bytes. Every case the program printed must be
//! checked, and every case below must have been printed.

#[path = "common/qt_build.rs"]
mod qt_build;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use qtro_rs::core::gui::{Brush, Color, Gradient, GradientKind, Image, Pen, IDENTITY};
use qtro_rs::core::variant::{from_bytes, to_bytes_plain};
use qtro_rs::core::{ByteOrder, Dialect, Point, PointF, Rect, TypeRegistry, Value};

type Rows = BTreeMap<(String, String), Vec<u8>>;

/// The gui-vectors program built against stock Qt `qt_major`.
fn program(qt_major: u32) -> &'static PathBuf {
    static QT5: OnceLock<PathBuf> = OnceLock::new();
    static QT6: OnceLock<PathBuf> = OnceLock::new();
    let cell = if qt_major == 5 { &QT5 } else { &QT6 };
    cell.get_or_init(|| {
        qt_build::build_cmake_program(
            "qt-interop/gui-vectors",
            &format!("gui-vectors-qt{qt_major}"),
            &[&format!("QTRO_QT_MAJOR={qt_major}")],
            "gui_vectors",
        )
    })
}

fn rows(qt_major: u32) -> &'static Rows {
    static QT5: OnceLock<Rows> = OnceLock::new();
    static QT6: OnceLock<Rows> = OnceLock::new();
    let cell = if qt_major == 5 { &QT5 } else { &QT6 };
    cell.get_or_init(|| {
        let exe = program(qt_major);
        let out = qt_build::run_checked(Command::new(exe).env("QT_QPA_PLATFORM", "offscreen"));
        let mut rows = Rows::new();
        for line in String::from_utf8(out.stdout).expect("UTF-8").lines() {
            let [name, stream, hex] = line.split('\t').collect::<Vec<_>>()[..] else {
                panic!("malformed line {line:?}")
            };
            rows.insert((name.into(), stream.into()), hex::decode(hex).expect("hex"));
        }
        assert!(!rows.is_empty(), "gui_vectors printed nothing");
        rows
    })
}

fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::rgba(r, g, b, 255)
}

fn pf(x: f64, y: f64) -> PointF {
    PointF { x, y }
}

fn brush(style: u8, color: Color, gradient: Option<Gradient>) -> Value {
    Value::Brush(Box::new(Brush { style, color, gradient, texture: None, transform: IDENTITY }))
}

/// A gradient brush's color: Qt keeps an invalid color with opaque alpha... as written (spec 0).
fn no_color() -> Color {
    Color { spec: 0, alpha: 0xffff, components: [0; 4] }
}

#[allow(clippy::too_many_arguments)]
fn pen(
    style: u16,
    cosmetic: bool,
    width: f64,
    color: Color,
    miter: f64,
    dashes: Vec<f64>,
    offset: f64,
    default_width: bool,
) -> Value {
    Value::Pen(Box::new(Pen {
        style,
        cosmetic,
        width,
        brush: Brush::solid(color),
        miter_limit: miter,
        dash_pattern: dashes,
        dash_offset: offset,
        default_width,
    }))
}

/// The 2×2 image every image case holds: red, half-transparent green / blue, transparent.
const PIXELS: [u8; 16] = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 0, 0, 0, 0];

fn expected(dialect: Dialect) -> Vec<(&'static str, Option<Value>)> {
    use Value as V;
    let qt6 = dialect == Dialect::Qt6;
    let c = |spec: i8, alpha: u16, components: [u16; 4]| V::Color(Color { spec, alpha, components });
    vec![
        ("qcolor_rgb", Some(V::Color(rgb(1, 2, 3)))),
        ("qcolor_rgba", Some(V::Color(Color::rgba(255, 128, 0, 64)))),
        ("qcolor_invalid", Some(V::Color(Color::INVALID))),
        ("qcolor_hsv", Some(c(2, 0xffff, [12000, 200 * 0x101, 100 * 0x101, 0]))),
        ("qcolor_cmyk", Some(c(3, 0xffff, [10 * 0x101, 20 * 0x101, 30 * 0x101, 40 * 0x101]))),
        ("qcolor_hsl", Some(c(4, 200 * 0x101, [30000, 100 * 0x101, 50 * 0x101, 0]))),
        // Extended RGB: half-precision floats 1.0 (alpha), 1.5, 0.25, -0.5.
        ("qcolor_extended", Some(c(5, 0x3c00, [0x3e00, 0x3400, 0xb800, 0]))),
        ("qpolygon", Some(V::Polygon(vec![Point { x: 1, y: 2 }, Point { x: -3, y: 4 }]))),
        ("qpolygon_empty", Some(V::Polygon(vec![]))),
        ("qpolygonf", Some(V::PolygonF(vec![pf(0.5, 1.5), pf(-2.0, 3.0)]))),
        ("qvector2d", Some(V::Vector2D([1.5, -2.0]))),
        ("qvector3d", Some(V::Vector3D([1.0, 2.0, 3.25]))),
        ("qvector4d", Some(V::Vector4D([1.0, 2.0, 3.0, 4.0]))),
        ("qquaternion", Some(V::Quaternion([0.5, 1.0, 2.0, 3.0]))),
        (
            "qmatrix4x4_identity",
            Some(V::Matrix4x4(Box::new(std::array::from_fn(|i| if i % 5 == 0 { 1.0 } else { 0.0 })))),
        ),
        ("qmatrix4x4", Some(V::Matrix4x4(Box::new(std::array::from_fn(|i| (i + 1) as f32))))),
        ("qtransform_identity", Some(V::Transform(IDENTITY))),
        ("qtransform", Some(V::Transform([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]))),
        // Ctrl+S, Alt+X: key | modifier.
        ("qkeysequence", Some(V::KeySequence(vec![0x0400_0053, 0x0800_0058]))),
        ("qkeysequence_empty", Some(V::KeySequence(vec![]))),
        ("qregion_empty", Some(V::Region(vec![]))),
        ("qregion_rect", Some(V::Region(vec![Rect::new(1, 2, 3, 4)]))),
        ("qregion_two", Some(V::Region(vec![Rect::new(0, 0, 10, 10), Rect::new(20, 20, 5, 5)]))),
        ("qbrush_none", Some(brush(0, rgb(0, 0, 0), None))),
        ("qbrush_solid", Some(brush(1, rgb(10, 20, 30), None))),
        ("qbrush_dense", Some(brush(5, rgb(10, 20, 30), None))),
        (
            "qbrush_linear",
            Some(brush(
                15,
                no_color(),
                Some(Gradient {
                    kind: GradientKind::Linear { start: pf(0.0, 0.0), final_stop: pf(100.0, 50.0) },
                    spread: 1,
                    coordinate_mode: 0,
                    interpolation_mode: 0,
                    stops: vec![(0.0, rgb(255, 0, 0)), (1.0, Color::rgba(0, 0, 255, 128))],
                }),
            )),
        ),
        (
            "qbrush_radial",
            Some(brush(
                16,
                no_color(),
                Some(Gradient {
                    // Qt 5 streams no focal radius.
                    kind: GradientKind::Radial {
                        center: pf(10.0, 20.0),
                        focal: pf(12.0, 22.0),
                        radius: 30.0,
                        focal_radius: if qt6 { 2.0 } else { 0.0 },
                    },
                    spread: 0,
                    coordinate_mode: 2,
                    interpolation_mode: 0,
                    stops: vec![(0.5, rgb(1, 2, 3))],
                }),
            )),
        ),
        (
            "qbrush_conical",
            Some(brush(
                17,
                no_color(),
                Some(Gradient {
                    kind: GradientKind::Conical { center: pf(5.0, 6.0), angle: 45.0 },
                    spread: 0,
                    coordinate_mode: 0,
                    interpolation_mode: 0,
                    stops: vec![(0.0, rgb(0, 0, 0)), (1.0, rgb(255, 255, 255))],
                }),
            )),
        ),
        (
            "qbrush_transform",
            Some(V::Brush(Box::new(Brush {
                transform: [2.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0],
                ..Brush::solid(rgb(9, 8, 7))
            }))),
        ),
        // SolidLine | SquareCap | BevelJoin; Qt 5 streams its "default width" flag set.
        ("qpen_default", Some(pen(0x51, false, 1.0, rgb(0, 0, 0), 2.0, vec![], 0.0, !qt6))),
        // DashLine | RoundCap | MiterJoin: Qt streams the dash line's pattern.
        ("qpen", Some(pen(0x22, true, 2.5, rgb(1, 2, 3), 3.0, vec![4.0, 2.0], 0.0, false))),
        // CustomDashLine | SquareCap | BevelJoin.
        ("qpen_custom_dash", Some(pen(0x56, false, 1.0, rgb(4, 5, 6), 2.0, vec![1.0, 2.0, 3.0, 4.0], 0.5, !qt6))),
        ("qfont_default", None),
        ("qfont", None),
        ("qfont_pixel", None),
        ("qimage_null", Some(V::Image(Image::NULL))),
        ("qimage", None),
        ("qpixmap", None),
    ]
}

/// The fields of the font cases that do not depend on the fonts the machine has.
fn check_font(name: &str, v: &Value, dialect: Dialect) {
    let Value::Font(f) = v else { panic!("{name}: not a font: {v:?}") };
    let (normal, bold) = if dialect == Dialect::Qt6 { (400, 700) } else { (50, 75) };
    match name {
        "qfont" => {
            assert_eq!(f.family.as_deref(), Some("DejaVu Sans"));
            assert_eq!((f.point_size, f.pixel_size, f.weight), (12.0, -1, bold));
            assert_eq!(f.letter_spacing, 96, "1.5 in 1/64 units");
            assert_eq!(f.bits & 0x03, 0x03, "italic and underline");
        }
        "qfont_pixel" => {
            assert_eq!(f.family.as_deref(), Some("Mono"));
            assert_eq!(
                (f.point_size, f.pixel_size, f.weight, f.style_hint, f.capitalization),
                (-1.0, 17, normal, 7, 3)
            );
        }
        _ => assert_eq!((f.pixel_size, f.weight), (-1, normal)),
    }
    if dialect == Dialect::Qt6 {
        assert_eq!(f.families.first(), Some(&f.family), "{name}: Qt 6 streams the families too");
    }
}

fn check(qt_major: u32, dialect: Dialect, streams: &[(&str, ByteOrder)]) {
    let rows = rows(qt_major);
    let table = expected(dialect);
    let want: BTreeSet<(String, String)> =
        table.iter().flat_map(|(n, _)| streams.iter().map(move |(s, _)| (n.to_string(), s.to_string()))).collect();
    let got: BTreeSet<(String, String)> = rows.keys().cloned().collect();
    assert_eq!(want, got, "Qt {qt_major}: the cases printed differ from the table");
    let types = TypeRegistry::new(dialect);
    for (name, expected) in &table {
        for (stream, order) in streams {
            let bytes = &rows[&(name.to_string(), stream.to_string())];
            let decoded = from_bytes(bytes.clone(), dialect, *order, &types)
                .unwrap_or_else(|e| panic!("Qt {qt_major} {name}/{stream}: {e} ({})", hex::encode(bytes)));
            match (expected, name) {
                (Some(v), _) => assert_eq!(&decoded, v, "Qt {qt_major} {name}/{stream}"),
                (None, n) if n.starts_with("qfont") => check_font(n, &decoded, dialect),
                (None, _) => {
                    let (Value::Image(i) | Value::Pixmap(i)) = &decoded else { panic!("{name}: {decoded:?}") };
                    assert_eq!(i.to_rgba().unwrap(), Some((2, 2, PIXELS.to_vec())), "Qt {qt_major} {name}/{stream}");
                }
            }
            let again = to_bytes_plain(&decoded, dialect, *order).unwrap();
            assert_eq!(hex::encode(&again), hex::encode(bytes), "Qt {qt_major} {name}/{stream}: re-encoded");
            if let Some(v) = expected {
                assert_eq!(
                    hex::encode(to_bytes_plain(v, dialect, *order).unwrap()),
                    hex::encode(bytes),
                    "Qt {qt_major} {name}/{stream}: encoded"
                );
            }
        }
    }
}

#[test]
fn qt6_gui_vectors_are_byte_exact() {
    check(6, Dialect::Qt6, &[("le", ByteOrder::Little), ("be", ByteOrder::Big)]);
}

#[test]
fn qt5_gui_vectors_are_byte_exact() {
    check(5, Dialect::Qt5, &[("be", ByteOrder::Big)]);
}

/// An image made from pixels here is one Qt reads (the PNG goes in the stream as Qt's does).
#[test]
fn images_from_pixels_round_trip() {
    let img = Image::from_rgba(2, 2, &PIXELS).unwrap();
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let bytes = to_bytes_plain(&Value::Image(img.clone()), dialect, ByteOrder::Big).unwrap();
        let back = from_bytes(bytes, dialect, ByteOrder::Big, &TypeRegistry::new(dialect)).unwrap();
        assert_eq!(back, Value::Image(img.clone()));
    }
}

/// A brush whose streamed style names one gradient and whose gradient is of another type: Qt
/// builds the brush from the gradient it reads, and so do we — checked by having stock Qt read
/// the crafted bytes and write them again, which must equal what we make of them.
fn crafted_gradient_brushes(qt_major: u32, dialect: Dialect, streams: &[(&str, ByteOrder)]) {
    let kinds = [
        GradientKind::Linear { start: pf(0.0, 0.0), final_stop: pf(1.0, 1.0) },
        GradientKind::Radial { center: pf(5.0, 5.0), focal: pf(4.0, 4.0), radius: 3.0, focal_radius: 0.0 },
        GradientKind::Conical { center: pf(2.0, 2.0), angle: 45.0 },
    ];
    let types = TypeRegistry::new(dialect);
    for (stream, order) in streams {
        for (k, kind) in kinds.iter().enumerate() {
            let gradient = Gradient {
                kind: *kind,
                spread: 1,
                coordinate_mode: 0,
                interpolation_mode: 0,
                stops: vec![(0.0, rgb(1, 2, 3)), (1.0, rgb(200, 100, 50))],
            };
            let right_style = 15 + k as u8;
            let mut bytes =
                to_bytes_plain(&brush(right_style, no_color(), Some(gradient)), dialect, *order).unwrap().to_vec();
            // The QVariant header (type id, null flag), then the style byte.
            assert_eq!(bytes[5], right_style);
            for style in [15u8, 16, 17] {
                bytes[5] = style;
                let out = qt_build::run_checked(Command::new(program(qt_major)).args([
                    "--reread",
                    stream,
                    &hex::encode(&bytes),
                ]));
                let qt = String::from_utf8(out.stdout).unwrap().trim().to_owned();
                let ours = from_bytes(bytes.clone(), dialect, *order, &types)
                    .unwrap_or_else(|e| panic!("Qt {qt_major} style {style} gradient {k}: {e}"));
                let Value::Brush(b) = &ours else { panic!("{ours:?}") };
                assert_eq!(b.style, right_style, "Qt {qt_major}/{stream}: the gradient decides the style");
                assert_eq!(
                    hex::encode(to_bytes_plain(&ours, dialect, *order).unwrap()),
                    qt,
                    "Qt {qt_major}/{stream}: style {style} streamed with gradient type {k}"
                );
            }
        }
    }
}

#[test]
fn qt6_reads_crafted_gradient_brushes_as_we_do() {
    crafted_gradient_brushes(6, Dialect::Qt6, &[("le", ByteOrder::Little), ("be", ByteOrder::Big)]);
}

#[test]
fn qt5_reads_crafted_gradient_brushes_as_we_do() {
    crafted_gradient_brushes(5, Dialect::Qt5, &[("be", ByteOrder::Big)]);
}
