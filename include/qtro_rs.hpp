// qtro_rs.hpp — header-only C++17 wrapper of the libqtro_rs C API (qtro_rs.h).
//
// Error handling: every failing call throws qtro::error (a std::runtime_error carrying the
// qtro_result code and the library's message). The only exceptions to the rule are explicit
// "try"-style calls that return bool, such as Replica::wait_for_source (false on timeout).
//
// Ownership: Node, Source, Replica, Class and DeferredInvocation are move-only RAII handles;
// Value is a copyable value type (copies are deep). Destroying a Node shuts it down (pending
// async calls complete with QTRO_ERR_SHUTDOWN); Source/Replica handles may outlive it.
//
// Callbacks are std::function objects. They run on the node's dispatch thread, or inside
// Node::dispatch() for nodes created with QTRO_DISPATCH_POLL, one at a time. Exceptions escaping
// a callback never cross into the C library: they are caught and passed to the handler set with
// qtro::set_callback_exception_handler (default: print to stderr).
#ifndef QTRO_RS_HPP
#define QTRO_RS_HPP

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "qtro_rs.h"

namespace qtro {

// ---- errors ---------------------------------------------------------------------------------

class error : public std::runtime_error {
public:
    error(qtro_result code, const std::string &message)
        : std::runtime_error(std::string(qtro_result_name(code)) + ": " + message), code_(code) {}
    qtro_result code() const noexcept { return code_; }

private:
    qtro_result code_;
};

namespace detail {

inline void check(qtro_result r) {
    if (r != QTRO_OK) throw error(r, qtro_last_error_message());
}

template <class T>
T *check_ptr(T *p) {
    if (!p) throw error(QTRO_ERR_INVALID_ARGUMENT, qtro_last_error_message());
    return p;
}

inline uint32_t millis(std::chrono::milliseconds d) {
    if (d.count() <= 0) return 0;
    return d.count() > 0xFFFFFFFFLL ? 0xFFFFFFFFu : static_cast<uint32_t>(d.count());
}

inline std::function<void(std::exception_ptr)> &exception_handler() {
    static std::function<void(std::exception_ptr)> handler;
    return handler;
}

inline std::mutex &exception_handler_mutex() {
    static std::mutex m;
    return m;
}

// Runs a user callback; nothing escapes into C.
template <class F>
void guarded(F &&f) noexcept {
    try {
        f();
    } catch (...) {
        std::function<void(std::exception_ptr)> h;
        {
            std::lock_guard<std::mutex> lock(exception_handler_mutex());
            h = exception_handler();
        }
        if (h) {
            try {
                h(std::current_exception());
            } catch (...) {
            }
        } else {
            try {
                throw;
            } catch (const std::exception &e) {
                std::fprintf(stderr, "qtro_rs: exception in a callback: %s\n", e.what());
            } catch (...) {
                std::fprintf(stderr, "qtro_rs: unknown exception in a callback\n");
            }
        }
    }
}

}  // namespace detail

// Receives exceptions thrown by callbacks (they are never propagated into the C library).
inline void set_callback_exception_handler(std::function<void(std::exception_ptr)> handler) {
    std::lock_guard<std::mutex> lock(detail::exception_handler_mutex());
    detail::exception_handler() = std::move(handler);
}

inline uint32_t abi_version() { return qtro_abi_version(); }
inline std::string version() { return qtro_version_string(); }

// ---- values ---------------------------------------------------------------------------------

// A QVariant-like value (owning; copies are deep).
class Value {
public:
    Value() : v_(qtro_value_new_invalid()) {}
    Value(bool b) : v_(qtro_value_new_bool(b)) {}
    // Integers: `int` (or narrower) -> int, `unsigned` -> uint, 64-bit -> qlonglong/qulonglong.
    template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    Value(T i) : v_(make_integer(i)) {}
    Value(double d) : v_(qtro_value_new_double(d)) {}
    Value(float f) : v_(qtro_value_new_float(f)) {}
    Value(const char *s) : v_(detail::check_ptr(qtro_value_new_string(s))) {}
    Value(std::string_view s) : v_(detail::check_ptr(qtro_value_new_string_n(s.data(), s.size()))) {}
    Value(const std::string &s) : Value(std::string_view(s)) {}

    Value(const Value &o) : v_(detail::check_ptr(qtro_value_clone(o.v_))) {}
    Value(Value &&o) noexcept : v_(o.v_) { o.v_ = nullptr; }
    Value &operator=(const Value &o) {
        if (this != &o) reset(detail::check_ptr(qtro_value_clone(o.v_)));
        return *this;
    }
    Value &operator=(Value &&o) noexcept {
        if (this != &o) {
            qtro_value_free(v_);
            v_ = o.v_;
            o.v_ = nullptr;
        }
        return *this;
    }
    ~Value() { qtro_value_free(v_); }

    // Takes ownership of a value from the C API (throws on NULL).
    static Value adopt(qtro_value *v) { return Value(detail::check_ptr(v), adopt_tag{}); }
    // Copies a borrowed value (NULL gives an invalid value).
    static Value copy_of(const qtro_value *v) { return v ? adopt(qtro_value_clone(v)) : Value(); }

    static Value null_string() { return adopt(qtro_value_new_null_string()); }
    static Value bytes(const void *data, size_t len) { return adopt(qtro_value_new_bytearray(static_cast<const uint8_t *>(data), len)); }
    static Value bytes(const std::vector<uint8_t> &b) { return bytes(b.data(), b.size()); }
    static Value url(const std::string &u) { return adopt(qtro_value_new_url(u.c_str())); }
    static Value enumeration(const std::string &type_name, int64_t v, uint8_t size = 4) { return adopt(qtro_value_new_enum(type_name.c_str(), v, size)); }
    static Value list(std::initializer_list<Value> items = {}) {
        Value l = adopt(qtro_value_new_list());
        for (const Value &i : items) l.append(i);
        return l;
    }
    static Value string_list(std::initializer_list<std::string> items = {}) {
        Value l = adopt(qtro_value_new_stringlist());
        for (const std::string &s : items) l.append(Value(s));
        return l;
    }
    static Value map(std::initializer_list<std::pair<std::string, Value>> entries = {}) {
        Value m = adopt(qtro_value_new_map());
        for (const auto &e : entries) m.insert(e.first, e.second);
        return m;
    }
    static Value hash(std::initializer_list<std::pair<std::string, Value>> entries = {}) {
        Value m = adopt(qtro_value_new_hash());
        for (const auto &e : entries) m.insert(e.first, e.second);
        return m;
    }

    // QtGui values (see the qtro_value_new_* functions they call).
    struct Rgba {
        uint8_t r, g, b, a;
    };
    static Value color(uint8_t r, uint8_t g, uint8_t b, uint8_t a = 255) { return adopt(qtro_value_new_color(r, g, b, a)); }
    // QPolygon/QPolygonF (x, y pairs), QRegion (x, y, w, h), QTransform (9), QMatrix4x4 (16, row
    // by row), QVector2D/3D/4D, QQuaternion (scalar, x, y, z), QKeySequence (key codes).
    static Value numbers(qtro_type type, const std::vector<double> &n) { return adopt(qtro_value_new_numbers(type, n.data(), n.size())); }
    static Value image_png(const std::vector<uint8_t> &png, bool pixmap = false) { return adopt(qtro_value_new_image_png(png.data(), png.size(), pixmap)); }
    static Value image_rgba(uint32_t width, uint32_t height, const std::vector<uint8_t> &rgba, bool pixmap = false) {
        if (rgba.size() != size_t(width) * height * 4) throw error(QTRO_ERR_INVALID_ARGUMENT, "rgba holds width * height * 4 bytes");
        return adopt(qtro_value_new_image_rgba(width, height, rgba.data(), pixmap));
    }
    // QBrush, QPen, QFont or QColor from the JSON of its fields (as fields_json() gives).
    static Value from_fields(qtro_type type, const std::string &json) { return adopt(qtro_value_new_from_fields(type, json.c_str())); }
    // QJsonValue, QJsonObject, QJsonArray or QJsonDocument from JSON text.
    static Value json(qtro_type type, const std::string &text) { return adopt(qtro_value_new_json(type, text.c_str())); }
    static Value cbor(qtro_type type, const std::vector<uint8_t> &encoded) { return adopt(qtro_value_new_cbor(type, encoded.data(), encoded.size())); }
    // A value from what QDataStream << QVariant wrote (big-endian, the dialect's version).
    static Value from_datastream(const std::vector<uint8_t> &bytes, qtro_dialect dialect = QTRO_DIALECT_QT6) {
        return adopt(qtro_value_from_datastream(bytes.data(), bytes.size(), dialect));
    }
    // A value from the text syntax of the `qtro` tool (`42`, `uint:3`, `[1, "a"]`,
    // `date:2024-01-02`), as the declared type `type_name` (empty: the literal's natural type).
    // Throws qtro::error: QTRO_ERR_PARSE (malformed text) or QTRO_ERR_TYPE_MISMATCH (does not
    // convert to `type_name`), with the reason. See qtro_value_from_string.
    static Value parse(std::string_view text, std::string_view type_name = {}) {
        if (text.find('\0') != std::string_view::npos || type_name.find('\0') != std::string_view::npos)
            throw error(QTRO_ERR_INVALID_ARGUMENT, "the text or type name contains a NUL character");
        const std::string t(text), ty(type_name);
        qtro_value *v = nullptr;
        detail::check(qtro_value_from_string(t.c_str(), ty.empty() ? nullptr : ty.c_str(), &v));
        return adopt(v);
    }

    Rgba to_color() const {
        Rgba c{};
        detail::check(qtro_value_get_color(v_, &c.r, &c.g, &c.b, &c.a));
        return c;
    }
    std::vector<double> to_numbers() const {
        size_t n = 0;
        detail::check(qtro_value_get_numbers(v_, nullptr, 0, &n));
        std::vector<double> out(n);
        if (n) detail::check(qtro_value_get_numbers(v_, out.data(), n, &n));
        return out;
    }
    std::vector<uint8_t> to_png() const {
        const uint8_t *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_get_png(v_, &d, &n));
        return std::vector<uint8_t>(d, d + n);
    }
    std::string fields_json() const { return take_string(qtro_value_fields_json(v_)); }
    std::string to_json() const { return take_string(qtro_value_get_json(v_)); }
    std::vector<uint8_t> to_cbor() const {
        const uint8_t *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_get_cbor(v_, &d, &n));
        return std::vector<uint8_t>(d, d + n);
    }
    // What QDataStream << QVariant writes for this value (big-endian, the dialect's version).
    std::vector<uint8_t> to_datastream(qtro_dialect dialect = QTRO_DIALECT_QT6) const {
        uint8_t *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_to_datastream(v_, dialect, &d, &n));
        std::vector<uint8_t> out(d, d + n);
        qtro_bytes_free(d, n);
        return out;
    }

    qtro_type type() const { return qtro_value_type(v_); }
    bool is_valid() const { return type() != QTRO_TYPE_INVALID; }
    bool is_null() const { return qtro_value_is_null(v_); }
    std::string type_name() const {
        const char *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_type_name(v_, &d, &n));
        return std::string(d, n);
    }

    bool to_bool() const {
        bool b = false;
        detail::check(qtro_value_get_bool(v_, &b));
        return b;
    }
    int64_t to_int() const {
        int64_t i = 0;
        detail::check(qtro_value_get_int64(v_, &i));
        return i;
    }
    uint64_t to_uint() const {
        uint64_t u = 0;
        detail::check(qtro_value_get_uint64(v_, &u));
        return u;
    }
    double to_double() const {
        double d = 0;
        detail::check(qtro_value_get_double(v_, &d));
        return d;
    }
    std::string to_string() const {
        const char *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_get_string(v_, &d, &n, nullptr));
        return std::string(d, n);
    }
    std::vector<uint8_t> to_bytes() const {
        const uint8_t *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_get_bytes(v_, &d, &n, nullptr));
        return std::vector<uint8_t>(d, d + n);
    }
    std::string to_url() const {
        const char *d = nullptr;
        size_t n = 0;
        detail::check(qtro_value_get_url(v_, &d, &n));
        return std::string(d, n);
    }

    // Containers.
    size_t size() const {
        size_t n = 0;
        detail::check(qtro_value_count(v_, &n));
        return n;
    }
    // A copy of element `i` (QStringList elements come back as QString values).
    Value at(size_t i) const {
        if (type() == QTRO_TYPE_STRINGLIST) {
            const char *d = nullptr;
            size_t n = 0;
            bool null = false;
            detail::check(qtro_value_get_string_at(v_, i, &d, &n, &null));
            return null ? null_string() : Value(std::string_view(d, n));
        }
        const qtro_value *e = nullptr;
        detail::check(qtro_value_at(v_, i, &e));
        return copy_of(e);
    }
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        const size_t n = size();
        for (size_t i = 0; i < n; ++i) {
            const char *d = nullptr;
            size_t len = 0;
            detail::check(qtro_value_key_at(v_, i, &d, &len));
            out.emplace_back(d, len);
        }
        return out;
    }
    Value get(const std::string &key) const {
        const qtro_value *e = nullptr;
        detail::check(qtro_value_find(v_, key.c_str(), &e));
        return copy_of(e);
    }
    void append(Value item) { detail::check(qtro_value_append(v_, item.release())); }
    void insert(const std::string &key, Value item) { detail::check(qtro_value_insert(v_, key.c_str(), item.release())); }

    std::string debug_string() const {
        char *s = qtro_value_to_debug_string(v_);
        std::string out = s ? s : "";
        qtro_string_free(s);
        return out;
    }
    // The value in the text syntax of the `qtro` tool (`uint:3`, `[1, "a"]`, `date:2024-01-02`),
    // which Value::parse reads back (see qtro_value_to_string). Not to_string(): that one reads a
    // QString.
    std::string to_text() const {
        char *s = qtro_value_to_string(v_);
        std::string out = s ? s : "";
        qtro_string_free(s);
        return out;
    }

    friend bool operator==(const Value &a, const Value &b) { return qtro_value_equal(a.v_, b.v_); }
    friend bool operator!=(const Value &a, const Value &b) { return !(a == b); }

    const qtro_value *get() const { return v_; }
    // Gives up ownership (the handle is then empty and must not be used).
    qtro_value *release() {
        qtro_value *v = v_;
        v_ = nullptr;
        return v;
    }

private:
    struct adopt_tag {};
    Value(qtro_value *v, adopt_tag) : v_(v) {}
    static std::string take_string(char *s) {
        if (!s) throw error(QTRO_ERR_TYPE_MISMATCH, qtro_last_error_message());
        std::string out = s;
        qtro_string_free(s);
        return out;
    }
    template <class T>
    static qtro_value *make_integer(T i) {
        if constexpr (std::is_signed_v<T>) {
            if constexpr (sizeof(T) <= 4) return qtro_value_new_int(static_cast<int32_t>(i));
            else return qtro_value_new_longlong(static_cast<int64_t>(i));
        } else {
            if constexpr (sizeof(T) <= 4) return qtro_value_new_uint(static_cast<uint32_t>(i));
            else return qtro_value_new_ulonglong(static_cast<uint64_t>(i));
        }
    }
    void reset(qtro_value *v) {
        qtro_value_free(v_);
        v_ = v;
    }
    qtro_value *v_;
};

namespace detail {
inline std::vector<const qtro_value *> pointers(const std::vector<Value> &args) {
    std::vector<const qtro_value *> p;
    p.reserve(args.size());
    for (const Value &a : args) p.push_back(a.get());
    return p;
}
inline std::vector<Value> copies(const qtro_value *const *args, size_t n) {
    std::vector<Value> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(Value::copy_of(args[i]));
    return out;
}
}  // namespace detail

// ---- interfaces ------------------------------------------------------------------------------

struct Param {
    std::string name;
    std::string type;
};

struct Interface {
    struct Property {
        std::string name, type, notify_signature;  // notify_signature empty for CONSTANT
    };
    struct Method {
        std::string name, signature, return_type;
        std::vector<Param> params;
    };
    struct Enum {
        std::string name;
        bool is_flag = false;
        uint32_t size = 4;
        std::vector<std::pair<std::string, int32_t>> keys;
    };
    std::string type_name;
    std::vector<Property> properties;
    std::vector<Method> signal_list;  // not "signals": that is a Qt keyword macro
    std::vector<Method> methods;
    std::vector<Enum> enums;

    // Takes ownership of a C interface snapshot and copies it.
    static Interface adopt(qtro_interface *i) {
        std::unique_ptr<qtro_interface, void (*)(qtro_interface *)> guard(i, qtro_interface_free);
        Interface out;
        out.type_name = qtro_interface_type_name(i);
        for (size_t k = 0; k < qtro_interface_property_count(i); ++k) {
            const char *n = nullptr, *t = nullptr, *s = nullptr;
            detail::check(qtro_interface_property(i, k, &n, &t, &s));
            out.properties.push_back({n, t, s ? s : ""});
        }
        auto members = [i](bool is_signal, size_t count, std::vector<Method> &into) {
            for (size_t k = 0; k < count; ++k) {
                const char *n = nullptr, *s = nullptr, *r = "void";
                size_t np = 0;
                if (is_signal) detail::check(qtro_interface_signal(i, k, &n, &s, &np));
                else detail::check(qtro_interface_method(i, k, &n, &s, &r, &np));
                Method m{n, s, r, {}};
                for (size_t p = 0; p < np; ++p) {
                    const char *pn = nullptr, *pt = nullptr;
                    detail::check(qtro_interface_param(i, is_signal, k, p, &pn, &pt));
                    m.params.push_back({pn, pt});
                }
                into.push_back(std::move(m));
            }
        };
        members(true, qtro_interface_signal_count(i), out.signal_list);
        members(false, qtro_interface_method_count(i), out.methods);
        for (size_t k = 0; k < qtro_interface_enum_count(i); ++k) {
            Enum e;
            const char *n = nullptr;
            size_t nkeys = 0;
            detail::check(qtro_interface_enum(i, k, &n, &e.is_flag, &e.size, &nkeys));
            e.name = n;
            for (size_t j = 0; j < nkeys; ++j) {
                const char *kn = nullptr;
                int32_t kv = 0;
                detail::check(qtro_interface_enum_key(i, k, j, &kn, &kv));
                e.keys.emplace_back(kn, kv);
            }
            out.enums.push_back(std::move(e));
        }
        return out;
    }
};

// ---- classes ---------------------------------------------------------------------------------

class Class {
public:
    explicit Class(const std::string &type_name) : c_(detail::check_ptr(qtro_class_new(type_name.c_str()))) {}
    // A class from .rep text, with repc's signature (so static Qt replicas accept it).
    static Class from_rep(const std::string &rep_text, const std::string &class_name, qtro_dialect dialect = QTRO_DIALECT_QT6) {
        qtro_class *c = nullptr;
        detail::check(qtro_class_from_rep(rep_text.c_str(), class_name.c_str(), dialect, &c));
        return Class(c);
    }
    Class(Class &&o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    Class &operator=(Class &&o) noexcept {
        std::swap(c_, o.c_);
        return *this;
    }
    Class(const Class &) = delete;
    Class &operator=(const Class &) = delete;
    ~Class() { qtro_class_free(c_); }

    Class &property(const std::string &name, const std::string &type, qtro_property_mode mode = QTRO_PROPERTY_READ_PUSH, const Value &initial = Value()) {
        detail::check(qtro_class_add_property(c_, name.c_str(), type.c_str(), mode, initial.get()));
        return *this;
    }
    Class &signal(const std::string &name, const std::vector<Param> &params = {}) {
        auto p = raw(params);
        detail::check(qtro_class_add_signal(c_, name.c_str(), p.data(), p.size()));
        return *this;
    }
    Class &slot(const std::string &name, const std::vector<Param> &params = {}, const std::string &return_type = "void") {
        auto p = raw(params);
        detail::check(qtro_class_add_slot(c_, name.c_str(), p.data(), p.size(), return_type.c_str()));
        return *this;
    }
    Class &enumeration(const std::string &name, const std::vector<std::pair<std::string, int32_t>> &keys, uint32_t size = 4, bool is_flag = false, bool is_scoped = false) {
        std::vector<qtro_enum_key> k;
        for (const auto &e : keys) k.push_back({e.first.c_str(), e.second});
        detail::check(qtro_class_add_enum(c_, name.c_str(), is_flag, is_scoped, size, k.data(), k.size()));
        return *this;
    }
    Class &signature(const std::string &sig) {
        detail::check(qtro_class_set_signature(c_, sig.c_str()));
        return *this;
    }
    Interface interface() const {
        qtro_interface *i = nullptr;
        detail::check(qtro_class_interface(c_, &i));
        return Interface::adopt(i);
    }
    const qtro_class *get() const { return c_; }

private:
    explicit Class(qtro_class *c) : c_(c) {}
    static std::vector<qtro_param> raw(const std::vector<Param> &params) {
        std::vector<qtro_param> p;
        for (const Param &x : params) p.push_back({x.name.c_str(), x.type.c_str()});
        return p;
    }
    qtro_class *c_;
};

// ---- sources -----------------------------------------------------------------------------------

// A slot call answered later, from any thread. Destroying it unanswered answers with an invalid
// value.
class DeferredInvocation {
public:
    DeferredInvocation() = default;
    explicit DeferredInvocation(qtro_invocation *i) : i_(i) {}
    DeferredInvocation(DeferredInvocation &&o) noexcept : i_(o.i_) { o.i_ = nullptr; }
    DeferredInvocation &operator=(DeferredInvocation &&o) noexcept {
        std::swap(i_, o.i_);
        return *this;
    }
    DeferredInvocation(const DeferredInvocation &) = delete;
    DeferredInvocation &operator=(const DeferredInvocation &) = delete;
    ~DeferredInvocation() { qtro_invocation_free(i_); }

    explicit operator bool() const { return i_ != nullptr; }
    std::string slot() const { return qtro_invocation_slot(i_); }
    size_t arg_count() const { return qtro_invocation_arg_count(i_); }
    Value arg(size_t i) const { return Value::copy_of(qtro_invocation_arg(i_, i)); }
    void reply(const Value &v = Value()) { detail::check(qtro_invocation_reply(i_, v.get())); }

private:
    qtro_invocation *i_ = nullptr;
};

// A slot call, valid during the on_invoke handler. Unanswered calls are answered with an invalid
// value when the handler returns, unless defer() was called.
class Invocation {
public:
    explicit Invocation(qtro_invocation *i) : i_(i) {}
    std::string source() const { return qtro_invocation_source(i_); }
    std::string slot() const { return qtro_invocation_slot(i_); }
    size_t slot_index() const { return qtro_invocation_slot_index(i_); }
    size_t arg_count() const { return qtro_invocation_arg_count(i_); }
    Value arg(size_t i) const { return Value::copy_of(qtro_invocation_arg(i_, i)); }
    std::vector<Value> args() const {
        std::vector<Value> out;
        for (size_t i = 0; i < arg_count(); ++i) out.push_back(arg(i));
        return out;
    }
    void reply(const Value &v = Value()) { detail::check(qtro_invocation_reply(i_, v.get())); }
    DeferredInvocation defer() {
        qtro_invocation *owned = nullptr;
        detail::check(qtro_invocation_defer(i_, &owned));
        return DeferredInvocation(owned);
    }

private:
    qtro_invocation *i_;
};

struct SourceHandlers {
    std::function<void(Invocation &)> on_invoke;
    std::function<void(const std::string &name, const Value &value)> on_property_written;
    std::function<void(uint64_t connection, bool dynamic)> on_replica_acquired;
    std::function<void(uint64_t connection)> on_replica_released;
};

class Source {
public:
    Source(Source &&o) noexcept : s_(o.s_), h_(std::move(o.h_)) { o.s_ = nullptr; }
    Source &operator=(Source &&o) noexcept {
        std::swap(s_, o.s_);
        std::swap(h_, o.h_);
        return *this;
    }
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;
    // Stops sharing the source; no handler runs after this.
    ~Source() { qtro_source_free(s_); }

    std::string name() const { return qtro_source_name(s_); }
    // Returns whether the value changed.
    bool set_property(const std::string &name, const Value &v) {
        bool changed = false;
        detail::check(qtro_source_set_property(s_, name.c_str(), v.get(), &changed));
        return changed;
    }
    Value property(const std::string &name) const {
        qtro_value *v = nullptr;
        detail::check(qtro_source_property(s_, name.c_str(), &v));
        return Value::adopt(v);
    }
    void emit_signal(const std::string &signal, const std::vector<Value> &args = {}) {
        auto p = detail::pointers(args);
        detail::check(qtro_source_emit(s_, signal.c_str(), p.data(), p.size()));
    }
    size_t replica_count() const {
        size_t n = 0;
        detail::check(qtro_source_replica_count(s_, &n));
        return n;
    }
    qtro_source *get() const { return s_; }

private:
    friend class Node;
    Source(qtro_source *s, std::unique_ptr<SourceHandlers> h) : s_(s), h_(std::move(h)) {}
    static void invoked(void *ud, qtro_invocation *inv) {
        auto *h = static_cast<SourceHandlers *>(ud);
        if (h->on_invoke) detail::guarded([&] {
            Invocation i(inv);
            h->on_invoke(i);
        });
    }
    static void written(void *ud, const char *name, size_t, const qtro_value *v) {
        auto *h = static_cast<SourceHandlers *>(ud);
        if (h->on_property_written) detail::guarded([&] { h->on_property_written(name, Value::copy_of(v)); });
    }
    static void acquired(void *ud, uint64_t conn, bool dynamic) {
        auto *h = static_cast<SourceHandlers *>(ud);
        if (h->on_replica_acquired) detail::guarded([&] { h->on_replica_acquired(conn, dynamic); });
    }
    static void released(void *ud, uint64_t conn) {
        auto *h = static_cast<SourceHandlers *>(ud);
        if (h->on_replica_released) detail::guarded([&] { h->on_replica_released(conn); });
    }
    qtro_source *s_;
    std::unique_ptr<SourceHandlers> h_;
};

// ---- replicas ----------------------------------------------------------------------------------

struct CallResult {
    qtro_result code = QTRO_OK;
    Value value;
    std::string error;
    bool ok() const { return code == QTRO_OK; }
};

struct ReplicaHandlers {
    std::function<void(qtro_replica_state old_state, qtro_replica_state new_state)> on_state_changed;
    std::function<void()> on_initialized;
    std::function<void(const std::string &name, const Value &value)> on_property_changed;
    std::function<void(const std::string &name, const std::vector<Value> &args)> on_signal;
};

class Replica {
public:
    Replica(Replica &&o) noexcept : r_(o.r_), h_(std::move(o.h_)) { o.r_ = nullptr; }
    Replica &operator=(Replica &&o) noexcept {
        std::swap(r_, o.r_);
        std::swap(h_, o.h_);
        return *this;
    }
    Replica(const Replica &) = delete;
    Replica &operator=(const Replica &) = delete;
    // Releases the replica; no handler runs after this.
    ~Replica() { qtro_replica_free(r_); }

    std::string name() const { return qtro_replica_name(r_); }
    qtro_replica_state state() const {
        qtro_replica_state s = QTRO_STATE_UNINITIALIZED;
        detail::check(qtro_replica_get_state(r_, &s));
        return s;
    }
    // True once Valid; false when the timeout passed first.
    bool wait_for_source(std::chrono::milliseconds timeout) {
        const qtro_result r = qtro_replica_wait_for_source(r_, detail::millis(timeout));
        if (r == QTRO_ERR_TIMEOUT) return false;
        detail::check(r);
        return true;
    }
    Value property(const std::string &name) const {
        qtro_value *v = nullptr;
        detail::check(qtro_replica_property(r_, name.c_str(), &v));
        return Value::adopt(v);
    }
    void set_property(const std::string &name, const Value &v) { detail::check(qtro_replica_set_property(r_, name.c_str(), v.get())); }
    // Blocking call; throws qtro::error (QTRO_ERR_TIMEOUT, QTRO_ERR_CONNECTION_LOST, …).
    Value call(const std::string &slot, const std::vector<Value> &args, std::chrono::milliseconds timeout) {
        auto p = detail::pointers(args);
        qtro_value *out = nullptr;
        detail::check(qtro_replica_call_sync(r_, slot.c_str(), p.data(), p.size(), detail::millis(timeout), &out));
        return Value::adopt(out);
    }
    // Asynchronous call: `done` runs once on the dispatch thread (or in Node::dispatch()).
    void call_async(const std::string &slot, const std::vector<Value> &args, std::function<void(CallResult)> done,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
        auto p = detail::pointers(args);
        auto *fn = new std::function<void(CallResult)>(std::move(done));
        const qtro_result r = qtro_replica_call(r_, slot.c_str(), p.data(), p.size(), detail::millis(timeout), &Replica::replied, fn);
        if (r != QTRO_OK) {
            delete fn;
            detail::check(r);
        }
    }
    Interface interface() const {
        qtro_interface *i = nullptr;
        detail::check(qtro_replica_interface(r_, &i));
        return Interface::adopt(i);
    }
    qtro_replica *get() const { return r_; }

private:
    friend class Node;
    Replica(qtro_replica *r, std::unique_ptr<ReplicaHandlers> h) : r_(r), h_(std::move(h)) {}
    static void replied(void *ud, qtro_result code, const qtro_value *v, const char *err) {
        std::unique_ptr<std::function<void(CallResult)>> fn(static_cast<std::function<void(CallResult)> *>(ud));
        if (!*fn) return;
        detail::guarded([&] {
            CallResult r;
            r.code = code;
            if (v) r.value = Value::copy_of(v);
            if (err) r.error = err;
            (*fn)(std::move(r));
        });
    }
    static void state_changed(void *ud, qtro_replica_state o, qtro_replica_state n) {
        auto *h = static_cast<ReplicaHandlers *>(ud);
        if (h->on_state_changed) detail::guarded([&] { h->on_state_changed(o, n); });
    }
    static void initialized(void *ud) {
        auto *h = static_cast<ReplicaHandlers *>(ud);
        if (h->on_initialized) detail::guarded([&] { h->on_initialized(); });
    }
    static void property_changed(void *ud, const char *name, size_t, const qtro_value *v) {
        auto *h = static_cast<ReplicaHandlers *>(ud);
        if (h->on_property_changed) detail::guarded([&] { h->on_property_changed(name, Value::copy_of(v)); });
    }
    static void signal(void *ud, const char *name, size_t, const qtro_value *const *args, size_t n) {
        auto *h = static_cast<ReplicaHandlers *>(ud);
        if (h->on_signal) detail::guarded([&] { h->on_signal(name, detail::copies(args, n)); });
    }
    qtro_replica *r_;
    std::unique_ptr<ReplicaHandlers> h_;
};

// ---- nodes -------------------------------------------------------------------------------------

struct NodeOptions {
    qtro_dialect dialect = QTRO_DIALECT_QT6;
    qtro_dispatch_mode dispatch = QTRO_DISPATCH_THREAD;
    std::chrono::milliseconds heartbeat{0};
    std::chrono::milliseconds retry_interval{250};
    uint32_t worker_threads = 2;
    // Unset: the library's defaults (docs/limits.md).
    std::optional<std::chrono::microseconds> busy_poll;  // 0 disables
    std::optional<uint32_t> max_packet_size;
    std::optional<size_t> queue_high_water;
    std::optional<std::chrono::milliseconds> stall_timeout;
    std::optional<size_t> max_queued_bytes;
    bool concurrent_slots = false;
};

class Node {
public:
    explicit Node(const NodeOptions &o = NodeOptions()) {
        std::unique_ptr<qtro_node_config, void (*)(qtro_node_config *)> cfg(qtro_node_config_new(), qtro_node_config_free);
        detail::check(qtro_node_config_set_dialect(cfg.get(), o.dialect));
        detail::check(qtro_node_config_set_dispatch(cfg.get(), o.dispatch));
        detail::check(qtro_node_config_set_heartbeat_ms(cfg.get(), detail::millis(o.heartbeat)));
        detail::check(qtro_node_config_set_retry_interval_ms(cfg.get(), detail::millis(o.retry_interval)));
        detail::check(qtro_node_config_set_worker_threads(cfg.get(), o.worker_threads));
        if (o.busy_poll) {
            auto us = o.busy_poll->count();
            detail::check(qtro_node_config_set_busy_poll_us(cfg.get(), us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(us)));
        }
        if (o.max_packet_size) detail::check(qtro_node_config_set_max_packet_size(cfg.get(), *o.max_packet_size));
        if (o.queue_high_water) detail::check(qtro_node_config_set_queue_high_water(cfg.get(), *o.queue_high_water));
        if (o.stall_timeout) detail::check(qtro_node_config_set_stall_timeout_ms(cfg.get(), detail::millis(*o.stall_timeout)));
        if (o.max_queued_bytes) detail::check(qtro_node_config_set_max_queued_bytes(cfg.get(), *o.max_queued_bytes));
        detail::check(qtro_node_config_set_concurrent_slots(cfg.get(), o.concurrent_slots));
        detail::check(qtro_node_new(cfg.get(), &n_));
    }
    Node(Node &&o) noexcept : n_(o.n_) { o.n_ = nullptr; }
    Node &operator=(Node &&o) noexcept {
        std::swap(n_, o.n_);
        return *this;
    }
    Node(const Node &) = delete;
    Node &operator=(const Node &) = delete;
    ~Node() { qtro_node_free(n_); }

    std::string listen(const std::string &url, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        char *bound = nullptr;
        detail::check(qtro_node_listen(n_, url.c_str(), detail::millis(timeout), &bound));
        return take(bound);
    }
    std::string listen_registry(const std::string &url, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        char *bound = nullptr;
        detail::check(qtro_node_listen_registry(n_, url.c_str(), detail::millis(timeout), &bound));
        return take(bound);
    }
    void connect(const std::string &url) { detail::check(qtro_node_connect(n_, url.c_str())); }
    void disconnect(const std::string &url) { detail::check(qtro_node_disconnect(n_, url.c_str())); }
    void set_registry_url(const std::string &url) { detail::check(qtro_node_set_registry_url(n_, url.c_str())); }
    bool wait_for_object(const std::string &name, std::chrono::milliseconds timeout) {
        const qtro_result r = qtro_node_wait_for_object(n_, name.c_str(), detail::millis(timeout));
        if (r == QTRO_ERR_TIMEOUT) return false;
        detail::check(r);
        return true;
    }

    // QTRO_DISPATCH_POLL nodes: the fd to watch, and the calls that run pending callbacks.
    int event_fd() const {
        int fd = -1;
        detail::check(qtro_node_event_fd(n_, &fd));
        return fd;
    }
    size_t dispatch(size_t max_events = 0) {
        size_t n = 0;
        detail::check(qtro_node_dispatch(n_, max_events, &n));
        return n;
    }
    size_t dispatch_for(std::chrono::milliseconds timeout) {
        size_t n = 0;
        detail::check(qtro_node_dispatch_timeout(n_, detail::millis(timeout), &n));
        return n;
    }

    Source enable_source(const std::string &name, const Class &cls, SourceHandlers handlers = {}) {
        auto h = std::make_unique<SourceHandlers>(std::move(handlers));
        qtro_source_callbacks cbs{&Source::invoked, &Source::written, &Source::acquired, &Source::released};
        qtro_source *s = nullptr;
        detail::check(qtro_node_enable_source(n_, name.c_str(), cls.get(), &cbs, h.get(), &s));
        return Source(s, std::move(h));
    }
    // A dynamic replica (learns the interface from the source).
    Replica acquire(const std::string &name, ReplicaHandlers handlers = {}) { return acquire_impl(name, nullptr, std::move(handlers)); }
    // A replica of a known class (signature checked).
    Replica acquire(const std::string &name, const Class &cls, ReplicaHandlers handlers = {}) { return acquire_impl(name, &cls, std::move(handlers)); }

    qtro_node *get() const { return n_; }

private:
    static std::string take(char *s) {
        std::string out = s ? s : "";
        qtro_string_free(s);
        return out;
    }
    Replica acquire_impl(const std::string &name, const Class *cls, ReplicaHandlers handlers) {
        auto h = std::make_unique<ReplicaHandlers>(std::move(handlers));
        qtro_replica_callbacks cbs{&Replica::state_changed, &Replica::initialized, &Replica::property_changed, &Replica::signal};
        qtro_replica *r = nullptr;
        if (cls) detail::check(qtro_node_acquire_class(n_, name.c_str(), cls->get(), &cbs, h.get(), &r));
        else detail::check(qtro_node_acquire(n_, name.c_str(), &cbs, h.get(), &r));
        return Replica(r, std::move(h));
    }
    qtro_node *n_ = nullptr;
};

// ---- item models ----------------------------------------------------------------------------

// An item's path from the root (empty: the root itself).
using ModelPath = std::vector<qtro_model_index>;

namespace detail {
inline ModelPath path_of(const qtro_model_index *p, size_t depth) { return p ? ModelPath(p, p + depth) : ModelPath(); }
inline const qtro_model_index *path_ptr(const ModelPath &p) { return p.empty() ? nullptr : p.data(); }
}  // namespace detail

// A model served to replicas (Qt's enableRemoting(model, name, roles)). Subclass it, override
// the virtuals (called on the node's dispatch thread, or in Node::dispatch() for poll nodes),
// then enable() it. Notify every change after making it, from the thread the virtuals run on
// (never from inside a virtual: it throws QTRO_ERR_WRONG_THREAD). The destructor stops serving;
// a subclass should call disable() in its own destructor, so that no virtual runs meanwhile.
class ModelSource {
public:
    ModelSource() = default;
    ModelSource(const ModelSource &) = delete;
    ModelSource &operator=(const ModelSource &) = delete;
    virtual ~ModelSource() { disable(); }

    // Starts serving under `name`, with `role_names` (role -> name) and the roles served
    // (empty: all); `selection`: share a current index with replicas.
    void enable(Node &node, const std::string &name, const std::vector<std::pair<int32_t, std::string>> &role_names,
                const std::vector<int32_t> &roles = {}, bool selection = false) {
        if (s_) throw error(QTRO_ERR_ALREADY, "the model is already served");
        std::vector<int32_t> ids;
        std::vector<const char *> names;
        for (const auto &r : role_names) {
            ids.push_back(r.first);
            names.push_back(r.second.c_str());
        }
        qtro_model_vtable vt{&ModelSource::t_rows, &ModelSource::t_cols, &ModelSource::t_data, &ModelSource::t_has_children,
                             &ModelSource::t_flags, &ModelSource::t_header, &ModelSource::t_set_data, &ModelSource::t_current};
        detail::check(qtro_node_enable_model(node.get(), name.c_str(), ids.data(), names.data(), ids.size(),
                                             roles.empty() ? nullptr : roles.data(), roles.size(), selection, &vt, this, &s_));
    }
    // Stops serving (replicas go Suspect); no virtual runs after it returns.
    void disable() {
        qtro_model_source_free(s_);
        s_ = nullptr;
    }

    virtual int32_t row_count(const ModelPath &parent) = 0;
    virtual int32_t column_count(const ModelPath &parent) = 0;
    // The item's value for `role`; an invalid Value for none.
    virtual Value data(const ModelPath &index, int32_t role) = 0;
    virtual bool has_children(const ModelPath &index) { return row_count(index) > 0 && column_count(index) > 0; }
    virtual int32_t flags(const ModelPath &) { return 1 | 32; }  // selectable | enabled
    virtual Value header_data(int32_t /*section*/, qtro_orientation /*orientation*/, int32_t /*role*/) { return Value(); }
    // A replica's write: return true when applied (the library signals dataChanged itself).
    virtual bool set_data(const ModelPath & /*index*/, const Value & /*value*/, int32_t /*role*/) { return false; }
    // A replica made `current` the current index.
    virtual void current_changed(const ModelPath & /*current*/) {}

    // Change notifications (after the model changed).
    void data_changed(const ModelPath &top_left, const ModelPath &bottom_right, const std::vector<int32_t> &roles = {}) {
        if (top_left.size() != bottom_right.size()) throw error(QTRO_ERR_INVALID_ARGUMENT, "paths of different depths");
        detail::check(qtro_model_source_data_changed(s_, detail::path_ptr(top_left), detail::path_ptr(bottom_right), top_left.size(),
                                                     roles.empty() ? nullptr : roles.data(), roles.size()));
    }
    void rows_inserted(const ModelPath &parent, int32_t first, int32_t last) {
        detail::check(qtro_model_source_rows_inserted(s_, detail::path_ptr(parent), parent.size(), first, last));
    }
    void rows_removed(const ModelPath &parent, int32_t first, int32_t last) {
        detail::check(qtro_model_source_rows_removed(s_, detail::path_ptr(parent), parent.size(), first, last));
    }
    void rows_moved(const ModelPath &parent, int32_t first, int32_t last, const ModelPath &destination, int32_t row) {
        detail::check(qtro_model_source_rows_moved(s_, detail::path_ptr(parent), parent.size(), first, last,
                                                   detail::path_ptr(destination), destination.size(), row));
    }
    void columns_inserted(const ModelPath &parent, int32_t first, int32_t last) {
        detail::check(qtro_model_source_columns_inserted(s_, detail::path_ptr(parent), parent.size(), first, last));
    }
    void columns_removed(const ModelPath &parent, int32_t first, int32_t last) {
        detail::check(qtro_model_source_columns_removed(s_, detail::path_ptr(parent), parent.size(), first, last));
    }
    void layout_changed(const std::vector<ModelPath> &parents = {}, qtro_layout_hint hint = QTRO_LAYOUT_NO_HINT) {
        std::vector<qtro_model_path> ps;
        for (const auto &p : parents) ps.push_back(qtro_model_path{detail::path_ptr(p), p.size()});
        detail::check(qtro_model_source_layout_changed(s_, ps.empty() ? nullptr : ps.data(), ps.size(), hint));
    }
    void reset() { detail::check(qtro_model_source_reset(s_)); }
    void header_data_changed(qtro_orientation orientation, int32_t first, int32_t last) {
        detail::check(qtro_model_source_header_data_changed(s_, orientation, first, last));
    }
    void set_current(const ModelPath &current) {
        detail::check(qtro_model_source_set_current(s_, detail::path_ptr(current), current.size()));
    }
    size_t replica_count() const {
        size_t n = 0;
        detail::check(qtro_model_source_replica_count(s_, &n));
        return n;
    }
    qtro_model_source *get() const { return s_; }

private:
    static ModelSource *self(void *ud) { return static_cast<ModelSource *>(ud); }
    static int32_t t_rows(void *ud, const qtro_model_index *p, size_t d) {
        int32_t n = 0;
        detail::guarded([&] { n = self(ud)->row_count(detail::path_of(p, d)); });
        return n;
    }
    static int32_t t_cols(void *ud, const qtro_model_index *p, size_t d) {
        int32_t n = 0;
        detail::guarded([&] { n = self(ud)->column_count(detail::path_of(p, d)); });
        return n;
    }
    static qtro_value *t_data(void *ud, const qtro_model_index *p, size_t d, int32_t role) {
        qtro_value *v = nullptr;
        detail::guarded([&] { v = self(ud)->data(detail::path_of(p, d), role).release(); });
        return v;
    }
    static bool t_has_children(void *ud, const qtro_model_index *p, size_t d) {
        bool b = false;
        detail::guarded([&] { b = self(ud)->has_children(detail::path_of(p, d)); });
        return b;
    }
    static int32_t t_flags(void *ud, const qtro_model_index *p, size_t d) {
        int32_t f = 0;
        detail::guarded([&] { f = self(ud)->flags(detail::path_of(p, d)); });
        return f;
    }
    static qtro_value *t_header(void *ud, int32_t section, qtro_orientation o, int32_t role) {
        qtro_value *v = nullptr;
        detail::guarded([&] { v = self(ud)->header_data(section, o, role).release(); });
        return v;
    }
    static bool t_set_data(void *ud, const qtro_model_index *p, size_t d, const qtro_value *v, int32_t role) {
        bool ok = false;
        detail::guarded([&] { ok = self(ud)->set_data(detail::path_of(p, d), Value::copy_of(v), role); });
        return ok;
    }
    static void t_current(void *ud, const qtro_model_index *p, size_t d) {
        detail::guarded([&] { self(ud)->current_changed(detail::path_of(p, d)); });
    }
    qtro_model_source *s_ = nullptr;
};

// Handlers of a ModelReplica (each may be empty). `*_about_to_*`, `reset_begin` and
// `layout_about_to_change` run while the accessors still show the model before the change, their
// partners once they show it after (QAbstractItemModel's begin…/end… places). Inside a handler
// the accessors read only what is cached.
struct ModelReplicaHandlers {
    std::function<void(qtro_replica_state)> on_state_changed;
    std::function<void()> on_initialized;
    std::function<void()> on_reset_begin, on_reset_end;
    std::function<void(const ModelPath &parent, int32_t first, int32_t last)> on_rows_about_to_be_inserted, on_rows_inserted,
        on_rows_about_to_be_removed, on_rows_removed, on_columns_about_to_be_inserted, on_columns_inserted;
    std::function<void(const ModelPath &parent, int32_t first, int32_t last, const ModelPath &destination, int32_t row)>
        on_rows_about_to_be_moved, on_rows_moved;
    std::function<void(const ModelPath &top_left, const ModelPath &bottom_right, const std::vector<int32_t> &roles)> on_data_changed;
    std::function<void(qtro_orientation, int32_t first, int32_t last)> on_header_data_changed;
    std::function<void(qtro_layout_hint)> on_layout_about_to_be_changed, on_layout_changed;
    std::function<void(const ModelPath &current, const ModelPath &previous)> on_current_changed;
    std::function<void(const std::string &message)> on_error;
};

struct ModelReplicaOptions {
    qtro_initial_action initial_action = QTRO_FETCH_ROOT_SIZE;
    std::vector<int32_t> roles_hint;
    size_t cache_rows = 0;      // 0: 1000
    uint32_t prefetch_rows = 0;  // 0: 50
};

// A replica of a remote item model (Qt's acquireModel). Reads answer from the cache at once:
// std::nullopt while not cached (it is then fetched, and a handler tells when it arrived).
class ModelReplica {
public:
    ModelReplica(Node &node, const std::string &name, ModelReplicaHandlers handlers = {},
                 const ModelReplicaOptions &options = ModelReplicaOptions())
        : h_(std::make_unique<ModelReplicaHandlers>(std::move(handlers))) {
        qtro_model_replica_options o{options.initial_action, options.roles_hint.empty() ? nullptr : options.roles_hint.data(),
                                     options.roles_hint.size(), options.cache_rows, options.prefetch_rows};
        qtro_model_replica_callbacks cb{&t_state, &t_init, &t_reset_begin, &t_reset_end, &t_about_ins, &t_ins, &t_about_rem,
                                        &t_rem, &t_about_mov, &t_mov, &t_about_cols, &t_cols, &t_data, &t_header,
                                        &t_layout_before, &t_layout, &t_current, &t_error};
        detail::check(qtro_node_acquire_model(node.get(), name.c_str(), &o, &cb, h_.get(), &m_));
    }
    ModelReplica(ModelReplica &&o) noexcept : m_(o.m_), h_(std::move(o.h_)) { o.m_ = nullptr; }
    ModelReplica(const ModelReplica &) = delete;
    ModelReplica &operator=(const ModelReplica &) = delete;
    // Releases the replica; no handler runs after this.
    ~ModelReplica() { qtro_model_replica_free(m_); }

    std::string name() const { return qtro_model_replica_name(m_); }
    qtro_replica_state state() const {
        qtro_replica_state s = QTRO_STATE_UNINITIALIZED;
        detail::check(qtro_model_replica_state(m_, &s));
        return s;
    }
    // QTRO_DISPATCH_THREAD nodes, not from a handler: waits for the initial fetch.
    bool wait_initialized(std::chrono::milliseconds timeout) {
        const qtro_result r = qtro_model_replica_wait_initialized(m_, detail::millis(timeout));
        if (r == QTRO_ERR_TIMEOUT) return false;
        detail::check(r);
        return true;
    }
    // Fetches rows [start, end) of `parent` and waits until cached (dumps, tests).
    bool fetch(const ModelPath &parent, int32_t start, int32_t end, std::chrono::milliseconds timeout) {
        const qtro_result r = qtro_model_replica_fetch(m_, detail::path_ptr(parent), parent.size(), start, end, detail::millis(timeout));
        if (r == QTRO_ERR_TIMEOUT) return false;
        detail::check(r);
        return true;
    }
    std::optional<int32_t> row_count(const ModelPath &parent = {}) const {
        int32_t n = 0;
        const qtro_result r = qtro_model_replica_row_count(m_, detail::path_ptr(parent), parent.size(), &n);
        return known(r, n);
    }
    std::optional<int32_t> column_count(const ModelPath &parent = {}) const {
        int32_t n = 0;
        const qtro_result r = qtro_model_replica_column_count(m_, detail::path_ptr(parent), parent.size(), &n);
        return known(r, n);
    }
    std::optional<bool> has_children(const ModelPath &index) const {
        bool b = false;
        const qtro_result r = qtro_model_replica_has_children(m_, detail::path_ptr(index), index.size(), &b);
        return known(r, b);
    }
    std::optional<int32_t> flags(const ModelPath &index) const {
        int32_t f = 0;
        const qtro_result r = qtro_model_replica_flags(m_, detail::path_ptr(index), index.size(), &f);
        return known(r, f);
    }
    // std::nullopt: pending (asked for) or no such item/role.
    std::optional<Value> data(const ModelPath &index, int32_t role) const {
        qtro_value *v = nullptr;
        const qtro_result r = qtro_model_replica_data(m_, detail::path_ptr(index), index.size(), role, &v);
        return lookup(r, v);
    }
    std::optional<Value> header_data(qtro_orientation orientation, int32_t section, int32_t role) const {
        qtro_value *v = nullptr;
        return lookup(qtro_model_replica_header_data(m_, orientation, section, role, &v), v);
    }
    std::vector<int32_t> available_roles() const {
        size_t n = 0;
        detail::check(qtro_model_replica_available_roles(m_, nullptr, 0, &n));
        std::vector<int32_t> roles(n);
        detail::check(qtro_model_replica_available_roles(m_, roles.data(), roles.size(), &n));
        roles.resize(std::min(n, roles.size()));
        return roles;
    }
    std::vector<std::pair<int32_t, std::string>> role_names() const {
        size_t n = 0;
        detail::check(qtro_model_replica_role_name_count(m_, &n));
        std::vector<std::pair<int32_t, std::string>> out;
        for (size_t i = 0; i < n; i++) {
            int32_t role = 0;
            char *name = nullptr;
            if (qtro_model_replica_role_name_at(m_, i, &role, &name) != QTRO_OK) break;
            out.emplace_back(role, name);
            qtro_string_free(name);
        }
        return out;
    }
    ModelPath current() const {
        ModelPath p(64);
        size_t d = 0;
        detail::check(qtro_model_replica_current(m_, p.data(), p.size(), &d));
        p.resize(std::min(d, p.size()));
        return p;
    }
    void set_data(const ModelPath &index, const Value &v, int32_t role) {
        detail::check(qtro_model_replica_set_data(m_, detail::path_ptr(index), index.size(), v.get(), role));
    }
    void set_current(const ModelPath &index) { detail::check(qtro_model_replica_set_current(m_, detail::path_ptr(index), index.size())); }
    // Keeps rows [start, end) of `parent` cached (plus the prefetch).
    void set_window(const ModelPath &parent, int32_t start, int32_t end) {
        detail::check(qtro_model_replica_set_window(m_, detail::path_ptr(parent), parent.size(), start, end));
    }
    qtro_model_replica *get() const { return m_; }

private:
    template <class T>
    static std::optional<T> known(qtro_result r, T v) {
        if (r == QTRO_PENDING) return std::nullopt;
        detail::check(r);
        return v;
    }
    static std::optional<Value> lookup(qtro_result r, qtro_value *v) {
        if (r == QTRO_PENDING || r == QTRO_ERR_NOT_FOUND) return std::nullopt;
        detail::check(r);
        return Value::adopt(v);
    }
    static ModelReplicaHandlers &h(void *ud) { return *static_cast<ModelReplicaHandlers *>(ud); }
    template <class F, class... A>
    static void fire(const F &f, A &&...a) {
        if (f) detail::guarded([&] { f(std::forward<A>(a)...); });
    }
    static void t_state(void *ud, qtro_replica_state s) { fire(h(ud).on_state_changed, s); }
    static void t_init(void *ud) { fire(h(ud).on_initialized); }
    static void t_reset_begin(void *ud) { fire(h(ud).on_reset_begin); }
    static void t_reset_end(void *ud) { fire(h(ud).on_reset_end); }
    static void t_about_ins(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) {
        fire(h(ud).on_rows_about_to_be_inserted, detail::path_of(p, d), f, l);
    }
    static void t_ins(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) { fire(h(ud).on_rows_inserted, detail::path_of(p, d), f, l); }
    static void t_about_rem(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) {
        fire(h(ud).on_rows_about_to_be_removed, detail::path_of(p, d), f, l);
    }
    static void t_rem(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) { fire(h(ud).on_rows_removed, detail::path_of(p, d), f, l); }
    static void t_about_mov(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l, const qtro_model_index *dp, size_t dd, int32_t row) {
        fire(h(ud).on_rows_about_to_be_moved, detail::path_of(p, d), f, l, detail::path_of(dp, dd), row);
    }
    static void t_mov(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l, const qtro_model_index *dp, size_t dd, int32_t row) {
        fire(h(ud).on_rows_moved, detail::path_of(p, d), f, l, detail::path_of(dp, dd), row);
    }
    static void t_about_cols(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) {
        fire(h(ud).on_columns_about_to_be_inserted, detail::path_of(p, d), f, l);
    }
    static void t_cols(void *ud, const qtro_model_index *p, size_t d, int32_t f, int32_t l) { fire(h(ud).on_columns_inserted, detail::path_of(p, d), f, l); }
    static void t_data(void *ud, const qtro_model_index *a, const qtro_model_index *b, size_t d, const int32_t *roles, size_t n) {
        fire(h(ud).on_data_changed, detail::path_of(a, d), detail::path_of(b, d), roles ? std::vector<int32_t>(roles, roles + n) : std::vector<int32_t>());
    }
    static void t_header(void *ud, qtro_orientation o, int32_t f, int32_t l) { fire(h(ud).on_header_data_changed, o, f, l); }
    static void t_layout_before(void *ud, qtro_layout_hint hint) { fire(h(ud).on_layout_about_to_be_changed, hint); }
    static void t_layout(void *ud, qtro_layout_hint hint) { fire(h(ud).on_layout_changed, hint); }
    static void t_current(void *ud, const qtro_model_index *c, size_t cd, const qtro_model_index *p, size_t pd) {
        fire(h(ud).on_current_changed, detail::path_of(c, cd), detail::path_of(p, pd));
    }
    static void t_error(void *ud, const char *m) { fire(h(ud).on_error, std::string(m ? m : "")); }
    qtro_model_replica *m_ = nullptr;
    std::unique_ptr<ModelReplicaHandlers> h_;
};

// ---- logging -----------------------------------------------------------------------------------

using LogHandler = std::function<void(qtro_log_level level, std::string_view target, std::string_view message)>;

namespace detail {
inline void log_trampoline(void *ud, qtro_log_level level, const char *target, const char *message) {
    auto *h = static_cast<LogHandler *>(ud);
    guarded([&] { (*h)(level, target, message); });
}
inline std::unique_ptr<LogHandler> &current_log_handler() {
    static std::unique_ptr<LogHandler> h;
    return h;
}
}  // namespace detail

// Routes the library's log messages up to `max_level` to `handler` (empty: off). The handler runs
// on library threads, possibly concurrently. Not thread-safe against concurrent calls of itself.
inline void set_log_handler(LogHandler handler, qtro_log_level max_level = QTRO_LOG_INFO) {
    std::unique_ptr<LogHandler> next = handler ? std::make_unique<LogHandler>(std::move(handler)) : nullptr;
    detail::check(qtro_set_log_callback(next ? &detail::log_trampoline : nullptr, next.get(), next ? max_level : QTRO_LOG_OFF));
    // The library no longer calls the previous handler once the call above returned.
    detail::current_log_handler() = std::move(next);
}

}  // namespace qtro

#endif  // QTRO_RS_HPP
