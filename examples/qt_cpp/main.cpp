// libqtro_rs in a Qt application: a source hosted with the C++ wrapper (qtro_rs.hpp) and a replica
// as a QObject (the Qt adapter) whose signals arrive in the Qt event loop.
//
//   qtro_qt_example                 run both sides in this process and exit
//   qtro_qt_example URL             acquire "Counter" from URL (e.g. `qtro_c_example serve URL`)
#include <QtCore/QCoreApplication>
#include <QtCore/QTimer>

#include <cstdio>

#include "qtro_rs.hpp"
#include "qtroqt.h"

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);

    // The source side (C++ wrapper; its handlers run on the node's dispatch thread).
    qtro::Node host;
    qtro::Class cls("Counter");
    cls.property("count", "int", QTRO_PROPERTY_READ_ONLY, 0).slot("increment", {{"by", "int"}}, "int");
    qtro::Source *counter = nullptr;
    qtro::SourceHandlers handlers;
    handlers.on_invoke = [&counter](qtro::Invocation &call) {
        const int64_t next = counter->property("count").to_int() + call.arg(0).to_int();
        counter->set_property("count", next);
        call.reply(next);
    };
    qtro::Source source = host.enable_source("Counter", cls, std::move(handlers));
    counter = &source;
    QString url = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString::fromStdString(host.listen("tcp://127.0.0.1:0"));

    // The replica side, in the Qt event loop.
    QtroNode node;
    node.connectToNode(url);
    QtroReplica *replica = node.acquire("Counter");
    QObject::connect(replica, &QtroReplica::propertyChanged, [](const QString &name, const QVariant &value) {
        std::printf("property %s = %s\n", qPrintable(name), qPrintable(value.toString()));
    });
    QObject::connect(replica, &QtroReplica::stateChanged, [replica](int state) {
        if (state != QTRO_STATE_VALID) return;
        QtroPendingCall *call = replica->call("increment", {5});
        QObject::connect(call, &QtroPendingCall::finished, [](const QVariant &result, const QString &error) {
            if (error.isEmpty()) std::printf("increment() returned %d\n", result.toInt());
            else std::printf("increment() failed: %s\n", qPrintable(error));
            QCoreApplication::exit(error.isEmpty() ? 0 : 1);
        });
    });
    QTimer::singleShot(10000, [] {
        std::printf("timed out\n");
        QCoreApplication::exit(1);
    });
    return app.exec();
}
