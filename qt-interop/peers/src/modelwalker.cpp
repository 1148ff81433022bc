#include "modelwalker.h"

#include "modelutil.h"

#include <algorithm>

namespace {

QList<int> sortedRoles(const QAbstractItemModelReplica *model)
{
    const auto available = model->availableRoles();
    QList<int> roles(available.begin(), available.end());
    std::sort(roles.begin(), roles.end());
    return roles;
}

} // namespace

ModelWalker::ModelWalker(QAbstractItemModelReplica *model, Kind kind, Done done, QObject *parent)
    : QObject(parent), m_model(model), m_kind(kind), m_done(std::move(done))
{
    using M = QAbstractItemModel;
    connect(model, &QAbstractItemModelReplica::initialized, this, &ModelWalker::schedule);
    connect(model, &M::dataChanged, this, &ModelWalker::schedule);
    connect(model, &M::rowsInserted, this, [this](const QModelIndex &parent) {
        m_sizeRequested.remove(QPersistentModelIndex(parent));
        schedule();
    });
    connect(model, &M::rowsRemoved, this, &ModelWalker::schedule);
    connect(model, &M::rowsMoved, this, &ModelWalker::schedule);
    connect(model, &M::columnsInserted, this, &ModelWalker::schedule);
    auto forget = [this]() {
        m_requested.clear();
        m_sizeRequested.clear();
        schedule();
    };
    connect(model, &M::modelReset, this, forget);
    connect(model, &M::layoutChanged, this, forget);
    connect(model, &M::headerDataChanged, this, [this](Qt::Orientation orientation, int first, int last) {
        for (int section = first; section <= last; ++section) {
            const auto key = qMakePair(int(orientation), section);
            if (m_headerRequested.remove(key))
                m_headerAnswered.insert(key);
        }
        schedule();
    });
    connect(model, &QObject::destroyed, this, [this]() {
        m_model = nullptr;
        finish(false, {}, QStringLiteral("the model replica was deleted"));
    });

    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this]() {
        QJsonObject fields;
        fields.insert(QStringLiteral("pendingItems"), int(m_requested.size()));
        fields.insert(QStringLiteral("pendingSizes"), int(m_sizeRequested.size()));
        fields.insert(QStringLiteral("pendingHeaders"), int(m_headerRequested.size()));
        fields.insert(QStringLiteral("scans"), m_scans);
        finish(false, fields, QStringLiteral("timeout: the replica did not deliver everything"));
    });
    // Replies can be lost (e.g. a request for rows that were removed meanwhile): ask again now
    // and then. Header sections that never answer are taken as cached invalid values.
    m_retry.setInterval(1000);
    connect(&m_retry, &QTimer::timeout, this, [this]() {
        m_requested.clear();
        m_sizeRequested.clear();
        for (auto it = m_headerRequested.begin(); it != m_headerRequested.end();) {
            if (++it.value() >= 2) {
                m_headerAnswered.insert(it.key());
                it = m_headerRequested.erase(it);
            } else {
                ++it;
            }
        }
        schedule();
    });
}

void ModelWalker::setRange(const QModelIndex &parent, int first, int last)
{
    m_parent = parent;
    m_parentWasValid = parent.isValid();
    m_first = first;
    m_last = last;
}

void ModelWalker::start(int timeoutMs)
{
    m_timeout.start(timeoutMs);
    m_retry.start();
    scan();
}

void ModelWalker::schedule()
{
    if (m_scheduled || m_finished)
        return;
    m_scheduled = true;
    QTimer::singleShot(0, this, [this]() {
        m_scheduled = false;
        scan();
    });
}

bool ModelWalker::visitLevel(const QModelIndex &parent, int first, int last, bool recurse)
{
    const QList<int> roles = sortedRoles(m_model);
    const int rows = m_model->rowCount(parent);
    const int columns = m_model->columnCount(parent);
    bool complete = true;
    for (int row = std::max(0, first); row <= std::min(last, rows - 1); ++row) {
        bool rowCached = true;
        for (int column = 0; column < columns; ++column) {
            const QModelIndex index = m_model->index(row, column, parent);
            for (int role : roles) {
                if (m_model->hasData(index, role))
                    continue;
                rowCached = false;
                QSet<int> &asked = m_requested[QPersistentModelIndex(index)];
                if (!asked.contains(role)) {
                    asked.insert(role);
                    (void)m_model->data(index, role);
                }
            }
        }
        if (!rowCached) {
            complete = false;
            continue;
        }
        const QModelIndex first = m_model->index(row, 0, parent);
        if (!recurse || !m_model->hasChildren(first))
            continue;
        const QPersistentModelIndex key(first);
        if (m_sizeRequested.contains(key)) {
            complete = false;
            continue;
        }
        const int childRows = m_model->rowCount(first); // asks the source when not known yet
        if (childRows == 0) {
            m_sizeRequested.insert(key);
            complete = false;
            continue;
        }
        complete = visitLevel(first, 0, childRows - 1, true) && complete;
    }
    return complete;
}

bool ModelWalker::visitHeaders(Qt::Orientation orientation, int count, int role)
{
    bool complete = true;
    for (int section = 0; section < count; ++section) {
        const auto key = qMakePair(int(orientation), section);
        if (m_headerAnswered.contains(key))
            continue;
        if (m_headerRequested.contains(key)) {
            complete = false;
            continue;
        }
        // headerData() answers from the cache, or asks the source and answers invalid.
        if (m_model->headerData(section, orientation, role).isValid()) {
            m_headerAnswered.insert(key);
            continue;
        }
        m_headerRequested.insert(key, 0);
        complete = false;
    }
    return complete;
}

void ModelWalker::scan()
{
    if (m_finished || !m_model)
        return;
    ++m_scans;
    if (!m_model->isInitialized())
        return; // initialized() schedules the next scan
    const QModelIndex parent = m_parent;
    if (m_kind == Rows && m_parentWasValid && !m_parent.isValid()) {
        finish(false, {}, QStringLiteral("the parent row was removed"));
        return;
    }
    bool complete = true;
    switch (m_kind) {
    case Walk:
        complete = visitLevel(QModelIndex(), 0, m_model->rowCount() - 1, true);
        complete = visitHeaders(Qt::Horizontal, m_model->columnCount(), Qt::DisplayRole) && complete;
        break;
    case Rows:
        complete = visitLevel(parent, m_first, m_last, false);
        break;
    case Headers:
        complete = visitHeaders(Qt::Horizontal, m_model->columnCount(), m_headerRole);
        complete = visitHeaders(Qt::Vertical, m_model->rowCount(), m_headerRole) && complete;
        break;
    }
    if (!complete)
        return;

    QJsonObject fields;
    switch (m_kind) {
    case Walk:
        fields.insert(QStringLiteral("model"), modelutil::dumpModel(m_model, sortedRoles(m_model)));
        break;
    case Rows: {
        QJsonArray rows;
        const QList<int> roles = sortedRoles(m_model);
        for (int row = std::max(0, m_first); row <= std::min(m_last, m_model->rowCount(parent) - 1); ++row)
            rows.append(modelutil::rowJson(m_model, parent, row, roles));
        fields.insert(QStringLiteral("parent"), modelutil::indexPath(parent));
        fields.insert(QStringLiteral("rows"), rows);
        break;
    }
    case Headers:
        fields.insert(QStringLiteral("headers"), modelutil::headersJson(m_model, m_headerRole));
        fields.insert(QStringLiteral("role"), m_headerRole);
        break;
    }
    fields.insert(QStringLiteral("scans"), m_scans);
    finish(true, fields, QString());
}

void ModelWalker::finish(bool ok, const QJsonObject &fields, const QString &error)
{
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    m_retry.stop();
    if (m_done)
        m_done(ok, fields, error);
    deleteLater();
}
