//! The model adapter's wire values against stock Qt 6.4 bytes (tests/vectors/captures.md §8):
//! captured requests parse to the typed [`AdapterRequest`]s they are, captured replies parse to
//! typed values that encode back to Qt's very bytes, and what we build is what Qt sends.

use qtro_rs::core::model::adapter::{method, sig};
use qtro_rs::core::model::types::{self as mtypes, entries_from_value, entries_to_value, ItemData};
use qtro_rs::core::model::*;
use qtro_rs::core::*;

/// The frame of capture block `heading` (a Qt 6 frame).
fn capture(heading: &str) -> Vec<u8> {
    let doc = include_str!("vectors/captures.md");
    let start = doc.find(heading).unwrap_or_else(|| panic!("no capture {heading}"));
    let block = &doc[start..];
    let open = block.find("```").unwrap() + 3;
    let close = open + block[open..].find("```").unwrap();
    hex::decode(block[open..close].split_whitespace().collect::<String>()).unwrap()
}

fn decode(bytes: &[u8], dialect: Dialect) -> Packet {
    let mut d = FrameDecoder::new(dialect, &Limits::DEFAULT);
    d.extend(bytes);
    let frame = d.next_frame().unwrap().expect("a complete frame");
    Packet::decode(&frame, dialect, &TypeRegistry::new(dialect), &Limits::DEFAULT).unwrap()
}

fn invoke(heading: &str) -> Invoke {
    match decode(&capture(heading), Dialect::Qt6) {
        Packet::Invoke(i) => i,
        other => panic!("{heading}: not an invoke: {other:?}"),
    }
}

fn reply(heading: &str) -> Value {
    match decode(&capture(heading), Dialect::Qt6) {
        Packet::InvokeReply { value, .. } => value,
        other => panic!("{heading}: not a reply: {other:?}"),
    }
}

/// Encodes a reply packet to `Items` with `value`, as our host would send it.
fn reply_bytes(serial: i32, value: Value) -> Vec<u8> {
    Packet::InvokeReply { name: "Items".into(), serial_id: serial, value }.to_bytes(Dialect::Qt6).unwrap().to_vec()
}

fn idx(row: i32, column: i32) -> ModelIndex {
    ModelIndex::new(row, column)
}

#[test]
fn captured_requests_parse_to_typed_requests_and_encode_back() {
    let cases = [
        ("### 8a.", AdapterRequest::Size { parent: vec![] }),
        ("### 8c.", AdapterRequest::Rows { start: vec![idx(0, 0)], end: vec![idx(2, 0)], roles: vec![0, 257] }),
        ("### 8e.", AdapterRequest::Cache { size: 1000, roles: vec![0] }),
    ];
    for (heading, expected) in cases {
        let call = invoke(heading);
        assert_eq!(call.index as usize, expected.method(), "{heading}");
        let parsed = AdapterRequest::from_invoke(call.index as usize, &call.args).unwrap();
        assert_eq!(parsed, expected, "{heading}");
        assert!(parsed.wants_reply());
        // What we would send for the same call is byte for byte what Qt sent.
        let ours = Packet::Invoke(Invoke { args: expected.to_args(Dialect::Qt6), ..call.clone() });
        assert_eq!(hex::encode(ours.to_bytes(Dialect::Qt6).unwrap()), hex::encode(capture(heading)), "{heading}");
    }
}

#[test]
fn captured_replies_parse_to_typed_values_and_encode_to_the_same_bytes() {
    // 8b: replicaSizeRequest([]) → QSize(1 column, 3 rows).
    let size = ModelSize::from_value(&reply("### 8b."), "size reply").unwrap();
    assert_eq!(size, ModelSize { columns: 1, rows: 3 });
    assert_eq!(reply_bytes(1, size.to_value()), capture("### 8b."));

    // 8d: DataEntries of rows 0..=2 with roles [display, 257].
    let items = entries_from_value(&reply("### 8d."), Limits::DEFAULT.max_depth).unwrap();
    let expected: Vec<ItemData> = (0..3)
        .map(|r| ItemData {
            index: vec![idx(r, 0)],
            data: vec![Value::string(format!("row{r}")), Value::Int(r * 10)],
            has_children: false,
            flags: ItemFlags::SELECTABLE
                | ItemFlags::EDITABLE
                | ItemFlags::DRAG_ENABLED
                | ItemFlags::DROP_ENABLED
                | ItemFlags::ENABLED,
            children: vec![],
            size: None,
        })
        .collect();
    assert_eq!(items, expected);
    assert_eq!(reply_bytes(2, entries_to_value(&items)), capture("### 8d."));

    // 8f: the PrefetchData reply: items with their (empty) children sizes, roles, root size.
    let cache = CacheReply::from_value(&reply("### 8f."), Limits::DEFAULT.max_depth).unwrap();
    assert_eq!(cache.roles, [0]);
    assert_eq!(cache.root_size, ModelSize { columns: 1, rows: 3 });
    assert_eq!(cache.items.len(), 3);
    assert_eq!(cache.items[2].data, [Value::string("row2")]);
    assert_eq!(cache.items[2].size, Some(ModelSize { columns: 0, rows: 0 }));
    assert_eq!(reply_bytes(1, cache.to_value(Dialect::Qt6)), capture("### 8f."));
}

#[test]
fn the_adapter_class_has_qt_indexes_and_accepts_what_qt_sends() {
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let class = adapter_class(dialect);
        assert_eq!(class.type_name(), ADAPTER_TYPE);
        assert_eq!(class.signature, None, "model replicas check no signature");
        let methods: Vec<&str> = class.definition.methods.iter().map(|m| m.signature.as_str()).collect();
        assert!(methods[method::CACHE].starts_with("replicaCacheRequest(size_t,"), "{methods:?}");
        assert!(methods[method::SET_DATA].starts_with("replicaSetData("), "{methods:?}");
        let signals: Vec<&str> = class.definition.signals.iter().map(|s| s.signature.as_str()).collect();
        assert_eq!(signals[sig::AVAILABLE_ROLES_CHANGED], "availableRolesChanged()");
        assert_eq!(signals[sig::RESET], "resetModel()");
        assert!(signals[sig::LAYOUT_CHANGED].starts_with("layoutChanged("));
        assert_eq!(class.property_index("availableRoles"), Some(0));
        assert_eq!(class.property_index("roleNames"), Some(1));
        assert_eq!(class.signal_params.len() + 1, signals.len(), "signal 0 is the only notify signal");
    }
    assert_eq!(
        adapter_class(Dialect::Qt5).definition.methods[method::ROWS].signature,
        "replicaRowRequest(IndexList,IndexList,QVector<int>)"
    );
    assert_eq!(
        adapter_class(Dialect::Qt6).definition.methods[method::ROWS].signature,
        "replicaRowRequest(QtPrivate::IndexList,QtPrivate::IndexList,QList<int>)"
    );

    // The host's argument check takes Qt's captured arguments as they are.
    let class = adapter_class(Dialect::Qt6);
    let types = TypeRegistry::new(Dialect::Qt6);
    for heading in ["### 8a.", "### 8c.", "### 8e."] {
        let call = invoke(heading);
        let params = &class.slot_params[call.index as usize];
        let names = vec![String::new(); params.len()];
        let converted = convert_args(
            std::borrow::Cow::Borrowed(&call.args[..]),
            params.iter().map(|p| p.type_name.as_str()),
            &names,
            &types,
        )
        .unwrap_or_else(|e| panic!("{heading}: {e}"));
        assert_eq!(&converted[..], &call.args[..], "{heading}: nothing to convert");
    }
}

#[test]
fn every_request_and_signal_round_trips_in_both_dialects() {
    let requests = [
        AdapterRequest::Size { parent: vec![idx(3, 0), idx(1, 0)] },
        AdapterRequest::Rows { start: vec![idx(4, 0)], end: vec![idx(9, 1)], roles: vec![] },
        AdapterRequest::Header { items: vec![(Orientation::Horizontal, 0, 0), (Orientation::Vertical, 7, 3)] },
        AdapterRequest::SetCurrent { index: vec![idx(2, 1)], flags: SelectionFlags::CLEAR_SELECT_CURRENT },
        AdapterRequest::SetData { index: vec![idx(0, 0)], value: Value::string("x"), role: 2 },
        AdapterRequest::Cache { size: 1000, roles: vec![0, 257] },
    ];
    let signals = [
        ModelSignal::AvailableRolesChanged,
        ModelSignal::DataChanged { top_left: vec![idx(1, 0)], bottom_right: vec![idx(1, 1)], roles: vec![0] },
        ModelSignal::RowsInserted { parent: vec![], first: 2, last: 10 },
        ModelSignal::RowsRemoved { parent: vec![idx(0, 0)], first: 0, last: 0 },
        ModelSignal::RowsMoved { parent: vec![], first: 2, last: 5, destination: vec![], row: 10 },
        ModelSignal::CurrentChanged { current: vec![idx(1, 0)], previous: vec![] },
        ModelSignal::Reset,
        ModelSignal::HeaderDataChanged { orientation: Orientation::Horizontal, first: 0, last: 0 },
        ModelSignal::ColumnsInserted { parent: vec![], first: 2, last: 2 },
        ModelSignal::LayoutChanged { parents_flat: vec![], hint: LayoutHint::VerticalSort },
    ];
    for dialect in [Dialect::Qt6, Dialect::Qt5] {
        let types = TypeRegistry::new(dialect);
        for r in &requests {
            // Through the codec, as a peer receives it.
            let packet = Packet::Invoke(Invoke {
                name: "Items".into(),
                call: 0,
                index: r.method() as i32,
                args: r.to_args(dialect),
                serial_id: 1,
                property_index: -1,
            });
            let bytes = packet.to_bytes(dialect).unwrap();
            let Packet::Invoke(back) = decode(&bytes, dialect) else { panic!() };
            assert_eq!(AdapterRequest::from_invoke(r.method(), &back.args).as_ref(), Ok(r), "{dialect:?}");
        }
        for s in &signals {
            let args = s.to_args(dialect);
            assert_eq!(args.len(), adapter_class(dialect).definition.signals[s.index()].parameter_names.len());
            let bytes = variant::to_bytes(&Value::List(args), dialect, ByteOrder::Little).unwrap();
            let Value::List(back) = variant::from_bytes(bytes, dialect, ByteOrder::Little, &types).unwrap() else {
                panic!()
            };
            assert_eq!(ModelSignal::from_signal(s.index(), &back).as_ref(), Ok(s), "{dialect:?}");
        }
    }
}

#[test]
fn malformed_requests_and_signals_are_named_errors() {
    let path = |p: &[ModelIndex]| mtypes::path_to_value(p, Dialect::Qt6);
    // Wrong arity, unknown member, unequal header lists, a bad orientation, a negative size.
    assert!(matches!(
        AdapterRequest::from_invoke(method::ROWS, &[path(&[])]),
        Err(ModelError::ArgumentCount { member: "replicaRowRequest", expected: 3, given: 1 })
    ));
    assert!(matches!(AdapterRequest::from_invoke(6, &[]), Err(ModelError::UnknownMember { index: 6, .. })));
    let ints = |v: &[i32]| mtypes::roles_to_value(v, Dialect::Qt6);
    let err = AdapterRequest::from_invoke(method::HEADER, &[ints(&[1, 2]), ints(&[0]), ints(&[0])]).unwrap_err();
    assert!(err.to_string().contains("unequal lengths"), "{err}");
    let err = AdapterRequest::from_invoke(method::HEADER, &[ints(&[3]), ints(&[0]), ints(&[0])]).unwrap_err();
    assert!(err.to_string().contains("orientation 3"), "{err}");
    let err = AdapterRequest::from_invoke(method::CACHE, &[Value::Int(-1), ints(&[])]).unwrap_err();
    assert!(err.to_string().contains("replicaCacheRequest"), "{err}");
    // A path whose steps are not ModelIndexes.
    let err = AdapterRequest::from_invoke(method::SIZE, &[ints(&[1])]).unwrap_err();
    assert!(err.to_string().contains("ModelIndex"), "{err}");
    // Signals: inverted ranges, negative rows.
    let err = ModelSignal::from_signal(sig::ROWS_INSERTED, &[path(&[]), Value::Int(5), Value::Int(2)]).unwrap_err();
    assert!(err.to_string().contains("bad range"), "{err}");
    let err = ModelSignal::from_signal(sig::ROWS_REMOVED, &[path(&[]), Value::Int(-1), Value::Int(2)]).unwrap_err();
    assert!(err.to_string().contains("bad range"), "{err}");
    assert!(ModelSignal::from_signal(10, &[]).is_err());
    // Replies: a size where entries were expected, negative sizes, nesting beyond the bound.
    assert!(entries_from_value(&Value::Size(Size { width: 1, height: 1 }), 8).is_err());
    assert!(ModelSize::from_value(&Value::Size(Size { width: -2, height: 1 }), "size").is_err());
    let mut item = ItemData { index: vec![idx(0, 0)], ..Default::default() };
    for _ in 0..5 {
        item = ItemData { index: vec![idx(0, 0)], children: vec![item], ..Default::default() };
    }
    assert!(ItemData::from_value(&item.to_value(), 5).is_ok());
    assert!(ItemData::from_value(&item.to_value(), 4).is_err());
}
