//! Item models under hostile input, over real sockets.
//!
//! Host side: a raw client sends the model adapter every malformed request Qt's adapter would
//! abort on (paths out of range or too deep, inverted and huge ranges, unequal header lists, a
//! prefetch of `u64::MAX` items, wrong argument types): each request that wants a reply gets one
//! of the right type, bounded, the connection stays, and a healthy replica following changes
//! meanwhile misses nothing.
//!
//! Replica side: a lying host (the adapter class served by a hand-written handler) answers with
//! entries outside the request, data lists of the wrong length, negative sizes, cyclic-deep
//! children, and signals naming rows that do not exist: the replica reports errors, keeps its
//! cache bounded, and reads the model correctly once the host tells the truth again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use qtro_rs::core::model::adapter::{method, sig};
use qtro_rs::core::model::types::{entries_to_value, path_to_value, role_names_to_value, roles_to_value};
use qtro_rs::core::model::{
    adapter_class, AdapterRequest, CacheReply, ItemData, Lookup, ModelEvent, ModelIndex, ModelSize, Row, TreeModel,
};
use qtro_rs::core::{Dialect, FrameDecoder, Invoke, Limits, Packet, Sequence, Size, TypeRegistry, Value};
use qtro_rs::node::{ModelOptions, ModelReplicaOptions, Node, SlotCall};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const T: Duration = Duration::from_secs(10);

fn ix(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

fn tree() -> TreeModel {
    let mut m = TreeModel::new(&[(0, "display"), (257, "rank")], 2);
    let rows = (0..50)
        .map(|r| {
            let children =
                if r % 10 == 0 { (0..3).map(|c| Row::of([format!("{r}.{c}"), "x".into()])).collect() } else { vec![] };
            Row::of([format!("row {r}"), format!("b{r}")]).with_children(children)
        })
        .collect();
    m.insert_rows(&[], 0, rows).unwrap();
    m
}

/// A raw connection that has acquired `name` statically.
struct Raw {
    s: TcpStream,
    frames: FrameDecoder,
    types: TypeRegistry,
}

impl Raw {
    async fn connect(addr: &str, name: &str) -> Raw {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let bytes = Packet::AddObject { name: name.into(), is_dynamic: false }.to_bytes(Dialect::Qt6).unwrap();
        s.write_all(&bytes).await.unwrap();
        let mut raw = Raw {
            s,
            frames: FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT),
            types: TypeRegistry::new(Dialect::Qt6),
        };
        raw.until("the InitPacket", |p| matches!(p, Packet::Init { .. }).then_some(())).await;
        raw
    }

    async fn invoke(&mut self, index: usize, args: Vec<Value>, serial_id: i32) {
        let p = Packet::Invoke(Invoke {
            name: "Items".into(),
            call: 0,
            index: index as i32,
            args,
            serial_id,
            property_index: -1,
        });
        self.s.write_all(&p.to_bytes(Dialect::Qt6).unwrap()).await.unwrap();
    }

    /// The next packet `pick` accepts (others skipped); panics when the host closes.
    async fn until<R>(&mut self, what: &str, mut pick: impl FnMut(Packet) -> Option<R>) -> R
    where
        R: Sized,
    {
        tokio::time::timeout(T, async {
            let mut buf = vec![0u8; 65536];
            loop {
                while let Some(frame) = self.frames.next_frame().unwrap() {
                    let p = Packet::decode(&frame, Dialect::Qt6, &self.types, &Limits::DEFAULT).unwrap();
                    if let Some(r) = pick(p) {
                        return r;
                    }
                }
                let n = self.s.read(&mut buf).await.unwrap();
                assert!(n > 0, "the host closed the connection waiting for {what}");
                self.frames.extend(&buf[..n]);
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {what}"))
    }

    async fn reply(&mut self, serial: i32) -> Value {
        self.until(&format!("the reply to call {serial}"), |p| match p {
            Packet::InvokeReply { serial_id, value, .. } if serial_id == serial => Some(value),
            _ => None,
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_model_requests_get_bounded_answers_and_cost_nothing_else() {
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let model = host.enable_model("Items", tree(), ModelOptions::default()).unwrap();
    let addr = url.trim_start_matches("tcp://").to_owned();

    // A healthy replica follows the model while it changes.
    let client = Node::new();
    client.connect_to(&url).unwrap();
    let good = client.acquire_model("Items", ModelReplicaOptions::default());
    good.wait_initialized(T).await.unwrap();
    let producer = {
        let model = model.clone();
        tokio::spawn(async move {
            for n in 0..300 {
                model.set_data(&[ix(n % 50, 1)], 0, Value::string(format!("v{n}"))).unwrap();
                if n % 25 == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        })
    };

    let mut raw = Raw::connect(&addr, "Items").await;
    let p = |path: &[ModelIndex]| path_to_value(path, Dialect::Qt6);
    let roles = |r: &[i32]| roles_to_value(r, Dialect::Qt6);
    let deep: Vec<ModelIndex> = (0..500).map(|_| ix(0, 0)).collect();
    let orientations = |o: &[i32]| {
        Value::Sequence(Sequence {
            type_name: "QList<Qt::Orientation>".into(),
            items: o.iter().map(|v| Value::Int(*v)).collect(),
        })
    };
    // (what, method, arguments): every one answered, none fatal.
    let cases: Vec<(&str, usize, Vec<Value>)> = vec![
        ("size of a row out of range", method::SIZE, vec![p(&[ix(999, 0)])]),
        ("size under a path 500 deep", method::SIZE, vec![p(&deep)]),
        ("size under a negative row", method::SIZE, vec![p(&[ix(-1, 0)])]),
        ("rows with empty start and end", method::ROWS, vec![p(&[]), p(&[]), roles(&[])]),
        ("rows inverted", method::ROWS, vec![p(&[ix(5, 0)]), p(&[ix(2, 0)]), roles(&[0])]),
        ("rows to i32::MAX", method::ROWS, vec![p(&[ix(0, 0)]), p(&[ix(i32::MAX, i32::MAX)]), roles(&[0])]),
        ("rows under different parents", method::ROWS, vec![p(&[ix(0, 0)]), p(&[ix(0, 0), ix(1, 0)]), roles(&[0])]),
        (
            "rows with unknown and negative roles",
            method::ROWS,
            vec![p(&[ix(0, 0)]), p(&[ix(3, 1)]), roles(&[-5, 99_999])],
        ),
        ("rows with 100 000 roles", method::ROWS, vec![p(&[ix(0, 0)]), p(&[ix(1, 1)]), roles(&vec![0; 100_000])]),
        (
            "header lists of unequal lengths",
            method::HEADER,
            vec![orientations(&[1, 2]), roles(&[0]), roles(&[0, 0, 0])],
        ),
        ("header orientation 7", method::HEADER, vec![orientations(&[7]), roles(&[0]), roles(&[0])]),
        ("prefetch of u64::MAX items", method::CACHE, vec![Value::ULong(u64::MAX), roles(&[])]),
    ];
    for (n, (what, index, args)) in cases.into_iter().enumerate() {
        let serial = n as i32 + 10;
        raw.invoke(index, args, serial).await;
        let value = raw.reply(serial).await;
        let expected = ["QSize", "DataEntries", "QVariantList", "", "", "MetaAndDataEntries"][index];
        assert_eq!(value.type_name(), expected, "{what}: {value:?}");
        let bytes =
            Packet::InvokeReply { name: "Items".into(), serial_id: serial, value }.to_bytes(Dialect::Qt6).unwrap();
        assert!(bytes.len() < 4 * 1024 * 1024, "{what}: a reply of {} bytes", bytes.len());
    }
    // Wrong argument types and counts are refused (Qt would misread them): no reply, no harm.
    raw.invoke(method::SIZE, vec![Value::Int(3)], 90).await;
    raw.invoke(method::ROWS, vec![p(&[])], 91).await;
    raw.invoke(77, vec![], 92).await;
    // setData on rows that do not exist, and an unavailable role: refused.
    raw.invoke(method::SET_DATA, vec![p(&[ix(999, 0)]), Value::string("x"), Value::Int(0)], -1).await;
    raw.invoke(method::SET_DATA, vec![p(&[ix(1, 0)]), Value::string("x"), Value::Int(4242)], -1).await;
    // The connection still works.
    raw.invoke(method::SIZE, vec![p(&[])], 100).await;
    assert_eq!(raw.reply(100).await, Value::Size(Size { width: 2, height: 50 }));
    raw.invoke(method::SIZE, vec![p(&[ix(10, 0)])], 101).await;
    assert_eq!(raw.reply(101).await, Value::Size(Size { width: 2, height: 3 }));

    producer.await.unwrap();
    // The healthy replica ends with the source's values.
    good.fetch(&[], 0..50, T).await.unwrap();
    let mut events = good.events();
    tokio::time::timeout(T, async {
        loop {
            let done =
                (250..300).all(|n| good.data(&[ix(n % 50, 1)], 0) == Lookup::Cached(Value::string(format!("v{n}"))));
            if done {
                break;
            }
            events.recv().await;
        }
    })
    .await
    .expect("the healthy replica saw the last values");
    assert_eq!(good.data(&[ix(1, 0)], 0), Lookup::Cached(Value::string("row 1")), "no write got through");
}

/// The values the lying host sends, and when it starts telling the truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lying_model_host_cannot_corrupt_or_bloat_a_replica() {
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let honest = Arc::new(AtomicBool::new(false));
    let handler = {
        let honest = honest.clone();
        move |call: SlotCall| {
            let honest = honest.load(Ordering::SeqCst);
            async move {
                let Ok(req) = AdapterRequest::from_invoke(call.slot, &call.args) else { return Value::Invalid };
                let cell = |r: i32, c: i32, text: String| ItemData {
                    index: vec![ix(r, c)],
                    data: vec![Value::string(text)],
                    flags: qtro_rs::core::model::ItemFlags::ENABLED,
                    ..Default::default()
                };
                match req {
                    AdapterRequest::Size { parent } if parent.is_empty() => {
                        // A billion rows: the replica must not allocate per row.
                        ModelSize { columns: 1, rows: if honest { 20 } else { 1_000_000_000 } }.to_value()
                    }
                    AdapterRequest::Size { .. } => ModelSize { columns: 1, rows: 0 }.to_value(),
                    AdapterRequest::Rows { start, end, .. } if honest => {
                        let (a, b) = (start[0].row, end[0].row.min(19));
                        entries_to_value(&(a..=b).map(|r| cell(r, 0, format!("true {r}"))).collect::<Vec<_>>())
                    }
                    AdapterRequest::Rows { start, .. } => {
                        let r = start[0].row;
                        let mut deep = cell(r, 0, "deep".into());
                        for _ in 0..40 {
                            deep = ItemData { children: vec![deep], has_children: true, ..cell(r, 0, "d".into()) };
                        }
                        entries_to_value(&[
                            // Outside the request.
                            cell(r + 5000, 0, "far away".into()),
                            // Two roles where one was asked for... and none.
                            ItemData {
                                data: vec![Value::Int(1), Value::Int(2), Value::Int(3)],
                                ..cell(r, 0, String::new())
                            },
                            ItemData { data: vec![], ..cell(r + 1, 0, String::new()) },
                            // A column that does not exist, a path two deep in a flat reply.
                            cell(r + 2, 7, "column 7".into()),
                            ItemData { index: vec![ix(r, 0), ix(0, 0)], ..cell(r, 0, "child".into()) },
                            deep,
                        ])
                    }
                    AdapterRequest::Cache { .. } => CacheReply {
                        items: vec![cell(-3, 0, "negative".into())],
                        roles: vec![0, 1, 2, 3],
                        root_size: ModelSize { columns: 1, rows: 5 },
                    }
                    .to_value(Dialect::Qt6),
                    AdapterRequest::Header { items } => Value::List(vec![Value::Int(0); items.len() + 7]),
                    _ => Value::Invalid,
                }
            }
        }
    };
    let class = adapter_class(Dialect::Qt6);
    let source = host.enable_source("Items", class, handler).unwrap();
    source.set_property("availableRoles", roles_to_value(&[0], Dialect::Qt6)).unwrap();
    source.set_property("roleNames", role_names_to_value(&[(0, "display".into())], Dialect::Qt6)).unwrap();

    let client = Node::new();
    client.connect_to(&url).unwrap();
    let replica = client.acquire_model("Items", ModelReplicaOptions { cache_rows: 100, ..Default::default() });
    let mut events = replica.events();
    replica.wait_initialized(T).await.unwrap();
    assert_eq!(replica.row_count(&[]), Some(1_000_000_000));

    // Scroll through lies.
    for start in (0..20_000).step_by(500) {
        replica.set_window(&[], start..start + 50);
        let _ = replica.data(&[ix(start, 0)], 0);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // Signals that name what does not exist, or make no sense.
    let p = |path: &[ModelIndex]| path_to_value(path, Dialect::Qt6);
    let int = Value::Int;
    let lies: Vec<(usize, Vec<Value>)> = vec![
        (sig::ROWS_REMOVED, vec![p(&[]), int(5), int(2)]),
        (sig::ROWS_REMOVED, vec![p(&[ix(3, 0), ix(9, 9)]), int(0), int(0)]),
        (sig::ROWS_MOVED, vec![p(&[]), int(10), int(20), p(&[]), int(15)]),
        (sig::ROWS_INSERTED, vec![p(&[ix(1_500_000_000, 0)]), int(0), int(i32::MAX)]),
        (sig::DATA_CHANGED, vec![p(&[ix(4, 0)]), p(&[ix(1, 3), ix(0, 0)]), roles_to_value(&[0], Dialect::Qt6)]),
        (sig::LAYOUT_CHANGED, vec![p(&[ix(-7, -7)]), int(99)]),
        (sig::HEADER_DATA_CHANGED, vec![int(3), int(0), int(0)]),
    ];
    for (index, args) in lies {
        let _ = source.emit_at(index, args);
    }
    let mut errors = 0;
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while let Some(e) = events.recv().await {
            if matches!(e, ModelEvent::Error(_)) {
                errors += 1;
            }
        }
    })
    .await;
    assert!(errors > 0, "the lies were reported");
    assert!(replica.cached_rows() <= 200, "the cache stayed within 2 x cache_rows: {}", replica.cached_rows());
    assert_ne!(
        replica.data(&[ix(5000, 0)], 0),
        Lookup::Cached(Value::string("far away")),
        "nothing outside a request is kept"
    );

    // The host tells the truth from now on and resets: the replica reads the model as it is.
    honest.store(true, Ordering::SeqCst);
    source.emit_at(sig::RESET, vec![]).unwrap();
    tokio::time::timeout(T, async {
        while replica.row_count(&[]) != Some(20) {
            events.recv().await;
        }
    })
    .await
    .expect("the reset was applied");
    replica.fetch(&[], 0..20, T).await.unwrap();
    for r in 0..20 {
        assert_eq!(replica.data(&[ix(r, 0)], 0), Lookup::Cached(Value::string(format!("true {r}"))));
    }
}
