//! Rust identifiers for .rep names.

use std::collections::HashSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct", "trait",
    "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `name` usable as a Rust identifier: keywords become raw identifiers, `self`-like words get a
/// trailing underscore.
pub(crate) fn ident(name: &str) -> String {
    match name {
        "self" | "Self" | "super" | "crate" | "_" => format!("{name}_"),
        n if KEYWORDS.contains(&n) => format!("r#{n}"),
        n => n.to_owned(),
    }
}

/// Splits `currState`, `HTTPServer`, `state_changed2` into lowercase words.
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `currState` → `curr_state`.
pub(crate) fn snake(name: &str) -> String {
    let w = words(name);
    if w.is_empty() {
        return "x".into();
    }
    let s = w.join("_");
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// `curr_state` / `currState` → `CurrState`.
pub(crate) fn camel(name: &str) -> String {
    let mut s: String = words(name)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'X');
    }
    s
}

/// A type name: kept when it already is UpperCamelCase (`Point3`, `KA`), converted otherwise.
pub(crate) fn type_name(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        name.to_owned()
    } else {
        camel(name)
    }
}

/// A parameter or field name: `__repc_variable_3` (repc's name for an unnamed one) becomes
/// `<unnamed>3`, others are snake_cased.
pub(crate) fn member(name: &str, unnamed: &str) -> String {
    match name.strip_prefix("__repc_variable_") {
        Some(n) => format!("{unnamed}{n}"),
        None => ident(&snake(name)),
    }
}

/// Hands out names unique within one scope (a trait, an impl block, an enum).
#[derive(Default)]
pub(crate) struct Names {
    used: HashSet<String>,
}

impl Names {
    pub(crate) fn new(reserved: &[&str]) -> Self {
        Names { used: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// `base`, or `base` with a suffix if it is taken.
    pub(crate) fn claim(&mut self, base: String) -> String {
        if self.used.insert(base.clone()) {
            return base;
        }
        let sep = if base.ends_with(|c: char| c.is_ascii_digit())
            || base.contains('_')
            || base.starts_with(char::is_lowercase)
        {
            "_"
        } else {
            ""
        };
        (2..)
            .map(|n| format!("{base}{sep}{n}"))
            .find(|candidate| self.used.insert(candidate.clone()))
            .expect("an unused name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(snake("currState"), "curr_state");
        assert_eq!(snake("anchorsNoSpace"), "anchors_no_space");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("stateChanged2"), "state_changed2");
        assert_eq!(snake("server_slot"), "server_slot");
        assert_eq!(snake("Alpha"), "alpha");
        assert_eq!(camel("server_slot"), "ServerSlot");
        assert_eq!(camel("stateChanged2"), "StateChanged2");
        assert_eq!(type_name("Point3"), "Point3");
        assert_eq!(type_name("my_pod"), "MyPod");
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("self"), "self_");
        assert_eq!(member("__repc_variable_2", "arg"), "arg2");
        let mut n = Names::new(&["state"]);
        assert_eq!(n.claim("state".into()), "state_2");
        assert_eq!(n.claim("Fired".into()), "Fired");
        assert_eq!(n.claim("Fired".into()), "Fired2");
    }
}
