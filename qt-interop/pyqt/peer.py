#!/usr/bin/python3
"""A PyQt6 QtRO peer for the qtro_rs interop tests (Debian's python3-pyqt6.qtremoteobjects).

    peer.py source URL         host a Python QObject as "PySource"; stdin: "set value N", "emit N TEXT", "quit"
    peer.py replica URL NAME   acquire NAME as a dynamic replica; print its properties once valid,
                               then write property "name" = "from python" and report the change
    peer.py matrix-source URL  host "PyMatrix" (QVariant property "anything", slot identity(QVariant),
                               signal fired(QVariant)); stdin: "set EXPR" (a Python expression of
                               Qt values) sets "anything", "emit EXPR" emits fired, "quit"
    peer.py matrix-replica URL NAME
                               acquire NAME dynamically; once valid print every property, then
                               report property changes and signals; stdin: "call SLOT EXPR" (the
                               reply is reported), "write PROPERTY EXPR", "quit"
(matrix modes report values as the hex of QDataStream << QVariant, big-endian, version 20: what
PyQt6 makes of them)

Events are JSON lines on stdout.
"""
import ctypes
import json
import os
import sys

from PyQt6 import sip
from PyQt6.QtCore import (QByteArray, QCoreApplication, QDataStream, QDate, QDateTime, QIODevice, QJsonValue,
                          QLine, QLineF, QMetaMethod, QObject, QPoint, QPointF, QRect, QRectF, QSize, QSizeF,
                          QSocketNotifier, QTime, QTimer, QUrl, QUuid, QVariant, pyqtProperty, pyqtSignal, pyqtSlot)
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
    """Remotes `obj` as `name` on the URL of argv[2], then serves stdin (see serve_stdin)."""
    host = QRemoteObjectHost(QUrl(sys.argv[2]))
    if not host.enableRemoting(obj, name):
        emit(event="fatal", message="enableRemoting failed")
        return 3
    emit(event="ready", url=host.hostUrl().toString())
    return serve_stdin(app, on_command)


def serve_stdin(app, on_command):
    """Runs `app`, calling on_command(line) for each stdin line until "quit" or the end of input."""
    pending = bytearray()

    def on_stdin():
        # Read the descriptor itself: a buffered readline() could take in several lines at once
        # and leave all but the first unseen, as the notifier only fires for new input.
        data = os.read(sys.stdin.fileno(), 65536)
        if not data:
            app.quit()
            return
        pending.extend(data)
        while b"\n" in pending:
            line, _, rest = bytes(pending).partition(b"\n")
            pending[:] = rest
            if line.strip() == b"quit":
                app.quit()
                return
            on_command(line.decode())

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
    fired = pyqtSignal('QVariant')

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
        value = eval(rest)  # the test's own expressions of Qt values
        if cmd == "set":
            obj._anything = value
            obj.anythingChanged.emit(value)
        elif cmd == "emit":
            obj.fired.emit(value)
        else:
            emit(event="error", cmd=cmd)
            return
        emit(event="ok", cmd=cmd, value=datastream_hex(value))

    return host_and_serve(app, obj, "PyMatrix", on_command)


class PendingCalls:
    """Calls of a dynamic replica's slots that return a value, and their replies.

    PyQt6 cannot make these: the dynamic meta-object declares such slots as returning
    QRemoteObjectPendingCall, a type PyQt6 does not wrap, so both the method proxy
    (`replica.echo(v)`: "unable to convert return value") and QMetaObject.invokeMethod
    ("not supported as a Q_RETURN_ARG() type") refuse them, and without a return argument the
    reply is dropped. So this calls Qt's C++ API through ctypes, as a C++ application would:
    QMetaObject::metacall with a QRemoteObjectPendingCall to fill, then polls isFinished() (not
    waitForFinished(), which blocks this thread's event loop) and reads returnValue()."""

    core = ctypes.CDLL("libQt6Core.so.6")
    ro = ctypes.CDLL("libQt6RemoteObjects.so.6")
    metacall = core._ZN11QMetaObject8metacallEP7QObjectNS_4CallEiPPv
    metacall.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    variant_data = core._ZN8QVariant4dataEv
    variant_data.argtypes, variant_data.restype = [ctypes.c_void_p], ctypes.c_void_p
    construct = ro._ZN24QRemoteObjectPendingCallC1Ev
    construct.argtypes = [ctypes.c_void_p]
    destruct = ro._ZN24QRemoteObjectPendingCallD1Ev
    destruct.argtypes = [ctypes.c_void_p]
    is_finished = ro._ZNK24QRemoteObjectPendingCall10isFinishedEv
    is_finished.argtypes, is_finished.restype = [ctypes.c_void_p], ctypes.c_bool
    # Returns a QVariant: the Itanium ABI passes the address to construct it at first.
    return_value = ro._ZNK24QRemoteObjectPendingCall11returnValueEv
    return_value.argtypes, return_value.restype = [ctypes.c_void_p, ctypes.c_void_p], ctypes.c_void_p
    INVOKE_META_METHOD = 0  # QMetaObject::InvokeMetaMethod

    def __init__(self, replica):
        self.replica = replica
        self.calls = []  # (QRemoteObjectPendingCall storage, callback)
        self.timer = QTimer()
        self.timer.timeout.connect(self.poll)
        self.timer.start(5)

    def call(self, slot, value, on_reply):
        """Calls `slot` (one parameter) with `value`; on_reply(QVariant) gets its reply."""
        mo = self.replica.metaObject()
        index = next(i for i in range(mo.methodCount()) if mo.method(i).name() == slot.encode())
        declared = bytes(mo.method(index).parameterTypes()[0]).decode()
        arg = QVariant(value)
        if arg.typeName() != declared:
            emit(event="fatal", message=f"{slot} takes {declared}, not {arg.typeName()}")
            return
        pending = ctypes.create_string_buffer(16)  # a QRemoteObjectPendingCall is one d-pointer (8)
        self.construct(pending)
        argv = (ctypes.c_void_p * 2)(ctypes.addressof(pending), self.variant_data(sip.unwrapinstance(arg)))
        self.metacall(sip.unwrapinstance(self.replica), self.INVOKE_META_METHOD, index, argv)
        self.calls.append((pending, on_reply))

    def poll(self):
        for pending, on_reply in [c for c in self.calls if self.is_finished(c[0])]:
            self.calls.remove((pending, on_reply))
            reply = QVariant()  # invalid: holds nothing, so constructing over it leaks nothing
            self.return_value(sip.unwrapinstance(reply), pending)
            self.destruct(pending)
            on_reply(reply)


def run_matrix_replica(url, name):
    app = QGuiApplication(sys.argv)
    node = QRemoteObjectNode()
    if not node.connectToNode(QUrl(url)):
        emit(event="fatal", message="connectToNode failed")
        return 3
    replica = node.acquireDynamic(name)
    calls = PendingCalls(replica)
    emit(event="ready")

    def report(mo):
        """Reports each property change (as the replica then holds it) and each other signal."""
        notifies = {}
        for i in range(QRemoteObjectReplica.staticMetaObject.propertyCount(), mo.propertyCount()):
            prop = mo.property(i)
            notifies[prop.notifySignalIndex()] = prop.name()
        for i in range(QRemoteObjectReplica.staticMetaObject.methodCount(), mo.methodCount()):
            method = mo.method(i)
            if method.methodType() != QMetaMethod.MethodType.Signal:
                continue
            name = bytes(method.name()).decode()
            if i in notifies:
                getattr(replica, name).connect(lambda *_, p=notifies[i]: emit(
                    event="property", name=p, value=datastream_hex(replica.property(p))))
            else:
                getattr(replica, name).connect(lambda *args, s=name: emit(
                    event="signal", name=s, args=[datastream_hex(a) for a in args]))

    def on_valid():
        mo = replica.metaObject()
        first = QRemoteObjectReplica.staticMetaObject.propertyCount()
        values = {mo.property(i).name(): datastream_hex(replica.property(mo.property(i).name()))
                  for i in range(first, mo.propertyCount())}
        report(mo)
        emit(event="valid", properties=values)

    def on_state(new, old):
        # Right after Valid, Qt emits the notify signal of every property the initial values
        # changed: reporting starts after those, which are no changes by the source.
        if new == QRemoteObjectReplica.State.Valid:
            QTimer.singleShot(0, on_valid)

    def on_command(line):
        cmd, member, expr = line.split(maxsplit=2)
        value = eval(expr)  # the test's own expressions of Qt values
        if cmd == "call":
            calls.call(member, value, lambda reply: emit(event="reply", name=member, value=datastream_hex(reply)))
        elif cmd == "write":
            if not replica.setProperty(member, value):
                emit(event="fatal", message=f"setProperty {member} failed")
        else:
            emit(event="error", cmd=cmd)

    replica.stateChanged.connect(on_state)
    return serve_stdin(app, on_command)


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
