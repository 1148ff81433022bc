//! Qt enums that .rep files use without declaring them.
//!
//! # Example
//!
//! `Qt::Orientation` as QtRO sends it and reads it back:
//!
//! ```
//! use qtro_rs::core::{Dialect, Value};
//! use qtro_rs::typed::qt::Orientation;
//! use qtro_rs::typed::{ConvertError, FromValue, QtEnum, ToValue};
//!
//! assert_eq!(Orientation::QT_NAME, "Qt::Orientation");
//! // A property or argument: an integer of the enum's size.
//! let sent = Orientation::Vertical.to_variant("Qt::Orientation", Dialect::Qt6);
//! assert_eq!(sent, Value::Int(2));
//! assert_eq!(Orientation::from_value(&sent)?, Orientation::Vertical);
//! // In a container: the enum by name.
//! let element = Orientation::Horizontal.to_element("Qt::Orientation", Dialect::Qt6);
//! assert!(matches!(element, Value::Enum(e) if e.type_name == "Qt::Orientation" && e.value == 1));
//! // A value without a key is refused.
//! let unknown = Orientation::from_value(&Value::Int(3));
//! assert!(matches!(unknown, Err(ConvertError::UnknownEnumValue { value: 3, .. })));
//! # Ok::<(), ConvertError>(())
//! ```

use crate::core::{Dialect, Value};

use super::convert::{enum_from_value, enum_to_element, enum_to_variant, ConvertError, FromValue, QtEnum, ToValue};

/// `Qt::Orientation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[repr(i32)]
pub enum Orientation {
    /// `Qt::Horizontal`
    #[default]
    Horizontal = 1,
    /// `Qt::Vertical`
    Vertical = 2,
}

impl QtEnum for Orientation {
    const QT_NAME: &'static str = "Qt::Orientation";
    const SIZE: u8 = 4;

    fn to_i64(self) -> i64 {
        self as i64
    }

    fn from_i64(value: i64) -> Option<Self> {
        match value as i32 {
            1 => Some(Orientation::Horizontal),
            2 => Some(Orientation::Vertical),
            _ => None,
        }
    }
}

impl ToValue for Orientation {
    fn to_variant(&self, _ty: &str, dialect: Dialect) -> Value {
        enum_to_variant(*self, dialect)
    }

    fn to_element(&self, ty: &str, _dialect: Dialect) -> Value {
        enum_to_element(*self, ty)
    }
}

impl FromValue for Orientation {
    fn from_value(value: &Value) -> Result<Self, ConvertError> {
        enum_from_value(value)
    }
}
