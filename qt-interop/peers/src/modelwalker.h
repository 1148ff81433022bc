// Fetches parts of a QAbstractItemModelReplica and reports them once everything is cached, the
// way tst_modelview's FetchData helper does: ask for every missing (index, role) with data(),
// ask for child row counts with rowCount(), then wait for the replica's dataChanged /
// rowsInserted / headerDataChanged and look again until nothing is missing.
#pragma once

#include <QtCore/QHash>
#include <QtCore/QJsonObject>
#include <QtCore/QObject>
#include <QtCore/QPersistentModelIndex>
#include <QtCore/QSet>
#include <QtCore/QTimer>
#include <QtRemoteObjects/QAbstractItemModelReplica>

#include <functional>

class ModelWalker : public QObject
{
    Q_OBJECT

public:
    enum Kind {
        Walk,    // the whole tree + headers (display role) -> {"model": dump}
        Rows,    // rows first..last of parent, every column -> {"parent","rows":[...]}
        Headers, // every header section, both orientations, for one role -> {"headers": {...}}
    };
    // done(ok, fields, error) is called once; the walker deletes itself afterwards.
    using Done = std::function<void(bool ok, const QJsonObject &fields, const QString &error)>;

    ModelWalker(QAbstractItemModelReplica *model, Kind kind, Done done, QObject *parent = nullptr);

    void setRange(const QModelIndex &parent, int first, int last);
    void setHeaderRole(int role) { m_headerRole = role; }
    void start(int timeoutMs);

private:
    void schedule();
    void scan();
    // Requests what is missing under `parent`; returns true when everything there is cached.
    bool visitLevel(const QModelIndex &parent, int first, int last, bool recurse);
    bool visitHeaders(Qt::Orientation orientation, int count, int role);
    void finish(bool ok, const QJsonObject &fields, const QString &error);

    QAbstractItemModelReplica *m_model;
    Kind m_kind;
    Done m_done;
    QPersistentModelIndex m_parent;
    bool m_parentWasValid = false;
    int m_first = 0;
    int m_last = -1;
    int m_headerRole = Qt::DisplayRole;
    bool m_scheduled = false;
    bool m_finished = false;
    QTimer m_timeout;
    QTimer m_retry;
    QHash<QPersistentModelIndex, QSet<int>> m_requested; // data() asked, reply pending
    QSet<QPersistentModelIndex> m_sizeRequested;          // rowCount() asked, rowsInserted pending
    // Header sections asked for: (orientation, section) -> retry rounds since; answered ones are
    // removed by headerDataChanged.
    QHash<QPair<int, int>, int> m_headerRequested;
    QSet<QPair<int, int>> m_headerAnswered;
    int m_scans = 0;
};
