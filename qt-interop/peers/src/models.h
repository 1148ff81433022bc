// The source models of mode model-source (and the tracks of source-static Media/OtherMedia).
//
//   table      QStandardItemModel like Qt's modelviewserver example: N rows x 2 columns, a small
//              one-column tree under row 0, horizontal header labels, a red background on even rows
//   tree       QStandardItemModel, 2 columns, deterministic children up to 3 levels deep
//   rolenames  QAbstractListModel with roleNames {256: "name", 257: "rank"} (like tst_modelview's
//              RolenamesListModel)
//   big        QAbstractListModel, N rows, roleNames {0: "display", 257: "rank"}, O(1) data
//
// Every model counts the data() calls it serves (the "stats" command).
#pragma once

#include <QtCore/QAbstractListModel>
#include <QtCore/QHash>
#include <QtCore/QMap>
#include <QtCore/QSet>
#include <QtCore/QVector>
#include <QtGui/QStandardItemModel>

#include <memory>

// Structural operations the model-source commands need, implemented per model kind.
class SourceModel
{
public:
    virtual ~SourceModel() = default;
    virtual QAbstractItemModel *model() = 0;
    // Rows inserted carry deterministic content ("ins<N> c<column>" / a new generated id).
    virtual bool insertRowsAt(const QModelIndex &parent, int row, int count, QString *error) = 0;
    virtual bool moveRowsTo(const QModelIndex &parent, int row, int count, const QModelIndex &destination,
                            int destinationRow, QString *error) = 0;
    virtual bool setItemFlags(const QModelIndex &index, int flags, QString *error) = 0;
    virtual bool setHeader(Qt::Orientation orientation, int section, int role, const QVariant &value, QString *error) = 0;
    virtual bool resetTo(int rows, QString *error) = 0;
    virtual bool sortBy(const QModelIndex &parent, int column, Qt::SortOrder order, QString *error) = 0;
    // Serving statistics: data() calls, distinct (parent, row) pairs asked for.
    virtual qint64 dataCalls() const = 0;
    virtual qint64 rowsTouched() const = 0;
    virtual void clearStats() = 0;
    // Roles the peer remotes when --roles is not given. (A root model remoted with no roles has
    // no available roles at all: enableRemoting does not fall back to roleNames().)
    virtual QList<int> defaultRoles() const = 0;
};

// kind: table, tree, rolenames, big. rows < 0 = the kind's default (100; big: 100000).
std::unique_ptr<SourceModel> createSourceModel(const QString &kind, int rows, QString *error);

class StandardModel : public QStandardItemModel, public SourceModel
{
public:
    enum Shape { Table, Tree };
    StandardModel(Shape shape, int rows);

    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
                  const QModelIndex &destinationParent, int destinationChild) override;

    QAbstractItemModel *model() override { return this; }
    bool insertRowsAt(const QModelIndex &parent, int row, int count, QString *error) override;
    bool moveRowsTo(const QModelIndex &parent, int row, int count, const QModelIndex &destination,
                    int destinationRow, QString *error) override;
    bool setItemFlags(const QModelIndex &index, int flags, QString *error) override;
    bool setHeader(Qt::Orientation orientation, int section, int role, const QVariant &value, QString *error) override;
    bool resetTo(int rows, QString *error) override;
    bool sortBy(const QModelIndex &parent, int column, Qt::SortOrder order, QString *error) override;
    qint64 dataCalls() const override { return m_dataCalls; }
    qint64 rowsTouched() const override { return m_touched.size(); }
    void clearStats() override;
    QList<int> defaultRoles() const override;

private:
    void populate(int rows);
    QStandardItem *itemFor(const QModelIndex &parent);

    Shape m_shape;
    int m_inserted = 0;
    mutable qint64 m_dataCalls = 0;
    mutable QSet<QPair<quintptr, int>> m_touched;
};

class GeneratedListModel : public QAbstractListModel, public SourceModel
{
public:
    // nameRole: 256 (rolenames) or Qt::DisplayRole (big). Row data: name "item <id>", rank id * 10.
    GeneratedListModel(int nameRole, int rows);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool insertRows(int row, int count, const QModelIndex &parent = QModelIndex()) override;
    bool removeRows(int row, int count, const QModelIndex &parent = QModelIndex()) override;
    bool moveRows(const QModelIndex &sourceParent, int sourceRow, int count,
                  const QModelIndex &destinationParent, int destinationChild) override;

    QAbstractItemModel *model() override { return this; }
    bool insertRowsAt(const QModelIndex &parent, int row, int count, QString *error) override;
    bool moveRowsTo(const QModelIndex &parent, int row, int count, const QModelIndex &destination,
                    int destinationRow, QString *error) override;
    bool setItemFlags(const QModelIndex &index, int flags, QString *error) override;
    bool setHeader(Qt::Orientation orientation, int section, int role, const QVariant &value, QString *error) override;
    bool resetTo(int rows, QString *error) override;
    bool sortBy(const QModelIndex &parent, int column, Qt::SortOrder order, QString *error) override;
    qint64 dataCalls() const override { return m_dataCalls; }
    qint64 rowsTouched() const override { return m_touched.size(); }
    void clearStats() override;
    QList<int> defaultRoles() const override;

private:
    QVariant valueOf(int id, int role) const;

    int m_nameRole;
    QVector<int> m_ids;                       // row -> id
    int m_nextId = 0;
    QHash<int, QMap<int, QVariant>> m_edits;  // id -> role -> value set with setData
    QHash<int, int> m_flags;                  // id -> flags set with the "flags" command
    QMap<QPair<int, int>, QMap<int, QVariant>> m_headers; // (orientation, section) -> role -> value
    mutable qint64 m_dataCalls = 0;
    mutable QSet<int> m_touched;
};
