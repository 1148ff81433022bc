// What the source peer needs from an object it hosts, plus the reporting of slot invocations and
// of property writes that arrive from replicas.
#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaProperty>
#include <QtCore/QString>
#include <QtCore/QVariant>
#include <QtCore/QVariantList>

#include <memory>

class QObject;
class QRemoteObjectHostBase;

class HostedObject
{
public:
    virtual ~HostedObject() = default;

    virtual QObject *object() = 0;

    // enableRemoting<ClassSourceAPI>(this); only repc sources support it.
    virtual bool enableRemotingWithTemplateApi(QRemoteObjectHostBase &host, QString *error);

    // Sets a property as source-side code would (the "set" command). The default writes through
    // the meta-object; sources override it for properties without a public WRITE accessor.
    virtual bool writeLocally(const QMetaProperty &property, const QVariant &value, QString *error);

    // Extra commands of this object (e.g. set-tracks for Media). Sets *handled = false for a
    // command it does not know; otherwise returns success and fills `response` / `error`.
    virtual bool command(const QByteArray &command, const QByteArray &rest, QJsonObject *response,
                         QString *error, bool *handled);

    // Marks code running on behalf of the source itself (commands, slot bodies): setters called
    // inside such a scope are not reported as "written" (which means: written by a replica).
    class LocalScope
    {
    public:
        explicit LocalScope(HostedObject &object) : m_object(object) { ++m_object.m_localDepth; }
        ~LocalScope() { --m_object.m_localDepth; }
        LocalScope(const LocalScope &) = delete;
        LocalScope &operator=(const LocalScope &) = delete;

    private:
        HostedObject &m_object;
    };

protected:
    // {"event":"invoked","slot":...,"args":[...],"types":[...]} (+ "result"/"resultType").
    void reportInvoked(const char *slot, const QVariantList &args,
                       const QVariant &result = QVariant()) const;
    // {"event":"written","name":...,"value":...,"type":...} unless inside a LocalScope.
    void reportWritten(const char *property, const QVariant &value) const;

private:
    int m_localDepth = 0;
};

// Implemented in staticsources.cpp (repc SimpleSource subclasses) and plainsource.cpp.
std::unique_ptr<HostedObject> createStaticSource(const QString &className);
std::unique_ptr<HostedObject> createPlainSource();
