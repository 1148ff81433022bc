// qtro_qt_bench: the stock-Qt peer of the qtro_rs benchmarks. One process plays one side of one
// scenario; bench/run.sh pairs it with another qtro_qt_bench or with examples/bench_peer.rs (the
// Rust peer, which speaks the same command line and output lines).
//
//   qtro_qt_bench source  --url URL --scenario S [--count N] [--batch B]
//   qtro_qt_bench replica --url URL --scenario S [--count N] [--lanes L] [--replicas R] [--warmup W]
//
// Scenarios: prop, sig, rtt, pipe, bulk, init1, init200, fanout, mscroll, mchange (see bench/README.md).
//
// Handshake: the source prints "ready url=..." once listening. The replica acquires Bench, waits
// until it is initialized, takes its start time and CPU time, calls start() (the source then
// produces), measures until it has seen everything, prints "result ...", calls done() and, once
// done() has answered, prints "usage ..." and exits. The source prints its own "usage ..." (CPU
// from start() to done()) when done() arrives and exits when its stdin is closed.
//
// Output lines (stdout, one per line, flushed):
//   ready url=URL impl=qt6.4.2
//   result elapsed_ns=E count=C expected=X errors=K bytes=B [p50_ns=.. p99_ns=.. max_ns=..] [first_ns=..]
//   usage user_us=U sys_us=S hwm_kb=H
//   error MESSAGE

#include "rep_bench_replica.h"
#include "rep_bench_source.h"

#include <QtCore/QAbstractTableModel>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>
#include <QtCore/QSocketNotifier>
#include <QtCore/QStringList>
#include <QtCore/QTimer>
#include <QtCore/QUrl>
#include <QtRemoteObjects/QAbstractItemModelReplica>
#include <QtRemoteObjects/QRemoteObjectDynamicReplica>
#include <QtRemoteObjects/QRemoteObjectHost>
#include <QtRemoteObjects/QRemoteObjectNode>
#include <QtRemoteObjects/QRemoteObjectPendingCallWatcher>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Options {
    QString role;
    QString url;
    QString scenario;
    qint64 count = -1;
    int batch = -1;
    int lanes = 256;
    int replicas = 50;
    int warmup = -1;
    int timeoutMs = 120000;
};

void line(const QByteArray &text)
{
    std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

[[noreturn]] void fail(const QByteArray &message)
{
    line("error " + message);
    std::fflush(stdout);
    ::_exit(3);
}

struct Cpu {
    qint64 userUs = 0;
    qint64 sysUs = 0;
};

Cpu cpuNow()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return {qint64(ru.ru_utime.tv_sec) * 1000000 + ru.ru_utime.tv_usec,
            qint64(ru.ru_stime.tv_sec) * 1000000 + ru.ru_stime.tv_usec};
}

qint64 hwmKb()
{
    FILE *f = std::fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char buf[256];
    qint64 kb = -1;
    while (std::fgets(buf, sizeof buf, f)) {
        if (std::strncmp(buf, "VmHWM:", 6) == 0) {
            kb = std::strtoll(buf + 6, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return kb;
}

void printUsage(const Cpu &from, const Cpu &to)
{
    line(QByteArray("usage user_us=") + QByteArray::number(to.userUs - from.userUs)
         + " sys_us=" + QByteArray::number(to.sysUs - from.sysUs)
         + " hwm_kb=" + QByteArray::number(hwmKb()));
}

const QString kText = QStringLiteral("0123456789abcdef"); // the 16-character QString of tick()
constexpr int kBlobSize = 1 << 20;

qint64 defaultCount(const QString &s)
{
    if (s == QLatin1String("prop") || s == QLatin1String("sig") || s == QLatin1String("pipe"))
        return 100000;
    if (s == QLatin1String("rtt"))
        return 10000;
    if (s == QLatin1String("bulk"))
        return 200;
    if (s == QLatin1String("init1"))
        return 2000;
    if (s == QLatin1String("init200"))
        return 200;
    if (s == QLatin1String("fanout"))
        return 10000;
    if (s == QLatin1String("mscroll"))
        return 100000; // rows of the model, scrolled through in windows of kWindow
    if (s == QLatin1String("mchange"))
        return 20000; // dataChanged updates
    return -1;
}

// ------------------------------------------------------------------------------------------------
// Source side

// The model of the model scenarios: kColumns columns, `rows` rows, display text computed from the
// row and column (no storage per row), one cell rewritten per update in mchange.
constexpr int kColumns = 2;
constexpr int kWindow = 50; // rows on one "screen" of the replica
const QString kModelName = QStringLiteral("BenchModel");

QString cellText(int row, int column, qint64 version)
{
    return QStringLiteral("r%1c%2v%3").arg(row).arg(column).arg(version);
}

class BenchModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit BenchModel(int rows, QObject *parent = nullptr) : QAbstractTableModel(parent), m_rows(rows) {}
    int rowCount(const QModelIndex &parent = QModelIndex()) const override { return parent.isValid() ? 0 : m_rows; }
    int columnCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : kColumns;
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        if (!index.isValid() || role != Qt::DisplayRole)
            return QVariant();
        const qint64 version = index.column() == 0 && index.row() < kWindow ? m_versions[index.row()] : 0;
        return cellText(index.row(), index.column(), version);
    }
    // Update n rewrites cell (n % kWindow, 0) with version n + 1.
    void change(qint64 n)
    {
        const int row = int(n % kWindow);
        m_versions[row] = n + 1;
        const QModelIndex i = index(row, 0);
        Q_EMIT dataChanged(i, i, {Qt::DisplayRole});
    }

private:
    int m_rows;
    qint64 m_versions[kWindow] = {};
};

class BenchSourceImpl : public BenchSimpleSource
{
    Q_OBJECT
public:
    BenchSourceImpl(const Options &o, QObject *parent = nullptr) : BenchSimpleSource(parent), m_o(o) {}
    void setModel(BenchModel *model) { m_model = model; }

    int echo(int v) override { return v; }

    void start() override
    {
        m_cpu0 = cpuNow();
        m_next = 0;
        const QString &s = m_o.scenario;
        if (s == QLatin1String("prop") || s == QLatin1String("sig") || s == QLatin1String("bulk")
            || s == QLatin1String("fanout") || s == QLatin1String("mchange"))
            QTimer::singleShot(0, this, &BenchSourceImpl::produce);
    }

    int done() override
    {
        printUsage(m_cpu0, cpuNow());
        return 0;
    }

private:
    // Produces `batch` items (default 100, the fastest setting for Qt on our machine) per
    // event-loop turn, so the socket is written while producing.
    void produce()
    {
        const QString &s = m_o.scenario;
        const qint64 end = std::min(m_o.count, m_next + m_o.batch);
        for (; m_next < end; ++m_next) {
            if (s == QLatin1String("prop")) {
                setValue(int(m_next + 1));
            } else if (s == QLatin1String("mchange")) {
                m_model->change(m_next);
            } else if (s == QLatin1String("bulk")) {
                QByteArray b(kBlobSize, char(m_next & 0x7f));
                const quint32 n = quint32(m_next);
                std::memcpy(b.data(), &n, 4);
                setBlob(b);
            } else {
                Q_EMIT tick(int(m_next), kText);
            }
        }
        if (m_next < m_o.count)
            QTimer::singleShot(0, this, &BenchSourceImpl::produce);
    }

    Options m_o;
    Cpu m_cpu0;
    qint64 m_next = 0;
    BenchModel *m_model = nullptr;
};

class SmallSourceImpl : public SmallSimpleSource
{
    Q_OBJECT
public:
    using SmallSimpleSource::SmallSimpleSource;
};

class WideSourceImpl : public WideSimpleSource
{
    Q_OBJECT
public:
    using WideSimpleSource::WideSimpleSource;
};

int runSource(QCoreApplication &app, const Options &o)
{
    QRemoteObjectHost host;
    if (!host.setHostUrl(QUrl(o.url)))
        fail("cannot listen on " + o.url.toUtf8());
    BenchSourceImpl bench(o);
    SmallSourceImpl small;
    WideSourceImpl wide;
    if (!host.enableRemoting(&bench))
        fail("enableRemoting(Bench) failed");
    if (o.scenario == QLatin1String("init1") && !host.enableRemoting(&small))
        fail("enableRemoting(Small) failed");
    if (o.scenario == QLatin1String("init200") && !host.enableRemoting(&wide))
        fail("enableRemoting(Wide) failed");
    const bool modelScenario = o.scenario == QLatin1String("mscroll") || o.scenario == QLatin1String("mchange");
    BenchModel model(o.scenario == QLatin1String("mscroll") ? int(o.count) : 100000);
    bench.setModel(&model);
    if (modelScenario && !host.enableRemoting(&model, kModelName, {Qt::DisplayRole}))
        fail("enableRemoting(BenchModel) failed");

    // Leave when the harness closes our stdin.
    QSocketNotifier stdinWatch(STDIN_FILENO, QSocketNotifier::Read);
    QObject::connect(&stdinWatch, &QSocketNotifier::activated, &app, [&]() {
        char buf[256];
        if (::read(STDIN_FILENO, buf, sizeof buf) <= 0) {
            stdinWatch.setEnabled(false);
            app.quit();
        }
    });
    line("ready url=" + host.hostUrl().toString().toUtf8() + " impl=qt" + QByteArray(qVersion()));
    return app.exec();
}

// ------------------------------------------------------------------------------------------------
// Replica side

class ReplicaRunner : public QObject
{
    Q_OBJECT
public:
    explicit ReplicaRunner(const Options &o) : m_o(o)
    {
        const int nodes = o.scenario == QLatin1String("fanout") ? o.replicas : 1;
        for (int i = 0; i < nodes; ++i) {
            auto *node = new QRemoteObjectNode(this);
            if (!node->connectToNode(QUrl(o.url)))
                fail("connectToNode failed");
            auto *r = node->acquire<BenchReplica>();
            r->setParent(node);
            m_nodes.push_back(node);
            m_benches.push_back(r);
            m_expect.push_back(0);
            connect(r, &QRemoteObjectReplica::initialized, this, [this]() {
                if (++m_initialized == int(m_benches.size()))
                    QTimer::singleShot(0, this, &ReplicaRunner::begin);
            });
        }
    }

private:
    BenchReplica *bench() const { return m_benches.front(); }
    QRemoteObjectNode *node() const { return m_nodes.front(); }

    void begin()
    {
        const QString &s = m_o.scenario;
        if (s == QLatin1String("prop")) {
            connect(bench(), &BenchReplica::valueChanged, this, [this](int v) {
                ++m_count;
                if (v != m_last + 1)
                    ++m_errors;
                m_last = v;
                if (v == int(m_o.count))
                    finish();
            });
        } else if (s == QLatin1String("sig") || s == QLatin1String("fanout")) {
            for (size_t i = 0; i < m_benches.size(); ++i) {
                connect(m_benches[i], &BenchReplica::tick, this, [this, i](int n, const QString &text) {
                    ++m_count;
                    if (n != m_expect[i] || text.size() != 16)
                        ++m_errors;
                    m_expect[i] = n + 1;
                    if (n == int(m_o.count) - 1 && ++m_finished == int(m_benches.size()))
                        finish();
                });
            }
        } else if (s == QLatin1String("bulk")) {
            connect(bench(), &BenchReplica::blobChanged, this, [this](const QByteArray &b) {
                ++m_count;
                m_bytes += b.size();
                quint32 n = 0;
                if (b.size() >= 4)
                    std::memcpy(&n, b.constData(), 4);
                if (b.size() != kBlobSize || qint64(n) != m_last + 1)
                    ++m_errors;
                m_last = qint64(n);
                if (qint64(n) == m_o.count - 1)
                    finish();
            });
            m_last = -1;
        }
        // Warm-up for the latency scenarios happens before the clock starts.
        if (s == QLatin1String("rtt") || s == QLatin1String("pipe")) {
            m_warm = m_o.warmup;
            warmCall();
            return;
        }
        if (s == QLatin1String("init1") || s == QLatin1String("init200")) {
            m_warm = m_o.warmup;
            QTimer::singleShot(0, this, &ReplicaRunner::nextAcquire);
            return;
        }
        if (s == QLatin1String("mscroll") || s == QLatin1String("mchange")) {
            startModel();
            return;
        }
        startClock();
        bench()->start();
    }

    void startClock()
    {
        m_cpu0 = cpuNow();
        m_clock.start();
    }

    void warmCall()
    {
        if (m_warm-- <= 0) {
            startClock();
            bench()->start();
            if (m_o.scenario == QLatin1String("rtt")) {
                nextSequential();
            } else {
                for (int i = 0; i < m_o.lanes && m_issued < m_o.count; ++i)
                    issuePipelined();
            }
            return;
        }
        auto *w = new QRemoteObjectPendingCallWatcher(bench()->echo(-1), this);
        connect(w, &QRemoteObjectPendingCallWatcher::finished, this, [this](QRemoteObjectPendingCallWatcher *w) {
            w->deleteLater();
            warmCall();
        });
    }

    void nextSequential()
    {
        if (m_count == m_o.count)
            return finish();
        const int v = int(m_count);
        m_callClock.start();
        auto *w = new QRemoteObjectPendingCallWatcher(bench()->echo(v), this);
        connect(w, &QRemoteObjectPendingCallWatcher::finished, this, [this, v](QRemoteObjectPendingCallWatcher *w) {
            m_lat.push_back(m_callClock.nsecsElapsed());
            if (w->returnValue().toInt() != v)
                ++m_errors;
            ++m_count;
            w->deleteLater();
            nextSequential();
        });
    }

    void issuePipelined()
    {
        const int v = int(m_issued++);
        auto *w = new QRemoteObjectPendingCallWatcher(bench()->echo(v), this);
        connect(w, &QRemoteObjectPendingCallWatcher::finished, this, [this, v](QRemoteObjectPendingCallWatcher *w) {
            if (w->returnValue().toInt() != v)
                ++m_errors;
            w->deleteLater();
            if (++m_count == m_o.count)
                return finish();
            if (m_issued < m_o.count)
                issuePipelined();
        });
    }

    void nextAcquire()
    {
        const bool measuring = m_warm <= 0;
        if (measuring && m_count == 0 && m_lat.empty()) {
            startClock();
            bench()->start();
        }
        if (measuring && m_count == m_o.count)
            return finish();
        m_callClock.start();
        QRemoteObjectReplica *r = nullptr;
        if (m_o.scenario == QLatin1String("init1"))
            r = node()->acquire<SmallReplica>();
        else
            r = node()->acquireDynamic(QStringLiteral("Wide"));
        connect(r, &QRemoteObjectReplica::initialized, this, [this, r, measuring]() {
            const qint64 ns = m_callClock.nsecsElapsed();
            disconnect(r, nullptr, this, nullptr);
            if (measuring) {
                m_lat.push_back(ns);
                ++m_count;
            } else {
                --m_warm;
            }
            // Release outside the signal emission, then acquire again.
            QTimer::singleShot(0, this, [this, r]() {
                delete r;
                nextAcquire();
            });
        });
    }


    // Model scenarios. The clock starts before acquireModel(): mscroll measures the time to the
    // first screen (rows 0..kWindow-1 all available, reported as first_ns) and then scrolls
    // window by window to the last row, each window asked for (data() of every cell) once the
    // previous one is complete; mchange reads the first screen, has the source rewrite one cell
    // of it `count` times (the clock starts when the first screen is there), and stops when the
    // last value has arrived.
    void startModel()
    {
        if (m_o.scenario == QLatin1String("mscroll")) {
            startClock();
            bench()->start();
        }
        m_model = node()->acquireModel(kModelName, QtRemoteObjects::FetchRootSize);
        connect(m_model, &QAbstractItemModelReplica::dataChanged, this, [this]() { checkWindow(); });
        connect(m_model, &QAbstractItemModelReplica::initialized, this, [this]() {
            m_rows = m_model->rowCount();
            requestWindow();
        });
        connect(m_model, &QAbstractItemModel::rowsInserted, this, [this]() {
            m_rows = m_model->rowCount();
            requestWindow();
        });
    }

    bool windowComplete()
    {
        const int end = std::min(m_windowStart + kWindow, m_rows);
        for (int r = m_windowStart; r < end; ++r)
            for (int c = 0; c < kColumns; ++c)
                if (!m_model->data(m_model->index(r, c), Qt::DisplayRole).isValid())
                    return false;
        return end > m_windowStart;
    }

    void requestWindow()
    {
        if (m_rows <= 0 || m_finishedOnce)
            return;
        checkWindow();
    }

    void checkWindow()
    {
        if (m_finishedOnce || m_rows <= 0 || !windowComplete())
            return;
        if (m_o.scenario == QLatin1String("mchange")) {
            if (!m_changing) {
                // The first screen is here: now the source starts rewriting it.
                m_changing = true;
                startClock();
                bench()->start();
                return;
            }
            const QString want = cellText(int((m_o.count - 1) % kWindow), 0, m_o.count);
            const QString have = m_model->data(m_model->index(int((m_o.count - 1) % kWindow), 0)).toString();
            if (have == want) {
                m_count = m_o.count;
                finish();
            }
            return;
        }
        if (m_first < 0)
            m_first = m_clock.nsecsElapsed();
        // Check what arrived, then move on to the next window.
        const int end = std::min(m_windowStart + kWindow, m_rows);
        for (int r = m_windowStart; r < end; ++r) {
            if (m_model->data(m_model->index(r, 1)).toString() != cellText(r, 1, 0))
                ++m_errors;
            ++m_count;
        }
        m_windowStart = end;
        if (m_windowStart >= m_rows)
            return finish();
        // Ask for the next window outside the signal emission.
        QTimer::singleShot(0, this, &ReplicaRunner::checkWindow);
    }

    void finish()
    {
        if (m_finishedOnce)
            return;
        m_finishedOnce = true;
        const qint64 elapsed = m_clock.nsecsElapsed();
        m_cpu1 = cpuNow();
        QByteArray res = "result elapsed_ns=" + QByteArray::number(elapsed) + " count=" + QByteArray::number(m_count)
            + " expected=" + QByteArray::number(m_o.count * qint64(m_benches.size()))
            + " errors=" + QByteArray::number(m_errors) + " bytes=" + QByteArray::number(m_bytes);
        if (!m_lat.empty()) {
            std::sort(m_lat.begin(), m_lat.end());
            auto pct = [this](double p) { return m_lat[std::min(m_lat.size() - 1, size_t(p * double(m_lat.size())))]; };
            res += " p50_ns=" + QByteArray::number(pct(0.50)) + " p99_ns=" + QByteArray::number(pct(0.99))
                + " max_ns=" + QByteArray::number(m_lat.back());
        }
        if (m_first >= 0)
            res += " first_ns=" + QByteArray::number(m_first);
        line(res);
        auto *w = new QRemoteObjectPendingCallWatcher(bench()->done(), this);
        connect(w, &QRemoteObjectPendingCallWatcher::finished, this, [this](QRemoteObjectPendingCallWatcher *) {
            printUsage(m_cpu0, m_cpu1);
            QCoreApplication::quit();
        });
    }

    Options m_o;
    std::vector<QRemoteObjectNode *> m_nodes;
    std::vector<BenchReplica *> m_benches;
    std::vector<int> m_expect;
    std::vector<qint64> m_lat;
    int m_initialized = 0;
    int m_finished = 0;
    bool m_finishedOnce = false;
    qint64 m_count = 0;
    qint64 m_issued = 0;
    qint64 m_errors = 0;
    qint64 m_bytes = 0;
    qint64 m_last = 0;
    int m_warm = 0;
    Cpu m_cpu0, m_cpu1;
    QElapsedTimer m_clock, m_callClock;
    QAbstractItemModelReplica *m_model = nullptr;
    int m_rows = -1;
    int m_windowStart = 0;
    qint64 m_first = -1;
    bool m_changing = false;
};

Options parse(const QStringList &args)
{
    Options o;
    if (args.size() < 2)
        fail("usage: qtro_qt_bench source|replica --url URL --scenario S [options]");
    o.role = args.at(1);
    for (int i = 2; i + 1 < args.size(); i += 2) {
        const QString &k = args.at(i);
        const QString &v = args.at(i + 1);
        if (k == QLatin1String("--url"))
            o.url = v;
        else if (k == QLatin1String("--scenario"))
            o.scenario = v;
        else if (k == QLatin1String("--count"))
            o.count = v.toLongLong();
        else if (k == QLatin1String("--batch"))
            o.batch = v.toInt();
        else if (k == QLatin1String("--lanes"))
            o.lanes = v.toInt();
        else if (k == QLatin1String("--replicas"))
            o.replicas = v.toInt();
        else if (k == QLatin1String("--warmup"))
            o.warmup = v.toInt();
        else if (k == QLatin1String("--timeout-ms"))
            o.timeoutMs = v.toInt();
        else
            fail("unknown option " + k.toUtf8());
    }
    if (o.count < 0)
        o.count = defaultCount(o.scenario);
    if (o.count < 0 || o.url.isEmpty() || (o.role != QLatin1String("source") && o.role != QLatin1String("replica")))
        fail("bad arguments (role, --url and a known --scenario are required)");
    if (o.batch <= 0)
        o.batch = o.scenario == QLatin1String("bulk") ? 1 : 100;
    if (o.warmup < 0)
        o.warmup = (o.scenario == QLatin1String("rtt") || o.scenario == QLatin1String("pipe")) ? 500
                   : o.scenario == QLatin1String("init1")                                     ? 50
                   : o.scenario == QLatin1String("init200")                                   ? 5
                                                                                              : 0;
    return o;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const Options o = parse(app.arguments());
    QTimer::singleShot(o.timeoutMs, &app, []() { fail("timeout"); });
    if (o.role == QLatin1String("source"))
        return runSource(app, o);
    ReplicaRunner runner(o);
    return app.exec();
}

#include "main.moc"
