//! The names of an interface's members, made once per definition for the events and calls of
//! a replica or source.

use crate::core::ClassDefinition;
use crate::node::events::Name;

/// Which method a call is for.
pub(crate) enum MethodRef<'a> {
    Index(usize),
    /// A name, or a full signature such as `add(int,int)`.
    Name(&'a str),
}

/// Names of an interface's members, made once per definition instead of once per event.
pub(super) struct MemberNames {
    pub(super) properties: Vec<Name>,
    /// Signal names without their parameter lists.
    pub(super) signals: Vec<Name>,
    /// Method names without their parameter lists.
    pub(super) methods: Vec<Name>,
    /// Per method: parameter types (arguments are converted to them) and whether a reply is
    /// expected (non-void return).
    pub(super) method_params: Vec<Vec<String>>,
    pub(super) method_replies: Vec<bool>,
    pub(super) method_returns: Vec<Name>,
}

impl MemberNames {
    pub(super) fn of(def: &ClassDefinition) -> MemberNames {
        let short = |sig: &str| Name::interned(crate::core::names::member_name(sig));
        MemberNames {
            properties: def.properties.iter().map(|p| Name::interned(&p.name)).collect(),
            signals: def.signals.iter().map(|s| short(&s.signature)).collect(),
            methods: def.methods.iter().map(|m| short(&m.signature)).collect(),
            method_params: def.methods.iter().map(|m| crate::core::typename::parameter_types(&m.signature)).collect(),
            method_replies: def.methods.iter().map(|m| !m.return_type.is_empty() && m.return_type != "void").collect(),
            method_returns: def.methods.iter().map(|m| Name::interned(&m.return_type)).collect(),
        }
    }

    /// The method `slot` names: a full signature, else a name whose parameter count matches
    /// `argc`, else the first method of that name.
    pub(super) fn find_method(&self, def: &ClassDefinition, slot: &str, argc: usize) -> Option<usize> {
        def.methods
            .iter()
            .position(|m| m.signature == slot)
            .or_else(|| {
                (0..self.methods.len()).find(|&i| self.methods[i] == slot && self.method_params[i].len() == argc)
            })
            .or_else(|| self.methods.iter().position(|n| *n == slot))
    }

    pub(super) fn get(list: &[Name], index: usize) -> Name {
        list.get(index).cloned().unwrap_or_default()
    }
}
