// qtro_qt_peer: a stock-Qt Remote Objects peer driven over stdin/stdout, used by the qtro_rs
// interop tests. See ../README.md for the command line and the line protocol.

#include "commandreader.h"
#include "hostedobject.h"
#include "jsonvariant.h"
#include "modelreplicapeer.h"
#include "modelsourcepeer.h"
#include "options.h"
#include "output.h"
#include "peer.h"
#include "registrypeer.h"
#include "replicapeer.h"
#include "sourcepeer.h"

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QDataStream>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtGui/QGuiApplication>
#include <QtCore/QJsonObject>

#include <csignal>
#include <memory>

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitStartFailed = 3;

const QStringList kModes = {
    QStringLiteral("source-static"), QStringLiteral("source-plain"), QStringLiteral("replica-static"),
    QStringLiteral("replica-dynamic"), QStringLiteral("registry"), QStringLiteral("model-source"),
    QStringLiteral("model-replica"),
};

bool usageError(const QString &message)
{
    out::event("fatal", QJsonObject{{QStringLiteral("message"), message}});
    return false;
}

bool parseOptions(const QStringList &arguments, Options *options)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Stock-Qt QtRO peer for the qtro_rs interop tests"));
    parser.addPositionalArgument(QStringLiteral("mode"), kModes.join(QStringLiteral(" | ")));
    parser.addPositionalArgument(QStringLiteral("class"), QStringLiteral("Simple | Interop | Parent | Shapes | Matrix (static modes)"));
    const QCommandLineOption url(QStringLiteral("url"),
                                 QStringLiteral("tcp://HOST:PORT, local:NAME or localabstract:NAME"),
                                 QStringLiteral("url"));
    const QCommandLineOption registry(QStringLiteral("registry"), QStringLiteral("Registry URL"),
                                      QStringLiteral("url"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Object name"),
                                  QStringLiteral("name"));
    const QCommandLineOption heartbeat(QStringLiteral("heartbeat"),
                                       QStringLiteral("Heartbeat interval in ms (0 = off)"),
                                       QStringLiteral("ms"), QStringLiteral("0"));
    const QCommandLineOption sourceApi(QStringLiteral("source-api"),
                                       QStringLiteral("object (enableRemoting(obj, name), default) or "
                                                      "template (enableRemoting<ClassSourceAPI>(obj))"),
                                       QStringLiteral("kind"), QStringLiteral("object"));
    const QCommandLineOption exactValues(QStringLiteral("exact-values"),
                                         QStringLiteral("Report every value as its QDataStream bytes"));
    const QCommandLineOption roles(QStringLiteral("roles"),
                                   QStringLiteral("model-source: remoted roles; model-replica: rolesHint (R,R,..; \"none\" = empty)"),
                                   QStringLiteral("roles"));
    const QCommandLineOption selection(QStringLiteral("selection"),
                                       QStringLiteral("model-source: remote a QItemSelectionModel too"));
    const QCommandLineOption rows(QStringLiteral("rows"), QStringLiteral("model-source: number of rows"),
                                  QStringLiteral("n"));
    const QCommandLineOption initial(QStringLiteral("initial"),
                                     QStringLiteral("model-replica: fetch-root-size (default) or prefetch"),
                                     QStringLiteral("action"), QStringLiteral("fetch-root-size"));
    const QCommandLineOption prefetch(QStringLiteral("prefetch"),
                                      QStringLiteral("model-replica: PrefetchData with a cache of N (QTRO_NODES_CACHE_SIZE)"),
                                      QStringLiteral("n"));
    const QCommandLineOption cache(QStringLiteral("cache"),
                                   QStringLiteral("model-replica: cache size N (QTRO_NODES_CACHE_SIZE)"),
                                   QStringLiteral("n"));
    const QCommandLineOption noTester(QStringLiteral("no-tester"),
                                      QStringLiteral("model-replica: no QAbstractItemModelTester"));
    parser.addOptions({url, registry, name, heartbeat, sourceApi, exactValues, roles, selection, rows, initial,
                       prefetch, cache, noTester});
    if (!parser.parse(arguments))
        return usageError(parser.errorText());
    jsonvariant::setExactValues(parser.isSet(exactValues));

    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty() || !kModes.contains(positional.first()))
        return usageError(QStringLiteral("first argument must be one of: %1").arg(kModes.join(QStringLiteral(", "))));
    options->mode = positional.first();
    const bool isStatic = options->mode.endsWith(QLatin1String("-static"));
    const bool isModel = options->mode.startsWith(QLatin1String("model-"));
    if (isModel) {
        if (positional.size() != 2)
            return usageError(options->mode == QLatin1String("model-source")
                                      ? QStringLiteral("model-source needs a KIND argument (table, tree, rolenames or big)")
                                      : QStringLiteral("model-replica needs a NAME argument"));
        static const QStringList kinds = {QStringLiteral("table"), QStringLiteral("tree"),
                                          QStringLiteral("rolenames"), QStringLiteral("big")};
        if (options->mode == QLatin1String("model-source")) {
            options->modelKind = positional.at(1);
            if (!kinds.contains(options->modelKind))
                return usageError(QStringLiteral("unknown model kind %1 (expected table, tree, rolenames or big)").arg(options->modelKind));
        }
        options->roles = parser.value(roles);
        options->rolesSet = parser.isSet(roles);
        options->selection = parser.isSet(selection);
        options->tester = !parser.isSet(noTester);
        auto number = [&parser](const QCommandLineOption &option, int *out) {
            bool ok = false;
            *out = parser.value(option).toInt(&ok);
            return ok && *out >= 0;
        };
        if (parser.isSet(rows) && !number(rows, &options->rows))
            return usageError(QStringLiteral("--rows must be a non-negative integer"));
        if (parser.isSet(cache) && !number(cache, &options->cacheSize))
            return usageError(QStringLiteral("--cache must be a non-negative integer"));
        if (parser.isSet(prefetch)) {
            if (!number(prefetch, &options->cacheSize))
                return usageError(QStringLiteral("--prefetch must be a non-negative integer"));
            options->prefetch = true;
        }
        const QString action = parser.value(initial);
        if (action == QLatin1String("prefetch"))
            options->prefetch = true;
        else if (action != QLatin1String("fetch-root-size"))
            return usageError(QStringLiteral("--initial must be fetch-root-size or prefetch"));
        if (options->mode == QLatin1String("model-replica")) {
            options->name = positional.at(1);
        } else {
            options->name = parser.value(name);
            if (options->name.isEmpty())
                options->name = QStringLiteral("Model");
        }
    } else if (isStatic) {
        if (positional.size() != 2)
            return usageError(QStringLiteral("%1 needs a CLASS argument (Simple, Interop, Parent, Shapes, Matrix, Media or OtherMedia)").arg(options->mode));
        options->className = positional.at(1);
        static const QStringList classes = {QStringLiteral("Simple"), QStringLiteral("Interop"),
                                            QStringLiteral("Parent"), QStringLiteral("Shapes"), QStringLiteral("Matrix"),
                                            QStringLiteral("Media"), QStringLiteral("OtherMedia")};
        if (!classes.contains(options->className))
            return usageError(QStringLiteral("unknown class %1 (expected Simple, Interop, Parent, Shapes, Matrix, Media or OtherMedia)").arg(options->className));
    } else if (positional.size() != 1) {
        return usageError(QStringLiteral("%1 takes no positional argument").arg(options->mode));
    }

    if (parser.isSet(url))
        options->url = QUrl(parser.value(url));
    if (parser.isSet(registry))
        options->registry = QUrl(parser.value(registry));
    bool heartbeatOk = false;
    options->heartbeatMs = parser.value(heartbeat).toInt(&heartbeatOk);
    if (!heartbeatOk || options->heartbeatMs < 0)
        return usageError(QStringLiteral("--heartbeat must be a non-negative integer"));

    const QString api = parser.value(sourceApi);
    if (api != QLatin1String("object") && api != QLatin1String("template"))
        return usageError(QStringLiteral("--source-api must be object or template"));
    options->templateApi = api == QLatin1String("template");
    if (options->templateApi && options->mode != QLatin1String("source-static"))
        return usageError(QStringLiteral("--source-api template needs source-static"));

    if (isModel)
        return true;
    options->name = parser.value(name);
    if (options->name.isEmpty()) {
        if (isStatic)
            options->name = options->className;
        else if (options->mode == QLatin1String("source-plain"))
            options->name = QStringLiteral("Plain");
        else if (options->mode == QLatin1String("replica-dynamic"))
            return usageError(QStringLiteral("replica-dynamic needs --name"));
    }
    if (options->templateApi && options->name != options->className)
        return usageError(QStringLiteral("--source-api template always uses the class name as object name"));
    return true;
}

std::unique_ptr<Peer> createPeer(const Options &options)
{
    if (options.mode == QLatin1String("source-static"))
        return std::make_unique<SourcePeer>(options, createStaticSource(options.className));
    if (options.mode == QLatin1String("source-plain"))
        return std::make_unique<SourcePeer>(options, createPlainSource());
    if (options.mode == QLatin1String("model-source"))
        return std::make_unique<ModelSourcePeer>(options);
    if (options.mode == QLatin1String("model-replica"))
        return std::make_unique<ModelReplicaPeer>(options);
    if (options.mode == QLatin1String("registry"))
        return std::make_unique<RegistryPeer>(options);
    return std::make_unique<ReplicaPeer>(options);
}

} // namespace

int main(int argc, char *argv[])
{
    // A test harness that stops reading our stdout must not kill us with SIGPIPE mid-command.
    std::signal(SIGPIPE, SIG_IGN);
    // A QGuiApplication, so QtGui values (QColor, QFont, QImage, …) can be held and streamed;
    // it needs no display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    // A QList<int> travels inside QVariants in the value-matrix tests: an application that
    // uses one has it registered (an unregistered user type cannot be read at all).
    qRegisterMetaType<QList<int>>("QList<int>");
#if QT_VERSION_MAJOR < 6
    // (Qt 6's QtRO declares QHash<int,QByteArray> itself.)
    qRegisterMetaType<QHash<int, QByteArray>>("QHash<int,QByteArray>");
    qRegisterMetaTypeStreamOperators<QList<int>>("QList<int>");
    qRegisterMetaTypeStreamOperators<QHash<int, QByteArray>>("QHash<int,QByteArray>");
#endif
    out::installQtMessageHandler();

    Options options;
    if (!parseOptions(app.arguments(), &options))
        return kExitUsage;

    std::unique_ptr<Peer> peer = createPeer(options);
    if (!peer->start())
        return kExitStartFailed;

    CommandReader reader;
    QString exitReason;
    QObject::connect(&reader, &CommandReader::line, peer.get(), &Peer::execute);
    QObject::connect(&reader, &CommandReader::endOfInput, &app, [&exitReason]() {
        exitReason = QStringLiteral("eof");
        QCoreApplication::quit();
    });
    QObject::connect(peer.get(), &Peer::quitRequested, &app, [&reader, &exitReason]() {
        reader.stop();
        exitReason = QStringLiteral("quit");
        QCoreApplication::quit();
    });

    const int status = app.exec();
    peer.reset(); // close every connection before saying goodbye
    out::event("exit", QJsonObject{{QStringLiteral("reason"), exitReason}});
    return status;
}
