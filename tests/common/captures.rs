//! Reading the golden capture document shared by the replay tests, and building raw frames
//! beside it.

/// The frames of one `### N.` section of tests/vectors/captures.md, with their headings.
pub fn frames(section: &str) -> Vec<(String, Vec<u8>)> {
    let doc = include_str!("../vectors/captures.md");
    let start = doc.find(section).expect("section");
    let end = doc[start + 4..].find("\n### ").map_or(doc.len(), |e| start + 4 + e);
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut in_code = false;
    let mut hex = String::new();
    for line in doc[start..end].lines() {
        if line.starts_with("```") {
            if in_code && !hex.trim().is_empty() {
                out.push((heading.clone(), hex::decode(hex.split_whitespace().collect::<String>()).unwrap()));
            }
            hex.clear();
            in_code = !in_code;
        } else if in_code {
            hex.push_str(line);
        } else if line.starts_with('#') {
            heading = line.to_owned();
        }
    }
    out
}

/// The reference class `Simple` of the captures, as a source class.
pub fn simple_class() -> qtro_rs::core::SourceClass {
    use qtro_rs::core::{ClassBuilder, PropertyMode, Value};
    ClassBuilder::new("Simple")
        .property("value", "int", PropertyMode::ReadPush, Value::Int(0))
        .property("name", "QString", PropertyMode::ReadWrite, Value::String(None))
        .signal("fired", &[("code", "int")])
        .slot("add", &[("a", "int"), ("b", "int")], "int")
        .slot("reset", &[], "void")
        .signature(Some("d73490aa59d4e788b36b725dafcbbcdddb485d09".into()))
        .build()
}

/// A raw frame as Qt 6 writes it: length (of type and body), packet type, body.
pub fn raw_frame(packet_type: u16, body: &[u8]) -> Vec<u8> {
    let mut f = ((body.len() + 2) as u32).to_le_bytes().to_vec();
    f.extend_from_slice(&packet_type.to_le_bytes());
    f.extend_from_slice(body);
    f
}

/// A QString as QDataStream writes it: its UTF-16 byte length, then little-endian UTF-16.
pub fn qt_string(s: &str) -> Vec<u8> {
    let utf16: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut out = (utf16.len() as u32).to_le_bytes().to_vec();
    out.extend(utf16);
    out
}
