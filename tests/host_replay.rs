//! The sans-IO host replays the captured Qt 6.4 static and dynamic sessions: fed the client's
//! captured frames, it must answer with exactly the bytes the stock Qt host sent.

use std::sync::Arc;

use qtro_rs::core::*;

mod common;
use common::captures::{frames, qt_string, raw_frame, simple_class as class};

fn simple_class() -> Arc<SourceClass> {
    Arc::new(class())
}

fn host() -> HostCore {
    let mut h = HostCore::new(Dialect::Qt6, Limits::DEFAULT);
    let class = simple_class();
    h.enable("Simple", class.clone(), class.defaults.clone()).unwrap();
    h
}

fn out(h: &mut HostCore, conn: ConnectionId) -> String {
    hex::encode(h.take_output(conn).unwrap_or_default())
}

fn joined(frames: &[(String, Vec<u8>)], idx: &[usize]) -> String {
    idx.iter().map(|&i| hex::encode(&frames[i].1)).collect()
}

#[test]
fn host_answers_a_static_qt_replica_exactly_like_qt() {
    let f = frames("### 1. Qt 6.4 static session");
    assert_eq!(f.len(), 17);
    let mut h = host();
    h.accept(1);
    assert_eq!(out(&mut h, 1), joined(&f, &[0, 1]), "Handshake + ObjectList");

    h.receive(1, &f[2].1);
    assert_eq!(out(&mut h, 1), joined(&f, &[3]), "InitPacket");
    assert_eq!(h.poll_event(), Some(HostEvent::Acquired { conn: 1, source: "Simple".into(), dynamic: false }));

    h.receive(1, &f[4].1); // add(2, 3)
    let Some(HostEvent::Invoked { slot: 0, args, serial_id: Some(serial), .. }) = h.poll_event() else { panic!() };
    let sum = args[0].as_i64().unwrap() + args[1].as_i64().unwrap();
    h.reply(1, "Simple", serial, Value::Int(sum as i32)).unwrap();
    assert_eq!(out(&mut h, 1), joined(&f, &[5]), "InvokeReply");

    h.receive(1, &f[6].1); // setName("hi")
    assert_eq!(out(&mut h, 1), joined(&f, &[7, 8]), "PropertyChange + notify");
    assert!(matches!(h.poll_event(), Some(HostEvent::PropertyWritten { property: 1, .. })));

    h.receive(1, &f[9].1); // pushValue(7)
    assert_eq!(out(&mut h, 1), joined(&f, &[10, 11]));
    assert!(matches!(h.poll_event(), Some(HostEvent::PropertyWritten { property: 0, .. })));

    h.receive(1, &f[12].1); // reset(): the application resets and fires
    let Some(HostEvent::Invoked { slot: 1, serial_id: None, .. }) = h.poll_event() else { panic!() };
    h.set_property("Simple", 0, Value::Int(0)).unwrap();
    let fired = simple_class().signal_index("fired").unwrap();
    h.emit_signal("Simple", fired, &[Value::Int(42)]).unwrap();
    assert_eq!(out(&mut h, 1), joined(&f, &[13, 14, 15]));

    h.receive(1, &f[16].1);
    assert_eq!(h.poll_event(), Some(HostEvent::Released { conn: 1, source: "Simple".into() }));
    assert!(h.listeners("Simple").is_empty());
}

#[test]
fn host_answers_a_dynamic_qt_replica_exactly_like_qt() {
    let f = frames("### 2. Qt 6.4 dynamic acquisition");
    let mut h = host();
    h.accept(7);
    assert_eq!(out(&mut h, 7), joined(&f, &[0, 1]));
    h.receive(7, &f[2].1);
    assert_eq!(out(&mut h, 7), joined(&f, &[3]), "InitDynamicPacket");
}

#[test]
fn host_answers_pings() {
    let f = frames("### 3. Qt 6.4 heartbeat");
    let mut h = host();
    h.accept(1);
    h.take_output(1);
    h.receive(1, &f[0].1);
    assert_eq!(out(&mut h, 1), joined(&f, &[1]));
}

#[test]
fn bad_requests_are_rejected_without_output_and_garbage_fails_the_connection() {
    let mut h = host();
    h.accept(1);
    h.take_output(1);
    let send = |h: &mut HostCore, p: Packet| h.receive(1, &p.to_bytes(Dialect::Qt6).unwrap());
    send(&mut h, Packet::AddObject { name: "Nope".into(), is_dynamic: false });
    assert!(matches!(h.poll_event(), Some(HostEvent::Rejected { .. })));
    let call = |index, args| {
        Packet::Invoke(Invoke { name: "Simple".into(), call: 0, index, args, serial_id: 1, property_index: -1 })
    };
    send(&mut h, call(9, vec![]));
    assert!(matches!(h.poll_event(), Some(HostEvent::Rejected { .. })));
    send(&mut h, call(1, vec![Value::Int(1)])); // add(int,int) with one argument
    assert!(matches!(h.poll_event(), Some(HostEvent::Rejected { .. })));
    send(&mut h, call(-3, vec![]));
    assert!(matches!(h.poll_event(), Some(HostEvent::Rejected { .. })));
    assert_eq!(h.take_output(1), None, "nothing is answered to bad requests");
    // Another client is unaffected by a failing one.
    h.accept(2);
    h.receive(1, &[0xff, 0xff, 0xff, 0x7f, 0x01]);
    assert!(matches!(h.poll_event(), Some(HostEvent::ProtocolError { conn: 1, .. })));
    h.take_output(2);
    h.receive(2, &Packet::AddObject { name: "Simple".into(), is_dynamic: false }.to_bytes(Dialect::Qt6).unwrap());
    assert!(h.take_output(2).is_some());
}

/// Frames whose content cannot be decoded cost only themselves; frames of types clients never
/// send are not even decoded; only framing errors and limit violations close the connection.
#[test]
fn undecodable_frames_cost_only_themselves() {
    let mut h = host();
    h.accept(1);
    h.take_output(1);
    let name = qt_string("Simple");
    // An Invoke whose argument is a user type nobody registered.
    let mut invoke = name.clone();
    invoke.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    invoke.extend_from_slice(&[0, 0, 1, 0, 0, 8, 0, 0, 0]);
    invoke.extend_from_slice(b"Mystery\0");
    h.receive(1, &raw_frame(6, &invoke));
    assert!(matches!(h.poll_event(), Some(HostEvent::Rejected { conn: 1, reason }) if reason.contains("Mystery")));
    // The same bytes as a PropertyChange (a type only hosts send): ignored, not decoded.
    h.receive(1, &raw_frame(8, &invoke));
    assert_eq!(h.poll_event(), None);
    // The connection still works.
    let mut add = name.clone();
    add.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
    for v in [2i32, 3] {
        add.extend_from_slice(&[2, 0, 0, 0, 0]);
        add.extend_from_slice(&v.to_le_bytes());
    }
    add.extend_from_slice(&[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    h.receive(1, &raw_frame(6, &add));
    assert!(
        matches!(h.poll_event(), Some(HostEvent::Invoked { args, serial_id: Some(5), .. }) if args == [Value::Int(2), Value::Int(3)])
    );
    // A frame longer than the packet limit closes it.
    h.receive(1, &u32::MAX.to_le_bytes());
    assert!(matches!(h.poll_event(), Some(HostEvent::ProtocolError { conn: 1, .. })));
}
