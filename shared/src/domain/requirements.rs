//! The documents an applicant uploads, as editable data (`infra/config/requirements.json`).
//!
//! The seed's requirements 1, 2, 3 and 5 are documents (requirement 4 is a form field); the
//! catalog may add optional types without a code change. File types are recognised by their
//! magic bytes, never by name or declared type alone.

use serde::{Deserialize, Serialize};

/// The catalog shipped with the project.
pub const DEFAULT_CATALOG: &str = include_str!("../../../infra/config/requirements.json");

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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Requirement {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub source: String,
    pub required: bool,
    pub kinds: Vec<FileKind>,
    pub max_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Catalog {
    pub requirements: Vec<Requirement>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("requirement catalog is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("requirement catalog: {0}")]
    Invalid(String),
}

impl Catalog {
    pub fn parse(json: &str) -> Result<Self, CatalogError> {
        let c: Catalog = serde_json::from_str(json)?;
        let mut seen = std::collections::HashSet::new();
        for r in &c.requirements {
            if r.code.is_empty()
                || !r
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            {
                return Err(CatalogError::Invalid(format!(
                    "code `{}` must be snake_case ASCII",
                    r.code
                )));
            }
            if !seen.insert(r.code.as_str()) {
                return Err(CatalogError::Invalid(format!("code `{}` repeated", r.code)));
            }
            if r.kinds.is_empty() || r.max_bytes == 0 {
                return Err(CatalogError::Invalid(format!(
                    "`{}` needs at least one kind and a max_bytes above 0",
                    r.code
                )));
            }
        }
        if !c.requirements.iter().any(|r| r.required) {
            return Err(CatalogError::Invalid(
                "at least one requirement must be required".into(),
            ));
        }
        Ok(c)
    }

    pub fn default_catalog() -> Self {
        Self::parse(DEFAULT_CATALOG).expect("the shipped requirement catalog is valid")
    }

    pub fn get(&self, code: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.code == code)
    }

    pub fn required(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(|r| r.required)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_catalog_has_the_seed_documents() {
        let c = Catalog::default_catalog();
        let req: Vec<_> = c.required().map(|r| r.code.as_str()).collect();
        assert_eq!(
            req,
            [
                "branch_operating_permit",
                "branch_activity_proof",
                "member_list",
                "oss_permit_copy"
            ]
        );
        assert!(!c.get("office_photo").unwrap().required);
    }

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

    #[test]
    fn bad_catalogs_are_refused() {
        assert!(Catalog::parse(r#"{"requirements":[]}"#).is_err());
        assert!(
            Catalog::parse(
                r#"{"requirements":[{"code":"A b","name":"x","required":true,"kinds":["pdf"],"max_bytes":1}]}"#
            )
            .is_err()
        );
    }
}
