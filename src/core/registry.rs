//! The registry: an ordinary source named `Registry` mapping source names to host URLs.
//!
//! This module knows its fixed API, the per-dialect encodings of locations, and the table logic a
//! registry host runs ([`RegistryTable`]); the host and client cores carry its packets like any
//! other source's.
//!
//! # Example
//!
//! A registry host's table following Qt's rules, fed the `addSource` calls of two hosts:
//!
//! ```
//! use qtro_rs::core::registry::{self, Location, RegistryChange, RegistryTable};
//! use qtro_rs::core::Dialect;
//!
//! let at = |url: &str| Location {
//!     name: "Counter".into(),
//!     type_name: "Counter".into(),
//!     url: url.into(),
//! };
//! let add_source = |loc: &Location| [registry::location_value(Dialect::Qt6, loc)];
//! let mut table = RegistryTable::default();
//!
//! // Connection 1 registers `Counter`: the registry emits remoteObjectAdded.
//! let first = at("tcp://127.0.0.1:5000");
//! let change = table.invoked(1, registry::METHOD_ADD_SOURCE, &add_source(&first));
//! assert_eq!(change, Some(RegistryChange::Added(first.clone())));
//! // The first registration of a name wins.
//! let second = at("tcp://127.0.0.1:6000");
//! assert_eq!(table.invoked(2, registry::METHOD_ADD_SOURCE, &add_source(&second)), None);
//! // When connection 1 closes, what it registered goes, without a signal.
//! assert_eq!(table.disconnected(1), Some(RegistryChange::Dropped(vec![first])));
//! assert_eq!(table.locations().count(), 0);
//! ```

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::connection::ConnectionId;
use super::dialect::Dialect;
use super::source::{ClassBuilder, PropertyMode, SourceClass};
use super::value::{Assoc, Struct, Value};

/// The registry's source name (and type name).
pub const NAME: &str = "Registry";
/// `addSource(QRemoteObjectSourceLocation)`.
pub const METHOD_ADD_SOURCE: usize = 0;
/// `removeSource(QRemoteObjectSourceLocation)`.
pub const METHOD_REMOVE_SOURCE: usize = 1;
/// `removeServer(QUrl)` — only ever called locally by Qt's registry host.
pub const METHOD_REMOVE_SERVER: usize = 2;
/// `remoteObjectAdded(QRemoteObjectSourceLocation)`.
pub const SIGNAL_ADDED: usize = 0;
/// `remoteObjectRemoved(QRemoteObjectSourceLocation)`.
pub const SIGNAL_REMOVED: usize = 1;

const INFO: &str = "QRemoteObjectSourceLocationInfo";

/// Where a source lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// The source name.
    pub name: String,
    /// The source's class type name.
    pub type_name: String,
    /// The URL of the host node serving it, e.g. `tcp://127.0.0.1:65213`.
    pub url: String,
}

/// The user type name of one location.
pub fn location_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "std::pair<QString,QRemoteObjectSourceLocationInfo>",
        Dialect::Qt5 => "QRemoteObjectSourceLocation",
    }
}

/// The user type name of the location table.
pub fn table_type(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Qt6 => "QHash<QString,QRemoteObjectSourceLocationInfo>",
        Dialect::Qt5 => "QRemoteObjectSourceLocations",
    }
}

fn info_value(loc: &Location) -> Value {
    Value::Struct(Struct {
        type_name: INFO.into(),
        fields: vec![Value::string(&loc.type_name), Value::Url(loc.url.clone())],
    })
}

/// A location as the argument of addSource/removeSource and the registry signals.
pub fn location_value(dialect: Dialect, loc: &Location) -> Value {
    Value::Struct(Struct {
        type_name: location_type(dialect).into(),
        fields: vec![Value::string(&loc.name), info_value(loc)],
    })
}

/// The `sourceLocations` property value.
pub fn table_value<'a>(dialect: Dialect, locs: impl IntoIterator<Item = &'a Location>) -> Value {
    Value::Assoc(Assoc {
        type_name: table_type(dialect).into(),
        entries: locs.into_iter().map(|l| (Value::string(&l.name), info_value(l))).collect(),
    })
}

fn parse_info(name: String, info: &Value) -> Option<Location> {
    let Value::Struct(s) = info.without_null_flag() else { return None };
    match s.fields.as_slice() {
        [t, Value::Url(url)] => Some(Location { name, type_name: t.as_str()?.to_owned(), url: url.clone() }),
        _ => None,
    }
}

/// Reads a location value (either dialect's type name).
pub fn parse_location(v: &Value) -> Option<Location> {
    let Value::Struct(s) = v.without_null_flag() else { return None };
    match s.fields.as_slice() {
        [name, info] => parse_info(name.as_str()?.to_owned(), info),
        _ => None,
    }
}

/// Reads the location table.
pub fn parse_table(v: &Value) -> Vec<Location> {
    let Value::Assoc(a) = v.without_null_flag() else { return Vec::new() };
    a.entries.iter().filter_map(|(k, info)| parse_info(k.as_str()?.to_owned(), info)).collect()
}

/// The Registry source's class: one property without a notify signal, two signals, three slots,
/// no signature (so static Qt replicas accept it).
pub fn registry_class(dialect: Dialect) -> SourceClass {
    let loc = location_type(dialect);
    ClassBuilder::new(NAME)
        .property("sourceLocations", table_type(dialect), PropertyMode::Constant, table_value(dialect, &[]))
        .signal("remoteObjectAdded", &[("", loc)])
        .signal("remoteObjectRemoved", &[("", loc)])
        .slot("addSource", &[("", loc)], "void")
        .slot("removeSource", &[("", loc)], "void")
        .slot("removeServer", &[("", "QUrl")], "void")
        .build()
}

/// What the registry host must broadcast after handling a call.
///
/// `#[non_exhaustive]`: new kinds of change may be added.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryChange {
    /// A source was registered: emit `remoteObjectAdded`.
    Added(Location),
    /// A source was unregistered: emit `remoteObjectRemoved`.
    Removed(Location),
    /// The table changed without a signal (a registering host went away).
    Dropped(Vec<Location>),
}

/// The registry host's table, with Qt's rules: first registration of a name wins; removal needs
/// name and URL to match; when a registering connection drops, its entries go silently.
#[derive(Debug, Default)]
pub struct RegistryTable {
    entries: BTreeMap<String, Location>,
    conn_urls: HashMap<ConnectionId, String>,
}

impl RegistryTable {
    /// The registered locations, by name.
    pub fn locations(&self) -> impl Iterator<Item = &Location> {
        self.entries.values()
    }

    /// Handles a slot call on the Registry source.
    pub fn invoked(&mut self, conn: ConnectionId, method: usize, args: &[Value]) -> Option<RegistryChange> {
        match method {
            METHOD_ADD_SOURCE | METHOD_REMOVE_SOURCE => {
                let loc = args.first().and_then(parse_location)?;
                // Qt remembers the URL of the first registry call on each connection.
                self.conn_urls.entry(conn).or_insert_with(|| loc.url.clone());
                if method == METHOD_ADD_SOURCE {
                    if self.entries.contains_key(&loc.name) {
                        tracing::warn!(name = loc.name, "registry: name already registered; ignoring");
                        return None;
                    }
                    self.entries.insert(loc.name.clone(), loc.clone());
                    Some(RegistryChange::Added(loc))
                } else {
                    match self.entries.get(&loc.name) {
                        Some(e) if e.url == loc.url => {
                            self.entries.remove(&loc.name);
                            Some(RegistryChange::Removed(loc))
                        }
                        _ => None,
                    }
                }
            }
            METHOD_REMOVE_SERVER => {
                let Some(Value::Url(url)) = args.first().map(Value::without_null_flag) else { return None };
                self.drop_url(url)
            }
            _ => None,
        }
    }

    /// A connection closed: forget what it registered (no signal, as in Qt).
    pub fn disconnected(&mut self, conn: ConnectionId) -> Option<RegistryChange> {
        let url = self.conn_urls.remove(&conn)?;
        self.drop_url(&url)
    }

    fn drop_url(&mut self, url: &str) -> Option<RegistryChange> {
        let gone: Vec<Location> = self.entries.values().filter(|l| l.url == url).cloned().collect();
        if gone.is_empty() {
            return None;
        }
        self.entries.retain(|_, l| l.url != url);
        Some(RegistryChange::Dropped(gone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(name: &str, url: &str) -> Location {
        Location { name: name.into(), type_name: name.into(), url: url.into() }
    }

    #[test]
    fn locations_round_trip_through_values() {
        for d in [Dialect::Qt6, Dialect::Qt5] {
            let l = loc("Simple", "tcp://127.0.0.1:1");
            assert_eq!(parse_location(&location_value(d, &l)), Some(l.clone()));
            assert_eq!(parse_table(&table_value(d, [&l])), vec![l]);
        }
    }

    #[test]
    fn table_follows_qt_rules() {
        let mut t = RegistryTable::default();
        let a = loc("A", "tcp://h:1");
        let arg = |l: &Location| [location_value(Dialect::Qt6, l)];
        assert_eq!(t.invoked(1, METHOD_ADD_SOURCE, &arg(&a)), Some(RegistryChange::Added(a.clone())));
        assert_eq!(t.invoked(2, METHOD_ADD_SOURCE, &arg(&loc("A", "tcp://other:2"))), None, "first wins");
        assert_eq!(t.invoked(2, METHOD_REMOVE_SOURCE, &arg(&loc("A", "tcp://other:2"))), None, "url must match");
        assert_eq!(t.disconnected(1), Some(RegistryChange::Dropped(vec![a])));
        assert_eq!(t.locations().count(), 0);
    }

    #[test]
    fn registry_class_has_qt_indexes() {
        let c = registry_class(Dialect::Qt6);
        assert_eq!(c.method_index("addSource"), Some(METHOD_ADD_SOURCE));
        assert_eq!(c.method_index("removeSource"), Some(METHOD_REMOVE_SOURCE));
        assert_eq!(c.signal_index("remoteObjectAdded"), Some(SIGNAL_ADDED));
        assert_eq!(c.signal_index("remoteObjectRemoved"), Some(SIGNAL_REMOVED));
        assert_eq!(c.notify_index, [None]);
    }
}
