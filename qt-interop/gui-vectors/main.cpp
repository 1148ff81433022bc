// Reference vectors for the QtGui value types, written by STOCK Qt.
//
// Like qt-interop/datastream-vectors (same output: `<case> TAB <stream> TAB <hex>` per stream
// configuration QtRO uses), for the QtGui types a QVariant can hold: QColor, QBrush (solid and
// gradients), QPen, QFont, QPolygon(F), QRegion, QTransform, QMatrix4x4, QVector2D/3D/4D,
// QQuaternion, QKeySequence, QImage and QPixmap. Every value is written, read back and written
// again; the bytes must not change, and any Qt warning is fatal. Runs on the offscreen platform.

#include <QtCore/QDataStream>
#include <QtCore/QIODevice>
#include <QtCore/QVariant>
#include <QtGui/QBrush>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtGui/QKeySequence>
#include <QtGui/QMatrix4x4>
#include <QtGui/QPen>
#include <QtGui/QPixmap>
#include <QtGui/QPolygon>
#include <QtGui/QPolygonF>
#include <QtGui/QQuaternion>
#include <QtGui/QRegion>
#include <QtGui/QTransform>
#include <QtGui/QVector2D>
#include <QtGui/QVector3D>
#include <QtGui/QVector4D>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

struct Case
{
    const char *name;
    std::function<QVariant()> make;
};

QImage smallImage()
{
    QImage img(2, 2, QImage::Format_ARGB32);
    img.setPixel(0, 0, qRgba(255, 0, 0, 255));
    img.setPixel(1, 0, qRgba(0, 255, 0, 128));
    img.setPixel(0, 1, qRgba(0, 0, 255, 255));
    img.setPixel(1, 1, qRgba(0, 0, 0, 0));
    return img;
}

std::vector<Case> cases()
{
    return {
        {"qcolor_rgb", [] { return QVariant(QColor(1, 2, 3)); }},
        {"qcolor_rgba", [] { return QVariant(QColor(255, 128, 0, 64)); }},
        {"qcolor_invalid", [] { return QVariant(QColor()); }},
        {"qcolor_hsv", [] { return QVariant(QColor::fromHsv(120, 200, 100)); }},
        {"qcolor_cmyk", [] { return QVariant(QColor::fromCmyk(10, 20, 30, 40)); }},
        {"qcolor_hsl", [] { return QVariant(QColor::fromHsl(300, 100, 50, 200)); }},
        {"qcolor_extended", [] { return QVariant(QColor::fromRgbF(1.5f, 0.25f, -0.5f, 1.0f)); }},
        {"qpolygon", [] { return QVariant(QPolygon(QVector<QPoint>{QPoint(1, 2), QPoint(-3, 4)})); }},
        {"qpolygon_empty", [] { return QVariant(QPolygon()); }},
        {"qpolygonf", [] { return QVariant(QPolygonF(QVector<QPointF>{QPointF(0.5, 1.5), QPointF(-2, 3)})); }},
        {"qvector2d", [] { return QVariant(QVector2D(1.5f, -2.0f)); }},
        {"qvector3d", [] { return QVariant(QVector3D(1.0f, 2.0f, 3.25f)); }},
        {"qvector4d", [] { return QVariant(QVector4D(1, 2, 3, 4)); }},
        {"qquaternion", [] { return QVariant(QQuaternion(0.5f, 1.0f, 2.0f, 3.0f)); }},
        {"qmatrix4x4_identity", [] { return QVariant(QMatrix4x4()); }},
        {"qmatrix4x4", [] {
             QMatrix4x4 m(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
             return QVariant(m);
         }},
        {"qtransform_identity", [] { return QVariant(QTransform()); }},
        {"qtransform", [] { return QVariant(QTransform(1, 2, 3, 4, 5, 6, 7, 8, 9)); }},
        {"qkeysequence", [] { return QVariant(QKeySequence(QKeySequence::fromString(QStringLiteral("Ctrl+S, Alt+X")))); }},
        {"qkeysequence_empty", [] { return QVariant(QKeySequence()); }},
        {"qregion_empty", [] { return QVariant(QRegion()); }},
        {"qregion_rect", [] { return QVariant(QRegion(1, 2, 3, 4)); }},
        {"qregion_two", [] { return QVariant(QRegion(0, 0, 10, 10).united(QRect(20, 20, 5, 5))); }},
        {"qbrush_none", [] { return QVariant(QBrush()); }},
        {"qbrush_solid", [] { return QVariant(QBrush(QColor(10, 20, 30))); }},
        {"qbrush_dense", [] { return QVariant(QBrush(QColor(10, 20, 30), Qt::Dense4Pattern)); }},
        {"qbrush_linear", [] {
             QLinearGradient g(QPointF(0, 0), QPointF(100, 50));
             g.setColorAt(0, QColor(255, 0, 0));
             g.setColorAt(1, QColor(0, 0, 255, 128));
             g.setSpread(QGradient::ReflectSpread);
             return QVariant(QBrush(g));
         }},
        {"qbrush_radial", [] {
             QRadialGradient g(QPointF(10, 20), 30, QPointF(12, 22), 2);
             g.setColorAt(0.5, QColor(1, 2, 3));
             g.setCoordinateMode(QGradient::ObjectBoundingMode);
             return QVariant(QBrush(g));
         }},
        {"qbrush_conical", [] {
             QConicalGradient g(QPointF(5, 6), 45);
             g.setColorAt(0, Qt::black);
             g.setColorAt(1, Qt::white);
             return QVariant(QBrush(g));
         }},
        {"qbrush_transform", [] {
             QBrush b(QColor(9, 8, 7));
             b.setTransform(QTransform::fromScale(2, 3));
             return QVariant(b);
         }},
        {"qpen_default", [] { return QVariant(QPen()); }},
        {"qpen", [] {
             QPen p(QBrush(QColor(1, 2, 3)), 2.5, Qt::DashLine, Qt::RoundCap, Qt::MiterJoin);
             p.setMiterLimit(3);
             p.setCosmetic(true);
             return QVariant(p);
         }},
        {"qpen_custom_dash", [] {
             QPen p(QColor(4, 5, 6));
             p.setDashPattern({1, 2, 3, 4});
             p.setDashOffset(0.5);
             return QVariant(p);
         }},
        {"qfont_default", [] { return QVariant(QFont()); }},
        {"qfont", [] {
             QFont f(QStringLiteral("DejaVu Sans"), 12, QFont::Bold, true);
             f.setUnderline(true);
             f.setLetterSpacing(QFont::AbsoluteSpacing, 1.5);
             return QVariant(f);
         }},
        {"qfont_pixel", [] {
             QFont f(QStringLiteral("Mono"));
             f.setPixelSize(17);
             f.setStyleHint(QFont::Monospace);
             f.setCapitalization(QFont::SmallCaps);
             return QVariant(f);
         }},
        {"qimage_null", [] { return QVariant(QImage()); }},
        {"qimage", [] { return QVariant(smallImage()); }},
        {"qpixmap", [] { return QVariant(QPixmap::fromImage(smallImage())); }},
    };
}

struct StreamConfig
{
    const char *name;
    QDataStream::ByteOrder order;
    int version;
};

QByteArray write(const QVariant &v, const StreamConfig &cfg)
{
    QByteArray out;
    QDataStream s(&out, QIODevice::WriteOnly);
    s.setByteOrder(cfg.order);
    s.setVersion(cfg.version);
    s << v;
    return out;
}

QVariant read(const QByteArray &bytes, const StreamConfig &cfg)
{
    QDataStream s(bytes);
    s.setByteOrder(cfg.order);
    s.setVersion(cfg.version);
    QVariant v;
    s >> v;
    if (s.status() != QDataStream::Ok || !s.atEnd()) {
        std::fprintf(stderr, "read back failed: status %d, at end %d\n", int(s.status()), int(s.atEnd()));
        std::exit(4);
    }
    return v;
}

void failOnWarnings(QtMsgType type, const QMessageLogContext &, const QString &msg)
{
    std::fprintf(stderr, "qt message (type %d): %s\n", int(type), msg.toLocal8Bit().constData());
    if (type != QtDebugMsg && type != QtInfoMsg)
        std::exit(5);
}

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    qInstallMessageHandler(failOnWarnings);
    std::fprintf(stderr, "gui_vectors: built with Qt %s, running with Qt %s\n", QT_VERSION_STR, qVersion());

#if QT_VERSION_MAJOR >= 6
    const std::vector<StreamConfig> configs = {
        {"le", QDataStream::LittleEndian, QDataStream::Qt_6_2},
        {"be", QDataStream::BigEndian, QDataStream::Qt_6_2},
    };
#else
    const std::vector<StreamConfig> configs = {
        {"be", QDataStream::BigEndian, QDataStream::Qt_5_12},
    };
#endif
    // `gui_vectors --reread STREAM HEX`: what Qt makes of bytes it did not write (crafted by the
    // tests): the QVariant read from HEX with stream STREAM, written again, as hex.
    if (argc == 4 && std::strcmp(argv[1], "--reread") == 0) {
        for (const StreamConfig &cfg : configs) {
            if (std::strcmp(cfg.name, argv[2]) == 0) {
                const QVariant v = read(QByteArray::fromHex(argv[3]), cfg);
                std::printf("%s\n", write(v, cfg).toHex().constData());
                return 0;
            }
        }
        std::fprintf(stderr, "unknown stream %s\n", argv[2]);
        return 2;
    }
    for (const Case &c : cases()) {
        const QVariant v = c.make();
        for (const StreamConfig &cfg : configs) {
            const QByteArray bytes = write(v, cfg);
            const QByteArray again = write(read(bytes, cfg), cfg);
            if (again != bytes) {
                std::fprintf(stderr, "%s/%s: Qt does not round-trip its own bytes: %s vs %s\n", c.name, cfg.name,
                             bytes.toHex().constData(), again.toHex().constData());
                return 6;
            }
            std::printf("%s\t%s\t%s\n", c.name, cfg.name, bytes.toHex().constData());
        }
    }
    std::fflush(stdout);
    return 0;
}
