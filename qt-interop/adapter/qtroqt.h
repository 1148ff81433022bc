// Qt 6 adapter for libqtro_rs: a libqtro_rs node driven by the Qt event loop, and replicas that
// are QObjects emitting Qt signals, with values converted to and from QVariant.
//
//   QtroNode node;                                   // QTRO_DISPATCH_POLL + QSocketNotifier
//   node.connectToNode("tcp://127.0.0.1:5555");
//   QtroReplica *r = node.acquire("Simple");         // dynamic replica, owned by the node
//   QObject::connect(r, &QtroReplica::propertyChanged, [](const QString &n, const QVariant &v) {…});
//   QtroPendingCall *c = r->call("add", {2, 3});
//   QObject::connect(c, &QtroPendingCall::finished, [](const QVariant &result, const QString &error) {…});
//
// Everything runs on the thread that owns the QtroNode (the node's callbacks are dispatched from a
// QSocketNotifier on its event fd), so slots connected to these signals need no locking.
//
// Build: with the CMake package, `find_package(Qt6 COMPONENTS Core)`, `find_package(qtro_rs)`,
// `target_link_libraries(app qtro_rs::qt_adapter)` and AUTOMOC ON on the target.
#ifndef QTRO_QT_ADAPTER_H
#define QTRO_QT_ADAPTER_H

#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QVariant>

#include "qtro_rs.h"

class QSocketNotifier;
class QtroReplica;

namespace qtro::qt {

// A QVariant for a qtro_value: every Qt built-in type maps to itself; enums become int (qlonglong
// for 8-byte enums); gadgets, structs and typed containers become QVariantList (fields / items) or
// QVariantMap (string-keyed containers); a QVariant in a QVariant stays nested. NULL gives QVariant().
QVariant toVariant(const qtro_value *value);

// A new qtro_value (owned by the caller) for a QVariant of a Qt built-in type, an enum (sent as its
// integer) or a container of those; nullptr for types with no QtRO equivalent.
qtro_value *fromVariant(const QVariant &value);

}  // namespace qtro::qt

// The result of an asynchronous slot call; emits finished() once and then deletes itself.
class QtroPendingCall : public QObject {
    Q_OBJECT
public:
    explicit QtroPendingCall(QObject *parent = nullptr) : QObject(parent) {}
    bool isFinished() const { return m_finished; }
    QVariant result() const { return m_result; }
    QString error() const { return m_error; }

Q_SIGNALS:
    // `error` is empty on success; otherwise `result` is invalid.
    void finished(const QVariant &result, const QString &error);

private:
    friend class QtroReplica;
    void complete(const QVariant &result, const QString &error);
    bool m_finished = false;
    QVariant m_result;
    QString m_error;
};

// A libqtro_rs node in QTRO_DISPATCH_POLL mode, dispatched by the Qt event loop.
class QtroNode : public QObject {
    Q_OBJECT
public:
    // `dialect`: QTRO_DIALECT_QT6 or QTRO_DIALECT_QT5.
    explicit QtroNode(QObject *parent = nullptr, qtro_dialect dialect = QTRO_DIALECT_QT6);
    ~QtroNode() override;

    bool isOk() const { return m_node != nullptr; }
    qtro_node *handle() const { return m_node; }
    QString lastError() const { return m_lastError; }

    // Keeps a connection to a host node (reconnecting). False on a bad URL.
    bool connectToNode(const QString &url);
    // Uses a registry to find sources by name.
    bool setRegistryUrl(const QString &url);
    // Hosts this node's sources on `url`; returns the bound URL, or an empty string on failure.
    QString listen(const QString &url, int timeoutMs = 5000);

    // A dynamic replica of `name`, a child of this node (delete it to release the replica).
    // nullptr on failure (see lastError()).
    QtroReplica *acquire(const QString &name);

    // Delivers pending events now (also done automatically by the socket notifier).
    void processEvents();

private:
    friend class QtroReplica;
    bool check(qtro_result r);
    qtro_node *m_node = nullptr;
    QSocketNotifier *m_notifier = nullptr;
    QString m_lastError;
};

// A dynamic replica as a QObject. Signals are emitted on the node's thread.
class QtroReplica : public QObject {
    Q_OBJECT
    Q_PROPERTY(int state READ state NOTIFY stateChanged)
public:
    ~QtroReplica() override;

    QString name() const { return m_name; }
    qtro_replica *handle() const { return m_replica; }
    // qtro_replica_state (QTRO_STATE_VALID == 2, as QRemoteObjectReplica::Valid), as of the last
    // stateChanged() this object emitted: the engine may be a transition ahead until the node's
    // events are dispatched, and a property must not change before its notify signal.
    int state() const { return m_state; }
    bool isValid() const { return state() == QTRO_STATE_VALID; }
    bool isInitialized() const { return m_initialized; }
    QString lastError() const { return m_lastError; }

    // Runs a local event loop until the replica is Valid or `timeoutMs` passed.
    bool waitForSource(int timeoutMs = 5000);

    QStringList propertyNames() const;
    QVariant propertyValue(const QString &name) const;
    // Sends a property write; the change comes back through propertyChanged().
    bool setPropertyValue(const QString &name, const QVariant &value);
    // Calls a slot; the returned object (owned by this replica) emits finished() and deletes
    // itself. `timeoutMs` 0 means no timeout (the call still fails if the connection drops).
    QtroPendingCall *call(const QString &slot, const QVariantList &args = {}, int timeoutMs = 0);

Q_SIGNALS:
    void stateChanged(int state, int oldState);
    void initialized();
    void propertyChanged(const QString &name, const QVariant &value);
    void signalEmitted(const QString &name, const QVariantList &args);

private:
    friend class QtroNode;
    QtroReplica(QtroNode *node, const QString &name);
    static void onState(void *self, qtro_replica_state oldState, qtro_replica_state newState);
    static void onInitialized(void *self);
    static void onProperty(void *self, const char *name, size_t index, const qtro_value *value);
    static void onSignal(void *self, const char *name, size_t index, const qtro_value *const *args, size_t nargs);
    static void onReply(void *pending, qtro_result result, const qtro_value *value, const char *error);

    QPointer<QtroNode> m_node;
    qtro_replica *m_replica = nullptr;
    QString m_name;
    bool m_initialized = false;
    int m_state = QTRO_STATE_UNINITIALIZED;
    QString m_lastError;
};

#endif  // QTRO_QT_ADAPTER_H
