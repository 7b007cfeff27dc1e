//! The kinds of documents an applicant uploads. Which documents a permit asks for is its data
//! (`permit.json` `requirements`); file types are recognised by their magic bytes, never by name
//! or declared type alone.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    pub fn media_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
        }
    }

    pub fn from_media_type(t: &str) -> Option<Self> {
        match t.split(';').next().unwrap_or("").trim() {
            "application/pdf" => Some(FileKind::Pdf),
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            _ => None,
        }
    }

    /// Recognises a file by its first bytes: `%PDF-` (ISO 32000), the PNG signature
    /// (RFC 2083 §3.1) and the JPEG SOI marker followed by a marker byte.
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n\0\0"),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"MZ\x90\0"), None); // a Windows executable
        assert_eq!(FileKind::sniff(b"PDF-1.7"), None);
    }
}
