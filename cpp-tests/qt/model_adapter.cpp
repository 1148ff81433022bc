// The Qt adapter's item models in a Qt event loop (offscreen), with QAbstractItemModelTester in
// Fatal mode on every QtroItemModel:
//  1. QtroModelSource serving a QStandardItemModel tree, read by a QtroItemModel shown in a
//     QTreeView and a QTableView: the two models' contents are equal after inserts, removals, a
//     data change, a child insert, a header change, a sort and a reset; setData through the
//     QtroItemModel reaches the QStandardItemModel; the current index syncs both ways;
//  2. a stock Qt QAbstractItemModelReplica (qtro_qt_peer model-replica) walking the QtroModelSource;
//  3. a QtroItemModel of a stock Qt model (qtro_qt_peer model-source table).
#include <QtTest/QAbstractItemModelTester>
#include <QtCore/QElapsedTimer>
#include <QtCore/QItemSelectionModel>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QThread>
#include <QtGui/QStandardItemModel>
#include <QtWidgets/QApplication>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTreeView>

#include <cstdio>
#include <cstdlib>
#include <functional>

#include "qtroqt.h"
#include "qtroqtmodel.h"

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                                 \
        }                                                                                 \
    } while (0)

static bool waitFor(const std::function<bool()> &cond, int ms = 15000) {
    QElapsedTimer t;
    t.start();
    while (!cond()) {
        if (t.elapsed() > ms) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

#define WAIT(cond, what)                                                                  \
    do {                                                                                  \
        if (!waitFor([&] { return bool(cond); })) {                                      \
            std::fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, what); \
            std::exit(1);                                                                 \
        }                                                                                 \
    } while (0)

// The display text of every item (depth first, with headers), as a model shows it now. Reading
// the QtroItemModel this way also makes it fetch what it does not have yet.
static QString dump(const QAbstractItemModel *m, const QModelIndex &parent = QModelIndex(), int depth = 0) {
    QString out;
    if (depth == 0) {
        for (int c = 0; c < m->columnCount(); c++) out += m->headerData(c, Qt::Horizontal).toString() + "|";
        out += "\n";
    }
    const int rows = m->rowCount(parent), cols = m->columnCount(parent);
    out += QStringLiteral("%1x%2[").arg(rows).arg(cols);
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) out += m->index(r, c, parent).data().toString() + ";";
        const QModelIndex first = m->index(r, 0, parent);
        if (m->hasChildren(first)) out += dump(m, first, depth + 1);
    }
    return out + "]";
}

static QStandardItem *item(const QString &t) { return new QStandardItem(t); }

// A stock Qt peer driven through QProcess (lines of JSON on its stdout).
struct Peer {
    QProcess p;
    QByteArray buf;
    Peer(const QString &exe, const QStringList &args) {
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(exe, args);
        CHECK(p.waitForStarted(10000));
    }
    ~Peer() {
        p.write("quit\n");
        if (!p.waitForFinished(5000)) p.kill();
    }
    void send(const QByteArray &line) { p.write(line + "\n"); }
    // Waits for a line containing every needle, running the event loop meanwhile.
    QByteArray expect(const QList<QByteArray> &needles, int ms = 20000) {
        QByteArray found;
        bool ok = waitFor(
            [&] {
                buf += p.readAllStandardOutput();
                int nl;
                while ((nl = buf.indexOf('\n')) >= 0) {
                    QByteArray line = buf.left(nl);
                    buf.remove(0, nl + 1);
                    bool all = true;
                    for (const QByteArray &n : needles) all = all && line.contains(n);
                    if (all) {
                        found = line;
                        return true;
                    }
                }
                return false;
            },
            ms);
        if (!ok) {
            std::fprintf(stderr, "peer: no line with %s\n", needles.value(0).constData());
            std::exit(1);
        }
        return found;
    }
};

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    CHECK(argc >= 2);
    const QString peerExe = QString::fromLocal8Bit(argv[1]);

    // ---- 1. QtroModelSource -> QtroItemModel ----------------------------------------------------
    QStandardItemModel std(0, 2);
    std.setHorizontalHeaderLabels({"A", "B"});
    for (int i = 0; i < 4; i++) std.appendRow({item(QString("item %1").arg(i)), item(QString("val %1").arg(i))});
    std.item(1)->appendRow({item("child 1.0"), item("cval 1.0")});
    std.item(1)->appendRow({item("child 1.1"), item("cval 1.1")});
    QItemSelectionModel stdSel(&std);

    QtroNode host;
    const QString url = host.listen("tcp://127.0.0.1:0");
    CHECK(!url.isEmpty());
    QtroModelSource source(&host, "Std", &std, {Qt::DisplayRole, Qt::EditRole}, &stdSel);
    CHECK(source.isOk());

    QtroNode client;
    CHECK(client.connectToNode(url));
    QtroItemModel model(&client, "Std");
    CHECK(model.isOk());
    if (qEnvironmentVariableIsSet("QTRO_TEST_TRACE")) {
        auto pr = [](const char *what, const QModelIndex &p, int f, int l) {
            std::fprintf(stderr, "%s parent=(%d,%d) %d..%d\n", what, p.row(), p.column(), f, l);
        };
        QObject::connect(&model, &QAbstractItemModel::rowsAboutToBeInserted, [=](const QModelIndex &p, int f, int l) { pr("about-insert", p, f, l); });
        QObject::connect(&model, &QAbstractItemModel::rowsInserted, [=](const QModelIndex &p, int f, int l) { pr("inserted", p, f, l); });
        QObject::connect(&model, &QAbstractItemModel::rowsAboutToBeRemoved, [=](const QModelIndex &p, int f, int l) { pr("about-remove", p, f, l); });
        QObject::connect(&model, &QAbstractItemModel::rowsRemoved, [=](const QModelIndex &p, int f, int l) { pr("removed", p, f, l); });
        QObject::connect(&model, &QAbstractItemModel::modelAboutToBeReset, [] { std::fprintf(stderr, "about-reset\n"); });
        QObject::connect(&model, &QAbstractItemModel::modelReset, [] { std::fprintf(stderr, "reset\n"); });
        QObject::connect(&model, &QAbstractItemModel::layoutChanged, [] { std::fprintf(stderr, "layout\n"); });
        QObject::connect(&model, &QAbstractItemModel::dataChanged, [=](const QModelIndex &a, const QModelIndex &b) {
            std::fprintf(stderr, "data (%d,%d)-(%d,%d) parent-valid=%d\n", a.row(), a.column(), b.row(), b.column(), a.parent().isValid());
        });
    }
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QItemSelectionModel modelSel(&model);
    model.setSelectionModel(&modelSel);
    QTreeView tree;
    tree.setModel(&model);
    tree.expandAll();
    tree.resize(400, 400);
    tree.show();
    QTableView table;
    table.setModel(&model);
    table.show();

    WAIT(model.isInitialized(), "initialized");
    const QString want = dump(&std);
    WAIT(dump(&model) == dump(&std), "the replica to show the QStandardItemModel");
    CHECK(dump(&model) == want);
    CHECK(model.roleNames().value(Qt::DisplayRole) == "display");

    // Changes at the source.
    std.insertRow(2, {item("inserted"), item("ins val")});
    WAIT(dump(&model) == dump(&std), "an insert");
    std.removeRow(0);
    WAIT(dump(&model) == dump(&std), "a removal");
    std.item(2, 1)->setText("edited at source");
    WAIT(dump(&model) == dump(&std), "a data change");
    std.item(0)->appendRow({item("child 0.0"), item("cval 0.0")});
    tree.expandAll();
    WAIT(dump(&model) == dump(&std), "a child insert");
    std.setHeaderData(1, Qt::Horizontal, "B2");
    WAIT(dump(&model) == dump(&std), "a header change");
    std.sort(0, Qt::DescendingOrder);
    WAIT(dump(&model) == dump(&std), "a sort");

    // setData through the adapter reaches the QStandardItemModel.
    CHECK(model.setData(model.index(1, 0), "via adapter"));
    WAIT(std.item(1, 0)->text() == "via adapter", "setData to reach the source");
    WAIT(dump(&model) == dump(&std), "setData to come back");

    // The current index, both ways.
    stdSel.setCurrentIndex(std.index(2, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
    WAIT(modelSel.currentIndex().row() == 2, "the current index from the source");
    modelSel.setCurrentIndex(model.index(0, 1), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Current);
    WAIT(stdSel.currentIndex().row() == 0 && stdSel.currentIndex().column() == 1, "the current index from the replica");

    // ---- 2. a stock Qt replica of the QtroModelSource ----------------------------------------
    {
        Peer qt(peerExe, {"model-replica", "Std", "--url", url});
        qt.expect({"\"initialized\""});
        qt.send("walk");
        const QByteArray d = qt.expect({"\"ok\"", "\"model\""});
        for (int r = 0; r < std.rowCount(); r++) CHECK(d.contains("\"" + std.item(r, 0)->text().toUtf8() + "\""));
        CHECK(d.contains("\"child 0.0\""));
        std.appendRow({item("late"), item("late val")});
        qt.expect({"\"rowsInserted\""});
        qt.send("walk");
        CHECK(qt.expect({"\"ok\"", "\"model\""}).contains("\"late val\""));
        qt.send("set 0 0 0 \"from stock qt\"");
        WAIT(std.item(0, 0)->text() == "from stock qt", "a stock replica's setData");
    }

    // Reset at the source (after the stock replica left).
    std.clear();
    std.setHorizontalHeaderLabels({"X", "Y"});
    for (int i = 0; i < 3; i++) std.appendRow({item(QString("new %1").arg(i)), item(QString("nv %1").arg(i))});
    WAIT(dump(&model) == dump(&std), "a reset");

    // ---- 3. QtroItemModel of a stock Qt model ----------------------------------------------------
    {
        Peer qt(peerExe, {"model-source", "table", "--url", "tcp://127.0.0.1:0", "--rows", "6"});
        const QByteArray ready = qt.expect({"\"ready\""});
        const QString qurl = QJsonDocument::fromJson(ready).object().value("url").toString();
        CHECK(!qurl.isEmpty());
        QtroNode n2;
        CHECK(n2.connectToNode(qurl));
        QtroItemModel qm(&n2, "Model");
        QAbstractItemModelTester t2(&qm, QAbstractItemModelTester::FailureReportingMode::Fatal);
        QTreeView v2;
        v2.setModel(&qm);
        v2.show();
        WAIT(qm.rowCount() == 6 && qm.index(5, 1).data().toString() == "value 5", "the stock Qt table");
        CHECK(qm.index(0, 0).data().toString() == "row 0");
        WAIT(qm.hasChildren(qm.index(0, 0)), "row 0's children");
        WAIT(qm.rowCount(qm.index(0, 0)) == 1 && qm.index(0, 1, qm.index(0, 0)).data().toString() == "child 2 level 2",
             "row 0's child");
        WAIT(qm.headerData(1, Qt::Horizontal).toString() == "Column 1", "headers");
        qt.send("insert . 1 2");
        WAIT(qm.rowCount() == 8 && qm.index(1, 0).data().toString() == "ins0 c0", "a stock insert");
        qt.send("sort . 0 desc");
        qt.expect({"\"layoutChanged\""});
        WAIT(qm.index(0, 0).data().toString() == "row 5", "a stock sort");
        // Moves (Qt's own moveRows path in the peer), compared with the peer's dump of its model.
        auto sameAsPeer = [&] {
            qt.send("dump");
            const QJsonObject model = QJsonDocument::fromJson(qt.expect({"\"ok\"", "\"model\""})).object().value("model").toObject();
            const QJsonArray items = model.value("items").toArray();
            if (items.size() != qm.rowCount()) return false;
            for (int r = 0; r < items.size(); r++) {
                const QJsonArray cells = items[r].toObject().value("cells").toArray();
                for (int c = 0; c < cells.size(); c++)
                    if (cells[c].toObject().value("data").toObject().value("0").toString() != qm.index(r, c).data().toString())
                        return false;
            }
            return true;
        };
        WAIT(sameAsPeer(), "the same rows as the stock model");
        qt.send("move . 0 2 . 6");
        qt.expect({"\"rowsMoved\""});
        WAIT(sameAsPeer(), "a move down");
        qt.send("move . 5 1 . 1");
        qt.expect({"\"rowsMoved\""});
        WAIT(sameAsPeer(), "a move up");
        qt.send("remove . 2 3");
        qt.expect({"\"rowsRemoved\""});
        WAIT(sameAsPeer(), "a removal");
        CHECK(!qm.setData(qm.index(0, 1), "edit role", Qt::EditRole));  // not a role the stock source serves
    CHECK(qm.setData(qm.index(0, 1), "from adapter", Qt::DisplayRole));
        qt.expect({"\"dataChanged\""});
        WAIT(qm.index(0, 1).data().toString() == "from adapter", "setData on a stock model");
    }
    std::printf("qt_model_adapter: ok\n");
    return 0;
}
