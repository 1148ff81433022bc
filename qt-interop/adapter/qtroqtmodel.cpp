// QtroItemModel and QtroModelSource: see qtroqtmodel.h.
#include "qtroqtmodel.h"

#include <QtCore/QItemSelectionModel>

// ---- QtroItemModel --------------------------------------------------------------------------------

QtroItemModel::QtroItemModel(QtroNode *node, const QString &name, QObject *parent, size_t cacheRows)
    : QAbstractItemModel(parent), m_node(node) {
    if (!node || !node->isOk()) {
        m_lastError = QStringLiteral("no node");
        return;
    }
    qtro_model_replica_options o{};
    o.cache_rows = cacheRows;
    qtro_model_replica_callbacks cb{};
    cb.state_changed = &QtroItemModel::onState;
    cb.initialized = &QtroItemModel::onInitialized;
    cb.reset_begin = &QtroItemModel::onResetBegin;
    cb.reset_end = &QtroItemModel::onResetEnd;
    cb.rows_about_to_be_inserted = &QtroItemModel::onRowsAboutToBeInserted;
    cb.rows_inserted = &QtroItemModel::onRowsInserted;
    cb.rows_about_to_be_removed = &QtroItemModel::onRowsAboutToBeRemoved;
    cb.rows_removed = &QtroItemModel::onRowsRemoved;
    cb.rows_about_to_be_moved = &QtroItemModel::onRowsAboutToBeMoved;
    cb.rows_moved = &QtroItemModel::onRowsMoved;
    cb.columns_about_to_be_inserted = &QtroItemModel::onColumnsAboutToBeInserted;
    cb.columns_inserted = &QtroItemModel::onColumnsInserted;
    cb.data_changed = &QtroItemModel::onDataChanged;
    cb.header_data_changed = &QtroItemModel::onHeaderDataChanged;
    cb.layout_about_to_be_changed = &QtroItemModel::onLayoutAboutToBeChanged;
    cb.layout_changed = &QtroItemModel::onLayoutChanged;
    cb.current_changed = &QtroItemModel::onCurrentChanged;
    if (qtro_node_acquire_model(node->handle(), name.toUtf8().constData(), &o, &cb, this, &m_replica) != QTRO_OK) {
        m_lastError = QString::fromUtf8(qtro_last_error_message());
        m_replica = nullptr;
    }
}

QtroItemModel::~QtroItemModel() { qtro_model_replica_free(m_replica); }

void QtroItemModel::setSelectionModel(QItemSelectionModel *selection) {
    if (m_selection) disconnect(m_selection, nullptr, this, nullptr);
    m_selection = selection;
    if (!selection) return;
    connect(selection, &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
        if (m_applyingCurrent || !m_replica) return;
        const Path p = pathOf(current);
        qtro_model_replica_set_current(m_replica, p.empty() ? nullptr : p.data(), p.size());
    });
}

QtroItemModel::Path QtroItemModel::pathOf(const PNode *n) const {
    Path p;
    for (; n && n != &m_root; n = n->up) p.push_back(qtro_model_index{n->row, n->column});
    return Path(p.rbegin(), p.rend());
}

QtroItemModel::Path QtroItemModel::pathOf(const QModelIndex &index) const {
    if (!index.isValid() || index.model() != this) return {};
    Path p = pathOf(static_cast<const PNode *>(index.internalPointer()));
    p.push_back(qtro_model_index{index.row(), index.column()});
    return p;
}

QtroItemModel::PNode *QtroItemModel::nodeFor(const Path &parent, bool create) const {
    PNode *n = &m_root;
    for (const qtro_model_index &s : parent) {
        auto it = n->kids.find({s.row, s.column});
        if (it == n->kids.end()) {
            if (!create) return nullptr;
            auto kid = std::make_unique<PNode>();
            kid->up = n;
            kid->row = s.row;
            kid->column = s.column;
            it = n->kids.emplace(std::make_pair(s.row, s.column), std::move(kid)).first;
        }
        n = it->second.get();
    }
    return n;
}

QModelIndex QtroItemModel::indexFor(const Path &path) const {
    if (path.empty()) return QModelIndex();
    Path parent(path.begin(), path.end() - 1);
    return createIndex(path.back().row, path.back().column, nodeFor(parent, true));
}

void QtroItemModel::shiftRows(PNode *p, int from, int by) {
    if (!p || by == 0) return;
    std::map<std::pair<int, int>, std::unique_ptr<PNode>> kids;
    for (auto &kv : p->kids) {
        std::unique_ptr<PNode> k = std::move(kv.second);
        if (k->row >= from) k->row += by;
        kids.emplace(std::make_pair(k->row, k->column), std::move(k));
    }
    p->kids = std::move(kids);
}

std::vector<std::unique_ptr<QtroItemModel::PNode>> QtroItemModel::detachRows(PNode *p, int first, int last) {
    std::vector<std::unique_ptr<PNode>> out;
    if (!p) return out;
    for (auto it = p->kids.begin(); it != p->kids.end();) {
        if (it->first.first >= first && it->first.first <= last) {
            out.push_back(std::move(it->second));
            it = p->kids.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

void QtroItemModel::clearTree() { m_root.kids.clear(); }

QModelIndex QtroItemModel::index(int row, int column, const QModelIndex &parent) const {
    if (!hasIndex(row, column, parent)) return QModelIndex();
    return createIndex(row, column, nodeFor(pathOf(parent), true));
}

QModelIndex QtroItemModel::parent(const QModelIndex &child) const {
    if (!child.isValid()) return QModelIndex();
    const PNode *n = static_cast<const PNode *>(child.internalPointer());
    if (!n || n == &m_root) return QModelIndex();
    return createIndex(n->row, n->column, n->up);
}

int QtroItemModel::rowCount(const QModelIndex &parent) const {
    if (!m_replica) return 0;
    const Path p = pathOf(parent);
    int32_t n = 0;
    return qtro_model_replica_row_count(m_replica, p.empty() ? nullptr : p.data(), p.size(), &n) == QTRO_OK ? n : 0;
}

int QtroItemModel::columnCount(const QModelIndex &parent) const {
    if (!m_replica) return 0;
    const Path p = pathOf(parent);
    int32_t n = 0;
    return qtro_model_replica_column_count(m_replica, p.empty() ? nullptr : p.data(), p.size(), &n) == QTRO_OK ? n : 0;
}

bool QtroItemModel::hasChildren(const QModelIndex &parent) const {
    if (!m_replica) return false;
    if (!parent.isValid()) return rowCount(parent) > 0 && columnCount(parent) > 0;
    const Path p = pathOf(parent);
    bool b = false;
    // Unknown yet: no children until the row's data arrives (its dataChanged tells views).
    return qtro_model_replica_has_children(m_replica, p.data(), p.size(), &b) == QTRO_OK && b;
}

QVariant QtroItemModel::data(const QModelIndex &index, int role) const {
    if (!m_replica || !checkIndex(index, CheckIndexOption::IndexIsValid)) return QVariant();
    const Path p = pathOf(index);
    qtro_value *v = nullptr;
    if (qtro_model_replica_data(m_replica, p.data(), p.size(), role, &v) != QTRO_OK) return QVariant();
    QVariant out = qtro::qt::toVariant(v);
    qtro_value_free(v);
    return out;
}

bool QtroItemModel::setData(const QModelIndex &index, const QVariant &value, int role) {
    if (!m_replica || !checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
    qtro_value *v = qtro::qt::fromVariant(value);
    if (!v) return false;
    const Path p = pathOf(index);
    const bool ok = qtro_model_replica_set_data(m_replica, p.data(), p.size(), v, role) == QTRO_OK;
    qtro_value_free(v);
    return ok;
}

Qt::ItemFlags QtroItemModel::flags(const QModelIndex &index) const {
    if (!m_replica || !index.isValid()) return Qt::NoItemFlags;
    const Path p = pathOf(index);
    int32_t f = 0;
    if (qtro_model_replica_flags(m_replica, p.data(), p.size(), &f) != QTRO_OK) return Qt::ItemIsSelectable | Qt::ItemIsEnabled;
    return Qt::ItemFlags(f);
}

QVariant QtroItemModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (!m_replica || section < 0) return QVariant();
    qtro_value *v = nullptr;
    const qtro_orientation o = orientation == Qt::Horizontal ? QTRO_HORIZONTAL : QTRO_VERTICAL;
    if (qtro_model_replica_header_data(m_replica, o, section, role, &v) != QTRO_OK) return QVariant();
    QVariant out = qtro::qt::toVariant(v);
    qtro_value_free(v);
    return out;
}

QHash<int, QByteArray> QtroItemModel::roleNames() const {
    size_t n = 0;
    if (!m_replica || qtro_model_replica_role_name_count(m_replica, &n) != QTRO_OK || n == 0)
        return QAbstractItemModel::roleNames();
    QHash<int, QByteArray> names;
    for (size_t i = 0; i < n; i++) {
        int32_t role = 0;
        char *name = nullptr;
        if (qtro_model_replica_role_name_at(m_replica, i, &role, &name) != QTRO_OK) continue;
        names.insert(role, QByteArray(name));
        qtro_string_free(name);
    }
    return names;
}

// ---- the replica's callbacks (on the node's thread, inside its dispatch) ------------------------

void QtroItemModel::onState(void *ud, qtro_replica_state state) { Q_EMIT self(ud)->stateChanged(int(state)); }

void QtroItemModel::onInitialized(void *ud) {
    self(ud)->m_initialized = true;
    Q_EMIT self(ud)->initialized();
}

void QtroItemModel::onResetBegin(void *ud) { self(ud)->beginResetModel(); }

void QtroItemModel::onResetEnd(void *ud) {
    self(ud)->clearTree();
    self(ud)->endResetModel();
}

void QtroItemModel::onRowsAboutToBeInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    m->beginInsertRows(m->indexFor(path(p, d)), first, last);
}

void QtroItemModel::onRowsInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    m->shiftRows(m->nodeFor(path(p, d), false), first, last - first + 1);
    m->endInsertRows();
}

void QtroItemModel::onRowsAboutToBeRemoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    m->beginRemoveRows(m->indexFor(path(p, d)), first, last);
}

void QtroItemModel::onRowsRemoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    PNode *n = m->nodeFor(path(p, d), false);
    // Kept alive until Qt has dropped the persistent indexes that point into them.
    std::vector<std::unique_ptr<PNode>> gone = m->detachRows(n, first, last);
    m->shiftRows(n, last + 1, -(last - first + 1));
    m->endRemoveRows();
}

void QtroItemModel::onRowsAboutToBeMoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last,
                                         const qtro_model_index *dp, size_t dd, int32_t row) {
    QtroItemModel *m = self(ud);
    m->m_moveAsReset = !m->beginMoveRows(m->indexFor(path(p, d)), first, last, m->indexFor(path(dp, dd)), row);
    if (m->m_moveAsReset) m->beginResetModel();
}

void QtroItemModel::onRowsMoved(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last,
                                const qtro_model_index *dp, size_t dd, int32_t row) {
    QtroItemModel *m = self(ud);
    if (m->m_moveAsReset) {
        m->clearTree();
        m->endResetModel();
        m->m_moveAsReset = false;
        return;
    }
    PNode *src = m->nodeFor(path(p, d), false);
    PNode *dst = m->nodeFor(path(dp, dd), true);
    const int count = last - first + 1;
    std::vector<std::unique_ptr<PNode>> moving = m->detachRows(src, first, last);
    m->shiftRows(src, last + 1, -count);
    // The destination row in the numbering after the rows left.
    const int to = (src == dst && row > last) ? row - count : row;
    m->shiftRows(dst, to, count);
    for (auto &k : moving) {
        k->row = to + (k->row - first);
        k->up = dst;
        dst->kids.emplace(std::make_pair(k->row, k->column), std::move(k));
    }
    m->endMoveRows();
}

void QtroItemModel::onColumnsAboutToBeInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    m->beginInsertColumns(m->indexFor(path(p, d)), first, last);
}

void QtroItemModel::onColumnsInserted(void *ud, const qtro_model_index *p, size_t d, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    if (PNode *n = m->nodeFor(path(p, d), false)) {
        std::map<std::pair<int, int>, std::unique_ptr<PNode>> kids;
        for (auto &kv : n->kids) {
            std::unique_ptr<PNode> k = std::move(kv.second);
            if (k->column >= first) k->column += last - first + 1;
            kids.emplace(std::make_pair(k->row, k->column), std::move(k));
        }
        n->kids = std::move(kids);
    }
    m->endInsertColumns();
}

void QtroItemModel::onDataChanged(void *ud, const qtro_model_index *tl, const qtro_model_index *br, size_t d,
                                  const int32_t *roles, size_t nroles) {
    QtroItemModel *m = self(ud);
    if (d == 0) return;
    QList<int> rs;
    for (size_t i = 0; i < nroles; i++) rs.append(roles[i]);
    Q_EMIT m->dataChanged(m->indexFor(path(tl, d)), m->indexFor(path(br, d)), rs);
}

void QtroItemModel::onHeaderDataChanged(void *ud, qtro_orientation o, int32_t first, int32_t last) {
    QtroItemModel *m = self(ud);
    // A reply for sections asked for before rows or columns went away: only the ones left.
    const int count = o == QTRO_HORIZONTAL ? m->columnCount() : m->rowCount();
    last = qMin(last, count - 1);
    if (first < 0 || first > last) return;
    Q_EMIT m->headerDataChanged(o == QTRO_HORIZONTAL ? Qt::Horizontal : Qt::Vertical, first, last);
}

void QtroItemModel::onLayoutAboutToBeChanged(void *ud, qtro_layout_hint hint) {
    QtroItemModel *m = self(ud);
    Q_EMIT m->layoutAboutToBeChanged({}, QAbstractItemModel::LayoutChangeHint(hint));
}

void QtroItemModel::onLayoutChanged(void *ud, qtro_layout_hint hint) {
    QtroItemModel *m = self(ud);
    // QtRO does not say where rows went: indexes kept across the change become invalid.
    const QModelIndexList from = m->persistentIndexList();
    m->changePersistentIndexList(from, QModelIndexList(from.size(), QModelIndex()));
    m->clearTree();
    Q_EMIT m->layoutChanged({}, QAbstractItemModel::LayoutChangeHint(hint));
}

void QtroItemModel::onCurrentChanged(void *ud, const qtro_model_index *c, size_t d, const qtro_model_index *, size_t) {
    QtroItemModel *m = self(ud);
    if (!m->m_selection) return;
    m->m_applyingCurrent = true;
    m->m_selection->setCurrentIndex(m->indexFor(path(c, d)), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
    m->m_applyingCurrent = false;
}

// ---- QtroModelSource --------------------------------------------------------------------------------

QtroModelSource::QtroModelSource(QtroNode *node, const QString &name, QAbstractItemModel *model, const QVector<int> &roles,
                                 QItemSelectionModel *selection, QObject *parent)
    : QObject(parent), m_model(model), m_selection(selection) {
    if (!node || !node->isOk() || !model) {
        m_lastError = QStringLiteral("no node or no model");
        return;
    }
    const QHash<int, QByteArray> names = model->roleNames();
    std::vector<int32_t> ids;
    std::vector<QByteArray> nameBytes;
    for (auto it = names.begin(); it != names.end(); ++it) {
        ids.push_back(it.key());
        nameBytes.push_back(it.value());
    }
    std::vector<const char *> namePtrs;
    for (const QByteArray &b : nameBytes) namePtrs.push_back(b.constData());
    std::vector<int32_t> served(roles.begin(), roles.end());
    qtro_model_vtable vt{&vRows, &vColumns, &vData, &vHasChildren, &vFlags, &vHeader, &vSetData, &vCurrent};
    if (qtro_node_enable_model(node->handle(), name.toUtf8().constData(), ids.data(), namePtrs.data(), ids.size(),
                               served.empty() ? nullptr : served.data(), served.size(), selection != nullptr, &vt, this,
                               &m_source) != QTRO_OK) {
        m_lastError = QString::fromUtf8(qtro_last_error_message());
        m_source = nullptr;
        return;
    }
    auto one = [this](const QModelIndex &parent, int first, int last, auto fn) {
        if (!m_source) return;
        const Path p = pathOf(parent);
        report(fn(m_source, p.empty() ? nullptr : p.data(), p.size(), first, last));
    };
    connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &tl, const QModelIndex &br, const QList<int> &roles) {
        if (!m_source) return;
        auto notify = [this, roles](const QModelIndex &tl, const QModelIndex &br) {
            const Path a = pathOf(tl), b = pathOf(br);
            if (!m_source || a.empty() || a.size() != b.size()) return;
            std::vector<int32_t> rs(roles.begin(), roles.end());
            report(qtro_model_source_data_changed(m_source, a.data(), b.data(), a.size(), rs.empty() ? nullptr : rs.data(), rs.size()));
        };
        if (!m_inVtable) return notify(tl, br);
        // From a replica's setData: the library signals the role written; the model may have
        // changed more (display and edit share data), which is told once the vtable returned.
        const QPersistentModelIndex ptl(tl), pbr(br);
        QMetaObject::invokeMethod(this, [notify, ptl, pbr] {
            if (ptl.isValid() && pbr.isValid()) notify(ptl, pbr);
        }, Qt::QueuedConnection);
    });
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [one](const QModelIndex &p, int f, int l) { one(p, f, l, qtro_model_source_rows_inserted); });
    connect(model, &QAbstractItemModel::rowsRemoved, this,
            [one](const QModelIndex &p, int f, int l) { one(p, f, l, qtro_model_source_rows_removed); });
    connect(model, &QAbstractItemModel::columnsInserted, this,
            [one](const QModelIndex &p, int f, int l) { one(p, f, l, qtro_model_source_columns_inserted); });
    connect(model, &QAbstractItemModel::columnsRemoved, this,
            [one](const QModelIndex &p, int f, int l) { one(p, f, l, qtro_model_source_columns_removed); });
    connect(model, &QAbstractItemModel::rowsMoved, this, [this](const QModelIndex &p, int f, int l, const QModelIndex &d, int row) {
        if (!m_source) return;
        const Path a = pathOf(p), b = pathOf(d);
        report(qtro_model_source_rows_moved(m_source, a.empty() ? nullptr : a.data(), a.size(), f, l, b.empty() ? nullptr : b.data(),
                                            b.size(), row));
    });
    connect(model, &QAbstractItemModel::columnsMoved, this, [this](const QModelIndex &, int, int, const QModelIndex &, int) {
        // Qt's adapter does not forward column moves either: replicas start over.
        if (m_source) report(qtro_model_source_reset(m_source));
    });
    connect(model, &QAbstractItemModel::layoutChanged, this,
            [this](const QList<QPersistentModelIndex> &parents, QAbstractItemModel::LayoutChangeHint hint) {
                if (!m_source) return;
                std::vector<Path> paths;
                for (const QPersistentModelIndex &p : parents) paths.push_back(pathOf(p));
                std::vector<qtro_model_path> ps;
                for (const Path &p : paths) ps.push_back(qtro_model_path{p.empty() ? nullptr : p.data(), p.size()});
                report(qtro_model_source_layout_changed(m_source, ps.empty() ? nullptr : ps.data(), ps.size(), int(hint)));
            });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        if (m_source) report(qtro_model_source_reset(m_source));
    });
    connect(model, &QAbstractItemModel::headerDataChanged, this, [this](Qt::Orientation o, int f, int l) {
        if (m_source) report(qtro_model_source_header_data_changed(m_source, o == Qt::Horizontal ? QTRO_HORIZONTAL : QTRO_VERTICAL, f, l));
    });
    if (selection) {
        connect(selection, &QItemSelectionModel::currentChanged, this, [this](const QModelIndex &current) {
            if (!m_source || m_inVtable) return;  // set by a replica: signalled by the library
            const Path p = pathOf(current);
            report(qtro_model_source_set_current(m_source, p.empty() ? nullptr : p.data(), p.size()));
        });
    }
}

QtroModelSource::~QtroModelSource() { qtro_model_source_free(m_source); }

void QtroModelSource::report(qtro_result r) {
    if (r != QTRO_OK) m_lastError = QString::fromUtf8(qtro_last_error_message());
}

QtroModelSource::Path QtroModelSource::pathOf(const QModelIndex &index) {
    Path p;
    for (QModelIndex i = index; i.isValid(); i = i.parent()) p.push_back(qtro_model_index{i.row(), i.column()});
    return Path(p.rbegin(), p.rend());
}

QModelIndex QtroModelSource::indexOf(const qtro_model_index *p, size_t depth) const {
    QModelIndex i;
    if (!m_model) return i;
    for (size_t k = 0; k < depth; k++) {
        i = m_model->index(p[k].row, p[k].column, i);
        if (!i.isValid()) return QModelIndex();
    }
    return i;
}

static QtroModelSource *src(void *ud) { return static_cast<QtroModelSource *>(ud); }

int32_t QtroModelSource::vRows(void *ud, const qtro_model_index *p, size_t d) {
    QtroModelSource *s = src(ud);
    if (!s->m_model) return 0;
    const QModelIndex i = s->indexOf(p, d);
    if (d > 0 && !i.isValid()) return 0;
    return s->m_model->rowCount(i);
}

int32_t QtroModelSource::vColumns(void *ud, const qtro_model_index *p, size_t d) {
    QtroModelSource *s = src(ud);
    if (!s->m_model) return 0;
    const QModelIndex i = s->indexOf(p, d);
    if (d > 0 && !i.isValid()) return 0;
    return s->m_model->columnCount(i);
}

qtro_value *QtroModelSource::vData(void *ud, const qtro_model_index *p, size_t d, int32_t role) {
    QtroModelSource *s = src(ud);
    const QModelIndex i = s->indexOf(p, d);
    if (!i.isValid()) return nullptr;
    const QVariant v = s->m_model->data(i, role);
    return v.isValid() ? qtro::qt::fromVariant(v) : nullptr;
}

bool QtroModelSource::vHasChildren(void *ud, const qtro_model_index *p, size_t d) {
    QtroModelSource *s = src(ud);
    if (!s->m_model) return false;
    const QModelIndex i = s->indexOf(p, d);
    return (d == 0 || i.isValid()) && s->m_model->hasChildren(i);
}

int32_t QtroModelSource::vFlags(void *ud, const qtro_model_index *p, size_t d) {
    QtroModelSource *s = src(ud);
    const QModelIndex i = s->indexOf(p, d);
    return i.isValid() ? int32_t(s->m_model->flags(i)) : 0;
}

qtro_value *QtroModelSource::vHeader(void *ud, int32_t section, qtro_orientation o, int32_t role) {
    QtroModelSource *s = src(ud);
    if (!s->m_model) return nullptr;
    const QVariant v = s->m_model->headerData(section, o == QTRO_HORIZONTAL ? Qt::Horizontal : Qt::Vertical, role);
    return v.isValid() ? qtro::qt::fromVariant(v) : nullptr;
}

bool QtroModelSource::vSetData(void *ud, const qtro_model_index *p, size_t d, const qtro_value *v, int32_t role) {
    QtroModelSource *s = src(ud);
    const QModelIndex i = s->indexOf(p, d);
    if (!i.isValid()) return false;
    s->m_inVtable = true;
    const bool ok = s->m_model->setData(i, qtro::qt::toVariant(v), role);
    s->m_inVtable = false;
    return ok;
}

void QtroModelSource::vCurrent(void *ud, const qtro_model_index *p, size_t d) {
    QtroModelSource *s = src(ud);
    if (!s->m_selection) return;
    s->m_inVtable = true;
    s->m_selection->setCurrentIndex(s->indexOf(p, d), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
    s->m_inVtable = false;
}
