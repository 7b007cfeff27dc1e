//! The documents of a case as PDFs: the letter (a permit's grant or refusal, SOP m–p of the
//! seed) — A4, the agency's letterhead with its emblem, the number, the dasar hukum, the case's
//! facts, the decision (for a refusal its reasons and the right to object), the signature block
//! (position with "Plt."/"Plh.", name, pangkat/golongan, NIP), once signed a QR code to the public
//! verification page, and the tembusan: the parts of a naskah dinas in Permendagri 1/2023 — and
//! the bill (SKRD) of a permit with a retribution. The texts come from the permit's templates
//! (`domain::documents`). Text is set in Liberation Sans (SIL OFL 1.1, `assets/fonts/`), embedded
//! as subsets with a ToUnicode map so that the text can be searched and extracted.
//!
//! Any length: every line is wrapped inside the side margins (a word longer than a line is cut),
//! the text flows onto further pages, each page says "Halaman i dari n", and the signature block,
//! the QR code and the tembusan are kept together on the last page. A draft is laid out line for
//! line as its signed letter: its marks sit outside the flow (the top band) and its placeholders
//! take the signed block's height, reserved for the longest of the agency's officials.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use perizinan::domain::documents::BillText;
use perizinan::domain::emblem::Emblem;
use perizinan::domain::notices::Agency;
use perizinan::domain::time::{format_date_id, format_instant_id};
pub use perizinan::ports::letters::{LetterData, Signature};
use std::collections::BTreeMap;

static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/LiberationSans-Bold.ttf");

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 62.0;

#[derive(Debug, thiserror::Error)]
#[error("PDF: {0}")]
pub struct PdfError(String);

struct Font {
    face: ttf_parser::Face<'static>,
    data: &'static [u8],
    resource: &'static [u8],
    base: &'static str,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id → (character, advance in font units).
    used: BTreeMap<u16, (char, u16)>,
}

impl Font {
    fn new(
        data: &'static [u8],
        resource: &'static [u8],
        base: &'static str,
    ) -> Result<Self, PdfError> {
        Ok(Self {
            face: ttf_parser::Face::parse(data, 0).map_err(|e| PdfError(format!("font: {e}")))?,
            data,
            resource,
            base,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    fn units(&self) -> f32 {
        f32::from(self.face.units_per_em())
    }

    fn glyph(&self, c: char) -> ttf_parser::GlyphId {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .unwrap_or(ttf_parser::GlyphId(0))
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| u32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum();
        units as f32 * size / self.units()
    }

    /// Two-byte codes of the subset's glyph ids.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let g = self.glyph(c);
            let new = self.remapper.remap(g.0);
            let adv = self.face.glyph_hor_advance(g).unwrap_or(0);
            self.used.entry(new).or_insert((c, adv));
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

/// Where the flow of a page may write: text stays between the side margins and above the
/// footer band.
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The first baseline of a continuation page.
const CONTINUED_TOP: f32 = PAGE_H - 62.0;
/// The lowest baseline of the footer band (the page number).
const PAGE_NUMBER_Y: f32 = 30.0;
/// The QR code's side.
const QR_SIDE: f32 = 88.0;
/// The emblem's height in the letterhead.
const EMBLEM_H: f32 = 62.0;

fn leading(size: f32) -> f32 {
    size * 1.4
}

/// The leading of lists and table rows.
fn tight(size: f32) -> f32 {
    size * 1.3
}

/// A line of text as it was placed (page index from 0; the baseline's left end).
#[derive(Debug, Clone, PartialEq)]
struct Placed {
    page: usize,
    x: f32,
    y: f32,
    width: f32,
    text: String,
}

/// An image as it was placed.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Figure {
    page: usize,
    kind: FigureKind,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FigureKind {
    Emblem,
    Qr,
    QrPlaceholder,
}

/// Lays text out on as many A4 pages as it takes: every line wrapped inside the margins (a word
/// longer than the line is broken), a new page when the next line would enter the footer band.
struct Writer {
    regular: Font,
    bold: Font,
    pages: Vec<Content>,
    /// The page drawn on (the last, except while the footers are drawn).
    page: usize,
    y: f32,
    /// The lowest baseline the flow may use.
    bottom: f32,
    placed: Vec<Placed>,
    figures: Vec<Figure>,
}

impl Writer {
    fn new(bottom: f32) -> Result<Self, PdfError> {
        Ok(Writer {
            regular: Font::new(REGULAR, b"F1", "LiberationSans")?,
            bold: Font::new(BOLD, b"F2", "LiberationSans-Bold")?,
            pages: vec![Content::new()],
            page: 0,
            y: PAGE_H - 58.0,
            bottom,
            placed: vec![],
            figures: vec![],
        })
    }

    fn content(&mut self) -> &mut Content {
        &mut self.pages[self.page]
    }

    fn font(&mut self, w: Weight) -> &mut Font {
        match w {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }

    fn measure(&self, w: Weight) -> &Font {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.page = self.pages.len() - 1;
        self.y = CONTINUED_TOP;
    }

    /// Starts a new page unless `height` more fits above the bottom of this one.
    fn keep(&mut self, height: f32) {
        if self.y - height < self.bottom - 1.0 {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, y: f32, text: &str, size: f32, w: Weight) {
        let encoded = self.font(w).encode(text);
        let name = self.font(w).resource;
        let width = self.measure(w).width(text, size);
        let page = self.page;
        let c = self.content();
        c.begin_text();
        c.set_font(Name(name), size);
        c.next_line(x, y);
        c.show(Str(&encoded));
        c.end_text();
        self.placed.push(Placed {
            page,
            x,
            y,
            width,
            text: text.to_string(),
        });
    }

    /// Breaks `text` into lines no wider than `width`: greedy, measuring each word once
    /// (measuring the whole line again for every word made long paragraphs quadratic,
    /// docs/performance.md); a word wider than a line is cut where the line is full.
    fn wrap(&self, text: &str, size: f32, w: Weight, width: f32) -> Vec<String> {
        let font = self.measure(w);
        let space = font.width(" ", size);
        let mut lines = vec![];
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split_whitespace() {
            let mut word_width = font.width(word, size);
            if !line.is_empty() && line_width + space + word_width > width {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            let mut word = word;
            if line.is_empty() {
                // Cut a word too long for a line of its own into pieces that fit.
                while word_width > width {
                    let mut cut = 0;
                    let mut cut_width = 0.0;
                    for (i, c) in word.char_indices() {
                        let cw = font.width(c.encode_utf8(&mut [0; 4]), size);
                        if cut_width + cw > width && i > 0 {
                            break;
                        }
                        cut = i + c.len_utf8();
                        cut_width += cw;
                    }
                    lines.push(word[..cut].to_string());
                    word = &word[cut..];
                    word_width = font.width(word, size);
                }
                if word.is_empty() {
                    continue;
                }
            } else {
                line.push(' ');
                line_width += space;
            }
            line.push_str(word);
            line_width += word_width;
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Writes `text` wrapped into `width` from `x`, breaking pages between lines.
    fn paragraph_at(&mut self, x: f32, width: f32, text: &str, size: f32, w: Weight) {
        for line in self.wrap(text, size, w, width) {
            self.keep(0.0);
            self.text_at(x, self.y, &line, size, w);
            self.y -= leading(size);
        }
    }

    fn paragraph(&mut self, text: &str, size: f32) {
        self.paragraph_at(MARGIN, TEXT_W, text, size, Weight::Regular);
        self.y -= size * 0.5;
    }

    /// Centred lines between `left` and `right`, wrapped there.
    fn centred_in(&mut self, left: f32, right: f32, text: &str, size: f32, w: Weight) {
        for line in self.wrap(text, size, w, right - left) {
            self.keep(0.0);
            let width = self.measure(w).width(&line, size);
            let x = left + (right - left - width) / 2.0;
            self.text_at(x, self.y, &line, size, w);
            self.y -= size * 1.35;
        }
    }

    /// Centred lines across the text width.
    fn line(&mut self, text: &str, size: f32, w: Weight) {
        self.centred_in(MARGIN, PAGE_W - MARGIN, text, size, w);
    }

    /// A numbered list ("1. …"), each item wrapped with a hanging indent.
    fn numbered(&mut self, x: f32, items: &[String], size: f32) {
        let indent = 16.0;
        for (i, item) in items.iter().enumerate() {
            let lines = self.wrap(item, size, Weight::Regular, PAGE_W - MARGIN - x - indent);
            for (j, line) in lines.iter().enumerate() {
                self.keep(0.0);
                if j == 0 {
                    self.text_at(x, self.y, &format!("{}.", i + 1), size, Weight::Regular);
                }
                self.text_at(x + indent, self.y, line, size, Weight::Regular);
                self.y -= tight(size);
            }
        }
    }

    /// The height [`Writer::numbered`] takes.
    fn numbered_height(&self, x: f32, items: &[String], size: f32) -> f32 {
        let lines: usize = items
            .iter()
            .map(|i| {
                self.wrap(i, size, Weight::Regular, PAGE_W - MARGIN - x - 16.0)
                    .len()
            })
            .sum();
        lines as f32 * tight(size)
    }

    fn rule(&mut self, width: f32) {
        let y = self.y;
        let c = self.content();
        c.set_line_width(width);
        c.move_to(MARGIN, y);
        c.line_to(PAGE_W - MARGIN, y);
        c.stroke();
    }

    /// A label/value table row; label and value wrap in their columns, line by line across a
    /// page break.
    fn row(&mut self, label: &str, value: &str, size: f32) {
        // The label column holds the catalogue's longest labels on one line at 10 pt
        // ("Izin Operasional Kantor Cabang", "Alamat Kantor Cabang Pembantu"); a longer one wraps.
        let col = MARGIN + 188.0;
        let labels = self.wrap(label, size, Weight::Regular, col - 14.0 - (MARGIN + 18.0));
        let values = self.wrap(value, size, Weight::Bold, PAGE_W - MARGIN - col);
        for i in 0..labels.len().max(values.len()).max(1) {
            self.keep(0.0);
            if let Some(l) = labels.get(i) {
                self.text_at(MARGIN + 18.0, self.y, l, size, Weight::Regular);
            }
            if i == 0 {
                self.text_at(col - 10.0, self.y, ":", size, Weight::Regular);
            }
            if let Some(v) = values.get(i) {
                self.text_at(col, self.y, v, size, Weight::Bold);
            }
            self.y -= tight(size);
        }
    }

    fn qr(&mut self, url: &str, x: f32, y: f32, side: f32) -> Result<(), PdfError> {
        let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M)
            .map_err(|e| PdfError(format!("QR: {e}")))?;
        let n = code.width();
        let quiet = 2;
        let module = side / (n + 2 * quiet) as f32;
        let page = self.page;
        let c = self.content();
        c.set_fill_rgb(1.0, 1.0, 1.0);
        c.rect(x, y, side, side);
        c.fill_nonzero();
        c.set_fill_rgb(0.0, 0.0, 0.0);
        for (i, colour) in code.to_colors().iter().enumerate() {
            if *colour == qrcode::Color::Dark {
                let (col, row) = (i % n, i / n);
                c.rect(
                    x + (col + quiet) as f32 * module,
                    y + side - (row + quiet + 1) as f32 * module,
                    module,
                    module,
                );
            }
        }
        c.fill_nonzero();
        self.figures.push(Figure {
            page,
            kind: FigureKind::Qr,
            x,
            y,
            w: side,
            h: side,
        });
        Ok(())
    }

    /// Where a draft's QR code will be: a dashed square of the same size.
    fn qr_placeholder(&mut self, x: f32, y: f32, side: f32) {
        let page = self.page;
        let c = self.content();
        c.save_state();
        c.set_stroke_gray(0.55);
        c.set_line_width(0.6);
        c.set_dash_pattern([3.0, 2.0], 0.0);
        c.rect(x, y, side, side);
        c.stroke();
        c.restore_state();
        self.figures.push(Figure {
            page,
            kind: FigureKind::QrPlaceholder,
            x,
            y,
            w: side,
            h: side,
        });
    }

    fn emblem(&mut self, e: &Emblem, x: f32, top: f32) -> f32 {
        let w = EMBLEM_H * e.width as f32 / e.height as f32;
        let y = top - EMBLEM_H;
        let page = self.page;
        let c = self.content();
        c.save_state();
        c.transform([w, 0.0, 0.0, EMBLEM_H, x, y]);
        c.x_object(Name(b"Im1"));
        c.restore_state();
        self.figures.push(Figure {
            page,
            kind: FigureKind::Emblem,
            x,
            y,
            w,
            h: EMBLEM_H,
        });
        w
    }
}

fn subset_name(base: &str, used: &BTreeMap<u16, (char, u16)>) -> String {
    // Six capital letters derived from the glyphs used (PDF 32000, 9.6.4 subset tags).
    let mut h: u32 = 2166136261;
    for g in used.keys() {
        h = (h ^ u32::from(*g)).wrapping_mul(16777619);
    }
    let tag: String = (0..6)
        .map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char)
        .collect();
    format!("{tag}+{base}")
}

fn write_font(pdf: &mut Pdf, font: &Font, next: &mut i32) -> Result<Ref, PdfError> {
    let mut alloc = || {
        *next += 1;
        Ref::new(*next)
    };
    let (type0, cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc(), alloc());
    let name = subset_name(font.base, &font.used);
    let subset = subsetter::subset(font.data, 0, &font.remapper)
        .map_err(|e| PdfError(format!("font subset: {e:?}")))?;
    pdf.type0_font(type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    let scale = 1000.0 / font.units();
    let mut c = pdf.cid_font(cid);
    c.subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let max = font.used.keys().max().copied().unwrap_or(0);
    let widths: Vec<f32> = (0..=max)
        .map(|g| {
            font.used
                .get(&g)
                .map_or(0.0, |(_, adv)| f32::from(*adv) * scale)
        })
        .collect();
    c.widths().consecutive(0, widths);
    c.finish();
    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            f32::from(bbox.x_min) * scale,
            f32::from(bbox.y_min) * scale,
            f32::from(bbox.x_max) * scale,
            f32::from(bbox.y_max) * scale,
        ))
        .italic_angle(0.0)
        .ascent(f32::from(font.face.ascender()) * scale)
        .descent(f32::from(font.face.descender()) * scale)
        .cap_height(f32::from(font.face.capital_height().unwrap_or(font.face.ascender())) * scale)
        .stem_v(80.0)
        .font_file2(file);
    let mut map = UnicodeCmap::new(Name(b"Custom"), system);
    for (g, (ch, _)) in &font.used {
        map.pair(*g, *ch);
    }
    pdf.cmap(cmap, &map.finish());
    pdf.stream(file, &subset)
        .pair(Name(b"Length1"), subset.len() as i32);
    Ok(type0)
}

/// The letterhead (kop surat) on the first page: the emblem on the left, the government, the
/// agency and its contacts centred beside it, a double rule below.
fn letterhead(w: &mut Writer, a: &Agency) {
    let top = w.y + 14.0;
    let emblem_w = w.emblem(&a.emblem, MARGIN, top);
    let left = MARGIN + emblem_w + 8.0;
    let right = PAGE_W - MARGIN;
    w.centred_in(
        left,
        right,
        &a.government.to_uppercase(),
        13.0,
        Weight::Bold,
    );
    w.centred_in(left, right, &a.name.to_uppercase(), 12.0, Weight::Bold);
    w.centred_in(
        left,
        right,
        &format!("{} Telp {} Faks {}", a.address, a.phone, a.fax),
        9.0,
        Weight::Regular,
    );
    w.centred_in(
        left,
        right,
        &format!("{} | {}", a.website, a.email),
        9.0,
        Weight::Regular,
    );
    w.y = w.y.min(top - EMBLEM_H - 6.0) + 4.0;
    w.rule(1.6);
    w.y -= 3.0;
    w.rule(0.5);
    w.y -= 18.0;
}

/// The footer band's lines (the permit's footer), wrapped.
fn footer_lines(w: &Writer, footer: &str) -> Vec<String> {
    w.wrap(footer, 7.5, Weight::Regular, TEXT_W)
}

/// A writer whose flow ends above a footer band of `footer` and the page number.
fn writer(footer: &str) -> Result<Writer, PdfError> {
    let mut w = Writer::new(0.0)?;
    let n = footer_lines(&w, footer).len() as f32;
    w.bottom = PAGE_NUMBER_Y + 12.0 + n * 10.0 + 16.0;
    Ok(w)
}

/// Draws on every page the footer, "Halaman i dari n" and, on a draft, its mark at the top.
fn page_furniture(w: &mut Writer, footer: &str, draft_mark: Option<&str>) {
    let lines = footer_lines(w, footer);
    let n = w.pages.len();
    for i in 0..n {
        w.page = i;
        if let Some(mark) = draft_mark {
            w.content().set_fill_gray(0.45);
            w.y = PAGE_H - 32.0;
            w.line(mark, 9.0, Weight::Bold);
            w.content().set_fill_gray(0.0);
        }
        w.y = PAGE_NUMBER_Y + 12.0 + lines.len() as f32 * 10.0;
        for l in &lines {
            let width = w.measure(Weight::Regular).width(l, 7.5);
            w.text_at((PAGE_W - width) / 2.0, w.y, l, 7.5, Weight::Regular);
            w.y -= 10.0;
        }
        let number = format!("Halaman {} dari {n}", i + 1);
        let width = w.measure(Weight::Regular).width(&number, 8.0);
        w.text_at(
            PAGE_W - MARGIN - width,
            PAGE_NUMBER_Y,
            &number,
            8.0,
            Weight::Regular,
        );
    }
    w.page = n - 1;
}

/// What the signature block prints in its right column, line by line (size, weight, text);
/// a draft prints placeholders of the same count so that its pages break where the signed
/// letter's do.
fn signature_lines(d: &LetterData<'_>, w: &Writer, col_w: f32) -> Vec<(f32, Weight, String)> {
    let a = d.agency;
    let mut out = vec![(
        10.5,
        Weight::Regular,
        format!("{}, {}", a.city, format_date_id(d.date)),
    )];
    let official = d.signature.as_ref().and_then(|s| a.official(s.signer));
    let position = match (d.signature.as_ref().and_then(|s| s.acting), official) {
        (Some(prefix), _) => format!("{prefix} {}", a.head_position.to_uppercase()),
        (None, Some(o)) => o.position(&a.head_position.to_uppercase()),
        (None, None) => a.head_position.to_uppercase(),
    };
    for l in w.wrap(&format!("{position},"), 9.5, Weight::Bold, col_w) {
        out.push((9.5, Weight::Bold, l));
    }
    // The position's and the name's lines are reserved for the longest of the agency's
    // officials (with their "Plt."/"Plh."), so that a draft and its signed letter take the same
    // height whoever of them signs.
    let wrapped = |text: &str, size: f32| w.wrap(text, size, Weight::Bold, col_w).len();
    let head = a.head_position.to_uppercase();
    // (and for a stand-in by delegation: "Plt." before the post).
    let reserved = a
        .officials
        .iter()
        .map(|o| wrapped(&format!("{},", o.position(&head)), 9.5))
        .chain([wrapped(&format!("Plt. {head},"), 9.5)])
        .max()
        .unwrap_or(0)
        .max(out.len() - 1);
    let position_pad = reserved - (out.len() - 1);
    let name_reserve = a
        .officials
        .iter()
        .map(|o| wrapped(&o.name, 11.0))
        .max()
        .unwrap_or(1)
        .max(1);
    out.push((6.0 / 1.4, Weight::Regular, String::new()));
    let (sign1, sign2, name, rank, nip) = match &d.signature {
        Some(s) => (
            "Ditandatangani secara elektronik".to_string(),
            format!("pada {}", format_instant_id(s.signed_at)),
            s.signer.to_string(),
            official.map(|o| o.golongan.label()).unwrap_or_default(),
            official
                .map(|o| format!("NIP {}", o.nip.grouped()))
                .unwrap_or_default(),
        ),
        None => (
            "(tanda tangan elektronik".to_string(),
            "dicantumkan saat penandatanganan)".to_string(),
            "(nama pejabat penanda tangan)".to_string(),
            "(pangkat/golongan)".to_string(),
            "NIP (…)".to_string(),
        ),
    };
    out.push((9.5, Weight::Regular, sign1));
    out.push((9.0, Weight::Regular, sign2));
    out.push((6.0 / 1.4, Weight::Regular, String::new()));
    let names = w.wrap(&name, 11.0, Weight::Bold, col_w);
    let name_lines = names.len();
    for l in names {
        out.push((11.0, Weight::Bold, l));
    }
    out.push((9.5, Weight::Regular, rank));
    out.push((9.5, Weight::Regular, nip));
    // The reserve, below the block.
    for _ in name_lines..name_reserve {
        out.push((11.0, Weight::Bold, String::new()));
    }
    for _ in 0..position_pad {
        out.push((9.5, Weight::Bold, String::new()));
    }
    out
}

/// Beside the QR code: what it is for, and the link.
fn qr_caption(d: &LetterData<'_>, w: &Writer, width: f32) -> Vec<String> {
    let mut lines = w.wrap(
        "Pindai kode QR untuk memeriksa keaslian dokumen ini:",
        8.5,
        Weight::Regular,
        width,
    );
    let link = match &d.signature {
        Some(s) => s.verify_url.to_string(),
        None => "(kode QR dan tautan verifikasi dicantumkan saat penandatanganan)".to_string(),
    };
    let link_lines = w.wrap(&link, 8.5, Weight::Regular, width);
    lines.extend(link_lines);
    lines
}

/// The signature block (right), the QR code (left) and the tembusan below them, kept together
/// on the letter's last page.
fn signature_block(w: &mut Writer, d: &LetterData<'_>) -> Result<(), PdfError> {
    let col = PAGE_W / 2.0 - 5.0;
    let col_w = PAGE_W - MARGIN - col;
    // The QR code on the left, what it is for and its link beside it.
    let caption_x = MARGIN + QR_SIDE + 8.0;
    let caption = qr_caption(d, w, col - 12.0 - caption_x);
    let right = signature_lines(d, w, col_w);
    let right_h: f32 = right.iter().map(|(s, _, _)| leading(*s)).sum();
    let left_h = (10.0 + QR_SIDE).max(caption.len() as f32 * leading(8.5));
    let tembusan = &d.text.tembusan;
    let tembusan_h = if tembusan.is_empty() {
        0.0
    } else {
        8.0 + leading(9.5) + w.numbered_height(MARGIN, tembusan, 9.0)
    };
    w.y -= 4.0;
    w.keep(right_h.max(left_h) + tembusan_h);
    let top = w.y;
    let mut y = top;
    for (size, weight, text) in &right {
        if !text.is_empty() {
            w.text_at(col, y, text, *size, *weight);
        }
        y -= leading(*size);
    }
    let qr_y = top + 10.0 - QR_SIDE;
    match &d.signature {
        Some(s) => w.qr(s.verify_url, MARGIN, qr_y, QR_SIDE)?,
        None => w.qr_placeholder(MARGIN, qr_y, QR_SIDE),
    }
    let mut cy = top;
    for l in &caption {
        w.text_at(caption_x, cy, l, 8.5, Weight::Regular);
        cy -= leading(8.5);
    }
    w.y = top - right_h.max(left_h);
    if !tembusan.is_empty() {
        w.y -= 8.0;
        w.text_at(MARGIN, w.y, "Tembusan:", 9.5, Weight::Regular);
        w.y -= leading(9.5);
        w.numbered(MARGIN, tembusan, 9.0);
    }
    Ok(())
}

/// Lays the letter out (the pages, and where every line and image went).
fn layout_letter(d: &LetterData<'_>) -> Result<Writer, PdfError> {
    let a = d.agency;
    let t = d.text;
    let mut w = writer(&t.footer)?;
    letterhead(&mut w, a);
    w.line(&t.title, 13.0, Weight::Bold);
    w.line(&t.subtitle, 11.0, Weight::Bold);
    let number = d
        .signature
        .as_ref()
        .map_or("(diberikan saat penandatanganan)", |s| s.number);
    w.line(&format!("Nomor: {number}"), 10.5, Weight::Regular);
    w.y -= 10.0;
    if !t.dasar_hukum.is_empty() {
        w.paragraph_at(MARGIN, TEXT_W, "Dasar hukum:", 9.5, Weight::Bold);
        w.numbered(MARGIN, &t.dasar_hukum, 9.5);
        w.y -= 8.0;
    }
    w.paragraph(&t.opening, 10.5);
    for (label, value) in &t.facts {
        w.row(label, value, 10.0);
    }
    w.y -= 8.0;
    for p in &t.body {
        w.paragraph(p, 10.5);
    }
    if let Some(o) = &t.objection {
        w.paragraph_at(
            MARGIN,
            TEXT_W,
            "Hak mengajukan keberatan:",
            10.5,
            Weight::Bold,
        );
        w.paragraph(o, 10.5);
    }
    w.paragraph(&t.closing, 10.5);
    signature_block(&mut w, d)?;
    let mark = d
        .draft_version
        .map(|v| format!("DRAF VERSI {v} — BELUM DITANDATANGANI"));
    page_furniture(&mut w, &t.footer, mark.as_deref());
    Ok(w)
}

/// Renders the letter. Deterministic for the same data (no timestamps of its own). A draft is
/// laid out as its signed letter will be (same lines, same page breaks), marked as a draft on
/// every page, with placeholders for the signature, the name, rank and NIP, and the QR code.
pub fn render_letter(d: &LetterData<'_>) -> Result<Vec<u8>, PdfError> {
    let w = layout_letter(d)?;
    let title_text = format!("{} — {}", d.text.title, d.text.holder);
    finish(w, &title_text, &d.agency.name, Some(&d.agency.emblem))
}

/// Renders a bill (SKRD): the letterhead, its number, who owes what for what, the amount in
/// figures and in words, the due date and how to pay.
pub fn render_bill(agency: &Agency, b: &BillText) -> Result<Vec<u8>, PdfError> {
    let footer = "Dokumen elektronik diterbitkan melalui Perizinan Digital; tidak memerlukan tanda tangan basah.";
    let mut w = writer(footer)?;
    letterhead(&mut w, agency);
    w.line(&b.title.to_uppercase(), 13.0, Weight::Bold);
    w.line(&format!("Nomor: {}", b.number), 10.5, Weight::Regular);
    w.y -= 14.0;
    let mut rows: Vec<(String, String)> = vec![("Objek retribusi".into(), b.object.clone())];
    rows.extend(b.facts.iter().cloned());
    rows.push(("Tanggal penetapan".into(), b.issued_on.clone()));
    for (label, value) in &rows {
        w.row(label, value, 10.0);
    }
    w.y -= 8.0;
    w.row("Jumlah retribusi", &b.amount, 11.0);
    w.row("Terbilang", &b.amount_words, 10.0);
    w.row("Jatuh tempo", &b.due_on, 10.0);
    w.y -= 8.0;
    for p in &b.instructions {
        w.paragraph(p, 10.0);
    }
    if !b.legal_basis.is_empty() {
        w.paragraph("Dasar hukum:", 9.5);
        w.numbered(MARGIN + 12.0, &b.legal_basis, 9.0);
    }
    page_furniture(&mut w, footer, None);
    let title_text = format!("{} {} — {}", b.title, b.number, b.holder);
    finish(w, &title_text, &agency.name, Some(&agency.emblem))
}

fn finish(
    w: Writer,
    title_text: &str,
    author: &str,
    emblem: Option<&Emblem>,
) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let info = Ref::new(3);
    let mut next = 3;
    let mut alloc = || {
        next += 1;
        Ref::new(next)
    };
    let page_refs: Vec<(Ref, Ref)> = w.pages.iter().map(|_| (alloc(), alloc())).collect();
    let image = emblem.map(|_| (alloc(), alloc()));
    let f1 = write_font(&mut pdf, &w.regular, &mut next)?;
    let f2 = write_font(&mut pdf, &w.bold, &mut next)?;
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages)
        .kids(page_refs.iter().map(|(p, _)| *p))
        .count(page_refs.len() as i32);
    for ((page, content), data) in page_refs.iter().zip(w.pages) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(pages)
            .contents(*content);
        let mut res = p.resources();
        res.fonts().pair(Name(b"F1"), f1).pair(Name(b"F2"), f2);
        if let Some((im, _)) = image {
            res.x_objects().pair(Name(b"Im1"), im);
        }
        res.finish();
        p.finish();
        pdf.stream(*content, &data.finish());
    }
    if let (Some(e), Some((im, mask))) = (emblem, image) {
        let mut x = pdf.image_xobject(im, &e.pixels);
        x.filter(Filter::FlateDecode);
        x.width(e.width as i32)
            .height(e.height as i32)
            .color_space_name(Name(if e.components == 1 {
                b"DeviceGray".as_slice()
            } else {
                b"DeviceRGB".as_slice()
            }))
            .bits_per_component(8);
        if e.alpha.is_some() {
            x.s_mask(mask);
        }
        x.finish();
        if let Some(alpha) = &e.alpha {
            let mut m = pdf.image_xobject(mask, alpha);
            m.filter(Filter::FlateDecode);
            m.width(e.width as i32)
                .height(e.height as i32)
                .color_space_name(Name(b"DeviceGray"))
                .bits_per_component(8);
            m.finish();
        }
    }
    pdf.document_info(info)
        .title(TextStr(title_text))
        .author(TextStr(author))
        .creator(TextStr("Perizinan Digital"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, Utc};
    use perizinan::domain::documents::LetterText;
    use perizinan::domain::officials::{Acting, Golongan, Nip, Official};

    fn text() -> LetterText {
        LetterText {
            title: "SURAT PEMENUHAN KOMITMEN".into(),
            subtitle: "IZIN PEMBUKAAN KANTOR KAS KOPERASI SIMPAN PINJAM".into(),
            opening: "Berdasarkan permohonan …, dengan ini Kepala Dinas menerangkan bahwa:".into(),
            facts: vec![("Nama Koperasi".into(), "KSP Sejahtera Bersama".into())],
            body: vec!["telah memenuhi komitmen.".into()],
            closing: "Demikian surat ini dibuat untuk dipergunakan sebagaimana mestinya.".into(),
            footer: "Layanan perizinan ini tidak dipungut biaya.".into(),
            holder: "KSP Sejahtera Bersama".into(),
            dasar_hukum: vec![
                "Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian".into(),
                "Undang-Undang Nomor 30 Tahun 2014 tentang Administrasi Pemerintahan".into(),
            ],
            tembusan: vec![
                "Kepala Dinas Koperasi, Usaha Kecil Menengah, dan Perdagangan Kota Bontang".into(),
                "Arsip".into(),
            ],
            objection: None,
        }
    }

    /// A refusal at the limits: a 2,000-character reason with a 300-character word in it,
    /// facts at their maximum lengths, the right to object.
    fn long_refusal() -> LetterText {
        let mut t = text();
        t.title = "SURAT PENOLAKAN PERMOHONAN".into();
        let word = "X".repeat(300);
        let mut reason = format!("{word} ");
        while reason.chars().count() < 2000 {
            reason.push_str("Tingkat kesehatan koperasi belum memenuhi syarat. ");
        }
        let reason: String = reason.chars().take(2000).collect();
        t.body = vec![format!(
            "tidak dapat diberikan izin (DITOLAK) dengan alasan: {reason}."
        )];
        t.facts = vec![
            ("Nama Koperasi".into(), "K".repeat(200)),
            (
                "Alamat Kantor Kas".into(),
                "Jl. Panjang Sekali No. 1 ".repeat(12),
            ),
            ("Nomor Permohonan OSS".into(), "R".repeat(100)),
        ];
        t.objection = Some(perizinan::domain::documents::objection_text(
            21,
            "Kepala Dinas",
            "Pasal 77 Undang-Undang Nomor 30 Tahun 2014 tentang Administrasi Pemerintahan",
        ));
        t
    }

    const URL: &str = "https://perizinan.test/verify/0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b";

    fn data<'a>(agency: &'a Agency, t: &'a LetterText, signer: Option<&'a str>) -> LetterData<'a> {
        LetterData {
            agency,
            text: t,
            date: "2026-11-26".parse::<NaiveDate>().unwrap(),
            draft_version: signer.is_none().then_some(2),
            signature: signer.map(|signer| Signature {
                number: "503/0001/SPK-KK/DPMPTSP/2026",
                signer,
                acting: None,
                signed_at: Utc::now(),
                verify_url: URL,
            }),
        }
    }

    fn texts_on(w: &Writer, page: usize) -> Vec<&str> {
        w.placed
            .iter()
            .filter(|p| p.page == page)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn renders_a_pdf_with_its_fonts_subset() {
        let agency = Agency::default();
        let t = text();
        let draft = render_letter(&data(&agency, &t, None)).unwrap();
        assert!(draft.starts_with(b"%PDF-"));
        assert!(
            draft.len() < 120_000,
            "fonts are subset: {} bytes",
            draft.len()
        );
        let signed = render_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
        assert!(signed.windows(9).any(|w| w == b"/FontFile"));
        assert!(signed.windows(6).any(|w| w == b"/SMask"), "the emblem");
        assert_ne!(draft, signed);
        if let Ok(dir) = std::env::var("PD_PDF_SAMPLES") {
            std::fs::write(format!("{dir}/draft.pdf"), &draft).unwrap();
            std::fs::write(format!("{dir}/signed.pdf"), &signed).unwrap();
            let t = long_refusal();
            let long = render_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
            std::fs::write(format!("{dir}/long.pdf"), &long).unwrap();
        }
    }

    #[test]
    fn the_signature_block_has_the_officials_rank_and_nip_and_the_letter_its_parts() {
        let agency = Agency::default();
        let t = text();
        let w = layout_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
        let all: Vec<&str> = w.placed.iter().map(|p| p.text.as_str()).collect();
        for expected in [
            "Dasar hukum:",
            "Undang-Undang Nomor 25 Tahun 1992 tentang Perkoperasian",
            "Ahmad Yani",
            "Pembina Utama Muda (IV/c)",
            "NIP 19700312 199503 1 004",
            "Tembusan:",
            "Arsip",
            "Halaman 1 dari 1",
        ] {
            assert!(all.contains(&expected), "{expected:?} in {all:?}");
        }
        assert!(!all.iter().any(|l| l.contains("Hak mengajukan keberatan")));

        // An acting official: "Plt." before the position, their own NIP and rank.
        let mut acting = Agency::default();
        acting.officials.push(Official {
            name: "Dr. Sri Wahyuni, M.Si.".into(),
            nip: Nip::parse("197112242000032001").unwrap(),
            golongan: Golongan::parse("IV/b").unwrap(),
            acting: Some(Acting::Plt),
        });
        let w = layout_letter(&data(&acting, &t, Some("Dr. Sri Wahyuni, M.Si."))).unwrap();
        let all: Vec<&str> = w.placed.iter().map(|p| p.text.as_str()).collect();
        assert!(
            all.iter().any(|l| l.starts_with("Plt. KEPALA DINAS")),
            "{all:?}"
        );
        assert!(
            all.contains(&"Pembina Tingkat I (IV/b)") && all.contains(&"NIP 19711224 200003 2 001")
        );
        assert!(
            !all.iter().any(|l| l.contains("199503")),
            "not the head's NIP"
        );
    }

    #[test]
    fn every_line_stays_inside_the_margins_even_with_long_words() {
        let agency = Agency::default();
        let t = long_refusal();
        for signer in [Some("Ahmad Yani"), None] {
            let w = layout_letter(&data(&agency, &t, signer)).unwrap();
            for p in &w.placed {
                assert!(
                    p.x >= MARGIN - 0.01 && p.x + p.width <= PAGE_W - MARGIN + 0.01,
                    "outside the side margins: {p:?}"
                );
                assert!(p.y >= PAGE_NUMBER_Y - 0.01 && p.y <= PAGE_H - 30.0, "{p:?}");
            }
            // The 300-character word is cut into pieces, each a line of its own.
            let pieces = w
                .placed
                .iter()
                .filter(|p| p.text.starts_with("XXXX"))
                .count();
            assert!(pieces >= 2, "{pieces}");
            for f in &w.figures {
                assert!(f.x >= MARGIN && f.x + f.w <= PAGE_W - MARGIN, "{f:?}");
                assert!(f.y >= w.bottom - 1.0, "{f:?}");
            }
        }
    }

    #[test]
    fn a_long_letter_flows_onto_more_pages_with_the_signature_and_qr_together_on_the_last() {
        let agency = Agency::default();
        let t = long_refusal();
        let w = layout_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
        let n = w.pages.len();
        assert!(n >= 2, "{n} pages");
        let last = n - 1;
        for line in [
            "Ditandatangani secara elektronik",
            "Ahmad Yani",
            "NIP 19700312 199503 1 004",
            "Tembusan:",
        ] {
            assert!(
                texts_on(&w, last).contains(&line),
                "{line:?} on the last page"
            );
        }
        // The link under the QR code, cut where its column ends.
        assert!(texts_on(&w, last).concat().contains(URL));
        let qr: Vec<_> = w
            .figures
            .iter()
            .filter(|f| f.kind == FigureKind::Qr)
            .collect();
        assert_eq!(qr.len(), 1);
        assert_eq!(qr[0].page, last);
        for i in 0..n {
            let number = format!("Halaman {} dari {n}", i + 1);
            assert!(texts_on(&w, i).contains(&number.as_str()), "{number}");
        }
        // The flow never enters the footer band, on any page.
        let furniture = |p: &Placed| p.text.starts_with("Halaman ") || p.text == t.footer;
        for p in w.placed.iter().filter(|p| !furniture(p)) {
            assert!(p.y >= w.bottom - 1.0, "{p:?}");
        }
        // The reason and the right to object are printed whole.
        let all: String = w
            .placed
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all.contains("Hak mengajukan keberatan:"));
        assert!(all.contains("21 (dua puluh satu) hari kerja"));
        let pdf = render_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
        let count = format!("/Count {n}");
        assert!(pdf.windows(count.len()).any(|x| x == count.as_bytes()));
    }

    #[test]
    fn a_draft_is_laid_out_like_its_signed_letter() {
        let agency = Agency::default();
        for t in [text(), long_refusal()] {
            let draft = layout_letter(&data(&agency, &t, None)).unwrap();
            let signed = layout_letter(&data(&agency, &t, Some("Ahmad Yani"))).unwrap();
            assert_eq!(draft.pages.len(), signed.pages.len());
            // Every line up to the signature block's first is where the signed letter has it.
            let block = |w: &Writer| {
                w.placed
                    .iter()
                    .position(|p| p.text.starts_with("Bontang, "))
                    .unwrap()
            };
            let (bd, bs) = (block(&draft), block(&signed));
            assert_eq!(bd, bs);
            for (d, s) in draft.placed[..=bd].iter().zip(&signed.placed[..=bs]) {
                assert_eq!((d.page, d.y), (s.page, s.y), "{d:?} / {s:?}");
            }
            let last = draft.pages.len() - 1;
            let marks = draft
                .placed
                .iter()
                .filter(|p| p.text == "DRAF VERSI 2 — BELUM DITANDATANGANI")
                .count();
            assert_eq!(marks, draft.pages.len(), "a draft mark on every page");
            assert!(texts_on(&draft, last).contains(&"NIP (…)"));
            assert!(draft.figures.iter().all(|f| f.kind != FigureKind::Qr));
            assert!(
                draft
                    .figures
                    .iter()
                    .any(|f| f.kind == FigureKind::QrPlaceholder && f.page == last)
            );
            // The tembusan ends both at the same height.
            let end = |w: &Writer| {
                w.placed
                    .iter()
                    .rfind(|p| p.text == "Arsip")
                    .map(|p| (p.page, p.y))
            };
            assert_eq!(end(&draft), end(&signed));
        }
    }
}
