//! `Node::enable_model` and `ModelHost` against a plain replica of the adapter class over TCP:
//! requests are answered from the model, changes arrive as the adapter's signals, a replica's
//! setData comes back as a host event and a dataChanged, bad requests get empty replies.

use std::time::Duration;

use qtro_rs::core::model::adapter::{adapter_class, sig};
use qtro_rs::core::model::types::{entries_from_value, path_to_value, roles_to_value};
use qtro_rs::core::model::{
    AdapterRequest, CacheReply, Cell, ModelIndex, ModelSignal, ModelSize, Orientation, Row, TableModel, TreeModel,
};
use qtro_rs::core::{Dialect, Value};
use qtro_rs::node::{EventReceiver, ModelHostEvent, ModelOptions, Node, Replica, ReplicaEvent};

const T: Duration = Duration::from_secs(10);

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

async fn call(replica: &Replica, req: AdapterRequest) -> Value {
    replica.call_at(req.method(), req.to_args(Dialect::Qt6)).await.unwrap()
}

async fn next_signal(events: &mut EventReceiver<ReplicaEvent>) -> ModelSignal {
    tokio::time::timeout(T, async {
        loop {
            match events.recv().await.expect("events") {
                ReplicaEvent::Signal { index, args, .. } => return ModelSignal::from_signal(index, &args).unwrap(),
                _ => continue,
            }
        }
    })
    .await
    .expect("a signal")
}

async fn serve<M: qtro_rs::node::ModelSource>(
    model: M,
    options: ModelOptions,
) -> (Node, qtro_rs::node::ModelHost<M>, Node, Replica, EventReceiver<ReplicaEvent>) {
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let served = host.enable_model("Items", model, options).unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let (replica, events) = client.acquire_with_events("Items", adapter_class(Dialect::Qt6));
    replica.wait_for_source(T).await.unwrap();
    (host, served, client, replica, events)
}

#[tokio::test]
async fn a_table_is_served_and_its_changes_signalled() {
    let mut table = TableModel::new(&[(0, "display"), (257, "rank")], 2);
    table
        .insert_rows(0, (0..5).map(|r| vec![Cell::new(format!("r{r}")).with(257, r), Cell::new("x")]).collect())
        .unwrap();
    let (_host, served, _client, replica, mut events) = serve(table, ModelOptions::default()).await;
    assert_eq!(replica.property("availableRoles"), Some(roles_to_value(&[0, 257], Dialect::Qt6)));

    let size = call(&replica, AdapterRequest::Size { parent: vec![] }).await;
    assert_eq!(ModelSize::from_value(&size, "size").unwrap(), ModelSize { columns: 2, rows: 5 });
    let rows =
        call(&replica, AdapterRequest::Rows { start: vec![ix(3, 0)], end: vec![ix(9, 0)], roles: vec![257] }).await;
    let rows = entries_from_value(&rows, 8).unwrap();
    assert_eq!(rows.iter().map(|i| i.data[0].clone()).collect::<Vec<_>>(), [Value::Int(3), Value::Int(4)]);
    let cache = call(&replica, AdapterRequest::Cache { size: 3, roles: vec![] }).await;
    let cache = CacheReply::from_value(&cache, 8).unwrap();
    assert_eq!((cache.items.len(), cache.roles.clone()), (3, vec![0, 257]));
    assert_eq!(served.served_cells(), 2 + 3);

    served.insert_rows(1, vec![vec![Cell::new("new"), Cell::new("y")]]).unwrap();
    assert_eq!(next_signal(&mut events).await, ModelSignal::RowsInserted { parent: vec![], first: 1, last: 1 });
    served.set_data(2, 1, 0, Value::string("changed")).unwrap();
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::DataChanged { top_left: vec![ix(2, 1)], bottom_right: vec![ix(2, 1)], roles: vec![0] }
    );
    served.set_header(Orientation::Horizontal, 0, 0, Value::string("A")).unwrap();
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::HeaderDataChanged { orientation: Orientation::Horizontal, first: 0, last: 0 }
    );
    served.move_rows(0, 2, 4).unwrap();
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::RowsMoved { parent: vec![], first: 0, last: 1, destination: vec![], row: 4 }
    );
    served.remove_columns(1, 1).unwrap();
    assert_eq!(next_signal(&mut events).await, ModelSignal::Reset);
    assert!(served.remove_rows(9, 1).is_err(), "out of range: refused, nothing sent");
    served.set_available_roles(vec![0]).unwrap();
    loop {
        match tokio::time::timeout(T, events.recv()).await.unwrap().unwrap() {
            ReplicaEvent::Signal { index, property_index, .. } if index == sig::AVAILABLE_ROLES_CHANGED => {
                assert_eq!(property_index, Some(0));
                break;
            }
            _ => continue,
        }
    }
    let header = call(&replica, AdapterRequest::Header { items: vec![(Orientation::Horizontal, 0, 0)] }).await;
    assert_eq!(header, Value::List(vec![Value::string("A")]));
    // After the move, row 2 holds "new"... the model answers in its current order.
    let rows =
        call(&replica, AdapterRequest::Rows { start: vec![ix(0, 0)], end: vec![ix(5, 0)], roles: vec![0] }).await;
    let shown: Vec<_> = entries_from_value(&rows, 8).unwrap().into_iter().map(|i| i.data[0].clone()).collect();
    let expected: Vec<_> = ["r1", "r2", "r0", "new", "r3", "r4"].into_iter().map(Value::string).collect();
    assert_eq!(shown, expected);
}

#[tokio::test]
async fn set_data_from_a_replica_is_an_event_and_comes_back_as_data_changed() {
    let tree = TreeModel::from_json(r#"{"rows": [{"cells": ["a"], "children": [["a0"], ["a1"]]}, ["b"]]}"#).unwrap();
    let (_host, served, _client, replica, mut events) =
        serve(tree, ModelOptions { selection: true, ..Default::default() }).await;
    let mut host_events = served.events();
    let req = AdapterRequest::SetData { index: vec![ix(0, 0), ix(1, 0)], value: Value::string("edited"), role: 0 };
    replica.call_at(req.method(), req.to_args(Dialect::Qt6)).await.unwrap();
    let e = tokio::time::timeout(T, host_events.recv()).await.unwrap().unwrap();
    assert!(
        matches!(&e, ModelHostEvent::DataSet { index, role: 0, value, .. } if *index == [ix(0, 0), ix(1, 0)] && *value == Value::string("edited")),
        "{e:?}"
    );
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::DataChanged {
            top_left: vec![ix(0, 0), ix(1, 0)],
            bottom_right: vec![ix(0, 0), ix(1, 0)],
            roles: vec![0]
        }
    );
    assert_eq!(served.with(|m| qtro_rs::node::ModelSource::data(m, &[ix(0, 0), ix(1, 0)], 0)), Value::string("edited"));
    // A role that is not served is refused.
    let req = AdapterRequest::SetData { index: vec![ix(1, 0)], value: Value::Int(1), role: 5 };
    replica.call_at(req.method(), req.to_args(Dialect::Qt6)).await.unwrap();
    let e = tokio::time::timeout(T, host_events.recv()).await.unwrap().unwrap();
    assert!(matches!(e, ModelHostEvent::DataRefused { role: 5, .. }), "{e:?}");

    // The current index, both ways.
    let req = AdapterRequest::SetCurrent { index: vec![ix(1, 0)], flags: Default::default() };
    replica.call_at(req.method(), req.to_args(Dialect::Qt6)).await.unwrap();
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::CurrentChanged { current: vec![ix(1, 0)], previous: vec![] }
    );
    served.set_current(vec![ix(0, 0), ix(0, 0)]).unwrap();
    assert_eq!(
        next_signal(&mut events).await,
        ModelSignal::CurrentChanged { current: vec![ix(0, 0), ix(0, 0)], previous: vec![ix(1, 0)] }
    );
    assert!(served.set_current(vec![ix(7, 0)]).is_err());

    served.insert_rows(&[ix(1, 0)], 0, vec![Row::of(["b0"])]).unwrap();
    assert_eq!(next_signal(&mut events).await, ModelSignal::RowsInserted { parent: vec![ix(1, 0)], first: 0, last: 0 });
    // A stale or bad path gets an empty reply, and the host keeps serving.
    let empty = call(
        &replica,
        AdapterRequest::Rows { start: vec![ix(9, 0), ix(0, 0)], end: vec![ix(9, 0), ix(3, 0)], roles: vec![] },
    )
    .await;
    assert!(entries_from_value(&empty, 8).unwrap().is_empty());
    let bad = replica.call_at(0, vec![path_to_value(&[ix(-4, 2)], Dialect::Qt6)]).await.unwrap();
    assert_eq!(ModelSize::from_value(&bad, "size").unwrap(), ModelSize::default());
    assert!(served.refused_requests() >= 2);
    let size = call(&replica, AdapterRequest::Size { parent: vec![ix(1, 0)] }).await;
    assert_eq!(ModelSize::from_value(&size, "size").unwrap(), ModelSize { columns: 1, rows: 1 });
}

/// The source's two ordering guarantees, seen on the wire by a raw client: while another thread
/// inserts a row at the top of the model over and over, every reply to "row 0?" shows exactly the
/// row the rowsInserted signals received before it announce, never one signalled after it (the
/// reply would run ahead) nor one whose signal already came (it would lag behind).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_reflect_exactly_the_changes_signalled_before_them() {
    use qtro_rs::core::{FrameDecoder, Invoke, Limits, Packet, TypeRegistry};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let mut table = TableModel::new(&[(0, "display")], 1);
    table.insert_rows(0, vec![vec![Cell::new("ins0")]]).unwrap();
    let served = host.enable_model("Items", table, ModelOptions::default()).unwrap();

    let mut s = tokio::net::TcpStream::connect(url.trim_start_matches("tcp://")).await.unwrap();
    let dialect = Dialect::Qt6;
    let send = |p: Packet| p.to_bytes(dialect).unwrap().to_vec();
    s.write_all(&send(Packet::AddObject { name: "Items".into(), is_dynamic: false })).await.unwrap();
    let mut decoder = FrameDecoder::new(dialect, &Limits::DEFAULT);
    let types = TypeRegistry::new(dialect);
    let mut buf = vec![0u8; 1 << 16];
    // Acquired first: from then on every change is signalled to this connection.
    'init: loop {
        let n = tokio::time::timeout(T, s.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the host closed the connection");
        decoder.extend(&buf[..n]);
        while let Some(frame) = decoder.next_frame().unwrap() {
            if let Packet::Init { .. } = Packet::decode(&frame, dialect, &types, &Limits::DEFAULT).unwrap() {
                break 'init;
            }
        }
    }
    const INSERTS: i32 = 3000;
    const ASKS: i32 = 400;
    let writer = {
        let served = served.clone();
        tokio::task::spawn_blocking(move || {
            for k in 1..=INSERTS {
                served.insert_rows(0, vec![vec![Cell::new(format!("ins{k}"))]]).unwrap();
            }
        })
    };
    let ask = |serial: i32| {
        let req = AdapterRequest::Rows { start: vec![ix(0, 0)], end: vec![ix(0, 0)], roles: vec![0] };
        send(Packet::Invoke(Invoke {
            name: "Items".into(),
            call: 0,
            index: req.method() as i32,
            args: req.to_args(dialect),
            serial_id: serial,
            property_index: -1,
        }))
    };
    let (mut inserted, mut replies, mut asked) = (0, 0, 0);
    let mut distinct = std::collections::BTreeSet::new();
    while replies < ASKS {
        if asked == replies && asked < ASKS {
            asked += 1;
            s.write_all(&ask(asked)).await.unwrap();
        }
        let n = tokio::time::timeout(T, s.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the host closed the connection");
        decoder.extend(&buf[..n]);
        while let Some(frame) = decoder.next_frame().unwrap() {
            match Packet::decode(&frame, dialect, &types, &Limits::DEFAULT).unwrap() {
                Packet::Invoke(Invoke { index, .. }) if index as usize == sig::ROWS_INSERTED => inserted += 1,
                Packet::InvokeReply { value, .. } => {
                    let items = entries_from_value(&value, 8).unwrap();
                    assert_eq!(
                        items[0].data[0],
                        Value::string(format!("ins{inserted}")),
                        "reply {replies} after {inserted} rowsInserted"
                    );
                    distinct.insert(inserted);
                    replies += 1;
                }
                _ => {}
            }
        }
    }
    writer.await.unwrap();
    // How many states the replies saw depends on scheduling; that they match is what counts.
    assert!(!distinct.is_empty());
}

/// A raw client asking for far too much gets replies cut to the caps, and the host keeps
/// serving it: a 2³¹-row range, a cache request of u64::MAX cells, a path 10 000 steps deep.
#[tokio::test]
async fn oversized_requests_are_answered_within_the_caps() {
    struct Huge;
    impl qtro_rs::node::ModelSource for Huge {
        fn role_names(&self) -> Vec<(i32, bytes::Bytes)> {
            vec![(0, "display".into())]
        }
        fn row_count(&self, parent: &[ModelIndex]) -> i32 {
            if parent.len() < 3 {
                i32::MAX
            } else {
                0
            }
        }
        fn column_count(&self, _parent: &[ModelIndex]) -> i32 {
            3
        }
        fn data(&self, index: &[ModelIndex], _role: i32) -> Value {
            Value::Int(index.last().map_or(-1, |i| i.row))
        }
    }
    let (_host, served, _client, replica, _events) = serve(Huge, ModelOptions::default()).await;
    let rows =
        call(&replica, AdapterRequest::Rows { start: vec![ix(0, 0)], end: vec![ix(i32::MAX, 2)], roles: vec![] }).await;
    let rows = entries_from_value(&rows, 8).unwrap();
    assert_eq!(rows.len(), 20_000 / 3 * 3, "whole rows, at most 20 000 cells");
    let cache =
        CacheReply::from_value(&call(&replica, AdapterRequest::Cache { size: u64::MAX, roles: vec![] }).await, 64)
            .unwrap();
    fn count(items: &[qtro_rs::core::model::ItemData]) -> usize {
        items.iter().map(|i| 1 + count(&i.children)).sum()
    }
    assert_eq!(count(&cache.items), 10_000, "at most 10 000 cells, depth-first");
    assert_eq!(cache.root_size, ModelSize { columns: 3, rows: i32::MAX });
    let deep = vec![ix(0, 0); 10_000];
    let size = call(&replica, AdapterRequest::Size { parent: deep }).await;
    assert_eq!(ModelSize::from_value(&size, "size").unwrap(), ModelSize::default());
    assert!(served.refused_requests() >= 3);
    let size = call(&replica, AdapterRequest::Size { parent: vec![ix(5, 1)] }).await;
    assert_eq!(ModelSize::from_value(&size, "size").unwrap(), ModelSize { columns: 3, rows: i32::MAX });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_model_is_read_on_its_executor_thread_only() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{mpsc, Arc};
    // The model's own thread: runs the jobs the node hands to the executor.
    let (tx, rx) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
    let (id_tx, id_rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        id_tx.send(std::thread::current().id()).unwrap();
        while let Ok(job) = rx.recv() {
            job();
        }
    });
    let model_thread = id_rx.recv().unwrap();
    let jobs = Arc::new(AtomicUsize::new(0));
    let counted = jobs.clone();
    let tx = std::sync::Mutex::new(tx);
    let executor: qtro_rs::node::ModelExecutor = Arc::new(move |job| {
        counted.fetch_add(1, Ordering::SeqCst);
        let _ = tx.lock().unwrap().send(job);
    });

    /// A table that records the threads it is read on.
    struct Probe {
        rows: i32,
        threads: Arc<std::sync::Mutex<Vec<std::thread::ThreadId>>>,
    }
    impl qtro_rs::node::ModelSource for Probe {
        fn role_names(&self) -> Vec<(i32, bytes::Bytes)> {
            vec![(0, bytes::Bytes::from_static(b"display"))]
        }
        fn row_count(&self, parent: &[ModelIndex]) -> i32 {
            self.threads.lock().unwrap().push(std::thread::current().id());
            if parent.is_empty() {
                self.rows
            } else {
                0
            }
        }
        fn column_count(&self, parent: &[ModelIndex]) -> i32 {
            i32::from(parent.is_empty())
        }
        fn data(&self, index: &[ModelIndex], _role: i32) -> Value {
            self.threads.lock().unwrap().push(std::thread::current().id());
            Value::String(Some(format!("row {}", index[0].row)))
        }
    }
    let threads = Arc::new(std::sync::Mutex::new(Vec::new()));
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let served = host
        .enable_model_deferred("Items", Probe { rows: 3, threads: threads.clone() }, ModelOptions::default(), executor)
        .unwrap();
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let m = client.acquire_model("Items", Default::default());
    m.wait_initialized(T).await.unwrap();
    m.fetch(&[], 0..3, T).await.unwrap();
    assert_eq!(m.row_count(&[]), Some(3));
    assert_eq!(m.data(&[ix(2, 0)], 0), qtro_rs::core::model::Lookup::Cached(Value::String(Some("row 2".into()))));
    // A change made and notified atomically on the model's side.
    let mut events = m.events();
    served
        .update(|p| {
            p.rows = 4;
            ((), vec![qtro_rs::core::model::ModelChange::RowsInserted { parent: vec![], first: 3, last: 3 }])
        })
        .unwrap();
    tokio::time::timeout(T, async {
        while !matches!(
            events.recv().await,
            Some(qtro_rs::core::model::ModelEvent::RowsInserted { first: 3, .. }) | None
        ) {}
    })
    .await
    .expect("rowsInserted");
    m.fetch(&[], 0..4, T).await.unwrap();
    assert_eq!(m.data(&[ix(3, 0)], 0), qtro_rs::core::model::Lookup::Cached(Value::String(Some("row 3".into()))));
    assert!(jobs.load(Ordering::SeqCst) >= 3, "every request went through the executor");
    let seen = threads.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|t| *t == model_thread), "the model was read only on its thread");
    drop(served);
    drop(host);
    drop(client);
    drop(m);
    let _ = worker;
}
