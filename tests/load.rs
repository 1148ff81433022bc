//! Load: one source, 1000 replicas (1000 connections), sustained property changes and signals
//! for a bounded time; every replica ends with the final values and every signal in order.

use std::time::Duration;

use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
use qtro_rs::node::{Node, ReplicaEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_source_a_thousand_replicas() {
    const REPLICAS: usize = 1000;
    const TICKS: i32 = 100;
    let host = Node::new();
    let url = host.listen("tcp://127.0.0.1:0").await.unwrap();
    let class = ClassBuilder::new("Load")
        .property("seq", "int", PropertyMode::ReadOnly, Value::Int(0))
        .signal("tick", &[("n", "int")])
        .build();
    let source = host.enable_source_without_slots("Load", class).unwrap();

    // One node per connection, as separate peers would be.
    let mut checkers = Vec::new();
    let mut nodes = Vec::new();
    for _ in 0..REPLICAS {
        let node = Node::new();
        node.connect_to(&url).unwrap();
        let (replica, mut events) = node.acquire_dynamic_with_events("Load");
        nodes.push(node);
        checkers.push(tokio::spawn(async move {
            replica.wait_for_source(Duration::from_secs(60)).await.expect("valid");
            let mut next = 1;
            while next <= TICKS {
                match tokio::time::timeout(Duration::from_secs(60), events.recv()).await {
                    Ok(Some(ReplicaEvent::Signal { name, args, .. })) if name == "tick" => {
                        assert_eq!(args, vec![Value::Int(next)], "ticks in order, none lost");
                        next += 1;
                    }
                    Ok(Some(_)) => {}
                    other => panic!("replica stream ended or stalled at tick {next}: {other:?}"),
                }
            }
            // The final value is there too.
            replica.property("seq")
        }));
    }
    tokio::time::timeout(Duration::from_secs(60), async {
        while source.listener_count() < REPLICAS {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("all replicas acquired");

    for n in 1..=TICKS {
        source.ready().await;
        source.set_property("seq", Value::Int(n)).unwrap();
        source.emit("tick", vec![Value::Int(n)]).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for c in checkers {
        let last = c.await.expect("checker");
        assert_eq!(last, Some(Value::Int(TICKS)));
    }
    let rss_kb: u64 = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:").map(|v| v.trim().trim_end_matches(" kB").parse().unwrap()))
        .unwrap();
    eprintln!("peak RSS with {REPLICAS} replicas and their host in one process: {} MiB", rss_kb / 1024);
    assert!(rss_kb < 1024 * 1024, "memory stays bounded: {rss_kb} kB");
}
