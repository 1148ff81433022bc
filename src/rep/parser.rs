//! Hand-written scanner + recursive-descent parser for `.rep` files.
//!
//! The structure (blocks, keywords, names) is parsed with ordinary tokens; the contents of
//! `PROP(...)`, `SIGNAL`/`SLOT` argument lists and one-line PODs are captured as raw text up to
//! the first `)` (exactly the extent repc's token regexes give them) and handed to the
//! repc-compatible routines of [`super::repc`]. Nesting is bounded by the grammar (global →
//! class/POD → enum), templates in block PODs are scanned with a counter, so no input can cause
//! deep recursion; every failure is a [`ParseError`].

use std::cell::Cell;

use super::ast::{
    Class, Decl, Enum, EnumKey, Flag, Function, Modifier, Pod, PodAttribute, Property, PropertyKind, RepFile, Warning,
};
use super::error::{ParseError, ParseErrorKind};
use super::repc;

/// Parses the text of a `.rep` file.
pub fn parse(source: &str) -> Result<RepFile> {
    let mut p = Parser { src: source, pos: 0, file: RepFile::default(), line_cache: Cell::new((0, 1, 1)) };
    p.top_level()?;
    Ok(p.file)
}

/// Scope of an `ENUM`/`FLAG` declaration (decides which enums a FLAG may name).
#[derive(Clone, Copy)]
enum Scope {
    Global,
    Class,
    Pod,
}

impl Scope {
    fn label(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Class => "class",
            Scope::Pod => "POD",
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    file: RepFile,
    /// (byte offset, line, column) of the last position lookup.
    line_cache: Cell<(usize, usize, usize)>,
}

type Result<T> = std::result::Result<T, ParseError>;

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whitespace that does not end a line.
fn is_blank(c: char) -> bool {
    c.is_whitespace() && c != '\n'
}

impl<'a> Parser<'a> {
    // ----- low-level scanning -------------------------------------------------------------

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.bump();
        }
    }

    /// Skips whitespace, line breaks and comments.
    fn skip_trivia(&mut self) -> Result<()> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.rest().starts_with("//") => {
                    let end = self.rest().find('\n').unwrap_or(self.rest().len());
                    self.pos += end;
                }
                Some('/') if self.rest().starts_with("/*") => {
                    let Some(end) = self.rest()[2..].find("*/") else {
                        return Err(self.error(ParseErrorKind::UnterminatedComment));
                    };
                    self.pos += end + 4;
                }
                _ => return Ok(()),
            }
        }
    }

    fn peek_ident(&self) -> Option<&'a str> {
        let rest = self.rest();
        if !rest.starts_with(is_ident_start) {
            return None;
        }
        let end = rest.find(|c| !is_ident_char(c)).unwrap_or(rest.len());
        Some(&rest[..end])
    }

    fn ident(&mut self) -> Option<&'a str> {
        let id = self.peek_ident()?;
        self.pos += id.len();
        Some(id)
    }

    fn expect_ident(&mut self, expected: &'static str) -> Result<&'a str> {
        self.ident().ok_or_else(|| self.unexpected(expected))
    }

    fn expect(&mut self, c: char, expected: &'static str) -> Result<()> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// Requires at least one blank (space/tab) and skips all of them.
    fn expect_blank(&mut self, expected: &'static str) -> Result<()> {
        if !self.peek().is_some_and(is_blank) {
            return Err(self.unexpected(expected));
        }
        self.skip_blanks();
        Ok(())
    }

    /// Raw text up to (not including) the first `end`; consumes `end` too.
    fn capture_until(&mut self, end: char, what: &'static str) -> Result<&'a str> {
        let rest = self.rest();
        let Some(i) = rest.find(end) else {
            return Err(self.error(ParseErrorKind::UnterminatedArgs(what)));
        };
        self.pos += i + end.len_utf8();
        Ok(&rest[..i])
    }

    /// Accepts an optional `;` after a declaration.
    fn optional_semicolon(&mut self) {
        let save = self.pos;
        self.skip_blanks();
        if !self.eat(';') {
            self.pos = save;
        }
    }

    // ----- diagnostics --------------------------------------------------------------------

    /// 1-based line and column of a byte offset. Positions are mostly requested in
    /// increasing order (warnings), so counting resumes from the previous answer; that keeps
    /// inputs with very many warnings linear.
    fn line_col(&self, pos: usize) -> (u32, u32) {
        let (mut from, mut line, mut column) = self.line_cache.get();
        if pos < from {
            (from, line, column) = (0, 1, 1);
        }
        for c in self.src[from..pos].chars() {
            if c == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        self.line_cache.set((pos, line, column));
        (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
    }

    fn error_at(&self, pos: usize, kind: ParseErrorKind) -> ParseError {
        let (line, column) = self.line_col(pos);
        ParseError { line, column, kind }
    }

    fn error(&self, kind: ParseErrorKind) -> ParseError {
        self.error_at(self.pos, kind)
    }

    fn unexpected(&self, expected: &'static str) -> ParseError {
        let found = match self.peek() {
            None => "end of file".to_string(),
            Some('\n') | Some('\r') => "end of line".to_string(),
            Some(c) if is_ident_start(c) => {
                format!("'{}'", self.peek_ident().unwrap_or_default())
            }
            Some(c) => format!("'{}'", c.escape_debug()),
        };
        self.error(ParseErrorKind::Unexpected { found, expected })
    }

    fn warn(&mut self, pos: usize, message: String) {
        let (line, column) = self.line_col(pos);
        self.file.warnings.push(Warning { line, column, message });
    }

    // ----- grammar ------------------------------------------------------------------------

    fn top_level(&mut self) -> Result<()> {
        const EXPECTED: &str = "a declaration (class, POD, ENUM, FLAG, USE_ENUM or #...)";
        loop {
            self.skip_trivia()?;
            let start = self.pos;
            match self.peek() {
                None => return Ok(()),
                Some('#') => {
                    let rest = self.rest();
                    let end = rest.find('\n').unwrap_or(rest.len());
                    self.pos += end;
                    let line = rest[..end].trim_end_matches('\r').to_string();
                    self.file.order.push(Decl::Preprocessor(self.file.preprocessor.len()));
                    self.file.preprocessor.push(line);
                }
                Some(c) if is_ident_start(c) => {
                    let word = self.expect_ident(EXPECTED)?;
                    match word {
                        "class" => {
                            let class = self.class()?;
                            self.file.order.push(Decl::Class(self.file.classes.len()));
                            self.file.classes.push(class);
                        }
                        "POD" => {
                            if let Some(pod) = self.pod(start)? {
                                self.file.order.push(Decl::Pod(self.file.pods.len()));
                                self.file.pods.push(pod);
                            }
                        }
                        "ENUM" => {
                            let e = self.enum_decl()?;
                            self.file.order.push(Decl::Enum(self.file.enums.len()));
                            self.file.enums.push(e);
                        }
                        "FLAG" => {
                            let flag = self.flag()?;
                            self.check_flag(start, Scope::Global, &flag, &self.file.enums)?;
                            self.file.order.push(Decl::Flag(self.file.flags.len()));
                            self.file.flags.push(flag);
                        }
                        "USE_ENUM" => {
                            self.skip_blanks();
                            self.expect('(', "'(' after USE_ENUM")?;
                            let name = self.capture_until(')', "USE_ENUM")?.trim().to_string();
                            self.optional_semicolon();
                            self.file.order.push(Decl::UseEnum(self.file.use_enums.len()));
                            self.file.use_enums.push(name);
                        }
                        "PROP" | "SIGNAL" | "SLOT" | "MODEL" | "CLASS" => {
                            return Err(self
                                .error_at(start, ParseErrorKind::WrongScope { what: keyword(word), scope: "class" }));
                        }
                        _ => {
                            self.pos = start;
                            return Err(self.unexpected(EXPECTED));
                        }
                    }
                }
                Some(_) => return Err(self.unexpected(EXPECTED)),
            }
        }
    }

    /// Skips trivia between a class/POD name and its `{`. repc 6 loses the name when a
    /// comment sits there (the comment token replaces the captured name before the name is
    /// read), so warn about it.
    fn skip_trivia_before_brace(&mut self, what: &str, name: &str) -> Result<()> {
        let start = self.pos;
        self.skip_trivia()?;
        if let Some(i) = self.src[start..self.pos].find('/') {
            self.warn(
                start + i,
                format!(
                    "repc 6 drops the name of {what} '{name}' when a comment separates it from \
                     '{{'; move the comment after the '{{'"
                ),
            );
        }
        Ok(())
    }

    /// A type name that repc's token regexes require to be at least two characters long.
    fn long_name(&mut self, what: &'static str, expected: &'static str) -> Result<&'a str> {
        let start = self.pos;
        let name = self.expect_ident(expected)?;
        if name.len() < 2 {
            return Err(self.error_at(start, ParseErrorKind::NameTooShort { what, name: name.to_string() }));
        }
        Ok(name)
    }

    /// `[attribute] Name` after `class`/`POD` (the attribute word is a Qt 6.8 addition).
    fn attributed_name(&mut self, what: &'static str) -> Result<(Option<String>, &'a str)> {
        const EXPECTED: &str = "a type name";
        let save = self.pos;
        let first = self.expect_ident(EXPECTED)?;
        let after_first = self.pos;
        self.skip_blanks();
        if self.pos > after_first && self.peek_ident().is_some() {
            let name = self.long_name(what, EXPECTED)?;
            return Ok((Some(first.to_string()), name));
        }
        self.pos = save;
        let name = self.long_name(what, EXPECTED)?;
        Ok((None, name))
    }

    fn class(&mut self) -> Result<Class> {
        self.expect_blank("a class name")?;
        let (attribute, name) = self.attributed_name("class")?;
        let mut class = Class { name: name.to_string(), attribute, ..Class::default() };
        self.skip_trivia_before_brace("class", name)?;
        self.expect('{', "'{' to open the class")?;
        const EXPECTED: &str = "PROP, SIGNAL, SLOT, MODEL, CLASS, ENUM, FLAG or '}'";
        loop {
            self.skip_trivia()?;
            let start = self.pos;
            match self.peek() {
                None => return Err(self.error(ParseErrorKind::UnterminatedBlock("class"))),
                Some('}') => {
                    self.bump();
                    self.optional_semicolon();
                    return Ok(class);
                }
                Some('#') => {
                    return Err(self.error(ParseErrorKind::WrongScope { what: "a # directive", scope: "global" }))
                }
                Some(c) if is_ident_start(c) => {
                    let word = self.expect_ident(EXPECTED)?;
                    match word {
                        "PROP" => {
                            let prop = self.prop(start)?;
                            class.properties.push(prop);
                        }
                        "SIGNAL" => {
                            let signal = self.signal()?;
                            class.signals.push(signal);
                        }
                        "SLOT" => {
                            let slot = self.slot(start)?;
                            class.slots.push(slot);
                        }
                        "MODEL" | "CLASS" => {
                            let prop = self.child(word == "MODEL")?;
                            class.properties.push(prop);
                        }
                        "ENUM" => {
                            let e = self.enum_decl()?;
                            class.enums.push(e);
                        }
                        "FLAG" => {
                            let flag = self.flag()?;
                            self.check_flag(start, Scope::Class, &flag, &class.enums)?;
                            class.flags.push(flag);
                        }
                        "class" => return Err(self.error_at(start, ParseErrorKind::NestedClass)),
                        "POD" | "USE_ENUM" => {
                            return Err(self
                                .error_at(start, ParseErrorKind::WrongScope { what: keyword(word), scope: "global" }))
                        }
                        _ => {
                            self.pos = start;
                            return Err(self.unexpected(EXPECTED));
                        }
                    }
                }
                Some(_) => return Err(self.unexpected(EXPECTED)),
            }
        }
    }

    /// `PROP(...)`, keyword already consumed.
    fn prop(&mut self, start: usize) -> Result<Property> {
        self.skip_blanks();
        self.expect('(', "'(' after PROP")?;
        let args = self.capture_until(')', "PROP")?;
        if args.is_empty() {
            return Err(self.error_at(start, ParseErrorKind::EmptyArgs("PROP")));
        }
        self.optional_semicolon();
        let decl = repc::parse_property(args).map_err(|kind| self.error_at(start, kind))?;
        Ok(Property {
            name: decl.name,
            type_name: decl.type_name,
            default_value: decl.default_value,
            modifier: decl.modifier,
            persisted: decl.persisted,
            kind: PropertyKind::Prop,
        })
    }

    /// `SIGNAL(name(args))`, keyword already consumed.
    fn signal(&mut self) -> Result<Function> {
        self.skip_blanks();
        self.expect('(', "'(' after SIGNAL")?;
        self.skip_blanks();
        let name = self.expect_ident("a signal name")?.to_string();
        self.skip_blanks();
        self.expect('(', "'(' after the signal name")?;
        let args = self.capture_until(')', "SIGNAL")?;
        self.skip_blanks();
        self.expect(')', "')' to close SIGNAL(")?;
        self.optional_semicolon();
        Ok(Function { name, return_type: "void".to_string(), params: repc::parse_arguments(args.trim()) })
    }

    /// `SLOT([ReturnType] name(args))`, keyword already consumed.
    fn slot(&mut self, start: usize) -> Result<Function> {
        self.skip_blanks();
        self.expect('(', "'(' after SLOT")?;
        // repc would swallow following declarations while looking for the '('; stopping at
        // the first closing character gives a clearer error.
        let rest = self.rest();
        let Some(i) = rest.find(['(', ')', '{', '}', ';']) else {
            return Err(self.error(ParseErrorKind::UnterminatedArgs("SLOT")));
        };
        self.pos += i;
        if !self.eat('(') {
            return Err(self.unexpected("'(' after the slot name"));
        }
        let head = &rest[..i];
        let args = self.capture_until(')', "SLOT")?;
        self.skip_blanks();
        self.expect(')', "')' to close SLOT(")?;
        self.optional_semicolon();
        let (return_type, name, implied) = repc::split_slot_head(head);
        if implied {
            self.warn(start, format!("adding 'void' for unspecified return type on {name}"));
        }
        Ok(Function { name, return_type, params: repc::parse_arguments(args.trim()) })
    }

    /// `MODEL name(roles)` or `CLASS name(Type)`, keyword already consumed.
    fn child(&mut self, model: bool) -> Result<Property> {
        let what = if model { "MODEL" } else { "CLASS" };
        self.expect_blank("a property name")?;
        let name = self.long_name(what, "a property name")?.to_string();
        self.skip_blanks();
        self.expect('(', "'(' after the property name")?;
        let args_start = self.pos;
        let args = self.capture_until(')', what)?;
        if args.is_empty() {
            return Err(self.error_at(args_start, ParseErrorKind::EmptyArgs(what)));
        }
        self.optional_semicolon();
        let (type_name, kind) = if model {
            let trimmed = args.trim();
            let roles = if trimmed.is_empty() {
                Vec::new()
            } else {
                trimmed.split(',').map(|r| r.trim().to_string()).collect()
            };
            ("QAbstractItemModel".to_string(), PropertyKind::Model { roles })
        } else {
            (args.trim().to_string(), PropertyKind::Class)
        };
        Ok(Property {
            name,
            type_name,
            default_value: None,
            modifier: Modifier::SourceOnlySetter,
            persisted: false,
            kind,
        })
    }

    /// `ENUM [class] Name [: Type] { Key [= value], ... }`, keyword already consumed.
    fn enum_decl(&mut self) -> Result<Enum> {
        self.expect_blank("an enum name")?;
        let mut name = self.expect_ident("an enum name")?;
        let mut scoped = false;
        if name == "class" {
            let save = self.pos;
            self.skip_blanks();
            if self.pos > save && self.peek_ident().is_some() {
                scoped = true;
                name = self.expect_ident("an enum name")?;
            } else {
                self.pos = save;
            }
        }
        self.skip_blanks();
        let mut underlying_type = None;
        if self.eat(':') {
            self.skip_blanks();
            let rest = self.rest();
            let len = rest.find(|c: char| !(is_ident_char(c) || c == ' ' || c == ':')).unwrap_or(rest.len());
            let ty = rest[..len].trim_end_matches(' ');
            if !ty.ends_with(is_ident_char) {
                return Err(self.unexpected("an underlying type"));
            }
            self.pos += ty.len();
            underlying_type = Some(ty.to_string());
        }
        self.skip_trivia()?;
        self.expect('{', "'{' to open the enum")?;
        let mut keys = Vec::new();
        let mut value: i32 = -1;
        loop {
            self.skip_trivia()?;
            if keys.is_empty() && self.peek() == Some('}') {
                return Err(self.error(ParseErrorKind::EmptyEnum(name.to_string())));
            }
            let key = self.expect_ident("an enum key")?.to_string();
            self.skip_blanks();
            if self.eat('=') {
                self.skip_blanks();
                value = self.enum_value()?;
            } else {
                // repc's int arithmetic wraps in practice.
                value = value.wrapping_add(1);
            }
            keys.push(EnumKey { name: key, value });
            self.skip_trivia()?;
            if self.eat(',') {
                continue;
            }
            if self.eat('}') {
                break;
            }
            return Err(self.unexpected("',' or '}' in the enum"));
        }
        self.optional_semicolon();
        Ok(Enum { name: name.to_string(), scoped, underlying_type, keys })
    }

    /// `-123`, `123` or `0x7F`.
    fn enum_value(&mut self) -> Result<i32> {
        let rest = self.rest();
        let len = if rest.starts_with("0x") || rest.starts_with("0X") {
            let hex = rest[2..].find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len() - 2);
            if hex == 0 {
                1 // just the "0"; the 'x' is reported below
            } else {
                2 + hex
            }
        } else {
            let sign = usize::from(rest.starts_with('-'));
            let digits = rest[sign..].find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len() - sign);
            if digits == 0 {
                return Err(self.unexpected("an enum value (decimal, negative or 0x hex)"));
            }
            sign + digits
        };
        self.pos += len;
        if self.peek().is_some_and(is_ident_char) {
            return Err(self.unexpected("',' or '}' after the enum value"));
        }
        Ok(repc::enum_value(&rest[..len]))
    }

    /// `FLAG(FlagName EnumName)`, keyword already consumed.
    fn flag(&mut self) -> Result<Flag> {
        self.skip_blanks();
        self.expect('(', "'(' after FLAG")?;
        self.skip_blanks();
        let name = self.expect_ident("a flag name")?.to_string();
        self.expect_blank("the enum name of the flag")?;
        let enum_name = self.expect_ident("the enum name of the flag")?.to_string();
        self.skip_blanks();
        self.expect(')', "')' to close FLAG(")?;
        self.optional_semicolon();
        Ok(Flag { name, enum_name })
    }

    /// A FLAG must name an enum declared earlier in the same scope (`enums`).
    fn check_flag(&self, start: usize, scope: Scope, flag: &Flag, enums: &[Enum]) -> Result<()> {
        if enums.iter().any(|e| e.name == flag.enum_name) {
            Ok(())
        } else {
            Err(self.error_at(
                start,
                ParseErrorKind::UnknownFlagEnum { scope: scope.label(), name: flag.enum_name.clone() },
            ))
        }
    }

    /// `POD [attr] Name(...)` or `POD [attr] Name { ... }`, keyword already consumed.
    /// Returns `None` for a one-line POD without members (repc ignores it with a warning).
    fn pod(&mut self, start: usize) -> Result<Option<Pod>> {
        self.skip_blanks();
        let (attribute, name) = self.attributed_name("POD")?;
        let mut pod = Pod { name: name.to_string(), attribute, ..Pod::default() };
        self.skip_blanks();
        if self.eat('(') {
            let types_start = self.pos;
            let types = self.capture_until(')', "POD")?;
            self.optional_semicolon();
            let trimmed = types.trim();
            if trimmed.is_empty() {
                self.warn(start, format!("ignoring POD with no data members: {name}"));
                return Ok(None);
            }
            let has_enum = trimmed
                .split(' ')
                .any(|tok| tok.strip_prefix("ENUM").is_some_and(|after| !after.starts_with(is_ident_char)));
            if has_enum {
                return Err(self.error_at(types_start, ParseErrorKind::EnumInOneLinePod));
            }
            pod.attributes = to_attributes(trimmed);
            return Ok(Some(pod));
        }
        self.skip_trivia_before_brace("POD", name)?;
        self.expect('{', "'(' or '{' after the POD name")?;
        pod.block = true;
        // repc concatenates the member tokens into one argument string (templates without
        // spaces, ',' between members) and splits that like a one-line POD.
        let mut args = String::new();
        // A ',' must sit between two items (no leading, doubled or trailing commas).
        let mut after_item = false;
        let mut pending_comma = false;
        loop {
            self.skip_trivia()?;
            let item = self.pos;
            match self.peek() {
                None => return Err(self.error(ParseErrorKind::UnterminatedBlock("POD"))),
                Some('}') if !pending_comma => {
                    self.bump();
                    self.optional_semicolon();
                    break;
                }
                Some('}') => return Err(self.unexpected("a type name")),
                Some(',') if after_item => {
                    self.bump();
                    args.push(',');
                    after_item = false;
                    pending_comma = true;
                    continue;
                }
                Some(c) if is_ident_start(c) => match self.peek_ident() {
                    Some("ENUM") => {
                        self.ident();
                        let e = self.enum_decl()?;
                        pod.enums.push(e);
                    }
                    Some("FLAG") => {
                        self.ident();
                        let flag = self.flag()?;
                        self.check_flag(item, Scope::Pod, &flag, &pod.enums)?;
                        pod.flags.push(flag);
                    }
                    _ => self.pod_member(&mut args)?,
                },
                Some(_) => return Err(self.unexpected("a POD member, ENUM, FLAG or '}'")),
            }
            after_item = true;
            pending_comma = false;
        }
        pod.attributes = to_attributes(&args);
        Ok(Some(pod))
    }

    /// One `[qualifier] Type[<...>] [&] name` member of a block POD, appended to `out` in
    /// repc's spelling.
    fn pod_member(&mut self, out: &mut String) -> Result<()> {
        const QUALIFIERS: [&str; 3] = ["const", "unsigned", "signed"];
        let mut depth = 0usize;
        'types: loop {
            self.skip_trivia()?;
            let mut word = self.expect_ident("a type name")?;
            if QUALIFIERS.contains(&word) {
                out.push_str(word);
                out.push(' ');
                self.skip_trivia()?;
                let save = self.pos;
                word = self.expect_ident("a type name")?;
                if QUALIFIERS.contains(&word) {
                    self.pos = save;
                    return Err(self.unexpected("a type name"));
                }
            }
            out.push_str(word);
            self.skip_blanks();
            if self.peek() == Some(':') {
                return Err(self.error(ParseErrorKind::QualifiedPodMember));
            }
            if self.eat('<') {
                out.push('<');
                depth += 1;
                continue 'types;
            }
            loop {
                self.skip_trivia()?;
                if self.eat('&') {
                    out.push_str(" &");
                    self.skip_trivia()?;
                }
                if depth == 0 {
                    break 'types;
                }
                if self.eat(',') {
                    out.push(',');
                    continue 'types;
                }
                if self.eat('>') {
                    out.push('>');
                    depth -= 1;
                    continue;
                }
                return Err(self.unexpected("',' or '>' in the template argument list"));
            }
        }
        let save = self.pos;
        let name = self.expect_ident("a member name")?;
        if QUALIFIERS.contains(&name) {
            self.pos = save;
            return Err(self.unexpected("a member name"));
        }
        out.push(' ');
        out.push_str(name);
        Ok(())
    }
}

fn to_attributes(args: &str) -> Vec<PodAttribute> {
    repc::parse_arguments(args).into_iter().map(|p| PodAttribute { type_name: p.type_name, name: p.name }).collect()
}

fn keyword(word: &str) -> &'static str {
    match word {
        "PROP" => "PROP",
        "SIGNAL" => "SIGNAL",
        "SLOT" => "SLOT",
        "MODEL" => "MODEL",
        "CLASS" => "CLASS",
        "POD" => "POD",
        "USE_ENUM" => "USE_ENUM",
        _ => "this declaration",
    }
}
