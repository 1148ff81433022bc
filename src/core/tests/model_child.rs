//! `.rep` `MODEL` children on the client side: a QRO_ of kind Model becomes a child replica of
//! the model adapter, Valid with the QRO_'s values and without any AddObject; a replaced model
//! re-initializes it, a null one unbinds it and clears its values; malformed ones are ignored.

use std::sync::Arc;

use bytes::Bytes;

use super::pair::{Dir, Pair};
use super::DIALECTS;
use crate::core::model::adapter::{adapter_class, ADAPTER_TYPE};
use crate::core::model::types::{role_names_from_value, roles_to_value};
use crate::core::packet::{Packet, PacketType};
use crate::core::value::{ObjectKind, RemoteObject};
use crate::core::{ClientEvent, Dialect, ReplicaKind, ReplicaState, Value};

fn media_class(dialect: Dialect) -> crate::core::SourceClass {
    let file = crate::rep::parse("class Media\n{\n    PROP(int n = 0)\n    MODEL tracks(display)\n}\n").unwrap();
    crate::rep::source_class(&file, "Media", dialect).unwrap()
}

fn model_qro(name: &str, parameters: Vec<Value>) -> Value {
    Value::Remote(Box::new(RemoteObject {
        name: Some(name.into()),
        type_name: Some(ADAPTER_TYPE.into()),
        kind: ObjectKind::Model,
        definition: None,
        is_null: parameters.is_empty(),
        parameters,
    }))
}

fn initialized(events: &[ClientEvent], name: &str) -> usize {
    events.iter().filter(|e| matches!(e, ClientEvent::Initialized { replica } if &**replica == name)).count()
}

#[test]
fn a_model_child_is_adopted_replaced_and_unbound_when_null() {
    for dialect in DIALECTS {
        let mut pair = Pair::new(dialect);
        pair.host.enable("Media", Arc::new(media_class(dialect)), media_class(dialect).defaults.clone()).unwrap();
        let now = pair.now;
        pair.clients[0].acquire("Media", ReplicaKind::Static(Arc::new(media_class(dialect))), now);
        let conn = pair.connect(0);
        pair.drive();
        let name = if dialect == Dialect::Qt6 { "Model::Media::tracks" } else { "Model::tracks" };
        assert!(pair.clients[0].replica(name).is_none(), "{dialect:?}: a null model is no child");
        pair.client_events(0);

        // Set: a Valid child of the adapter class with the QRO_'s values, no AddObject.
        let names = [(0, Bytes::from_static(b"display")), (1, Bytes::from_static(b"decoration"))];
        let sent_before = pair.sent(conn, Dir::ToHost).len();
        pair.host.enable_model_child("Media", 1, &[0], &names).unwrap();
        pair.drive();
        let r = pair.clients[0].replica(name).expect("the model child");
        assert_eq!((r.state, r.parent.as_deref()), (ReplicaState::Valid, Some("Media")));
        let adapter = adapter_class(dialect);
        assert_eq!(r.definition.as_ref(), Some(&adapter.definition));
        assert_eq!(r.values[0], roles_to_value(&[0], dialect));
        assert_eq!(role_names_from_value(&r.values[1]).unwrap(), names);
        assert_eq!(initialized(&pair.client_events(0), name), 1);
        let packets = pair.packet_types(conn, Dir::ToHost, sent_before);
        assert!(!packets.contains(&PacketType::AddObject), "{packets:?}");

        // Replaced: new values, initialized again.
        pair.host.enable_model_child("Media", 1, &[0, 1], &names).unwrap();
        pair.drive();
        let r = pair.clients[0].replica(name).unwrap();
        assert_eq!((r.state, r.values[0].clone()), (ReplicaState::Valid, roles_to_value(&[0, 1], dialect)));
        assert_eq!(initialized(&pair.client_events(0), name), 1);

        // Null (as a Qt source sends after `setTracks(nullptr)`): unbound, values gone.
        let null = Packet::PropertyChange { name: "Media".into(), index: 1, value: model_qro(name, vec![]) };
        pair.inject(conn, Dir::ToClient, &null.to_bytes(dialect).unwrap());
        pair.drive();
        let r = pair.clients[0].replica(name).unwrap();
        assert_eq!((r.state, r.conn, r.values.len()), (ReplicaState::Suspect, None, 0));
        let events = pair.client_events(0);
        assert_eq!(initialized(&events, name), 1, "{events:?}");
        assert!(pair.clients[0].call(name, 0, vec![], true, pair.now).is_err(), "an unbound child");

        // A malformed model QRO_ (one value) is ignored; a good one binds the child again.
        let bad = Packet::PropertyChange {
            name: "Media".into(),
            index: 1,
            value: model_qro(name, vec![roles_to_value(&[0], dialect)]),
        };
        pair.inject(conn, Dir::ToClient, &bad.to_bytes(dialect).unwrap());
        pair.drive();
        assert_eq!(pair.clients[0].replica(name).unwrap().state, ReplicaState::Suspect);
        pair.host.enable_model_child("Media", 1, &[1], &names).unwrap();
        pair.drive();
        let r = pair.clients[0].replica(name).unwrap();
        assert_eq!(
            (r.state, r.conn, r.values[0].clone()),
            (ReplicaState::Valid, Some(conn), roles_to_value(&[1], dialect))
        );
    }
}
