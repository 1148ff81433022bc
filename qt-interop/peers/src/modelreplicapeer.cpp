#include "modelreplicapeer.h"

#include "jsonvariant.h"
#include "modelutil.h"
#include "modelwalker.h"
#include "output.h"

#include <QtCore/QItemSelectionModel>
#include <QtCore/QMetaEnum>

#include <algorithm>

#ifdef QTRO_HAVE_QTTEST
#include <QtTest/QAbstractItemModelTester>
#endif

namespace {

QString errorName(QRemoteObjectNode::ErrorCode code)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(code));
}

QJsonObject withLabel(QJsonObject fields, const QString &label)
{
    if (!label.isEmpty())
        fields.insert(QStringLiteral("model"), label);
    return fields;
}

bool takeInt(CommandLine &args, const char *what, int *out, QString *error)
{
    const QByteArray word = args.takeWord();
    bool ok = false;
    *out = word.toInt(&ok);
    if (!ok)
        *error = QStringLiteral("%1: expected an integer, got \"%2\"").arg(QLatin1String(what), QString::fromLatin1(word));
    return ok;
}

QList<int> availableRoles(const QAbstractItemModelReplica *model)
{
    const auto roles = model->availableRoles();
    return QList<int>(roles.begin(), roles.end());
}

} // namespace

namespace modelcommands {

void watch(QAbstractItemModelReplica *model, QObject *context, bool tester, const QString &label)
{
#ifdef QTRO_HAVE_QTTEST
    if (tester) // parented to the model: lives exactly as long as it
        new QAbstractItemModelTester(model, QAbstractItemModelTester::FailureReportingMode::Fatal, model);
#else
    Q_UNUSED(tester)
#endif
    modelutil::reportModelSignals(model, context, label);
    if (QItemSelectionModel *selection = model->selectionModel())
        modelutil::reportSelection(selection, context, label);
    QObject::connect(model, &QAbstractItemModelReplica::initialized, context, [model, label]() {
        out::event("initialized", withLabel({{QStringLiteral("availableRoles"), modelutil::intList(availableRoles(model))},
                                            {QStringLiteral("roleNames"), modelutil::roleNamesJson(model->roleNames())},
                                            {QStringLiteral("rows"), model->rowCount()},
                                            {QStringLiteral("columns"), model->columnCount()}},
                                           label));
    });
}

bool handle(QAbstractItemModelReplica *model, const QByteArray &command, CommandLine &args, QJsonObject *response,
            QString *error, bool *handled, const std::function<void()> &defer, QObject *context,
            const QByteArray &replyAs)
{
    *handled = true;
    QModelIndex parent;
    const QByteArray cmd = replyAs.isEmpty() ? command : replyAs;
    auto later = [cmd](bool ok, const QJsonObject &fields, const QString &message) {
        QJsonObject line = fields;
        line.insert(QStringLiteral("cmd"), QString::fromLatin1(cmd));
        if (!ok)
            line.insert(QStringLiteral("message"), message);
        out::event(ok ? "ok" : "error", line);
    };

    if (command == "walk" || command == "headers" || command == "rows") {
        ModelWalker::Kind kind = ModelWalker::Walk;
        int timeoutMs = 15000;
        int first = 0;
        int last = -1;
        int headerRole = Qt::DisplayRole;
        if (command == "rows") {
            kind = ModelWalker::Rows;
            if (!takeInt(args, "FIRST", &first, error) || !takeInt(args, "LAST", &last, error))
                return false;
            if (!args.rest().isEmpty() && !modelutil::parsePath(args.takeWord(), model, &parent, error))
                return false;
        } else if (command == "headers") {
            kind = ModelWalker::Headers;
            if (!args.rest().isEmpty() && !takeInt(args, "ROLE", &headerRole, error))
                return false;
        } else if (!args.rest().isEmpty() && !takeInt(args, "TIMEOUT_MS", &timeoutMs, error)) {
            return false;
        }
        auto *walker = new ModelWalker(model, kind, later, context);
        walker->setRange(parent, first, last);
        walker->setHeaderRole(headerRole);
        defer();
        walker->start(timeoutMs);
        return true;
    }
    if (command == "count") {
        if (!args.rest().isEmpty() && !modelutil::parsePath(args.takeWord(), model, &parent, error))
            return false;
        response->insert(QStringLiteral("hasChildren"), model->hasChildren(parent));
        response->insert(QStringLiteral("rows"), model->rowCount(parent)); // may ask the source
        response->insert(QStringLiteral("columns"), model->columnCount(parent));
        response->insert(QStringLiteral("initialized"), model->isInitialized());
        return true;
    }
    if (command == "get") {
        // What the cache holds right now (asks the source for what is missing, like a view).
        int column = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "COL", &column, error))
            return false;
        const QModelIndex index = model->index(parent.row(), column, parent.parent());
        if (!parent.isValid() || !index.isValid()) {
            *error = QStringLiteral("no cell there");
            return false;
        }
        QJsonArray cached;
        for (int role : availableRoles(model)) {
            if (model->hasData(index, role))
                cached.append(role);
        }
        response->insert(QStringLiteral("cached"), cached);
        response->insert(QStringLiteral("data"), modelutil::cellData(model, index, availableRoles(model)));
        response->insert(QStringLiteral("flags"), int(model->flags(index)));
        return true;
    }
    if (command == "set") {
        int column = 0;
        int role = 0;
        QJsonValue json;
        QVariant value;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "COL", &column, error)
            || !takeInt(args, "ROLE", &role, error) || !jsonvariant::parse(args.rest(), &json, error)
            || !jsonvariant::fromJson(json, 0, &value, error))
            return false;
        const QModelIndex index = model->index(parent.row(), column, parent.parent());
        const bool accepted = parent.isValid() && model->setData(index, value, role);
        response->insert(QStringLiteral("accepted"), accepted);
        return true;
    }
    if (command == "select") {
        QItemSelectionModel *selection = model->selectionModel();
        int column = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error))
            return false;
        if (!args.rest().isEmpty() && !takeInt(args, "COL", &column, error))
            return false;
        const QModelIndex index = parent.isValid() ? model->index(parent.row(), column, parent.parent()) : QModelIndex();
        selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
        response->insert(QStringLiteral("current"), modelutil::indexPath(selection->currentIndex()));
        return true;
    }
    if (command == "cached") {
        // Which items under PATH (default root) the cache holds, without asking the source:
        // cells with every available role cached, and the rows whose cells all are.
        if (!args.rest().isEmpty() && !modelutil::parsePath(args.takeWord(), model, &parent, error))
            return false;
        const QList<int> roles = availableRoles(model);
        int cells = 0;
        QJsonArray rows;
        const int rowCount = model->rowCount(parent);
        const int columnCount = model->columnCount(parent);
        for (int row = 0; row < rowCount; ++row) {
            int rowCells = 0;
            for (int column = 0; column < columnCount; ++column) {
                const QModelIndex index = model->index(row, column, parent);
                if (std::all_of(roles.begin(), roles.end(), [&](int role) { return model->hasData(index, role); }))
                    ++rowCells;
            }
            cells += rowCells;
            if (rowCells == columnCount && columnCount > 0)
                rows.append(row);
        }
        response->insert(QStringLiteral("cells"), cells);
        response->insert(QStringLiteral("rows"), rows);
        return true;
    }
    if (command == "roles") {
        response->insert(QStringLiteral("availableRoles"), modelutil::intList(availableRoles(model)));
        response->insert(QStringLiteral("roleNames"), modelutil::roleNamesJson(model->roleNames()));
        response->insert(QStringLiteral("initialized"), model->isInitialized());
        return true;
    }
    *handled = false;
    return false;
}

} // namespace modelcommands

ModelReplicaPeer::ModelReplicaPeer(const Options &options, QObject *parent) : Peer(options, parent) {}

ModelReplicaPeer::~ModelReplicaPeer()
{
    m_model.reset();
}

bool ModelReplicaPeer::start()
{
    if (m_options.url.isEmpty() && m_options.registry.isEmpty()) {
        fatal(QStringLiteral("model-replica needs --url or --registry"));
        return false;
    }
    QList<int> rolesHint;
    QString error;
    if (!modelutil::parseRoles(m_options.roles, &rolesHint, &error)) {
        fatal(error);
        return false;
    }
    // The replica's cache (and PrefetchData's request size) is read from the environment when
    // the model replica is created.
    if (m_options.cacheSize >= 0)
        qputenv("QTRO_NODES_CACHE_SIZE", QByteArray::number(m_options.cacheSize));
    configureNode(&m_node);
    if (!m_options.registry.isEmpty() && !m_node.setRegistryUrl(m_options.registry)) {
        fatal(QStringLiteral("cannot use registry %1").arg(m_options.registry.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_node.lastError())}});
        return false;
    }
    if (!m_options.url.isEmpty() && !m_node.connectToNode(m_options.url)) {
        fatal(QStringLiteral("cannot connect to %1").arg(m_options.url.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_node.lastError())}});
        return false;
    }
    watchNode(&m_node);
    const auto action = m_options.prefetch ? QtRemoteObjects::PrefetchData : QtRemoteObjects::FetchRootSize;
#if QT_VERSION_MAJOR >= 6
    m_model.reset(m_node.acquireModel(m_options.name, action, rolesHint));
#else
    m_model.reset(m_node.acquireModel(m_options.name, action, rolesHint.toVector()));
#endif
    if (!m_model) {
        fatal(QStringLiteral("cannot acquire model %1").arg(m_options.name));
        return false;
    }
    modelcommands::watch(m_model.get(), this, m_options.tester);

    QJsonObject ready;
    ready.insert(QStringLiteral("mode"), m_options.mode);
    ready.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    ready.insert(QStringLiteral("name"), m_options.name);
    ready.insert(QStringLiteral("initial"), m_options.prefetch ? QStringLiteral("prefetch") : QStringLiteral("fetch-root-size"));
    ready.insert(QStringLiteral("cacheSize"), double(m_model->rootCacheSize()));
#ifdef QTRO_HAVE_QTTEST
    ready.insert(QStringLiteral("tester"), m_options.tester);
#else
    ready.insert(QStringLiteral("tester"), false);
#endif
    if (!m_options.url.isEmpty())
        ready.insert(QStringLiteral("url"), m_options.url.toString());
    if (!m_options.registry.isEmpty())
        ready.insert(QStringLiteral("registry"), m_options.registry.toString());
    out::event("ready", ready);
    return true;
}

bool ModelReplicaPeer::handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                              QString *error)
{
    bool handled = false;
    const bool ok = modelcommands::handle(m_model.get(), command, args, response, error, &handled,
                                          [this]() { deferReply(); }, this);
    if (handled)
        return ok;
    *error = QStringLiteral("unknown command");
    return false;
}
