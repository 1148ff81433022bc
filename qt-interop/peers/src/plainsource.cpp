#include "plainsource.h"

PlainObject::PlainObject(QObject *parent) : QObject(parent)
{
    // The host describes an enum to dynamic replicas with its size, looked up by the name
    // "PlainObject::Mode"; Q_ENUM alone does not register that name (size 0 would be sent).
    qRegisterMetaType<Mode>();
}

bool PlainObject::writeLocally(const QMetaProperty &property, const QVariant &value, QString *error)
{
    // `ticks` has no WRITE accessor: only the source changes it.
    if (qstrcmp(property.name(), "ticks") == 0) {
        LocalScope scope(*this);
        setTicks(value.toInt());
        return true;
    }
    return HostedObject::writeLocally(property, value, error);
}

void PlainObject::setValue(int value)
{
    reportWritten("value", value);
    if (value == m_value)
        return;
    m_value = value;
    Q_EMIT valueChanged(m_value);
}

void PlainObject::setName(const QString &name)
{
    reportWritten("name", name);
    if (name == m_name)
        return;
    m_name = name;
    Q_EMIT nameChanged(m_name);
}

void PlainObject::setRatio(double ratio)
{
    reportWritten("ratio", ratio);
    if (ratio == m_ratio)
        return;
    m_ratio = ratio;
    Q_EMIT ratioChanged(m_ratio);
}

void PlainObject::setAnything(const QVariant &anything)
{
    reportWritten("anything", anything);
    // Compare type and value: an int 5 replaced by a double 5.0 is a change worth reporting.
    if (anything.userType() == m_anything.userType() && anything == m_anything)
        return;
    m_anything = anything;
    Q_EMIT anythingChanged(m_anything);
}

void PlainObject::setTags(const QStringList &tags)
{
    reportWritten("tags", tags);
    if (tags == m_tags)
        return;
    m_tags = tags;
    Q_EMIT tagsChanged(m_tags);
}

void PlainObject::setMode(Mode mode)
{
    reportWritten("mode", QVariant::fromValue(mode));
    if (mode == m_mode)
        return;
    m_mode = mode;
    Q_EMIT modeChanged(m_mode);
}

void PlainObject::setTicks(int ticks)
{
    if (ticks == m_ticks)
        return;
    m_ticks = ticks;
    Q_EMIT ticksChanged(m_ticks);
}

int PlainObject::multiply(int a, int b)
{
    const int product = a * b;
    reportInvoked("multiply", {a, b}, product);
    return product;
}

QVariant PlainObject::identity(const QVariant &v)
{
    reportInvoked("identity", {v}, v);
    return v;
}

int PlainObject::add(int a, int b)
{
    const int sum = a + b;
    reportInvoked("add", {a, b}, sum);
    return sum;
}

QString PlainObject::echo(const QString &s)
{
    reportInvoked("echo", {s}, s);
    return s;
}

double PlainObject::scale(double v, double f)
{
    const double product = v * f;
    reportInvoked("scale", {v, f}, product);
    return product;
}

void PlainObject::reset()
{
    LocalScope scope(*this);
    reportInvoked("reset", {});
    setValue(0);
    setName(QString());
    setRatio(1.5);
    setAnything(QVariant());
    setTags(QStringList());
    setMode(Off);
    setTicks(0);
}

void PlainObject::emitFired(int code, const QString &message)
{
    reportInvoked("emitFired", {code, message});
    Q_EMIT fired(code, message);
}

void PlainObject::applyTicks(int ticks)
{
    LocalScope scope(*this);
    reportInvoked("applyTicks", {ticks});
    setTicks(ticks);
}

std::unique_ptr<HostedObject> createPlainSource()
{
    return std::make_unique<PlainObject>();
}
