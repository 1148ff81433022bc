//! Parse errors of the `.rep` parser.

use thiserror::Error;

/// A `.rep` syntax or semantic error, with the 1-based position where it was detected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{line}:{column}: {kind}")]
pub struct ParseError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// What went wrong.
    pub kind: ParseErrorKind,
}

/// The reason of a [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A token that does not fit the grammar at this point.
    #[error("unexpected {found}, expected {expected}")]
    Unexpected {
        /// Description of what was found (`'x'`, `end of file`, `identifier 'Foo'`).
        found: String,
        /// What the grammar allows here.
        expected: &'static str,
    },
    /// repc requires class, POD, MODEL and CLASS names of at least two characters.
    #[error("{what} name '{name}' must be at least two characters long")]
    NameTooShort {
        /// `class`, `POD`, `MODEL` or `CLASS`.
        what: &'static str,
        /// The rejected name.
        name: String,
    },
    /// A declaration used outside the scope where repc allows it.
    #[error("{what} can only be used in {scope} scope")]
    WrongScope {
        /// The keyword.
        what: &'static str,
        /// `class` or `global`.
        scope: &'static str,
    },
    /// `class` inside a class.
    #[error("class declarations cannot be nested")]
    NestedClass,
    /// `PROP(...)` without a name after the type.
    #[error("PROP: invalid property declaration '{0}'")]
    InvalidProperty(String),
    /// Unknown PROP modifier.
    #[error("PROP: unknown modifier '{0}' (expected READONLY, CONSTANT, READWRITE, READPUSH, SOURCEONLYSETTER, optionally followed by ', PERSISTED')")]
    UnknownModifier(String),
    /// Two modifiers other than `READONLY, CONSTANT`.
    #[error("PROP: modifier combination not allowed: '{0}'")]
    ModifierCombination(String),
    /// `FLAG(F E)` where `E` is not an enum declared earlier in the same scope.
    #[error("FLAG: unknown {scope} enum '{name}'")]
    UnknownFlagEnum {
        /// `global`, `class` or `POD`.
        scope: &'static str,
        /// The enum name given.
        name: String,
    },
    /// `ENUM` inside the parentheses of a one-line POD.
    #[error("ENUMs are only allowed in PODs using the block syntax ('{{'), not parentheses")]
    EnumInOneLinePod,
    /// `ENUM Name { }` without keys.
    #[error("ENUM '{0}' has no keys")]
    EmptyEnum(String),
    /// `/*` without `*/`.
    #[error("unterminated /* comment")]
    UnterminatedComment,
    /// A `{` block that reaches the end of the file.
    #[error("unterminated {0} block (missing '}}')")]
    UnterminatedBlock(&'static str),
    /// A `(` argument list without `)`.
    #[error("unterminated argument list of {0} (missing ')')")]
    UnterminatedArgs(&'static str),
    /// `MODEL name()`/`CLASS name()`/`PROP()` with nothing between the parentheses.
    #[error("{0} needs at least one character between the parentheses")]
    EmptyArgs(&'static str),
    /// Qualified names (`A::B`) in block POD members are not tokenized by repc.
    #[error("qualified type names ('::') are not supported in block POD members")]
    QualifiedPodMember,
}
