// Reference vectors for the QVariant codec, written by STOCK Qt.
//
// For every case this program builds one QVariant, writes it with `QDataStream << QVariant` and
// prints one line per stream configuration:
//
//     <case-name> TAB <stream> TAB <lowercase hex>
//
// Stream configurations (the ones QtRO uses):
//   Qt 6: "le" = LittleEndian, version Qt_6_2 (20)  -- the QtRO 2.0 outer stream
//         "be" = BigEndian,    version Qt_6_2 (20)  -- the QtRO nested streams
//   Qt 5: "be" = BigEndian,    version Qt_5_12 (18) -- the QtRO 1.3 outer stream
//
// As a sanity check each written variant is read back with `QDataStream >> QVariant` and written
// again; the two byte strings must be identical (this proves the stream operators of the user
// types are registered for reading too). Any Qt warning (e.g. "unable to save type") is fatal, so
// a header-only variant can never slip into the output. qVersion() goes to stderr.
//
// This is an independent test program: it uses only public Qt API.

#include <QtCore/QBitArray>
#include <QtCore/QByteArray>
#include <QtCore/QByteArrayList>
#include <QtCore/QCborArray>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtCore/QCoreApplication>
#include <QtCore/QDataStream>
#include <QtCore/QDate>
#include <QtCore/QDateTime>
#include <QtCore/QHash>
#include <QtCore/QIODevice>
#include <QtCore/QLine>
#include <QtCore/QLineF>
#include <QtCore/QList>
#include <QtCore/QLocale>
#include <QtCore/QMap>
#include <QtCore/QPoint>
#include <QtCore/QPointF>
#include <QtCore/QRect>
#include <QtCore/QRectF>
#include <QtCore/QSize>
#include <QtCore/QSizeF>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTime>
#include <QtCore/QTimeZone>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtCore/QVariant>
#include <QtCore/QVector>
#include <QtCore/QtGlobal>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <vector>

#if QT_VERSION_MAJOR != QTRO_QT_MAJOR
#error "QTRO_QT_MAJOR does not match the Qt headers found"
#endif

// A .rep-style POD: a Q_GADGET whose stream operators write every property as a full QVariant,
// the way repc-generated PODs do.
struct Point3
{
    Q_GADGET
    Q_PROPERTY(int x MEMBER x)
    Q_PROPERTY(int y MEMBER y)
    Q_PROPERTY(int z MEMBER z)
public:
    int x = 0;
    int y = 0;
    int z = 0;
};
Q_DECLARE_METATYPE(Point3)

QDataStream &operator<<(QDataStream &ds, const Point3 &p)
{
    return ds << QVariant::fromValue(p.x) << QVariant::fromValue(p.y) << QVariant::fromValue(p.z);
}

QDataStream &operator>>(QDataStream &ds, Point3 &p)
{
    QVariant x, y, z;
    ds >> x >> y >> z;
    p.x = x.toInt();
    p.y = y.toInt();
    p.z = z.toInt();
    return ds;
}

#if QT_VERSION_MAJOR < 6
// Qt 5's QtRO declares QHash<int,QByteArray> as the metatype "QIntHash" (the name a QtRO process
// then writes for it): do as QtRO does, since these are the bytes a QtRO peer sends.
typedef QHash<int, QByteArray> QIntHash;
Q_DECLARE_METATYPE(QIntHash)
#endif

// A gadget with a Q_ENUM: Qt registers the enum as "G::E".
class G
{
    Q_GADGET
public:
    enum E { A = 7 };
    Q_ENUM(E)
};

namespace {

struct Case
{
    const char *name;
    std::function<QVariant()> make;
};

Point3 point3(int x, int y, int z)
{
    Point3 p;
    p.x = x;
    p.y = y;
    p.z = z;
    return p;
}

QString u8(const char *s) { return QString::fromUtf8(s); }

QBitArray bits(std::initializer_list<bool> values)
{
    QBitArray b(int(values.size()));
    int i = 0;
    for (bool v : values)
        b.setBit(i++, v);
    return b;
}

std::vector<Case> cases()
{
    const QDate date(2024, 1, 2);
    const QTime time(3, 4, 5);
    std::vector<Case> c = {
        {"bool_true", [] { return QVariant::fromValue(true); }},
        {"bool_false", [] { return QVariant::fromValue(false); }},
        {"int_minus2", [] { return QVariant::fromValue(int(-2)); }},
        {"int_zero", [] { return QVariant::fromValue(int(0)); }},
        {"int_max", [] { return QVariant::fromValue(int(INT_MAX)); }},
        // A variant constructed from a type without a value: QVariant's is-null flag is 1.
#if QT_VERSION_MAJOR >= 6
        {"int_null_flag", [] { return QVariant(QMetaType::fromType<int>()); }},
#else
        {"int_null_flag", [] { return QVariant(QVariant::Int); }},
#endif
        {"uint_3000000000", [] { return QVariant::fromValue(uint(3000000000u)); }},
        {"qlonglong_minus4", [] { return QVariant::fromValue(qlonglong(-4)); }},
        {"qulonglong_big", [] { return QVariant::fromValue(qulonglong(0x0123456789abcdefULL)); }},
        {"double_1_5", [] { return QVariant::fromValue(double(1.5)); }},
        {"double_neg_zero", [] { return QVariant::fromValue(double(-0.0)); }},
        {"float_2_5", [] { return QVariant::fromValue(float(2.5f)); }},
        {"short_minus3", [] { return QVariant::fromValue(short(-3)); }},
        {"ushort_beef", [] { return QVariant::fromValue(ushort(0xbeef)); }},
        {"char_A", [] { return QVariant::fromValue(char('A')); }},
        {"schar_minus5", [] { return QVariant::fromValue(qint8(-5)); }},
        {"uchar_200", [] { return QVariant::fromValue(uchar(200)); }},
        {"long_minus7", [] { return QVariant::fromValue(long(-7)); }},
        {"ulong_2_pow_40", [] { return QVariant::fromValue(ulong(1ULL << 40)); }},
        {"qchar_Z", [] { return QVariant::fromValue(QChar(u'Z')); }},
        {"qchar_euro", [] { return QVariant::fromValue(QChar(0x20ac)); }},
        {"qstring_null", [] { return QVariant::fromValue(QString()); }},
        {"qstring_empty", [] { return QVariant::fromValue(QString(QLatin1String(""))); }},
        {"qstring_he", [] { return QVariant::fromValue(u8("h\xc3\xa9")); }},
        {"qstring_emoji", [] { return QVariant::fromValue(u8("a\xf0\x9f\x98\x80")); }},
        {"qbytearray_null", [] { return QVariant::fromValue(QByteArray()); }},
        {"qbytearray_empty", [] { return QVariant::fromValue(QByteArray("")); }},
        {"qbytearray_ab", [] { return QVariant::fromValue(QByteArray("ab")); }},
        {"qbytearray_all_bytes",
         [] {
             QByteArray b;
             for (int i = 0; i < 256; ++i)
                 b.append(char(i));
             return QVariant::fromValue(b);
         }},
        {"qstringlist_ab", [] { return QVariant::fromValue(QStringList{u8("a"), u8("b")}); }},
        {"qstringlist_with_null", [] { return QVariant::fromValue(QStringList{u8("a"), QString()}); }},
        {"qbytearraylist",
         [] { return QVariant::fromValue(QByteArrayList{QByteArray("x"), QByteArray(), QByteArray("")}); }},
        {"qvariantlist_1_x", [] { return QVariant(QVariantList{QVariant::fromValue(1), QVariant(u8("x"))}); }},
        {"qvariantlist_empty", [] { return QVariant(QVariantList{}); }},
        {"qvariantlist_nested",
         [] {
             const QVariantList inner{QVariant::fromValue(2), QVariant(QVariantList{})};
             return QVariant(QVariantList{QVariant(inner), QVariant(QStringList{u8("s")}),
                                          QVariant()});
         }},
        {"qvariantmap_a_k",
         [] { return QVariant(QVariantMap{{u8("a"), QVariant(true)}, {u8("k"), QVariant(1)}}); }},
        {"qvariantmap_k_s",
         [] { return QVariant(QVariantMap{{u8("k"), QVariant(1)}, {u8("s"), QVariant(u8("v"))}}); }},
        {"qvariantmap_nested",
         [] {
             return QVariant(QVariantMap{{u8("l"), QVariant(QVariantList{QVariant(1)})},
                                         {u8("m"), QVariant(QVariantMap{{u8("x"), QVariant(u8("y"))}})}});
         }},
        {"qvarianthash_h", [] { return QVariant(QVariantHash{{u8("h"), QVariant(2)}}); }},
        {"invalid", [] { return QVariant(); }},
        {"qjsonvalue_null", [] { return QVariant::fromValue(QJsonValue()); }},
        {"qjsonvalue_bool", [] { return QVariant::fromValue(QJsonValue(true)); }},
        {"qjsonvalue_double", [] { return QVariant::fromValue(QJsonValue(2.5)); }},
        {"qjsonvalue_string", [] { return QVariant::fromValue(QJsonValue(u8("h\xc3\xa9"))); }},
        {"qjsonvalue_array", [] { return QVariant::fromValue(QJsonValue(QJsonArray{1, u8("x")})); }},
        {"qjsonvalue_object", [] { return QVariant::fromValue(QJsonValue(QJsonObject{{u8("k"), 1}})); }},
        {"qjsonvalue_undefined", [] { return QVariant::fromValue(QJsonValue(QJsonValue::Undefined)); }},
        {"qjsonobject", [] { return QVariant::fromValue(QJsonObject{{u8("a"), true}, {u8("b"), QJsonArray{1.5}}}); }},
        {"qjsonarray", [] { return QVariant::fromValue(QJsonArray{1, u8("two"), QJsonValue::Null}); }},
        {"qjsondocument", [] { return QVariant::fromValue(QJsonDocument(QJsonObject{{u8("n"), 3}})); }},
        {"qjsondocument_null", [] { return QVariant::fromValue(QJsonDocument()); }},
        {"qcborvalue_int", [] { return QVariant::fromValue(QCborValue(42)); }},
        {"qcborvalue_string", [] { return QVariant::fromValue(QCborValue(u8("cbor"))); }},
        {"qcborarray", [] { return QVariant::fromValue(QCborArray{1, u8("x"), 2.5}); }},
        {"qcbormap", [] { return QVariant::fromValue(QCborMap{{u8("k"), 1}, {2, false}}); }},
        {"qcborsimpletype", [] { return QVariant::fromValue(QCborSimpleType(32)); }},
        {"qdate", [date] { return QVariant::fromValue(date); }},
        {"qdate_null", [] { return QVariant::fromValue(QDate()); }},
        {"qtime", [] { return QVariant::fromValue(QTime(13, 14, 15, 16)); }},
        {"qtime_null", [] { return QVariant::fromValue(QTime()); }},
        {"qdatetime_utc", [date, time] { return QVariant::fromValue(QDateTime(date, time, Qt::UTC)); }},
        {"qdatetime_local", [date, time] { return QVariant::fromValue(QDateTime(date, time, Qt::LocalTime)); }},
        {"qdatetime_offset",
         [date, time] { return QVariant::fromValue(QDateTime(date, time, Qt::OffsetFromUTC, 3600)); }},
        {"qdatetime_berlin",
         [date, time] {
             const QTimeZone berlin(QByteArray("Europe/Berlin"));
             if (!berlin.isValid()) {
                 std::fprintf(stderr, "time zone Europe/Berlin is not available (tzdata missing?)\n");
                 std::exit(3);
             }
             return QVariant::fromValue(QDateTime(date, time, berlin));
         }},
        {"qdatetime_null", [] { return QVariant::fromValue(QDateTime()); }},
        // Zones of Qt's UTC-offset backend (QTimeZone::utc(), QTimeZone(seconds), custom zones)
        // serialize as "OffsetFromUtc" followed by their fields, not just the IANA id.
        {"qdatetime_tz_utc",
         [date, time] { return QVariant::fromValue(QDateTime(date, time, QTimeZone::utc())); }},
        {"qdatetime_tz_offset",
         [date, time] { return QVariant::fromValue(QDateTime(date, time, QTimeZone(3600))); }},
        {"qdatetime_tz_custom",
         [date, time] {
             const QTimeZone custom(QByteArray("Custom/Zone"), 3600, u8("Custom Name"), u8("CUS"),
                                    QLocale::Germany, u8("a comment"));
             return QVariant::fromValue(QDateTime(date, time, custom));
         }},
        {"qurl", [] { return QVariant::fromValue(QUrl(u8("tcp://h:1/p?q"))); }},
        {"qurl_empty", [] { return QVariant::fromValue(QUrl()); }},
        {"qurl_percent",
         [] { return QVariant::fromValue(QUrl(u8("http://example.com/a b/\xc3\xa4?x=1 2#f g"))); }},
        {"quuid",
         [] { return QVariant::fromValue(QUuid(u8("{12345678-9abc-def0-1122-334455667788}"))); }},
        {"qpoint", [] { return QVariant::fromValue(QPoint(1, -2)); }},
        {"qpointf", [] { return QVariant::fromValue(QPointF(0.5, 1.5)); }},
        {"qsize", [] { return QVariant::fromValue(QSize(3, 4)); }},
        {"qsizef", [] { return QVariant::fromValue(QSizeF(0.5, 1.5)); }},
        {"qrect", [] { return QVariant::fromValue(QRect(1, 2, 3, 4)); }},
        {"qrectf", [] { return QVariant::fromValue(QRectF(1, 2, 3, 4.25)); }},
        {"qline", [] { return QVariant::fromValue(QLine(1, 2, 3, 4)); }},
        {"qlinef", [] { return QVariant::fromValue(QLineF(0.5, 1.5, 2.5, 3.5)); }},
        {"qbitarray_3_true", [] { return QVariant::fromValue(bits({true, true, true})); }},
        {"qbitarray_11_mixed",
         [] {
             return QVariant::fromValue(
                 bits({true, false, true, true, false, false, false, true, true, false, true}));
         }},
        {"qbitarray_empty", [] { return QVariant::fromValue(QBitArray()); }},
        {"point3", [] { return QVariant::fromValue(point3(1, 2, 3)); }},
        {"qlist_int", [] { return QVariant::fromValue(QList<int>{1, 2, 3}); }},
        {"qhash_int_qbytearray",
         [] { return QVariant::fromValue(QHash<int, QByteArray>{{1, QByteArray("one")}}); }},
        {"qmap_qstring_int",
         [] { return QVariant::fromValue(QMap<QString, int>{{u8("a"), 1}, {u8("b"), 2}}); }},
        {"enum_g_e", [] { return QVariant::fromValue(G::A); }},
        {"qvariantlist_enum", [] { return QVariant(QVariantList{QVariant::fromValue(G::A)}); }},
        {"qvariantlist_point3",
         [] { return QVariant(QVariantList{QVariant::fromValue(point3(4, 5, 6)), QVariant(1)}); }},
    };
#if QT_VERSION_MAJOR >= 6
    const std::vector<Case> qt6_only = {
        {"char16_t", [] { return QVariant::fromValue(char16_t(0x20ac)); }},
        {"char32_t", [] { return QVariant::fromValue(char32_t(0x1f600)); }},
        {"qvariantpair",
         [] { return QVariant::fromValue(QVariantPair(QVariant(1), QVariant(u8("x")))); }},
    };
    c.insert(c.end(), qt6_only.begin(), qt6_only.end());
#else
    // In Qt 5 QVector is its own template (QtRO 1.3 sends model roles as "QVector<int>").
    c.push_back({"qvector_int", [] { return QVariant::fromValue(QVector<int>{4, 5}); }});
#endif
    return c;
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
    s.setVersion(cfg.version);
    s.setByteOrder(cfg.order);
    s << v;
    if (s.status() != QDataStream::Ok) {
        std::fprintf(stderr, "write failed with status %d\n", int(s.status()));
        std::exit(4);
    }
    return out;
}

QVariant read(const QByteArray &bytes, const StreamConfig &cfg)
{
    QDataStream s(bytes);
    s.setVersion(cfg.version);
    s.setByteOrder(cfg.order);
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

void registerTypes()
{

    qRegisterMetaType<Point3>("Point3");
    qRegisterMetaType<G::E>("G::E");
    qRegisterMetaType<QList<int>>("QList<int>");
    qRegisterMetaType<QHash<int, QByteArray>>("QHash<int,QByteArray>");
    qRegisterMetaType<QMap<QString, int>>("QMap<QString,int>");
#if QT_VERSION_MAJOR < 6
    // Qt 5 only streams user types whose operators were registered explicitly.
    qRegisterMetaTypeStreamOperators<Point3>("Point3");
    qRegisterMetaTypeStreamOperators<G::E>("G::E");
    qRegisterMetaTypeStreamOperators<QList<int>>("QList<int>");
    qRegisterMetaTypeStreamOperators<QVector<int>>("QVector<int>");
    qRegisterMetaTypeStreamOperators<QHash<int, QByteArray>>("QHash<int,QByteArray>");
    qRegisterMetaTypeStreamOperators<QMap<QString, int>>("QMap<QString,int>");
#endif
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    qInstallMessageHandler(failOnWarnings);
    registerTypes();

    std::fprintf(stderr, "datastream_vectors: built with Qt %s, running with Qt %s\n", QT_VERSION_STR,
                 qVersion());

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

    for (const Case &c : cases()) {
        const QVariant v = c.make();
        for (const StreamConfig &cfg : configs) {
            const QByteArray bytes = write(v, cfg);
            const QByteArray again = write(read(bytes, cfg), cfg);
            if (again != bytes) {
                std::fprintf(stderr, "%s/%s: Qt does not round-trip its own bytes: %s vs %s\n", c.name,
                             cfg.name, bytes.toHex().constData(), again.toHex().constData());
                return 6;
            }
            std::printf("%s\t%s\t%s\n", c.name, cfg.name, bytes.toHex().constData());
        }
    }
    std::fflush(stdout);
    return 0;
}

#include "main.moc"
