// Helpers shared by the item-model modes (model-source, model-replica and the MODEL children of
// the static modes): index paths, role lists, the JSON dump of a model and the model events.
#pragma once

#include <QtCore/QAbstractItemModel>
#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonObject>
#include <QtCore/QList>
#include <QtCore/QString>

class QItemSelectionModel;

namespace modelutil {

// Parses a PATH command argument into an index of column 0 rows (or of the given columns):
//   "."  (or "root", "-")   the root (an invalid QModelIndex)
//   "3"                     row 3, column 0, under the root
//   "0.2.1"                 row 1 under row 2 under row 0 (every element column 0)
//   "0:1.2"                 an element may name its column: row 0 column 1, then row 2 under it
// Fails when an element does not exist in `model` right now.
bool parsePath(const QByteArray &text, const QAbstractItemModel *model, QModelIndex *out, QString *error);

// The index as QtRO's IndexList: [[row,column], ...] from the top level down; [] for the root.
QJsonArray indexPath(const QModelIndex &index);

// "0,8,255" -> {0, 8, 255}; "" or "none" -> {} (meaning: all of the model's roleNames()).
bool parseRoles(const QString &text, QList<int> *roles, QString *error);

QJsonArray intList(const QList<int> &values);
// {"0":"display","257":"rank"}
QJsonObject roleNamesJson(const QHash<int, QByteArray> &names);

// The data of one item for `roles`: {"<role>": <json>, ...}; invalid values are left out.
QJsonObject cellData(const QAbstractItemModel *model, const QModelIndex &index, const QList<int> &roles);

// One row: {"row":R,"hasChildren":B,"cells":[{"data":{...},"flags":F},...]}
QJsonObject rowJson(const QAbstractItemModel *model, const QModelIndex &parent, int row, const QList<int> &roles);

// The whole model (see README "Model dump"): {"rows","columns","headers":[horizontal],"roles",
// "items":[row + "children"]}.
// Reads only what `model` already has: on a replica, walk first (ModelWalker).
QJsonObject dumpModel(const QAbstractItemModel *model, const QList<int> &roles);

// {"horizontal":[...],"vertical":[...]} header data for `role` (invalid -> null).
QJsonObject headersJson(const QAbstractItemModel *model, int role);

// Prints one event per model signal (dataChanged, rowsInserted, rowsRemoved, rowsMoved,
// columnsInserted, columnsRemoved, columnsMoved, modelReset, layoutChanged, headerDataChanged),
// with "model": label when label is not empty. Connections live as long as `context`.
void reportModelSignals(QAbstractItemModel *model, QObject *context, const QString &label = QString());
// Prints "currentChanged" events of a selection model.
void reportSelection(QItemSelectionModel *selection, QObject *context, const QString &label = QString());

} // namespace modelutil
