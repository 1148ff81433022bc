// The C++17 wrapper (qtro_rs.hpp): RAII and move semantics, exceptions for errors, std::function
// handlers on the dispatch thread and through Node::dispatch, deferred replies, exceptions thrown
// by handlers, the log handler. Runs under ASan/UBSan.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "qtro_rs.hpp"

using namespace std::chrono_literals;

#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond);        \
            std::exit(1);                                                                        \
        }                                                                                        \
    } while (0)

template <class F>
static qtro::error expect_error(qtro_result code, F &&f) {
    try {
        f();
    } catch (const qtro::error &e) {
        if (e.code() != code) {
            std::fprintf(stderr, "expected %s, got %s\n", qtro_result_name(code), e.what());
            std::exit(1);
        }
        return e;
    }
    std::fprintf(stderr, "expected an exception %s\n", qtro_result_name(code));
    std::exit(1);
}

// A tiny thread-safe event log to wait on.
struct Events {
    std::mutex m;
    std::condition_variable cv;
    std::vector<std::string> lines;
    void add(std::string s) {
        std::lock_guard<std::mutex> l(m);
        lines.push_back(std::move(s));
        cv.notify_all();
    }
    bool has(const std::string &s) {
        std::lock_guard<std::mutex> l(m);
        for (auto &x : lines)
            if (x == s) return true;
        return false;
    }
    void wait(const std::string &s, qtro::Node *poll = nullptr) {
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (!has(s)) {
            if (std::chrono::steady_clock::now() > deadline) {
                std::fprintf(stderr, "timed out waiting for event %s; have:\n", s.c_str());
                for (auto &x : lines) std::fprintf(stderr, "  %s\n", x.c_str());
                std::exit(1);
            }
            if (poll) {
                poll->dispatch_for(50ms);
            } else {
                std::unique_lock<std::mutex> l(m);
                cv.wait_for(l, 50ms);
            }
        }
    }
};

static void values() {
    qtro::Value a = 5;
    EXPECT(a.type() == QTRO_TYPE_INT && a.to_int() == 5 && a.type_name() == "int");
    EXPECT(qtro::Value(int64_t(5)).type() == QTRO_TYPE_LONGLONG);
    EXPECT(qtro::Value(5u).type() == QTRO_TYPE_UINT);
    EXPECT(qtro::Value(5ull).type() == QTRO_TYPE_ULONGLONG);
    EXPECT(qtro::Value(short(5)).type() == QTRO_TYPE_INT);
    EXPECT(qtro::Value(true).type() == QTRO_TYPE_BOOL);
    EXPECT(qtro::Value(2.5).to_double() == 2.5);
    EXPECT(qtro::Value("héllo").to_string() == "héllo");
    EXPECT(qtro::Value(std::string("x\0y", 3)).to_string().size() == 3);
    EXPECT(qtro::Value::null_string().is_null());
    EXPECT(!qtro::Value().is_valid());
    expect_error(QTRO_ERR_TYPE_MISMATCH, [&] { a.to_string(); });
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [] { qtro::Value("\xff"); });

    qtro::Value b = a;  // deep copy
    EXPECT(a == b);
    qtro::Value c = std::move(b);
    EXPECT(c == a);
    b = c;
    EXPECT(b == a);

    auto list = qtro::Value::list({1, "two", 3.0});
    EXPECT(list.size() == 3 && list.at(1).to_string() == "two");
    list.append(qtro::Value::list({4}));
    EXPECT(list.at(3).at(0).to_int() == 4);
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [&] { list.at(10); });
    auto map = qtro::Value::map({{"s", 1}, {"k", 2}});
    EXPECT((map.keys() == std::vector<std::string>{"k", "s"}));
    EXPECT(map.get("s").to_int() == 1);
    expect_error(QTRO_ERR_NOT_FOUND, [&] { map.get("zz"); });
    auto sl = qtro::Value::string_list({"a", "b"});
    EXPECT(sl.size() == 2 && sl.at(1).to_string() == "b");
    auto bytes = qtro::Value::bytes(std::vector<uint8_t>{0, 1, 255});
    EXPECT(bytes.to_bytes() == (std::vector<uint8_t>{0, 1, 255}));
    EXPECT(qtro::Value::url("tcp://x:1").to_url() == "tcp://x:1");
    auto e = qtro::Value::enumeration("Interop::Color", 3);
    EXPECT(e.type() == QTRO_TYPE_ENUM && e.to_int() == 3);
    EXPECT(map.debug_string().find("Map") != std::string::npos);

    // The text syntax.
    EXPECT(map.to_text() == "{\"k\": 2, \"s\": 1}");
    EXPECT(qtro::Value(5u).to_text() == "uint:5");
    EXPECT(qtro::Value::parse(qtro::Value(5u).to_text()) == qtro::Value(5u));
    EXPECT(qtro::Value::parse("[1, \"two\", 3.0]") == qtro::Value::list({1, "two", 3.0}));
    EXPECT(qtro::Value::parse("2", "double").to_double() == 2.0);
    EXPECT(qtro::Value::parse("bytes:hex:0001ff").to_bytes() == (std::vector<uint8_t>{0, 1, 255}));
    EXPECT(qtro::Value::parse("tcp://x:1", "QUrl").to_url() == "tcp://x:1");
    auto parse_error = expect_error(QTRO_ERR_PARSE, [] { qtro::Value::parse("[1,"); });
    EXPECT(std::string(parse_error.what()).find("at the end of") != std::string::npos);
    expect_error(QTRO_ERR_TYPE_MISMATCH, [] { qtro::Value::parse("1.5", "int"); });
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [] { qtro::Value::parse(std::string("1\0", 2)); });

    // QtGui, JSON and CBOR values.
    auto red = qtro::Value::color(255, 0, 0);
    EXPECT(red.type() == QTRO_TYPE_COLOR && red.to_color().r == 255 && red.to_color().a == 255);
    EXPECT(qtro::Value::from_fields(QTRO_TYPE_COLOR, red.fields_json()) == red);
    auto poly = qtro::Value::numbers(QTRO_TYPE_POLYGON, {1, 2, 3, 4});
    EXPECT(poly.type() == QTRO_TYPE_POLYGON && poly.to_numbers() == (std::vector<double>{1, 2, 3, 4}));
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [] { qtro::Value::numbers(QTRO_TYPE_VECTOR3D, {1, 2}); });
    auto img = qtro::Value::image_rgba(1, 1, {1, 2, 3, 4});
    EXPECT(img.type() == QTRO_TYPE_IMAGE && img.to_png().size() > 8);
    EXPECT(qtro::Value::image_png(img.to_png(), true).type() == QTRO_TYPE_PIXMAP);
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [] { qtro::Value::image_rgba(2, 2, {1, 2, 3, 4}); });
    auto doc = qtro::Value::json(QTRO_TYPE_JSONDOCUMENT, "{\"a\": 1}");
    EXPECT(doc.to_json() == "{\"a\":1}");
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [] { qtro::Value::json(QTRO_TYPE_JSONARRAY, "[1,"); });
    auto cbor = qtro::Value::cbor(QTRO_TYPE_CBORMAP, {0xa0});
    EXPECT(cbor.to_cbor() == (std::vector<uint8_t>{0xa0}));
    // Through QDataStream bytes and back (what a Qt program reads with QDataStream >> QVariant).
    EXPECT(qtro::Value::from_datastream(poly.to_datastream()) == poly);
    EXPECT(qtro::Value::from_datastream(red.to_datastream(QTRO_DIALECT_QT5), QTRO_DIALECT_QT5) == red);
    expect_error(QTRO_ERR_TYPE_MISMATCH, [&] { poly.to_json(); });
}

static void node_source_replica(qtro_dispatch_mode client_mode) {
    qtro::Node host;
    qtro::NodeOptions opts;
    opts.dispatch = client_mode;
    opts.worker_threads = 1;
    opts.busy_poll = std::chrono::microseconds(0);
    opts.max_packet_size = 1024 * 1024;
    opts.queue_high_water = 1 << 20;
    opts.stall_timeout = std::chrono::seconds(2);
    opts.max_queued_bytes = 1 << 24;
    {
        qtro::NodeOptions bad = opts;
        bad.max_queued_bytes = 1 << 10;  // below the high-water mark
        auto e = expect_error(QTRO_ERR_INVALID_ARGUMENT, [&] { qtro::Node n(bad); });
        EXPECT(std::string(e.what()).find("queue_high_water") != std::string::npos);
        bad = opts;
        bad.busy_poll = std::chrono::seconds(1);
        expect_error(QTRO_ERR_INVALID_ARGUMENT, [&] { qtro::Node n(bad); });
    }
    qtro::Node client(opts);
    qtro::Node *poll = client_mode == QTRO_DISPATCH_POLL ? &client : nullptr;

    qtro::Class cls("Simple");
    cls.property("value", "int", QTRO_PROPERTY_READ_PUSH, 0)
        .property("name", "QString", QTRO_PROPERTY_READ_WRITE, "initial")
        .signal("fired", {{"code", "int"}})
        .slot("add", {{"a", "int"}, {"b", "int"}}, "int")
        .slot("later", {{"x", "int"}}, "int")
        .slot("boom", {}, "int");
    auto ci = cls.interface();
    EXPECT(ci.type_name == "Simple" && ci.properties.size() == 2 && ci.methods.size() == 4);

    Events src_events, rep_events;
    std::mutex deferred_m;
    qtro::DeferredInvocation deferred;
    qtro::SourceHandlers sh;
    sh.on_invoke = [&](qtro::Invocation &inv) {
        if (inv.slot() == "add") inv.reply(int64_t(inv.arg(0).to_int() + inv.arg(1).to_int()));
        if (inv.slot() == "later") {
            std::lock_guard<std::mutex> l(deferred_m);
            deferred = inv.defer();
        }
        // Recorded after the handler's work, so a thread waiting for it sees its effects.
        src_events.add("invoke " + inv.slot());
        if (inv.slot() == "boom") throw std::runtime_error("handler failure");  // caught; answered invalid
    };
    sh.on_property_written = [&](const std::string &name, const qtro::Value &v) { src_events.add("written " + name + "=" + v.to_string()); };
    sh.on_replica_acquired = [&](uint64_t, bool dynamic) { src_events.add(dynamic ? "acquired dynamic" : "acquired static"); };
    std::atomic<int> handler_exceptions{0};
    qtro::set_callback_exception_handler([&](std::exception_ptr) { handler_exceptions++; });

    qtro::Source source = host.enable_source("Simple", cls, std::move(sh));
    expect_error(QTRO_ERR_ALREADY, [&] { host.enable_source("Simple", cls); });
    const std::string url = host.listen("tcp://127.0.0.1:0");
    expect_error(QTRO_ERR_BAD_URL, [&] { client.connect("nonsense"); });
    client.connect(url);

    qtro::ReplicaHandlers rh;
    rh.on_state_changed = [&](qtro_replica_state, qtro_replica_state now) { rep_events.add("state " + std::to_string(int(now))); };
    rh.on_initialized = [&] { rep_events.add("initialized"); };
    rh.on_property_changed = [&](const std::string &name, const qtro::Value &v) {
        rep_events.add("property " + name + "=" + (v.type() == QTRO_TYPE_STRING ? v.to_string() : std::to_string(v.to_int())));
    };
    rh.on_signal = [&](const std::string &name, const std::vector<qtro::Value> &args) { rep_events.add("signal " + name + " " + std::to_string(args.at(0).to_int())); };
    qtro::Replica replica = client.acquire("Simple", std::move(rh));
    EXPECT(replica.wait_for_source(10s));
    rep_events.wait("initialized", poll);
    rep_events.wait("state 2", poll);
    src_events.wait("acquired dynamic");
    EXPECT(replica.name() == "Simple" && replica.state() == QTRO_STATE_VALID);
    EXPECT(replica.property("name").to_string() == "initial");
    auto iface = replica.interface();
    EXPECT(iface.methods.at(1).name == "add" && iface.methods.at(1).params.at(1).name == "b");
    EXPECT(iface.properties.at(0).notify_signature == "valueChanged(int)");

    // moves keep the handles and handlers alive
    qtro::Replica moved = std::move(replica);
    EXPECT(moved.call("add", {2, 3}, 10s).to_int() == 5);
    EXPECT(moved.call("add", {2, 3}, 10s).type() == QTRO_TYPE_INT);
    expect_error(QTRO_ERR_NOT_FOUND, [&] { moved.call("nope", {}, 1s); });
    expect_error(QTRO_ERR_NOT_FOUND, [&] { moved.property("nope"); });

    moved.set_property("name", "from c++");
    src_events.wait("written name=from c++");
    rep_events.wait("property name=from c++", poll);
    EXPECT(source.set_property("value", 11));
    EXPECT(!source.set_property("value", 11));
    rep_events.wait("property value=11", poll);
    source.emit_signal("fired", {7});
    expect_error(QTRO_ERR_INVALID_ARGUMENT, [&] { source.emit_signal("fired", {}); });
    rep_events.wait("signal fired 7", poll);
    EXPECT(source.replica_count() == 1);

    // async with a deferred answer from another thread
    std::atomic<int> got{-1};
    moved.call_async("later", {6}, [&](qtro::CallResult r) {
        EXPECT(r.ok());
        got = int(r.value.to_int());
        rep_events.add("later done");
    }, 10s);
    src_events.wait("invoke later");
    std::thread answer([&] {
        std::lock_guard<std::mutex> l(deferred_m);
        EXPECT(deferred);
        EXPECT(deferred.arg(0).to_int() == 6);
        deferred.reply(60);
        deferred = qtro::DeferredInvocation();
    });
    answer.join();
    rep_events.wait("later done", poll);
    EXPECT(got == 60);

    // a throwing handler: the exception is reported, the call answered with an invalid value
    EXPECT(!moved.call("boom", {}, 10s).is_valid());
    EXPECT(handler_exceptions == 1);
    // async errors are reported synchronously when detectable
    expect_error(QTRO_ERR_NOT_FOUND, [&] { moved.call_async("nope", {}, [](qtro::CallResult) {}); });
    // timeouts arrive in the callback
    moved.call_async("later", {1}, [&](qtro::CallResult r) {
        rep_events.add(std::string("timeout ") + qtro_result_name(r.code));
    }, 100ms);
    rep_events.wait("timeout QTRO_ERR_TIMEOUT", poll);
    {
        std::lock_guard<std::mutex> l(deferred_m);
        deferred = qtro::DeferredInvocation();  // answers the late call with an invalid value
    }
    if (poll) {
        expect_error(QTRO_ERR_WRONG_MODE, [&] { host.dispatch(); });
        EXPECT(client.event_fd() >= 0);
    } else {
        expect_error(QTRO_ERR_WRONG_MODE, [&] { client.event_fd(); });
    }
    // a pending async call completes with QTRO_ERR_SHUTDOWN when the node goes away
    moved.call_async("later", {2}, [&](qtro::CallResult r) { rep_events.add(std::string("end ") + qtro_result_name(r.code)); });
    src_events.wait("invoke later");
    {
        qtro::Node gone = std::move(client);
    }
    EXPECT(rep_events.has("end QTRO_ERR_SHUTDOWN"));
    expect_error(QTRO_ERR_SHUTDOWN, [&] { moved.state(); });
    qtro::set_callback_exception_handler(nullptr);
}

static void from_rep(const char *rep_path) {
    FILE *f = std::fopen(rep_path, "rb");
    EXPECT(f);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    expect_error(QTRO_ERR_PARSE, [&] { qtro::Class::from_rep("class {", "Simple"); });
    qtro::Class interop = qtro::Class::from_rep(text, "Interop");
    auto i = interop.interface();
    EXPECT(i.enums.size() == 1 && i.enums[0].name == "Color" && i.enums[0].keys.at(1).second == 3);
    EXPECT(i.properties.at(8).name == "revision" && i.properties.at(8).notify_signature.empty());
}

static void logging() {
    Events logs;
    qtro::set_log_handler([&](qtro_log_level level, std::string_view, std::string_view msg) {
        if (level == QTRO_LOG_DEBUG && msg.find("connect failed") != std::string_view::npos) logs.add("connect failed");
    }, QTRO_LOG_DEBUG);
    {
        qtro::Node n;
        n.connect("tcp://127.0.0.1:1");
        logs.wait("connect failed");
    }
    qtro::set_log_handler(nullptr);
}

int main(int argc, char **argv) {
    EXPECT(argc == 2);
    EXPECT(qtro::abi_version() == QTRO_ABI_VERSION);
    EXPECT(!qtro::version().empty());
    values();
    node_source_replica(QTRO_DISPATCH_THREAD);
    node_source_replica(QTRO_DISPATCH_POLL);
    from_rep(argv[1]);
    logging();
    std::printf("test_wrapper: ok\n");
    return 0;
}
