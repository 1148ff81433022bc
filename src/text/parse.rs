//! Text to [`Literal`]: the syntax only, before any declared type applies.

use super::{Literal, TextError, TypeContext};

/// Characters that end a bare token.
pub(super) const DELIMS: &[char] = &[',', ']', '}'];

/// Types whose `TYPE:` prefix takes the rest of the token verbatim (`str:42` is "42").
const TEXTUAL: &[&str] = &["QString", "QUrl", "QByteArray", "QUuid", "QDate", "QTime", "QDateTime", "QBitArray"];

struct Parser<'a> {
    s: &'a str,
    pos: usize,
    ctx: &'a TypeContext,
}

impl<'a> Parser<'a> {
    fn new(s: &'a str, ctx: &'a TypeContext) -> Self {
        Parser { s, pos: 0, ctx }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn ws(&mut self) {
        let t = self.rest().trim_start();
        self.pos = self.s.len() - t.len();
    }

    fn err(&self, message: impl Into<String>) -> TextError {
        let column = (self.pos < self.s.len()).then(|| self.s[..self.pos].chars().count() + 1);
        TextError::Syntax { text: self.s.to_owned(), column, message: message.into() }
    }

    fn expect(&mut self, c: char) -> Result<(), TextError> {
        self.ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(self.err(format!("expected '{c}'")))
        }
    }

    fn value(&mut self) -> Result<Literal, TextError> {
        self.ws();
        match self.peek() {
            None => Err(self.err("expected a value")),
            Some('"') => Ok(Literal::Str(self.string()?)),
            Some('[') => self.list(),
            Some('{') => self.map(),
            Some(c) if DELIMS.contains(&c) => Err(self.err(format!("unexpected '{c}'"))),
            Some(_) => {
                if let Some((ty, after)) = self.typed_prefix() {
                    self.pos = after;
                    if self.peek().is_none_or(|c| c.is_whitespace() || DELIMS.contains(&c)) {
                        return Err(self.err(format!("expected a value after '{ty}:'")));
                    }
                    let textual = TEXTUAL.contains(&ty.as_str());
                    let inner = if textual && !self.rest().starts_with(['"', '[', '{']) {
                        Literal::Word(self.token().to_owned())
                    } else {
                        self.value()?
                    };
                    return Ok(Literal::Typed(ty, Box::new(inner)));
                }
                let tok = self.token();
                Ok(word(tok))
            }
        }
    }

    /// A bare token: up to whitespace or a delimiter.
    fn token(&mut self) -> &'a str {
        let rest = self.rest();
        let end = rest.find(|c: char| c.is_whitespace() || DELIMS.contains(&c)).unwrap_or(rest.len());
        self.pos += end;
        &rest[..end]
    }

    /// `TYPE:` at the current position, if TYPE is a known type name: its canonical name and the
    /// position after the colon.
    fn typed_prefix(&self) -> Option<(String, usize)> {
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut i = 0;
        let mut depth = 0i32;
        while i < b.len() {
            let c = b[i] as char;
            if c.is_ascii_alphanumeric() || c == '_' {
                i += 1;
            } else if c == ':' && b.get(i + 1) == Some(&b':') {
                i += 2;
            } else if c == '<' {
                depth += 1;
                i += 1;
            } else if c == '>' && depth > 0 {
                depth -= 1;
                i += 1;
            } else if (c == ',' || c == '*' || c == ' ') && depth > 0 {
                i += 1;
            } else {
                break;
            }
        }
        if i == 0 || depth != 0 || b.get(i) != Some(&b':') {
            return None;
        }
        let canonical = self.ctx.canonical(&rest[..i])?;
        Some((canonical, self.pos + i + 1))
    }

    fn string(&mut self) -> Result<String, TextError> {
        // Find the closing quote, honouring escapes, and let serde_json decode the escapes.
        let rest = self.rest();
        let b = rest.as_bytes();
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => {
                    let s: String =
                        serde_json::from_str(&rest[..=i]).map_err(|e| self.err(format!("bad string ({e})")))?;
                    self.pos += i + 1;
                    return Ok(s);
                }
                _ => i += 1,
            }
        }
        Err(self.err("unterminated string"))
    }

    fn list(&mut self) -> Result<Literal, TextError> {
        self.expect('[')?;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(']') {
                self.pos += 1;
                return Ok(Literal::List(items));
            }
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {}
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn map(&mut self) -> Result<Literal, TextError> {
        self.expect('{')?;
        let mut entries = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some('}') => {
                    self.pos += 1;
                    return Ok(Literal::Map(entries));
                }
                Some('"') => {
                    let k = self.string()?;
                    self.expect(':')?;
                    entries.push((k, self.value()?));
                }
                Some(_) => {
                    let rest = self.rest();
                    let end = rest.find(|c: char| !(c.is_alphanumeric() || "_-.$".contains(c))).unwrap_or(rest.len());
                    if end == 0 {
                        return Err(self.err("expected a key"));
                    }
                    self.pos += end;
                    self.expect(':')?;
                    entries.push((rest[..end].to_owned(), self.value()?));
                }
                None => return Err(self.err("expected '}'")),
            }
            self.ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }
}

/// A bare token: keyword, number or word.
pub(super) fn word(tok: &str) -> Literal {
    match tok {
        "true" => return Literal::Bool(true),
        "false" => return Literal::Bool(false),
        "null" => return Literal::Null,
        _ => {}
    }
    let (neg, digits) = match tok.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, tok.strip_prefix('+').unwrap_or(tok)),
    };
    let int = if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        i128::from_str_radix(hex, 16).ok()
    } else if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        digits.parse::<i128>().ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Literal::Int(if neg { -i } else { i });
    }
    let lower = digits.to_ascii_lowercase();
    let floaty = digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if floaty {
        if let Ok(f) = tok.parse::<f64>() {
            return Literal::Float(f);
        }
    }
    Literal::Word(tok.to_owned())
}

/// Parses exactly one value (surrounding blanks allowed).
pub fn parse(text: &str, types: &TypeContext) -> Result<Literal, TextError> {
    let mut p = Parser::new(text, types);
    let v = p.value()?;
    p.ws();
    if p.pos < text.len() {
        return Err(p.err("unexpected text after the value (quote strings that contain blanks)"));
    }
    Ok(v)
}

/// Parses a command-line argument: one value, or — when that fails and the text does not start
/// like a structured value — the whole argument as a string (so `hello world` passed as one
/// shell word works without inner quotes).
pub fn parse_argument(text: &str, types: &TypeContext) -> Result<Literal, TextError> {
    let e = match parse(text, types) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let t = text.trim_start();
    if t.starts_with(['"', '[', '{']) || t.is_empty() || Parser::new(text, types).typed_prefix().is_some() {
        Err(e)
    } else {
        Ok(Literal::Word(text.to_owned()))
    }
}

/// Parses blank-separated values (a script line's arguments).
pub fn parse_many(text: &str, types: &TypeContext) -> Result<Vec<Literal>, TextError> {
    let mut p = Parser::new(text, types);
    let mut out = Vec::new();
    loop {
        p.ws();
        if p.pos >= text.len() {
            return Ok(out);
        }
        out.push(p.value()?);
        if let Some(c) = p.peek() {
            if !c.is_whitespace() {
                return Err(p.err("expected a blank between values"));
            }
        }
    }
}
