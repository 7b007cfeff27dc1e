//! The emblem (lambang) printed in the letterhead: a PNG file configured per deployment
//! (`Agency` `emblem_file`), decoded once at start so that a broken file stops the service then,
//! not at the head's signature. The shipped default (`assets/emblem/lambang-default.png`) is a
//! plain shield drawn for this project, not any government's coat of arms.
//!
//! PNG per the W3C PNG specification (ISO/IEC 15948): 8-bit greyscale, RGB, palette,
//! greyscale+alpha or RGBA, not interlaced. The pixels are kept zlib-compressed, colour and alpha
//! apart, as a PDF image and its soft mask take them.

use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit;
use std::sync::Arc;

static DEFAULT_PNG: &[u8] = include_bytes!("../../../../assets/emblem/lambang-default.png");

/// Largest side accepted (a letterhead emblem is printed about 2 cm wide).
const MAX_SIDE: u32 = 2048;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("emblem PNG: {0}")]
pub struct EmblemError(pub String);

/// A decoded emblem.
#[derive(Clone, PartialEq, Eq)]
pub struct Emblem {
    pub width: u32,
    pub height: u32,
    /// 1 (grey) or 3 (RGB) colour components per pixel.
    pub components: u8,
    /// The colour samples, zlib-compressed (8 bits each, rows top to bottom).
    pub pixels: Vec<u8>,
    /// The alpha samples, zlib-compressed, when the image has transparency.
    pub alpha: Option<Vec<u8>>,
}

impl std::fmt::Debug for Emblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Emblem({}×{}, {} components, alpha: {})",
            self.width,
            self.height,
            self.components,
            self.alpha.is_some()
        )
    }
}

impl Emblem {
    /// The shipped default emblem.
    pub fn default_emblem() -> Arc<Emblem> {
        static CELL: std::sync::OnceLock<Arc<Emblem>> = std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            Arc::new(Emblem::from_png(DEFAULT_PNG).unwrap_or_else(|e| {
                // The asset is part of the build and tested below; this cannot fail at run time.
                panic!("the shipped emblem asset is broken: {e}")
            }))
        })
        .clone()
    }

    pub fn from_png(data: &[u8]) -> Result<Self, EmblemError> {
        let bad = |m: &str| EmblemError(m.to_string());
        if data.len() < 8 || &data[..8] != b"\x89PNG\r\n\x1a\n" {
            return Err(bad("not a PNG file (signature)"));
        }
        let mut at = 8;
        let mut header = None;
        let mut palette: &[u8] = &[];
        let mut trns: &[u8] = &[];
        let mut idat = Vec::new();
        while at + 8 <= data.len() {
            let len =
                u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]) as usize;
            let kind = &data[at + 4..at + 8];
            let body = data
                .get(at + 8..at + 8 + len)
                .ok_or_else(|| bad("truncated chunk"))?;
            match kind {
                b"IHDR" if body.len() == 13 => header = Some(body),
                b"PLTE" => palette = body,
                b"tRNS" => trns = body,
                b"IDAT" => idat.extend_from_slice(body),
                b"IEND" => break,
                _ => {}
            }
            at += 12 + len;
        }
        let h = header.ok_or_else(|| bad("no IHDR chunk"))?;
        let width = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        let height = u32::from_be_bytes([h[4], h[5], h[6], h[7]]);
        let (depth, colour, interlace) = (h[8], h[9], h[12]);
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(EmblemError(format!(
                "{width}×{height} pixels: each side must be 1–{MAX_SIDE}"
            )));
        }
        if depth != 8 {
            return Err(EmblemError(format!(
                "bit depth {depth}: only 8-bit images are supported"
            )));
        }
        if interlace != 0 {
            return Err(bad("interlaced images are not supported"));
        }
        let channels: usize = match colour {
            0 => 1,
            2 => 3,
            3 => 1,
            4 => 2,
            6 => 4,
            c => {
                return Err(EmblemError(format!(
                    "colour type {c} is not a PNG colour type"
                )));
            }
        };
        if colour == 3 && (palette.is_empty() || !palette.len().is_multiple_of(3)) {
            return Err(bad("a palette image without a valid PLTE chunk"));
        }
        let (w, hgt) = (width as usize, height as usize);
        let stride = w * channels;
        let expected = (stride + 1) * hgt;
        let raw = decompress_to_vec_zlib_with_limit(&idat, expected)
            .map_err(|e| EmblemError(format!("image data: {e:?}")))?;
        if raw.len() != expected {
            return Err(bad("image data has the wrong length"));
        }
        let samples = unfilter(&raw, stride, hgt, channels)?;
        let (components, colour_bytes, alpha): (u8, Vec<u8>, Option<Vec<u8>>) = match colour {
            0 => (1, samples, None),
            2 => (3, samples, None),
            4 => (
                1,
                samples.iter().step_by(2).copied().collect(),
                Some(samples.iter().skip(1).step_by(2).copied().collect()),
            ),
            6 => {
                let mut rgb = Vec::with_capacity(w * hgt * 3);
                let mut a = Vec::with_capacity(w * hgt);
                for px in samples.chunks_exact(4) {
                    rgb.extend_from_slice(&px[..3]);
                    a.push(px[3]);
                }
                (3, rgb, Some(a))
            }
            _ => {
                let mut rgb = Vec::with_capacity(w * hgt * 3);
                let mut a = Vec::with_capacity(w * hgt);
                for &i in &samples {
                    let i = usize::from(i);
                    let c = palette
                        .get(i * 3..i * 3 + 3)
                        .ok_or_else(|| bad("a pixel outside the palette"))?;
                    rgb.extend_from_slice(c);
                    a.push(trns.get(i).copied().unwrap_or(255));
                }
                let alpha = (!trns.is_empty()).then_some(a);
                (3, rgb, alpha)
            }
        };
        Ok(Self {
            width,
            height,
            components,
            pixels: compress_to_vec_zlib(&colour_bytes, 6),
            alpha: alpha.map(|a| compress_to_vec_zlib(&a, 6)),
        })
    }
}

/// Reverses PNG's per-row filters (None, Sub, Up, Average, Paeth).
fn unfilter(raw: &[u8], stride: usize, rows: usize, bpp: usize) -> Result<Vec<u8>, EmblemError> {
    let mut out = vec![0u8; stride * rows];
    for r in 0..rows {
        let filter = raw[r * (stride + 1)];
        let line = &raw[r * (stride + 1) + 1..(r + 1) * (stride + 1)];
        let (done, rest) = out.split_at_mut(r * stride);
        let prev = if r == 0 {
            None
        } else {
            Some(&done[(r - 1) * stride..])
        };
        let cur = &mut rest[..stride];
        for i in 0..stride {
            let a = if i >= bpp { cur[i - bpp] } else { 0 };
            let b = prev.map_or(0, |p| p[i]);
            let c = if i >= bpp {
                prev.map_or(0, |p| p[i - bpp])
            } else {
                0
            };
            let x = line[i];
            cur[i] = match filter {
                0 => x,
                1 => x.wrapping_add(a),
                2 => x.wrapping_add(b),
                3 => x.wrapping_add(((u16::from(a) + u16::from(b)) / 2) as u8),
                4 => x.wrapping_add(paeth(a, b, c)),
                f => {
                    return Err(EmblemError(format!("row {r}: unknown filter type {f}")));
                }
            };
        }
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miniz_oxide::inflate::decompress_to_vec_zlib;

    /// A PNG of `rows` (already filtered, each with its filter byte).
    fn png(
        width: u32,
        height: u32,
        colour: u8,
        rows: &[u8],
        extra: &[(&[u8; 4], &[u8])],
    ) -> Vec<u8> {
        fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], body: &[u8]) {
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(body);
            out.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked)
        }
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&height.to_be_bytes());
        ihdr.extend_from_slice(&[8, colour, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        for (k, b) in extra {
            chunk(&mut out, k, b);
        }
        chunk(&mut out, b"IDAT", &compress_to_vec_zlib(rows, 6));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    #[test]
    fn decodes_filtered_rows_and_splits_alpha() {
        // 2×2 RGBA: row 0 with Sub, row 1 with Up.
        // Pixels: (10,20,30,255) (15,25,35,128) / (20,30,40,0) (25,35,45,64).
        let rows = [
            1, 10, 20, 30, 255, 5, 5, 5, 129, //
            2, 10, 10, 10, 1, 10, 10, 10, 192,
        ];
        let e = Emblem::from_png(&png(2, 2, 6, &rows, &[])).unwrap();
        assert_eq!((e.width, e.height, e.components), (2, 2, 3));
        assert_eq!(
            decompress_to_vec_zlib(&e.pixels).unwrap(),
            [10, 20, 30, 15, 25, 35, 20, 30, 40, 25, 35, 45]
        );
        assert_eq!(
            decompress_to_vec_zlib(e.alpha.as_ref().unwrap()).unwrap(),
            [255, 128, 0, 64]
        );
    }

    #[test]
    fn a_palette_image_is_expanded_and_paeth_is_reversed() {
        // 2×1 palette with tRNS; Paeth on the first row is Sub.
        let rows = [4, 1, 0];
        let e = Emblem::from_png(&png(
            2,
            1,
            3,
            &rows,
            &[(b"PLTE", &[0, 0, 0, 200, 100, 50]), (b"tRNS", &[0])],
        ))
        .unwrap();
        assert_eq!(
            decompress_to_vec_zlib(&e.pixels).unwrap(),
            [200, 100, 50, 200, 100, 50]
        );
        assert_eq!(
            decompress_to_vec_zlib(e.alpha.as_ref().unwrap()).unwrap(),
            [255, 255]
        );
    }

    #[test]
    fn refuses_what_it_cannot_print() {
        assert!(
            Emblem::from_png(b"GIF89a")
                .unwrap_err()
                .0
                .contains("signature")
        );
        let mut sixteen = png(1, 1, 0, &[0, 0], &[]);
        sixteen[24] = 16; // IHDR bit depth
        assert!(
            Emblem::from_png(&sixteen)
                .unwrap_err()
                .0
                .contains("bit depth")
        );
        let short = png(2, 2, 0, &[0, 1, 2], &[]);
        assert!(Emblem::from_png(&short).is_err());
    }

    #[test]
    fn the_shipped_emblem_decodes() {
        let e = Emblem::default_emblem();
        assert!(
            e.width >= 64 && e.alpha.is_some(),
            "{}×{}",
            e.width,
            e.height
        );
    }
}
