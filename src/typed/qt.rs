//! Qt enums that .rep files use without declaring them.

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
