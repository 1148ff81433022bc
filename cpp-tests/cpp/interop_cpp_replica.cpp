// C++ wrapper replicas of stock Qt 6 sources: a plain QObject source (Qt's dynamic API path, no
// type name, QVariant slots) acquired directly, and a repc source found through a stock Qt
// registry by name alone. Also a C++ source registered in that Qt registry and used by a Qt replica.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "peer.h"
#include "qtro_rs.hpp"

using namespace std::chrono_literals;

#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond);        \
            std::exit(1);                                                                        \
        }                                                                                        \
    } while (0)

static std::string ready_url(peer *p) {
    char buf[256];
    EXPECT(json_string_field(peer_ready(p), "url", buf, sizeof buf));
    return buf;
}

int main(int argc, char **argv) {
    EXPECT(argc == 2);
    const char *exe = argv[1];

    // 1. a plain QObject source
    {
        const char *args[] = {"source-plain", "--url", "tcp://127.0.0.1:0", nullptr};
        peer *qt = peer_start(exe, args);
        qtro::Node node;
        node.connect(ready_url(qt));
        qtro::Replica plain = node.acquire("Plain");
        EXPECT(plain.wait_for_source(10s));
        auto iface = plain.interface();
        EXPECT(iface.type_name.empty());  // no "RemoteObject Type" class-info
        EXPECT(plain.property("label").to_string() == "plain");
        EXPECT(plain.call("multiply", {6, 7}, 10s).to_int() == 42);
        // QVariant parameters: the value comes back unchanged
        qtro::Value back = plain.call("identity", {qtro::Value::map({{"k", 1}})}, 10s);
        EXPECT(back.type() == QTRO_TYPE_MAP && back.get("k").to_int() == 1);
        plain.set_property("value", 9);
        peer_expect2(qt, "\"event\":\"written\"", "\"value\":9");
        peer_stop(qt);
    }

    // 2. a stock Qt registry, a Qt source registered there, and a C++ source registered there
    {
        const char *reg_args[] = {"registry", "--url", "tcp://127.0.0.1:0", nullptr};
        peer *registry = peer_start(exe, reg_args);
        const std::string reg = ready_url(registry);
        const char *src_args[] = {"source-static", "Simple", "--url", "tcp://127.0.0.1:0", "--registry", reg.c_str(), nullptr};
        peer *qt_source = peer_start(exe, src_args);

        qtro::Node client;
        client.set_registry_url(reg);
        EXPECT(client.wait_for_object("Simple", 10s));
        qtro::Replica simple = client.acquire("Simple");
        EXPECT(simple.wait_for_source(10s));
        EXPECT(simple.call("add", {20, 22}, 10s).to_int() == 42);

        qtro::Node host;
        host.set_registry_url(reg);
        qtro::Class cls("Echo");
        cls.property("count", "int", QTRO_PROPERTY_READ_ONLY, 0).slot("echo", {{"s", "QString"}}, "QString");
        qtro::SourceHandlers h;
        h.on_invoke = [](qtro::Invocation &inv) { inv.reply(inv.arg(0)); };
        qtro::Source echo = host.enable_source("Echo", cls, std::move(h));
        host.listen("tcp://127.0.0.1:0");
        peer_expect2(registry, "\"event\":\"registry-added\"", "\"name\":\"Echo\"");

        const char *rep_args[] = {"replica-dynamic", "--name", "Echo", "--registry", reg.c_str(), nullptr};
        peer *qt_replica = peer_start(exe, rep_args);
        peer_expect2(qt_replica, "\"event\":\"state\"", "\"state\":\"Valid\"");
        peer_send(qt_replica, "call 1 echo [\"via registry\"]");
        peer_expect2(qt_replica, "\"event\":\"reply\"", "\"value\":\"via registry\"");
        echo.set_property("count", 3);
        peer_expect2(qt_replica, "\"event\":\"property\"", "\"value\":3");

        peer_stop(qt_replica);
        peer_stop(qt_source);
        peer_stop(registry);
    }
    std::printf("interop_cpp_replica: ok\n");
    return 0;
}
