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
