//! The text-level algorithms repc applies to the contents of `PROP(...)`, argument lists and
//! `SLOT` heads. They are re-implemented behaviour for behaviour (including oddities such as
//! `unsigned int x` becoming type `unsigned` named `intx`), because the class signature hashes
//! their output.

use super::ast::{Modifier, Param};
use super::error::ParseErrorKind;

/// Removes `//` comments and line breaks from a captured argument text (repc joins the lines
/// of a multi-line declaration without a separator).
pub(crate) fn strip_args(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.find("//").map_or(line, |i| &line[..i]);
        out.push_str(line);
    }
    out
}

/// Splits a comma-separated argument list (`const QString &a, QMap<int, int>, int b`) into
/// parameters: `const` and `&` become flags, whitespace inside `<>` is kept, unnamed
/// parameters are called `__repc_variable_<n>`.
pub(crate) fn parse_arguments(text: &str) -> Vec<Param> {
    let stripped = strip_args(text);
    let mut params = Vec::new();
    // A counter, not a stack: unbalanced '>' may drive it negative, as in repc.
    let mut depth: i64 = 0;
    let mut in_template = false;
    let mut in_variable = false;
    let mut ty = String::new();
    let mut var = String::new();
    let mut flags = 0u32;
    let mut unnamed = 0u32;
    for ch in stripped.chars() {
        match ch {
            '<' => {
                ty.push(ch);
                in_template = true;
                depth += 1;
            }
            '>' => {
                ty.push(ch);
                depth -= 1;
                if depth == 0 {
                    in_template = false;
                }
            }
            c if c.is_whitespace() => {
                if in_template {
                    ty.push(c);
                } else if !ty.is_empty() {
                    if ty == "const" {
                        ty.clear();
                        flags |= Param::CONST;
                    } else {
                        in_variable = true;
                    }
                }
            }
            '&' => flags |= Param::REFERENCE,
            ',' if !in_template => {
                params.push(make_param(&var, &ty, &mut unnamed, flags));
                ty.clear();
                var.clear();
                flags = 0;
                in_variable = false;
            }
            c => {
                if in_variable {
                    var.push(c);
                } else {
                    ty.push(c);
                }
            }
        }
    }
    if !ty.is_empty() {
        params.push(make_param(&var, &ty, &mut unnamed, flags));
    }
    params
}

fn make_param(var: &str, ty: &str, unnamed: &mut u32, flags: u32) -> Param {
    let name = if var.is_empty() {
        *unnamed += 1;
        format!("__repc_variable_{unnamed}")
    } else {
        var.trim().to_string()
    };
    Param { type_name: ty.to_string(), name, flags }
}

/// The result of [`parse_property`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PropDecl {
    pub type_name: String,
    pub name: String,
    pub default_value: Option<String>,
    pub modifier: Modifier,
    pub persisted: bool,
}

/// Parses the text between the parentheses of `PROP(...)`:
/// `Type name [= default] [MODIFIER[, PERSISTED]]`.
pub(crate) fn parse_property(decl: &str) -> Result<PropDecl, ParseErrorKind> {
    let stripped = strip_args(decl);
    let input = stripped.trim();

    // The type runs up to the first whitespace outside template brackets.
    let mut ty = String::new();
    let mut depth: i64 = 0;
    let mut in_template = false;
    let mut name_index = None;
    for (i, ch) in input.char_indices() {
        match ch {
            '<' => {
                ty.push(ch);
                in_template = true;
                depth += 1;
            }
            '>' => {
                ty.push(ch);
                depth -= 1;
                if depth == 0 {
                    in_template = false;
                }
            }
            c if c.is_whitespace() => {
                if !in_template {
                    name_index = Some(i);
                    break;
                }
                ty.push(c);
            }
            c => ty.push(c),
        }
    }
    let Some(name_index) = name_index else {
        return Err(ParseErrorKind::InvalidProperty(decl.trim().to_string()));
    };

    let rest = input[name_index..].trim();
    let mut default = String::new();
    let mut modifier = Modifier::ReadPush;
    let mut persisted = false;
    let name;
    if let Some(eq) = rest.find('=') {
        name = rest[..eq].trim().to_string();
        let mut value = rest[eq + 1..].trim();
        // A quoted default runs to the *last* quote, so it may contain spaces.
        if let Some(q) = value.rfind('"') {
            default = value[..=q].to_string();
            value = &value[q + 1..];
        }
        if let Some((ws, len)) = find_whitespace(value) {
            if default.is_empty() {
                default = value[..ws].trim().to_string();
            }
            (modifier, persisted) = parse_modifier(value[ws + len..].trim())?;
        } else if default.is_empty() {
            default = value.to_string();
        }
    } else if let Some((ws, len)) = find_whitespace(rest) {
        name = rest[..ws].trim().to_string();
        (modifier, persisted) = parse_modifier(rest[ws + len..].trim())?;
    } else {
        name = rest.to_string();
    }

    Ok(PropDecl { type_name: ty, name, default_value: (!default.is_empty()).then_some(default), modifier, persisted })
}

/// Byte index and byte length of the first whitespace character.
fn find_whitespace(s: &str) -> Option<(usize, usize)> {
    s.char_indices().find(|(_, c)| c.is_whitespace()).map(|(i, c)| (i, c.len_utf8()))
}

/// `READONLY`, `READONLY, PERSISTED`, `READONLY, CONSTANT`, ... → (modifier, persisted).
fn parse_modifier(flag: &str) -> Result<(Modifier, bool), ParseErrorKind> {
    let mut parts: Vec<&str> = flag.split(',').map(str::trim).collect();
    let before = parts.len();
    parts.retain(|p| *p != "PERSISTED");
    let persisted = parts.len() != before;
    let modifier = match parts.as_slice() {
        [] => Modifier::ReadPush,
        [one] => match *one {
            "READONLY" => Modifier::ReadOnly,
            "CONSTANT" => Modifier::Constant,
            "READPUSH" => Modifier::ReadPush,
            "READWRITE" => Modifier::ReadWrite,
            "SOURCEONLYSETTER" => Modifier::SourceOnlySetter,
            _ => return Err(ParseErrorKind::UnknownModifier(flag.to_string())),
        },
        [a, b] if (*a == "READONLY" && *b == "CONSTANT") || (*a == "CONSTANT" && *b == "READONLY") => {
            Modifier::Constant
        }
        _ => return Err(ParseErrorKind::ModifierCombination(flag.to_string())),
    };
    Ok((modifier, persisted))
}

/// Splits the head of `SLOT(ReturnType name(...))` at its last space. Returns
/// `(return_type, name, void_was_implied)`; a head without any space gets `void`.
pub(crate) fn split_slot_head(head: &str) -> (String, String, bool) {
    let head = head.trim();
    let implied = !head.contains(' ');
    let owned;
    let head = if implied {
        owned = format!("void {head}");
        owned.as_str()
    } else {
        head
    };
    // Only U+0020 counts here (not tabs), exactly like repc.
    let last = head.rfind(' ').unwrap_or(0);
    (head[..last].to_string(), head[last + 1..].to_string(), implied)
}

/// Converts an enum value literal the way repc does (`QString::toInt`): decimal, negative
/// decimal or `0x` hex; anything that does not fit a 32-bit `int` becomes 0.
pub(crate) fn enum_value(literal: &str) -> i32 {
    let parsed = if let Some(hex) = literal.strip_prefix("0x").or_else(|| literal.strip_prefix("0X")) {
        i64::from_str_radix(hex, 16).ok()
    } else {
        literal.parse::<i64>().ok()
    };
    parsed.and_then(|v| i32::try_from(v).ok()).unwrap_or(0)
}

/// `QString::toLatin1`: characters above U+00FF become `?` (one per UTF-16 unit).
pub(crate) fn latin1(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match u8::try_from(u32::from(c)) {
            Ok(b) => out.push(b),
            Err(_) => out.resize(out.len() + c.len_utf16(), b'?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(ty: &str, name: &str, flags: u32) -> Param {
        Param { type_name: ty.into(), name: name.into(), flags }
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse_arguments("const QString &s, QMap<QString, Point3> m, int"),
            vec![p("QString", "s", 3), p("QMap<QString, Point3>", "m", 0), p("int", "__repc_variable_1", 0)]
        );
        assert_eq!(
            parse_arguments("int, int b, double"),
            vec![p("int", "__repc_variable_1", 0), p("int", "b", 0), p("double", "__repc_variable_2", 0)]
        );
        // repc oddities kept on purpose.
        assert_eq!(parse_arguments("unsigned int u"), vec![p("unsigned", "intu", 0)]);
        assert_eq!(parse_arguments("QString& s"), vec![p("QString", "s", 2)]);
        assert_eq!(parse_arguments("int a // c\n , int b"), vec![p("int", "a", 0), p("int", "b", 0)]);
        assert!(parse_arguments("").is_empty());
    }

    #[test]
    fn property() {
        let d = parse_property("QString title = \"a kid\" READONLY, PERSISTED").unwrap();
        assert_eq!(d.type_name, "QString");
        assert_eq!(d.name, "title");
        assert_eq!(d.default_value.as_deref(), Some("\"a kid\""));
        assert_eq!(d.modifier, Modifier::ReadOnly);
        assert!(d.persisted);
        let d = parse_property("Color c = Color::Green READWRITE").unwrap();
        assert_eq!(d.default_value.as_deref(), Some("Color::Green"));
        assert_eq!(d.modifier, Modifier::ReadWrite);
        let d = parse_property("QMap<QString, int> m READONLY, CONSTANT").unwrap();
        assert_eq!(d.type_name, "QMap<QString, int>");
        assert_eq!(d.modifier, Modifier::Constant);
        let d = parse_property("int x PERSISTED").unwrap();
        assert_eq!((d.modifier, d.persisted), (Modifier::ReadPush, true));
        assert_eq!(parse_property("int"), Err(ParseErrorKind::InvalidProperty("int".into())));
        assert_eq!(
            parse_property("int x READONLY PERSISTED"),
            Err(ParseErrorKind::UnknownModifier("READONLY PERSISTED".into()))
        );
        assert_eq!(
            parse_property("int x READONLY, READWRITE"),
            Err(ParseErrorKind::ModifierCombination("READONLY, READWRITE".into()))
        );
    }

    #[test]
    fn slot_head() {
        assert_eq!(split_slot_head("int add"), ("int".into(), "add".into(), false));
        assert_eq!(split_slot_head("reset"), ("void".into(), "reset".into(), true));
        assert_eq!(split_slot_head("QMap<QString, int> get"), ("QMap<QString, int>".into(), "get".into(), false));
        // Two spaces: repc keeps the trailing one in the return type.
        assert_eq!(split_slot_head("int  f"), ("int ".into(), "f".into(), false));
    }

    #[test]
    fn enum_values() {
        assert_eq!(enum_value("0x10"), 16);
        assert_eq!(enum_value("0XfF"), 255);
        assert_eq!(enum_value("0xFFFFFFFF"), 0);
        assert_eq!(enum_value("-2147483648"), i32::MIN);
        assert_eq!(enum_value("99999999999"), 0);
        assert_eq!(enum_value("99999999999999999999999"), 0);
    }

    #[test]
    fn latin1_conversion() {
        // '€' is one UTF-16 unit, the emoji two.
        assert_eq!(latin1("aé€😀"), vec![b'a', 0xe9, b'?', b'?', b'?']);
    }
}
