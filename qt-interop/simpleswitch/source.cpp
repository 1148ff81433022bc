// simpleswitch_source: hosts a SimpleSwitch source that flips `currState` on a timer and logs the
// acknowledgements replicas send back through server_slot().
//
//   simpleswitch_source [--url local:switch] [--period-ms 2000] [--acks N]
//
// Output, one line per event:
//   source: hosting SimpleSwitch at local:switch, toggling every 2000 ms
//   source: currState=true
//   source: replica acknowledged clientState=true
// With --acks N the program exits (status 0) after the Nth acknowledgement.

#include "common.h"

#include "rep_simpleswitch_source.h"

#include <QtCore/QTimer>
#include <QtRemoteObjects/QRemoteObjectHost>

using simpleswitch::boolText;
using simpleswitch::log;

namespace {

class Switch : public SimpleSwitchSimpleSource
{
public:
    explicit Switch(int maxAcks) : m_maxAcks(maxAcks) {}

    // Called by every replica with the state it has just received.
    void server_slot(bool clientState) override
    {
        log(QStringLiteral("source: replica acknowledged clientState=%1").arg(boolText(clientState)));
        ++m_acks;
        if (m_maxAcks > 0 && m_acks >= m_maxAcks)
            QCoreApplication::quit();
    }

    void toggle()
    {
        setCurrState(!currState());
        log(QStringLiteral("source: currState=%1").arg(boolText(currState())));
    }

private:
    const int m_maxAcks;
    int m_acks = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("SimpleSwitch source: toggles currState periodically"));
    parser.addHelpOption();
    const QCommandLineOption url = simpleswitch::urlOption();
    const QCommandLineOption period(QStringLiteral("period-ms"),
                                    QStringLiteral("Toggle period in milliseconds (default 2000)"),
                                    QStringLiteral("ms"), QStringLiteral("2000"));
    const QCommandLineOption acks(QStringLiteral("acks"),
                                  QStringLiteral("Exit after this many acknowledgements (0 = never)"),
                                  QStringLiteral("n"), QStringLiteral("0"));
    parser.addOptions({url, period, acks});
    parser.process(app);

    int periodMs = 0;
    int maxAcks = 0;
    if (!simpleswitch::intOption(parser, period, &periodMs) || !simpleswitch::intOption(parser, acks, &maxAcks))
        return 2;
    if (periodMs == 0) {
        log(QStringLiteral("error: --period-ms must be positive"));
        return 2;
    }

    QRemoteObjectHost host;
    if (!host.setHostUrl(QUrl(parser.value(url)))) {
        log(QStringLiteral("error: cannot host on %1").arg(parser.value(url)));
        return 1;
    }
    Switch source(maxAcks);
    if (!host.enableRemoting(&source)) {
        log(QStringLiteral("error: enableRemoting failed"));
        return 1;
    }
    log(QStringLiteral("source: hosting SimpleSwitch at %1, toggling every %2 ms")
            .arg(host.hostUrl().toString()).arg(periodMs));

    QTimer timer;
    timer.setInterval(periodMs);
    QObject::connect(&timer, &QTimer::timeout, &source, &Switch::toggle);
    timer.start();
    return app.exec();
}
