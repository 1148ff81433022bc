//! How Qt Remote Objects names the members it derives from a property, and how a member's
//! signature is spelled: the one home of these rules for every layer (class builders, `.rep`
//! API lists, generated code, the `qtro` tool).
//!
//! repc gives every non-CONSTANT property `p` a notify signal `pChanged(T)` and every READPUSH
//! property a slot `pushP(T)` (repc's `cap()`: the first character upper-cased). The rule is the
//! same in Qt 6 and Qt 5.15; only the spelling of `T` differs ([`typename`](super::typename)).
//!
//! ```
//! use qtro_rs::core::names::{member_name, notify_signal, push_slot, signature};
//!
//! assert_eq!(notify_signal("value"), "valueChanged");
//! assert_eq!(push_slot("value"), "pushValue");
//! assert_eq!(signature(&push_slot("value"), &["int"]), "pushValue(int)");
//! assert_eq!(member_name("add(int,int)"), "add");
//! ```

/// `"value"` → `"Value"`: the first character upper-cased (repc's `cap()`).
pub fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The name of property `property`'s notify signal: `<property>Changed`.
pub fn notify_signal(property: &str) -> String {
    format!("{property}Changed")
}

/// The name of the slot through which replicas push a READPUSH property: `push<Property>`.
pub fn push_slot(property: &str) -> String {
    format!("push{}", capitalize(property))
}

/// The signature `name(T1,T2)` of a member with the given (normalized) parameter types.
pub fn signature<T: AsRef<str>>(name: &str, param_types: &[T]) -> String {
    let mut s = String::with_capacity(name.len() + 2 + param_types.iter().map(|t| t.as_ref().len() + 1).sum::<usize>());
    s.push_str(name);
    s.push('(');
    for (i, t) in param_types.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(t.as_ref());
    }
    s.push(')');
    s
}

/// The member name of a signature: `add(int,int)` → `add` (the whole text if it has no `(`).
pub fn member_name(signature: &str) -> &str {
    signature.split('(').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_member_names() {
        assert_eq!(capitalize(""), "");
        assert_eq!(capitalize("x"), "X");
        assert_eq!(capitalize("ärger"), "Ärger");
        assert_eq!(push_slot("currState"), "pushCurrState");
        assert_eq!(push_slot("_x"), "push_x");
        assert_eq!(notify_signal("currState"), "currStateChanged");
    }

    #[test]
    fn signatures() {
        assert_eq!(signature::<&str>("reset", &[]), "reset()");
        assert_eq!(signature("f", &["QMap<QString,int>".to_owned(), "bool".to_owned()]), "f(QMap<QString,int>,bool)");
        assert_eq!(member_name("reset()"), "reset");
        assert_eq!(member_name("name"), "name");
    }
}
