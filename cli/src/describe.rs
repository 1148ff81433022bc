//! `qtro describe`: an interface as text, JSON, or a `.rep` file.
//!
//! The wire definition a dynamic replica receives has the member lists with types and names, but
//! not everything repc hashes into the class signature: READWRITE vs READONLY properties and
//! `const T &` parameters look the same. The .rep rendering therefore tries the combinations (up
//! to a bound) and keeps the one whose repc signature equals the source's, so a replica generated
//! from the printed file is accepted by the source.

use serde_json::json;

use qtro_rs::core::classdef::ClassDefinition;
use qtro_rs::core::names::{member_name, push_slot, signature};
use qtro_rs::core::{Builtin, Dialect, Value};
use qtro_rs::node::parameter_types;
use qtro_rs::rep::{self, Modifier};
use qtro_rs::text::{self as value, TypeContext};

use super::json;

pub struct Description {
    pub name: String,
    pub url: String,
    pub registry: Option<String>,
    pub dialect: Dialect,
    /// Signature the host advertises.
    pub signature: Option<String>,
    pub definition: ClassDefinition,
    pub values: Vec<Value>,
    pub ctx: TypeContext,
    /// Learned by a dynamic replica (else from a .rep class).
    pub dynamic: bool,
}

/// Index of the push slot of property `p`.
fn push_of(def: &ClassDefinition, p: usize) -> Option<usize> {
    let prop = &def.properties[p];
    let sig = signature(&push_slot(&prop.name), &[&prop.type_name]);
    def.methods.iter().position(|m| m.signature == sig)
}

/// The property whose notify signal is signal `s`.
fn notify_of(def: &ClassDefinition, s: usize) -> Option<usize> {
    let sig = &def.signals[s].signature;
    def.properties.iter().position(|p| p.notify_signal.as_deref() == Some(sig.as_str()))
}

/// The property a method pushes.
fn pushed_by(def: &ClassDefinition, m: usize) -> Option<usize> {
    (0..def.properties.len()).find(|&p| push_of(def, p) == Some(m))
}

fn params(signature: &str, names: &[String]) -> Vec<(String, String)> {
    parameter_types(signature)
        .into_iter()
        .enumerate()
        .map(|(i, t)| (names.get(i).cloned().unwrap_or_default(), t))
        .collect()
}

fn param_text(ps: &[(String, String)]) -> String {
    ps.iter().map(|(n, t)| if n.is_empty() { t.clone() } else { format!("{t} {n}") }).collect::<Vec<_>>().join(", ")
}

fn header(d: &Description) -> String {
    let def = &d.definition;
    let mut parts = Vec::new();
    parts.push(format!("type {}", def.type_name.as_deref().filter(|t| !t.is_empty()).unwrap_or("-")));
    parts.push(format!("signature {}", d.signature.as_deref().filter(|t| !t.is_empty()).unwrap_or("-")));
    parts.push(format!("at {}", d.url));
    if let Some(r) = &d.registry {
        parts.push(format!("via registry {r}"));
    }
    parts.push(match d.dialect {
        Dialect::Qt6 => "Qt 6".into(),
        Dialect::Qt5 => "Qt 5".into(),
    });
    format!("{} ({})", d.name, parts.join(", "))
}

pub fn render_text(d: &Description) -> String {
    let def = &d.definition;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(header(d));
    if !def.enums.is_empty() {
        line("enums:".into());
        for e in &def.enums {
            let keys: Vec<String> = e.keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let kind = if e.is_flag { "flag " } else { "" };
            line(format!("  {kind}{} {{ {} }}", e.name, keys.join(", ")));
        }
    }
    let gadgets: Vec<_> = def.gadgets.gadgets.iter().filter(|g| !g.properties.is_empty()).collect();
    if !gadgets.is_empty() {
        line("types:".into());
        for g in gadgets {
            let fields: Vec<String> = g.properties.iter().map(|(n, t)| format!("{t} {n}")).collect();
            line(format!("  {} {{ {} }}", g.name, fields.join(", ")));
        }
    }
    let rows: Vec<(String, String)> = def
        .properties
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let v = d.values.get(i).cloned().unwrap_or(Value::Invalid);
            let left =
                format!("  [{i}] {} {} = {}", p.type_name, p.name, value::format(&v, Some(&p.type_name), &d.ctx));
            let note = match (&p.notify_signal, push_of(def, i)) {
                (None, _) => "constant".to_owned(),
                (Some(_), Some(m)) => format!("push: {}", member_name(&def.methods[m].signature)),
                (Some(_), None) => String::new(),
            };
            (left, note)
        })
        .collect();
    let signals: Vec<(String, String)> = def
        .signals
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let text = format!(
                "  [{i}] {}({})",
                member_name(&s.signature),
                param_text(&params(&s.signature, &s.parameter_names))
            );
            (text, notify_of(def, i).map(|p| format!("notify: {}", def.properties[p].name)).unwrap_or_default())
        })
        .collect();
    let slots: Vec<(String, String)> = def
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let ret = if m.return_type.is_empty() { "void" } else { &m.return_type };
            let text = format!(
                "  [{i}] {ret} {}({})",
                member_name(&m.signature),
                param_text(&params(&m.signature, &m.parameter_names))
            );
            (text, pushed_by(def, i).map(|p| format!("push: {}", def.properties[p].name)).unwrap_or_default())
        })
        .collect();
    let width = rows.iter().chain(&signals).chain(&slots).map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    let mut section = |title: &str, rows: &[(String, String)]| {
        line(format!("{title}:"));
        for (l, n) in rows {
            if n.is_empty() {
                line(l.clone());
            } else {
                line(format!("{l:width$}  ({n})"));
            }
        }
    };
    section("properties", &rows);
    section("signals", &signals);
    section("slots", &slots);
    out
}

fn params_json(ps: &[(String, String)]) -> serde_json::Value {
    ps.iter().map(|(n, t)| json!({"name": n, "type": t})).collect()
}

pub fn render_json(d: &Description) -> serde_json::Value {
    let def = &d.definition;
    json!({
        "name": d.name,
        "type": def.type_name,
        "signature": d.signature,
        "url": d.url,
        "registry": d.registry,
        "dialect": super::dialect_name(d.dialect),
        "dynamic": d.dynamic,
        "enums": def.enums.iter().map(|e| json!({
            "name": e.name, "flag": e.is_flag, "scoped": e.is_scoped, "size": e.size,
            "keys": e.keys.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<_, _>>(),
        })).collect::<Vec<_>>(),
        "types": def.gadgets.gadgets.iter().filter(|g| !g.properties.is_empty()).map(|g| json!({
            "name": g.name,
            "fields": g.properties.iter().map(|(n, t)| json!({"name": n, "type": t})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "properties": def.properties.iter().enumerate().map(|(i, p)| {
            let v = d.values.get(i).cloned().unwrap_or(Value::Invalid);
            json!({
                "index": i, "name": p.name, "type": p.type_name, "notify": p.notify_signal,
                "constant": p.notify_signal.is_none(),
                "push": push_of(def, i).map(|m| member_name(&def.methods[m].signature).to_owned()),
                "value": json::to_json(&v, &d.ctx),
                "text": value::format(&v, Some(&p.type_name), &d.ctx),
            })
        }).collect::<Vec<_>>(),
        "signals": def.signals.iter().enumerate().map(|(i, s)| json!({
            "index": i, "name": member_name(&s.signature), "signature": s.signature,
            "parameters": params_json(&params(&s.signature, &s.parameter_names)),
            "notify": notify_of(def, i).map(|p| def.properties[p].name.clone()),
        })).collect::<Vec<_>>(),
        "slots": def.methods.iter().enumerate().map(|(i, m)| json!({
            "index": i, "name": member_name(&m.signature), "signature": m.signature,
            "returnType": if m.return_type.is_empty() { "void" } else { m.return_type.as_str() },
            "parameters": params_json(&params(&m.signature, &m.parameter_names)),
            "push": pushed_by(def, i).map(|p| def.properties[p].name.clone()),
        })).collect::<Vec<_>>(),
    })
}

// ---- .rep ---------------------------------------------------------------------------------

/// Parameters as (name, type).
type Params = Vec<(String, String)>;

/// The class as .rep text, with one choice of the facts the wire does not carry.
struct RepModel {
    class_name: String,
    /// (name, type as written, default, has notify, push)
    props: Vec<(String, String, Option<String>, bool, bool)>,
    enums: Vec<String>,
    pods: Vec<String>,
    /// (name, params)
    signals: Vec<(String, Params)>,
    /// (return type, name, params)
    slots: Vec<(String, String, Params)>,
}

fn is_scalar(ty: &str, ctx: &TypeContext) -> bool {
    use Builtin::*;
    ctx.enum_for(ty).is_some()
        || matches!(
            Builtin::from_name(ty),
            Some(
                Bool | Int
                    | UInt
                    | LongLong
                    | ULongLong
                    | Double
                    | Long
                    | Short
                    | Char
                    | ULong
                    | UShort
                    | UChar
                    | Float
                    | SChar
                    | Char16
                    | Char32
                    | QChar
            )
        )
}

impl RepModel {
    fn build(d: &Description) -> RepModel {
        let def = &d.definition;
        let class_name = def.type_name.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| d.name.clone());
        let class_enum = |ty: &str| -> Option<String> {
            let last = ty.rsplit("::").next().unwrap_or(ty);
            def.enums.iter().find(|e| e.name == last).map(|e| e.name.clone())
        };
        let rep_type = |ty: &str| class_enum(ty).unwrap_or_else(|| ty.to_owned());
        let props = def
            .properties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let v = d.values.get(i).cloned().unwrap_or(Value::Invalid);
                (
                    p.name.clone(),
                    rep_type(&p.type_name),
                    default_text(&v, &p.type_name, d),
                    p.notify_signal.is_some(),
                    push_of(def, i).is_some(),
                )
            })
            .collect();
        let enums = def
            .enums
            .iter()
            .map(|e| {
                let keys: Vec<String> = e.keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                let underlying = match e.size {
                    1 => " : quint8",
                    2 => " : quint16",
                    8 => " : quint64",
                    _ => "",
                };
                format!(
                    "ENUM {}{}{underlying} {{{}}}",
                    if e.is_scoped { "class " } else { "" },
                    e.name,
                    keys.join(", ")
                )
            })
            .collect();
        let pods = def
            .gadgets
            .gadgets
            .iter()
            .filter(|g| !g.properties.is_empty())
            .map(|g| {
                let fields: Vec<String> = g.properties.iter().map(|(n, t)| format!("{t} {n}")).collect();
                format!("POD {}({})", g.name, fields.join(", "))
            })
            .collect();
        let signals = def
            .signals
            .iter()
            .enumerate()
            .filter(|(i, _)| notify_of(def, *i).is_none())
            .map(|(_, s)| {
                (
                    member_name(&s.signature).to_owned(),
                    params(&s.signature, &s.parameter_names).into_iter().map(|(n, t)| (n, rep_type(&t))).collect(),
                )
            })
            .collect();
        let slots = def
            .methods
            .iter()
            .enumerate()
            .filter(|(i, _)| pushed_by(def, *i).is_none())
            .map(|(_, m)| {
                let ret = if m.return_type.is_empty() { "void".to_owned() } else { rep_type(&m.return_type) };
                (
                    ret,
                    member_name(&m.signature).to_owned(),
                    params(&m.signature, &m.parameter_names).into_iter().map(|(n, t)| (n, rep_type(&t))).collect(),
                )
            })
            .collect();
        RepModel { class_name, props, enums, pods, signals, slots }
    }

    /// Properties whose modifier the wire does not tell (a notify signal, no push slot).
    fn open_props(&self) -> Vec<usize> {
        self.props.iter().enumerate().filter(|(_, p)| p.3 && !p.4).map(|(i, _)| i).collect()
    }

    fn render(&self, modifiers: &[Modifier], const_refs: bool, ctx: &TypeContext, header: &[String]) -> String {
        let mut out = String::new();
        for h in header {
            out.push_str(&format!("// {h}\n"));
        }
        if !header.is_empty() {
            out.push('\n');
        }
        for p in &self.pods {
            out.push_str(p);
            out.push('\n');
        }
        if !self.pods.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("class {}\n{{\n", self.class_name));
        for e in &self.enums {
            out.push_str(&format!("    {e}\n"));
        }
        for (i, (name, ty, default, _, _)) in self.props.iter().enumerate() {
            let mut text = format!("{ty} {name}");
            if let Some(d) = default {
                text.push_str(&format!(" = {d}"));
            }
            if modifiers[i] != Modifier::ReadPush {
                text.push(' ');
                text.push_str(modifiers[i].keyword());
            }
            out.push_str(&format!("    PROP({text})\n"));
        }
        let param = |(n, t): &(String, String)| {
            let ty = if const_refs && !is_scalar(t, ctx) { format!("const {t} &") } else { t.clone() };
            if n.is_empty() {
                ty
            } else if ty.ends_with('&') {
                format!("{ty}{n}")
            } else {
                format!("{ty} {n}")
            }
        };
        for (name, ps) in &self.signals {
            out.push_str(&format!("    SIGNAL({name}({}))\n", ps.iter().map(param).collect::<Vec<_>>().join(", ")));
        }
        for (ret, name, ps) in &self.slots {
            out.push_str(&format!("    SLOT({ret} {name}({}))\n", ps.iter().map(param).collect::<Vec<_>>().join(", ")));
        }
        out.push_str("}\n");
        out
    }
}

/// A property's current value as a .rep default expression, when it has a plain literal form.
fn default_text(v: &Value, ty: &str, d: &Description) -> Option<String> {
    if let Some(e) = d.ctx.enum_for(ty) {
        let i = v.as_i64()?;
        let key = e.keys.iter().find(|(_, x)| *x == i)?;
        return Some(format!("{}::{}", e.name.rsplit("::").next().unwrap_or(&e.name), key.0));
    }
    match v.without_null_flag() {
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(_)
        | Value::UInt(_)
        | Value::LongLong(_)
        | Value::ULongLong(_)
        | Value::Short(_)
        | Value::UShort(_) => v.as_i64().map(|i| i.to_string()),
        Value::Double(f) if f.is_finite() => Some(format!("{f:?}")),
        Value::Float(f) if f.is_finite() => Some(format!("{f:?}")),
        Value::String(Some(s))
            if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || " _-.,:;!?+*/=@#%".contains(c)) =>
        {
            Some(format!("\"{s}\""))
        }
        _ => None,
    }
}

fn signature_of(text: &str, class: &str, dialect: Dialect) -> Option<String> {
    let file = rep::parse(text).ok()?;
    match dialect {
        Dialect::Qt6 => rep::signature_qt6(&file, class),
        Dialect::Qt5 => rep::signature_qt5(&file, class),
    }
}

/// Renders the interface as a .rep file that stock repc accepts (and `qtro_rs::rep::parse`).
pub fn render_rep(d: &Description) -> String {
    let model = RepModel::build(d);
    let base: Vec<Modifier> = model
        .props
        .iter()
        .map(|p| match (p.3, p.4) {
            (false, _) => Modifier::Constant,
            (true, true) => Modifier::ReadPush,
            (true, false) => Modifier::ReadWrite,
        })
        .collect();
    let open = model.open_props();
    let choices: &[Modifier] = match d.dialect {
        // READONLY and SOURCEONLYSETTER hash alike in repc 6.
        Dialect::Qt6 => &[Modifier::ReadWrite, Modifier::ReadOnly],
        Dialect::Qt5 => &[Modifier::ReadWrite, Modifier::ReadOnly, Modifier::SourceOnlySetter],
    };
    let wanted = d.signature.clone().filter(|s| !s.is_empty());
    let mut found: Option<(Vec<Modifier>, bool)> = None;
    if let Some(wanted) = &wanted {
        const MAX_TRIES: usize = 4096;
        let combos = choices.len().checked_pow(open.len() as u32).unwrap_or(usize::MAX).min(MAX_TRIES);
        'search: for const_refs in [false, true] {
            for mut n in 0..combos {
                let mut mods = base.clone();
                for &p in &open {
                    mods[p] = choices[n % choices.len()];
                    n /= choices.len();
                }
                let text = model.render(&mods, const_refs, &d.ctx, &[]);
                if signature_of(&text, &model.class_name, d.dialect).as_deref() == Some(wanted.as_str()) {
                    found = Some((mods, const_refs));
                    break 'search;
                }
            }
        }
    }
    let (mods, const_refs) = found.clone().unwrap_or((base, false));
    let body = model.render(&mods, const_refs, &d.ctx, &[]);
    let ours = signature_of(&body, &model.class_name, d.dialect).unwrap_or_default();
    let repc = match d.dialect {
        Dialect::Qt6 => "repc 6",
        Dialect::Qt5 => "repc 5.15",
    };
    let mut header = vec![format!(
        "Interface of {:?} at {}, learned by {} (qtro describe --format rep).",
        d.name,
        d.url,
        if d.dynamic { "a dynamic replica" } else { "a static replica" }
    )];
    match (&wanted, found.is_some()) {
        (Some(w), true) => header.push(format!("The source's signature {w} equals this file's {repc} signature.")),
        (Some(w), false) => {
            header.push(format!("The source's signature is {w}; this file's {repc} signature is {ours}."));
            header.push(
                "They differ: READWRITE vs READONLY and const& parameters cannot be learned from the wire.".into(),
            );
        }
        (None, _) => {
            header.push(format!("The source advertises no signature; this file's {repc} signature is {ours}."))
        }
    }
    model.render(&mods, const_refs, &d.ctx, &header)
}
