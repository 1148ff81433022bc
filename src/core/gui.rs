//! The QtGui value types a QVariant can hold, with their QDataStream formats (stream versions
//! 18 and 20, as QtRO uses them): QColor, QBrush, QPen, QFont, QPolygon(F), QRegion,
//! QTransform, QMatrix4x4, QVector2D/3D/4D, QQuaternion, QKeySequence, QImage and QPixmap.
//!
//! Each is kept as the fields Qt streams, so a decoded value re-encodes to the same bytes
//! (`tests/qt_gui_datastream.rs` checks every one against stock Qt 6.4 and 5.15). Where a
//! format differs between the versions (a radial gradient's focal radius, a font's family list)
//! the dialect decides. QImage and QPixmap travel as PNG files inside the stream, with no length
//! before them: the reader walks the PNG's chunks to its end. [`Image`] converts to and from
//! RGBA pixels with the `png` crate.
//!
//! # Example
//!
//! A QColor's bytes, and an image made from RGBA pixels:
//!
//! ```
//! use bytes::BytesMut;
//! use qtro_rs::core::gui::{Color, Image};
//! use qtro_rs::core::stream::Writer;
//! use qtro_rs::core::variant::Encoder;
//! use qtro_rs::core::{ByteOrder, Dialect, Value};
//!
//! // `QDataStream << QColor(255, 0, 0)`: the spec (1, RGB), then alpha, red, green, blue and
//! // padding, 16 bits each.
//! let red = Color::rgba(255, 0, 0, 255);
//! let mut buf = BytesMut::new();
//! let mut w = Writer::new(&mut buf, ByteOrder::Big);
//! Encoder::new(Dialect::Qt6).raw(&mut w, &Value::Color(red))?;
//! assert_eq!(&buf[..], [1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
//! assert_eq!(red.to_rgba8(), Some((255, 0, 0, 255)));
//!
//! // A QImage travels as a PNG file.
//! let pixels = [255, 0, 0, 255, 0, 0, 255, 128]; // 2×1: red, half-transparent blue
//! let image = Image::from_rgba(2, 1, &pixels)?;
//! assert!(image.png.as_ref().is_some_and(|png| png.starts_with(b"\x89PNG")));
//! assert_eq!(image.to_rgba()?, Some((2, 1, pixels.to_vec())));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::dialect::Dialect;
use super::error::{DecodeError, DecodeResult, EncodeError, EncodeResult};
use super::stream::{Reader, Writer};
use super::value::{Point, PointF, Rect};

/// `QColor`: its spec and five 16-bit components, as Qt stores and streams them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Color {
    /// `QColor::Spec`: 0 invalid, 1 RGB, 2 HSV, 3 CMYK, 4 HSL, 5 extended RGB.
    pub spec: i8,
    /// Alpha, 0..=65535 (extended RGB: a half-precision float).
    pub alpha: u16,
    /// RGB: red, green, blue, 0; HSV/HSL: hue × 100, saturation, value/lightness, 0; CMYK:
    /// cyan, magenta, yellow, black; each 0..=65535. Extended RGB: half-precision floats.
    pub components: [u16; 4],
}

impl Color {
    /// An invalid color, as `QColor()`.
    pub const INVALID: Color = Color { spec: 0, alpha: 0xffff, components: [0; 4] };

    /// An RGB color from 8-bit components (`QColor(r, g, b, a)`).
    pub fn rgba(r: u8, g: u8, b: u8, a: u8) -> Color {
        let w = |v: u8| v as u16 * 0x101;
        Color { spec: 1, alpha: w(a), components: [w(r), w(g), w(b), 0] }
    }

    /// The 8-bit `(r, g, b, a)` of an RGB color; `None` for other specs.
    pub fn to_rgba8(&self) -> Option<(u8, u8, u8, u8)> {
        let n = |v: u16| (v >> 8) as u8;
        (self.spec == 1).then(|| (n(self.components[0]), n(self.components[1]), n(self.components[2]), n(self.alpha)))
    }

    pub(crate) fn read(r: &mut Reader) -> DecodeResult<Color> {
        let spec = r.i8()?;
        let alpha = r.u16()?;
        let mut components = [0u16; 4];
        for c in &mut components {
            *c = r.u16()?;
        }
        Ok(Color { spec, alpha, components })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.i8(self.spec);
        w.u16(self.alpha);
        for c in self.components {
            w.u16(c);
        }
    }
}

/// A 3×3 transformation matrix (`QTransform`), row by row: m11 m12 m13, m21 m22 m23, dx dy m33.
pub type Transform = [f64; 9];

/// The identity [`Transform`].
pub const IDENTITY: Transform = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];

fn read_transform(r: &mut Reader) -> DecodeResult<Transform> {
    let mut t = [0.0; 9];
    for v in &mut t {
        *v = r.f64()?;
    }
    Ok(t)
}

fn write_transform(w: &mut Writer, t: &Transform) {
    for v in t {
        w.f64(*v);
    }
}

fn read_point_f(r: &mut Reader) -> DecodeResult<PointF> {
    Ok(PointF { x: r.f64()?, y: r.f64()? })
}

fn write_point_f(w: &mut Writer, p: PointF) {
    w.f64(p.x);
    w.f64(p.y);
}

/// The geometry of a gradient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum GradientKind {
    /// `QLinearGradient`.
    Linear {
        /// Where the gradient starts.
        start: PointF,
        /// Where it ends.
        final_stop: PointF,
    },
    /// `QRadialGradient`. `focal_radius` travels in Qt 6 streams only (Qt 5 reads it as 0).
    Radial {
        /// The center.
        center: PointF,
        /// The focal point.
        focal: PointF,
        /// The center radius.
        radius: f64,
        /// The focal radius.
        focal_radius: f64,
    },
    /// `QConicalGradient`.
    Conical {
        /// The center.
        center: PointF,
        /// The start angle (`QConicalGradient::angle`).
        angle: f64,
    },
}

/// `QGradient`: a linear, radial or conical gradient of a [`Brush`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gradient {
    /// Its type and geometry.
    pub kind: GradientKind,
    /// `QGradient::Spread`: 0 pad, 1 reflect, 2 repeat.
    pub spread: i32,
    /// `QGradient::CoordinateMode`: 0 logical, 1 stretch to device, 2 object bounding, 3 object.
    pub coordinate_mode: i32,
    /// `QGradient::InterpolationMode`: 0 color, 1 component.
    pub interpolation_mode: i32,
    /// (position 0..1, color) in order.
    pub stops: Vec<(f64, Color)>,
}

/// `QBrush`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brush {
    /// `Qt::BrushStyle` (0 none, 1 solid, … 15-17 gradients, 24 texture).
    pub style: u8,
    /// The brush color.
    pub color: Color,
    /// For the gradient styles (15, 16, 17).
    pub gradient: Option<Gradient>,
    /// For the texture style (24): the texture image.
    pub texture: Option<Image>,
    /// The brush's transformation matrix.
    pub transform: Transform,
}

impl Brush {
    /// A solid brush of `color`.
    pub fn solid(color: Color) -> Brush {
        Brush { style: 1, color, gradient: None, texture: None, transform: IDENTITY }
    }

    fn read(r: &mut Reader, dialect: Dialect, limit: u32) -> DecodeResult<Brush> {
        let mut style = r.u8()?;
        let color = Color::read(r)?;
        let mut gradient = None;
        let mut texture = None;
        match style {
            24 => texture = Some(Image::read(r)?),
            15..=17 => {
                let kind = r.i32()?;
                let spread = r.i32()?;
                let coordinate_mode = r.i32()?;
                let interpolation_mode = r.i32()?;
                let n = r.count("gradient stops", 24, limit)?;
                let mut stops = Vec::with_capacity(n);
                for _ in 0..n {
                    stops.push((r.f64()?, Color::read(r)?));
                }
                // Qt builds the brush from the gradient (`QBrush(gradient)`): its type decides the
                // style, whichever gradient style was streamed before it.
                if let Ok(k @ 0..=2) = u8::try_from(kind) {
                    style = 15 + k;
                }
                let kind = match kind {
                    0 => GradientKind::Linear { start: read_point_f(r)?, final_stop: read_point_f(r)? },
                    1 => {
                        let (center, focal, radius) = (read_point_f(r)?, read_point_f(r)?, r.f64()?);
                        let focal_radius = if dialect == Dialect::Qt6 { r.f64()? } else { 0.0 };
                        GradientKind::Radial { center, focal, radius, focal_radius }
                    }
                    2 => GradientKind::Conical { center: read_point_f(r)?, angle: r.f64()? },
                    k => return Err(DecodeError::Invalid { what: "QBrush", detail: format!("gradient type {k}") }),
                };
                gradient = Some(Gradient { kind, spread, coordinate_mode, interpolation_mode, stops });
            }
            _ => {}
        }
        Ok(Brush { style, color, gradient, texture, transform: read_transform(r)? })
    }

    fn write(&self, w: &mut Writer, dialect: Dialect) -> EncodeResult<()> {
        w.u8(self.style);
        self.color.write(w);
        match (self.style, &self.gradient, &self.texture) {
            (24, _, Some(t)) => t.write(w),
            (24, _, None) => return Err(EncodeError::InvalidValue("a texture brush without its image".into())),
            (15..=17, Some(g), _) => {
                let kind = match g.kind {
                    GradientKind::Linear { .. } => 0,
                    GradientKind::Radial { .. } => 1,
                    GradientKind::Conical { .. } => 2,
                };
                if kind != self.style as i32 - 15 {
                    return Err(EncodeError::InvalidValue(format!(
                        "brush style {} with a gradient of type {kind}",
                        self.style
                    )));
                }
                for v in [kind, g.spread, g.coordinate_mode, g.interpolation_mode] {
                    w.i32(v);
                }
                w.count("gradient stops", g.stops.len())?;
                for (pos, c) in &g.stops {
                    w.f64(*pos);
                    c.write(w);
                }
                match g.kind {
                    GradientKind::Linear { start, final_stop } => {
                        write_point_f(w, start);
                        write_point_f(w, final_stop);
                    }
                    GradientKind::Radial { center, focal, radius, focal_radius } => {
                        write_point_f(w, center);
                        write_point_f(w, focal);
                        w.f64(radius);
                        if dialect == Dialect::Qt6 {
                            w.f64(focal_radius);
                        }
                    }
                    GradientKind::Conical { center, angle } => {
                        write_point_f(w, center);
                        w.f64(angle);
                    }
                }
            }
            (15..=17, None, _) => {
                return Err(EncodeError::InvalidValue(format!("brush style {} without its gradient", self.style)))
            }
            _ => {}
        }
        write_transform(w, &self.transform);
        Ok(())
    }
}

/// `QPen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pen {
    /// `Qt::PenStyle | Qt::PenCapStyle | Qt::PenJoinStyle` (a default pen: 0x51).
    pub style: u16,
    /// `QPen::isCosmetic`.
    pub cosmetic: bool,
    /// The width.
    pub width: f64,
    /// The brush that fills strokes.
    pub brush: Brush,
    /// The miter limit.
    pub miter_limit: f64,
    /// The custom dash pattern (empty for none).
    pub dash_pattern: Vec<f64>,
    /// The dash offset.
    pub dash_offset: f64,
    /// Qt's "width not set" flag, as streamed.
    pub default_width: bool,
}

impl Pen {
    fn read(r: &mut Reader, dialect: Dialect, limit: u32) -> DecodeResult<Pen> {
        let style = r.u16()?;
        let cosmetic = r.bool()?;
        let width = r.f64()?;
        let brush = Brush::read(r, dialect, limit)?;
        let miter_limit = r.f64()?;
        let n = r.count("dash pattern", 8, limit)?;
        let dash_pattern = (0..n).map(|_| r.f64()).collect::<DecodeResult<_>>()?;
        Ok(Pen {
            style,
            cosmetic,
            width,
            brush,
            miter_limit,
            dash_pattern,
            dash_offset: r.f64()?,
            default_width: r.bool()?,
        })
    }

    fn write(&self, w: &mut Writer, dialect: Dialect) -> EncodeResult<()> {
        w.u16(self.style);
        w.bool(self.cosmetic);
        w.f64(self.width);
        self.brush.write(w, dialect)?;
        w.f64(self.miter_limit);
        w.count("dash pattern", self.dash_pattern.len())?;
        for d in &self.dash_pattern {
            w.f64(*d);
        }
        w.f64(self.dash_offset);
        w.bool(self.default_width);
        Ok(())
    }
}

/// `QFont`: the font request as Qt streams it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Font {
    /// The family name.
    pub family: Option<String>,
    /// The style name (`QFont::styleName`).
    pub style_name: Option<String>,
    /// Point size, -1 when the size is in pixels.
    pub point_size: f64,
    /// Pixel size, -1 when the size is in points.
    pub pixel_size: i32,
    /// `QFont::StyleHint`.
    pub style_hint: u8,
    /// `QFont::StyleStrategy`.
    pub style_strategy: u16,
    /// Qt 6: the OpenType weight (400 normal, 700 bold); Qt 5: Qt's own scale (50 normal, 75 bold).
    pub weight: u16,
    /// Italic, underline, overline, strike-out, fixed pitch… (`get_font_bits`).
    pub bits: u8,
    /// `QFont::stretch`.
    pub stretch: u16,
    /// Which spacings and other extended attributes are set.
    pub extended_bits: u8,
    /// Letter and word spacing in 1/64 units.
    pub letter_spacing: i32,
    /// Word spacing, in 1/64 units.
    pub word_spacing: i32,
    /// `QFont::HintingPreference`.
    pub hinting_preference: u8,
    /// `QFont::Capitalization`.
    pub capitalization: u8,
    /// The families the stream carries: in Qt 6 every family of the request (the first is
    /// [`Font::family`]); in Qt 5 streams of version 19 (QtRO's nested ones) the families after
    /// the first; none in Qt 5's version 18 (QtRO's outer stream).
    pub families: Vec<Option<String>>,
}

impl Font {
    /// `families`: whether the stream carries the family list (Qt 6, and Qt 5 streams of
    /// version 19 and later, as QtRO's nested ones).
    fn read(r: &mut Reader, families: bool, limit: u32) -> DecodeResult<Font> {
        let mut f = Font {
            family: r.qstring()?,
            style_name: r.qstring()?,
            point_size: r.f64()?,
            pixel_size: r.i32()?,
            style_hint: r.u8()?,
            style_strategy: r.u16()?,
            weight: r.u16()?,
            bits: r.u8()?,
            stretch: r.u16()?,
            extended_bits: r.u8()?,
            letter_spacing: r.i32()?,
            word_spacing: r.i32()?,
            hinting_preference: r.u8()?,
            capitalization: r.u8()?,
            families: Vec::new(),
        };
        if families {
            let n = r.count("font families", 4, limit)?;
            f.families = (0..n).map(|_| r.qstring()).collect::<DecodeResult<_>>()?;
        }
        Ok(f)
    }

    fn write(&self, w: &mut Writer, families: bool) -> EncodeResult<()> {
        w.qstring(self.family.as_deref())?;
        w.qstring(self.style_name.as_deref())?;
        w.f64(self.point_size);
        w.i32(self.pixel_size);
        w.u8(self.style_hint);
        w.u16(self.style_strategy);
        w.u16(self.weight);
        w.u8(self.bits);
        w.u16(self.stretch);
        w.u8(self.extended_bits);
        w.i32(self.letter_spacing);
        w.i32(self.word_spacing);
        w.u8(self.hinting_preference);
        w.u8(self.capitalization);
        if families {
            w.count("font families", self.families.len())?;
            for f in &self.families {
                w.qstring(f.as_deref())?;
            }
        }
        Ok(())
    }
}

/// `QImage` (and `QPixmap`, which streams as one): a PNG file, or nothing for a null image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Image {
    /// The PNG file as it travels; `None` for a null image.
    pub png: Option<Bytes>,
}

/// The PNG file signature.
const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

impl Image {
    /// A null image.
    pub const NULL: Image = Image { png: None };

    /// An image from 8-bit RGBA pixels, row by row (encoded as PNG).
    pub fn from_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Image, String> {
        if rgba.len() as u64 != width as u64 * height as u64 * 4 || width == 0 || height == 0 {
            return Err(format!("{} bytes are not {width}×{height} RGBA pixels", rgba.len()));
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgba).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        Ok(Image { png: Some(out.into()) })
    }

    /// `(width, height, RGBA pixels)`; `None` for a null image. Every PNG color type is
    /// expanded to 8-bit RGBA.
    pub fn to_rgba(&self) -> Result<Option<(u32, u32, Vec<u8>)>, String> {
        let Some(png) = &self.png else { return Ok(None) };
        let mut dec = png::Decoder::new(std::io::Cursor::new(png.as_ref()));
        dec.set_transformations(png::Transformations::normalize_to_color8() | png::Transformations::ALPHA);
        let mut reader = dec.read_info().map_err(|e| e.to_string())?;
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
        buf.truncate(info.buffer_size());
        let rgba = match info.color_type {
            png::ColorType::Rgba => buf,
            png::ColorType::GrayscaleAlpha => buf.chunks(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
            other => return Err(format!("unexpected PNG color type {other:?} after expansion")),
        };
        Ok(Some((info.width, info.height, rgba)))
    }

    pub(crate) fn read(r: &mut Reader) -> DecodeResult<Image> {
        if r.i32()? == 0 {
            return Ok(Image::NULL);
        }
        // The PNG is not length-prefixed: walk its chunks (length, type, data, CRC) to IEND.
        let start = r.position();
        let mut probe = r.clone();
        if probe.take_bytes(8, "PNG signature")?.as_ref() != PNG_SIGNATURE {
            return Err(DecodeError::Invalid { what: "QImage", detail: "not a PNG image".into() });
        }
        let mut len = 8usize;
        loop {
            let n = probe.take_bytes(4, "PNG chunk")?;
            let n = u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize;
            let kind = probe.take_bytes(4, "PNG chunk")?;
            probe.skip(
                n.checked_add(4).ok_or(DecodeError::Invalid { what: "QImage", detail: "chunk too long".into() })?,
                "PNG chunk",
            )?;
            len += 12 + n;
            if kind.as_ref() == b"IEND" {
                break;
            }
        }
        debug_assert_eq!(probe.position(), start + len);
        Ok(Image { png: Some(r.take_bytes(len, "PNG image")?) })
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        match &self.png {
            None => w.i32(0),
            Some(png) => {
                w.i32(1);
                w.raw(png);
            }
        }
    }
}

/// Reads the payload of QtGui value `kind` (after its QVariant header).
pub(crate) fn read(
    kind: super::types::Builtin,
    r: &mut Reader,
    dialect: Dialect,
    font_families: bool,
    limit: u32,
) -> DecodeResult<super::value::Value> {
    use super::types::Builtin as B;
    use super::value::Value as V;
    let floats = |r: &mut Reader, n: usize| -> DecodeResult<Vec<f32>> { (0..n).map(|_| Ok(r.f64()? as f32)).collect() };
    Ok(match kind {
        B::Color => V::Color(Color::read(r)?),
        B::Brush => V::Brush(Box::new(Brush::read(r, dialect, limit)?)),
        B::Pen => V::Pen(Box::new(Pen::read(r, dialect, limit)?)),
        B::Font => V::Font(Box::new(Font::read(r, font_families, limit)?)),
        B::Image => V::Image(Image::read(r)?),
        B::Pixmap => V::Pixmap(Image::read(r)?),
        B::Polygon => {
            let n = r.count("QPolygon", 8, limit)?;
            V::Polygon((0..n).map(|_| Ok(Point { x: r.i32()?, y: r.i32()? })).collect::<DecodeResult<_>>()?)
        }
        B::PolygonF => {
            let n = r.count("QPolygonF", 16, limit)?;
            V::PolygonF((0..n).map(|_| read_point_f(r)).collect::<DecodeResult<_>>()?)
        }
        B::Region => {
            // Empty: 0; else the byte size, the QRGN_RECTS marker (10), the count, the rects.
            let size = r.u32()?;
            if size == 0 {
                V::Region(Vec::new())
            } else {
                let marker = r.i32()?;
                let n = r.count("QRegion", 16, limit)?;
                if marker != 10 || size as u64 != 8 + 16 * n as u64 {
                    return Err(DecodeError::Invalid {
                        what: "QRegion",
                        detail: format!("size {size}, marker {marker}, {n} rects"),
                    });
                }
                V::Region(
                    (0..n)
                        .map(|_| Ok(Rect { left: r.i32()?, top: r.i32()?, right: r.i32()?, bottom: r.i32()? }))
                        .collect::<DecodeResult<_>>()?,
                )
            }
        }
        B::Transform => V::Transform(read_transform(r)?),
        B::Matrix4x4 => V::Matrix4x4(Box::new(floats(r, 16)?.try_into().expect("16 values"))),
        B::Vector2D => V::Vector2D(floats(r, 2)?.try_into().expect("2 values")),
        B::Vector3D => V::Vector3D(floats(r, 3)?.try_into().expect("3 values")),
        B::Vector4D => V::Vector4D(floats(r, 4)?.try_into().expect("4 values")),
        B::Quaternion => V::Quaternion(floats(r, 4)?.try_into().expect("4 values")),
        B::KeySequence => {
            let n = r.u32()?;
            if n != 1 && n != 4 {
                return Err(DecodeError::Invalid { what: "QKeySequence", detail: format!("{n} keys") });
            }
            let mut keys: Vec<u32> = (0..n).map(|_| r.u32()).collect::<DecodeResult<_>>()?;
            while keys.last() == Some(&0) {
                keys.pop();
            }
            V::KeySequence(keys)
        }
        _ => unreachable!("not a QtGui type: {kind:?}"),
    })
}

/// Writes the payload of a QtGui value (after its QVariant header).
pub(crate) fn write(
    v: &super::value::Value,
    w: &mut Writer,
    dialect: Dialect,
    font_families: bool,
) -> EncodeResult<()> {
    use super::value::Value as V;
    let floats = |w: &mut Writer, f: &[f32]| f.iter().for_each(|x| w.f64(*x as f64));
    match v {
        V::Color(c) => c.write(w),
        V::Brush(b) => b.write(w, dialect)?,
        V::Pen(p) => p.write(w, dialect)?,
        V::Font(f) => f.write(w, font_families)?,
        V::Image(i) | V::Pixmap(i) => i.write(w),
        V::Polygon(points) => {
            w.count("QPolygon", points.len())?;
            for p in points {
                w.i32(p.x);
                w.i32(p.y);
            }
        }
        V::PolygonF(points) => {
            w.count("QPolygonF", points.len())?;
            points.iter().for_each(|p| write_point_f(w, *p));
        }
        V::Region(rects) if rects.is_empty() => w.u32(0),
        V::Region(rects) => {
            let size = rects.len().checked_mul(16).and_then(|n| n.checked_add(8)).filter(|n| *n < u32::MAX as usize);
            let size = size.ok_or(EncodeError::TooLong { what: "QRegion", len: rects.len() })?;
            w.u32(size as u32);
            w.i32(10);
            w.count("QRegion", rects.len())?;
            for r in rects {
                for v in [r.left, r.top, r.right, r.bottom] {
                    w.i32(v);
                }
            }
        }
        V::Transform(t) => write_transform(w, t),
        V::Matrix4x4(m) => floats(w, &m[..]),
        V::Vector2D(v) => floats(w, v),
        V::Vector3D(v) => floats(w, v),
        V::Vector4D(v) | V::Quaternion(v) => floats(w, v),
        V::KeySequence(keys) => {
            if keys.len() > 4 {
                return Err(EncodeError::InvalidValue(format!(
                    "a QKeySequence has at most 4 keys, not {}",
                    keys.len()
                )));
            }
            // Qt writes one key, or all four when there is more than one.
            let n = if keys.len() > 1 { 4 } else { 1 };
            w.u32(n as u32);
            for i in 0..n {
                w.u32(keys.get(i).copied().unwrap_or(0));
            }
        }
        other => unreachable!("not a QtGui value: {}", other.type_name()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_convert_to_and_from_rgba() {
        let pixels = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 0, 0, 0, 0];
        let img = Image::from_rgba(2, 2, &pixels).unwrap();
        assert_eq!(img.to_rgba().unwrap(), Some((2, 2, pixels.to_vec())));
        assert!(Image::from_rgba(3, 2, &pixels).is_err());
        assert_eq!(Image::NULL.to_rgba().unwrap(), None);
    }

    /// Qt makes the brush from the gradient it reads: a radial style streamed before a linear
    /// gradient is a linear brush (found by fuzzing: it used to decode as given and then refuse
    /// to encode).
    #[test]
    fn a_gradients_type_decides_the_brush_style() {
        use crate::core::variant::{from_bytes, to_bytes_plain};
        use crate::core::{ByteOrder, TypeRegistry, Value};
        let gradient = Gradient {
            kind: GradientKind::Linear { start: PointF { x: 0.0, y: 0.0 }, final_stop: PointF { x: 1.0, y: 1.0 } },
            spread: 0,
            coordinate_mode: 0,
            interpolation_mode: 0,
            stops: vec![(0.0, Color::rgba(1, 2, 3, 255))],
        };
        let linear = Brush { style: 15, gradient: Some(gradient), ..Brush::solid(Color::rgba(0, 0, 0, 255)) };
        let types = TypeRegistry::new(Dialect::Qt6);
        let mut bytes =
            to_bytes_plain(&Value::Brush(Box::new(linear.clone())), Dialect::Qt6, ByteOrder::Big).unwrap().to_vec();
        // The QVariant header (type id, null flag), then the style.
        assert_eq!(bytes[5], 15);
        bytes[5] = 16;
        let read = from_bytes(bytes, Dialect::Qt6, ByteOrder::Big, &types).unwrap();
        assert_eq!(read, Value::Brush(Box::new(linear)));
        assert!(to_bytes_plain(&read, Dialect::Qt6, ByteOrder::Big).is_ok());
    }

    #[test]
    fn colors_scale_8_bit_components_as_qt() {
        let c = Color::rgba(1, 2, 3, 255);
        assert_eq!((c.alpha, c.components), (0xffff, [0x0101, 0x0202, 0x0303, 0]));
        assert_eq!(c.to_rgba8(), Some((1, 2, 3, 255)));
    }
}
