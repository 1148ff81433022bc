// Event output: one JSON object per line on stdout, flushed immediately.
//
// Every line starts with {"event":"<name>" followed by the other fields in alphabetical order
// (QJsonObject order), e.g. {"event":"property","name":"value","type":"int","value":5}.
#pragma once

#include <QtCore/QJsonObject>
#include <QtCore/QVariant>
#include <QtCore/QVariantList>

namespace out {

void event(const char *name, const QJsonObject &fields = QJsonObject());

// Routes Qt's own log output (qWarning from QtRO, ...) to "log" events.
void installQtMessageHandler();

// {"value": <json>, "type": "<QVariant type name>"}
QJsonObject valueFields(const QVariant &value);

// {"args": [<json>...], "types": ["<type name>"...]}
QJsonObject argsFields(const QVariantList &args);

// Copies every field of `extra` into `base` and returns it.
QJsonObject merged(QJsonObject base, const QJsonObject &extra);

} // namespace out
