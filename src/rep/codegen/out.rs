//! A small writer that lays code out the way rustfmt does for the shapes the generator emits
//! (100 columns, 4-space indents, vertical lists when a list does not fit).

/// rustfmt's `max_width`.
pub(crate) const MAX_WIDTH: usize = 100;
/// rustfmt's `fn_call_width` (and `array_width`): longest argument list kept on one line.
pub(crate) const CALL_WIDTH: usize = 60;
/// rustfmt's `struct_lit_width`: longest field list of a struct literal kept on one line.
pub(crate) const STRUCT_LIT_WIDTH: usize = 18;

#[derive(Default)]
pub(crate) struct Out {
    buf: String,
    indent: usize,
}

impl Out {
    pub(crate) fn new() -> Self {
        Out::default()
    }

    pub(crate) fn finish(self) -> String {
        self.buf
    }

    /// Current indentation in columns.
    pub(crate) fn col(&self) -> usize {
        self.indent * 4
    }

    /// One line (each `\n`-separated part indented).
    ///
    /// A top-level item gets `#[allow(dead_code)]`: a program uses part of a generated API, and
    /// the rest must not warn in the user's crate.
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        for l in text.as_ref().split('\n') {
            if self.indent == 0 && (l.starts_with("pub ") || l.starts_with("impl")) {
                self.buf.push_str("#[allow(dead_code)]\n");
            }
            if l.is_empty() {
                self.buf.push('\n');
            } else {
                for _ in 0..self.indent {
                    self.buf.push_str("    ");
                }
                self.buf.push_str(l);
                self.buf.push('\n');
            }
        }
    }

    pub(crate) fn blank(&mut self) {
        self.buf.push('\n');
    }

    /// A line that opens a block.
    pub(crate) fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.indent += 1;
    }

    /// Indents the following lines one more level.
    pub(crate) fn enter(&mut self) {
        self.indent += 1;
    }

    /// A line that closes a block.
    pub(crate) fn close(&mut self, text: impl AsRef<str>) {
        self.indent -= 1;
        self.line(text);
    }

    /// `///` doc lines: paragraphs (separated by a blank line) wrapped at the line width.
    pub(crate) fn doc(&mut self, text: impl AsRef<str>) {
        let width = MAX_WIDTH.saturating_sub(self.col() + 4).max(40);
        for (i, paragraph) in text.as_ref().split("\n\n").enumerate() {
            if i > 0 {
                self.line("///");
            }
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                if !line.is_empty() && line.len() + 1 + word.len() > width {
                    self.line(format!("/// {line}"));
                    line.clear();
                }
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
            }
            if line.is_empty() {
                self.line("///");
            } else {
                self.line(format!("/// {line}"));
            }
        }
    }

    /// `head items tail` where `tail` opens a block (`) {`): the lines that follow are indented.
    pub(crate) fn list_open(&mut self, head: &str, items: &[String], tail: &str, width: usize) {
        self.list(head, items, tail, width);
        self.enter();
    }

    /// `head(args)tail`: on one line when it fits, else one argument per line. `head` ends with
    /// the opening delimiter and `tail` starts with the closing one.
    pub(crate) fn list(&mut self, head: &str, items: &[String], tail: &str, width: usize) {
        let joined = items.join(", ");
        if fits_list(self.col(), head, &joined, tail, width) {
            self.line(format!("{head}{joined}{tail}"));
        } else {
            self.open(head);
            for i in items {
                self.line(format!("{i},"));
            }
            self.close(tail);
        }
    }

    /// A function header written on one line (`fn name(a: A, b: B) -> R {`), laid out like
    /// rustfmt by [`Self::fn_sig`].
    pub(crate) fn fn_line(&mut self, header: &str) {
        let open = header.find('(').expect("a parameter list");
        let mut depth = 0i32;
        let mut close = open;
        let mut params = Vec::new();
        let mut start = open + 1;
        for (i, c) in header.char_indices().skip(open) {
            match c {
                '(' | '<' | '[' => depth += 1,
                ')' | '>' | ']' if !(c == '>' && header[..i].ends_with('-')) => {
                    depth -= 1;
                    if depth == 0 {
                        close = i;
                        break;
                    }
                }
                ',' if depth == 1 => {
                    params.push(header[start..i].trim().to_owned());
                    start = i + 1;
                }
                _ => {}
            }
        }
        let last = header[start..close].trim();
        if !last.is_empty() {
            params.push(last.to_owned());
        }
        self.fn_sig(&header[..=open], &params, &header[close..]);
    }

    /// `#[allow(clippy::too_many_arguments)]` for functions with more parameters than clippy likes.
    pub(crate) fn allow_many(&mut self, params: &[String]) {
        if params.len() > 7 {
            self.line("#[allow(clippy::too_many_arguments)]");
        }
    }

    /// A function signature `head params tail`, laid out like rustfmt: `head` ends with `(`,
    /// `tail` is `) [-> Ret] {` (the body follows, indented) or `) [-> Ret];`.
    pub(crate) fn fn_sig(&mut self, head: &str, params: &[String], tail: &str) {
        let body = tail.ends_with('{');
        let inner = tail.strip_prefix(')').unwrap_or(tail);
        let inner = inner.strip_suffix(" {").or_else(|| inner.strip_suffix(';')).unwrap_or(inner);
        let ret = inner.trim();
        let joined = params.join(", ");
        let first = format!("{head}{joined})");
        let ret_len = if ret.is_empty() { 0 } else { ret.len() + 1 };
        let end = if body { " {" } else { ";" };
        // rustfmt reserves room for ` {` even before a `;`, and only declarations (no body) may
        // move the return type to a line of its own.
        if self.col() + first.len() + ret_len + 2 <= MAX_WIDTH {
            self.line(format!("{first}{}{end}", if ret.is_empty() { String::new() } else { format!(" {ret}") }));
        } else if !body && !ret.is_empty() && self.col() + first.len() + ret_len < MAX_WIDTH {
            self.line(first);
            self.line(format!("    {ret}{end}"));
        } else {
            self.open(head);
            for p in params {
                self.line(format!("{p},"));
            }
            let close = if ret.is_empty() { ")".to_owned() } else { format!(") {ret}") };
            if self.col() - 4 + close.len() + end.len() + 4 <= MAX_WIDTH {
                self.close(format!("{close}{end}"));
            } else {
                self.close(close);
                self.line(end.trim());
            }
        }
        if body {
            self.enter();
        }
    }

    /// A match arm `pat => body,`, or `pat => {` body `}` when that does not fit.
    pub(crate) fn arm(&mut self, pat: &str, body: &str) {
        let one = format!("{pat} => {body},");
        if self.col() + one.len() <= MAX_WIDTH {
            self.line(one);
        } else {
            self.open(format!("{pat} => {{"));
            self.line(body);
            self.close("}");
        }
    }

    /// A match arm `pat => callee(args),`, laid out like rustfmt: on one line, else in a block
    /// when the call fits on a line of its own, else with one argument per line.
    pub(crate) fn arm_call(&mut self, pat: &str, callee: &str, args: &[String]) {
        let joined = args.join(", ");
        let call = format!("{callee}({joined})");
        if self.col() + pat.len() + 4 + call.len() < MAX_WIDTH && joined.len() <= CALL_WIDTH {
            self.line(format!("{pat} => {call},"));
        } else if joined.len() <= CALL_WIDTH && self.col() + 4 + call.len() <= MAX_WIDTH {
            self.open(format!("{pat} => {{"));
            self.line(call);
            self.close("}");
        } else {
            self.list(&format!("{pat} => {callee}("), args, "),", CALL_WIDTH);
        }
    }

    /// `let pat = callee(args)suffix;`, laid out like rustfmt.
    pub(crate) fn let_call(&mut self, pat: &str, callee: &str, args: &[String], suffix: &str) {
        let joined = args.join(", ");
        let rhs = format!("{callee}({joined}){suffix};");
        if self.col() + pat.len() + 7 + rhs.len() <= MAX_WIDTH && joined.len() <= CALL_WIDTH {
            self.line(format!("let {pat} = {rhs}"));
        } else if joined.len() <= CALL_WIDTH && self.col() + 4 + rhs.len() <= MAX_WIDTH {
            self.line(format!("let {pat} ="));
            self.line(format!("    {rhs}"));
        } else {
            self.list(&format!("let {pat} = {callee}("), args, &format!("){suffix};"), CALL_WIDTH);
        }
    }
}

/// Whether `head items tail` fits on one line at column `col`.
pub(crate) fn fits_list(col: usize, head: &str, joined: &str, tail: &str, width: usize) -> bool {
    !joined.contains('\n') && joined.len() <= width && col + head.len() + joined.len() + tail.len() <= MAX_WIDTH
}

/// A struct literal or struct pattern `Path { a, b }` as one line, if rustfmt keeps it on one.
pub(crate) fn struct_lit_inline(path: &str, fields: &[String]) -> String {
    if fields.is_empty() {
        format!("{path} {{}}")
    } else {
        format!("{path} {{ {} }}", fields.join(", "))
    }
}
