// Qt 6 adapter for libqtro_rs; see qtroqt.h.
#include "qtroqt.h"

#include <QtCore/QBitArray>
#include <QtCore/QDataStream>
#include <QtCore/QIODevice>
#include <QtCore/QDateTime>
#include <QtCore/QElapsedTimer>
#include <QtCore/QEventLoop>
#include <QtCore/QLine>
#include <QtCore/QLineF>
#include <QtCore/QPoint>
#include <QtCore/QPointF>
#include <QtCore/QRect>
#include <QtCore/QRectF>
#include <QtCore/QSize>
#include <QtCore/QSizeF>
#include <QtCore/QSocketNotifier>
#include <QtCore/QTimeZone>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtCore/QUuid>

#include <memory>
#include <vector>

namespace qtro::qt {

namespace {

QString viewToString(const char *data, size_t len) {
    return QString::fromUtf8(data, static_cast<qsizetype>(len));
}

QString stringAt(const qtro_value *v, size_t i) {
    const char *d = nullptr;
    size_t n = 0;
    bool isNull = false;
    qtro_value_get_string_at(v, i, &d, &n, &isNull);
    return isNull ? QString() : viewToString(d, n);
}

size_t countOf(const qtro_value *v) {
    size_t n = 0;
    qtro_value_count(v, &n);
    return n;
}

const qtro_value *at(const qtro_value *v, size_t i) {
    const qtro_value *e = nullptr;
    qtro_value_at(v, i, &e);
    return e;
}

QVariantList elements(const qtro_value *v) {
    QVariantList out;
    const size_t n = countOf(v);
    for (size_t i = 0; i < n; ++i) out.append(toVariant(at(v, i)));
    return out;
}

}  // namespace

static QVariant viaDataStream(const qtro_value *v);

QVariant toVariant(const qtro_value *v) {
    if (!v) return {};
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    bool b = false;
    const char *data = nullptr;
    size_t len = 0;
    bool isNull = false;
    switch (qtro_value_type(v)) {
    case QTRO_TYPE_INVALID: return {};
    case QTRO_TYPE_BOOL: qtro_value_get_bool(v, &b); return QVariant(b);
    case QTRO_TYPE_INT: qtro_value_get_int64(v, &i); return QVariant(int(i));
    case QTRO_TYPE_UINT: qtro_value_get_uint64(v, &u); return QVariant(uint(u));
    case QTRO_TYPE_LONGLONG: qtro_value_get_int64(v, &i); return QVariant(qlonglong(i));
    case QTRO_TYPE_ULONGLONG: qtro_value_get_uint64(v, &u); return QVariant(qulonglong(u));
    case QTRO_TYPE_DOUBLE: qtro_value_get_double(v, &d); return QVariant(d);
    case QTRO_TYPE_FLOAT: qtro_value_get_double(v, &d); return QVariant(float(d));
    case QTRO_TYPE_LONG: qtro_value_get_int64(v, &i); return QVariant::fromValue(long(i));
    case QTRO_TYPE_ULONG: qtro_value_get_uint64(v, &u); return QVariant::fromValue(ulong(u));
    case QTRO_TYPE_SHORT: qtro_value_get_int64(v, &i); return QVariant::fromValue(short(i));
    case QTRO_TYPE_USHORT: qtro_value_get_int64(v, &i); return QVariant::fromValue(ushort(i));
    case QTRO_TYPE_CHAR: qtro_value_get_int64(v, &i); return QVariant::fromValue(char(i));
    case QTRO_TYPE_SCHAR: qtro_value_get_int64(v, &i); return QVariant::fromValue(static_cast<signed char>(i));
    case QTRO_TYPE_UCHAR: qtro_value_get_int64(v, &i); return QVariant::fromValue(uchar(i));
    case QTRO_TYPE_QCHAR: qtro_value_get_int64(v, &i); return QVariant(QChar(char16_t(i)));
    case QTRO_TYPE_CHAR16: qtro_value_get_int64(v, &i); return QVariant::fromValue(char16_t(i));
    case QTRO_TYPE_CHAR32: qtro_value_get_int64(v, &i); return QVariant::fromValue(char32_t(i));
    case QTRO_TYPE_STRING:
        qtro_value_get_string(v, &data, &len, &isNull);
        return QVariant(isNull ? QString() : viewToString(data, len));
    case QTRO_TYPE_BYTEARRAY: {
        const uint8_t *bytes = nullptr;
        qtro_value_get_bytes(v, &bytes, &len, &isNull);
        return QVariant(isNull ? QByteArray() : QByteArray(reinterpret_cast<const char *>(bytes), qsizetype(len)));
    }
    case QTRO_TYPE_STRINGLIST: {
        QStringList l;
        const size_t n = countOf(v);
        for (size_t k = 0; k < n; ++k) l.append(stringAt(v, k));
        return QVariant(l);
    }
    case QTRO_TYPE_BYTEARRAYLIST: {
        QByteArrayList l;
        const size_t n = countOf(v);
        for (size_t k = 0; k < n; ++k) {
            const uint8_t *bytes = nullptr;
            qtro_value_get_bytes_at(v, k, &bytes, &len, &isNull);
            l.append(isNull ? QByteArray() : QByteArray(reinterpret_cast<const char *>(bytes), qsizetype(len)));
        }
        return QVariant::fromValue(l);
    }
    case QTRO_TYPE_LIST:
    case QTRO_TYPE_GADGET:
    case QTRO_TYPE_STRUCT:
    case QTRO_TYPE_SEQUENCE:
    case QTRO_TYPE_GADGET_SEQUENCE:
    case QTRO_TYPE_REMOTE:
        return QVariant(elements(v));
    case QTRO_TYPE_MAP:
    case QTRO_TYPE_HASH: {
        QVariantMap m;
        QVariantHash h;
        const size_t n = countOf(v);
        for (size_t k = 0; k < n; ++k) {
            qtro_value_key_at(v, k, &data, &len);
            const QString key = viewToString(data, len);
            if (qtro_value_type(v) == QTRO_TYPE_MAP) m.insert(key, toVariant(at(v, k)));
            else h.insert(key, toVariant(at(v, k)));
        }
        return qtro_value_type(v) == QTRO_TYPE_MAP ? QVariant(m) : QVariant(h);
    }
    case QTRO_TYPE_ASSOC:
    case QTRO_TYPE_GADGET_ASSOC: {
        // Keys of any type: a map keyed by the keys' text.
        QVariantMap m;
        const size_t n = countOf(v);
        for (size_t k = 0; k < n; ++k) {
            const qtro_value *key = nullptr;
            qtro_value_keyed_at(v, k, &key);
            m.insert(toVariant(key).toString(), toVariant(at(v, k)));
        }
        return QVariant(m);
    }
    case QTRO_TYPE_PAIR:
        return QVariant::fromValue(QVariantPair(toVariant(at(v, 0)), toVariant(at(v, 1))));
    case QTRO_TYPE_BITARRAY: {
        const uint8_t *bits = nullptr;
        size_t nbits = 0;
        qtro_value_get_bitarray(v, &bits, &nbits);
        return QVariant(QBitArray::fromBits(reinterpret_cast<const char *>(bits), qsizetype(nbits)));
    }
    case QTRO_TYPE_DATE:
        qtro_value_get_date_julian(v, &i);
        return QVariant(i == INT64_MIN ? QDate() : QDate::fromJulianDay(i));
    case QTRO_TYPE_TIME: {
        uint32_t ms = 0;
        qtro_value_get_time(v, &ms);
        return QVariant(ms == UINT32_MAX ? QTime() : QTime::fromMSecsSinceStartOfDay(int(ms)));
    }
    case QTRO_TYPE_DATETIME: {
        int64_t jd = 0;
        uint32_t ms = 0;
        qtro_timespec spec = QTRO_TIMESPEC_LOCAL;
        int32_t offset = 0;
        qtro_value_get_datetime(v, &jd, &ms, &spec, &offset);
        const QDate date = jd == INT64_MIN ? QDate() : QDate::fromJulianDay(jd);
        const QTime time = ms == UINT32_MAX ? QTime() : QTime::fromMSecsSinceStartOfDay(int(ms));
        if (!date.isValid() && !time.isValid()) return QVariant(QDateTime());
        switch (spec) {
        case QTRO_TIMESPEC_UTC: return QVariant(QDateTime(date, time, Qt::UTC));
        case QTRO_TIMESPEC_OFFSET: return QVariant(QDateTime(date, time, Qt::OffsetFromUTC, offset));
        case QTRO_TIMESPEC_TIME_ZONE: {
            qtro_value_get_datetime_zone(v, &data, &len);
            return QVariant(QDateTime(date, time, QTimeZone(QByteArray(data, qsizetype(len)))));
        }
        case QTRO_TIMESPEC_UTC_OFFSET_ZONE: return QVariant(QDateTime(date, time, QTimeZone(offset)));
        default: return QVariant(QDateTime(date, time));
        }
    }
    case QTRO_TYPE_URL:
        qtro_value_get_url(v, &data, &len);
        return QVariant(QUrl::fromEncoded(QByteArray(data, qsizetype(len))));
    case QTRO_TYPE_UUID: {
        uint8_t bytes[16];
        qtro_value_get_uuid(v, bytes);
        return QVariant(QUuid::fromRfc4122(QByteArrayView(reinterpret_cast<const char *>(bytes), 16)));
    }
    case QTRO_TYPE_POINT: { qtro_point p{}; qtro_value_get_point(v, &p); return QVariant(QPoint(p.x, p.y)); }
    case QTRO_TYPE_POINTF: { qtro_pointf p{}; qtro_value_get_pointf(v, &p); return QVariant(QPointF(p.x, p.y)); }
    case QTRO_TYPE_SIZE: { qtro_size s{}; qtro_value_get_size(v, &s); return QVariant(QSize(s.width, s.height)); }
    case QTRO_TYPE_SIZEF: { qtro_sizef s{}; qtro_value_get_sizef(v, &s); return QVariant(QSizeF(s.width, s.height)); }
    case QTRO_TYPE_RECT: { qtro_rect r{}; qtro_value_get_rect(v, &r); return QVariant(QRect(r.x, r.y, r.width, r.height)); }
    case QTRO_TYPE_RECTF: { qtro_rectf r{}; qtro_value_get_rectf(v, &r); return QVariant(QRectF(r.x, r.y, r.width, r.height)); }
    case QTRO_TYPE_LINE: { qtro_line l{}; qtro_value_get_line(v, &l); return QVariant(QLine(l.x1, l.y1, l.x2, l.y2)); }
    case QTRO_TYPE_LINEF: { qtro_linef l{}; qtro_value_get_linef(v, &l); return QVariant(QLineF(l.x1, l.y1, l.x2, l.y2)); }
    case QTRO_TYPE_ENUM: {
        uint8_t size = 4;
        qtro_value_get_enum(v, &i, &size);
        return size == 8 ? QVariant(qlonglong(i)) : QVariant(int(i));
    }
    case QTRO_TYPE_VARIANT:
        return QVariant::fromValue(toVariant(at(v, 0)));
    case QTRO_TYPE_COLOR:
    case QTRO_TYPE_BRUSH:
    case QTRO_TYPE_PEN:
    case QTRO_TYPE_FONT:
    case QTRO_TYPE_IMAGE:
    case QTRO_TYPE_PIXMAP:
    case QTRO_TYPE_POLYGON:
    case QTRO_TYPE_POLYGONF:
    case QTRO_TYPE_REGION:
    case QTRO_TYPE_TRANSFORM:
    case QTRO_TYPE_MATRIX4X4:
    case QTRO_TYPE_VECTOR2D:
    case QTRO_TYPE_VECTOR3D:
    case QTRO_TYPE_VECTOR4D:
    case QTRO_TYPE_QUATERNION:
    case QTRO_TYPE_KEYSEQUENCE:
    case QTRO_TYPE_JSONVALUE:
    case QTRO_TYPE_JSONOBJECT:
    case QTRO_TYPE_JSONARRAY:
    case QTRO_TYPE_JSONDOCUMENT:
    case QTRO_TYPE_CBORVALUE:
    case QTRO_TYPE_CBORARRAY:
    case QTRO_TYPE_CBORMAP:
    case QTRO_TYPE_CBORSIMPLETYPE:
        return viaDataStream(v);
    }
    return {};
}

// QtGui values cross as QDataStream bytes, read and written by Qt itself: exact for every QtGui
// type, and they need QtGui (loaded by the application) only where they occur.
static QDataStream::Version streamVersion() {
    return QT_VERSION_MAJOR >= 6 ? QDataStream::Qt_6_2 : QDataStream::Qt_5_12;
}

static const qtro_dialect kDialect = QT_VERSION_MAJOR >= 6 ? QTRO_DIALECT_QT6 : QTRO_DIALECT_QT5;

static QVariant viaDataStream(const qtro_value *v) {
    uint8_t *data = nullptr;
    size_t len = 0;
    if (qtro_value_to_datastream(v, kDialect, &data, &len) != QTRO_OK) return {};
    QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(len));
    qtro_bytes_free(data, len);
    QDataStream s(bytes);
    s.setByteOrder(QDataStream::BigEndian);
    s.setVersion(streamVersion());
    QVariant out;
    s >> out;
    return s.status() == QDataStream::Ok ? out : QVariant();
}

static qtro_value *fromDataStream(const QVariant &value) {
    QByteArray bytes;
    QDataStream s(&bytes, QIODevice::WriteOnly);
    s.setByteOrder(QDataStream::BigEndian);
    s.setVersion(streamVersion());
    s << value;
    return qtro_value_from_datastream(reinterpret_cast<const uint8_t *>(bytes.constData()), size_t(bytes.size()), kDialect);
}

// QtGui values, and the QtCore JSON and CBOR types: exactly as Qt streams them.
static bool viaStream(int id) {
    return (id >= QMetaType::FirstGuiType && id <= QMetaType::LastGuiType)
        || (id >= QMetaType::QJsonValue && id <= QMetaType::QJsonDocument)
        || (id >= QMetaType::QCborSimpleType && id <= QMetaType::QCborMap);
}

qtro_value *fromVariant(const QVariant &value) {
    if (!value.isValid()) return qtro_value_new_invalid();
    const QMetaType type = value.metaType();
    if (type.flags() & QMetaType::IsEnumeration) {
        return type.sizeOf() == 8 ? qtro_value_new_longlong(value.toLongLong()) : qtro_value_new_int(value.toInt());
    }
    switch (type.id()) {
    case QMetaType::Bool: return qtro_value_new_bool(value.toBool());
    case QMetaType::Int: return qtro_value_new_int(value.toInt());
    case QMetaType::UInt: return qtro_value_new_uint(value.toUInt());
    case QMetaType::LongLong: return qtro_value_new_longlong(value.toLongLong());
    case QMetaType::ULongLong: return qtro_value_new_ulonglong(value.toULongLong());
    case QMetaType::Double: return qtro_value_new_double(value.toDouble());
    case QMetaType::Float: return qtro_value_new_float(value.toFloat());
    case QMetaType::Long: return qtro_value_new_long(value.value<long>());
    case QMetaType::ULong: return qtro_value_new_ulong(value.value<ulong>());
    case QMetaType::Short: return qtro_value_new_short(value.value<short>());
    case QMetaType::UShort: return qtro_value_new_ushort(value.value<ushort>());
    case QMetaType::Char: return qtro_value_new_char(static_cast<int8_t>(value.value<char>()));
    case QMetaType::SChar: return qtro_value_new_schar(value.value<signed char>());
    case QMetaType::UChar: return qtro_value_new_uchar(value.value<uchar>());
    case QMetaType::QChar: return qtro_value_new_qchar(value.toChar().unicode());
    case QMetaType::Char16: return qtro_value_new_char16(value.value<char16_t>());
    case QMetaType::Char32: return qtro_value_new_char32(value.value<char32_t>());
    case QMetaType::QString: {
        const QString s = value.toString();
        if (s.isNull()) return qtro_value_new_null_string();
        const QByteArray u = s.toUtf8();
        return qtro_value_new_string_n(u.constData(), size_t(u.size()));
    }
    case QMetaType::QByteArray: {
        const QByteArray b = value.toByteArray();
        if (b.isNull()) return qtro_value_new_null_bytearray();
        return qtro_value_new_bytearray(reinterpret_cast<const uint8_t *>(b.constData()), size_t(b.size()));
    }
    case QMetaType::QStringList: {
        qtro_value *l = qtro_value_new_stringlist();
        for (const QString &s : value.toStringList()) qtro_value_append(l, fromVariant(QVariant(s)));
        return l;
    }
    case QMetaType::QByteArrayList: {
        qtro_value *l = qtro_value_new_bytearraylist();
        for (const QByteArray &b : value.value<QByteArrayList>()) qtro_value_append(l, fromVariant(QVariant(b)));
        return l;
    }
    case QMetaType::QVariantList: {
        qtro_value *l = qtro_value_new_list();
        for (const QVariant &e : value.toList()) {
            qtro_value *item = fromVariant(e);
            qtro_value_append(l, item ? item : qtro_value_new_invalid());
        }
        return l;
    }
    case QMetaType::QVariantMap:
    case QMetaType::QVariantHash: {
        const bool isMap = type.id() == QMetaType::QVariantMap;
        qtro_value *m = isMap ? qtro_value_new_map() : qtro_value_new_hash();
        const QVariantMap entries = isMap ? value.toMap() : QVariantMap();
        const QVariantHash hentries = isMap ? QVariantHash() : value.toHash();
        auto insert = [m](const QString &k, const QVariant &e) {
            qtro_value *item = fromVariant(e);
            qtro_value_insert(m, k.toUtf8().constData(), item ? item : qtro_value_new_invalid());
        };
        for (auto it = entries.cbegin(); it != entries.cend(); ++it) insert(it.key(), it.value());
        for (auto it = hentries.cbegin(); it != hentries.cend(); ++it) insert(it.key(), it.value());
        return m;
    }
    case QMetaType::QBitArray: {
        const QBitArray bits = value.toBitArray();
        return qtro_value_new_bitarray(reinterpret_cast<const uint8_t *>(bits.bits()), size_t(bits.size()));
    }
    case QMetaType::QDate: {
        const QDate d = value.toDate();
        return qtro_value_new_date_julian(d.isValid() ? d.toJulianDay() : INT64_MIN);
    }
    case QMetaType::QTime: {
        const QTime t = value.toTime();
        return qtro_value_new_time_msecs(t.isValid() ? uint32_t(t.msecsSinceStartOfDay()) : UINT32_MAX);
    }
    case QMetaType::QDateTime: {
        const QDateTime dt = value.toDateTime();
        if (dt.isNull()) return qtro_value_new_null_datetime();
        const int64_t jd = dt.date().isValid() ? dt.date().toJulianDay() : INT64_MIN;
        const uint32_t ms = dt.time().isValid() ? uint32_t(dt.time().msecsSinceStartOfDay()) : UINT32_MAX;
        switch (dt.timeSpec()) {
        case Qt::UTC: return qtro_value_new_datetime(jd, ms, QTRO_TIMESPEC_UTC, 0, nullptr);
        case Qt::OffsetFromUTC: return qtro_value_new_datetime(jd, ms, QTRO_TIMESPEC_OFFSET, dt.offsetFromUtc(), nullptr);
        case Qt::TimeZone: {
            const QByteArray id = dt.timeZone().id();
            return qtro_value_new_datetime(jd, ms, QTRO_TIMESPEC_TIME_ZONE, 0, id.constData());
        }
        default: return qtro_value_new_datetime(jd, ms, QTRO_TIMESPEC_LOCAL, 0, nullptr);
        }
    }
    case QMetaType::QUrl: return qtro_value_new_url(value.toUrl().toEncoded().constData());
    case QMetaType::QUuid: {
        const QByteArray b = value.toUuid().toRfc4122();
        return qtro_value_new_uuid(reinterpret_cast<const uint8_t *>(b.constData()));
    }
    case QMetaType::QPoint: { const QPoint p = value.toPoint(); return qtro_value_new_point({p.x(), p.y()}); }
    case QMetaType::QPointF: { const QPointF p = value.toPointF(); return qtro_value_new_pointf({p.x(), p.y()}); }
    case QMetaType::QSize: { const QSize s = value.toSize(); return qtro_value_new_size({s.width(), s.height()}); }
    case QMetaType::QSizeF: { const QSizeF s = value.toSizeF(); return qtro_value_new_sizef({s.width(), s.height()}); }
    case QMetaType::QRect: { const QRect r = value.toRect(); return qtro_value_new_rect({r.x(), r.y(), r.width(), r.height()}); }
    case QMetaType::QRectF: { const QRectF r = value.toRectF(); return qtro_value_new_rectf({r.x(), r.y(), r.width(), r.height()}); }
    case QMetaType::QLine: { const QLine l = value.toLine(); return qtro_value_new_line({l.x1(), l.y1(), l.x2(), l.y2()}); }
    case QMetaType::QLineF: { const QLineF l = value.toLineF(); return qtro_value_new_linef({l.x1(), l.y1(), l.x2(), l.y2()}); }
    case QMetaType::QVariant: {
        qtro_value *inner = fromVariant(value.value<QVariant>());
        return inner ? qtro_value_new_variant(inner) : nullptr;
    }
    default:
        if (type == QMetaType::fromType<QVariantPair>()) {
            const QVariantPair p = value.value<QVariantPair>();
            qtro_value *a = fromVariant(p.first);
            qtro_value *b = fromVariant(p.second);
            return qtro_value_new_pair(a ? a : qtro_value_new_invalid(), b ? b : qtro_value_new_invalid());
        }
        if (viaStream(type.id())) return fromDataStream(value);
        return nullptr;
    }
}

}  // namespace qtro::qt

// ---- QtroPendingCall ---------------------------------------------------------------------------

void QtroPendingCall::complete(const QVariant &result, const QString &error) {
    m_finished = true;
    m_result = result;
    m_error = error;
    Q_EMIT finished(result, error);
    deleteLater();
}

// ---- QtroNode ------------------------------------------------------------------------------------

QtroNode::QtroNode(QObject *parent, qtro_dialect dialect) : QObject(parent) {
    qtro_node_config *config = qtro_node_config_new();
    qtro_node_config_set_dispatch(config, QTRO_DISPATCH_POLL);
    qtro_node_config_set_dialect(config, dialect);
    const bool ok = check(qtro_node_new(config, &m_node));
    qtro_node_config_free(config);
    if (!ok) return;
    int fd = -1;
    if (!check(qtro_node_event_fd(m_node, &fd))) return;
    m_notifier = new QSocketNotifier(qintptr(fd), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &QtroNode::processEvents);
}

QtroNode::~QtroNode() {
    // Release the replicas first: after qtro_node_free no callback runs, pending calls complete
    // with QTRO_ERR_SHUTDOWN.
    const auto replicas = findChildren<QtroReplica *>(Qt::FindDirectChildrenOnly);
    for (QtroReplica *r : replicas) delete r;
    delete m_notifier;
    m_notifier = nullptr;
    qtro_node_free(m_node);
}

bool QtroNode::check(qtro_result r) {
    if (r == QTRO_OK) return true;
    m_lastError = QString::fromUtf8(qtro_result_name(r)) + QStringLiteral(": ") + QString::fromUtf8(qtro_last_error_message());
    return false;
}

bool QtroNode::connectToNode(const QString &url) {
    return m_node && check(qtro_node_connect(m_node, url.toUtf8().constData()));
}

bool QtroNode::setRegistryUrl(const QString &url) {
    return m_node && check(qtro_node_set_registry_url(m_node, url.toUtf8().constData()));
}

QString QtroNode::listen(const QString &url, int timeoutMs) {
    char *bound = nullptr;
    if (!m_node || !check(qtro_node_listen(m_node, url.toUtf8().constData(), uint32_t(timeoutMs), &bound))) return {};
    const QString out = QString::fromUtf8(bound);
    qtro_string_free(bound);
    return out;
}

QtroReplica *QtroNode::acquire(const QString &name) {
    if (!m_node) return nullptr;
    auto *r = new QtroReplica(this, name);
    if (!r->m_replica) {
        m_lastError = r->m_lastError;
        delete r;
        return nullptr;
    }
    return r;
}

void QtroNode::processEvents() {
    if (m_node) qtro_node_dispatch(m_node, 0, nullptr);
}

// ---- QtroReplica ---------------------------------------------------------------------------------

QtroReplica::QtroReplica(QtroNode *node, const QString &name) : QObject(node), m_node(node), m_name(name) {
    qtro_replica_callbacks cbs{};
    cbs.state_changed = &QtroReplica::onState;
    cbs.initialized = &QtroReplica::onInitialized;
    cbs.property_changed = &QtroReplica::onProperty;
    cbs.signal = &QtroReplica::onSignal;
    const qtro_result r = qtro_node_acquire(node->handle(), name.toUtf8().constData(), &cbs, this, &m_replica);
    if (r != QTRO_OK) m_lastError = QString::fromUtf8(qtro_last_error_message());
}

QtroReplica::~QtroReplica() {
    qtro_replica_free(m_replica);
}

bool QtroReplica::waitForSource(int timeoutMs) {
    if (isValid()) return true;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(this, &QtroReplica::stateChanged, &loop, [&loop](int s) {
        if (s == QTRO_STATE_VALID) loop.quit();
    });
    timer.start(timeoutMs);
    if (!isValid()) loop.exec();
    return isValid();
}

QStringList QtroReplica::propertyNames() const {
    QStringList names;
    qtro_interface *iface = nullptr;
    if (!m_replica || qtro_replica_interface(m_replica, &iface) != QTRO_OK) return names;
    const size_t n = qtro_interface_property_count(iface);
    for (size_t i = 0; i < n; ++i) {
        const char *name = nullptr;
        qtro_interface_property(iface, i, &name, nullptr, nullptr);
        names.append(QString::fromUtf8(name));
    }
    qtro_interface_free(iface);
    return names;
}

QVariant QtroReplica::propertyValue(const QString &name) const {
    qtro_value *v = nullptr;
    if (!m_replica || qtro_replica_property(m_replica, name.toUtf8().constData(), &v) != QTRO_OK) return {};
    const QVariant out = qtro::qt::toVariant(v);
    qtro_value_free(v);
    return out;
}

bool QtroReplica::setPropertyValue(const QString &name, const QVariant &value) {
    qtro_value *v = qtro::qt::fromVariant(value);
    if (!v) {
        m_lastError = QStringLiteral("unsupported QVariant type %1").arg(QString::fromUtf8(value.typeName()));
        return false;
    }
    const qtro_result r = m_replica ? qtro_replica_set_property(m_replica, name.toUtf8().constData(), v) : QTRO_ERR_NULL_ARGUMENT;
    qtro_value_free(v);
    if (r != QTRO_OK) m_lastError = QString::fromUtf8(qtro_last_error_message());
    return r == QTRO_OK;
}

QtroPendingCall *QtroReplica::call(const QString &slot, const QVariantList &args, int timeoutMs) {
    auto *pending = new QtroPendingCall(this);
    std::vector<qtro_value *> owned;
    for (const QVariant &a : args) {
        qtro_value *v = qtro::qt::fromVariant(a);
        owned.push_back(v ? v : qtro_value_new_invalid());
    }
    std::vector<const qtro_value *> ptrs(owned.begin(), owned.end());
    auto *target = new QPointer<QtroPendingCall>(pending);
    const qtro_result r = m_replica
        ? qtro_replica_call(m_replica, slot.toUtf8().constData(), ptrs.data(), ptrs.size(), uint32_t(timeoutMs), &QtroReplica::onReply, target)
        : QTRO_ERR_NULL_ARGUMENT;
    for (qtro_value *v : owned) qtro_value_free(v);
    if (r != QTRO_OK) {
        delete target;
        const QString error = QString::fromUtf8(qtro_result_name(r)) + QStringLiteral(": ") + QString::fromUtf8(qtro_last_error_message());
        // Report asynchronously, like every other completion.
        QTimer::singleShot(0, pending, [pending, error] { pending->complete({}, error); });
    }
    return pending;
}

void QtroReplica::onState(void *self, qtro_replica_state oldState, qtro_replica_state newState) {
    auto *r = static_cast<QtroReplica *>(self);
    r->m_state = int(newState);
    Q_EMIT r->stateChanged(int(newState), int(oldState));
}

void QtroReplica::onInitialized(void *self) {
    auto *r = static_cast<QtroReplica *>(self);
    r->m_initialized = true;
    Q_EMIT r->initialized();
}

void QtroReplica::onProperty(void *self, const char *name, size_t, const qtro_value *value) {
    Q_EMIT static_cast<QtroReplica *>(self)->propertyChanged(QString::fromUtf8(name), qtro::qt::toVariant(value));
}

void QtroReplica::onSignal(void *self, const char *name, size_t, const qtro_value *const *args, size_t nargs) {
    QVariantList list;
    for (size_t i = 0; i < nargs; ++i) list.append(qtro::qt::toVariant(args[i]));
    Q_EMIT static_cast<QtroReplica *>(self)->signalEmitted(QString::fromUtf8(name), list);
}

void QtroReplica::onReply(void *pending, qtro_result result, const qtro_value *value, const char *error) {
    std::unique_ptr<QPointer<QtroPendingCall>> target(static_cast<QPointer<QtroPendingCall> *>(pending));
    if (!*target) return;
    if (result == QTRO_OK) (*target)->complete(qtro::qt::toVariant(value), QString());
    else (*target)->complete({}, QString::fromUtf8(qtro_result_name(result)) + QStringLiteral(": ") + QString::fromUtf8(error ? error : ""));
}
