// The Qt adapter (qt-interop/adapter): a libqtro_rs replica as a QObject in a Qt event loop,
// dispatched through a QSocketNotifier on the node's event fd, paired with a stock Qt 6 source
// (qtro_qt_peer); plus QVariant <-> qtro_value conversions of every Qt built-in type and of the
// QtGui value types.
#include <QtCore/QBitArray>
#include <QtCore/QCoreApplication>
#include <QtCore/QDateTime>
#include <QtCore/QEventLoop>
#include <QtCore/QLineF>
#include <QtCore/QRectF>
#include <QtCore/QThread>
#include <QtCore/QTimeZone>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtCore/QUuid>
#include <QtCore/QCborMap>
#include <QtCore/QCborValue>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QJsonValue>
#include <QtGui/QBrush>
#include <QtGui/QColor>
#include <QtGui/QFont>
#include <QtGui/QGuiApplication>
#include <QtGui/QImage>
#include <QtGui/QKeySequence>
#include <QtGui/QMatrix4x4>
#include <QtGui/QPen>
#include <QtGui/QPolygon>
#include <QtGui/QQuaternion>
#include <QtGui/QRegion>
#include <QtGui/QTransform>
#include <QtGui/QVector3D>

#include <cstdio>
#include <cstdlib>
#include <functional>

#include "peer.h"
#include "qtroqt.h"

#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond);        \
            std::exit(1);                                                                        \
        }                                                                                        \
    } while (0)

// Runs the Qt event loop until `done()` or 15 s.
static void spinUntil(const std::function<bool()> &done, const char *what) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > 15000) {
            std::fprintf(stderr, "timed out waiting for %s\n", what);
            std::exit(1);
        }
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
}

static void roundTrip(const QVariant &v) {
    qtro_value *q = qtro::qt::fromVariant(v);
    if (!q) {
        std::fprintf(stderr, "no conversion for %s\n", v.typeName());
        std::exit(1);
    }
    const QVariant back = qtro::qt::toVariant(q);
    qtro_value_free(q);
    if (back.metaType() != v.metaType() || back != v) {
        std::fprintf(stderr, "round trip changed %s: %s -> %s %s\n", v.typeName(), qPrintable(v.toString()), back.typeName(), qPrintable(back.toString()));
        std::exit(1);
    }
}

static void conversions() {
    const QList<QVariant> values = {
        QVariant(true), QVariant(-5), QVariant(5u), QVariant(-(qlonglong(1) << 40)), QVariant(qulonglong(1) << 63),
        QVariant(2.5), QVariant(0.5f), QVariant::fromValue(short(-3)), QVariant::fromValue(ushort(3)),
        QVariant::fromValue(static_cast<signed char>(-7)), QVariant::fromValue(uchar(200)), QVariant(QChar(0x263A)),
        QVariant(QStringLiteral("héllo ✓")), QVariant(QString()), QVariant(QByteArray("\0\1\2", 3)), QVariant(QByteArray()),
        QVariant(QStringList{"a", "b"}), QVariant(QVariantList{1, "x", QVariantList{2.5}}),
        QVariant(QVariantMap{{"k", 1}, {"s", "v"}}), QVariant(QVariantHash{{"h", true}}),
        QVariant(QBitArray(11, true)), QVariant(QDate(2024, 1, 2)), QVariant(QTime(13, 14, 15, 16)),
        QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC)),
        QVariant(QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::OffsetFromUTC, 3600)),
        QVariant(QUrl("tcp://127.0.0.1:1234")), QVariant(QUuid::createUuid()), QVariant(QPoint(1, -2)),
        QVariant(QPointF(0.5, 1.5)), QVariant(QSize(3, 4)), QVariant(QSizeF(1.5, 2.5)), QVariant(QRect(1, 2, 30, 40)),
        QVariant(QRectF(0.5, 0.25, 3, 4)), QVariant(QLine(1, 2, 3, 4)), QVariant(QLineF(0.1, 0.2, 0.3, 0.4)),
    };
    for (const QVariant &v : values) roundTrip(v);
    QLinearGradient gradient(QPointF(0, 0), QPointF(10, 5));
    gradient.setColorAt(0, Qt::red);
    gradient.setColorAt(1, QColor(0, 0, 255, 128));
    QImage image(3, 2, QImage::Format_ARGB32);
    image.fill(QColor(10, 20, 30, 40));
    const QList<QVariant> gui = {
        QVariant(QColor(1, 2, 3, 4)), QVariant(QColor::fromHsv(120, 200, 100)), QVariant(QBrush(gradient)),
        QVariant(QPen(QBrush(Qt::green), 2.5, Qt::DashLine)), QVariant(QFont(QStringLiteral("Mono"), 11, QFont::Bold)),
        QVariant(QPolygon(QList<QPoint>{QPoint(1, 2), QPoint(3, 4)})), QVariant(QPolygonF(QList<QPointF>{QPointF(0.5, 1)})),
        QVariant(QRegion(1, 2, 3, 4)), QVariant(QTransform(1, 2, 3, 4, 5, 6, 7, 8, 9)), QVariant(QMatrix4x4(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)),
        QVariant(QVector3D(1, 2, 3)), QVariant(QQuaternion(1, 0, 0, 0)), QVariant(QKeySequence(QStringLiteral("Ctrl+S"))),
        QVariant(image),
        QVariant(QJsonValue(2.5)), QVariant(QJsonObject{{"k", 1}}), QVariant(QJsonArray{1, "x"}),
        QVariant(QJsonDocument(QJsonArray{true})), QVariant::fromValue(QCborValue(42)),
        QVariant::fromValue(QCborMap{{1, QStringLiteral("one")}}),
    };
    for (const QVariant &v : gui) roundTrip(v);
    // A QtGui value made in C reaches Qt as that type.
    qtro_value *red = qtro_value_new_color(255, 0, 0, 255);
    EXPECT(qtro::qt::toVariant(red) == QVariant(QColor(Qt::red)));
    qtro_value_free(red);
    qtro_value *inv = qtro::qt::fromVariant(QVariant());
    EXPECT(qtro_value_type(inv) == QTRO_TYPE_INVALID);
    qtro_value_free(inv);
    EXPECT(!qtro::qt::toVariant(nullptr).isValid());
}

int main(int argc, char **argv) {
    QGuiApplication app(argc, argv);
    EXPECT(argc == 2);
    conversions();

    const char *args[] = {"source-static", "Interop", "--url", "tcp://127.0.0.1:0", nullptr};
    peer *qt = peer_start(argv[1], args);
    char url[256];
    EXPECT(json_string_field(peer_ready(qt), "url", url, sizeof url));

    QtroNode node;
    EXPECT(node.isOk());
    EXPECT(!node.connectToNode("nonsense"));
    EXPECT(node.lastError().contains("QTRO_ERR_BAD_URL"));
    EXPECT(node.connectToNode(QString::fromUtf8(url)));
    QtroReplica *replica = node.acquire("Interop");
    EXPECT(replica);

    QStringList changed;
    QVariantList firedArgs;
    QList<int> states;
    Qt::HANDLE callbackThread = nullptr;
    QObject::connect(replica, &QtroReplica::stateChanged, [&](int s) {
        states.append(s);
        callbackThread = QThread::currentThreadId();
    });
    QObject::connect(replica, &QtroReplica::propertyChanged, [&](const QString &name, const QVariant &) { changed.append(name); });
    QObject::connect(replica, &QtroReplica::signalEmitted, [&](const QString &name, const QVariantList &a) {
        if (name == "fired") firedArgs = a;
    });
    EXPECT(replica->waitForSource(10000));
    EXPECT(callbackThread == QThread::currentThreadId());  // delivered on the Qt thread
    EXPECT(states.contains(QTRO_STATE_VALID));
    EXPECT(replica->isInitialized());
    EXPECT(replica->propertyNames().size() == 9);
    EXPECT(replica->propertyValue("text") == QVariant(QStringLiteral("hello")));
    EXPECT(replica->propertyValue("ratio").metaType() == QMetaType::fromType<double>());

    // slot call through a pending-call object
    QVariant result;
    QString error = "unset";
    QtroPendingCall *call = replica->call("add", {2, 3});
    QObject::connect(call, &QtroPendingCall::finished, [&](const QVariant &r, const QString &e) {
        result = r;
        error = e;
    });
    spinUntil([&] { return error != "unset"; }, "add reply");
    EXPECT(error.isEmpty() && result == QVariant(5));

    error = "unset";
    call = replica->call("nope", {});
    QObject::connect(call, &QtroPendingCall::finished, [&](const QVariant &, const QString &e) { error = e; });
    spinUntil([&] { return error != "unset"; }, "error reply");
    EXPECT(error.contains("QTRO_ERR_NOT_FOUND"));

    // a signal from the Qt source
    replica->call("emitFired", {9, QStringLiteral("qt adapter")});
    spinUntil([&] { return !firedArgs.isEmpty(); }, "fired");
    EXPECT(firedArgs == (QVariantList{9, QStringLiteral("qt adapter")}));

    // writes in both directions
    EXPECT(replica->setPropertyValue("tags", QStringList{"x", "y"}));
    peer_expect2(qt, "\"event\":\"written\"", "\"name\":\"tags\"");
    spinUntil([&] { return changed.contains("tags"); }, "tags change");
    EXPECT(replica->propertyValue("tags") == QVariant(QStringList{"x", "y"}));
    peer_send(qt, "set count 77");
    spinUntil([&] { return replica->propertyValue("count") == QVariant(77); }, "count change");

    // the source goes away
    peer_stop(qt);
    spinUntil([&] { return replica->state() == QTRO_STATE_SUSPECT; }, "Suspect");

    delete replica;
    std::printf("interop_qt_adapter: ok\n");
    return 0;
}
