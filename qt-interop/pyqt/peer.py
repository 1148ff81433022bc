#!/usr/bin/python3
"""A PyQt6 QtRO peer for the qtro_rs interop tests (Debian's python3-pyqt6.qtremoteobjects).

    peer.py source URL         host a Python QObject as "PySource"; stdin: "set value N", "emit N TEXT", "quit"
    peer.py replica URL NAME   acquire NAME as a dynamic replica; print its properties once valid,
                               then write property "name" = "from python" and report the change
    peer.py matrix-source URL  host "PyMatrix" (QVariant property "anything", slot identity(QVariant));
                               stdin: "set EXPR" (a Python expression of Qt values), "quit"
    peer.py matrix-replica URL NAME
                               acquire NAME dynamically; once valid print every property
(matrix modes report values as the hex of QDataStream << QVariant, big-endian, version 20: what
PyQt6 makes of them)

Events are JSON lines on stdout.
"""
import json
import sys

from PyQt6.QtCore import (QByteArray, QCoreApplication, QDataStream, QDate, QDateTime, QIODevice, QJsonValue,
                          QLine, QLineF, QObject, QPoint, QPointF, QRect, QRectF, QSize, QSizeF, QSocketNotifier,
                          QTime, QTimer, QUrl, QUuid, pyqtProperty, pyqtSignal, pyqtSlot)
from PyQt6.QtGui import (QColor, QGuiApplication, QMatrix4x4, QPolygon, QPolygonF, QQuaternion, QTransform, QVector2D,
                         QVector3D, QVector4D)
from PyQt6.QtRemoteObjects import QRemoteObjectHost, QRemoteObjectNode, QRemoteObjectReplica


def emit(**fields):
    print(json.dumps(fields, sort_keys=True), flush=True)


def plain(v):
    """QVariant-ish values as JSON."""
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return str(v)


class PySource(QObject):
    valueChanged = pyqtSignal(int)
    nameChanged = pyqtSignal(str)
    fired = pyqtSignal(int, str)

    def __init__(self):
        super().__init__()
        self._value = 1
        self._name = "python"

    @pyqtProperty(int, notify=valueChanged)
    def value(self):
        return self._value

    @value.setter
    def value(self, v):
        if v != self._value:
            self._value = v
            self.valueChanged.emit(v)

    @pyqtProperty(str, notify=nameChanged)
    def name(self):
        return self._name

    @name.setter
    def name(self, v):
        if v != self._name:
            self._name = v
            emit(event="written", name="name", value=v)
            self.nameChanged.emit(v)

    @pyqtSlot(int, int, result=int)
    def add(self, a, b):
        emit(event="invoked", slot="add", args=[a, b])
        return a + b

    @pyqtSlot(str, result=str)
    def shout(self, s):
        return s.upper()

    @pyqtSlot(int, str)
    def emitFired(self, code, text):
        self.fired.emit(code, text)


def host_and_serve(app, obj, name, on_command):
    """Remotes `obj` as `name` on the URL of argv[2], then calls on_command(line) for each stdin
    line until "quit" or the end of input."""
    host = QRemoteObjectHost(QUrl(sys.argv[2]))
    if not host.enableRemoting(obj, name):
        emit(event="fatal", message="enableRemoting failed")
        return 3
    emit(event="ready", url=host.hostUrl().toString())

    def on_stdin():
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            app.quit()
            return
        on_command(line)

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    return app.exec()


def run_source():
    app = QCoreApplication(sys.argv)
    obj = PySource()

    def on_command(line):
        words = line.split(maxsplit=2)
        if words[0] == "set" and words[1] == "value":
            obj.value = int(words[2])
        elif words[0] == "emit":
            obj.fired.emit(int(words[1]), words[2].strip())
        emit(event="ok", cmd=words[0])

    return host_and_serve(app, obj, "PySource", on_command)


def run_replica(url, name):
    app = QCoreApplication(sys.argv)
    node = QRemoteObjectNode()
    if not node.connectToNode(QUrl(url)):
        emit(event="fatal", message="connectToNode failed")
        return 3
    replica = node.acquireDynamic(name)
    emit(event="ready")

    def properties():
        mo = replica.metaObject()
        first = QRemoteObjectReplica.staticMetaObject.propertyCount()
        return {mo.property(i).name(): plain(replica.property(mo.property(i).name()))
                for i in range(first, mo.propertyCount())}

    written = {"done": False}

    def poll():
        # Only read properties once the replica has its dynamic meta-object.
        if not written["done"]:
            return
        if replica.property("name") == "from python":
            emit(event="changed", name="name", value="from python")
            app.quit()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(20)

    def on_state(new, old):
        emit(event="state", state=new.name, old=old.name)
        if new == QRemoteObjectReplica.State.Valid and not written["done"]:
            emit(event="valid", properties=properties())
            replica.setProperty("name", "from python")
            written["done"] = True

    replica.stateChanged.connect(on_state)
    QTimer.singleShot(10000, lambda: (emit(event="fatal", message="timeout"), app.exit(4)))
    return app.exec()


def datastream_hex(value):
    """What QDataStream << QVariant writes for a value as PyQt6 hands it over."""
    data = QByteArray()
    stream = QDataStream(data, QIODevice.OpenModeFlag.WriteOnly)
    stream.setByteOrder(QDataStream.ByteOrder.BigEndian)
    stream.setVersion(QDataStream.Version.Qt_6_2)
    stream.writeQVariant(value)
    return bytes(data).hex()


class PyMatrix(QObject):
    anythingChanged = pyqtSignal('QVariant')

    def __init__(self):
        super().__init__()
        self._anything = None

    @pyqtProperty('QVariant', notify=anythingChanged)
    def anything(self):
        return self._anything

    @anything.setter
    def anything(self, v):
        self._anything = v
        emit(event="written", value=datastream_hex(v))
        self.anythingChanged.emit(v)

    @pyqtSlot('QVariant', result='QVariant')
    def identity(self, v):
        emit(event="invoked", slot="identity", value=datastream_hex(v))
        return v


def run_matrix_source():
    app = QGuiApplication(sys.argv)
    obj = PyMatrix()

    def on_command(line):
        cmd, _, rest = line.strip().partition(" ")
        if cmd == "set":
            obj._anything = eval(rest)  # the test's own expressions of Qt values
            obj.anythingChanged.emit(obj._anything)
            emit(event="ok", cmd=cmd, value=datastream_hex(obj._anything))
        else:
            emit(event="error", cmd=cmd)

    return host_and_serve(app, obj, "PyMatrix", on_command)


def run_matrix_replica(url, name):
    app = QGuiApplication(sys.argv)
    node = QRemoteObjectNode()
    if not node.connectToNode(QUrl(url)):
        emit(event="fatal", message="connectToNode failed")
        return 3
    replica = node.acquireDynamic(name)
    emit(event="ready")

    def on_state(new, old):
        if new == QRemoteObjectReplica.State.Valid:
            mo = replica.metaObject()
            first = QRemoteObjectReplica.staticMetaObject.propertyCount()
            values = {mo.property(i).name(): datastream_hex(replica.property(mo.property(i).name()))
                      for i in range(first, mo.propertyCount())}
            emit(event="valid", properties=values)

    replica.stateChanged.connect(on_state)
    QTimer.singleShot(10000, lambda: (emit(event="fatal", message="timeout"), app.exit(4)))
    return app.exec()


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "matrix-source":
        sys.exit(run_matrix_source())
    if len(sys.argv) >= 4 and sys.argv[1] == "matrix-replica":
        sys.exit(run_matrix_replica(sys.argv[2], sys.argv[3]))
    if len(sys.argv) >= 3 and sys.argv[1] == "source":
        sys.exit(run_source())
    if len(sys.argv) >= 4 and sys.argv[1] == "replica":
        sys.exit(run_replica(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
