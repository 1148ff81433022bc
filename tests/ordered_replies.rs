//! `Replica::call_tagged`: replies in the replica's event stream, in wire order with its
//! signals (the ordering a model replica's cache relies on), Rust host ↔ Rust client.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
use qtro_rs::node::{EventFilter, Node, ReplicaEvent, SlotCall, Source};

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_tagged_reply_follows_the_signals_sent_before_it() {
    let class = ClassBuilder::new("Ordered")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .signal("fired", &[("code", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .slot("reset", &[], "void")
        .build();
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let cell: Arc<OnceLock<Source>> = Arc::new(OnceLock::new());
    let in_handler = cell.clone();
    let source = host
        .enable_source("Ordered", class, move |call: SlotCall| {
            let source = in_handler.get().cloned();
            async move {
                let sum = call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32;
                // Emitted before the reply is sent: the replica must see it first.
                if let (Some(s), "add") = (source, call.name.as_str()) {
                    s.emit("fired", vec![Value::Int(sum)]).unwrap();
                }
                Value::Int(sum)
            }
        })
        .unwrap();
    let _ = cell.set(source);

    let client = Node::new();
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Ordered");
    replica.wait_for_source(T).await.unwrap();
    let mut ordered = replica.events_filtered(EventFilter::SIGNALS | EventFilter::REPLIES);
    let mut plain = replica.events();
    let add = 1; // pushValue is method 0.
    for i in 0..20 {
        replica.call_tagged(add, vec![Value::Int(i), Value::Int(100)], 1000 + i as u64).unwrap();
    }
    // A void method has no reply.
    replica.call_tagged(2, vec![], 1).unwrap();
    for i in 0..20 {
        let e = tokio::time::timeout(T, ordered.recv()).await.unwrap().unwrap();
        assert!(
            matches!(&e, ReplicaEvent::Signal { name, args, .. } if name == "fired" && args[..] == [Value::Int(i + 100)]),
            "expected the signal of call {i} first, got {e:?}"
        );
        let e = tokio::time::timeout(T, ordered.recv()).await.unwrap().unwrap();
        assert_eq!(e, ReplicaEvent::Reply { tag: 1000 + i as u64, result: Ok(Value::Int(i + 100)) });
    }
    // Subscriptions to ALL do not get replies.
    for _ in 0..20 {
        let e = tokio::time::timeout(T, plain.recv()).await.unwrap().unwrap();
        assert!(matches!(e, ReplicaEvent::Signal { .. }), "{e:?}");
    }
    let extra = tokio::time::timeout(Duration::from_millis(200), ordered.recv()).await;
    assert!(extra.is_err(), "no reply for void: {extra:?}");
    assert_eq!(EventFilter::of(&ReplicaEvent::Reply { tag: 0, result: Ok(Value::Invalid) }), EventFilter::REPLIES);
    assert!(!EventFilter::ALL.contains(EventFilter::REPLIES));
}

#[tokio::test]
async fn a_tagged_call_on_a_lost_connection_fails_in_the_stream() {
    let class = ClassBuilder::new("Slow").slot("wait", &[], "int").build();
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let _source = host
        .enable_source("Slow", class, |_call: SlotCall| async move {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Value::Int(0)
        })
        .unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Slow");
    replica.wait_for_source(T).await.unwrap();
    let mut ordered = replica.events_filtered(EventFilter::REPLIES);
    replica.call_tagged(0, vec![], 7).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    host.shutdown();
    let e = tokio::time::timeout(T, ordered.recv()).await.expect("a failure").unwrap();
    assert!(matches!(e, ReplicaEvent::Reply { tag: 7, result: Err(_) }), "{e:?}");
}
