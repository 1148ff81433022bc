//! The async engine end to end, Rust host ↔ Rust client, over real loopback and local sockets.

use std::time::Duration;

use qtro_rs::core::{ClassBuilder, PropertyMode, ReplicaState, SourceClass, Value};
use qtro_rs::node::EventReceiver;
use qtro_rs::node::{Node, NodeConfig, Replica, ReplicaEvent, SlotCall};

const T: Duration = Duration::from_secs(10);

fn simple() -> SourceClass {
    ClassBuilder::new("Simple")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
        .signal("fired", &[("code", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .slot("reset", &[], "void")
        .build()
}

async fn host_simple(url: &str) -> (Node, qtro_rs::node::Source, String) {
    let host = Node::new();
    let bound = host.listen(url).await.unwrap();
    let source = host
        .enable_source("Simple", simple(), |call: SlotCall| async move {
            match call.name.as_str() {
                "add" => Value::Int(call.args.iter().filter_map(Value::as_i64).sum::<i64>() as i32),
                _ => Value::Invalid,
            }
        })
        .unwrap();
    (host, source, bound)
}

/// A host sharing `Simple` over tcp, and a client node with a valid dynamic replica of it.
async fn simple_pair() -> (Node, qtro_rs::node::Source, Node, Replica) {
    let (host, source, bound) = host_simple("tcp://127.0.0.1:0").await;
    let client = Node::new();
    client.connect_to(&bound).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    (host, source, client, replica)
}

async fn next_matching(rx: &mut EventReceiver<ReplicaEvent>, f: impl Fn(&ReplicaEvent) -> bool) -> ReplicaEvent {
    tokio::time::timeout(T, async {
        loop {
            let e = rx.recv().await.expect("event stream ended");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .expect("timed out waiting for an event")
}

async fn exercise(url: &str) {
    let (_host, source, bound) = host_simple(url).await;
    let client = Node::new();
    client.connect_to(&bound).unwrap();
    let replica: Replica = client.acquire_dynamic("Simple");
    let mut events = replica.events();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(0)));

    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));

    source.set_property("value", Value::Int(7)).unwrap();
    let e = next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { .. })).await;
    assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(7) });

    source.emit("fired", vec![Value::Int(42)]).unwrap();
    let e = next_matching(&mut events, |e| matches!(e, ReplicaEvent::Signal { name, .. } if name == "fired")).await;
    assert!(matches!(e, ReplicaEvent::Signal { args, property_index: None, .. } if args == vec![Value::Int(42)]));

    replica.set_property("name", Value::string("hi")).unwrap();
    next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { name, .. } if name == "name")).await;
    assert_eq!(source.property("name").unwrap(), Value::string("hi"));

    replica.call("pushValue", vec![Value::Int(9)]).await.unwrap();
    next_matching(&mut events, |e| matches!(e, ReplicaEvent::PropertyChanged { value: Value::Int(9), .. })).await;
}

#[tokio::test]
async fn rust_to_rust_over_tcp() {
    exercise("tcp://127.0.0.1:0").await;
}

#[tokio::test]
async fn rust_to_rust_over_local_socket() {
    exercise(&format!("local:qtro_rs_test_{}", std::process::id())).await;
}

#[tokio::test]
async fn rust_to_rust_over_abstract_socket() {
    exercise(&format!("localabstract:qtro_rs_test_{}", std::process::id())).await;
}

#[tokio::test]
async fn acquire_by_name_through_a_registry() {
    let registry = Node::new();
    let reg_url = registry.listen_registry("tcp://127.0.0.1:0").await.unwrap();

    let host = Node::new();
    host.set_registry_url(&reg_url).unwrap();
    let src_url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let _source = host.enable_source_without_slots("Simple", simple()).unwrap();

    let client = Node::new();
    client.set_registry_url(&reg_url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    let locations = client.registry_locations();
    assert_eq!(locations.len(), 1, "{locations:?}");
    assert_eq!(locations[0].url, src_url);

    // Disabling the source withdraws it from the registry and the replica goes Suspect.
    host.disable_source("Simple").unwrap();
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn replica_recovers_when_the_source_comes_back() {
    let (host, source, bound) = host_simple("tcp://127.0.0.1:0").await;
    source.set_property("value", Value::Int(1)).unwrap();
    let client = Node::with_config(NodeConfig { retry_interval: Duration::from_millis(50), ..NodeConfig::default() });
    client.connect_to(&bound).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();

    drop(source);
    host.shutdown();
    drop(host);
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .expect("Suspect after the host went away");
    // A pending call fails instead of hanging.
    assert!(replica.call("add", vec![Value::Int(1), Value::Int(1)]).await.is_err());

    let (_host2, source2, _) = host_simple(&bound).await;
    source2.set_property("value", Value::Int(99)).unwrap();
    replica.wait_for_source(T).await.unwrap();
    assert_eq!(replica.property("value"), Some(Value::Int(99)), "fresh values after re-init");
}

#[tokio::test]
async fn heartbeat_detects_a_frozen_host() {
    use tokio::io::AsyncReadExt;
    // A "host" that speaks the handshake and init, then stops answering (as if SIGSTOPped).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("tcp://{}", listener.local_addr().unwrap());
    let class = simple();
    tokio::spawn(async move {
        use qtro_rs::core::{Dialect, ObjectInfo, Packet};
        use tokio::io::AsyncWriteExt;
        let (mut s, _) = listener.accept().await.unwrap();
        let mut out = Vec::new();
        out.extend(Packet::Handshake { version: "QtRO 2.0".into() }.to_bytes(Dialect::Qt6).unwrap());
        out.extend(
            Packet::ObjectList(vec![ObjectInfo {
                name: "Simple".into(),
                type_name: Some("Simple".into()),
                signature: None,
            }])
            .to_bytes(Dialect::Qt6)
            .unwrap(),
        );
        s.write_all(&out).await.unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf).await; // AddObject
        let init = Packet::InitDynamic {
            name: "Simple".into(),
            definition: class.definition.clone(),
            values: class.defaults.clone(),
        };
        s.write_all(&init.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
        // Then silence, with the socket open.
        loop {
            if s.read(&mut buf).await.unwrap_or(0) == 0 {
                return;
            }
        }
    });
    let client = Node::with_config(NodeConfig { heartbeat: Some(Duration::from_millis(100)), ..NodeConfig::default() });
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Simple");
    replica.wait_for_source(T).await.unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(T, async {
        while replica.state() != ReplicaState::Suspect {
            replica.state_changed().await;
        }
    })
    .await
    .expect("heartbeat failure makes the replica Suspect");
    assert!(started.elapsed() < Duration::from_secs(2), "detected within a few intervals");
}

#[tokio::test]
async fn many_replicas_of_many_sources_on_one_host() {
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let sources: Vec<_> =
        (0..5).map(|i| host.enable_source_without_slots(&format!("S{i}"), simple()).unwrap()).collect();
    let clients: Vec<Node> = (0..4).map(|_| Node::new()).collect();
    let mut replicas = Vec::new();
    for c in &clients {
        c.connect_to(&url).unwrap();
        for i in 0..5 {
            replicas.push((i, c.acquire_dynamic(&format!("S{i}"))));
        }
    }
    for (_, r) in &replicas {
        r.wait_for_source(T).await.unwrap();
    }
    for (i, s) in sources.iter().enumerate() {
        s.set_property("value", Value::Int(100 + i as i32)).unwrap();
    }
    for (i, r) in &replicas {
        let mut ev = r.events();
        let want = Some(Value::Int(100 + *i));
        tokio::time::timeout(T, async {
            while r.property("value") != want {
                ev.recv().await;
            }
        })
        .await
        .unwrap();
    }
    assert_eq!(sources[0].listener_count(), 4);
}

#[tokio::test]
async fn user_supplied_streams_carry_the_protocol() {
    let host = Node::new();
    let _source = host.enable_source_without_slots("Simple", simple()).unwrap();
    let client = Node::new();
    let (a, b) = tokio::io::duplex(4096);
    host.add_host_connection(Box::pin(a));
    client.add_client_connection(Box::pin(b));
    let r = client.acquire_dynamic("Simple");
    r.wait_for_source(T).await.unwrap();
    assert_eq!(r.property("value"), Some(Value::Int(0)));
}

#[tokio::test]
async fn bad_urls_are_refused_with_a_clear_error() {
    let node = Node::new();
    let err = node.connect_to("http://example:1").unwrap_err().to_string();
    assert!(err.contains("unsupported URL scheme"), "{err}");
    let err = node.listen("tcp://127.0.0.1:notaport").await.unwrap_err().to_string();
    assert!(err.contains("port"), "{err}");
    // A port we cannot bind: the error names the URL.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://{}", busy.local_addr().unwrap());
    let err = node.listen(&url).await.unwrap_err().to_string();
    assert!(err.contains(&url), "{err}");
}

#[tokio::test]
async fn a_stuck_replica_does_not_stall_the_others_and_memory_stays_bounded() {
    use qtro_rs::core::{Dialect, Packet};
    use tokio::io::AsyncWriteExt;

    // Small budgets so the test is quick: producers wait above 1 MiB queued; a peer that makes no
    // progress for 300 ms while they wait is cut off.
    let host = Node::with_config(NodeConfig {
        queue_high_water: 1024 * 1024,
        stall_timeout: Duration::from_millis(300),
        ..NodeConfig::default()
    });
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Bulk")
        .property("blob", "QByteArray", PropertyMode::ReadOnly, Value::ByteArray(None))
        .property("seq", "int", PropertyMode::ReadOnly, Value::Int(0))
        .signal("tick", &[("n", "int")])
        .build();
    let source = host.enable_source_without_slots("Bulk", class).unwrap();

    // The stuck peer: acquires, then never reads again.
    let addr = url.trim_start_matches("tcp://").to_owned();
    let mut stuck = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stuck
        .write_all(&Packet::AddObject { name: "Bulk".into(), is_dynamic: false }.to_bytes(Dialect::Qt6).unwrap())
        .await
        .unwrap();

    let client = Node::new();
    client.connect_to(&url).unwrap();
    let good = client.acquire_dynamic("Bulk");
    good.wait_for_source(T).await.unwrap();
    let mut events = good.events();
    tokio::time::timeout(T, async {
        while source.listener_count() < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await
        }
    })
    .await
    .unwrap();
    // The healthy replica's application reads its events as they come (one that does not would
    // pause its own connection past `event_backlog`, and count as stuck too).
    let reader = tokio::spawn(async move {
        let mut next = 1;
        while next <= 256 {
            if let Some(ReplicaEvent::Signal { name, args, .. }) = events.recv().await {
                if name == "tick" {
                    assert_eq!(args, vec![Value::Int(next)], "signals arrive in order, none lost");
                    next += 1;
                }
            }
        }
    });

    // 64 MiB of traffic in 256 KiB properties, plus a signal per update.
    let chunk = vec![7u8; 256 * 1024];
    let mut peak_queued = 0;
    for n in 1..=256 {
        source.ready().await;
        let mut b = chunk.clone();
        b[0] = n as u8;
        source.set_property("blob", Value::bytes(b)).unwrap();
        source.set_property("seq", Value::Int(n)).unwrap();
        source.emit("tick", vec![Value::Int(n)]).unwrap();
        peak_queued = peak_queued.max(source.queued_bytes());
    }
    // Memory stays bounded: never more than the high-water mark plus one update per replica.
    assert!(peak_queued < 2 * (1024 * 1024 + 300 * 1024), "peak queued {peak_queued} bytes");
    // The good replica sees every signal, in order, and ends with the final values.
    tokio::time::timeout(Duration::from_secs(30), reader).await.expect("the healthy replica keeps up").unwrap();
    assert_eq!(good.property("seq"), Some(Value::Int(256)));
    // The stuck one was disconnected instead of buffering 64 MiB.
    tokio::time::timeout(T, async {
        while source.listener_count() != 1 {
            tokio::time::sleep(Duration::from_millis(10)).await
        }
    })
    .await
    .expect("the stuck peer is dropped once its queue passes the budget");
    drop(stuck);
}

#[tokio::test]
async fn sync_and_slow_async_slot_handlers_both_reply() {
    use qtro_rs::node::sync_handler;
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let _fast = host.enable_source("Fast", simple(), sync_handler(|c| Value::Int(c.args.len() as i32))).unwrap();
    let _slow = host
        .enable_source("Slow", simple(), |c: SlotCall| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            Value::Int(c.args.iter().filter_map(Value::as_i64).product::<i64>() as i32)
        })
        .unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let fast = client.acquire_dynamic("Fast");
    let slow = client.acquire_dynamic("Slow");
    fast.wait_for_source(T).await.unwrap();
    slow.wait_for_source(T).await.unwrap();
    // The slow reply does not hold up the fast one.
    let (s, f) = tokio::join!(slow.call("add", vec![Value::Int(6), Value::Int(7)]), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = std::time::Instant::now();
        let r = fast.call("add", vec![Value::Int(1), Value::Int(1)]).await;
        (r, started.elapsed())
    });
    assert_eq!(s.unwrap(), Value::Int(42));
    assert_eq!(f.0.unwrap(), Value::Int(2));
    assert!(f.1 < Duration::from_millis(150), "fast call waited {:?}", f.1);
}

#[tokio::test]
async fn child_objects_travel_inside_their_parent() {
    use std::sync::{Arc, OnceLock};
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let parent_class = ClassBuilder::new("Rich")
        .property("level", "int", PropertyMode::ReadWrite, Value::Int(1))
        .property("child", "QObject*", PropertyMode::SourceOnlySetter, Value::Invalid)
        .build();
    let child_class = ClassBuilder::new("Child")
        .property("title", "QString", PropertyMode::ReadOnly, Value::string("kid"))
        .slot("poke", &[("n", "int")], "void")
        .build();
    let parent = host.enable_source_without_slots("Rich", parent_class).unwrap();
    let child_cell: Arc<OnceLock<qtro_rs::node::Source>> = Arc::new(OnceLock::new());
    let cell = child_cell.clone();
    let child = parent
        .enable_child("child", child_class, move |call: SlotCall| {
            let cell = cell.clone();
            async move {
                let n = call.args[0].as_i64().unwrap();
                cell.get().unwrap().set_property("title", Value::string(format!("poked{n}"))).unwrap();
                Value::Invalid
            }
        })
        .unwrap();
    assert_eq!(child.name(), "Class::Rich::child", "Qt 6 names children after the parent");
    child_cell.set(child.clone()).ok();

    let client = Node::new();
    client.connect_to(&url).unwrap();
    let replica = client.acquire_dynamic("Rich");
    replica.wait_for_source(T).await.unwrap();
    let kid = replica.child("child").expect("the child arrived with the parent's values");
    kid.wait_for_source(T).await.unwrap();
    assert_eq!(kid.property("title"), Some(Value::string("kid")));
    let def = kid.definition().expect("a dynamic replica gets the child's definition");
    assert_eq!(def.type_name.as_deref(), Some("Child"));

    let mut events = kid.events();
    kid.call("poke", vec![Value::Int(5)]).await.unwrap();
    let e = tokio::time::timeout(T, async {
        loop {
            if let Some(ReplicaEvent::PropertyChanged { value, .. }) = events.recv().await {
                return value;
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(e, Value::string("poked5"));
    drop(kid);
    // The child lives on with the parent even when its handle is gone.
    child.set_property("title", Value::string("again")).unwrap();
    let kid = replica.child("child").unwrap();
    tokio::time::timeout(T, async {
        while kid.property("title") != Some(Value::string("again")) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn slot_calls_of_one_source_run_in_arrival_order() {
    use std::sync::{Arc, Mutex};
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let class = ClassBuilder::new("Ordered").slot("note", &[("n", "int")], "void").build();
    let (_source, mut source_events) = host
        .enable_source_with_events("Ordered", class, move |c: SlotCall| {
            let log = log.clone();
            async move {
                let n = c.args[0].as_i64().unwrap();
                // Later calls finish faster: only sequential execution keeps the order.
                tokio::time::sleep(Duration::from_millis(((20 - n) * 2) as u64)).await;
                log.lock().unwrap().push(n);
                Value::Invalid
            }
        })
        .unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let (r, mut events) = client.acquire_dynamic_with_events("Ordered");
    // The stream subscribed at acquisition sees the whole way to Valid.
    let first = tokio::time::timeout(T, events.recv()).await.unwrap().unwrap();
    assert!(matches!(first, ReplicaEvent::Initialized | ReplicaEvent::StateChanged { .. }), "{first:?}");
    r.wait_for_source(T).await.unwrap();
    assert!(matches!(source_events.recv().await, Some(qtro_rs::node::SourceEvent::Acquired { .. })));
    for n in 0..20 {
        r.call("note", vec![Value::Int(n)]).await.unwrap();
    }
    tokio::time::timeout(T, async {
        while seen.lock().unwrap().len() < 20 {
            tokio::time::sleep(Duration::from_millis(5)).await
        }
    })
    .await
    .unwrap();
    assert_eq!(*seen.lock().unwrap(), (0..20).collect::<Vec<i64>>());
}

#[tokio::test]
async fn hard_cap_evicts_a_stuck_peer_even_without_ready() {
    use qtro_rs::core::{Dialect, Packet};
    use tokio::io::AsyncWriteExt;
    let host = Node::with_config(NodeConfig { max_queued_bytes: 4 * 1024 * 1024, ..NodeConfig::default() });
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Bulk")
        .property("blob", "QByteArray", PropertyMode::ReadOnly, Value::ByteArray(None))
        .build();
    let source = host.enable_source_without_slots("Bulk", class).unwrap();
    let mut stuck = tokio::net::TcpStream::connect(url.trim_start_matches("tcp://")).await.unwrap();
    stuck
        .write_all(&Packet::AddObject { name: "Bulk".into(), is_dynamic: false }.to_bytes(Dialect::Qt6).unwrap())
        .await
        .unwrap();
    tokio::time::timeout(T, async {
        while source.listener_count() < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await
        }
    })
    .await
    .unwrap();
    for n in 0..64u8 {
        source.set_property("blob", Value::bytes(vec![n; 256 * 1024])).unwrap();
        tokio::task::yield_now().await;
    }
    tokio::time::timeout(T, async {
        while source.listener_count() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await
        }
    })
    .await
    .expect("past the hard cap the stuck peer is disconnected");
    assert!(source.queued_bytes() < 8 * 1024 * 1024);
    drop(stuck);
}

#[tokio::test]
async fn a_flood_of_calls_to_a_slow_slot_pauses_the_caller_and_loses_nothing() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    // A tiny backlog: the host stops reading the flooding connection after 8 waiting calls.
    let host = Node::with_config(NodeConfig { event_backlog: 8, ..NodeConfig::default() });
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (log, running) = (seen.clone(), Arc::new(AtomicUsize::new(0)));
    let class = ClassBuilder::new("Slow").slot("note", &[("n", "int")], "void").build();
    let _source = host
        .enable_source("Slow", class, move |c: SlotCall| {
            let (log, running) = (log.clone(), running.clone());
            async move {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "calls of one source run one at a time");
                tokio::time::sleep(Duration::from_micros(200)).await;
                log.lock().unwrap().push(c.args[0].as_i64().unwrap());
                running.fetch_sub(1, Ordering::SeqCst);
                Value::Invalid
            }
        })
        .unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let r = client.acquire_dynamic("Slow");
    r.wait_for_source(T).await.unwrap();
    // Void calls are not awaited by the caller: 2000 of them arrive far faster than 200 us each.
    for n in 0..2000 {
        r.call("note", vec![Value::Int(n)]).await.unwrap();
    }
    tokio::time::timeout(Duration::from_secs(30), async {
        while seen.lock().unwrap().len() < 2000 {
            tokio::time::sleep(Duration::from_millis(10)).await
        }
    })
    .await
    .expect("every call ran");
    assert_eq!(*seen.lock().unwrap(), (0..2000).collect::<Vec<i64>>(), "in order, none lost");
    // The paused connection is healthy again afterwards.
    assert_eq!(r.state(), ReplicaState::Valid);
}

#[tokio::test]
async fn a_slow_event_reader_pauses_its_connection_and_loses_nothing() {
    // A tiny backlog: the replica's connection stops reading whenever its reader is 8 events
    // behind, so the host's queue (not the replica's memory) absorbs the burst.
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = host.enable_source_without_slots("Burst", simple()).unwrap();
    let client = Node::with_config(NodeConfig { event_backlog: 8, ..NodeConfig::default() });
    client.connect_to(&url).unwrap();
    let (r, mut events) = client.acquire_dynamic_with_events("Burst");
    r.wait_for_source(T).await.unwrap();
    for n in 1..=2000 {
        source.set_property("value", Value::Int(n)).unwrap();
        if n % 100 == 0 {
            source.ready().await;
        }
    }
    let mut next = 1;
    let read = async {
        while next <= 2000 {
            match events.recv().await.unwrap() {
                ReplicaEvent::PropertyChanged { name, value, .. } if name == "value" => {
                    assert_eq!(value, Value::Int(next), "in order, none lost");
                    next += 1;
                    if next % 50 == 0 {
                        tokio::time::sleep(Duration::from_millis(1)).await; // a slow reader
                    }
                }
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read).await.expect("every change arrived");
    assert_eq!(r.property("value"), Some(Value::Int(2000)));
}

/// Every event up to and including the first that `last` accepts.
async fn drain(rx: &mut EventReceiver<ReplicaEvent>, last: fn(&ReplicaEvent) -> bool) -> Vec<ReplicaEvent> {
    let mut got = Vec::new();
    tokio::time::timeout(T, async {
        loop {
            let e = rx.recv().await.expect("stream ended");
            let done = last(&e);
            got.push(e);
            if done {
                return;
            }
        }
    })
    .await
    .expect("timed out");
    got
}

#[tokio::test]
async fn filtered_subscriptions_get_only_the_kinds_they_asked_for() {
    use qtro_rs::node::EventFilter;
    let (_host, source, _client, replica) = simple_pair().await;
    let mut all = replica.events();
    let mut props = replica.events_filtered(EventFilter::PROPERTIES);
    let mut sigs = replica.events_filtered(EventFilter::SIGNALS);
    let mut notify = replica.events_filtered(EventFilter::NOTIFY_SIGNALS | EventFilter::PROPERTIES);

    for i in 1..=3 {
        source.set_property("value", Value::Int(i)).unwrap();
        source.emit("fired", vec![Value::Int(100 + i)]).unwrap();
    }
    let last_signal: fn(&ReplicaEvent) -> bool =
        |e| matches!(e, ReplicaEvent::Signal { args, .. } if args == &vec![Value::Int(103)]);
    let last_change: fn(&ReplicaEvent) -> bool =
        |e| matches!(e, ReplicaEvent::PropertyChanged { value: Value::Int(3), .. });
    let last_notify: fn(&ReplicaEvent) -> bool =
        |e| matches!(e, ReplicaEvent::Signal { args, property_index: Some(0), .. } if args == &vec![Value::Int(3)]);

    let everything = drain(&mut all, last_signal).await;
    assert_eq!(everything.iter().filter(|e| matches!(e, ReplicaEvent::PropertyChanged { .. })).count(), 3);
    assert_eq!(
        everything.iter().filter(|e| matches!(e, ReplicaEvent::Signal { property_index: Some(_), .. })).count(),
        3
    );
    assert_eq!(everything.iter().filter(|e| matches!(e, ReplicaEvent::Signal { property_index: None, .. })).count(), 3);

    let changes = drain(&mut props, last_change).await;
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert!(changes.iter().all(|e| EventFilter::of(e) == EventFilter::PROPERTIES));

    let signals = drain(&mut sigs, last_signal).await;
    assert_eq!(signals.len(), 3, "{signals:?}");
    assert!(signals
        .iter()
        .all(|e| matches!(e, ReplicaEvent::Signal { name, property_index: None, .. } if name == "fired")));

    let pairs = drain(&mut notify, last_notify).await;
    assert_eq!(pairs.len(), 6, "{pairs:?}");
    for pair in pairs.chunks(2) {
        let [ReplicaEvent::PropertyChanged { value, .. }, ReplicaEvent::Signal { args, property_index: Some(0), .. }] =
            pair
        else {
            panic!("a change and its notify signal, in that order: {pair:?}")
        };
        assert_eq!(args, &vec![value.clone()]);
    }

    // Dropping a filtered subscription leaves the others as they were.
    drop(sigs);
    source.emit("fired", vec![Value::Int(7)]).unwrap();
    source.set_property("value", Value::Int(4)).unwrap();
    let e = next_matching(&mut props, |_| true).await;
    assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(4) });
}

#[tokio::test]
async fn a_batch_of_changes_arrives_complete_and_in_order() {
    let (_host, source, _client, replica) = simple_pair().await;
    let mut events =
        replica.events_filtered(qtro_rs::node::EventFilter::PROPERTIES | qtro_rs::node::EventFilter::SIGNALS);

    source.batch(|b| {
        for i in 1..=500 {
            b.set_property("value", Value::Int(i)).unwrap();
            b.emit("fired", vec![Value::Int(-i)]).unwrap();
        }
        assert_eq!(b.property("value").unwrap(), Value::Int(500));
        assert!(b.set_property("nope", Value::Int(1)).is_err());
        assert!(b.emit("fired", vec![]).is_err(), "wrong argument count");
    });
    for i in 1..=500 {
        let e = next_matching(&mut events, |_| true).await;
        assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(i) });
        let e = next_matching(&mut events, |_| true).await;
        assert!(matches!(e, ReplicaEvent::Signal { args, .. } if args == vec![Value::Int(-i)]));
    }
    assert_eq!(replica.property("value"), Some(Value::Int(500)));

    // Calling back into the node from inside a batch is a panic, not a deadlock, and the node
    // stays usable.
    let inside = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| source.batch(|_| source.property("value"))));
    assert!(inside.is_err());
    source.set_property("value", Value::Int(501)).unwrap();
    let e = next_matching(&mut events, |_| true).await;
    assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(501) });
}

#[tokio::test]
async fn signals_nobody_wants_are_skipped_until_someone_subscribes() {
    use qtro_rs::node::EventFilter;
    let (_host, source, _client, replica) = simple_pair().await;
    let mut props = replica.events_filtered(EventFilter::PROPERTIES);
    // Signals and notify signals arrive with no one wanting them (the core then stops building them).
    for i in 1..=3 {
        source.emit("fired", vec![Value::Int(i)]).unwrap();
        source.set_property("value", Value::Int(i)).unwrap();
        let e = next_matching(&mut props, |_| true).await;
        assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(i) });
    }
    assert_eq!(replica.property("value"), Some(Value::Int(3)), "values update regardless");
    // A new subscriber gets them again, with their arguments.
    let mut all = replica.events();
    source.emit("fired", vec![Value::Int(42)]).unwrap();
    source.set_property("value", Value::Int(4)).unwrap();
    let e = next_matching(&mut all, |e| matches!(e, ReplicaEvent::Signal { .. })).await;
    assert!(
        matches!(&e, ReplicaEvent::Signal { args, property_index: None, .. } if *args == vec![Value::Int(42)]),
        "{e:?}"
    );
    let e = next_matching(&mut all, |e| matches!(e, ReplicaEvent::Signal { .. })).await;
    assert!(
        matches!(&e, ReplicaEvent::Signal { args, property_index: Some(0), .. } if *args == vec![Value::Int(4)]),
        "{e:?}"
    );
    // And the property subscriber saw only property changes throughout.
    let e = next_matching(&mut props, |_| true).await;
    assert_eq!(e, ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(4) });
    assert!(props.is_empty());
}

/// Events an observer recorded, shared with the test.
type Seen = std::sync::Arc<std::sync::Mutex<Vec<ReplicaEvent>>>;

fn recorder(seen: &Seen) -> impl FnMut(&ReplicaEvent) + Send + 'static {
    let seen = seen.clone();
    move |e| seen.lock().unwrap().push(e.clone())
}

async fn until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(T, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("timed out waiting for observers");
}

#[tokio::test]
async fn observers_see_the_events_they_asked_for_in_order_beside_streams() {
    use qtro_rs::node::EventFilter;
    let (_host, source, _client, replica) = simple_pair().await;
    let (signals, changes): (Seen, Seen) = Default::default();
    let _sig = replica.observe(EventFilter::SIGNALS, recorder(&signals));
    let _chg = replica.observe(EventFilter::PROPERTIES | EventFilter::NOTIFY_SIGNALS, recorder(&changes));
    let mut stream = replica.events_filtered(EventFilter::SIGNALS);

    // Many in one batch (decoded from one read) and a few alone.
    source.batch(|b| {
        for i in 0..1000 {
            b.emit("fired", vec![Value::Int(i)]).unwrap();
        }
    });
    for i in 1..=3 {
        source.set_property("value", Value::Int(i)).unwrap();
    }
    source.emit("fired", vec![Value::Int(1000)]).unwrap();
    until(|| signals.lock().unwrap().len() == 1001 && changes.lock().unwrap().len() == 6).await;

    let signals = signals.lock().unwrap().clone();
    for (i, e) in signals.iter().enumerate() {
        assert!(
            matches!(e, ReplicaEvent::Signal { name, args, property_index: None, .. } if name == "fired" && *args == vec![Value::Int(i as i32)]),
            "{i}: {e:?}"
        );
    }
    let changes = changes.lock().unwrap().clone();
    for (pair, i) in changes.chunks(2).zip(1..) {
        assert_eq!(pair[0], ReplicaEvent::PropertyChanged { index: 0, name: "value".into(), value: Value::Int(i) });
        assert!(
            matches!(&pair[1], ReplicaEvent::Signal { args, property_index: Some(0), .. } if *args == vec![Value::Int(i)]),
            "{pair:?}"
        );
    }
    // The stream subscriber got the same signals, arguments intact (the observers' argument
    // buffers are reused only for events no stream holds).
    let streamed =
        drain(&mut stream, |e| matches!(e, ReplicaEvent::Signal { args, .. } if *args == vec![Value::Int(1000)])).await;
    assert_eq!(streamed, signals);
}

#[tokio::test]
async fn dropping_an_observation_stops_its_callback_even_from_inside_it() {
    use qtro_rs::node::{EventFilter, Observation};
    let (_host, source, _client, replica) = simple_pair().await;
    let seen: Seen = Default::default();
    let dropped = replica.observe(EventFilter::SIGNALS, recorder(&seen));
    drop(dropped);

    // An observer that drops its own observation at the third signal.
    let own: std::sync::Arc<std::sync::Mutex<Option<Observation>>> = Default::default();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let observation = replica.observe(EventFilter::SIGNALS, {
        let (own, count) = (own.clone(), count.clone());
        move |_| {
            if count.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
                drop(own.lock().unwrap().take());
            }
        }
    });
    *own.lock().unwrap() = Some(observation);
    let mut stream = replica.events_filtered(EventFilter::SIGNALS);
    for i in 0..10 {
        source.emit("fired", vec![Value::Int(i)]).unwrap();
    }
    drain(&mut stream, |e| matches!(e, ReplicaEvent::Signal { args, .. } if *args == vec![Value::Int(9)])).await;
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 3);
    assert!(seen.lock().unwrap().is_empty(), "dropped before any signal");

    // A callback holding the last handle of its replica: removing it releases the replica
    // (which locks the node) after the node's lock is let go, not under it.
    let holder = replica.observe(EventFilter::SIGNALS, {
        let replica = replica.clone();
        move |_| assert!(!replica.name().is_empty())
    });
    drop((replica, stream));
    drop(holder);
    source.emit("fired", vec![Value::Int(10)]).unwrap();
    tokio::time::timeout(T, async {
        while source.listener_count() != 0 {
            tokio::time::sleep(Duration::from_millis(5)).await
        }
    })
    .await
    .expect("the replica is released once the callback holding it is gone");
}

#[tokio::test]
async fn an_observer_that_panics_or_calls_the_node_is_removed_and_the_connection_goes_on() {
    use qtro_rs::node::EventFilter;
    let (_host, source, _client, replica) = simple_pair().await;
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let _panics = replica.observe(EventFilter::SIGNALS, {
        let calls = calls.clone();
        move |_| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            panic!("observer fails");
        }
    });
    // Calling the node from a callback would deadlock on the node's lock: it panics instead.
    let _reenters = replica.observe(EventFilter::SIGNALS, {
        let (replica, calls) = (replica.clone(), calls.clone());
        move |_| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = replica.property("value");
        }
    });
    let seen: Seen = Default::default();
    let _fine = replica.observe(EventFilter::SIGNALS, recorder(&seen));
    for i in 0..5 {
        source.emit("fired", vec![Value::Int(i)]).unwrap();
    }
    until(|| seen.lock().unwrap().len() == 5).await;
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2, "each failing observer ran once");
    // The replica still works, from outside the callbacks.
    assert_eq!(replica.call("add", vec![Value::Int(2), Value::Int(3)]).await.unwrap(), Value::Int(5));
}

#[tokio::test]
async fn large_byte_arrays_arrive_intact_whatever_their_size_and_listeners() {
    use qtro_rs::node::EventFilter;
    // Values around the size from which they are sent by reference (not copied into the
    // output), to one replica and then to two (shared output).
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Blobs")
        .property("blob", "QByteArray", PropertyMode::ReadOnly, Value::ByteArray(None))
        .signal("sent", &[("first", "QByteArray"), ("n", "int"), ("second", "QByteArray")])
        .build();
    let source = host.enable_source_without_slots("Blobs", class).unwrap();
    let sizes = [0usize, 1, 65535, 65536, 65537, 1 << 20, 3 << 20];
    let blob = |size: usize, salt: usize| Value::bytes((0..size).map(|i| (i * 31 + salt) as u8).collect::<Vec<u8>>());

    let mut replicas = Vec::new();
    for round in 0..2 {
        let client = Node::new();
        client.connect_to(&url).unwrap();
        let replica = client.acquire_dynamic("Blobs");
        replica.wait_for_source(T).await.unwrap();
        replicas.push((
            client,
            replica.clone(),
            replica.events_filtered(EventFilter::PROPERTIES | EventFilter::SIGNALS),
        ));
        for (salt, &size) in sizes.iter().enumerate() {
            let (value, other) = (blob(size, salt + round), blob(sizes[sizes.len() - 1 - salt], salt));
            source.set_property("blob", value.clone()).unwrap();
            source.emit("sent", vec![value.clone(), Value::Int(salt as i32), other.clone()]).unwrap();
            for (_, _, events) in &mut replicas {
                let e = next_matching(events, |e| matches!(e, ReplicaEvent::PropertyChanged { .. })).await;
                assert!(matches!(&e, ReplicaEvent::PropertyChanged { value: v, .. } if *v == value), "size {size}");
                let e = next_matching(events, |e| matches!(e, ReplicaEvent::Signal { property_index: None, .. })).await;
                let ReplicaEvent::Signal { args, .. } = e else { unreachable!() };
                assert_eq!(args, vec![value.clone(), Value::Int(salt as i32), other.clone()], "size {size}");
            }
        }
    }
    for (_, replica, _) in &replicas {
        assert_eq!(replica.property("blob"), Some(blob(3 << 20, sizes.len() - 1 + 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn borrowed_emits_reach_observers_and_streams_exactly() {
    // A producer lends the same argument vector to every emit, changing what differs; the
    // observing replica decodes each signal over the previous one's arguments. Strings of every
    // length (past the kept-buffer bound too), null strings and an argument that needs
    // converting all arrive exactly as sent, to observers and to an event stream alike.
    use qtro_rs::node::EventFilter;
    let class = ClassBuilder::new("Talk").signal("said", &[("text", "QString"), ("n", "int")]).build();
    let host = Node::new();
    let bound = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let source = host.enable_source("Talk", class, |_: SlotCall| async { Value::Invalid }).unwrap();
    let client = Node::new();
    client.connect_to(&bound).unwrap();
    let replica = client.acquire_dynamic("Talk");
    replica.wait_for_source(T).await.unwrap();
    let (tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let _observation = replica.observe(EventFilter::SIGNALS, move |e| {
        if let ReplicaEvent::Signal { args, .. } = e {
            tx.send(args.clone()).unwrap();
        }
    });

    let text = |i: usize| {
        if i % 7 == 3 {
            Value::String(None)
        } else {
            Value::string("é".repeat(i % 5) + &"x".repeat((i * 37) % 3000))
        }
    };
    let mut args = [Value::Invalid, Value::Int(0)];
    // First the observer alone (its signals' arguments go back to the decoder and are decoded
    // over), then with an event stream as well (the arguments go with the events).
    for with_stream in [false, true] {
        let mut stream = with_stream.then(|| replica.events_filtered(EventFilter::SIGNALS));
        for i in 0..300 {
            args[0] = text(i);
            // Every third emit gives the int as a qlonglong, which is converted on a copy.
            args[1] = if i % 3 == 0 { Value::LongLong(i as i64) } else { Value::Int(i as i32) };
            source.emit_ref("said", &args).unwrap();
        }
        assert!(source.emit_ref("said", &args[..1]).is_err(), "wrong argument count");
        assert_eq!(args[1], Value::Int(299), "the lent arguments are left as they were");
        for i in 0..300 {
            let expected = vec![text(i), Value::Int(i as i32)];
            let observed = tokio::time::timeout(T, seen.recv()).await.unwrap().unwrap();
            assert_eq!(observed, expected, "observed signal {i}");
            if let Some(stream) = stream.as_mut() {
                let streamed = next_matching(stream, |_| true).await;
                assert!(
                    matches!(&streamed, ReplicaEvent::Signal { args, .. } if *args == expected),
                    "streamed signal {i}: {streamed:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn event_receivers_are_streams_that_end_when_the_node_shuts_down() {
    use futures_util::StreamExt;
    use qtro_rs::node::{EventFilter, SourceEvent};
    let (host, source, client, replica) = simple_pair().await;
    let mut changes = replica.events_filtered(EventFilter::PROPERTIES);
    // A typed stream keeps the events its conversion maps and skips the rest without waiting.
    let fired = |e: ReplicaEvent| match e {
        ReplicaEvent::Signal { name, args, .. } if name == "fired" => args.first().and_then(Value::as_i64),
        _ => None,
    };
    let mut codes = qtro_rs::typed::EventStream::new(replica.events(), fired);
    let mut writes = source.events();

    for i in 1..=3 {
        source.set_property("value", Value::Int(i)).unwrap();
        source.emit("fired", vec![Value::Int(10 * i)]).unwrap();
    }
    let got: Vec<ReplicaEvent> = tokio::time::timeout(T, (&mut changes).take(3).collect()).await.unwrap();
    let values: Vec<Value> = got
        .into_iter()
        .map(|e| if let ReplicaEvent::PropertyChanged { value, .. } = e { value } else { panic!("{e:?}") })
        .collect();
    assert_eq!(values, [Value::Int(1), Value::Int(2), Value::Int(3)]);
    let got: Vec<i64> = tokio::time::timeout(T, (&mut codes).take(3).collect()).await.unwrap();
    assert_eq!(got, [10, 20, 30]);

    replica.set_property("name", Value::string("x")).unwrap();
    let written = tokio::time::timeout(T, writes.next()).await.unwrap();
    assert!(matches!(written, Some(SourceEvent::PropertyWritten { ref name, .. }) if name == "name"), "{written:?}");

    // The replica handle lives on, yet its streams end: what was queued first, then `None`.
    client.shutdown();
    let rest: Vec<ReplicaEvent> = tokio::time::timeout(T, changes.collect()).await.expect("the stream ends");
    assert!(rest.iter().all(|e| matches!(e, ReplicaEvent::PropertyChanged { name, .. } if name == "name")), "{rest:?}");
    assert_eq!(tokio::time::timeout(T, codes.next()).await.unwrap(), None);
    assert_eq!(replica.events().next().await, None, "a stream subscribed after the shutdown ends at once");

    // Dropping a node's last handle shuts it down too, though the `Source` handle keeps its
    // state alive.
    drop(host);
    assert_eq!(tokio::time::timeout(T, writes.collect::<Vec<_>>()).await.expect("the source's stream ends"), []);
    assert_eq!(source.events().next().await, None);
}
