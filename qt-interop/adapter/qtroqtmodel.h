// Item models for the Qt 6 adapter of libqtro_rs (docs/c-cpp.md "Item models"):
//
//  - QtroItemModel: a QAbstractItemModel backed by a libqtro_rs model replica
//    (qtro_node_acquire_model), so QTreeView/QTableView and QML ListView/TableView show a model
//    served by Rust, C, or a stock Qt enableRemoting(model, …), without Qt's RemoteObjects module.
//    Its begin…/end… calls come from the replica's about-to/done callbacks; data() answers from the
//    cache, and a miss asks for the row and returns QVariant() until the dataChanged that follows.
//  - QtroModelSource: serves an application's existing QAbstractItemModel (and optionally its
//    QItemSelectionModel) through a QtroNode, to libqtro_rs or stock Qt replicas.
//
// Both live on the QtroNode's thread (the model's thread, for QtroModelSource), which runs every
// callback; nothing here locks.
#ifndef QTRO_QT_MODEL_ADAPTER_H
#define QTRO_QT_MODEL_ADAPTER_H

#include <QtCore/QAbstractItemModel>
#include <QtCore/QHash>
#include <QtCore/QPointer>
#include <QtCore/QVector>

#include <map>
#include <memory>
#include <vector>

#include "qtroqt.h"

class QItemSelectionModel;

// A model replica as a QAbstractItemModel.
class QtroItemModel : public QAbstractItemModel {
    Q_OBJECT
public:
    // Acquires the model `name` through `node` (which must outlive this object). `cacheRows`
    // 0 keeps the library's default (1000).
    QtroItemModel(QtroNode *node, const QString &name, QObject *parent = nullptr, size_t cacheRows = 0);
    ~QtroItemModel() override;

    bool isOk() const { return m_replica != nullptr; }
    QString lastError() const { return m_lastError; }
    bool isInitialized() const { return m_initialized; }
    qtro_model_replica *handle() const { return m_replica; }

    // Keeps the selection model's current index in sync with the source's (both ways).
    void setSelectionModel(QItemSelectionModel *selection);

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    bool hasChildren(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    // Sends the write to the source; the value changes when its dataChanged comes back.
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    // The initial fetch arrived (again after every reconnection).
    void initialized();
    // qtro_replica_state of the replica.
    void stateChanged(int state);

private:
    // A parent whose children have indexes: the node of the item (row, column) under `up`.
    struct PNode {
        PNode *up = nullptr;
        int row = 0;
        int column = 0;
        std::map<std::pair<int, int>, std::unique_ptr<PNode>> kids;
    };
    using Path = std::vector<qtro_model_index>;

    Path pathOf(const PNode *n) const;
    Path pathOf(const QModelIndex &index) const;
    PNode *nodeFor(const Path &parent, bool create) const;
    QModelIndex indexFor(const Path &path) const;
    void shiftRows(PNode *p, int from, int by);
    std::vector<std::unique_ptr<PNode>> detachRows(PNode *p, int first, int last);
    void clearTree();

    static QtroItemModel *self(void *ud) { return static_cast<QtroItemModel *>(ud); }
    static Path path(const qtro_model_index *p, size_t d) { return p ? Path(p, p + d) : Path(); }
    static void onState(void *ud, qtro_replica_state state);
    static void onInitialized(void *ud);
    static void onResetBegin(void *ud);
    static void onResetEnd(void *ud);
    static void onRowsAboutToBeInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onRowsInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onRowsAboutToBeRemoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onRowsRemoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onRowsAboutToBeMoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last,
                                     const qtro_model_index *dp, size_t dd, int32_t row);
    static void onRowsMoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last,
                            const qtro_model_index *dp, size_t dd, int32_t row);
    static void onColumnsAboutToBeInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onColumnsInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last);
    static void onDataChanged(void *ud, const qtro_model_index *tl, const qtro_model_index *br, size_t d,
                              const int32_t *roles, size_t nroles);
    static void onHeaderDataChanged(void *ud, qtro_orientation o, int32_t first, int32_t last);
    static void onLayoutAboutToBeChanged(void *ud, qtro_layout_hint hint);
    static void onLayoutChanged(void *ud, qtro_layout_hint hint);
    static void onCurrentChanged(void *ud, const qtro_model_index *c, size_t d, const qtro_model_index *p, size_t pd);

    QPointer<QtroNode> m_node;
    qtro_model_replica *m_replica = nullptr;
    mutable PNode m_root;
    QString m_lastError;
    bool m_initialized = false;
    // A move Qt refuses to express (beginMoveRows false) is shown as a reset.
    bool m_moveAsReset = false;
    QModelIndexList m_layoutPersistent;
    QPointer<QItemSelectionModel> m_selection;
    bool m_applyingCurrent = false;
};

// Serves an existing QAbstractItemModel through a QtroNode (as QRemoteObjectHost::enableRemoting
// does): stock Qt replicas acquire it with acquireModel(name), libqtro_rs ones with
// qtro_node_acquire_model / QtroItemModel. Lives on the model's thread, which must be the node's.
class QtroModelSource : public QObject {
    Q_OBJECT
public:
    // `roles`: the roles served (empty: every role of model->roleNames()). `selection` (may be
    // nullptr): its current index is shared with replicas, both ways.
    QtroModelSource(QtroNode *node, const QString &name, QAbstractItemModel *model, const QVector<int> &roles = {},
                    QItemSelectionModel *selection = nullptr, QObject *parent = nullptr);
    ~QtroModelSource() override;

    bool isOk() const { return m_source != nullptr; }
    QString lastError() const { return m_lastError; }
    qtro_model_source *handle() const { return m_source; }

private:
    using Path = std::vector<qtro_model_index>;
    static Path pathOf(const QModelIndex &index);
    QModelIndex indexOf(const qtro_model_index *p, size_t depth) const;
    void report(qtro_result r);

    static int32_t vRows(void *ud, const qtro_model_index *p, size_t d);
    static int32_t vColumns(void *ud, const qtro_model_index *p, size_t d);
    static qtro_value *vData(void *ud, const qtro_model_index *p, size_t d, int32_t role);
    static bool vHasChildren(void *ud, const qtro_model_index *p, size_t d);
    static int32_t vFlags(void *ud, const qtro_model_index *p, size_t d);
    static qtro_value *vHeader(void *ud, int32_t section, qtro_orientation o, int32_t role);
    static bool vSetData(void *ud, const qtro_model_index *p, size_t d, const qtro_value *v, int32_t role);
    static void vCurrent(void *ud, const qtro_model_index *p, size_t d);

    QPointer<QAbstractItemModel> m_model;
    QPointer<QItemSelectionModel> m_selection;
    qtro_model_source *m_source = nullptr;
    QString m_lastError;
    // Inside a vtable function: the model's own signals are signalled by the library already
    // (setData) or come from a replica (current index).
    bool m_inVtable = false;
};

#endif  // QTRO_QT_MODEL_ADAPTER_H
