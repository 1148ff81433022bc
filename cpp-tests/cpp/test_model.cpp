// Item models through the C++ wrapper: a tree model (qtro::ModelSource subclass) served from a
// poll-mode node whose "model thread" dispatches it and makes every change, read by a
// qtro::ModelReplica on another node. Checks the tree's values at depth 0 and 1, inserts and
// removals under a child parent with the about-to/done order, moves, setData, and the current
// index. Runs under ASan/UBSan.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "qtro_rs.hpp"

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                                 \
        }                                                                                 \
    } while (0)

using qtro::ModelPath;

// Root rows (one column) "top i", each with children "top i / child j" (one column).
struct Tree : qtro::ModelSource {
    std::vector<std::string> tops;
    std::vector<std::vector<std::string>> kids;
    int current_sets = 0;
    ModelPath current;

    ~Tree() override { disable(); }
    int32_t row_count(const ModelPath &p) override {
        if (p.empty()) return int32_t(tops.size());
        if (p.size() == 1 && size_t(p[0].row) < kids.size()) return int32_t(kids[p[0].row].size());
        return 0;
    }
    int32_t column_count(const ModelPath &p) override { return p.size() <= 1 ? 1 : 0; }
    qtro::Value data(const ModelPath &i, int32_t role) override {
        if (role != 0) return qtro::Value();
        if (i.size() == 1) return qtro::Value(tops.at(i[0].row));
        if (i.size() == 2) return qtro::Value(kids.at(i[0].row).at(i[1].row));
        return qtro::Value();
    }
    int32_t flags(const ModelPath &) override { return 1 | 2 | 32; }
    bool set_data(const ModelPath &i, const qtro::Value &v, int32_t role) override {
        if (role != 0 || i.size() != 2) return false;
        kids.at(i[0].row).at(i[1].row) = v.to_string();
        return true;
    }
    void current_changed(const ModelPath &c) override {
        current = c;
        current_sets++;
    }
};

// Runs the source node's callbacks and the posted changes on one thread.
class ModelThread {
public:
    explicit ModelThread(qtro::Node &n) : node_(n), t_([this] { loop(); }) {}
    ~ModelThread() {
        stop_ = true;
        t_.join();
    }
    // Runs `f` on the model thread and waits for it.
    void run(std::function<void()> f) {
        std::unique_lock<std::mutex> l(mu_);
        bool done = false;
        std::exception_ptr ex;
        tasks_.push_back([&] {
            try {
                f();
            } catch (...) {
                ex = std::current_exception();
            }
            std::lock_guard<std::mutex> g(mu_);
            done = true;
            cv_.notify_all();
        });
        cv_.wait(l, [&] { return done; });
        if (ex) std::rethrow_exception(ex);
    }

private:
    void loop() {
        while (!stop_) {
            node_.dispatch_for(std::chrono::milliseconds(5));
            std::deque<std::function<void()>> ts;
            {
                std::lock_guard<std::mutex> g(mu_);
                ts.swap(tasks_);
            }
            for (auto &t : ts) t();
        }
    }
    qtro::Node &node_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> tasks_;
    std::atomic<bool> stop_{false};
    std::thread t_;
};

struct Log {
    std::mutex mu;
    std::vector<std::string> events;
    void add(std::string e) {
        std::lock_guard<std::mutex> g(mu);
        events.push_back(std::move(e));
    }
    bool has(const std::string &e) {
        std::lock_guard<std::mutex> g(mu);
        for (auto &x : events)
            if (x == e) return true;
        return false;
    }
};

template <class F>
static void wait_for(F cond, const char *what) {
    for (int i = 0; i < 1000; i++) {
        if (cond()) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::fprintf(stderr, "timed out waiting for %s\n", what);
    std::exit(1);
}

static std::string str(const std::optional<qtro::Value> &v) { return v ? v->to_string() : std::string("<none>"); }

int main() {
    qtro::NodeOptions po;
    po.dispatch = QTRO_DISPATCH_POLL;
    qtro::Node src_node(po);
    std::string url = src_node.listen("tcp://127.0.0.1:0");
    Tree tree;
    for (int i = 0; i < 4; i++) {
        tree.tops.push_back("top " + std::to_string(i));
        tree.kids.emplace_back();
        for (int j = 0; j <= i; j++) tree.kids.back().push_back("top " + std::to_string(i) + " / child " + std::to_string(j));
    }
    ModelThread mt(src_node);
    mt.run([&] { tree.enable(src_node, "Tree", {{0, "display"}}, {}, true); });
    try {
        mt.run([&] { tree.enable(src_node, "Tree", {{0, "display"}}); });
        CHECK(false);
    } catch (const qtro::error &e) {
        CHECK(e.code() == QTRO_ERR_ALREADY);
    }

    qtro::Node rep_node;
    rep_node.connect(url);
    Log log;
    qtro::ModelReplica *selfp = nullptr;
    int rows_seen_before = -1, rows_seen_after = -1;
    qtro::ModelReplicaHandlers h;
    h.on_rows_about_to_be_inserted = [&](const ModelPath &p, int32_t f, int32_t l) {
        if (p.size() == 1) rows_seen_before = selfp->row_count(p).value_or(-1);
        log.add("about-insert " + std::to_string(p.size()) + " " + std::to_string(f) + " " + std::to_string(l));
    };
    h.on_rows_inserted = [&](const ModelPath &p, int32_t f, int32_t l) {
        if (p.size() == 1) rows_seen_after = selfp->row_count(p).value_or(-1);
        log.add("insert " + std::to_string(p.size()) + " " + std::to_string(f) + " " + std::to_string(l));
    };
    h.on_rows_removed = [&](const ModelPath &p, int32_t f, int32_t l) { log.add("remove " + std::to_string(p.size()) + " " + std::to_string(f)); };
    h.on_rows_moved = [&](const ModelPath &p, int32_t f, int32_t l, const ModelPath &d, int32_t r) {
        log.add("move " + std::to_string(f) + " " + std::to_string(r));
    };
    h.on_current_changed = [&](const ModelPath &c, const ModelPath &) {
        if (c.size() == 2) log.add("current " + std::to_string(c[0].row) + "/" + std::to_string(c[1].row));
    };
    h.on_error = [&](const std::string &m) { log.add("error " + m); };
    qtro::ModelReplica m(rep_node, "Tree", std::move(h));
    selfp = &m;
    CHECK(m.wait_initialized(std::chrono::seconds(10)));
    CHECK(m.row_count() == 4);
    CHECK(m.role_names().size() == 1 && m.role_names()[0].second == "display");
    CHECK(m.available_roles() == std::vector<int32_t>{0});

    // Every item at depth 0 and 1.
    auto matches = [&] {
        std::vector<std::string> tops;
        std::vector<std::vector<std::string>> kids;
        mt.run([&] {
            tops = tree.tops;
            kids = tree.kids;
        });
        if (!m.fetch({}, 0, int32_t(tops.size()), std::chrono::seconds(10))) return false;
        if (m.row_count() != int32_t(tops.size())) return false;
        for (size_t i = 0; i < tops.size(); i++) {
            if (str(m.data({{int32_t(i), 0}}, 0)) != tops[i]) return false;
            ModelPath p{{int32_t(i), 0}};
            if (!m.fetch(p, 0, 100, std::chrono::seconds(10))) return false;
            if (m.row_count(p) != int32_t(kids[i].size())) return false;
            for (size_t j = 0; j < kids[i].size(); j++)
                if (str(m.data({{int32_t(i), 0}, {int32_t(j), 0}}, 0)) != kids[i][j]) return false;
        }
        return true;
    };
    wait_for(matches, "the replica to match the tree");
    CHECK(m.has_children({{2, 0}}) == true);
    CHECK(m.flags({{1, 0}}) == (1 | 2 | 32));

    // Inserting under a child parent: about-to sees 3 rows, done sees 5.
    mt.run([&] {
        auto &k = tree.kids[2];
        k.insert(k.begin() + 1, {"ins a", "ins b"});
        tree.rows_inserted({{2, 0}}, 1, 2);
    });
    wait_for([&] { return log.has("insert 1 1 2"); }, "rows inserted under top 2");
    CHECK(log.has("about-insert 1 1 2"));
    CHECK(rows_seen_before == 3 && rows_seen_after == 5);
    wait_for(matches, "the replica to match after the insert");

    // Removing and moving root rows.
    mt.run([&] {
        tree.tops.erase(tree.tops.begin());
        tree.kids.erase(tree.kids.begin());
        tree.rows_removed({}, 0, 0);
    });
    wait_for([&] { return log.has("remove 0 0"); }, "rows removed");
    wait_for(matches, "the replica to match after the removal");
    mt.run([&] {
        std::swap(tree.tops[0], tree.tops[1]);
        std::swap(tree.kids[0], tree.kids[1]);
        tree.rows_moved({}, 0, 0, {}, 2);
    });
    wait_for([&] { return log.has("move 0 2"); }, "rows moved");
    wait_for(matches, "the replica to match after the move");

    // setData on a child, and the current index both ways.
    m.set_data({{1, 0}, {0, 0}}, qtro::Value("written"), 0);
    wait_for([&] { return str(m.data({{1, 0}, {0, 0}}, 0)) == "written"; }, "setData round trip");
    mt.run([&] { CHECK(tree.kids[1][0] == "written"); });
    mt.run([&] { tree.set_current({{1, 0}, {1, 0}}); });
    wait_for([&] { return log.has("current 1/1"); }, "current index from the source");
    CHECK(m.current().size() == 2);
    m.set_current({{0, 0}, {0, 0}});
    wait_for([&] {
        int n = 0;
        mt.run([&] { n = tree.current_sets; });
        return n > 0;
    }, "current index from the replica");
    mt.run([&] { CHECK(tree.current.size() == 2 && tree.current[0].row == 0 && tree.current[1].row == 0); });

    // Bad input is an error, not a crash.
    try {
        m.set_data({{99, 0}}, qtro::Value(1), 0);
        CHECK(false);
    } catch (const qtro::error &e) {
        CHECK(e.code() == QTRO_ERR_NOT_FOUND);
    }
    try {
        mt.run([&] { tree.rows_inserted({}, 5, 1); });
        CHECK(false);
    } catch (const qtro::error &e) {
        CHECK(e.code() == QTRO_ERR_INVALID_ARGUMENT);
    }
    for (auto &e : log.events) CHECK(e.rfind("error", 0) != 0);
    mt.run([&] { tree.disable(); });
    std::printf("cpp_model: ok\n");
    return 0;
}
