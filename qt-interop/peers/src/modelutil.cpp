#include "modelutil.h"

#include "jsonvariant.h"
#include "output.h"

#include <QtCore/QItemSelectionModel>
#include <QtCore/QStringList>

#include <algorithm>

namespace modelutil {

bool parsePath(const QByteArray &text, const QAbstractItemModel *model, QModelIndex *out, QString *error)
{
    *out = QModelIndex();
    if (text.isEmpty()) {
        *error = QStringLiteral("missing PATH (\".\" for the root)");
        return false;
    }
    if (text == "." || text == "root" || text == "-")
        return true;
    QModelIndex current;
    for (const QByteArray &element : text.split('.')) {
        const QList<QByteArray> parts = element.split(':');
        bool rowOk = false;
        bool columnOk = true;
        const int row = parts.at(0).toInt(&rowOk);
        const int column = parts.size() > 1 ? parts.at(1).toInt(&columnOk) : 0;
        if (!rowOk || !columnOk || parts.size() > 2) {
            *error = QStringLiteral("bad PATH element \"%1\" (expected ROW or ROW:COLUMN)")
                             .arg(QString::fromLatin1(element));
            return false;
        }
        if (row < 0 || column < 0 || row >= model->rowCount(current) || column >= model->columnCount(current)) {
            *error = QStringLiteral("PATH %1: no item %2,%3 (parent has %4 rows, %5 columns)")
                             .arg(QString::fromLatin1(text))
                             .arg(row)
                             .arg(column)
                             .arg(model->rowCount(current))
                             .arg(model->columnCount(current));
            return false;
        }
        current = model->index(row, column, current);
    }
    *out = current;
    return true;
}

QJsonArray indexPath(const QModelIndex &index)
{
    QJsonArray path;
    for (QModelIndex i = index; i.isValid(); i = i.parent())
        path.prepend(QJsonArray{i.row(), i.column()});
    return path;
}

bool parseRoles(const QString &text, QList<int> *roles, QString *error)
{
    roles->clear();
    if (text.isEmpty() || text == QLatin1String("none"))
        return true;
    for (const QString &part : text.split(QLatin1Char(','))) {
        bool ok = false;
        const int role = part.trimmed().toInt(&ok);
        if (!ok || role < 0) {
            *error = QStringLiteral("bad role \"%1\" in --roles (expected numbers like 0,8,257)").arg(part);
            return false;
        }
        roles->append(role);
    }
    return true;
}

QJsonArray intList(const QList<int> &values)
{
    QJsonArray array;
    for (int v : values)
        array.append(v);
    return array;
}

QJsonObject roleNamesJson(const QHash<int, QByteArray> &names)
{
    QJsonObject object;
    for (auto it = names.cbegin(); it != names.cend(); ++it)
        object.insert(QString::number(it.key()), QString::fromUtf8(it.value()));
    return object;
}

QJsonObject cellData(const QAbstractItemModel *model, const QModelIndex &index, const QList<int> &roles)
{
    QJsonObject data;
    for (int role : roles) {
        const QVariant value = model->data(index, role);
        if (value.isValid())
            data.insert(QString::number(role), jsonvariant::toJson(value));
    }
    return data;
}

QJsonObject rowJson(const QAbstractItemModel *model, const QModelIndex &parent, int row, const QList<int> &roles)
{
    QJsonArray cells;
    const int columns = model->columnCount(parent);
    for (int column = 0; column < columns; ++column) {
        const QModelIndex index = model->index(row, column, parent);
        QJsonObject cell;
        cell.insert(QStringLiteral("data"), cellData(model, index, roles));
        cell.insert(QStringLiteral("flags"), int(model->flags(index)));
        cells.append(cell);
    }
    QJsonObject object;
    object.insert(QStringLiteral("row"), row);
    object.insert(QStringLiteral("cells"), cells);
    object.insert(QStringLiteral("hasChildren"), model->hasChildren(model->index(row, 0, parent)));
    return object;
}

namespace {

QJsonObject dumpLevel(const QAbstractItemModel *model, const QModelIndex &parent, const QList<int> &roles)
{
    const int rows = model->rowCount(parent);
    QJsonArray items;
    for (int row = 0; row < rows; ++row) {
        QJsonObject item = rowJson(model, parent, row, roles);
        const QModelIndex first = model->index(row, 0, parent);
        if (model->hasChildren(first))
            item.insert(QStringLiteral("children"), dumpLevel(model, first, roles));
        items.append(item);
    }
    QJsonObject level;
    level.insert(QStringLiteral("rows"), rows);
    level.insert(QStringLiteral("columns"), model->columnCount(parent));
    level.insert(QStringLiteral("items"), items);
    return level;
}

QString orientationName(Qt::Orientation orientation)
{
    return orientation == Qt::Horizontal ? QStringLiteral("horizontal") : QStringLiteral("vertical");
}

QJsonObject withLabel(QJsonObject fields, const QString &label)
{
    if (!label.isEmpty())
        fields.insert(QStringLiteral("model"), label);
    return fields;
}

} // namespace

QJsonObject headersJson(const QAbstractItemModel *model, int role)
{
    QJsonArray horizontal;
    for (int section = 0; section < model->columnCount(); ++section)
        horizontal.append(jsonvariant::toJson(model->headerData(section, Qt::Horizontal, role)));
    QJsonArray vertical;
    for (int section = 0; section < model->rowCount(); ++section)
        vertical.append(jsonvariant::toJson(model->headerData(section, Qt::Vertical, role)));
    return QJsonObject{{QStringLiteral("horizontal"), horizontal}, {QStringLiteral("vertical"), vertical}};
}

QJsonObject dumpModel(const QAbstractItemModel *model, const QList<int> &roles)
{
    QJsonObject dump = dumpLevel(model, QModelIndex(), roles);
    // Horizontal headers only: a Qt replica keeps stale vertical header values after rows are
    // removed (README, findings); the "headers" command reports both orientations.
    QJsonArray horizontal;
    for (int section = 0; section < model->columnCount(); ++section)
        horizontal.append(jsonvariant::toJson(model->headerData(section, Qt::Horizontal, Qt::DisplayRole)));
    dump.insert(QStringLiteral("headers"), horizontal);
    dump.insert(QStringLiteral("roles"), intList(roles));
    return dump;
}

void reportModelSignals(QAbstractItemModel *model, QObject *context, const QString &label)
{
    using M = QAbstractItemModel;
    QObject::connect(model, &M::dataChanged, context,
                     [label](const QModelIndex &topLeft, const QModelIndex &bottomRight,
#if QT_VERSION_MAJOR >= 6
                             const QList<int> &roles
#else
                             const QVector<int> &roles
#endif
                     ) {
                         QList<int> list(roles.begin(), roles.end());
                         out::event("dataChanged", withLabel({{QStringLiteral("topLeft"), indexPath(topLeft)},
                                                              {QStringLiteral("bottomRight"), indexPath(bottomRight)},
                                                              {QStringLiteral("roles"), intList(list)}},
                                                             label));
                     });
    auto range = [label](const char *name) {
        return [label, name](const QModelIndex &parent, int first, int last) {
            out::event(name, withLabel({{QStringLiteral("parent"), indexPath(parent)},
                                        {QStringLiteral("first"), first},
                                        {QStringLiteral("last"), last}},
                                       label));
        };
    };
    QObject::connect(model, &M::rowsInserted, context, range("rowsInserted"));
    QObject::connect(model, &M::rowsRemoved, context, range("rowsRemoved"));
    QObject::connect(model, &M::columnsInserted, context, range("columnsInserted"));
    QObject::connect(model, &M::columnsRemoved, context, range("columnsRemoved"));
    auto moved = [label](const char *name) {
        return [label, name](const QModelIndex &parent, int first, int last, const QModelIndex &destination, int at) {
            out::event(name, withLabel({{QStringLiteral("parent"), indexPath(parent)},
                                        {QStringLiteral("first"), first},
                                        {QStringLiteral("last"), last},
                                        {QStringLiteral("destination"), indexPath(destination)},
                                        {QStringLiteral("row"), at}},
                                       label));
        };
    };
    QObject::connect(model, &M::rowsMoved, context, moved("rowsMoved"));
    QObject::connect(model, &M::columnsMoved, context, moved("columnsMoved"));
    QObject::connect(model, &M::modelReset, context, [label]() { out::event("modelReset", withLabel({}, label)); });
    QObject::connect(model, &M::layoutChanged, context,
                     [label](const QList<QPersistentModelIndex> &parents, QAbstractItemModel::LayoutChangeHint hint) {
                         QJsonArray paths;
                         for (const QPersistentModelIndex &parent : parents)
                             paths.append(indexPath(parent));
                         out::event("layoutChanged", withLabel({{QStringLiteral("parents"), paths},
                                                                {QStringLiteral("hint"), int(hint)}},
                                                               label));
                     });
    QObject::connect(model, &M::headerDataChanged, context, [label](Qt::Orientation orientation, int first, int last) {
        out::event("headerDataChanged", withLabel({{QStringLiteral("orientation"), orientationName(orientation)},
                                                   {QStringLiteral("first"), first},
                                                   {QStringLiteral("last"), last}},
                                                  label));
    });
}

void reportSelection(QItemSelectionModel *selection, QObject *context, const QString &label)
{
    QObject::connect(selection, &QItemSelectionModel::currentChanged, context,
                     [label](const QModelIndex &current, const QModelIndex &previous) {
                         out::event("currentChanged", withLabel({{QStringLiteral("current"), indexPath(current)},
                                                                 {QStringLiteral("previous"), indexPath(previous)}},
                                                                label));
                     });
}

} // namespace modelutil
