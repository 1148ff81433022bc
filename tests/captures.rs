//! Golden vectors: frames and values captured from stock Qt 6.4 / 5.15 processes
//! (tests/vectors/captures.md, a copy of the protocol spec's captures chapter). Every frame must
//! decode completely, to the values the capture describes, and re-encode to identical bytes.

use bytes::Bytes;
use qtro_rs::core::variant::{from_bytes, to_bytes};
use qtro_rs::core::*;

/// A hex block from the captures document, with the heading it appeared under.
struct Block {
    heading: String,
    bytes: Vec<u8>,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut in_code = false;
    let mut hex = String::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            if in_code {
                let compact: String = hex.split_whitespace().collect();
                if !compact.is_empty() && compact.chars().all(|c| c.is_ascii_hexdigit()) {
                    out.push(Block { heading: heading.clone(), bytes: hex::decode(&compact).unwrap() });
                }
                hex.clear();
            }
            in_code = !in_code;
        } else if in_code {
            hex.push_str(line);
            hex.push(' ');
        } else if line.starts_with('#') || line.starts_with("P") && line.contains(':') {
            heading = line.to_owned();
        }
    }
    out
}

fn registry(dialect: Dialect) -> TypeRegistry {
    let mut t = TypeRegistry::new(dialect);
    t.register_gadget("Point3", ["x", "y", "z"].iter().map(|f| (f.to_string(), "int".to_string())).collect());
    t.register_gadget("Tagged", vec![("kind".into(), "Tagged::Kind".into()), ("label".into(), "QString".into())]);
    t.register_enum("Tagged::Kind", 4);
    t
}

/// Which dialect a frame is in, from its length header.
fn frame_dialect(bytes: &[u8]) -> Option<Dialect> {
    let n = bytes.len().checked_sub(4)? as u32;
    if u32::from_le_bytes(bytes[..4].try_into().ok()?) == n {
        Some(Dialect::Qt6)
    } else if u32::from_be_bytes(bytes[..4].try_into().ok()?) == n {
        Some(Dialect::Qt5)
    } else {
        None
    }
}

fn decode_frame(bytes: &[u8], dialect: Dialect) -> Packet {
    let mut d = FrameDecoder::new(dialect, &Limits::DEFAULT);
    d.extend(bytes);
    let frame = d.next_frame().unwrap().expect("complete frame");
    assert_eq!(d.buffered(), 0);
    Packet::decode(&frame, dialect, &registry(dialect), &Limits::DEFAULT).unwrap()
}

fn check_document(doc: &str) -> (usize, usize) {
    let (mut frames, mut values) = (0, 0);
    for b in blocks(doc) {
        match frame_dialect(&b.bytes) {
            Some(dialect) => {
                let packet = decode_frame(&b.bytes, dialect);
                let again = packet.to_bytes(dialect).unwrap();
                assert_eq!(hex::encode(&again), hex::encode(&b.bytes), "re-encoding {}", b.heading);
                frames += 1;
            }
            None => {
                // A lone Qt 6 QVariant (the value-by-value Rich InitPacket).
                let reg = registry(Dialect::Qt6);
                let v = from_bytes(b.bytes.clone(), Dialect::Qt6, ByteOrder::Little, &reg)
                    .unwrap_or_else(|e| panic!("{}: {e}", b.heading));
                let again = to_bytes(&v, Dialect::Qt6, ByteOrder::Little).unwrap();
                assert_eq!(hex::encode(&again), hex::encode(&b.bytes), "re-encoding {}", b.heading);
                values += 1;
            }
        }
    }
    (frames, values)
}

#[test]
fn every_captured_frame_round_trips() {
    let (frames, values) = check_document(include_str!("vectors/captures.md"));
    assert!(frames >= 40, "only {frames} frames found");
    assert_eq!(values, 13, "the 13 Rich values");
}

#[test]
fn the_shared_spec_captures_round_trip_too() {
    // The living spec may gain vectors; check it as well when it sits beside the repo.
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/protocol/captures.md");
    if let Ok(doc) = std::fs::read_to_string(path) {
        check_document(&doc);
    }
}

fn frame_under(heading_prefix: &str, section: &str) -> (Vec<u8>, Dialect) {
    let doc = include_str!("vectors/captures.md");
    let start = doc.find(section).expect("section");
    let b = blocks(&doc[start..]).into_iter().find(|b| b.heading.starts_with(heading_prefix)).expect("block");
    let d = frame_dialect(&b.bytes).expect("frame");
    (b.bytes, d)
}

fn simple_name() -> String {
    "Simple".to_owned()
}

#[test]
fn static_session_decodes_to_the_described_values() {
    let s = "### 1. Qt 6.4 static session";
    let p = |h| {
        let (b, d) = frame_under(h, s);
        assert_eq!(d, Dialect::Qt6);
        decode_frame(&b, d)
    };
    assert_eq!(p("#0 "), Packet::Handshake { version: "QtRO 2.0".into() });
    assert_eq!(
        p("#1 "),
        Packet::ObjectList(vec![ObjectInfo {
            name: simple_name(),
            type_name: Some(simple_name()),
            signature: Some("d73490aa59d4e788b36b725dafcbbcdddb485d09".into()),
        }])
    );
    assert_eq!(p("#2 "), Packet::AddObject { name: simple_name(), is_dynamic: false });
    assert_eq!(p("#3 "), Packet::Init { name: simple_name(), values: vec![Value::Int(0), Value::String(None)] });
    assert_eq!(
        p("#4 "),
        Packet::Invoke(Invoke {
            name: simple_name(),
            call: 0,
            index: 1,
            args: vec![Value::Int(2), Value::Int(3)],
            serial_id: 1,
            property_index: -1
        })
    );
    assert_eq!(p("#5 "), Packet::InvokeReply { name: simple_name(), serial_id: 1, value: Value::Int(5) });
    let Packet::Invoke(write) = p("#6 ") else { panic!() };
    assert_eq!((write.call, write.index, write.args), (2, 1, vec![Value::string("hi")]));
    assert_eq!(p("#7 "), Packet::PropertyChange { name: simple_name(), index: 1, value: Value::string("hi") });
    let Packet::Invoke(notify) = p("#8 ") else { panic!() };
    assert_eq!((notify.index, notify.serial_id, notify.property_index), (1, -1, 1));
    let Packet::Invoke(fired) = p("#15 ") else { panic!() };
    assert_eq!((fired.index, fired.args, fired.property_index), (2, vec![Value::Int(42)], -1));
    assert_eq!(p("#16 "), Packet::RemoveObject { name: simple_name() });
}

#[test]
fn qt5_session_is_big_endian_with_the_same_meaning() {
    let s = "### 5. Qt 5.15 static session";
    let (b, d) = frame_under("#0 ", s);
    assert_eq!(d, Dialect::Qt5);
    assert_eq!(decode_frame(&b, d), Packet::Handshake { version: "QtRO 1.3".into() });
    let (b, d) = frame_under("#5 ", s);
    assert_eq!(decode_frame(&b, d), Packet::InvokeReply { name: simple_name(), serial_id: 1, value: Value::Int(5) });
    let (b, d) = frame_under("#8 ", s);
    let Packet::Invoke(i) = decode_frame(&b, d) else { panic!() };
    assert_eq!((i.index, i.args, i.property_index), (1, vec![Value::string("hi")], 1));
}

#[test]
fn dynamic_init_carries_the_simple_definition() {
    let (b, d) = frame_under("#3 ", "### 2. Qt 6.4 dynamic acquisition");
    let Packet::InitDynamic { name, definition, values } = decode_frame(&b, d) else { panic!() };
    assert_eq!(name, "Simple");
    assert_eq!(definition.type_name.as_deref(), Some("Simple"));
    let sigs: Vec<_> = definition.signals.iter().map(|s| s.signature.as_str()).collect();
    assert_eq!(sigs, ["valueChanged(int)", "nameChanged(QString)", "fired(int)"]);
    let methods: Vec<_> = definition.methods.iter().map(|m| (m.signature.as_str(), m.return_type.as_str())).collect();
    assert_eq!(methods, [("pushValue(int)", "void"), ("add(int,int)", "int"), ("reset()", "void")]);
    assert_eq!(definition.methods[1].parameter_names, ["a", "b"]);
    let props: Vec<_> = definition.properties.iter().map(|p| (p.name.as_str(), p.type_name.as_str())).collect();
    assert_eq!(props, [("value", "int"), ("name", "QString")]);
    assert_eq!(definition.properties[1].notify_signal.as_deref(), Some("nameChanged(QString)"));
    assert_eq!(values, [Value::Int(0), Value::String(None)]);
}

fn location(name: &str, url: &str) -> Value {
    Value::Struct(Struct {
        type_name: "std::pair<QString,QRemoteObjectSourceLocationInfo>".into(),
        fields: vec![
            Value::string(name),
            Value::Struct(Struct {
                type_name: "QRemoteObjectSourceLocationInfo".into(),
                fields: vec![Value::string(name), Value::Url(url.into())],
            }),
        ],
    })
}

#[test]
fn registry_traffic_decodes_to_locations() {
    let s = "### 4. Qt 6.4 registry";
    let (b, d) = frame_under("#4 ", s);
    let Packet::Invoke(add) = decode_frame(&b, d) else { panic!() };
    assert_eq!((add.name.as_str(), add.index), ("Registry", 0));
    assert_eq!(add.args, [location("Simple", "tcp://127.0.0.1:47502")]);
    let (b, d) = frame_under("#9 ", s);
    let Packet::Init { values, .. } = decode_frame(&b, d) else { panic!() };
    let [Value::Assoc(table)] = values.as_slice() else { panic!("{values:?}") };
    assert_eq!(table.type_name, "QHash<QString,QRemoteObjectSourceLocationInfo>");
    let Value::Struct(info) = &table.entries[0].1 else { panic!() };
    assert_eq!(table.entries[0].0, Value::string("Simple"));
    assert_eq!(info.fields[1], Value::Url("tcp://127.0.0.1:47502".into()));
}

fn rich_value(label: &str) -> Value {
    let doc = include_str!("vectors/captures.md");
    let start = doc.find("### 6.").unwrap();
    let b = blocks(&doc[start..]).into_iter().find(|b| b.heading.starts_with(label)).unwrap();
    from_bytes(Bytes::from(b.bytes), Dialect::Qt6, ByteOrder::Little, &registry(Dialect::Qt6)).unwrap()
}

fn point3(x: i32, y: i32, z: i32) -> Value {
    Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(x), Value::Int(y), Value::Int(z)] })
}

#[test]
fn rich_values_decode_to_what_the_host_held() {
    assert_eq!(rich_value("P0 "), Value::Int(3));
    assert_eq!(rich_value("P1 "), Value::Short(2));
    assert_eq!(rich_value("P2 "), point3(1, 2, 3));
    assert_eq!(
        rich_value("P3 "),
        Value::Sequence(Sequence {
            type_name: "QList<int>".into(),
            items: vec![Value::Int(1), Value::Int(2), Value::Int(3)]
        })
    );
    assert_eq!(
        rich_value("P4 "),
        Value::GadgetSequence(Box::new(GadgetSequence {
            type_name: "QList<Point3>".into(),
            value_type_name: "Point3".into(),
            items: vec![point3(1, 1, 1), point3(2, 2, 2)],
        }))
    );
    assert_eq!(
        rich_value("P5 "),
        Value::GadgetAssoc(Box::new(GadgetAssoc {
            type_name: "QMap<QString,Point3>".into(),
            key_type_name: "QString".into(),
            value_type_name: "Point3".into(),
            entries: vec![(Value::string("a"), point3(9, 8, 7))],
        }))
    );
    assert_eq!(rich_value("P6 "), Value::Map(vec![("k".into(), Value::Int(1)), ("s".into(), Value::string("v"))]));
    assert_eq!(rich_value("P7 "), Value::Double(1.5));
    assert_eq!(rich_value("P8 "), Value::Bool(true));
    assert_eq!(rich_value("P9 "), Value::string("n"));
    assert_eq!(
        rich_value("P10 "),
        Value::Gadget(Gadget { type_name: "Tagged".into(), fields: vec![Value::Int(4), Value::string("lbl")] })
    );
    let Value::Remote(child) = rich_value("P11 ") else { panic!() };
    assert_eq!(child.name.as_deref(), Some("Class::Rich::child"));
    assert_eq!(child.type_name.as_deref(), Some("Child"));
    assert_eq!((child.kind, child.is_null, child.definition.is_none()), (ObjectKind::Class, false, true));
    assert_eq!(child.parameters, [Value::string("kid")]);
    let Value::Remote(model) = rich_value("P12 ") else { panic!() };
    assert_eq!(model.name.as_deref(), Some("Model::Rich::items"));
    assert_eq!(model.kind, ObjectKind::Model);
    let roles =
        Value::Sequence(Sequence { type_name: "QList<int>".into(), items: vec![Value::Int(0), Value::Int(257)] });
    assert_eq!(model.parameters[0], roles);
    let Value::Assoc(names) = &model.parameters[1] else { panic!() };
    assert_eq!(names.type_name, "QHash<int,QByteArray>");
    assert!(names.entries.contains(&(Value::Int(257), Value::bytes(&b"someRole"[..]))));
}

#[test]
fn gadget_descriptor_brings_its_own_definition() {
    let doc = include_str!("vectors/captures.md");
    let start = doc.find("### 7.").unwrap();
    let b = &blocks(&doc[start..])[0];
    // A registry that has never heard of Point3: the QRO_ must teach it.
    let bare = TypeRegistry::new(Dialect::Qt6);
    let mut d = FrameDecoder::new(Dialect::Qt6, &Limits::DEFAULT);
    d.extend(&b.bytes);
    let frame = d.next_frame().unwrap().unwrap();
    let packet = Packet::decode(&frame, Dialect::Qt6, &bare, &Limits::DEFAULT).unwrap();
    let Packet::PropertyChange { name, index, value: Value::Remote(ro) } = packet else { panic!() };
    assert_eq!((name.as_str(), index), ("Var", 0));
    assert_eq!((ro.name.as_deref(), ro.type_name.as_deref(), ro.kind), (None, None, ObjectKind::Gadget));
    let Some(EmbeddedDefinition::Gadgets(section)) = &ro.definition else { panic!() };
    assert_eq!(section.gadgets[0].name, "Point3");
    assert_eq!(section.gadgets[0].properties.len(), 3);
    assert_eq!(ro.parameters, [point3(7, 8, 9)]);
}

#[test]
fn flags_and_small_enums_travel_as_sized_integers() {
    let doc = include_str!("vectors/captures.md");
    let start = doc.find("### 9.").unwrap();
    let b = &blocks(&doc[start..])[0];
    let Packet::Init { name, values } = decode_frame(&b.bytes, Dialect::Qt6) else { panic!() };
    assert_eq!(name, "Flagged");
    assert_eq!(values, [Value::Int(3), Value::SChar(-56), Value::Int(2)]);
}

#[test]
fn a_built_class_matches_the_definition_qt_sent() {
    // The dynamic-source builder must produce exactly the definition block a Qt 6.4 host wrote
    // for the reference class, so stock dynamic replicas see the same interface.
    let class = ClassBuilder::new("Simple")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
        .signal("fired", &[("code", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .slot("reset", &[], "void")
        .build();
    let (b, d) = frame_under("#3 ", "### 2. Qt 6.4 dynamic acquisition");
    let Packet::InitDynamic { definition, values, .. } = decode_frame(&b, d) else { panic!() };
    assert_eq!(class.definition, definition);
    assert_eq!(class.defaults, values);
    let rebuilt = Packet::InitDynamic { name: "Simple".into(), definition: class.definition, values: class.defaults };
    assert_eq!(hex::encode(rebuilt.to_bytes(Dialect::Qt6).unwrap()), hex::encode(&b));
}
