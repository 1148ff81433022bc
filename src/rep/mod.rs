//! The `.rep` interface language of Qt Remote Objects.
//!
//! * [`parse`] turns `.rep` text into a [`RepFile`] (errors carry line and column);
//! * [`Class::api`] gives the ordered property / signal / method lists that all wire indexes
//!   refer to ([`ApiLists`]);
//! * [`signature_qt6`] / [`signature_qt5`] compute the class signature exactly as the stock
//!   repc tools of Qt 6.x and Qt 5.15 do (the value a static replica checks);
//! * [`codegen`] generates typed Rust sources and replicas from a `.rep` file (a Rust repc).
//!
//! ```
//! let file = qtro_rs::rep::parse(
//!     "class Simple {\n  PROP(int value = 0)\n  PROP(QString name READWRITE)\n\
//!      SIGNAL(fired(int code))\n  SLOT(int add(int a, int b))\n  SLOT(void reset())\n}\n",
//! )
//! .unwrap();
//! let api = file.classes[0].api();
//! assert_eq!(api.signals[0].signature, "valueChanged(int)");
//! assert_eq!(api.methods[1].signature, "add(int,int)");
//! assert_eq!(
//!     qtro_rs::rep::signature_qt6(&file, "Simple").unwrap(),
//!     "d73490aa59d4e788b36b725dafcbbcdddb485d09"
//! );
//! ```

mod api;
mod ast;
pub mod codegen;
mod error;
mod parser;
mod repc;
mod signature;
mod source;

pub use api::{ApiLists, ApiMethod, ApiProperty};
pub use ast::{
    Class, Decl, Enum, EnumKey, Flag, Function, Modifier, Param, Pod, PodAttribute, Property, PropertyKind, RepFile,
    Warning,
};
pub use error::{ParseError, ParseErrorKind};
pub use parser::parse;
pub use signature::{signature_qt5, signature_qt6, signatures_qt5, signatures_qt6};
pub use source::{default_value, register_types, source_class};

#[cfg(test)]
mod tests;
