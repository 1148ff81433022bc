//! Normalization of C++ type names the way `QMetaObject::normalizedType` and moc do it, used to
//! spell the types of the API lists (`add(int,int)`) as a Qt host publishes them.
//!
//! Covered: whitespace removal, `const T&`/`const T` by value → `T`, `T&` → `T&`, `T const` and
//! `T *const` forms, the builtin spellings (Qt 6: `unsigned int` → `uint`, `long long` →
//! `qlonglong`, ...; Qt 5.15 only rewrites `unsigned [int]` and `unsigned long`), Qt 6's
//! `QVector<` → `QList<` and `QPair<` → `std::pair<`, Qt 5's `> >`. The implementation is a flat
//! scan (no recursion), so arbitrarily nested templates are safe.
//!
//! # Example
//!
//! Parameter types as a .rep file spells them, normalized as moc of Qt 6 and of Qt 5.15 does:
//!
//! ```
//! use qtro_rs::core::Dialect;
//! use qtro_rs::core::names::signature;
//! use qtro_rs::core::typename::{normalize_type, normalize_type_for};
//!
//! assert_eq!(normalize_type("const QString &"), "QString");
//! assert_eq!(normalize_type("QString &"), "QString&");
//! assert_eq!(normalize_type("QMap< QString , unsigned int >"), "QMap<QString,uint>");
//! assert_eq!(normalize_type("QVector<long long>"), "QList<qlonglong>");
//! assert_eq!(normalize_type("char const *"), "const char*");
//! // Qt 5 keeps `QVector` and `long long`, and spells nested template ends `> >`.
//! let qt5 = normalize_type_for("QVector<QList<long long>>", Dialect::Qt5);
//! assert_eq!(qt5, "QVector<QList<long long> >");
//!
//! let params = ["const int &", "int"].map(normalize_type);
//! assert_eq!(signature("add", &params), "add(int,int)");
//! ```

use crate::core::Dialect;

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// moc's whitespace pass: drop all whitespace except one space between two identifier
/// characters (and between `<` and `:` to avoid the `<:` digraph).
fn collapse_whitespace(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut last: Option<char> = None;
    let mut pending_space = false;
    for c in t.chars() {
        if c.is_whitespace() {
            pending_space = last.is_some();
            continue;
        }
        if pending_space {
            if let Some(l) = last {
                if (is_ident(c) && is_ident(l)) || (c == ':' && l == '<') {
                    out.push(' ');
                }
            }
            pending_space = false;
        }
        out.push(c);
        last = Some(c);
    }
    out
}

/// Replacement for a run of space-separated builtin words, if it is one.
fn builtin(words: &str, dialect: Dialect) -> Option<&'static str> {
    if dialect == Dialect::Qt5 {
        return match words {
            "unsigned" | "unsigned int" => Some("uint"),
            "unsigned long" => Some("ulong"),
            _ => None,
        };
    }
    Some(match words {
        "unsigned" | "unsigned int" => "uint",
        "unsigned long" | "unsigned long int" => "ulong",
        "unsigned short" | "unsigned short int" => "ushort",
        "unsigned char" => "uchar",
        "unsigned long long" | "unsigned long long int" => "qulonglong",
        "long long" | "long long int" | "signed long long" | "signed long long int" => "qlonglong",
        "signed" | "signed int" => "int",
        "signed long" | "long int" | "signed long int" => "long",
        "signed short" | "short int" | "signed short int" => "short",
        _ => return None,
    })
}

/// Rewrites every maximal run of words separated by single spaces (`const unsigned int`),
/// replacing builtin spellings and the renamed Qt containers.
fn rewrite_words(s: &str, dialect: Dialect) -> String {
    let chars: Vec<char> = s.chars().collect();
    let word_char = |c: char| is_ident(c) || c == ':';
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !word_char(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Collect "w1 w2 w3" (collapse_whitespace left single spaces only between words).
        let start = i;
        while i < chars.len()
            && (word_char(chars[i]) || (chars[i] == ' ' && i + 1 < chars.len() && word_char(chars[i + 1])))
        {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let (constness, rest) = match run.strip_prefix("const ") {
            Some(rest) => ("const ", rest),
            None => ("", run.as_str()),
        };
        out.push_str(constness);
        let qt6_template = dialect == Dialect::Qt6 && chars.get(i) == Some(&'<');
        match (builtin(rest, dialect), rest) {
            (Some(b), _) => out.push_str(b),
            (None, "QVector") if qt6_template => out.push_str("QList"),
            (None, "QPair") if qt6_template => out.push_str("std::pair"),
            _ => out.push_str(rest),
        }
    }
    out
}

/// Normalizes a C++ type name like moc of Qt 6.
pub fn normalize_type(t: &str) -> String {
    normalize_type_for(t, Dialect::Qt6)
}

/// Normalizes a C++ type name like moc of the given Qt version.
pub fn normalize_type_for(t: &str, dialect: Dialect) -> String {
    let s = collapse_whitespace(t);
    let mut s = rewrite_words(&s, dialect);
    if dialect == Dialect::Qt5 {
        // Qt 5 spells nested template ends `> >`.
        s = s.replace(">>", "> >").replace(">>", "> >");
    }

    // Top-level qualifiers. A reference is only dropped together with a leading const.
    let mut is_const = false;
    let mut is_ref = false;
    if s.ends_with('&') && !s.ends_with("&&") {
        is_ref = true;
        s.pop();
    }
    if let Some(rest) = s.strip_suffix("const") {
        if rest.ends_with('*') {
            // `T *const`: Qt 6 drops the constness of the pointer itself, Qt 5 keeps it.
            if dialect == Dialect::Qt6 {
                s.truncate(rest.len());
            }
        } else if let Some(rest) = rest.strip_suffix(' ') {
            is_const = true;
            s.truncate(rest.len());
        }
    }
    if let Some(rest) = s.strip_prefix("const ") {
        is_const = true;
        s = rest.to_string();
    }
    // `char const*` → `const char*`
    if let Some(pos) = s.find(" const*") {
        if !s[..pos].contains(['<', '*']) {
            s = format!("const {}{}", &s[..pos], &s[pos + " const".len()..]);
        }
    }
    // By-value and const-reference parameters lose their constness; pointers to const keep
    // it, and so do non-const references their '&'.
    let is_pointer = s.ends_with('*');
    let mut r = if is_const && is_pointer { format!("const {s}") } else { s };
    if is_ref && (!is_const || is_pointer) {
        r.push('&');
    }
    r
}

#[cfg(test)]
mod tests {
    use super::{normalize_type, normalize_type_for};
    use crate::core::Dialect;

    /// Expected values were produced by `QMetaObject::normalizedType` of Qt 6.4.2.
    #[test]
    fn matches_qt6() {
        let cases = [
            ("int", "int"),
            ("const int", "int"),
            ("const int &", "int"),
            ("const QString &", "QString"),
            ("QString const &", "QString"),
            ("QString &", "QString&"),
            ("const QString", "QString"),
            ("QMap<QString, Point3>", "QMap<QString,Point3>"),
            ("QMap< QString , Point3 >", "QMap<QString,Point3>"),
            ("QList<QList<int>>", "QList<QList<int>>"),
            ("QList<QList<int> >", "QList<QList<int>>"),
            ("unsigned int", "uint"),
            ("unsigned", "uint"),
            ("signed int", "int"),
            ("unsigned long", "ulong"),
            ("unsigned short", "ushort"),
            ("unsigned char", "uchar"),
            ("signed char", "signed char"),
            ("long long", "qlonglong"),
            ("unsigned long long", "qulonglong"),
            ("long int", "long"),
            ("short int", "short"),
            ("const char *", "const char*"),
            ("const char*", "const char*"),
            ("char const *", "const char*"),
            ("QList<const QString &>", "QList<const QString&>"),
            ("std::string", "std::string"),
            ("Foo ::Bar", "Foo::Bar"),
            ("QVector<int>", "QList<int>"),
            ("QList< unsigned int >", "QList<uint>"),
            ("QPair<int,int>", "std::pair<int,int>"),
            ("QVariantMap", "QVariantMap"),
            ("QString*", "QString*"),
            ("const QList<int>&", "QList<int>"),
            ("T * const", "T*"),
            ("Rich::Color", "Rich::Color"),
            ("QList<Rich::Color>", "QList<Rich::Color>"),
            ("volatile int", "volatile int"),
            ("unsigned   int", "uint"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_type(input), expected, "input {input:?}");
        }
    }

    /// Expected values were produced by `QMetaObject::normalizedType` of Qt 5.15.8.
    #[test]
    fn matches_qt5() {
        let cases = [
            ("const QString &", "QString"),
            ("QString &", "QString&"),
            ("QMap< QString , Point3 >", "QMap<QString,Point3>"),
            ("QList<QList<int>>", "QList<QList<int> >"),
            ("QList<QList<QList<int>>>", "QList<QList<QList<int> > >"),
            ("unsigned int", "uint"),
            ("unsigned", "uint"),
            ("signed int", "signed int"),
            ("unsigned long", "ulong"),
            ("unsigned short", "unsigned short"),
            ("long long", "long long"),
            ("char const *", "const char*"),
            ("QVector<int>", "QVector<int>"),
            ("QList< unsigned int >", "QList<uint>"),
            ("QPair<int,int>", "QPair<int,int>"),
            ("const QList<int>&", "QList<int>"),
            ("T * const", "T*const"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_type_for(input, Dialect::Qt5), expected, "input {input:?}");
        }
    }

    #[test]
    fn deep_nesting_is_fine() {
        let t = format!("{}int{}", "QList<".repeat(50_000), ">".repeat(50_000));
        assert_eq!(normalize_type(&t).len(), t.len());
    }
}
