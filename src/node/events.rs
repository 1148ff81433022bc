//! What replicas and sources report to the application: [`ReplicaEvent`]s and [`SourceEvent`]s,
//! the [`EventFilter`] that picks kinds of them, and the [`Name`]s of members they carry.
//! ([`delivery`](super::delivery) hands them over.)

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::core::{ConnectionId, ReplicaState, Value};

/// Which kinds of [`ReplicaEvent`] a subscription receives ([`Replica::events_filtered`]).
/// Combine with `|`. Kinds that no subscription of a replica wants are not even built, as a Qt
/// signal without connections costs next to nothing; a stream of property changes read
/// through [`EventFilter::PROPERTIES`] skips the notify signal that follows each change.
///
/// [`Replica::events_filtered`]: super::Replica::events_filtered
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventFilter(u8);

impl EventFilter {
    /// [`ReplicaEvent::StateChanged`] and [`ReplicaEvent::Initialized`].
    pub const STATE: EventFilter = EventFilter(1);
    /// [`ReplicaEvent::PropertyChanged`].
    pub const PROPERTIES: EventFilter = EventFilter(2);
    /// [`ReplicaEvent::Signal`] of signals that are not notify signals.
    pub const SIGNALS: EventFilter = EventFilter(4);
    /// [`ReplicaEvent::Signal`] of notify signals (`property_index` set), which follow the
    /// [`ReplicaEvent::PropertyChanged`] of the same change.
    pub const NOTIFY_SIGNALS: EventFilter = EventFilter(8);
    /// Every event but [`ReplicaEvent::Reply`].
    pub const ALL: EventFilter = EventFilter(15);
    /// [`ReplicaEvent::Reply`]: the outcomes of [`Replica::call_tagged`], in wire order with the
    /// other events. Not part of [`EventFilter::ALL`]: only who makes tagged calls wants them.
    ///
    /// [`Replica::call_tagged`]: super::Replica::call_tagged
    pub const REPLIES: EventFilter = EventFilter(16);

    /// Whether every kind in `other` is in `self`.
    pub const fn contains(self, other: EventFilter) -> bool {
        self.0 & other.0 == other.0
    }

    pub(crate) const fn bits(self) -> u8 {
        self.0
    }

    /// The kind `event` is of.
    pub fn of(event: &ReplicaEvent) -> EventFilter {
        match event {
            ReplicaEvent::StateChanged { .. } | ReplicaEvent::Initialized => EventFilter::STATE,
            ReplicaEvent::PropertyChanged { .. } => EventFilter::PROPERTIES,
            ReplicaEvent::Signal { property_index: None, .. } => EventFilter::SIGNALS,
            ReplicaEvent::Signal { property_index: Some(_), .. } => EventFilter::NOTIFY_SIGNALS,
            ReplicaEvent::Reply { .. } => EventFilter::REPLIES,
        }
    }
}

impl std::ops::BitOr for EventFilter {
    type Output = EventFilter;
    fn bitor(self, other: EventFilter) -> EventFilter {
        EventFilter(self.0 | other.0)
    }
}

/// What a replica observes ([`Replica::events`](super::Replica::events)): Qt's `stateChanged`, `initialized`, property
/// notifications and signals of a `QRemoteObjectReplica`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReplicaEvent {
    /// The replica's state changed (Valid once the source's values arrived, Suspect while its
    /// connection is lost...).
    StateChanged {
        /// The state before.
        old: ReplicaState,
        /// The state now.
        new: ReplicaState,
    },
    /// Values (and for dynamic replicas, the interface) arrived.
    Initialized,
    /// A property has a new value (from the source; a replica's own writes come back this way).
    PropertyChanged {
        /// Position in the interface's property list ([`ClassDefinition::properties`]).
        ///
        /// [`ClassDefinition::properties`]: crate::core::ClassDefinition::properties
        index: usize,
        /// The property's name.
        name: Name,
        /// The new value, of the property's declared type.
        value: Value,
    },
    /// A signal of the source; notify signals carry `property_index`.
    Signal {
        /// Position in the interface's signal list ([`ClassDefinition::signals`]: notify
        /// signals first, then the declared ones).
        ///
        /// [`ClassDefinition::signals`]: crate::core::ClassDefinition::signals
        index: usize,
        /// The signal's name.
        name: Name,
        /// The arguments, of the signal's declared parameter types.
        args: Vec<Value>,
        /// For a notify signal, the property it reports (its
        /// [`ReplicaEvent::PropertyChanged`] came just before).
        property_index: Option<usize>,
    },
    /// The outcome of a [`Replica::call_tagged`] call (only for subscriptions that ask for
    /// [`EventFilter::REPLIES`]): where its reply came on the wire relative to signals and
    /// property changes is where it is among these events.
    ///
    /// [`Replica::call_tagged`]: super::Replica::call_tagged
    Reply {
        /// The caller's tag.
        tag: u64,
        /// The reply, or why there is none (the connection was lost, say).
        result: Result<Value, crate::core::CallError>,
    },
}

/// What a hosted source observes ([`Source::events`](super::Source::events)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SourceEvent {
    /// A replica changed a property (already applied and broadcast).
    PropertyWritten {
        /// Position in the class's property list.
        index: usize,
        /// The property's name.
        name: Name,
        /// The value written, of the property's declared type.
        value: Value,
    },
    /// A replica on connection `conn` acquired the source and was sent its values.
    Acquired {
        /// The connection (one per peer node).
        conn: ConnectionId,
        /// Acquired as a dynamic replica (which learns the interface from the source) rather
        /// than a static one (which checks the class signature).
        dynamic: bool,
    },
    /// A replica on connection `conn` released the source (a peer whose connection drops
    /// sends no release: its replicas are simply gone).
    Released {
        /// The connection.
        conn: ConnectionId,
    },
}

/// A member name carried by events: cheap to clone, compares with `&str`.
///
/// Names of members (properties, signals, methods) are interned process-wide, so putting one in
/// every event costs no reference count: the engine's thread and the application's thread would
/// otherwise bounce the count's cache line between CPUs on every event. The interner is bounded
/// (a peer sending endless new dynamic definitions cannot grow it without limit); past the bound,
/// names are reference counted.
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    Interned(&'static str),
    Shared(Arc<str>),
}

/// Bytes of names the interner may hold (leaked for the life of the process, on purpose).
const INTERNED_BYTES_MAX: usize = 1 << 20;

struct Interner {
    names: std::collections::HashSet<&'static str>,
    bytes: usize,
}

static INTERNER: Mutex<Option<Interner>> = Mutex::new(None);

impl Name {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Interned(s) => s,
            Repr::Shared(s) => s,
        }
    }

    /// The interned name `s` (see the type's documentation); for names that recur in events.
    pub(crate) fn interned(s: &str) -> Name {
        let mut guard = INTERNER.lock().unwrap_or_else(|e| e.into_inner());
        let interner = guard.get_or_insert_with(|| Interner { names: Default::default(), bytes: 0 });
        if let Some(&name) = interner.names.get(s) {
            return Name(Repr::Interned(name));
        }
        if interner.bytes + s.len() > INTERNED_BYTES_MAX {
            return Name::from(s);
        }
        let name: &'static str = Box::leak(s.into());
        interner.bytes += s.len();
        interner.names.insert(name);
        Name(Repr::Interned(name))
    }
}

impl Default for Name {
    fn default() -> Self {
        Name(Repr::Interned(""))
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Self {
        Name(Repr::Shared(s.into()))
    }
}

impl From<String> for Name {
    fn from(s: String) -> Self {
        Name(Repr::Shared(s.into()))
    }
}

impl From<Name> for String {
    fn from(n: Name) -> Self {
        n.as_str().to_owned()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl serde::Serialize for Name {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_names_are_shared_and_compare_like_text() {
        let a = Name::interned("valueChanged");
        let b = Name::interned("valueChanged");
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, Name::from("valueChanged"));
        assert_eq!(a, "valueChanged");
        assert_eq!(Name::default(), "");
    }

    #[test]
    fn names_compare_with_strings() {
        let n = Name::from("value");
        assert!(n == "value");
        assert!("value" == n);
        assert_eq!(n, String::from("value"));
        assert_eq!(format!("{n} {n:?}"), "value \"value\"");
        assert_eq!(n.len(), 5);
    }
}
