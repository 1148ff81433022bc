// simpleswitch_replica: acquires the SimpleSwitch replica, logs every state it sees and
// acknowledges each received currState by calling server_slot() with that value.
//
//   simpleswitch_replica [--url local:switch] [--exit-when-source-lost]
//
// Output, one line per event:
//   replica: connecting to local:switch
//   replica: state Default -> Valid
//   replica: currState=true, acknowledging with server_slot(true)
// With --exit-when-source-lost the program exits (status 0) when the replica goes from Valid to
// Suspect, e.g. because "simpleswitch_source --acks N" finished. (Exiting after N changes of its
// own could lose the last acknowledgement, which QtRO writes asynchronously.)

#include "common.h"

#include "rep_simpleswitch_replica.h"

#include <QtCore/QMetaEnum>
#include <QtRemoteObjects/QRemoteObjectNode>

#include <memory>

using simpleswitch::boolText;
using simpleswitch::log;

namespace {

QString stateName(QRemoteObjectReplica::State state)
{
    return QString::fromLatin1(QMetaEnum::fromType<QRemoteObjectReplica::State>().valueToKey(state));
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("SimpleSwitch replica: echoes every state back to the source"));
    parser.addHelpOption();
    const QCommandLineOption url = simpleswitch::urlOption();
    const QCommandLineOption exitWhenLost(QStringLiteral("exit-when-source-lost"),
                                          QStringLiteral("Exit when the source goes away (Valid -> Suspect)"));
    parser.addOptions({url, exitWhenLost});
    parser.process(app);
    const bool exitOnLoss = parser.isSet(exitWhenLost);

    QRemoteObjectNode node;
    if (!node.connectToNode(QUrl(parser.value(url)))) {
        log(QStringLiteral("error: cannot connect to %1").arg(parser.value(url)));
        return 1;
    }
    log(QStringLiteral("replica: connecting to %1").arg(parser.value(url)));

    std::unique_ptr<SimpleSwitchReplica> replica(node.acquire<SimpleSwitchReplica>());
    QObject::connect(replica.get(), &QRemoteObjectReplica::stateChanged,
                     [exitOnLoss](QRemoteObjectReplica::State state, QRemoteObjectReplica::State oldState) {
                         log(QStringLiteral("replica: state %1 -> %2").arg(stateName(oldState), stateName(state)));
                         if (exitOnLoss && oldState == QRemoteObjectReplica::Valid
                             && state == QRemoteObjectReplica::Suspect) {
                             log(QStringLiteral("replica: source lost, exiting"));
                             QCoreApplication::quit();
                         }
                     });
    QObject::connect(replica.get(), &SimpleSwitchReplica::currStateChanged, [&replica](bool state) {
        log(QStringLiteral("replica: currState=%1, acknowledging with server_slot(%1)").arg(boolText(state)));
        replica->server_slot(state);
    });
    const int status = app.exec();
    replica.reset(); // before the node
    return status;
}
