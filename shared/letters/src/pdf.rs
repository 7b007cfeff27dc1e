//! The documents of a case as PDFs: the letter (a permit's grant or refusal, SOP m–p of the
//! seed) — A4, the agency's letterhead, the case's facts, the decision, the signature block and,
//! once signed, a QR code to the public verification page — and the bill (SKRD) of a permit with
//! a retribution. The texts come from the permit's templates (`domain::documents`). Text is set
//! in Liberation Sans (SIL OFL 1.1, `assets/fonts/`), embedded as subsets with a ToUnicode map so
//! that the text can be searched and extracted.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use perizinan::domain::documents::BillText;
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

struct Writer {
    regular: Font,
    bold: Font,
    content: Content,
    y: f32,
}

impl Writer {
    fn font(&mut self, w: Weight) -> &mut Font {
        match w {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }

    fn text_at(&mut self, x: f32, y: f32, text: &str, size: f32, w: Weight) {
        let encoded = self.font(w).encode(text);
        let name = self.font(w).resource;
        self.content.begin_text();
        self.content.set_font(Name(name), size);
        self.content.next_line(x, y);
        self.content.show(Str(&encoded));
        self.content.end_text();
    }

    /// One centred line, then moves down.
    fn line(&mut self, text: &str, size: f32, w: Weight) {
        let width = self.font(w).width(text, size);
        let x = (PAGE_W - width) / 2.0;
        self.text_at(x, self.y, text, size, w);
        self.y -= size * 1.35;
    }

    /// Wraps `text` into lines no wider than `width`, starting at `x`.
    fn paragraph_at(&mut self, x: f32, width: f32, text: &str, size: f32, w: Weight) {
        // Greedy wrapping, measuring each word once (measuring the whole line again for every
        // word made long paragraphs quadratic: the largest cost of a letter, docs/performance.md).
        let space = self.font(w).width(" ", size);
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in text.split_whitespace() {
            let word_width = self.font(w).width(word, size);
            if !line.is_empty() && line_width + space + word_width > width {
                self.text_at(x, self.y, &line, size, w);
                self.y -= size * 1.4;
                line.clear();
                line_width = 0.0;
            }
            if !line.is_empty() {
                line.push(' ');
                line_width += space;
            }
            line.push_str(word);
            line_width += word_width;
        }
        if !line.is_empty() {
            self.text_at(x, self.y, &line, size, w);
            self.y -= size * 1.4;
        }
    }

    fn paragraph(&mut self, text: &str, size: f32) {
        self.paragraph_at(MARGIN, PAGE_W - 2.0 * MARGIN, text, size, Weight::Regular);
        self.y -= size * 0.5;
    }

    fn rule(&mut self, width: f32) {
        self.content.set_line_width(width);
        self.content.move_to(MARGIN, self.y);
        self.content.line_to(PAGE_W - MARGIN, self.y);
        self.content.stroke();
    }

    /// A label/value table row; the value wraps in its column.
    fn row(&mut self, label: &str, value: &str, size: f32) {
        let col = MARGIN + 175.0;
        self.text_at(MARGIN + 18.0, self.y, label, size, Weight::Regular);
        self.text_at(col - 10.0, self.y, ":", size, Weight::Regular);
        self.paragraph_at(col, PAGE_W - MARGIN - col, value, size, Weight::Bold);
    }

    fn qr(&mut self, url: &str, x: f32, y: f32, side: f32) -> Result<(), PdfError> {
        let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M)
            .map_err(|e| PdfError(format!("QR: {e}")))?;
        let n = code.width();
        let quiet = 2;
        let module = side / (n + 2 * quiet) as f32;
        self.content.set_fill_rgb(1.0, 1.0, 1.0);
        self.content.rect(x, y, side, side);
        self.content.fill_nonzero();
        self.content.set_fill_rgb(0.0, 0.0, 0.0);
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (col, row) = (i % n, i / n);
                self.content.rect(
                    x + (col + quiet) as f32 * module,
                    y + side - (row + quiet + 1) as f32 * module,
                    module,
                    module,
                );
            }
        }
        self.content.fill_nonzero();
        Ok(())
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

fn letterhead(w: &mut Writer, a: &Agency) {
    w.line(&a.government.to_uppercase(), 13.0, Weight::Bold);
    w.line(&a.name.to_uppercase(), 12.0, Weight::Bold);
    w.line(
        &format!("{} Telp {} Faks {}", a.address, a.phone, a.fax),
        9.0,
        Weight::Regular,
    );
    w.line(
        &format!("{} | {}", a.website, a.email),
        9.0,
        Weight::Regular,
    );
    w.y += 4.0;
    w.rule(1.6);
    w.y -= 3.0;
    w.rule(0.5);
    w.y -= 26.0;
}

fn writer() -> Result<Writer, PdfError> {
    Ok(Writer {
        regular: Font::new(REGULAR, b"F1", "LiberationSans")?,
        bold: Font::new(BOLD, b"F2", "LiberationSans-Bold")?,
        content: Content::new(),
        y: PAGE_H - 58.0,
    })
}

/// Renders the letter. Deterministic for the same data (no timestamps of its own).
pub fn render_letter(d: &LetterData<'_>) -> Result<Vec<u8>, PdfError> {
    let a = d.agency;
    let t = d.text;
    let mut w = writer()?;
    letterhead(&mut w, a);
    if let Some(v) = d.draft_version {
        w.content.set_fill_gray(0.55);
        w.line(
            &format!("DRAF VERSI {v} — BELUM DITANDATANGANI"),
            11.0,
            Weight::Bold,
        );
        w.content.set_fill_gray(0.0);
        w.y -= 4.0;
    }
    w.line(&t.title, 13.0, Weight::Bold);
    w.line(&t.subtitle, 11.0, Weight::Bold);
    let number = d
        .signature
        .as_ref()
        .map_or("(diberikan saat penandatanganan)", |s| s.number);
    w.line(&format!("Nomor: {number}"), 10.5, Weight::Regular);
    w.y -= 14.0;
    w.paragraph(&t.opening, 10.5);
    for (label, value) in &t.facts {
        w.row(label, value, 10.0);
    }
    w.y -= 8.0;
    for p in &t.body {
        w.paragraph(p, 10.5);
    }
    w.paragraph(&t.closing, 10.5);
    // Signature block, right column.
    w.y -= 6.0;
    let col = PAGE_W / 2.0 + 20.0;
    let mut y = w.y;
    let right = |w: &mut Writer, y: &mut f32, t: &str, size: f32, weight: Weight| {
        w.text_at(col, *y, t, size, weight);
        *y -= size * 1.4;
    };
    right(
        &mut w,
        &mut y,
        &format!("{}, {}", a.city, format_date_id(d.date)),
        10.5,
        Weight::Regular,
    );
    w.y = y;
    w.paragraph_at(
        col,
        PAGE_W - MARGIN - col,
        &format!("{},", a.head_position.to_uppercase()),
        9.5,
        Weight::Bold,
    );
    y = w.y - 6.0;
    match &d.signature {
        Some(s) => {
            right(
                &mut w,
                &mut y,
                "Ditandatangani secara elektronik",
                9.5,
                Weight::Regular,
            );
            right(
                &mut w,
                &mut y,
                &format!("pada {}", format_instant_id(s.signed_at)),
                9.0,
                Weight::Regular,
            );
            y -= 6.0;
            right(&mut w, &mut y, s.signer, 11.0, Weight::Bold);
            // QR code to the public verification page, lower left.
            let side = 96.0;
            let qy = y - 6.0;
            w.qr(s.verify_url, MARGIN, qy, side)?;
            w.y = qy - 12.0;
            w.paragraph_at(
                MARGIN,
                PAGE_W - 2.0 * MARGIN,
                "Pindai kode QR untuk memeriksa keaslian dokumen ini:",
                8.5,
                Weight::Regular,
            );
            w.paragraph_at(
                MARGIN,
                PAGE_W - 2.0 * MARGIN,
                s.verify_url,
                8.5,
                Weight::Regular,
            );
        }
        None => {
            y -= 40.0;
            right(
                &mut w,
                &mut y,
                "(nama dan tanda tangan elektronik",
                9.0,
                Weight::Regular,
            );
            right(
                &mut w,
                &mut y,
                "dicantumkan saat penandatanganan)",
                9.0,
                Weight::Regular,
            );
        }
    }
    // Footer.
    w.y = 44.0;
    w.line(&t.footer, 7.5, Weight::Regular);
    let title_text = format!("{} — {}", t.title, t.holder);
    finish(w, &title_text, &a.name)
}

/// Renders a bill (SKRD): the letterhead, its number, who owes what for what, the amount in
/// figures and in words, the due date and how to pay.
pub fn render_bill(agency: &Agency, b: &BillText) -> Result<Vec<u8>, PdfError> {
    let mut w = writer()?;
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
        for l in &b.legal_basis {
            w.paragraph_at(
                MARGIN + 12.0,
                PAGE_W - 2.0 * MARGIN - 12.0,
                &format!("- {l}"),
                9.0,
                Weight::Regular,
            );
        }
    }
    w.y = 44.0;
    w.line(
        "Dokumen elektronik diterbitkan melalui Perizinan Digital; tidak memerlukan tanda tangan basah.",
        7.5,
        Weight::Regular,
    );
    let title_text = format!("{} {} — {}", b.title, b.number, b.holder);
    finish(w, &title_text, &agency.name)
}

fn finish(w: Writer, title_text: &str, author: &str) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let pages = Ref::new(2);
    let page = Ref::new(3);
    let content = Ref::new(4);
    let info = Ref::new(5);
    let mut next = 5;
    let f1 = write_font(&mut pdf, &w.regular, &mut next)?;
    let f2 = write_font(&mut pdf, &w.bold, &mut next)?;
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
        .parent(pages)
        .contents(content);
    let mut res = p.resources();
    res.fonts().pair(Name(b"F1"), f1).pair(Name(b"F2"), f2);
    res.finish();
    p.finish();
    let data = w.content.finish();
    pdf.stream(content, &data);
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
        }
    }

    #[test]
    fn renders_a_pdf_with_its_fonts_subset() {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let agency = Agency::default();
        let t = text();
        let draft = render_letter(&LetterData {
            agency: &agency,
            text: &t,
            date: today,
            draft_version: Some(1),
            signature: None,
        })
        .unwrap();
        assert!(draft.starts_with(b"%PDF-"));
        assert!(
            draft.len() < 120_000,
            "fonts are subset: {} bytes",
            draft.len()
        );
        let signed = render_letter(&LetterData {
            agency: &agency,
            text: &t,
            date: today,
            draft_version: None,
            signature: Some(Signature {
                number: "503/0001/SPK-KK/DPMPTSP/2026",
                signer: "Ahmad Yani",
                signed_at: Utc::now(),
                verify_url: "https://perizinan.test/verify/abc",
            }),
        })
        .unwrap();
        assert!(signed.windows(9).any(|w| w == b"/FontFile"));
        assert_ne!(draft, signed);
        if let Ok(dir) = std::env::var("PD_PDF_SAMPLES") {
            std::fs::write(format!("{dir}/draft.pdf"), &draft).unwrap();
            std::fs::write(format!("{dir}/signed.pdf"), &signed).unwrap();
        }
    }
}
