/* qtro_value: every constructor and accessor, containers and ownership, and the error paths
 * (NULL arguments, invalid UTF-8, wrong types, out-of-range indexes). Runs under ASan/UBSan. */
#include <math.h>
#include <stdint.h>

#include "check.h"

static void check_version(void) {
    CHECK(qtro_abi_version() == QTRO_ABI_VERSION);
    CHECK(strlen(qtro_version_string()) > 0);
    CHECK(strcmp(qtro_result_name(QTRO_OK), "QTRO_OK") == 0);
    CHECK(strcmp(qtro_result_name(QTRO_ERR_TIMEOUT), "QTRO_ERR_TIMEOUT") == 0);
    CHECK(strcmp(qtro_result_name((qtro_result)9999), "QTRO_ERR_UNKNOWN") == 0);
    qtro_clear_last_error();
    CHECK(strcmp(qtro_last_error_message(), "") == 0);
}

static void check_scalars(void) {
    int64_t i64;
    uint64_t u64;
    int32_t i32;
    double d;
    bool b;

    qtro_value *v = qtro_value_new_int(-42);
    CHECK(qtro_value_type(v) == QTRO_TYPE_INT);
    CHECK_OK(qtro_value_get_int64(v, &i64));
    CHECK(i64 == -42);
    CHECK_OK(qtro_value_get_int32(v, &i32));
    CHECK(i32 == -42);
    CHECK_OK(qtro_value_get_double(v, &d));
    CHECK(d == -42.0);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_uint64(v, &u64));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_bool(v, &b));
    CHECK(strstr(qtro_last_error_message(), "int") != NULL);
    const char *name;
    size_t len;
    CHECK_OK(qtro_value_type_name(v, &name, &len));
    CHECK_VIEW(name, len, "int");
    qtro_value_free(v);

    struct {
        qtro_value *v;
        qtro_type t;
        const char *type_name;
        int64_t expected;
    } ints[] = {
        {qtro_value_new_bool(true), QTRO_TYPE_BOOL, "bool", 1},
        {qtro_value_new_uint(4000000000u), QTRO_TYPE_UINT, "uint", 4000000000LL},
        {qtro_value_new_longlong(-9000000000LL), QTRO_TYPE_LONGLONG, "qlonglong", -9000000000LL},
        {qtro_value_new_ulonglong(9000000000ULL), QTRO_TYPE_ULONGLONG, "qulonglong", 9000000000LL},
        {qtro_value_new_long(-5), QTRO_TYPE_LONG, "long", -5},
        {qtro_value_new_ulong(5), QTRO_TYPE_ULONG, "ulong", 5},
        {qtro_value_new_short(-300), QTRO_TYPE_SHORT, "short", -300},
        {qtro_value_new_ushort(60000), QTRO_TYPE_USHORT, "ushort", 60000},
        {qtro_value_new_char(-3), QTRO_TYPE_CHAR, "char", -3},
        {qtro_value_new_schar(-4), QTRO_TYPE_SCHAR, "signed char", -4},
        {qtro_value_new_uchar(250), QTRO_TYPE_UCHAR, "uchar", 250},
        {qtro_value_new_qchar(0x263A), QTRO_TYPE_QCHAR, "QChar", 0x263A},
        {qtro_value_new_char16(0x41), QTRO_TYPE_CHAR16, "char16_t", 0x41},
        {qtro_value_new_char32(0x1F600), QTRO_TYPE_CHAR32, "char32_t", 0x1F600},
    };
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        CHECK(ints[k].v != NULL);
        CHECK(qtro_value_type(ints[k].v) == ints[k].t);
        CHECK_OK(qtro_value_get_int64(ints[k].v, &i64));
        CHECK(i64 == ints[k].expected);
        CHECK_OK(qtro_value_type_name(ints[k].v, &name, &len));
        CHECK_VIEW(name, len, ints[k].type_name);
        qtro_value_free(ints[k].v);
    }

    v = qtro_value_new_ulonglong(UINT64_MAX);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_int64(v, &i64));
    CHECK_OK(qtro_value_get_uint64(v, &u64));
    CHECK(u64 == UINT64_MAX);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_int32(v, &i32));
    qtro_value_free(v);

    v = qtro_value_new_bool(false);
    b = true;
    CHECK_OK(qtro_value_get_bool(v, &b));
    CHECK(!b);
    qtro_value_free(v);

    v = qtro_value_new_double(2.5);
    CHECK(qtro_value_type(v) == QTRO_TYPE_DOUBLE);
    CHECK_OK(qtro_value_get_double(v, &d));
    CHECK(d == 2.5);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_int64(v, &i64));
    qtro_value_free(v);

    v = qtro_value_new_float(0.5f);
    CHECK(qtro_value_type(v) == QTRO_TYPE_FLOAT);
    CHECK_OK(qtro_value_get_double(v, &d));
    CHECK(d == 0.5);
    qtro_value_free(v);

    v = qtro_value_new_double(NAN);
    CHECK_OK(qtro_value_get_double(v, &d));
    CHECK(isnan(d));
    qtro_value_free(v);

    v = qtro_value_new_invalid();
    CHECK(qtro_value_type(v) == QTRO_TYPE_INVALID);
    CHECK(qtro_value_is_null(v));
    CHECK_OK(qtro_value_type_name(v, &name, &len));
    CHECK(len == 0);
    qtro_value_free(v);

    v = qtro_value_new_enum("Interop::Color", 3, 4);
    CHECK(qtro_value_type(v) == QTRO_TYPE_ENUM);
    uint8_t size = 0;
    CHECK_OK(qtro_value_get_enum(v, &i64, &size));
    CHECK(i64 == 3 && size == 4);
    CHECK_OK(qtro_value_get_int64(v, &i64));
    CHECK(i64 == 3);
    CHECK_OK(qtro_value_type_name(v, &name, &len));
    CHECK_VIEW(name, len, "Interop::Color");
    qtro_value_free(v);
    CHECK(qtro_value_new_enum("E", 1, 3) == NULL);
    CHECK(strstr(qtro_last_error_message(), "size") != NULL);
    CHECK(qtro_value_new_enum(NULL, 1, 4) == NULL);
}

static void check_strings(void) {
    const char *data;
    size_t len;
    bool is_null = true;

    qtro_value *v = qtro_value_new_string("h\xC3\xA9llo \xE2\x9C\x93");
    CHECK(qtro_value_type(v) == QTRO_TYPE_STRING);
    CHECK_OK(qtro_value_get_string(v, &data, &len, &is_null));
    CHECK_VIEW(data, len, "h\xC3\xA9llo \xE2\x9C\x93");
    CHECK(!is_null);
    CHECK(!qtro_value_is_null(v));
    char small[4];
    size_t needed = 0;
    CHECK_OK(qtro_value_copy_string(v, small, sizeof small, &needed));
    CHECK(needed == len && strlen(small) == 3 && memcmp(small, "h\xC3\xA9", 3) == 0);
    CHECK_OK(qtro_value_copy_string(v, NULL, 0, &needed));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_copy_string(v, NULL, 5, NULL));
    qtro_value_free(v);

    v = qtro_value_new_string_n("a\0b", 3);
    CHECK_OK(qtro_value_get_string(v, &data, &len, NULL));
    CHECK(len == 3 && data[1] == '\0' && data[2] == 'b');
    qtro_value_free(v);

    v = qtro_value_new_null_string();
    CHECK_OK(qtro_value_get_string(v, &data, &len, &is_null));
    CHECK(is_null && len == 0 && data != NULL);
    CHECK(qtro_value_is_null(v));
    qtro_value *empty = qtro_value_new_string("");
    CHECK(!qtro_value_equal(v, empty));
    CHECK(!qtro_value_is_null(empty));
    qtro_value_free(empty);
    qtro_value_free(v);

    /* invalid UTF-8 and NULL */
    CHECK(qtro_value_new_string("\xFF\xFE") == NULL);
    CHECK(strstr(qtro_last_error_message(), "UTF-8") != NULL);
    CHECK(qtro_value_new_string(NULL) == NULL);
    CHECK(strstr(qtro_last_error_message(), "NULL") != NULL);
    CHECK(qtro_value_new_string_n(NULL, 2) == NULL);
    v = qtro_value_new_string_n(NULL, 0);
    CHECK(v != NULL);
    qtro_value_free(v);

    const uint8_t bytes[] = {0, 1, 2, 255};
    const uint8_t *bd;
    v = qtro_value_new_bytearray(bytes, sizeof bytes);
    CHECK(qtro_value_type(v) == QTRO_TYPE_BYTEARRAY);
    CHECK_OK(qtro_value_get_bytes(v, &bd, &len, &is_null));
    CHECK(len == 4 && memcmp(bd, bytes, 4) == 0 && !is_null);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_string(v, &data, &len, NULL));
    qtro_value_free(v);
    v = qtro_value_new_null_bytearray();
    CHECK_OK(qtro_value_get_bytes(v, &bd, &len, &is_null));
    CHECK(is_null && len == 0);
    qtro_value_free(v);

    v = qtro_value_new_url("tcp://127.0.0.1:1234");
    CHECK(qtro_value_type(v) == QTRO_TYPE_URL);
    CHECK_OK(qtro_value_get_url(v, &data, &len));
    CHECK_VIEW(data, len, "tcp://127.0.0.1:1234");
    qtro_value_free(v);

    uint8_t uuid[16], back[16];
    for (int k = 0; k < 16; k++) uuid[k] = (uint8_t)(k * 17);
    v = qtro_value_new_uuid(uuid);
    CHECK(qtro_value_type(v) == QTRO_TYPE_UUID);
    CHECK_OK(qtro_value_get_uuid(v, back));
    CHECK(memcmp(uuid, back, 16) == 0);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_get_uuid(v, NULL));
    qtro_value_free(v);
    CHECK(qtro_value_new_uuid(NULL) == NULL);

    const uint8_t bits[] = {0xFF, 0x01};
    const uint8_t *bb;
    size_t nbits;
    v = qtro_value_new_bitarray(bits, 9);
    CHECK_OK(qtro_value_get_bitarray(v, &bb, &nbits));
    CHECK(nbits == 9 && bb[0] == 0xFF && bb[1] == 0x01);
    qtro_value_free(v);
    v = qtro_value_new_bitarray(bits, 3); /* unused bits are cleared, as Qt does */
    CHECK_OK(qtro_value_get_bitarray(v, &bb, &nbits));
    CHECK(nbits == 3 && bb[0] == 0x07);
    qtro_value_free(v);
}

static void check_dates_and_geometry(void) {
    int32_t y, m, d;
    int64_t jd;
    uint32_t ms;
    qtro_timespec spec;
    int32_t offset;
    const char *data;
    size_t len;

    qtro_value *v = qtro_value_new_date(2024, 1, 2);
    CHECK(qtro_value_type(v) == QTRO_TYPE_DATE);
    CHECK_OK(qtro_value_get_date(v, &y, &m, &d));
    CHECK(y == 2024 && m == 1 && d == 2);
    CHECK_OK(qtro_value_get_date_julian(v, &jd));
    CHECK(jd == 2460312);
    qtro_value_free(v);
    CHECK(qtro_value_new_date(2023, 2, 29) == NULL);
    CHECK(qtro_value_new_date(2023, 13, 1) == NULL);
    v = qtro_value_new_date_julian(INT64_MIN);
    CHECK(qtro_value_is_null(v));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_value_get_date(v, &y, &m, &d));
    qtro_value_free(v);

    v = qtro_value_new_time(13, 14, 15, 16);
    CHECK_OK(qtro_value_get_time(v, &ms));
    CHECK(ms == ((13u * 60 + 14) * 60 + 15) * 1000 + 16);
    qtro_value_free(v);
    CHECK(qtro_value_new_time(24, 0, 0, 0) == NULL);
    CHECK(qtro_value_new_time_msecs(86400000u) == NULL);
    v = qtro_value_new_time_msecs(UINT32_MAX);
    CHECK(qtro_value_is_null(v));
    qtro_value_free(v);

    v = qtro_value_new_datetime(2460312, 1000, QTRO_TIMESPEC_OFFSET, 3600, NULL);
    CHECK(qtro_value_type(v) == QTRO_TYPE_DATETIME);
    CHECK_OK(qtro_value_get_datetime(v, &jd, &ms, &spec, &offset));
    CHECK(jd == 2460312 && ms == 1000 && spec == QTRO_TIMESPEC_OFFSET && offset == 3600);
    qtro_value_free(v);
    v = qtro_value_new_datetime(2460312, 0, QTRO_TIMESPEC_TIME_ZONE, 0, "Europe/Berlin");
    CHECK_OK(qtro_value_get_datetime(v, NULL, NULL, &spec, NULL));
    CHECK(spec == QTRO_TIMESPEC_TIME_ZONE);
    CHECK_OK(qtro_value_get_datetime_zone(v, &data, &len));
    CHECK_VIEW(data, len, "Europe/Berlin");
    qtro_value_free(v);
    CHECK(qtro_value_new_datetime(0, 0, QTRO_TIMESPEC_TIME_ZONE, 0, NULL) == NULL);
    CHECK(qtro_value_new_datetime(0, 0, 77, 0, NULL) == NULL);
    CHECK(strstr(qtro_last_error_message(), "qtro_timespec") != NULL);
    v = qtro_value_new_null_datetime();
    CHECK(qtro_value_is_null(v));
    qtro_value_free(v);

    qtro_point p = {3, -4};
    qtro_pointf pf = {0.5, 1.5};
    qtro_size s = {10, 20};
    qtro_sizef sf = {1.25, 2.5};
    qtro_rect r = {1, 2, 30, 40};
    qtro_rectf rf = {0.5, 0.25, 3.0, 4.0};
    qtro_line l = {1, 2, 3, 4};
    qtro_linef lf = {0.1, 0.2, 0.3, 0.4};
    qtro_point p2;
    qtro_pointf pf2;
    qtro_size s2;
    qtro_sizef sf2;
    qtro_rect r2;
    qtro_rectf rf2;
    qtro_line l2;
    qtro_linef lf2;
    qtro_value *g;
    g = qtro_value_new_point(p);
    CHECK_OK(qtro_value_get_point(g, &p2));
    CHECK(p2.x == 3 && p2.y == -4 && qtro_value_type(g) == QTRO_TYPE_POINT);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_get_size(g, &s2));
    qtro_value_free(g);
    g = qtro_value_new_pointf(pf);
    CHECK_OK(qtro_value_get_pointf(g, &pf2));
    CHECK(pf2.x == 0.5 && pf2.y == 1.5);
    qtro_value_free(g);
    g = qtro_value_new_size(s);
    CHECK_OK(qtro_value_get_size(g, &s2));
    CHECK(s2.width == 10 && s2.height == 20);
    qtro_value_free(g);
    g = qtro_value_new_sizef(sf);
    CHECK_OK(qtro_value_get_sizef(g, &sf2));
    CHECK(sf2.width == 1.25 && sf2.height == 2.5);
    qtro_value_free(g);
    g = qtro_value_new_rect(r);
    CHECK_OK(qtro_value_get_rect(g, &r2));
    CHECK(r2.x == 1 && r2.y == 2 && r2.width == 30 && r2.height == 40);
    qtro_value_free(g);
    g = qtro_value_new_rectf(rf);
    CHECK_OK(qtro_value_get_rectf(g, &rf2));
    CHECK(rf2.x == 0.5 && rf2.height == 4.0);
    qtro_value_free(g);
    g = qtro_value_new_line(l);
    CHECK_OK(qtro_value_get_line(g, &l2));
    CHECK(l2.x1 == 1 && l2.y2 == 4);
    qtro_value_free(g);
    g = qtro_value_new_linef(lf);
    CHECK_OK(qtro_value_get_linef(g, &lf2));
    CHECK(lf2.x1 == 0.1 && lf2.y2 == 0.4);
    qtro_value_free(g);
}

static void check_containers(void) {
    size_t n;
    const qtro_value *e;
    const char *data;
    size_t len;
    bool is_null;
    int64_t i64;

    /* QVariantList: append takes ownership (ASan would report a leak otherwise). */
    qtro_value *list = qtro_value_new_list();
    CHECK_OK(qtro_value_append(list, qtro_value_new_int(1)));
    CHECK_OK(qtro_value_append(list, qtro_value_new_string("two")));
    qtro_value *inner = qtro_value_new_list();
    CHECK_OK(qtro_value_append(inner, qtro_value_new_double(3.0)));
    CHECK_OK(qtro_value_append(list, inner));
    CHECK_OK(qtro_value_count(list, &n));
    CHECK(n == 3);
    CHECK_OK(qtro_value_at(list, 1, &e));
    CHECK_OK(qtro_value_get_string(e, &data, &len, NULL));
    CHECK_VIEW(data, len, "two");
    CHECK_OK(qtro_value_at(list, 2, &e));
    CHECK(qtro_value_type(e) == QTRO_TYPE_LIST);
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_value_at(list, 3, &e));
    CHECK(strstr(qtro_last_error_message(), "out of range") != NULL);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_append(list, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_append(NULL, qtro_value_new_int(5))); /* item freed */

    /* clone / equal / debug string */
    qtro_value *copy = qtro_value_clone(list);
    CHECK(qtro_value_equal(copy, list));
    CHECK_OK(qtro_value_append(copy, qtro_value_new_invalid()));
    CHECK(!qtro_value_equal(copy, list));
    char *dbg = qtro_value_to_debug_string(copy);
    CHECK(dbg != NULL && strstr(dbg, "two") != NULL);
    qtro_string_free(dbg);
    qtro_value_free(copy);
    CHECK(qtro_value_equal(NULL, NULL));
    CHECK(!qtro_value_equal(list, NULL));
    CHECK(qtro_value_clone(NULL) == NULL);

    /* a scalar is not a container; appending to it consumes the item and fails */
    qtro_value *scalar = qtro_value_new_int(1);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_append(scalar, qtro_value_new_int(2)));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_count(scalar, &n));
    qtro_value_free(scalar);
    qtro_value_free(list);

    /* QStringList / QByteArrayList */
    qtro_value *sl = qtro_value_new_stringlist();
    CHECK_OK(qtro_value_append(sl, qtro_value_new_string("a")));
    CHECK_OK(qtro_value_append(sl, qtro_value_new_null_string()));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_append(sl, qtro_value_new_int(1)));
    CHECK_OK(qtro_value_count(sl, &n));
    CHECK(n == 2);
    CHECK_OK(qtro_value_get_string_at(sl, 0, &data, &len, &is_null));
    CHECK_VIEW(data, len, "a");
    CHECK(!is_null);
    CHECK_OK(qtro_value_get_string_at(sl, 1, &data, &len, &is_null));
    CHECK(is_null);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_at(sl, 0, &e));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_value_get_string_at(sl, 2, &data, &len, NULL));
    qtro_value_free(sl);
    qtro_value *bl = qtro_value_new_bytearraylist();
    CHECK_OK(qtro_value_append(bl, qtro_value_new_bytearray((const uint8_t *)"xy", 2)));
    const uint8_t *bd;
    CHECK_OK(qtro_value_get_bytes_at(bl, 0, &bd, &len, &is_null));
    CHECK(len == 2 && bd[1] == 'y' && !is_null);
    qtro_value_free(bl);

    /* QVariantMap keeps Qt's key order and replaces duplicates; QVariantHash keeps insertion */
    qtro_value *map = qtro_value_new_map();
    CHECK_OK(qtro_value_insert(map, "s", qtro_value_new_int(1)));
    CHECK_OK(qtro_value_insert(map, "k", qtro_value_new_int(2)));
    CHECK_OK(qtro_value_insert(map, "s", qtro_value_new_int(3)));
    CHECK_OK(qtro_value_count(map, &n));
    CHECK(n == 2);
    CHECK_OK(qtro_value_key_at(map, 0, &data, &len));
    CHECK_VIEW(data, len, "k");
    CHECK_OK(qtro_value_find(map, "s", &e));
    CHECK_OK(qtro_value_get_int64(e, &i64));
    CHECK(i64 == 3);
    CHECK_RESULT(QTRO_ERR_NOT_FOUND, qtro_value_find(map, "zz", &e));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_insert(map, NULL, qtro_value_new_int(1)));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_value_insert(map, "\xC0", qtro_value_new_int(1)));
    qtro_value_free(map);
    qtro_value *hash = qtro_value_new_hash();
    CHECK_OK(qtro_value_insert(hash, "s", qtro_value_new_int(1)));
    CHECK_OK(qtro_value_insert(hash, "k", qtro_value_new_int(2)));
    CHECK_OK(qtro_value_key_at(hash, 0, &data, &len));
    CHECK_VIEW(data, len, "s");
    CHECK(qtro_value_type(hash) == QTRO_TYPE_HASH);
    qtro_value_free(hash);

    /* pair, variant-in-variant, null flag */
    qtro_value *pair = qtro_value_new_pair(qtro_value_new_int(1), qtro_value_new_string("x"));
    CHECK(qtro_value_type(pair) == QTRO_TYPE_PAIR);
    CHECK_OK(qtro_value_at(pair, 1, &e));
    CHECK(qtro_value_type(e) == QTRO_TYPE_STRING);
    qtro_value_free(pair);
    CHECK(qtro_value_new_pair(qtro_value_new_int(1), NULL) == NULL); /* first is freed */
    qtro_value *var = qtro_value_new_variant(qtro_value_new_int(7));
    CHECK(qtro_value_type(var) == QTRO_TYPE_VARIANT);
    CHECK_OK(qtro_value_at(var, 0, &e));
    CHECK(qtro_value_type(e) == QTRO_TYPE_INT);
    qtro_value_free(var);
    qtro_value *nf = qtro_value_new_null_flagged(qtro_value_new_int(0));
    CHECK(qtro_value_has_null_flag(nf) && qtro_value_is_null(nf));
    CHECK(qtro_value_type(nf) == QTRO_TYPE_INT);
    CHECK_OK(qtro_value_get_int64(nf, &i64));
    qtro_value_free(nf);

    /* gadgets, structs, typed containers, QtRO wrappers */
    qtro_value *gad = qtro_value_new_gadget("Point3");
    CHECK_OK(qtro_value_append(gad, qtro_value_new_double(1)));
    CHECK_OK(qtro_value_append(gad, qtro_value_new_double(2)));
    CHECK_OK(qtro_value_count(gad, &n));
    CHECK(n == 2 && qtro_value_type(gad) == QTRO_TYPE_GADGET);
    qtro_value *gs = qtro_value_new_gadget_sequence("QList<Point3>", "Point3");
    CHECK_OK(qtro_value_append(gs, qtro_value_clone(gad)));
    const char *kt, *vt;
    size_t ktl, vtl;
    CHECK_OK(qtro_value_get_element_types(gs, &kt, &ktl, &vt, &vtl));
    CHECK(ktl == 0);
    CHECK_VIEW(vt, vtl, "Point3");
    qtro_value_free(gs);
    qtro_value *ga = qtro_value_new_gadget_assoc("QMap<int,Point3>", "int", "Point3");
    CHECK_OK(qtro_value_insert_keyed(ga, qtro_value_new_int(1), gad)); /* gad consumed */
    CHECK_OK(qtro_value_keyed_at(ga, 0, &e));
    CHECK(qtro_value_type(e) == QTRO_TYPE_INT);
    qtro_value_free(ga);
    qtro_value *st = qtro_value_new_struct("QRemoteObjectSourceLocationInfo");
    CHECK_OK(qtro_value_append(st, qtro_value_new_string("x")));
    CHECK(qtro_value_type(st) == QTRO_TYPE_STRUCT);
    qtro_value_free(st);
    qtro_value *seq = qtro_value_new_sequence("QList<int>");
    CHECK_OK(qtro_value_append(seq, qtro_value_new_int(4)));
    CHECK_OK(qtro_value_type_name(seq, &data, &len));
    CHECK_VIEW(data, len, "QList<int>");
    qtro_value_free(seq);
    qtro_value *as = qtro_value_new_assoc("QHash<int,QByteArray>");
    CHECK_OK(qtro_value_insert_keyed(as, qtro_value_new_int(1), qtro_value_new_bytearray(NULL, 0)));
    CHECK_OK(qtro_value_insert_keyed(as, qtro_value_new_int(1), qtro_value_new_null_bytearray()));
    CHECK_OK(qtro_value_count(as, &n));
    CHECK(n == 1);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_insert_keyed(as, NULL, qtro_value_new_int(1)));
    qtro_value_free(as);
    qtro_value *rem = qtro_value_new_remote("Class::child", "Child", QTRO_OBJECT_CLASS, false);
    CHECK_OK(qtro_value_append(rem, qtro_value_new_int(1)));
    const char *rn, *rt;
    size_t rnl, rtl;
    qtro_object_kind kind;
    bool rnull;
    CHECK_OK(qtro_value_get_remote(rem, &rn, &rnl, &rt, &rtl, &kind, &rnull));
    CHECK_VIEW(rn, rnl, "Class::child");
    CHECK_VIEW(rt, rtl, "Child");
    CHECK(kind == QTRO_OBJECT_CLASS && !rnull);
    qtro_value_free(rem);
    CHECK(qtro_value_new_remote(NULL, NULL, 9, true) == NULL);
}

static void check_null_arguments(void) {
    const char *data;
    size_t len;
    int64_t i64;
    CHECK(qtro_value_type(NULL) == QTRO_TYPE_INVALID);
    CHECK(!qtro_value_is_null(NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_get_int64(NULL, &i64));
    CHECK(strstr(qtro_last_error_message(), "value") != NULL);
    qtro_value *v = qtro_value_new_int(1);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_get_int64(v, NULL));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_type_name(v, NULL, &len));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_type_name(v, &data, NULL));
    qtro_value_free(v);
    qtro_value_free(NULL);
    qtro_string_free(NULL);
    CHECK(qtro_value_to_debug_string(NULL) == NULL);
}

/* The text syntax: qtro_value_to_string prints what qtro_value_from_string reads back. */
static void check_text(void) {
    qtro_value *list = qtro_value_new_list();
    CHECK_OK(qtro_value_append(list, qtro_value_new_uint(1)));
    CHECK_OK(qtro_value_append(list, qtro_value_new_double(2.0)));
    CHECK_OK(qtro_value_append(list, qtro_value_new_string("a b")));
    CHECK_OK(qtro_value_append(list, qtro_value_new_date(2024, 1, 2)));
    static const uint8_t raw[] = {0, 255};
    struct {
        qtro_value *value;
        const char *text;
    } cases[] = {
        {qtro_value_new_int(-42), "-42"},
        {qtro_value_new_ulonglong(3), "qulonglong:3"},
        {qtro_value_new_double(0.5), "0.5"},
        {qtro_value_new_string("h\"i"), "\"h\\\"i\""},
        {qtro_value_new_bytearray(raw, 2), "bytes:hex:00ff"},
        {qtro_value_new_null_bytearray(), "bytes:null"},
        {qtro_value_new_null_datetime(), "datetime:null"},
        {qtro_value_new_time(23, 59, 59, 999), "time:23:59:59.999"},
        {qtro_value_new_rect((qtro_rect){1, 2, 3, 4}), "rect:[1, 2, 3, 4]"},
        {list, "[uint:1, 2.0, \"a b\", date:2024-01-02]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char *text = qtro_value_to_string(cases[i].value);
        CHECK(text != NULL);
        if (strcmp(text, cases[i].text) != 0) {
            fprintf(stderr, "printed %s, expected %s\n", text, cases[i].text);
            exit(1);
        }
        qtro_value *back = NULL;
        CHECK_OK(qtro_value_from_string(text, NULL, &back));
        CHECK(qtro_value_equal(back, cases[i].value));
        qtro_string_free(text);
        qtro_value_free(back);
        qtro_value_free(cases[i].value);
    }
    CHECK(qtro_value_to_string(NULL) == NULL);

    /* A declared type gives the literal that type, strictly. */
    qtro_value *v = NULL;
    int64_t i64;
    CHECK_OK(qtro_value_from_string("7", "qlonglong", &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_LONGLONG);
    CHECK_OK(qtro_value_get_int64(v, &i64));
    CHECK(i64 == 7);
    qtro_value_free(v);
    CHECK_OK(qtro_value_from_string("[\"a\", b]", "QStringList", &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_STRINGLIST);
    qtro_value_free(v);
    /* A null QString: `null` where the type is declared. */
    CHECK_OK(qtro_value_from_string("null", "QString", &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_STRING && qtro_value_is_null(v));
    qtro_value_free(v);
    CHECK_OK(qtro_value_from_string("date:null", NULL, &v));
    CHECK(qtro_value_type(v) == QTRO_TYPE_DATE && qtro_value_is_null(v));
    qtro_value_free(v);
    CHECK_OK(qtro_value_from_string("2024-01-02T12:00:00+01:00", "QDateTime", &v));
    int64_t jd;
    uint32_t ms;
    qtro_timespec spec;
    int32_t offset;
    CHECK_OK(qtro_value_get_datetime(v, &jd, &ms, &spec, &offset));
    CHECK(jd == 2460312 && ms == 12 * 3600 * 1000 && spec == QTRO_TIMESPEC_OFFSET && offset == 3600);
    qtro_value_free(v);

    /* Errors: the code says which kind, the message where or why; *out is NULL. */
    qtro_value *before = qtro_value_new_int(1);
    v = before;
    CHECK_RESULT(QTRO_ERR_PARSE, qtro_value_from_string("[1, 2", NULL, &v));
    CHECK(v == NULL);
    qtro_value_free(before);
    CHECK(strstr(qtro_last_error_message(), "at the end of") != NULL);
    CHECK_RESULT(QTRO_ERR_PARSE, qtro_value_from_string("{k 1}", NULL, &v));
    CHECK(strstr(qtro_last_error_message(), "column 4") != NULL);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_from_string("1.5", "int", &v));
    CHECK(strstr(qtro_last_error_message(), "expected an integer for int") != NULL);
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_from_string("70000", "short", &v));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_from_string("date:2023-02-29", NULL, &v));
    CHECK_RESULT(QTRO_ERR_TYPE_MISMATCH, qtro_value_from_string("bytes:b64:A", NULL, &v));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_from_string(NULL, NULL, &v));
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_from_string("1", NULL, NULL));
    CHECK_RESULT(QTRO_ERR_INVALID_ARGUMENT, qtro_value_from_string("\xff", NULL, &v));
    CHECK(v == NULL);
}

/* QtGui values: colors, geometry from numbers, images, brushes/pens/fonts from their fields. */
static void check_gui(void) {
    uint8_t r, g, b, a;
    qtro_value *v = qtro_value_new_color(255, 128, 0, 64);
    CHECK(qtro_value_type(v) == QTRO_TYPE_COLOR);
    CHECK_OK(qtro_value_get_color(v, &r, &g, &b, &a));
    CHECK(r == 255 && g == 128 && b == 0 && a == 64);
    char *fields = qtro_value_fields_json(v);
    CHECK(fields != NULL && strstr(fields, "\"spec\":1") != NULL);
    qtro_value *back = qtro_value_new_from_fields(QTRO_TYPE_COLOR, fields);
    CHECK(back != NULL && qtro_value_equal(v, back));
    qtro_string_free(fields);
    qtro_value_free(back);
    CHECK_RESULT(QTRO_ERR_NULL_ARGUMENT, qtro_value_get_color(v, NULL, &g, &b, &a));
    qtro_value_free(v);

    const double poly[] = {1, 2, -3, 4};
    v = qtro_value_new_numbers(QTRO_TYPE_POLYGON, poly, 4);
    CHECK(v != NULL && qtro_value_type(v) == QTRO_TYPE_POLYGON);
    double out[16];
    size_t n = 0;
    CHECK_OK(qtro_value_get_numbers(v, out, 16, &n));
    CHECK(n == 4 && out[0] == 1 && out[3] == 4);
    CHECK_OK(qtro_value_get_numbers(v, NULL, 0, &n));
    CHECK(n == 4);
    qtro_value_free(v);
    CHECK(qtro_value_new_numbers(QTRO_TYPE_POLYGON, poly, 3) == NULL);
    CHECK(strstr(qtro_last_error_message(), "3 numbers") != NULL);
    const double half[] = {0.5, 1};
    CHECK(qtro_value_new_numbers(QTRO_TYPE_POLYGON, half, 2) == NULL); /* QPoint takes integers */
    CHECK(qtro_value_new_numbers(QTRO_TYPE_INT, poly, 1) == NULL);
    const double vec[] = {1, 2, 3.25};
    v = qtro_value_new_numbers(QTRO_TYPE_VECTOR3D, vec, 3);
    CHECK(qtro_value_type(v) == QTRO_TYPE_VECTOR3D);
    CHECK_OK(qtro_value_get_numbers(v, out, 2, &n));
    CHECK(n == 3 && out[1] == 2); /* only capacity numbers written, the count is the whole */
    qtro_value_free(v);
    const double keys[] = {0x04000053, 0x08000058};
    v = qtro_value_new_numbers(QTRO_TYPE_KEYSEQUENCE, keys, 2);
    CHECK_OK(qtro_value_get_numbers(v, out, 16, &n));
    CHECK(n == 2 && out[0] == 0x04000053);
    qtro_value_free(v);

    const uint8_t px[16] = {255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 255, 0, 0, 0, 0};
    v = qtro_value_new_image_rgba(2, 2, px, false);
    CHECK(v != NULL && qtro_value_type(v) == QTRO_TYPE_IMAGE);
    const uint8_t *png;
    size_t png_len;
    CHECK_OK(qtro_value_get_png(v, &png, &png_len));
    CHECK(png_len > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    qtro_value *pix = qtro_value_new_image_png(png, png_len, true);
    CHECK(pix != NULL && qtro_value_type(pix) == QTRO_TYPE_PIXMAP);
    qtro_value_free(pix);
    qtro_value_free(v);
    const uint8_t junk[4] = {1, 2, 3, 4};
    CHECK(qtro_value_new_image_png(junk, 4, false) == NULL);

    v = qtro_value_new_json(QTRO_TYPE_JSONOBJECT, "{ \"a\" : [1, 2.5] }");
    CHECK(v != NULL && qtro_value_type(v) == QTRO_TYPE_JSONOBJECT);
    char *text = qtro_value_get_json(v);
    CHECK(text != NULL && strcmp(text, "{\"a\":[1,2.5]}") == 0); /* compact, as Qt streams it */
    qtro_string_free(text);
    qtro_value_free(v);
    CHECK(qtro_value_new_json(QTRO_TYPE_JSONOBJECT, "[1]") == NULL);
    CHECK(qtro_value_new_json(QTRO_TYPE_JSONARRAY, "not json") == NULL);
    v = qtro_value_new_json(QTRO_TYPE_JSONVALUE, "undefined");
    text = qtro_value_get_json(v);
    CHECK(strcmp(text, "undefined") == 0);
    qtro_string_free(text);
    qtro_value_free(v);
    v = qtro_value_new_json(QTRO_TYPE_JSONDOCUMENT, "null");
    text = qtro_value_get_json(v);
    CHECK(strcmp(text, "null") == 0);
    qtro_string_free(text);
    qtro_value_free(v);
    const uint8_t cbor42[2] = {0x18, 0x2a};
    v = qtro_value_new_cbor(QTRO_TYPE_CBORVALUE, cbor42, 2);
    CHECK(qtro_value_type(v) == QTRO_TYPE_CBORVALUE);
    const uint8_t *cb;
    size_t cb_len;
    CHECK_OK(qtro_value_get_cbor(v, &cb, &cb_len));
    CHECK(cb_len == 2 && cb[1] == 0x2a);
    /* exactly the bytes stock Qt writes for QVariant(QCborValue(42)) on a big-endian stream */
    uint8_t *ds;
    size_t ds_len;
    CHECK_OK(qtro_value_to_datastream(v, QTRO_DIALECT_QT6, &ds, &ds_len));
    const uint8_t qt[] = {0, 0, 0, 0x35, 0, 0, 0, 0, 2, 0x18, 0x2a};
    CHECK(ds_len == sizeof qt && memcmp(ds, qt, sizeof qt) == 0);
    qtro_value *from = qtro_value_from_datastream(ds, ds_len, QTRO_DIALECT_QT6);
    CHECK(from != NULL && qtro_value_equal(from, v));
    qtro_value_free(from);
    qtro_bytes_free(ds, ds_len);
    qtro_value_free(v);
    CHECK(qtro_value_from_datastream(qt, sizeof qt - 1, QTRO_DIALECT_QT6) == NULL);

    v = qtro_value_new_from_fields(QTRO_TYPE_PEN, "{\"style\":81}");
    CHECK(v == NULL); /* every field is required */
    CHECK(strstr(qtro_last_error_message(), "fields") != NULL);
}

int main(void) {
    check_version();
    check_scalars();
    check_strings();
    check_dates_and_geometry();
    check_containers();
    check_gui();
    check_text();
    check_null_arguments();
    printf("test_values: ok\n");
    return 0;
}
