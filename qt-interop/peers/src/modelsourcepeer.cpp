#include "modelsourcepeer.h"

#include "jsonvariant.h"
#include "modelutil.h"
#include "output.h"

#include <QtCore/QMetaEnum>
#include <QtCore/QThread>

namespace {

QString errorName(QRemoteObjectNode::ErrorCode code)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectNode::ErrorCode>().valueToKey(code));
}

bool takeInt(CommandLine &args, const char *what, int *out, QString *error)
{
    const QByteArray word = args.takeWord();
    bool ok = false;
    *out = word.toInt(&ok);
    if (!ok) {
        *error = QStringLiteral("%1: expected an integer, got \"%2\"").arg(QLatin1String(what), QString::fromLatin1(word));
        return false;
    }
    return true;
}

bool takeValue(CommandLine &args, QVariant *value, QString *error)
{
    QJsonValue json;
    return jsonvariant::parse(args.rest(), &json, error) && jsonvariant::fromJson(json, 0, value, error);
}

} // namespace

ModelSourcePeer::ModelSourcePeer(const Options &options, QObject *parent) : Peer(options, parent) {}

ModelSourcePeer::~ModelSourcePeer() = default;

bool ModelSourcePeer::start()
{
    if (m_options.url.isEmpty()) {
        fatal(QStringLiteral("--url is required for model-source"));
        return false;
    }
    QString error;
    m_source = createSourceModel(m_options.modelKind, m_options.rows, &error);
    if (!m_source) {
        fatal(error);
        return false;
    }
    if (m_options.rolesSet) {
        if (!modelutil::parseRoles(m_options.roles, &m_roles, &error)) {
            fatal(error);
            return false;
        }
    } else {
        m_roles = m_source->defaultRoles();
    }
    QAbstractItemModel *model = m_source->model();
    if (m_options.selection) {
        m_selection = std::make_unique<QItemSelectionModel>(model);
        modelutil::reportSelection(m_selection.get(), this);
    }
    modelutil::reportModelSignals(model, this);

    configureNode(&m_host);
    if (!m_host.setHostUrl(m_options.url)) {
        fatal(QStringLiteral("cannot host on %1").arg(m_options.url.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    if (!m_options.registry.isEmpty() && !m_host.setRegistryUrl(m_options.registry)) {
        fatal(QStringLiteral("cannot use registry %1").arg(m_options.registry.toString()),
              QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    watchNode(&m_host);
#if QT_VERSION_MAJOR >= 6
    const QList<int> roles = m_roles;
#else
    const QVector<int> roles = m_roles.toVector();
#endif
    if (!m_host.enableRemoting(model, m_options.name, roles, m_selection.get())) {
        fatal(QStringLiteral("enableRemoting failed"), QJsonObject{{QStringLiteral("code"), errorName(m_host.lastError())}});
        return false;
    }
    QJsonObject ready;
    ready.insert(QStringLiteral("mode"), m_options.mode);
    ready.insert(QStringLiteral("kind"), m_options.modelKind);
    ready.insert(QStringLiteral("qt"), QString::fromLatin1(qVersion()));
    ready.insert(QStringLiteral("url"), m_host.hostUrl().toString());
    ready.insert(QStringLiteral("name"), m_options.name);
    ready.insert(QStringLiteral("roles"), modelutil::intList(m_roles));
    ready.insert(QStringLiteral("roleNames"), modelutil::roleNamesJson(model->roleNames()));
    ready.insert(QStringLiteral("rows"), model->rowCount());
    ready.insert(QStringLiteral("columns"), model->columnCount());
    ready.insert(QStringLiteral("selection"), m_selection != nullptr);
    if (!m_options.registry.isEmpty())
        ready.insert(QStringLiteral("registry"), m_options.registry.toString());
    out::event("ready", ready);
    return true;
}

bool ModelSourcePeer::handle(const QByteArray &command, CommandLine &args, QJsonObject *response,
                             QString *error)
{
    QAbstractItemModel *model = m_source->model();
    QModelIndex parent;

    if (command == "insert" || command == "remove" || command == "columns-insert" || command == "columns-remove") {
        int first = 0;
        int count = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "ROW", &first, error)
            || !takeInt(args, "COUNT", &count, error))
            return false;
        bool ok = false;
        if (command == "insert")
            return m_source->insertRowsAt(parent, first, count, error);
        if (command == "remove")
            ok = model->removeRows(first, count, parent);
        else if (command == "columns-insert")
            ok = model->insertColumns(first, count, parent);
        else
            ok = model->removeColumns(first, count, parent);
        if (!ok)
            *error = QStringLiteral("the model refused");
        return ok;
    }
    if (command == "move") {
        QModelIndex destination;
        int row = 0;
        int count = 0;
        int destinationRow = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "ROW", &row, error)
            || !takeInt(args, "COUNT", &count, error)
            || !modelutil::parsePath(args.takeWord(), model, &destination, error)
            || !takeInt(args, "DESTROW", &destinationRow, error))
            return false;
        return m_source->moveRowsTo(parent, row, count, destination, destinationRow, error);
    }
    if (command == "set" || command == "flags") {
        int column = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "COL", &column, error))
            return false;
        const QModelIndex index = parent.isValid() ? model->index(parent.row(), column, parent.parent())
                                                   : QModelIndex();
        if (!index.isValid()) {
            *error = QStringLiteral("no cell there (PATH names the row, COL the column)");
            return false;
        }
        if (command == "flags") {
            int flags = 0;
            return takeInt(args, "FLAGS", &flags, error) && m_source->setItemFlags(index, flags, error);
        }
        int role = 0;
        QVariant value;
        if (!takeInt(args, "ROLE", &role, error) || !takeValue(args, &value, error))
            return false;
        if (!model->setData(index, value, role)) {
            *error = QStringLiteral("setData refused");
            return false;
        }
        return true;
    }
    if (command == "header") {
        const QByteArray which = args.takeWord();
        int section = 0;
        int role = 0;
        QVariant value;
        if (which != "h" && which != "v") {
            *error = QStringLiteral("header h|v SECTION ROLE JSON");
            return false;
        }
        if (!takeInt(args, "SECTION", &section, error) || !takeInt(args, "ROLE", &role, error)
            || !takeValue(args, &value, error))
            return false;
        return m_source->setHeader(which == "h" ? Qt::Horizontal : Qt::Vertical, section, role, value, error);
    }
    if (command == "reset") {
        int rows = model->rowCount();
        if (!args.rest().isEmpty() && !takeInt(args, "ROWS", &rows, error))
            return false;
        return m_source->resetTo(rows, error);
    }
    if (command == "sort") {
        int column = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error) || !takeInt(args, "COL", &column, error))
            return false;
        const QByteArray direction = args.takeWord();
        if (!direction.isEmpty() && direction != "asc" && direction != "desc") {
            *error = QStringLiteral("sort PATH COL [asc|desc]");
            return false;
        }
        return m_source->sortBy(parent, column, direction == "desc" ? Qt::DescendingOrder : Qt::AscendingOrder, error);
    }
    if (command == "current") {
        if (!m_selection) {
            *error = QStringLiteral("no selection model (start with --selection)");
            return false;
        }
        int column = 0;
        if (!modelutil::parsePath(args.takeWord(), model, &parent, error))
            return false;
        if (!args.rest().isEmpty() && !takeInt(args, "COL", &column, error))
            return false;
        const QModelIndex index = parent.isValid() ? model->index(parent.row(), column, parent.parent()) : QModelIndex();
        m_selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
        response->insert(QStringLiteral("current"), modelutil::indexPath(m_selection->currentIndex()));
        return true;
    }
    if (command == "dump") {
        QList<int> sorted = m_roles;
        std::sort(sorted.begin(), sorted.end());
        response->insert(QStringLiteral("model"), modelutil::dumpModel(model, sorted));
        return true;
    }
    if (command == "stats") {
        response->insert(QStringLiteral("dataCalls"), double(m_source->dataCalls()));
        response->insert(QStringLiteral("rowsTouched"), double(m_source->rowsTouched()));
        if (args.takeWord() == "clear")
            m_source->clearStats();
        return true;
    }
    if (command == "count") {
        if (!modelutil::parsePath(args.rest().isEmpty() ? QByteArray(".") : args.takeWord(), model, &parent, error))
            return false;
        response->insert(QStringLiteral("rows"), model->rowCount(parent));
        response->insert(QStringLiteral("columns"), model->columnCount(parent));
        return true;
    }
    if (command == "sleep") {
        // Blocks the event loop: lets a test queue network input behind a later command.
        int ms = 0;
        if (!takeInt(args, "MS", &ms, error))
            return false;
        QThread::msleep(ulong(std::max(0, ms)));
        return true;
    }
    if (command == "available-roles") {
        // Qt has no public API for this: the adapter enableRemoting created (a child of the
        // model) has a writable availableRoles property whose setter emits availableRolesChanged.
        QList<int> roles;
        if (!modelutil::parseRoles(QString::fromLatin1(args.rest()), &roles, error))
            return false;
        QObject *adapter = nullptr;
        for (QObject *child : model->children()) {
            if (qstrcmp(child->metaObject()->className(), "QAbstractItemModelSourceAdapter") == 0)
                adapter = child;
        }
        if (!adapter) {
            *error = QStringLiteral("no QAbstractItemModelSourceAdapter under the model");
            return false;
        }
#if QT_VERSION_MAJOR >= 6
        const QVariant value = QVariant::fromValue(roles);
#else
        const QVariant value = QVariant::fromValue(roles.toVector());
#endif
        if (!adapter->setProperty("availableRoles", value)) {
            *error = QStringLiteral("the adapter refused the roles");
            return false;
        }
        m_roles = roles;
        return true;
    }
    if (command == "url") {
        response->insert(QStringLiteral("url"), m_host.hostUrl().toString());
        return true;
    }
    *error = QStringLiteral("unknown command");
    return false;
}
