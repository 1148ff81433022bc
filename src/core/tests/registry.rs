//! The client's side of the registry: the `Registry` source is an ordinary source to the host,
//! but a client reads where other sources live from it and registers its own there.

use std::sync::Arc;

use super::pair::Pair;
use super::static_kind;
use crate::core::registry::{self, Location};
use crate::core::{ClientEvent, HostEvent, ReplicaKind, Value};

fn location(name: &str, url: &str) -> Location {
    Location { name: name.into(), type_name: "Simple".into(), url: url.into() }
}

#[test]
fn the_registry_points_to_sources_and_takes_registrations_again_after_reconnects() {
    for dialect in super::DIALECTS {
        let listed = location("Elsewhere", "tcp://elsewhere:1");
        let mut pair = Pair::new(dialect);
        let table = registry::table_value(dialect, [&listed]);
        pair.host.enable(registry::NAME, Arc::new(registry::registry_class(dialect)), vec![table]).unwrap();
        let now = pair.now;
        let client = &mut pair.clients[0];
        client.acquire("Elsewhere", static_kind(), now);
        client.acquire("Later", ReplicaKind::Dynamic, now);
        client.acquire(registry::NAME, ReplicaKind::Dynamic, now);
        let mine = location("Mine", "tcp://me:2");
        client.register_source(mine.clone(), now);
        let conn = pair.connect(0);
        pair.drive();

        // Where the acquired source lives, from the table; our source, registered.
        let events = pair.client_events(0);
        assert!(events.contains(&ClientEvent::ConnectTo { url: listed.url.clone() }), "{dialect:?}: {events:?}");
        let register = |conn| HostEvent::Invoked {
            conn,
            source: registry::NAME.into(),
            slot: 0,
            method: registry::METHOD_ADD_SOURCE,
            args: vec![registry::location_value(dialect, &mine)],
            serial_id: None,
        };
        assert_eq!(pair.host_events()[1..], [register(conn)]);
        assert_eq!(pair.clients[0].registry_locations().get("Elsewhere"), Some(&listed));

        // A source announced later, for a replica that waits for it.
        let later = location("Later", "tcp://later:3");
        pair.host
            .emit_signal(registry::NAME, registry::SIGNAL_ADDED, &[registry::location_value(dialect, &later)])
            .unwrap();
        pair.drive();
        assert_eq!(
            pair.client_events(0)[..2],
            [
                ClientEvent::ConnectTo { url: later.url.clone() },
                ClientEvent::RegistryChanged { location: later, added: true }
            ]
        );

        // A registry reached again has forgotten us (its table does not list us): registered
        // again.
        let conn = pair.reconnect(conn);
        let events = pair.host_events();
        assert_eq!(events.last(), Some(&register(conn)), "{dialect:?}: {events:?}");
        assert_eq!(pair.clients[0].registry_locations().len(), 1);
        assert_eq!(pair.host.values(registry::NAME).map(<[Value]>::len), Some(1));
    }
}
