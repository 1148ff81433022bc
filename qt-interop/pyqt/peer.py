#!/usr/bin/python3
"""A PyQt6 QtRO peer for the qtro_rs interop tests (Debian's python3-pyqt6.qtremoteobjects).

    peer.py source URL         host a Python QObject as "PySource"; stdin: "set value N", "emit N TEXT", "quit"
    peer.py replica URL NAME   acquire NAME as a dynamic replica; print its properties once valid,
                               then write property "name" = "from python" and report the change

Events are JSON lines on stdout.
"""
import json
import sys

from PyQt6.QtCore import (QCoreApplication, QObject, QSocketNotifier, QTimer, QUrl, pyqtProperty, pyqtSignal,
                          pyqtSlot)
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


def run_source(url):
    app = QCoreApplication(sys.argv)
    host = QRemoteObjectHost(QUrl(url))
    obj = PySource()
    if not host.enableRemoting(obj, "PySource"):
        emit(event="fatal", message="enableRemoting failed")
        return 3
    emit(event="ready", url=host.hostUrl().toString())

    def on_stdin():
        line = sys.stdin.readline()
        if not line or line.strip() == "quit":
            app.quit()
            return
        words = line.split(maxsplit=2)
        if words[0] == "set" and words[1] == "value":
            obj.value = int(words[2])
        elif words[0] == "emit":
            obj.fired.emit(int(words[1]), words[2].strip())
        emit(event="ok", cmd=words[0])

    notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(on_stdin)
    return app.exec()


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


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "source":
        sys.exit(run_source(sys.argv[2]))
    if len(sys.argv) >= 4 and sys.argv[1] == "replica":
        sys.exit(run_replica(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
