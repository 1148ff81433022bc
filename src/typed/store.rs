//! Persisted stores: where typed replicas keep their `PERSISTED` properties between runs (the
//! analogue of `QRemoteObjectAbstractPersistedStore`).
//!
//! A replica restores the values when it is created, so they are visible while it is still in
//! the Default state, and saves them whenever one of them changes and when it is dropped. Values
//! are keyed by the class name and the repc signature, like Qt does: a changed interface never
//! reads values stored by another one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use bytes::{Bytes, BytesMut};

use crate::core::stream::{Reader, Writer};
use crate::core::typename::template_args;
use crate::core::types::TypeLookup;
use crate::core::{
    ByteOrder, DecodeError, Decoder, Dialect, EncodeError, Encoder, EnumEncoding, Limits, TypeRegistry, Value,
};

/// Errors of a persisted store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Reading or writing the storage failed.
    #[error("persisted store I/O on {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A value cannot be stored.
    #[error("cannot store value: {0}")]
    Encode(#[from] EncodeError),
    /// Stored data is damaged.
    #[error("damaged persisted data: {0}")]
    Decode(#[from] DecodeError),
}

/// Saves and restores the `PERSISTED` property values of replicas.
///
/// `values` are the persisted properties of the class in declaration order, as QVariants.
pub trait PersistedStore: Send + Sync {
    /// Stores the values for (`class_name`, `signature`), replacing earlier ones.
    fn save_properties(&self, class_name: &str, signature: &str, values: &[Value]) -> Result<(), StoreError>;

    /// The values stored for (`class_name`, `signature`), or `None` if there are none.
    fn restore_properties(&self, class_name: &str, signature: &str) -> Result<Option<Vec<Value>>, StoreError>;
}

/// A store in memory, shared by the replicas that use it (for tests, and to carry values
/// across replicas of one process).
#[derive(Debug, Default)]
pub struct MemoryStore {
    values: Mutex<HashMap<(String, String), Vec<Value>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }
}

impl PersistedStore for MemoryStore {
    fn save_properties(&self, class_name: &str, signature: &str, values: &[Value]) -> Result<(), StoreError> {
        let mut map = self.values.lock().unwrap_or_else(|e| e.into_inner());
        map.insert((class_name.into(), signature.into()), values.to_vec());
        Ok(())
    }

    fn restore_properties(&self, class_name: &str, signature: &str) -> Result<Option<Vec<Value>>, StoreError> {
        let map = self.values.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map.get(&(class_name.to_owned(), signature.to_owned())).cloned())
    }
}

/// A store keeping one file per (class, signature) in a directory.
///
/// A file holds the values in QDataStream form (big-endian, Qt 6 encoding) after a small header
/// that describes the PODs and enums they contain, so it can be read back without knowing the
/// interface. Files are replaced atomically (written aside, then renamed).
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

const MAGIC: &[u8; 8] = b"QTROPS01";

impl FileStore {
    /// A store in `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        FileStore { dir: dir.into() }
    }

    /// The directory of the store.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the values of (`class_name`, `signature`).
    pub fn path_for(&self, class_name: &str, signature: &str) -> PathBuf {
        let safe = |s: &str| -> String {
            s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect()
        };
        self.dir.join(format!("{}-{}.qtrops", safe(class_name), safe(signature)))
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
        move |source| StoreError::Io { path: path.to_owned(), source }
    }
}

impl PersistedStore for FileStore {
    fn save_properties(&self, class_name: &str, signature: &str, values: &[Value]) -> Result<(), StoreError> {
        let bytes = encode_values(values)?;
        std::fs::create_dir_all(&self.dir).map_err(Self::io(&self.dir))?;
        let path = self.path_for(class_name, signature);
        let tmp = path.with_extension("qtrops.tmp");
        std::fs::write(&tmp, &bytes).map_err(Self::io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(Self::io(&path))
    }

    fn restore_properties(&self, class_name: &str, signature: &str) -> Result<Option<Vec<Value>>, StoreError> {
        let path = self.path_for(class_name, signature);
        match std::fs::read(&path) {
            Ok(bytes) => decode_values(Bytes::from(bytes)).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Io { path, source: e }),
        }
    }
}

/// User types found in values: gadgets with their field counts, enums with their sizes, and
/// other type names that must resolve when decoding.
#[derive(Default)]
struct UsedTypes {
    gadgets: BTreeMap<String, u32>,
    enums: BTreeMap<String, u8>,
    names: Vec<String>,
}

impl UsedTypes {
    fn walk(&mut self, v: &Value) {
        match v {
            Value::Null(inner) | Value::Variant(inner) => self.walk(inner),
            Value::List(items) => items.iter().for_each(|x| self.walk(x)),
            Value::Map(m) | Value::Hash(m) => m.iter().for_each(|(_, x)| self.walk(x)),
            Value::Pair(a, b) => {
                self.walk(a);
                self.walk(b);
            }
            Value::Enum(e) => {
                self.enums.insert(e.type_name.clone(), e.size);
            }
            Value::Gadget(g) => {
                self.gadgets.insert(g.type_name.clone(), g.fields.len() as u32);
                g.fields.iter().for_each(|x| self.walk(x));
            }
            Value::Struct(s) => {
                self.names.push(s.type_name.clone());
                s.fields.iter().for_each(|x| self.walk(x));
            }
            Value::Sequence(s) => {
                self.names.push(s.type_name.clone());
                s.items.iter().for_each(|x| self.walk(x));
            }
            Value::Assoc(a) => {
                self.names.push(a.type_name.clone());
                a.entries.iter().for_each(|(k, x)| {
                    self.walk(k);
                    self.walk(x);
                });
            }
            Value::GadgetSequence(s) => {
                self.names.push(s.value_type_name.clone());
                s.items.iter().for_each(|x| self.walk(x));
            }
            Value::GadgetAssoc(a) => {
                self.names.push(a.key_type_name.clone());
                self.names.push(a.value_type_name.clone());
                a.entries.iter().for_each(|(k, x)| {
                    self.walk(k);
                    self.walk(x);
                });
            }
            Value::Remote(r) => r.parameters.iter().for_each(|x| self.walk(x)),
            _ => {}
        }
    }

    fn registry(&self) -> TypeRegistry {
        let mut types = TypeRegistry::new(Dialect::Qt6);
        for (name, n) in &self.gadgets {
            let fields = (0..*n).map(|i| (format!("f{i}"), "QVariant".to_owned())).collect();
            types.register_gadget(name, fields);
        }
        for (name, size) in &self.enums {
            types.register_enum(name, *size);
        }
        types
    }

    /// Names that do not resolve (element types of empty containers) become field-less
    /// gadgets: no element is ever decoded with them.
    fn add_placeholders(&mut self) {
        let mut types = self.registry();
        let mut pending = std::mem::take(&mut self.names);
        while let Some(name) = pending.pop() {
            if name.is_empty() || types.lookup(&name).is_some() {
                continue;
            }
            match template_args(&name) {
                Some((_, args)) => pending.extend(args.into_iter().map(str::to_owned)),
                None => {
                    self.gadgets.insert(name.clone(), 0);
                    types.register_gadget(&name, Vec::new());
                }
            }
        }
    }
}

fn encode_values(values: &[Value]) -> Result<Bytes, StoreError> {
    let mut used = UsedTypes::default();
    values.iter().for_each(|v| used.walk(v));
    used.add_placeholders();
    let mut buf = BytesMut::new();
    let mut w = Writer::new(&mut buf, ByteOrder::Big);
    w.raw(MAGIC);
    w.count("gadgets", used.gadgets.len())?;
    for (name, n) in &used.gadgets {
        w.qstring(Some(name))?;
        w.u32(*n);
    }
    w.count("enums", used.enums.len())?;
    for (name, size) in &used.enums {
        w.qstring(Some(name))?;
        w.u8(*size);
    }
    w.count("values", values.len())?;
    let encoder = Encoder::new(Dialect::Qt6);
    for v in values {
        encoder.variant(&mut w, v, EnumEncoding::ByName)?;
    }
    Ok(buf.freeze())
}

fn decode_values(bytes: Bytes) -> Result<Vec<Value>, StoreError> {
    let limits = Limits::DEFAULT;
    let mut r = Reader::new(bytes, ByteOrder::Big);
    if r.take_bytes(MAGIC.len(), "persisted store header")?.as_ref() != MAGIC {
        return Err(DecodeError::Invalid {
            what: "persisted store",
            detail: "not a qtro_rs persisted store file".into(),
        }
        .into());
    }
    let mut used = UsedTypes::default();
    let n = r.count("gadgets", 8, limits.max_collection_len)?;
    for _ in 0..n {
        let name = r.qstring_or_empty()?;
        used.gadgets.insert(name, r.u32()?);
    }
    let n = r.count("enums", 5, limits.max_collection_len)?;
    for _ in 0..n {
        let name = r.qstring_or_empty()?;
        used.enums.insert(name, r.u8()?);
    }
    let types = used.registry();
    let mut decoder = Decoder::new(Dialect::Qt6, &types, &limits);
    let n = r.count("values", 5, limits.max_collection_len)?;
    let values = (0..n).map(|_| decoder.variant(&mut r)).collect::<Result<Vec<_>, _>>()?;
    r.finish("persisted store")?;
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{EnumValue, Gadget, GadgetSequence, Sequence};

    fn sample() -> Vec<Value> {
        let p =
            |x| Value::Gadget(Gadget { type_name: "Point3".into(), fields: vec![Value::Int(x), Value::string("n")] });
        vec![
            Value::Double(0.5),
            Value::Int(3),
            Value::StringList(vec![Some("a".into())]),
            p(1),
            Value::GadgetSequence(Box::new(GadgetSequence {
                type_name: "QList<Point3>".into(),
                value_type_name: "Point3".into(),
                items: vec![p(2)],
            })),
            Value::GadgetSequence(Box::new(GadgetSequence {
                type_name: "QList<Empty>".into(),
                value_type_name: "Empty".into(),
                items: vec![],
            })),
            Value::Sequence(Sequence {
                type_name: "QList<M::Mode>".into(),
                items: vec![Value::Enum(EnumValue { type_name: "M::Mode".into(), value: -2, size: 2 })],
            }),
            Value::Sequence(Sequence { type_name: "QList<Other>".into(), items: vec![] }),
        ]
    }

    #[test]
    fn file_store_round_trips_values_with_user_types() {
        let dir = std::env::temp_dir().join(format!("qtro-store-test-{}", std::process::id()));
        let store = FileStore::new(&dir);
        assert_eq!(store.restore_properties("C", "abc").unwrap(), None);
        store.save_properties("C", "abc", &sample()).unwrap();
        assert_eq!(store.restore_properties("C", "abc").unwrap(), Some(sample()));
        assert_eq!(store.restore_properties("C", "other").unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn memory_store_keys_by_class_and_signature() {
        let store = MemoryStore::new();
        store.save_properties("C", "s1", &[Value::Int(1)]).unwrap();
        assert_eq!(store.restore_properties("C", "s1").unwrap(), Some(vec![Value::Int(1)]));
        assert_eq!(store.restore_properties("C", "s2").unwrap(), None);
    }

    #[test]
    fn damaged_files_are_errors() {
        assert!(decode_values(Bytes::from_static(b"nope")).is_err());
        let mut good = encode_values(&sample()).unwrap().to_vec();
        good.truncate(good.len() - 3);
        assert!(decode_values(Bytes::from(good)).is_err());
    }
}
