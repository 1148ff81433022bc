//! The registry: the table this node hosts when it is one, and the registrations of its sources
//! with the registry it uses otherwise.

use std::time::Instant;

use crate::core::registry::{self, Location, RegistryChange};
use crate::core::{ConnectionId, Value};

use super::State;

/// A registry host's own connection id for registrations of its local sources.
const LOCAL: ConnectionId = 0;

impl State {
    /// A replica called the registry this node hosts (to add or remove a source): the table
    /// changes, and the call is answered.
    pub(super) fn registry_invoked(
        &mut self,
        conn: ConnectionId,
        source: &str,
        method: usize,
        args: &[Value],
        serial_id: Option<i32>,
    ) {
        let change = self.registry.as_mut().and_then(|t| t.invoked(conn, method, args));
        if let Some(change) = change {
            self.apply_registry_change(change);
        }
        if let Some(serial) = serial_id {
            let _ = self.host.reply(conn, source, serial, Value::Invalid);
        }
    }

    /// Broadcasts a registry table change and refreshes the `sourceLocations` property.
    pub(super) fn apply_registry_change(&mut self, change: RegistryChange) {
        let dialect = self.host.dialect();
        let signal = match &change {
            RegistryChange::Added(loc) => Some((registry::SIGNAL_ADDED, loc.clone())),
            RegistryChange::Removed(loc) => Some((registry::SIGNAL_REMOVED, loc.clone())),
            RegistryChange::Dropped(_) => None,
        };
        if let Some(table) = &self.registry {
            let value = registry::table_value(dialect, table.locations());
            let _ = self.host.set_property(registry::NAME, 0, value);
        }
        if let Some((index, loc)) = signal {
            let _ = self.host.emit_signal(registry::NAME, index, &[registry::location_value(dialect, &loc)]);
        }
    }

    /// Registers a local source with the registry (our own table if we are the registry host).
    pub(super) fn register(&mut self, loc: Location) {
        if !self.change_own_registry(registry::METHOD_ADD_SOURCE, &loc) && self.registry_url.is_some() {
            self.client.register_source(loc, Instant::now());
        }
    }

    pub(super) fn unregister(&mut self, loc: Location) {
        if !self.change_own_registry(registry::METHOD_REMOVE_SOURCE, &loc) && self.registry_url.is_some() {
            self.client.unregister_source(&loc.name, Instant::now());
        }
    }

    /// If this node is the registry host, adds `loc` to its table or removes it (`method`) and
    /// returns true.
    fn change_own_registry(&mut self, method: usize, loc: &Location) -> bool {
        if self.registry.is_none() {
            return false;
        }
        let arg = registry::location_value(self.host.dialect(), loc);
        if let Some(change) = self.registry.as_mut().and_then(|t| t.invoked(LOCAL, method, &[arg])) {
            self.apply_registry_change(change);
        }
        true
    }
}
