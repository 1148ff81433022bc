//! Sans-IO host: the sources a node shares and every connection accepted for them.
//!
//! The driver feeds received bytes with [`HostCore::receive`], writes out what
//! [`HostCore::take_output`] returns, and handles [`HostEvent`]s (slot calls to answer with
//! [`HostCore::reply`]). Source changes ([`HostCore::set_property`], [`HostCore::emit_signal`])
//! queue packets for every listening connection.
//!
//! # Example
//!
//! A host and a [`ClientCore`](super::ClientCore) joined in memory by one connection: the
//! replica is initialized with the source's values, and a `push<Prop>` call from it changes the
//! source.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//!
//! use qtro_rs::core::{ClassBuilder, ClientCore, Dialect, HostCore, HostEvent, Limits, PropertyMode, ReplicaKind, ReplicaState, Value};
//!
//! /// Moves bytes both ways over connection 1 until neither side has any to send.
//! fn pump(host: &mut HostCore, client: &mut ClientCore, now: Instant) {
//!     let mut moved = true;
//!     while moved {
//!         moved = false;
//!         while let Some(bytes) = host.take_output(1) {
//!             client.receive(1, &bytes, now);
//!             moved = true;
//!         }
//!         while let Some(bytes) = client.take_output(1) {
//!             host.receive(1, &bytes);
//!             moved = true;
//!         }
//!     }
//! }
//!
//! let class = Arc::new(ClassBuilder::new("Counter").property("count", "int", PropertyMode::ReadPush, Value::Int(0)).build());
//! let mut host = HostCore::new(Dialect::Qt6, Limits::DEFAULT);
//! host.enable("Counter", class.clone(), vec![Value::Int(5)])?;
//!
//! let now = Instant::now();
//! let mut client = ClientCore::new(Dialect::Qt6, Limits::DEFAULT);
//! client.acquire("Counter", ReplicaKind::Static(class), now);
//! host.accept(1);
//! client.connected(1);
//! pump(&mut host, &mut client, now);
//! let replica = client.replica("Counter").expect("acquired");
//! assert_eq!((replica.state, replica.values.as_slice()), (ReplicaState::Valid, &[Value::Int(5)][..]));
//!
//! // Method 0 is `pushCount(int)`: the host applies it and sends the new value back.
//! client.call("Counter", 0, vec![Value::Int(7)], false, now)?;
//! pump(&mut host, &mut client, now);
//! let events: Vec<HostEvent> = std::iter::from_fn(|| host.poll_event()).collect();
//! assert!(events.iter().any(|e| matches!(e, HostEvent::PropertyWritten { property: 0, value: Value::Int(7), .. })), "{events:?}");
//! assert_eq!(host.values("Counter"), Some(&[Value::Int(7)][..]));
//! assert_eq!(client.replica("Counter").expect("acquired").values, [Value::Int(7)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::BytesMut;

use super::classdef::{ClassDefinition, EmbeddedDefinition, GadgetDef, GadgetSection};
pub use super::connection::ConnectionId;
use super::connection::{sealed::Sealed, Core, LinkState, Role};
use super::convert::{convert, convert_args, ArgumentError, ClassTypes, TypeMismatch};
use super::dialect::Dialect;
use super::error::{DecodeError, EncodeError};
use super::packet::{call, ObjectInfo, Packet};
use super::source::SourceClass;
use super::stream::Output;
use super::types::{TypeDesc, TypeLookup};
use super::value::{ObjectKind, RemoteObject, Value};

mod recv;
mod size;

pub(crate) use size::size_bound;
use size::{bulk_size, init_budget, is_large};

/// What the application must know or do, from [`HostCore::poll_event`].
///
/// `#[non_exhaustive]`: new events may be added; ignore the ones you do not handle.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HostEvent {
    /// A replica called a declared slot. If `serial_id` is `Some`, answer with
    /// [`HostCore::reply`] (with [`Value::Invalid`] for `void`).
    Invoked {
        /// The connection the call came on.
        conn: ConnectionId,
        /// The source called.
        source: String,
        /// The slot's position among the declared slots ([`SourceClass::slot_params`]).
        slot: usize,
        /// The method's API index ([`ClassDefinition::methods`]).
        method: usize,
        /// The arguments, already given the slot's parameter types.
        args: Vec<Value>,
        /// The serial to pass to [`HostCore::reply`]; `None` when the caller wants no reply.
        serial_id: Option<i32>,
    },
    /// A replica changed a property (WriteProperty or `push<Prop>`); already applied and broadcast.
    PropertyWritten {
        /// The connection the write came on.
        conn: ConnectionId,
        /// The source written.
        source: String,
        /// The property's index.
        property: usize,
        /// Its new value.
        value: Value,
    },
    /// A replica acquired a source on this connection.
    Acquired {
        /// The connection.
        conn: ConnectionId,
        /// The source acquired.
        source: String,
        /// Whether the replica is dynamic (it was sent the class definition).
        dynamic: bool,
    },
    /// A replica released it.
    Released {
        /// The connection.
        conn: ConnectionId,
        /// The source released.
        source: String,
    },
    /// A packet asked for something that does not exist or cannot be done; it was ignored.
    Rejected {
        /// The connection the packet came on.
        conn: ConnectionId,
        /// What was refused and why.
        reason: String,
    },
    /// The connection sent bytes that cannot be decoded: close it.
    ProtocolError {
        /// The connection to close.
        conn: ConnectionId,
        /// What could not be decoded.
        error: DecodeError,
    },
}

/// Why a host operation failed.
///
/// `#[non_exhaustive]`: new variants may be added.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// No source of this name is enabled.
    #[error("no source named {0:?} is enabled")]
    UnknownSource(String),
    /// A source of this name is enabled already.
    #[error("a source named {0:?} is already enabled")]
    DuplicateSource(String),
    /// A property or signal index the source's class does not have.
    #[error("source {object:?} has no {what} with index {index}")]
    BadIndex {
        /// The source.
        object: String,
        /// `"property"` or `"signal"`.
        what: &'static str,
        /// The index given.
        index: usize,
    },
    /// Arguments that do not fit the declared parameters (count or types).
    #[error("{what} of {object:?}: {error}")]
    Arguments {
        /// The source.
        object: String,
        /// The signal's signature, e.g. `fired(int)`.
        what: String,
        /// Why the arguments do not fit.
        error: Box<ArgumentError>,
    },
    /// A value that cannot have the property's declared type.
    #[error("property {property:?} of {object:?}: {error}")]
    PropertyType {
        /// The source.
        object: String,
        /// The property's name.
        property: String,
        /// Why the value cannot have its type.
        error: Box<TypeMismatch>,
    },
    /// A source enabled with another number of initial values than its class has properties.
    #[error("source {object:?} needs {expected} initial values, {given} given")]
    ValueCount {
        /// The source.
        object: String,
        /// The class's number of properties.
        expected: usize,
        /// Values given.
        given: usize,
    },
    /// The change would make the source's InitPacket larger than the packet limit replicas
    /// accept ([`Limits::max_packet_size`]), so no replica could acquire it any more: refused.
    ///
    /// [`Limits::max_packet_size`]: super::Limits::max_packet_size
    #[error("property {property:?} of {object:?}: a value of up to {size} bytes would make the source's values {total} bytes, more than one packet may carry ({max} bytes)")]
    InitTooLarge {
        /// The source.
        object: String,
        /// The property's name.
        property: String,
        /// A bound of the new value's encoded size.
        size: usize,
        /// What all the source's values would take.
        total: usize,
        /// What they may take.
        max: usize,
    },
    /// A packet could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

struct HostedSource {
    class: Arc<SourceClass>,
    values: Vec<Value>,
    /// Connections that acquired this (root) source; children use their root's.
    listeners: Vec<ConnectionId>,
    /// The subset of listeners that acquired dynamically (they get child definitions).
    dynamic_listeners: Vec<ConnectionId>,
    /// For a child object: the source whose property it is.
    parent: Option<String>,
    /// Per property: the child source it points to (CLASS properties).
    children: Vec<Option<String>>,
    /// The name grandchildren are named after: the lookup name of a root, the property name of a
    /// child (Qt's rule).
    api_name: String,
    /// The definition sent to dynamic replicas, built on the first dynamic acquisition.
    dynamic_definition: Option<Arc<ClassDefinition>>,
    /// Per property: a bound on its value's encoded size ([`size_bound`]), and their sum: what
    /// the values of an InitPacket take, kept below the packet limit (see [`HostCore::set_property`]).
    sizes: Vec<usize>,
    values_size: usize,
}

impl HostedSource {
    fn new(class: Arc<SourceClass>, values: Vec<Value>, parent: Option<String>, api_name: String) -> Self {
        let n = values.len();
        let sizes: Vec<usize> = values.iter().map(size_bound).collect();
        HostedSource {
            values_size: sizes.iter().sum(),
            sizes,
            class,
            values,
            listeners: Vec::new(),
            dynamic_listeners: Vec::new(),
            parent,
            children: vec![None; n],
            api_name,
            dynamic_definition: None,
        }
    }
}

/// What a host holds besides its connections: the sources it shares. [`HostCore`] is the
/// [`Core`] in this role.
#[derive(Default)]
pub struct HostRole {
    sources: BTreeMap<String, HostedSource>,
    /// Reused buffer for packets encoded once and copied to every listener.
    scratch: BytesMut,
}

impl Sealed for HostRole {}

impl Role for HostRole {
    type Event = HostEvent;

    fn protocol_error(conn: ConnectionId, error: DecodeError) -> HostEvent {
        HostEvent::ProtocolError { conn, error }
    }
}

/// The sans-IO host: the sources a node shares and its connections to replicas (see the
/// [module documentation](self)). It performs no I/O and reads no clock.
pub type HostCore = Core<HostRole>;

impl Core<HostRole> {
    /// Starts serving a new connection: Handshake, then the list of sources.
    pub fn accept(&mut self, conn: ConnectionId) {
        self.open(conn, LinkState::Ready);
        let list = Packet::ObjectList(
            self.role
                .sources
                .iter()
                .filter(|(_, s)| s.parent.is_none())
                .map(|(n, s)| object_info(n, &s.class))
                .collect(),
        );
        // Names and signatures are plain strings: encoding cannot fail short of 4 GiB lengths.
        self.send(conn, &Packet::Handshake { version: self.dialect.protocol_version().into() });
        self.send(conn, &list);
    }

    /// Forgets a closed connection.
    pub fn disconnect(&mut self, conn: ConnectionId) {
        self.conns.remove(&conn);
        for s in self.role.sources.values_mut() {
            s.listeners.retain(|&c| c != conn);
            s.dynamic_listeners.retain(|&c| c != conn);
        }
    }

    /// The names of the enabled sources, child objects included.
    pub fn source_names(&self) -> impl Iterator<Item = &str> {
        self.role.sources.keys().map(String::as_str)
    }

    /// The class of `source`.
    pub fn class(&self, source: &str) -> Option<&Arc<SourceClass>> {
        self.role.sources.get(source).map(|s| &s.class)
    }

    /// The current property values of `source`.
    pub fn values(&self, source: &str) -> Option<&[Value]> {
        self.role.sources.get(source).map(|s| s.values.as_slice())
    }

    /// Connections that acquired `source` (for a child object: its root's).
    pub fn listeners(&self, source: &str) -> &[ConnectionId] {
        self.root(source).map_or(&[], |s| &s.listeners)
    }

    fn root(&self, source: &str) -> Option<&HostedSource> {
        root_in(&self.role.sources, source)
    }

    /// Makes property `property` of `parent` a child object (a .rep `CLASS`) with its own class
    /// and values, and announces it to the parent's replicas. Returns the child's source name,
    /// under which it is addressed (`Class::<Parent>::<prop>` in Qt 6, `Class::<prop>` in Qt 5).
    /// On a `.rep` `MODEL` property (type `QAbstractItemModel*`) the child is a model
    /// ([`HostCore::enable_model_child`]), named `Model::…` as Qt names it.
    pub fn enable_child(
        &mut self,
        parent: &str,
        property: usize,
        class: Arc<SourceClass>,
        values: Vec<Value>,
    ) -> Result<String, HostError> {
        let p = self.role.sources.get(parent).ok_or_else(|| HostError::UnknownSource(parent.into()))?;
        let prop = p.class.definition.properties.get(property).ok_or_else(|| HostError::BadIndex {
            object: parent.into(),
            what: "property",
            index: property,
        })?;
        class.definition.register_types(&mut self.types);
        let values = self.typed_values(&prop.name.clone(), &class, values)?;
        let p = &self.role.sources[parent];
        let name = if prop.type_name == MODEL_PROPERTY_TYPE {
            super::model::model_child_name(self.dialect, &p.api_name, &prop.name)
        } else {
            match self.dialect {
                Dialect::Qt6 => format!("Class::{}::{}", p.api_name, prop.name),
                Dialect::Qt5 => format!("Class::{}", prop.name),
            }
        };
        let api_name = prop.name.clone();
        if let Some(old) = p.children[property].clone() {
            self.remove_tree(&old);
        }
        self.role.sources.insert(name.clone(), HostedSource::new(class, values, Some(parent.into()), api_name));
        let p = self.role.sources.get_mut(parent).expect("checked");
        p.children[property] = Some(name.clone());
        self.broadcast_property(parent, property)?;
        Ok(name)
    }

    /// Makes the `.rep` `MODEL` property `property` of `parent` a model served with these roles
    /// (what Qt's source does when the property is set): the parent's replicas get a QRO_ of
    /// kind Model carrying the roles and names, and acquire nothing more. Returns the model's
    /// source name (`Model::<Parent>::<prop>` in Qt 6, `Model::<prop>` in Qt 5); its slot calls
    /// arrive as [`HostEvent::Invoked`] for that name.
    pub fn enable_model_child(
        &mut self,
        parent: &str,
        property: usize,
        available_roles: &[i32],
        role_names: &[(i32, bytes::Bytes)],
    ) -> Result<String, HostError> {
        let p = self.role.sources.get(parent).ok_or_else(|| HostError::UnknownSource(parent.into()))?;
        if p.class.definition.properties.get(property).map(|p| p.type_name.as_str()) != Some(MODEL_PROPERTY_TYPE) {
            return Err(HostError::BadIndex { object: parent.into(), what: "MODEL property", index: property });
        }
        let dialect = self.dialect;
        let class = Arc::new(super::model::adapter_class(dialect));
        let values = vec![
            super::model::types::roles_to_value(available_roles, dialect),
            super::model::types::role_names_to_value(role_names, dialect),
        ];
        self.enable_child(parent, property, class, values)
    }

    /// Unsets the `.rep` `MODEL` property `property` of `parent` (a repc source's
    /// `setTracks(nullptr)`): the model child stops being served and the parent's replicas get a
    /// null QRO_ of kind Model, as Qt sends it. Returns the name of the model that was served,
    /// if any.
    pub fn clear_model_child(&mut self, parent: &str, property: usize) -> Result<Option<String>, HostError> {
        let p = self.role.sources.get(parent).ok_or_else(|| HostError::UnknownSource(parent.into()))?;
        if p.class.definition.properties.get(property).map(|p| p.type_name.as_str()) != Some(MODEL_PROPERTY_TYPE) {
            return Err(HostError::BadIndex { object: parent.into(), what: "MODEL property", index: property });
        }
        let old = self.role.sources.get_mut(parent).expect("checked").children[property].take();
        if let Some(old) = &old {
            self.remove_tree(old);
        }
        self.broadcast_property(parent, property)?;
        Ok(old)
    }

    fn remove_tree(&mut self, name: &str) {
        if let Some(s) = self.role.sources.remove(name) {
            for c in s.children.into_iter().flatten() {
                self.remove_tree(&c);
            }
        }
    }

    /// The value of a property as it goes on the wire: a child object becomes a QRO_ carrying its
    /// values (and, for dynamic replicas, its definition).
    fn wire_value(&self, source: &str, index: usize, dynamic: bool, depth: u32) -> Value {
        let Some(s) = self.role.sources.get(source) else { return Value::Invalid };
        if s.class.definition.properties.get(index).is_some_and(|p| p.type_name == MODEL_PROPERTY_TYPE) {
            return self.model_wire_value(s, index);
        }
        match s.children.get(index) {
            Some(Some(child)) if depth < self.limits.max_depth => match self.role.sources.get(child) {
                Some(c) => Value::Remote(Box::new(RemoteObject {
                    name: Some(child.clone()),
                    type_name: c.class.definition.type_name.clone(),
                    kind: ObjectKind::Class,
                    definition: dynamic.then(|| EmbeddedDefinition::Class(c.class.definition.clone())),
                    is_null: false,
                    parameters: (0..c.values.len()).map(|i| self.wire_value(child, i, dynamic, depth + 1)).collect(),
                })),
                None => Value::Invalid,
            },
            _ => s.values.get(index).cloned().unwrap_or(Value::Invalid),
        }
    }

    /// A `.rep` `MODEL` property as Qt sends it: a QRO_ of kind Model named after Qt's scheme,
    /// never with a definition, carrying the adapter's roles and role names (the names typed
    /// `QHash<int,QByteArray>` in both dialects, as Qt 5.15 too sends them there), or null with
    /// no parameters while no model is set (verified against Qt 6.4 and 5.15).
    fn model_wire_value(&self, s: &HostedSource, index: usize) -> Value {
        let prop = &s.class.definition.properties[index].name;
        let child = s.children.get(index).and_then(|c| c.as_ref()).and_then(|c| Some((c, self.role.sources.get(c)?)));
        let (name, parameters) = match child {
            Some((name, c)) => {
                let mut values = c.values.clone();
                if let Some(Value::Assoc(names)) = values.get_mut(super::model::adapter::prop::ROLE_NAMES) {
                    names.type_name = "QHash<int,QByteArray>".into();
                }
                (name.clone(), values)
            }
            None => (super::model::model_child_name(self.dialect, &s.api_name, prop), Vec::new()),
        };
        Value::Remote(Box::new(RemoteObject {
            name: Some(name),
            type_name: Some(super::model::ADAPTER_TYPE.into()),
            kind: ObjectKind::Model,
            definition: None,
            is_null: parameters.is_empty(),
            parameters,
        }))
    }

    /// The definition as a Qt 6 host sends it to dynamic replicas: containers of gadgets are
    /// named `QtROSequentialContainer` / `QtROAssociativeContainer` in property types and in
    /// signal and method signatures (but, as in Qt, not in the properties' notify signatures).
    pub(crate) fn dynamic_definition(&self, def: &ClassDefinition) -> ClassDefinition {
        if self.dialect != Dialect::Qt6 {
            // Qt 5.15 sources list the gadgets too (a stock Qt 5 dynamic replica cannot decode a
            // POD it was not told about), but have no container wrappers to rename.
            let mut out = def.clone();
            if out.gadgets.gadgets.is_empty() && out.gadgets.qt_enums.is_empty() {
                out.gadgets = self.gadget_section(def);
            }
            return out;
        }
        let rename = |ty: &str| -> Option<&'static str> {
            match self.types.lookup(ty).as_deref()? {
                TypeDesc::Sequence { elem } if self.is_gadget(elem) => Some("QtROSequentialContainer"),
                TypeDesc::Assoc { value, .. } if self.is_gadget(value) => Some("QtROAssociativeContainer"),
                _ => None,
            }
        };
        let rewrite_sig = |sig: &str| -> String {
            let Some(open) = sig.find('(') else { return sig.to_owned() };
            let params = super::typename::parameter_types(sig);
            if !params.iter().any(|p| rename(p).is_some()) {
                return sig.to_owned();
            }
            let params: Vec<String> =
                params.iter().map(|p| rename(p).map_or_else(|| p.clone(), str::to_owned)).collect();
            format!("{}({})", &sig[..open], params.join(","))
        };
        let mut out = def.clone();
        if out.gadgets.gadgets.is_empty() && out.gadgets.qt_enums.is_empty() {
            out.gadgets = self.gadget_section(def);
        }
        for p in &mut out.properties {
            if let Some(r) = rename(&p.type_name) {
                p.type_name = r.to_owned();
            }
        }
        for sgn in &mut out.signals {
            sgn.signature = rewrite_sig(&sgn.signature);
        }
        for m in &mut out.methods {
            m.signature = rewrite_sig(&m.signature);
        }
        out
    }

    /// The gadgets (and Qt enums) the interface uses, from the registered types, so a Qt dynamic
    /// replica can decode them: what a Qt host derives from its meta-types.
    fn gadget_section(&self, def: &ClassDefinition) -> GadgetSection {
        let mut todo: Vec<String> = def.properties.iter().map(|p| p.type_name.clone()).collect();
        for sig in def.signals.iter().map(|s| &s.signature).chain(def.methods.iter().map(|m| &m.signature)) {
            todo.extend(super::typename::parameter_types(sig));
        }
        let mut section = GadgetSection::default();
        let mut seen = std::collections::HashSet::new();
        while let Some(ty) = todo.pop() {
            if !seen.insert(ty.clone()) || seen.len() > 1024 {
                continue;
            }
            match self.types.lookup(&ty).as_deref() {
                Some(TypeDesc::Gadget { fields }) => {
                    todo.extend(fields.iter().map(|(_, t)| t.clone()));
                    section.gadgets.push(GadgetDef { name: ty.clone(), properties: fields.clone(), enums: Vec::new() });
                }
                Some(TypeDesc::Sequence { elem }) => todo.push(elem.clone()),
                Some(TypeDesc::Assoc { key, value }) => todo.extend([key.clone(), value.clone()]),
                Some(TypeDesc::Struct { fields }) => todo.extend(fields.iter().cloned()),
                Some(TypeDesc::Enum { .. }) if ty.starts_with("Qt::") => section.qt_enums.push(ty.clone()),
                _ => {}
            }
        }
        section
    }

    fn is_gadget(&self, name: &str) -> bool {
        matches!(self.types.lookup(name).as_deref(), Some(TypeDesc::Gadget { .. }))
    }

    fn wire_values(&self, source: &str, dynamic: bool) -> Vec<Value> {
        let n = self.role.sources.get(source).map_or(0, |s| s.values.len());
        (0..n).map(|i| self.wire_value(source, i, dynamic, 0)).collect()
    }

    /// Shares a source under `name` and announces it on every connection.
    pub fn enable(&mut self, name: &str, class: Arc<SourceClass>, values: Vec<Value>) -> Result<(), HostError> {
        if self.role.sources.contains_key(name) {
            return Err(HostError::DuplicateSource(name.into()));
        }
        // The types the class's interface uses (its gadgets and enums) must decode and encode.
        class.definition.register_types(&mut self.types);
        let values = self.typed_values(name, &class, values)?;
        let info = Packet::ObjectList(vec![object_info(name, &class)]);
        let bytes = info.to_bytes(self.dialect)?;
        for (&id, c) in self.conns.iter_mut() {
            if c.out.extend(&bytes, &[]) {
                self.dirty.push(id);
            }
        }
        self.role.sources.insert(name.into(), HostedSource::new(class, values, None, name.into()));
        Ok(())
    }

    /// Shares an item model under `name` as Qt's `enableRemoting(model, name, roles)` does: a
    /// source of the adapter class ([`adapter_class`](super::model::adapter_class)), listed with
    /// type `QAbstractItemModelAdapter` and no signature, whose two properties hold the roles
    /// served and the role names. Its slot calls arrive as [`HostEvent::Invoked`]; answer them
    /// with a [`ModelServer`](super::model::ModelServer).
    pub fn enable_model(
        &mut self,
        name: &str,
        available_roles: &[i32],
        role_names: &[(i32, bytes::Bytes)],
    ) -> Result<(), HostError> {
        let dialect = self.dialect;
        let class = Arc::new(super::model::adapter_class(dialect));
        let values = vec![
            super::model::types::roles_to_value(available_roles, dialect),
            super::model::types::role_names_to_value(role_names, dialect),
        ];
        self.enable(name, class, values)
    }

    /// Stops sharing `name`; its listeners get RemoveObject.
    pub fn disable(&mut self, name: &str) -> Result<(), HostError> {
        match self.role.sources.get(name) {
            Some(s) if s.parent.is_none() => {}
            _ => return Err(HostError::UnknownSource(name.into())),
        }
        let s = self.role.sources.remove(name).expect("checked");
        for c in s.children.iter().flatten() {
            self.remove_tree(c);
        }
        let bytes = Packet::RemoveObject { name: name.into() }.to_bytes(self.dialect)?;
        for l in s.listeners {
            if let Some(c) = self.conns.get_mut(&l) {
                if c.out.extend(&bytes, &[]) {
                    self.dirty.push(l);
                }
            }
        }
        Ok(())
    }

    /// Sets a property; if the value changed, every listener gets PropertyChange + notify signal.
    /// Returns whether it changed.
    /// The value is first given the property's declared type ([`convert`](crate::core::convert())): a
    /// value that cannot have it is refused, nothing is stored or sent.
    pub fn set_property(&mut self, source: &str, index: usize, value: Value) -> Result<bool, HostError> {
        let Core { dialect, role: HostRole { sources, .. }, conns, dirty, types, limits, .. } = self;
        let s = sources.get_mut(source).ok_or_else(|| HostError::UnknownSource(source.into()))?;
        let prop = s.class.definition.properties.get(index).ok_or_else(|| HostError::BadIndex {
            object: source.into(),
            what: "property",
            index,
        })?;
        let value = if prop.type_name.ends_with('*') {
            value
        } else {
            let lookup = ClassTypes { types, enums: &s.class.definition.enums, to_replicas: true };
            convert(value, &prop.type_name, &lookup).map_err(|error| HostError::PropertyType {
                object: source.into(),
                property: prop.name.clone(),
                error: Box::new(error),
            })?
        };
        if s.values[index] == value {
            return Ok(false);
        }
        // No change may make the source unacquirable: its values must fit one InitPacket.
        let size = size_bound(&value);
        let total = s.values_size - s.sizes[index] + size;
        let max = init_budget(limits);
        if total > max && size > s.sizes[index] {
            return Err(HostError::InitTooLarge {
                object: source.into(),
                property: prop.name.clone(),
                size,
                total,
                max,
            });
        }
        let slot = &mut s.values[index];
        // The usual case, a plain property of a top-level source watched by one replica: the
        // pair is encoded from `value` straight into that replica's queue with this one lookup
        // (the general path below finds the source again for its root, value and listeners).
        // The value is stored only once it encoded.
        if let (None, None | Some(None), Some(signal), [only]) =
            (&s.parent, s.children.get(index), s.class.notify_index[index], &s.listeners[..])
        {
            if let Some(c) = conns.get_mut(only) {
                c.out.buf.reserve(2 * bulk_size(&value) + 256);
                let bare = notify_is_bare(&s.class, signal);
                if c.out.append(|out| write_property_pair(*dialect, out, source, index, signal, &value, bare))? {
                    dirty.push(*only);
                }
                *slot = value;
                s.sizes[index] = size;
                s.values_size = total;
                return Ok(true);
            }
        }
        let old = std::mem::replace(slot, value);
        let broadcast = s.class.notify_index[index].is_some() && !self.listeners(source).is_empty();
        // A value that cannot be encoded must not be stored: every later acquisition would fail
        // to send it. Broadcasting encodes it anyway; otherwise try it on the scratch buffer.
        let checked =
            if broadcast { self.broadcast_property(source, index) } else { self.check_encodable(source, index) };
        if let Err(e) = checked {
            if let Some(s) = self.role.sources.get_mut(source) {
                s.values[index] = old;
            }
            return Err(e);
        }
        // The value is stored: count its size.
        if let Some(s) = self.role.sources.get_mut(source) {
            s.sizes[index] = size;
            s.values_size = total;
        }
        Ok(true)
    }

    fn check_encodable(&mut self, source: &str, index: usize) -> Result<(), HostError> {
        let value = self.wire_value(source, index, false, 0);
        let mut scratch = std::mem::take(&mut self.role.scratch);
        scratch.clear();
        let result = Packet::write_property_change(self.dialect, &mut scratch, source, index as i32, &value);
        scratch.clear();
        // Keep a small scratch buffer, not the size of the largest value ever set.
        if scratch.capacity() <= 1024 * 1024 {
            self.role.scratch = scratch;
        }
        Ok(result?)
    }

    fn broadcast_property(&mut self, source: &str, index: usize) -> Result<(), HostError> {
        let s = &self.role.sources[source];
        let Some(signal) = s.class.notify_index[index] else { return Ok(()) };
        let is_child = matches!(s.children.get(index), Some(Some(_)));
        // A MODEL property notifies bare whether a model is set or not (as a Qt source).
        let is_model = s.class.definition.properties[index].type_name == MODEL_PROPERTY_TYPE;
        let bare = is_child || is_model || notify_is_bare(&s.class, signal);
        // Child objects render differently for dynamic listeners (they get the definition).
        let variants: &[bool] = if is_child { &[false, true] } else { &[false] };
        for &dynamic in variants {
            let value = self.wire_value(source, index, dynamic, 0);
            // Borrowed from `sources` while `conns` and `dirty` are written: no copies per change.
            let root = root_in(&self.role.sources, source);
            let listeners = root.map_or(&[][..], |r| &r.listeners[..]);
            let dynamic_listeners = root.map_or(&[][..], |r| &r.dynamic_listeners[..]);
            let dialect = self.dialect;
            let write = |out: Output<'_>| write_property_pair(dialect, out, source, index, signal, &value, bare);
            if let ([only], false) = (listeners, is_child) {
                // One listener (the common case): encode straight into its queue, so a large
                // value is copied once, not twice.
                if let Some(c) = self.conns.get_mut(only) {
                    // Room for both packets at once instead of regrowing (and copying) by halves.
                    c.out.buf.reserve(2 * bulk_size(&value) + 256);
                    if c.out.append(write)? {
                        self.dirty.push(*only);
                    }
                }
                continue;
            }
            let mut bytes = std::mem::take(&mut self.role.scratch);
            bytes.clear();
            let mut splices = Vec::new();
            write(Output { buf: &mut bytes, splices: Some(&mut splices) })?;
            for l in listeners {
                if is_child && dynamic_listeners.contains(l) != dynamic {
                    continue;
                }
                if let Some(c) = self.conns.get_mut(l) {
                    if c.out.extend(&bytes, &splices) {
                        self.dirty.push(*l);
                    }
                }
            }
            self.role.scratch = bytes;
        }
        Ok(())
    }

    fn send_to_listeners(&mut self, source: &str, bytes: &[u8]) {
        let listeners = root_in(&self.role.sources, source).map_or(&[][..], |s| &s.listeners);
        for l in listeners {
            if let Some(c) = self.conns.get_mut(l) {
                if c.out.extend(bytes, &[]) {
                    self.dirty.push(*l);
                }
            }
        }
    }

    /// Emits signal `index` (an API signal index) with `args` to every listener.
    /// Arguments are first given the signal's parameter types ([`crate::core::convert_args`]);
    /// arguments that cannot have them are refused and nothing is sent.
    pub fn emit_signal(&mut self, source: &str, index: usize, args: &[Value]) -> Result<(), HostError> {
        let s = self.role.sources.get(source).ok_or_else(|| HostError::UnknownSource(source.into()))?;
        let sig = s.class.definition.signals.get(index).ok_or_else(|| HostError::BadIndex {
            object: source.into(),
            what: "signal",
            index,
        })?;
        let lookup = ClassTypes { types: &self.types, enums: &s.class.definition.enums, to_replicas: true };
        let first_declared = s.class.definition.signals.len() - s.class.signal_params.len();
        let converted = match index.checked_sub(first_declared).and_then(|i| s.class.signal_params.get(i)) {
            // Declared signals keep their parameter types: no signature parsing per emit.
            Some(params) => convert_args(
                Cow::Borrowed(args),
                params.iter().map(|p| p.type_name.as_str()),
                &sig.parameter_names,
                &lookup,
            ),
            None => {
                let types = super::typename::parameter_types(&sig.signature);
                convert_args(Cow::Borrowed(args), types.iter().map(String::as_str), &sig.parameter_names, &lookup)
            }
        };
        let args = converted.map_err(|error| HostError::Arguments {
            object: source.into(),
            what: sig.signature.clone(),
            error: Box::new(error),
        })?;
        self.send_signal(source, index, &args)
    }

    /// [`HostCore::emit_signal`] for arguments that already have the signal's parameter types
    /// (built for it, as the model adapter's signals are): they are sent as they are.
    pub fn emit_signal_typed(&mut self, source: &str, index: usize, args: &[Value]) -> Result<(), HostError> {
        let s = self.role.sources.get(source).ok_or_else(|| HostError::UnknownSource(source.into()))?;
        if index >= s.class.definition.signals.len() {
            return Err(HostError::BadIndex { object: source.into(), what: "signal", index });
        }
        self.send_signal(source, index, args)
    }

    /// Sends signal `index` with `args` (converted) to every listener of `source` (known).
    fn send_signal(&mut self, source: &str, index: usize, args: &[Value]) -> Result<(), HostError> {
        let s = self.role.sources.get(source).ok_or_else(|| HostError::UnknownSource(source.into()))?;
        let property_index = s.class.notify_index.iter().position(|n| *n == Some(index)).map_or(-1, |p| p as i32);
        let dialect = self.dialect;
        let write = |out: Output<'_>| {
            Packet::write_invoke(dialect, out, source, call::INVOKE_META_METHOD, index as i32, args, -1, property_index)
        };
        if let [only] = self.listeners(source) {
            // One listener: encode straight into its queue.
            self.append(*only, write)?;
            return Ok(());
        }
        let mut bytes = std::mem::take(&mut self.role.scratch);
        bytes.clear();
        let written = write(Output::from(&mut bytes));
        if written.is_ok() {
            self.send_to_listeners(source, &bytes);
        }
        self.role.scratch = bytes;
        written?;
        Ok(())
    }

    /// `value` given the type `type_name` as `source`'s class declares it (its own enums known),
    /// e.g. a slot's return type before [`HostCore::reply`].
    pub fn convert_for(&self, source: &str, type_name: &str, value: Value) -> Result<Value, TypeMismatch> {
        let enums = self.role.sources.get(source).map_or(&[][..], |s| &s.class.definition.enums[..]);
        convert(value, type_name, &ClassTypes { types: &self.types, enums, to_replicas: true })
    }

    /// The initial values of a source given their declared types.
    fn typed_values(&self, object: &str, class: &SourceClass, values: Vec<Value>) -> Result<Vec<Value>, HostError> {
        if values.len() != class.property_count() {
            return Err(HostError::ValueCount {
                object: object.into(),
                expected: class.property_count(),
                given: values.len(),
            });
        }
        let lookup = ClassTypes { types: &self.types, enums: &class.definition.enums, to_replicas: true };
        values
            .into_iter()
            .zip(&class.definition.properties)
            .map(|(v, p)| {
                // CLASS and MODEL properties (pointer types) hold their child objects.
                if p.type_name.ends_with('*') {
                    return Ok(v);
                }
                convert(v, &p.type_name, &lookup).map_err(|error| HostError::PropertyType {
                    object: object.into(),
                    property: p.name.clone(),
                    error: Box::new(error),
                })
            })
            .collect()
    }

    /// Answers a call that asked for a reply. A closed connection is not an error: the reply is
    /// simply not sent, as in Qt.
    pub fn reply(&mut self, conn: ConnectionId, source: &str, serial_id: i32, value: Value) -> Result<(), HostError> {
        let dialect = self.dialect;
        self.append(conn, |out| Packet::write_invoke_reply(dialect, out, source, serial_id, &value))?;
        Ok(())
    }
}

/// The property type of a `.rep` `MODEL`.
const MODEL_PROPERTY_TYPE: &str = "QAbstractItemModel*";

fn object_info(name: &str, class: &SourceClass) -> ObjectInfo {
    ObjectInfo { name: name.into(), type_name: class.definition.type_name.clone(), signature: class.signature.clone() }
}

/// Whether notify signal `signal` of `class` takes no parameter (as the model adapter's
/// `availableRolesChanged()`): Qt then sends it without arguments.
fn notify_is_bare(class: &SourceClass, signal: usize) -> bool {
    class.definition.signals.get(signal).is_some_and(|s| s.signature.ends_with("()"))
}

/// The pair a changed property sends, written together: PropertyChange stores the value, the
/// notify Invoke emits it. A child's notify signal carries no argument (the replica uses the
/// stored object), nor does a notify signal without parameters (`bare`), nor a large value's:
/// replicas emit the value the PropertyChange just stored (Qt 6 and 5.15 replicas too,
/// verified), so it crosses the network once, not twice.
fn write_property_pair(
    dialect: Dialect,
    mut out: Output<'_>,
    source: &str,
    index: usize,
    signal: usize,
    value: &Value,
    bare: bool,
) -> Result<(), HostError> {
    let args: &[Value] = if bare || is_large(value) { &[] } else { std::slice::from_ref(value) };
    Packet::write_property_change(dialect, out.reborrow(), source, index as i32, value)?;
    Packet::write_invoke(dialect, out, source, call::INVOKE_META_METHOD, signal as i32, args, -1, index as i32)?;
    Ok(())
}

/// The top-level source `source` belongs to (itself, or the parent of a child object).
fn root_in<'a>(sources: &'a BTreeMap<String, HostedSource>, source: &str) -> Option<&'a HostedSource> {
    let mut s = sources.get(source)?;
    // Parent chains are acyclic by construction; the bound is a guard against bugs.
    for _ in 0..64 {
        match &s.parent {
            Some(p) => s = sources.get(p)?,
            None => return Some(s),
        }
    }
    None
}
