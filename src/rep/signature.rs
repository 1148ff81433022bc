//! Class signatures as computed by repc (class-definition-and-signature.md §7 for Qt 6, §8 for
//! Qt 5.15): the 40-hex-digit SHA-1 stored in the `"RemoteObject Signature"` class-info.

use std::collections::HashMap;

use sha1::{Digest, Sha1};

use super::ast::{Class, Decl, Enum, Function, Modifier, PropertyKind, RepFile};
use super::repc::latin1;

fn sha1_hex(data: &[u8]) -> String {
    let digest = Sha1::digest(data);
    let mut hex = String::with_capacity(40);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// Bytes repc hashes for an enum: name, `class` if scoped, the underlying type text (Qt 6
/// only), then every key name followed by its decimal value.
fn enum_data(e: &Enum, with_qt6_extras: bool) -> Vec<u8> {
    let mut d = latin1(&e.name);
    if with_qt6_extras {
        if e.scoped {
            d.extend_from_slice(b"class");
        }
        if let Some(t) = &e.underlying_type {
            d.extend(latin1(t));
        }
    }
    for k in &e.keys {
        d.extend(latin1(&k.name));
        d.extend_from_slice(k.value.to_string().as_bytes());
    }
    d
}

/// Whitespace as PCRE's `\s` sees it (ASCII only, vertical tab included).
fn is_pcre_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// repc 6's table of type signatures (`name` → 40 hex chars), filled in file order.
#[derive(Default)]
struct Qt6Table {
    sigs: HashMap<String, String>,
}

impl Qt6Table {
    /// `typeData` of §7: templates are split into their words, each word is looked up as
    /// `scope::word`, then `word`, then with its leading qualifiers stripped.
    fn type_data(&self, ty: &str, scope: &str, out: &mut Vec<u8>) {
        if ty.contains('<') {
            for word in ty.split(|c| matches!(c, '<' | '>' | ',') || is_pcre_space(c)) {
                if !word.is_empty() {
                    self.simple_type_data(word, scope, out);
                }
            }
        } else {
            self.simple_type_data(ty, scope, out);
        }
    }

    fn simple_type_data(&self, mut ty: &str, scope: &str, out: &mut Vec<u8>) {
        loop {
            if !scope.is_empty() {
                if let Some(sig) = self.sigs.get(&format!("{scope}::{ty}")) {
                    out.extend_from_slice(sig.as_bytes());
                    return;
                }
            }
            if let Some(sig) = self.sigs.get(ty) {
                out.extend_from_slice(sig.as_bytes());
                return;
            }
            match ty.rfind("::") {
                Some(pos) if pos > 0 => ty = &ty[pos + 2..],
                _ => {
                    out.extend(latin1(ty));
                    return;
                }
            }
        }
    }

    fn functions_data(&self, functions: &[Function], scope: &str, out: &mut Vec<u8>) {
        for f in functions {
            out.extend(latin1(&f.name));
            for p in &f.params {
                out.extend(latin1(&p.name));
                self.type_data(&p.type_name, scope, out);
                out.extend_from_slice(&p.flags.to_le_bytes());
            }
            self.type_data(&f.return_type, scope, out);
        }
    }

    fn add(&mut self, key: String, data: &[u8]) {
        self.sigs.insert(key, sha1_hex(data));
    }

    fn add_flag(&mut self, key: String, name: &str, enum_name: &str, scope: &str) {
        let mut d = latin1(name);
        self.type_data(enum_name, scope, &mut d);
        self.add(key, &d);
    }

    fn add_class(&mut self, class: &Class) -> String {
        let c = class.name.as_str();
        for e in &class.enums {
            self.add(format!("{c}::{}", e.name), &enum_data(e, true));
        }
        for f in &class.flags {
            self.add_flag(format!("{c}::{}", f.name), &f.name, &f.enum_name, c);
        }
        let mut models = Vec::new();
        for p in &class.properties {
            if let PropertyKind::Model { roles } = &p.kind {
                let mut sorted: Vec<Vec<u8>> = roles.iter().map(|r| latin1(r)).collect();
                sorted.sort();
                self.add(format!("{c}::{}", p.name), &sorted.join(&b'_'));
                models.push(p.name.as_str());
            }
        }

        let mut d = latin1(c);
        // repc recognizes model properties by their type text and takes the n-th MODEL's
        // signature for the n-th such property.
        let mut model_index = 0;
        for p in &class.properties {
            d.extend(latin1(&p.name));
            if p.type_name == "QAbstractItemModel" {
                if let Some(sig) = models.get(model_index).and_then(|m| self.sigs.get(&format!("{c}::{m}"))) {
                    d.extend_from_slice(sig.as_bytes());
                }
                model_index += 1;
            } else if p.kind == PropertyKind::Class {
                // Signature of the child class, empty if not defined (yet).
                if let Some(sig) = self.sigs.get(&p.type_name) {
                    d.extend_from_slice(sig.as_bytes());
                }
            } else {
                self.type_data(&p.type_name, c, &mut d);
            }
            // SOURCEONLYSETTER hashes like READONLY (interface-wise they are the same).
            let code = match p.modifier {
                Modifier::SourceOnlySetter => Modifier::ReadOnly,
                m => m,
            }
            .repc_code();
            d.extend_from_slice(&code.to_le_bytes());
        }
        self.functions_data(&class.signals, c, &mut d);
        self.functions_data(&class.slots, c, &mut d);
        let sig = sha1_hex(&d);
        self.sigs.insert(c.to_string(), sig.clone());
        sig
    }
}

/// Qt 6 signatures of every class of the file, in file order: `(class name, signature)`.
pub fn signatures_qt6(file: &RepFile) -> Vec<(String, String)> {
    let mut table = Qt6Table::default();
    let mut out = Vec::new();
    for decl in file.declarations() {
        match decl {
            Decl::Enum(i) => {
                if let Some(e) = file.enums.get(i) {
                    table.add(e.name.clone(), &enum_data(e, true));
                }
            }
            Decl::Flag(i) => {
                if let Some(f) = file.flags.get(i) {
                    table.add_flag(f.name.clone(), &f.name, &f.enum_name, "");
                }
            }
            Decl::Pod(i) => {
                let Some(pod) = file.pods.get(i) else {
                    continue;
                };
                let p = pod.name.as_str();
                // POD enums are registered without scope, POD flags with it.
                for e in &pod.enums {
                    table.add(e.name.clone(), &enum_data(e, true));
                }
                for f in &pod.flags {
                    table.add_flag(format!("{p}::{}", f.name), &f.name, &f.enum_name, p);
                }
                let mut d = latin1(p);
                for a in &pod.attributes {
                    d.extend(latin1(&a.name));
                    table.type_data(&a.type_name, p, &mut d);
                }
                table.add(p.to_string(), &d);
            }
            Decl::Class(i) => {
                if let Some(class) = file.classes.get(i) {
                    out.push((class.name.clone(), table.add_class(class)));
                }
            }
            Decl::Preprocessor(_) | Decl::UseEnum(_) => {}
        }
    }
    out
}

/// The signature repc 6.x (6.4 … 6.8) stores for `class_name`, as 40 lowercase hex digits;
/// `None` if the file has no such class.
pub fn signature_qt6(file: &RepFile, class_name: &str) -> Option<String> {
    signatures_qt6(file).into_iter().find(|(n, _)| n == class_name).map(|(_, s)| s)
}

/// repc 5.15's lookup table of *raw* (unhashed) type descriptions.
struct Qt5Table<'a> {
    global: HashMap<&'a str, Vec<u8>>,
}

impl Qt5Table<'_> {
    /// `typeData` of §8: exact lookup (class enums first), then strip leading qualifiers.
    /// Templates are not split.
    fn type_data(&self, mut ty: &str, local: &HashMap<&str, Vec<u8>>, out: &mut Vec<u8>) {
        loop {
            if let Some(d) = local.get(ty).or_else(|| self.global.get(ty)) {
                out.extend_from_slice(d);
                return;
            }
            match ty.rfind("::") {
                Some(pos) if pos > 0 => ty = &ty[pos + 2..],
                _ => {
                    out.extend(latin1(ty));
                    return;
                }
            }
        }
    }

    fn functions_data(&self, fs: &[Function], local: &HashMap<&str, Vec<u8>>, out: &mut Vec<u8>) {
        for f in fs {
            out.extend(latin1(&f.name));
            for p in &f.params {
                out.extend(latin1(&p.name));
                self.type_data(&p.type_name, local, out);
                out.extend_from_slice(&p.flags.to_le_bytes());
            }
            self.type_data(&f.return_type, local, out);
        }
    }
}

/// Qt 5.15 signatures of every class of the file, in file order.
///
/// repc 5.15 registers all global enums first, then the PODs in order, then walks the classes
/// in order; each class's enums stay in its table afterwards and are visible to later
/// classes. Constructs that 5.15 does not know (see [`RepFile::is_qt5_compatible`]) are
/// hashed as far as the 5.15 algorithm goes, but the real tool would reject such a file.
pub fn signatures_qt5(file: &RepFile) -> Vec<(String, String)> {
    let mut table = Qt5Table { global: HashMap::new() };
    for e in &file.enums {
        table.global.insert(&e.name, enum_data(e, false));
    }
    let empty = HashMap::new();
    for pod in &file.pods {
        let mut d = latin1(&pod.name);
        for a in &pod.attributes {
            d.extend(latin1(&a.name));
            table.type_data(&a.type_name, &empty, &mut d);
        }
        table.global.insert(&pod.name, d);
    }
    let mut out = Vec::new();
    for class in &file.classes {
        let local: HashMap<&str, Vec<u8>> =
            class.enums.iter().map(|e| (e.name.as_str(), enum_data(e, false))).collect();
        let mut d = latin1(&class.name);
        for p in &class.properties {
            d.extend(latin1(&p.name));
            table.type_data(&p.type_name, &local, &mut d);
            d.extend_from_slice(&p.modifier.repc_code().to_le_bytes());
        }
        table.functions_data(&class.signals, &local, &mut d);
        table.functions_data(&class.slots, &local, &mut d);
        out.push((class.name.clone(), sha1_hex(&d)));
        table.global.extend(local);
    }
    out
}

/// The signature repc 5.15 stores for `class_name`; `None` if the file has no such class.
pub fn signature_qt5(file: &RepFile, class_name: &str) -> Option<String> {
    signatures_qt5(file).into_iter().find(|(n, _)| n == class_name).map(|(_, s)| s)
}
