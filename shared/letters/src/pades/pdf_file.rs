//! Just enough PDF reading for signing our own letters (PDF 32000-1, 7.2–7.5): the trailer and
//! cross-reference tables (a classic `xref` table, what pdf-writer emits, with any `/Prev`
//! chain of earlier incremental updates), and the objects the signature touches (the catalog,
//! the page tree down to page 1) parsed into values that can be written back. Xref streams
//! and object streams are refused rather than half-handled: the renderer does not emit them.

use std::collections::BTreeMap;

/// A parsed PDF value. Strings and real numbers keep their source bytes, which are written
/// back unchanged.
#[derive(Clone, Debug, PartialEq)]
pub enum Obj {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number or a string (literal or hex) as it appeared.
    Raw(Vec<u8>),
    Name(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32, u16),
}

/// A dictionary in its source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dict(pub Vec<(Vec<u8>, Obj)>);

impl Dict {
    pub fn get(&self, key: &[u8]) -> Option<&Obj> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing its value in place or appending it.
    pub fn set(&mut self, key: &[u8], value: Obj) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_vec(), value)),
        }
    }

    pub fn get_ref(&self, key: &[u8]) -> Option<(u32, u16)> {
        match self.get(key) {
            Some(Obj::Ref(n, g)) => Some((*n, *g)),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("PDF structure: {0}")]
pub struct ParseError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0c | 0)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A cursor over the file's bytes.
struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        // An offset past the end (a corrupt xref) reads as the end of the file.
        Self {
            b,
            pos: pos.min(b.len()),
        }
    }

    fn skip_white(&mut self) {
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            if is_white(c) {
                self.pos += 1;
            } else if c == b'%' {
                while self.pos < self.b.len() && !matches!(self.b[self.pos], b'\n' | b'\r') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_white();
        self.b.get(self.pos).copied()
    }

    /// A regular token (keyword or number).
    fn word(&mut self) -> &'a [u8] {
        self.skip_white();
        let start = self.pos;
        while self.pos < self.b.len() && !is_white(self.b[self.pos]) && !is_delim(self.b[self.pos])
        {
            self.pos += 1;
        }
        &self.b[start..self.pos]
    }

    fn keyword(&mut self, kw: &[u8]) -> Result<(), ParseError> {
        let at = self.pos;
        let w = self.word();
        if w == kw {
            Ok(())
        } else {
            err(format!(
                "expected `{}` at byte {at}, found `{}`",
                String::from_utf8_lossy(kw),
                String::from_utf8_lossy(w)
            ))
        }
    }

    fn uint(&mut self) -> Result<u64, ParseError> {
        let w = self.word();
        std::str::from_utf8(w)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| {
                ParseError(format!(
                    "expected a number: `{}`",
                    String::from_utf8_lossy(w)
                ))
            })
    }

    fn value(&mut self, depth: usize) -> Result<Obj, ParseError> {
        if depth > 32 {
            return err("values nested too deeply");
        }
        let Some(c) = self.peek() else {
            return err("unexpected end of file");
        };
        match c {
            b'/' => {
                self.pos += 1;
                Ok(Obj::Name(self.word().to_vec()))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek() != Some(b']') {
                    if self.peek().is_none() {
                        return err("unterminated array");
                    }
                    items.push(self.value(depth + 1)?);
                }
                self.pos += 1;
                Ok(Obj::Array(items))
            }
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut d = Dict::default();
                loop {
                    match self.peek() {
                        Some(b'>') if self.b.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            break;
                        }
                        Some(b'/') => {
                            self.pos += 1;
                            let key = self.word().to_vec();
                            let v = self.value(depth + 1)?;
                            d.0.push((key, v));
                        }
                        _ => return err(format!("bad dictionary key at byte {}", self.pos)),
                    }
                }
                Ok(Obj::Dict(d))
            }
            b'<' => {
                let start = self.pos;
                let end = self.b[start..]
                    .iter()
                    .position(|&c| c == b'>')
                    .ok_or_else(|| ParseError("unterminated hex string".into()))?;
                self.pos = start + end + 1;
                Ok(Obj::Raw(self.b[start..self.pos].to_vec()))
            }
            b'(' => {
                let start = self.pos;
                let mut depth = 0usize;
                while self.pos < self.b.len() {
                    match self.b[self.pos] {
                        b'\\' => self.pos += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Ok(Obj::Raw(self.b[start..self.pos].to_vec()));
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                err("unterminated string")
            }
            _ => {
                let w = self.word();
                match w {
                    b"true" => Ok(Obj::Bool(true)),
                    b"false" => Ok(Obj::Bool(false)),
                    b"null" => Ok(Obj::Null),
                    _ if w.is_empty() => err(format!("unexpected byte {c:#04x} at {}", self.pos)),
                    _ => self.number(w),
                }
            }
        }
    }

    /// A number, or `n g R` when two integers and `R` follow one another.
    fn number(&mut self, w: &[u8]) -> Result<Obj, ParseError> {
        let s = std::str::from_utf8(w).map_err(|_| ParseError("bad number".into()))?;
        let Ok(n) = s.parse::<i64>() else {
            return if s.parse::<f64>().is_ok() {
                Ok(Obj::Raw(w.to_vec()))
            } else {
                err(format!("unexpected token `{s}`"))
            };
        };
        let save = self.pos;
        let gen_word = self.word();
        if let Some(g) = std::str::from_utf8(gen_word)
            .ok()
            .and_then(|g| g.parse::<u16>().ok())
            && self.word() == b"R"
        {
            let id = u32::try_from(n).map_err(|_| ParseError("bad object number".into()))?;
            return Ok(Obj::Ref(id, g));
        }
        self.pos = save;
        Ok(Obj::Int(n))
    }
}

/// Writes a value in PDF syntax.
pub fn write_obj(o: &Obj, out: &mut Vec<u8>) {
    match o {
        Obj::Null => out.extend_from_slice(b"null"),
        Obj::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Obj::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Obj::Raw(r) => out.extend_from_slice(r),
        Obj::Name(n) => {
            out.push(b'/');
            out.extend_from_slice(n);
        }
        Obj::Array(items) => {
            out.push(b'[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_obj(it, out);
            }
            out.push(b']');
        }
        Obj::Dict(d) => {
            out.extend_from_slice(b"<<");
            for (k, v) in &d.0 {
                out.push(b'/');
                out.extend_from_slice(k);
                out.push(b' ');
                write_obj(v, out);
                out.push(b'\n');
            }
            out.extend_from_slice(b">>");
        }
        Obj::Ref(n, g) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
    }
}

/// What signing needs of an existing file.
#[derive(Debug)]
pub struct PdfFile<'a> {
    bytes: &'a [u8],
    /// Object number → (offset, generation), newest section first.
    offsets: BTreeMap<u32, Option<(usize, u16)>>,
    pub trailer: Dict,
    /// Offset of the newest cross-reference section (the update's /Prev).
    pub startxref: usize,
    /// The trailer's /Size: the update's objects are numbered from here.
    pub size: u32,
}

impl<'a> PdfFile<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, ParseError> {
        if !bytes.starts_with(b"%PDF-") {
            return err("not a PDF file");
        }
        let tail_start = bytes.len().saturating_sub(1024);
        let tail = &bytes[tail_start..];
        let at = tail
            .windows(9)
            .rposition(|w| w == b"startxref")
            .ok_or_else(|| ParseError("no startxref".into()))?;
        let mut lx = Lexer::new(bytes, tail_start + at + 9);
        let startxref = usize::try_from(lx.uint()?).map_err(|_| ParseError("bad offset".into()))?;
        let mut offsets = BTreeMap::new();
        let mut trailer: Option<Dict> = None;
        let mut next = Some(startxref);
        let mut seen = 0;
        while let Some(off) = next {
            seen += 1;
            if seen > 64 || off >= bytes.len() {
                return err("bad /Prev chain");
            }
            let (t, entries) = read_xref_section(bytes, off)?;
            for (id, e) in entries {
                offsets.entry(id).or_insert(e);
            }
            next = match t.get(b"Prev") {
                Some(Obj::Int(p)) => {
                    Some(usize::try_from(*p).map_err(|_| ParseError("bad /Prev".into()))?)
                }
                _ => None,
            };
            if trailer.is_none() {
                trailer = Some(t);
            }
        }
        let trailer = trailer.ok_or_else(|| ParseError("no trailer".into()))?;
        if trailer.get(b"Encrypt").is_some() {
            return err("encrypted files are not signed here");
        }
        let size = match trailer.get(b"Size") {
            Some(Obj::Int(n)) => u32::try_from(*n).map_err(|_| ParseError("bad /Size".into()))?,
            _ => return err("trailer without /Size"),
        };
        Ok(Self {
            bytes,
            offsets,
            trailer,
            startxref,
            size,
        })
    }

    /// The value of object `id` (generation checked).
    pub fn object(&self, id: u32, generation: u16) -> Result<Obj, ParseError> {
        let Some(Some((off, g))) = self.offsets.get(&id) else {
            return err(format!("object {id} is not in use"));
        };
        if *g != generation {
            return err(format!("object {id} has generation {g}, not {generation}"));
        }
        let mut lx = Lexer::new(self.bytes, *off);
        if lx.uint()? != u64::from(id) || lx.uint()? != u64::from(generation) {
            return err(format!("object {id} is not at its xref offset"));
        }
        lx.keyword(b"obj")?;
        lx.value(0)
    }

    pub fn dict(&self, id: (u32, u16)) -> Result<Dict, ParseError> {
        match self.object(id.0, id.1)? {
            Obj::Dict(d) => Ok(d),
            _ => err(format!("object {} is not a dictionary", id.0)),
        }
    }

    /// The catalog's reference (trailer /Root).
    pub fn root(&self) -> Result<(u32, u16), ParseError> {
        self.trailer
            .get_ref(b"Root")
            .ok_or_else(|| ParseError("trailer without /Root".into()))
    }

    /// The first page: down the page tree through each node's first kid (PDF 32000-1, 7.7.3).
    pub fn first_page(&self, catalog: &Dict) -> Result<(u32, u16), ParseError> {
        let mut node = catalog
            .get_ref(b"Pages")
            .ok_or_else(|| ParseError("catalog without /Pages".into()))?;
        for _ in 0..32 {
            let d = self.dict(node)?;
            match d.get(b"Type") {
                Some(Obj::Name(t)) if t == b"Page" => return Ok(node),
                Some(Obj::Name(t)) if t == b"Pages" => {}
                _ => return err("page tree node without /Type /Pages or /Page"),
            }
            node = match d.get(b"Kids") {
                Some(Obj::Array(kids)) => match kids.first() {
                    Some(Obj::Ref(n, g)) => (*n, *g),
                    _ => return err("page tree without pages"),
                },
                _ => return err("page tree node without /Kids"),
            };
        }
        err("page tree too deep")
    }
}

type XrefEntries = Vec<(u32, Option<(usize, u16)>)>;

/// One classic cross-reference section and its trailer (PDF 32000-1, 7.5.4 and 7.5.5).
fn read_xref_section(bytes: &[u8], off: usize) -> Result<(Dict, XrefEntries), ParseError> {
    let mut lx = Lexer::new(bytes, off);
    let first = lx.word();
    if first != b"xref" {
        return err(
            "the cross-reference is not a classic xref table (an xref stream?); this signer \
             handles the files its own renderer writes",
        );
    }
    let mut entries = Vec::new();
    loop {
        if lx.peek() == Some(b't') {
            lx.keyword(b"trailer")?;
            break;
        }
        let start = u32::try_from(lx.uint()?).map_err(|_| ParseError("bad xref".into()))?;
        let count = u32::try_from(lx.uint()?).map_err(|_| ParseError("bad xref".into()))?;
        for i in 0..count {
            let offset = usize::try_from(lx.uint()?).map_err(|_| ParseError("bad xref".into()))?;
            let generation =
                u16::try_from(lx.uint()?).map_err(|_| ParseError("bad xref".into()))?;
            let id = start + i;
            match lx.word() {
                b"n" => entries.push((id, Some((offset, generation)))),
                b"f" => entries.push((id, None)),
                _ => return err("bad xref entry"),
            }
        }
    }
    match lx.value(0)? {
        Obj::Dict(d) => {
            if d.get(b"XRefStm").is_some() {
                return err("hybrid-reference files are not handled");
            }
            Ok((d, entries))
        }
        _ => err("trailer is not a dictionary"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let src = b"<< /Type /Page /MediaBox [0 0 595.28 841.89] /Parent 2 0 R /T (a \\) (b)) \
                    /H <FEFF0041> /N null /B true /K [3 0 R 4 0 R 5] /D << /X 1 >> >>";
        let v = Lexer::new(src, 0).value(0).unwrap();
        let Obj::Dict(d) = &v else { panic!() };
        assert_eq!(d.get_ref(b"Parent"), Some((2, 0)));
        assert_eq!(d.get(b"T"), Some(&Obj::Raw(b"(a \\) (b))".to_vec())));
        assert_eq!(
            d.get(b"K"),
            Some(&Obj::Array(vec![
                Obj::Ref(3, 0),
                Obj::Ref(4, 0),
                Obj::Int(5)
            ]))
        );
        let mut out = Vec::new();
        write_obj(&v, &mut out);
        assert_eq!(Lexer::new(&out, 0).value(0).unwrap(), v);
    }

    #[test]
    fn survives_garbage() {
        for src in [
            &b"%PDF-1.7\nstartxref\n99999\n%%EOF"[..],
            b"%PDF-1.7\nxref\n0 99999999\ntrailer\nstartxref\n9\n%%EOF",
            b"%PDF-1.7\nxref\n0 1\n0000000000 65535 f\ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n",
            b"%PDF-1.7\nxref\ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n9\n",
            b"%PDF-1.7\n((((((",
        ] {
            if let Ok(f) = PdfFile::parse(src) {
                assert!(f.root().and_then(|r| f.dict(r)).is_err());
            }
        }
        let deep = [b"[".repeat(100), b"]".repeat(100)].concat();
        assert!(Lexer::new(&deep, 0).value(0).is_err());
    }

    #[test]
    fn refuses_what_it_does_not_handle() {
        assert!(PdfFile::parse(b"hello").is_err());
        let xref_stream =
            b"%PDF-1.7\n1 0 obj\n<< /Type /XRef >>\nstream\nendstream\nendobj\nstartxref\n9\n%%EOF";
        let e = PdfFile::parse(xref_stream).unwrap_err();
        assert!(e.0.contains("xref stream"), "{e}");
    }
}
