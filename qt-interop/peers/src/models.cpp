#include "models.h"

#include <QtCore/QSignalBlocker>
#include <QtGui/QBrush>
#include <QtGui/QColor>

#include <algorithm>
#include <numeric>

namespace {

constexpr int kRankRole = Qt::UserRole + 1; // 257
constexpr int kNameRole = Qt::UserRole;     // 256

// One row of `count` single-item levels below it, like modelviewserver's addChild(): a row of
// `count` items, the first of which holds the next level.
QList<QStandardItem *> childRow(int count, int level)
{
    QList<QStandardItem *> row;
    if (level <= 0)
        return row;
    for (int i = 0; i < count; ++i) {
        auto *child = new QStandardItem(QStringLiteral("child %1 level %2").arg(i + 1).arg(level));
        if (i == 0) {
            const QList<QStandardItem *> below = childRow(count, level - 1);
            if (!below.isEmpty())
                child->appendRow(below);
        }
        row.append(child);
    }
    return row;
}

QString pathText(const QList<int> &path)
{
    QStringList parts;
    for (int p : path)
        parts.append(QString::number(p));
    return parts.join(QLatin1Char('.'));
}

// A 2-column row of the `tree` model at `path`, with its children (deterministic, depth <= 3).
QList<QStandardItem *> treeRow(const QList<int> &path)
{
    const int depth = int(path.size()) - 1;
    auto *first = new QStandardItem(QStringLiteral("node %1").arg(pathText(path)));
    auto *second = new QStandardItem(QStringLiteral("depth %1").arg(depth));
    if (path.last() % 2 == 1)
        second->setBackground(QColor(Qt::blue));
    const int children = depth >= 3 ? 0 : (path.last() + depth) % 3 + (depth == 0 ? 1 : 0);
    for (int i = 0; i < children; ++i)
        first->appendRow(treeRow(QList<int>(path) << i));
    return {first, second};
}

} // namespace

std::unique_ptr<SourceModel> createSourceModel(const QString &kind, int rows, QString *error)
{
    if (kind == QLatin1String("table"))
        return std::make_unique<StandardModel>(StandardModel::Table, rows < 0 ? 100 : rows);
    if (kind == QLatin1String("tree"))
        return std::make_unique<StandardModel>(StandardModel::Tree, rows < 0 ? 6 : rows);
    if (kind == QLatin1String("rolenames"))
        return std::make_unique<GeneratedListModel>(kNameRole, rows < 0 ? 100 : rows);
    if (kind == QLatin1String("big"))
        return std::make_unique<GeneratedListModel>(Qt::DisplayRole, rows < 0 ? 100000 : rows);
    *error = QStringLiteral("unknown model kind %1 (expected table, tree, rolenames or big)").arg(kind);
    return nullptr;
}

// ---------------------------------------------------------------------------------------------

StandardModel::StandardModel(Shape shape, int rows) : m_shape(shape)
{
    populate(rows);
}

void StandardModel::populate(int rows)
{
    setColumnCount(2);
    setHorizontalHeaderLabels({QStringLiteral("Column 0"), QStringLiteral("Column 1")});
    for (int i = 0; i < rows; ++i) {
        if (m_shape == Tree) {
            appendRow(treeRow({i}));
            continue;
        }
        auto *first = new QStandardItem(QStringLiteral("row %1").arg(i));
        auto *second = new QStandardItem(QStringLiteral("value %1").arg(i));
        if (i % 2 == 0)
            first->setBackground(QColor(Qt::red));
        if (i == 0)
            first->appendRow(childRow(2, 2));
        appendRow({first, second});
    }
}

QVariant StandardModel::data(const QModelIndex &index, int role) const
{
    ++m_dataCalls;
    if (index.isValid())
        m_touched.insert(qMakePair(quintptr(index.internalPointer()), index.row()));
    return QStandardItemModel::data(index, role);
}

QStandardItem *StandardModel::itemFor(const QModelIndex &parent)
{
    return parent.isValid() ? itemFromIndex(parent) : invisibleRootItem();
}

bool StandardModel::moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
                             const QModelIndex &destinationParent, int destinationChild)
{
    // QStandardItemModel has no moveRows of its own (modelviewserver's moveRows is a no-op):
    // move the items between begin/endMoveRows, with the take/insert signals blocked.
    QStandardItem *from = itemFor(sourceParent);
    QStandardItem *to = itemFor(destinationParent);
    if (!from || !to || count <= 0 || sourceRow < 0 || sourceRow + count > from->rowCount()
        || destinationChild < 0 || destinationChild > to->rowCount())
        return false;
    if (!beginMoveRows(sourceParent, sourceRow, sourceRow + count - 1, destinationParent, destinationChild))
        return false;
    {
        const QSignalBlocker blocker(this);
        QList<QList<QStandardItem *>> taken;
        for (int i = 0; i < count; ++i)
            taken.append(from->takeRow(sourceRow));
        int at = destinationChild;
        if (from == to && destinationChild > sourceRow)
            at -= count;
        for (int i = 0; i < count; ++i)
            to->insertRow(at + i, taken.at(i));
    }
    endMoveRows();
    return true;
}

bool StandardModel::insertRowsAt(const QModelIndex &parent, int row, int count, QString *error)
{
    // Like modelviewserver: insertRows (one rowsInserted), then the new items get their text
    // before anyone can ask for it (signals blocked: no dataChanged for the fill).
    if (!insertRows(row, count, parent)) {
        *error = QStringLiteral("insertRows(%1, %2) refused").arg(row).arg(count);
        return false;
    }
    const QSignalBlocker blocker(this);
    const int columns = columnCount(parent);
    for (int r = row; r < row + count; ++r) {
        const int n = m_inserted++;
        for (int c = 0; c < columns; ++c)
            setData(index(r, c, parent), QStringLiteral("ins%1 c%2").arg(n).arg(c), Qt::DisplayRole);
    }
    return true;
}

bool StandardModel::moveRowsTo(const QModelIndex &parent, int row, int count, const QModelIndex &destination,
                               int destinationRow, QString *error)
{
    if (!moveRows(parent, row, count, destination, destinationRow)) {
        *error = QStringLiteral("moveRows refused");
        return false;
    }
    return true;
}

bool StandardModel::setItemFlags(const QModelIndex &index, int flags, QString *error)
{
    QStandardItem *item = itemFromIndex(index);
    if (!item) {
        *error = QStringLiteral("no item there");
        return false;
    }
    item->setFlags(Qt::ItemFlags(flags));
    return true;
}

bool StandardModel::setHeader(Qt::Orientation orientation, int section, int role, const QVariant &value, QString *error)
{
    if (!setHeaderData(section, orientation, value, role)) {
        *error = QStringLiteral("setHeaderData refused");
        return false;
    }
    return true;
}

bool StandardModel::resetTo(int rows, QString *)
{
    beginResetModel();
    {
        const QSignalBlocker blocker(this);
        removeRows(0, rowCount());
        populate(rows);
    }
    endResetModel();
    return true;
}

bool StandardModel::sortBy(const QModelIndex &parent, int column, Qt::SortOrder order, QString *error)
{
    if (!parent.isValid()) {
        sort(column, order);
        return true;
    }
    QStandardItem *item = itemFromIndex(parent);
    if (!item) {
        *error = QStringLiteral("no item there");
        return false;
    }
    item->sortChildren(column, order);
    return true;
}

void StandardModel::clearStats()
{
    m_dataCalls = 0;
    m_touched.clear();
}

QList<int> StandardModel::defaultRoles() const
{
    // tst_modelview's roles: display, background and UserRole - 1 (where QStandardItem keeps its
    // flags, so flag changes reach replicas).
    return {Qt::DisplayRole, Qt::BackgroundRole, Qt::UserRole - 1};
}

// ---------------------------------------------------------------------------------------------

GeneratedListModel::GeneratedListModel(int nameRole, int rows) : m_nameRole(nameRole)
{
    m_ids.resize(rows);
    std::iota(m_ids.begin(), m_ids.end(), 0);
    m_nextId = rows;
}

int GeneratedListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_ids.size());
}

QVariant GeneratedListModel::valueOf(int id, int role) const
{
    const auto edited = m_edits.constFind(id);
    if (edited != m_edits.cend() && edited->contains(role))
        return edited->value(role);
    if (role == m_nameRole)
        return QStringLiteral("item %1").arg(id);
    if (role == kRankRole)
        return id * 10;
    return QVariant();
}

QVariant GeneratedListModel::data(const QModelIndex &index, int role) const
{
    ++m_dataCalls;
    if (!index.isValid() || index.row() >= m_ids.size())
        return QVariant();
    m_touched.insert(index.row());
    return valueOf(m_ids.at(index.row()), role);
}

bool GeneratedListModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!index.isValid() || index.row() >= m_ids.size())
        return false;
    if (role == Qt::EditRole && m_nameRole == Qt::DisplayRole)
        role = Qt::DisplayRole;
    if (role != m_nameRole && role != kRankRole)
        return false;
    m_edits[m_ids.at(index.row())].insert(role, value);
    Q_EMIT dataChanged(index, index, {role});
    return true;
}

Qt::ItemFlags GeneratedListModel::flags(const QModelIndex &index) const
{
    if (!index.isValid() || index.row() >= m_ids.size())
        return Qt::NoItemFlags;
    const auto it = m_flags.constFind(m_ids.at(index.row()));
    if (it != m_flags.cend())
        return Qt::ItemFlags(*it);
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

QVariant GeneratedListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    const auto it = m_headers.constFind(qMakePair(int(orientation), section));
    if (it != m_headers.cend() && it->contains(role))
        return it->value(role);
    return QAbstractListModel::headerData(section, orientation, role);
}

QHash<int, QByteArray> GeneratedListModel::roleNames() const
{
    if (m_nameRole == Qt::DisplayRole)
        return {{Qt::DisplayRole, "display"}, {kRankRole, "rank"}};
    return {{kNameRole, "name"}, {kRankRole, "rank"}};
}

bool GeneratedListModel::insertRows(int row, int count, const QModelIndex &parent)
{
    if (parent.isValid() || row < 0 || row > m_ids.size() || count <= 0)
        return false;
    beginInsertRows(parent, row, row + count - 1);
    for (int i = 0; i < count; ++i)
        m_ids.insert(row + i, m_nextId++);
    endInsertRows();
    return true;
}

bool GeneratedListModel::removeRows(int row, int count, const QModelIndex &parent)
{
    if (parent.isValid() || row < 0 || count <= 0 || row + count > m_ids.size())
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    m_ids.remove(row, count);
    endRemoveRows();
    return true;
}

bool GeneratedListModel::moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
                                  const QModelIndex &destinationParent, int destinationChild)
{
    if (sourceParent.isValid() || destinationParent.isValid() || count <= 0 || sourceRow < 0
        || sourceRow + count > m_ids.size() || destinationChild < 0 || destinationChild > m_ids.size())
        return false;
    if (!beginMoveRows(sourceParent, sourceRow, sourceRow + count - 1, destinationParent, destinationChild))
        return false;
    const QVector<int> moving = m_ids.mid(sourceRow, count);
    m_ids.remove(sourceRow, count);
    const int at = destinationChild > sourceRow ? destinationChild - count : destinationChild;
    for (int i = 0; i < count; ++i)
        m_ids.insert(at + i, moving.at(i));
    endMoveRows();
    return true;
}

bool GeneratedListModel::insertRowsAt(const QModelIndex &parent, int row, int count, QString *error)
{
    if (!insertRows(row, count, parent)) {
        *error = QStringLiteral("insertRows(%1, %2) refused (list model: root only)").arg(row).arg(count);
        return false;
    }
    return true;
}

bool GeneratedListModel::moveRowsTo(const QModelIndex &parent, int row, int count, const QModelIndex &destination,
                                    int destinationRow, QString *error)
{
    if (!moveRows(parent, row, count, destination, destinationRow)) {
        *error = QStringLiteral("moveRows refused");
        return false;
    }
    return true;
}

bool GeneratedListModel::setItemFlags(const QModelIndex &index, int flags, QString *error)
{
    if (!index.isValid()) {
        *error = QStringLiteral("no item there");
        return false;
    }
    m_flags.insert(m_ids.at(index.row()), flags);
    // Flags travel with the data: tell replicas to fetch the row again.
    Q_EMIT dataChanged(index, index);
    return true;
}

bool GeneratedListModel::setHeader(Qt::Orientation orientation, int section, int role, const QVariant &value, QString *)
{
    m_headers[qMakePair(int(orientation), section)].insert(role, value);
    Q_EMIT headerDataChanged(orientation, section, section);
    return true;
}

bool GeneratedListModel::resetTo(int rows, QString *)
{
    beginResetModel();
    m_ids.resize(rows);
    std::iota(m_ids.begin(), m_ids.end(), 0);
    m_nextId = rows;
    m_edits.clear();
    m_flags.clear();
    endResetModel();
    return true;
}

bool GeneratedListModel::sortBy(const QModelIndex &parent, int column, Qt::SortOrder order, QString *error)
{
    if (parent.isValid() || column != 0) {
        *error = QStringLiteral("list model: sort the root by column 0 only");
        return false;
    }
    // By name (text order), stable; persistent indexes follow their rows.
    const QList<QPersistentModelIndex> none;
    Q_EMIT layoutAboutToBeChanged(none, QAbstractItemModel::VerticalSortHint);
    QVector<int> order_(m_ids.size());
    std::iota(order_.begin(), order_.end(), 0);
    auto name = [this](int row) { return valueOf(m_ids.at(row), m_nameRole).toString(); };
    std::stable_sort(order_.begin(), order_.end(), [&](int a, int b) {
        return order == Qt::AscendingOrder ? name(a) < name(b) : name(b) < name(a);
    });
    QVector<int> newRowOfOld(m_ids.size());
    QVector<int> ids(m_ids.size());
    for (int newRow = 0; newRow < order_.size(); ++newRow) {
        newRowOfOld[order_.at(newRow)] = newRow;
        ids[newRow] = m_ids.at(order_.at(newRow));
    }
    m_ids = ids;
    const QModelIndexList persistent = persistentIndexList();
    for (const QModelIndex &old : persistent)
        changePersistentIndex(old, index(newRowOfOld.at(old.row()), old.column()));
    Q_EMIT layoutChanged(none, QAbstractItemModel::VerticalSortHint);
    return true;
}

QList<int> GeneratedListModel::defaultRoles() const
{
    QList<int> roles = roleNames().keys();
    std::sort(roles.begin(), roles.end());
    return roles;
}

void GeneratedListModel::clearStats()
{
    m_dataCalls = 0;
    m_touched.clear();
}
