//! The application (permohonan) for Izin Pembukaan Kantor Kas Koperasi Simpan Pinjam.
//!
//! Requirements enforced here, from seed `sop-izin-kantor-kas-ksp.md`, "Persyaratan":
//! 1. the branch's operating permit (Izin Operasional pembukaan Kantor Cabang) — its number and
//!    date here, its scan as a document (`requirements.rs`);
//! 2. the branch has run savings-and-loan business for at least 6 (enam) months — the date it
//!    began, checked against the submission date in WITA ([`check_branch_activity`]);
//! 3. the cash office has at least 20 (dua puluh) members — [`MemberCount`];
//! 4. the name of the prospective head of the cash office;
//! 5. the digital copy of the permit application issued by OSS — its reference here, the copy as
//!    a document.
//!
//! The NIB (Nomor Induk Berusaha, SOP step b, issued by OSS) is 13 digits; OSS publishes no
//! checksum, so only the shape is checked (PP 28/2025; see `DOMAIN-FACTS.md`).

use super::validation::{self, Errors, FieldError};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Minimum members of the cash office (Persyaratan 3).
pub const MIN_MEMBERS: u32 = 20;
/// Minimum months of savings-and-loan activity of the branch (Persyaratan 2).
pub const MIN_BRANCH_MONTHS: u32 = 6;

/// Nomor Induk Berusaha: exactly 13 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nib(String);

impl Nib {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        if t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(t.to_string()))
        } else {
            Err(FieldError::new(
                "nib",
                "nib_format",
                "NIB harus terdiri dari tepat 13 angka.",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nib {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Nib::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Nib> for String {
    fn from(n: Nib) -> String {
        n.0
    }
}

/// Members of the cash office to be opened: at least [`MIN_MEMBERS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MemberCount(u32);

impl MemberCount {
    pub fn parse(n: i64) -> Result<Self, FieldError> {
        if n < i64::from(MIN_MEMBERS) {
            return Err(FieldError::new(
                "cash_office.member_count",
                "min_members",
                format!(
                    "Jumlah anggota Kantor Kas paling sedikit {MIN_MEMBERS} (dua puluh) orang."
                ),
            ));
        }
        u32::try_from(n).map(Self).map_err(|_| {
            FieldError::new(
                "cash_office.member_count",
                "out_of_range",
                "Jumlah anggota terlalu besar.",
            )
        })
    }
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for MemberCount {
    type Error = String;
    fn try_from(n: u32) -> Result<Self, String> {
        MemberCount::parse(i64::from(n)).map_err(|e| e.detail)
    }
}
impl From<MemberCount> for u32 {
    fn from(m: MemberCount) -> u32 {
        m.0
    }
}

/// What an erased personal field holds once the retention schedule has removed it (UU 27/2022
/// Pasal 43; `domain::privacy`). Stored records accept it; input never does.
pub const ERASED: &str = "[dihapus]";

/// A contact e-mail address (shape only; delivery proves the rest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let t = raw.trim();
        let bad = || {
            FieldError::new(
                "contact.email",
                "invalid_email",
                "Alamat e-mail tidak valid.",
            )
        };
        if t.len() > 254 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = t.split_once('@').ok_or_else(bad)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._%+-'".contains(c));
        if domain_ok && local_ok {
            Ok(Self(t.to_string()))
        } else {
            Err(bad())
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The address erased by the retention schedule.
    pub fn erased() -> Self {
        Self(ERASED.to_string())
    }
    pub fn is_erased(&self) -> bool {
        self.0 == ERASED
    }
}
impl TryFrom<String> for Email {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == ERASED {
            return Ok(Self::erased());
        }
        Email::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// An Indonesian telephone number, kept as `+62…`. Accepts `08…`, `62…`, `+62…`, with spaces,
/// dots or dashes (e.g. the seed's own `081347131824` and `(0548) 20594`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "contact.phone",
                "invalid_phone",
                "Nomor telepon tidak valid; contoh 0812-3456-7890 atau +62 548 20594.",
            )
        };
        let t = raw.trim();
        let mut digits = String::new();
        for (i, c) in t.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(bad()),
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("62") {
            rest.to_string()
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_string()
        } else {
            return Err(bad());
        };
        if !(7..=12).contains(&national.len()) || national.starts_with('0') {
            return Err(bad());
        }
        Ok(Self(format!("+62{national}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The number erased by the retention schedule.
    pub fn erased() -> Self {
        Self(ERASED.to_string())
    }
}
impl TryFrom<String> for Phone {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s == ERASED {
            return Ok(Self::erased());
        }
        Phone::parse(&s).map_err(|e| e.detail)
    }
}
impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branch {
    /// Address of the branch office (kantor cabang) that will run the cash office.
    pub address: String,
    /// Number of the branch's operating permit (Izin Operasional pembukaan Kantor Cabang).
    pub operating_permit_number: String,
    pub operating_permit_date: NaiveDate,
    /// The date the branch began savings-and-loan business.
    pub business_started_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashOffice {
    pub address: String,
    pub member_count: MemberCount,
    /// Prospective head of the cash office (calon kepala Kantor Kas).
    pub head_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub email: Email,
    pub phone: Phone,
}

/// A validated application: every value has passed its parser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub cooperative_name: String,
    /// Nomor badan hukum koperasi (legal-entity number, e.g. `AHU-0001234.AH.01.26.TAHUN 2019`).
    pub legal_entity_number: String,
    pub nib: Nib,
    pub branch: Branch,
    pub cash_office: CashOffice,
    /// Reference of this permit application in OSS (SOP step c).
    pub oss_reference: String,
    pub contact: Contact,
}

/// The request body as sent: every field optional so that all problems are reported at once.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    pub cooperative_name: Option<String>,
    pub legal_entity_number: Option<String>,
    pub nib: Option<String>,
    pub branch: Option<BranchInput>,
    pub cash_office: Option<CashOfficeInput>,
    pub oss_reference: Option<String>,
    pub contact: Option<ContactInput>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BranchInput {
    pub address: Option<String>,
    pub operating_permit_number: Option<String>,
    pub operating_permit_date: Option<String>,
    pub business_started_on: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CashOfficeInput {
    pub address: Option<String>,
    pub member_count: Option<i64>,
    pub head_name: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub email: Option<String>,
    pub phone: Option<String>,
}

fn reference(raw: String) -> Result<String, FieldError> {
    let t = validation::text(raw, 3, 100)?;
    if t.chars()
        .all(|c| c.is_alphanumeric() || " ./-:_()".contains(c))
    {
        Ok(t)
    } else {
        Err(FieldError::new(
            "",
            "invalid_characters",
            "Hanya huruf, angka, spasi dan tanda . / - : _ ( ).",
        ))
    }
}

fn not_future(today: NaiveDate) -> impl Fn(String) -> Result<NaiveDate, FieldError> {
    move |raw| {
        let d = validation::date(raw)?;
        if d > today {
            Err(FieldError::new(
                "",
                "future_date",
                "Tanggal tidak boleh setelah hari ini.",
            ))
        } else {
            Ok(d)
        }
    }
}

/// Persyaratan 2: the branch began savings-and-loan business at least six calendar months
/// before `on` (the submission date in WITA). Month arithmetic is chrono's: 31 May + 6 months is
/// 30 November (the last day of the shorter month), so a branch that began on 31 May qualifies
/// on 30 November.
pub fn check_branch_activity(started: NaiveDate, on: NaiveDate) -> Result<(), FieldError> {
    let qualifies_on = started
        .checked_add_months(Months::new(MIN_BRANCH_MONTHS))
        .unwrap_or(NaiveDate::MAX);
    if qualifies_on <= on {
        Ok(())
    } else {
        Err(FieldError::new(
            "branch.business_started_on",
            "branch_too_young",
            format!(
                "Kantor cabang harus telah melaksanakan kegiatan usaha simpan pinjam paling sedikit \
                 6 (enam) bulan; syarat ini baru terpenuhi pada {}.",
                super::time::format_date_id(qualifies_on)
            ),
        ))
    }
}

impl ApplicationInput {
    /// Parses the whole form; `today` is the current date in WITA.
    pub fn parse(self, today: NaiveDate) -> Result<Application, Vec<FieldError>> {
        let mut e = Errors::default();
        let cooperative_name = e.field("cooperative_name", self.cooperative_name, |r| {
            validation::text(r, 3, 200)
        });
        let legal_entity_number =
            e.field("legal_entity_number", self.legal_entity_number, reference);
        let nib = e.field("nib", self.nib, |r| Nib::parse(&r));
        let oss_reference = e.field("oss_reference", self.oss_reference, reference);

        let b = self.branch.unwrap_or_default();
        let branch_address = e.field("branch.address", b.address, |r| validation::text(r, 5, 300));
        let permit_no = e.field(
            "branch.operating_permit_number",
            b.operating_permit_number,
            reference,
        );
        let permit_date = e.field(
            "branch.operating_permit_date",
            b.operating_permit_date,
            not_future(today),
        );
        let started = e.field(
            "branch.business_started_on",
            b.business_started_on,
            not_future(today),
        );
        if let Some(s) = started
            && let Err(err) = check_branch_activity(s, today)
        {
            e.push(err);
        }

        let c = self.cash_office.unwrap_or_default();
        let cash_address = e.field("cash_office.address", c.address, |r| {
            validation::text(r, 5, 300)
        });
        let members = e.field(
            "cash_office.member_count",
            c.member_count,
            MemberCount::parse,
        );
        let head_name = e.field("cash_office.head_name", c.head_name, |r| {
            validation::text(r, 3, 120)
        });

        let k = self.contact.unwrap_or_default();
        let email = e.field("contact.email", k.email, |r| Email::parse(&r));
        let phone = e.field("contact.phone", k.phone, |r| Phone::parse(&r));

        if !e.is_empty() {
            return Err(e.0);
        }
        // Every Option is Some when no error was recorded.
        match (
            cooperative_name,
            legal_entity_number,
            nib,
            oss_reference,
            branch_address,
            permit_no,
            permit_date,
            started,
            cash_address,
            members,
            head_name,
            email,
            phone,
        ) {
            (
                Some(cooperative_name),
                Some(legal_entity_number),
                Some(nib),
                Some(oss_reference),
                Some(address),
                Some(operating_permit_number),
                Some(operating_permit_date),
                Some(business_started_on),
                Some(cash_address),
                Some(member_count),
                Some(head_name),
                Some(email),
                Some(phone),
            ) => Ok(Application {
                cooperative_name,
                legal_entity_number,
                nib,
                branch: Branch {
                    address,
                    operating_permit_number,
                    operating_permit_date,
                    business_started_on,
                },
                cash_office: CashOffice {
                    address: cash_address,
                    member_count,
                    head_name,
                },
                oss_reference,
                contact: Contact { email, phone },
            }),
            _ => Err(vec![FieldError::new(
                "",
                "invalid",
                "Data permohonan tidak lengkap.",
            )]),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn sample_input(today: NaiveDate) -> ApplicationInput {
        let started = today.checked_sub_months(Months::new(8)).unwrap();
        ApplicationInput {
            cooperative_name: Some("KSP Sejahtera Bersama".into()),
            legal_entity_number: Some("AHU-0001234.AH.01.26.TAHUN 2019".into()),
            nib: Some("9120001234567".into()),
            branch: Some(BranchInput {
                address: Some("Jl. Bhayangkara No. 10, Bontang Utara".into()),
                operating_permit_number: Some("503/112/DPMPTSP/2024".into()),
                operating_permit_date: Some(started.to_string()),
                business_started_on: Some(started.to_string()),
            }),
            cash_office: Some(CashOfficeInput {
                address: Some("Jl. Ahmad Yani No. 5, Bontang Selatan".into()),
                member_count: Some(25),
                head_name: Some("Rahmat Hidayat".into()),
            }),
            oss_reference: Some("I-202611260001".into()),
            contact: Some(ContactInput {
                email: Some("pengurus@ksp-sejahtera.test".into()),
                phone: Some("0812-3456-7890".into()),
            }),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_complete_form_parses() {
        let a = sample_input(day("2026-11-26"))
            .parse(day("2026-11-26"))
            .unwrap();
        assert_eq!(a.nib.as_str(), "9120001234567");
        assert_eq!(a.contact.phone.as_str(), "+6281234567890");
        assert_eq!(a.cash_office.member_count.get(), 25);
    }

    #[test]
    fn nib_is_exactly_thirteen_digits() {
        assert!(Nib::parse("9120001234567").is_ok());
        assert_eq!(Nib::parse("912000123456").unwrap_err().code, "nib_format"); // 12 digits
        assert_eq!(Nib::parse("91200012345678").unwrap_err().code, "nib_format"); // 14
        assert_eq!(Nib::parse("912000123456A").unwrap_err().code, "nib_format"); // letter
        assert_eq!(
            Nib::parse("９１２０００１２３４５６７").unwrap_err().code,
            "nib_format"
        ); // full-width
    }

    #[test]
    fn twenty_members_is_the_minimum() {
        assert!(MemberCount::parse(20).is_ok());
        assert_eq!(MemberCount::parse(19).unwrap_err().code, "min_members");
        assert_eq!(MemberCount::parse(-1).unwrap_err().code, "min_members");
    }

    #[test]
    fn six_months_worked_examples() {
        // Began 26 May 2026: six months are complete on 26 November 2026.
        assert!(check_branch_activity(day("2026-05-26"), day("2026-11-26")).is_ok());
        assert!(check_branch_activity(day("2026-05-27"), day("2026-11-26")).is_err());
        // Five months only.
        let e = check_branch_activity(day("2026-06-26"), day("2026-11-26")).unwrap_err();
        assert_eq!(e.code, "branch_too_young");
        assert!(e.detail.contains("26 Desember 2026"), "{}", e.detail);
        // 31 May + 6 months = 30 November (end of the shorter month).
        assert!(check_branch_activity(day("2026-05-31"), day("2026-11-30")).is_ok());
        assert!(check_branch_activity(day("2026-05-31"), day("2026-11-29")).is_err());
        // Across a year end: 31 August 2025 qualifies on 28 February 2026.
        assert!(check_branch_activity(day("2025-08-31"), day("2026-02-28")).is_ok());
        assert!(check_branch_activity(day("2025-08-31"), day("2026-02-27")).is_err());
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let mut i = sample_input(day("2026-11-26"));
        i.nib = Some("12345".into());
        i.cash_office.as_mut().unwrap().member_count = Some(19);
        i.contact.as_mut().unwrap().email = Some("bukan-email".into());
        i.cooperative_name = None;
        let errs = i.parse(day("2026-11-26")).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            [
                ("cooperative_name", "required"),
                ("nib", "nib_format"),
                ("cash_office.member_count", "min_members"),
                ("contact.email", "invalid_email"),
            ]
        );
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            Phone::parse("081347131824").unwrap().as_str(),
            "+6281347131824"
        );
        assert_eq!(
            Phone::parse("(0548) 20594").unwrap().as_str(),
            "+6254820594"
        );
        assert_eq!(
            Phone::parse("+62 812 3456 7890").unwrap().as_str(),
            "+6281234567890"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("0812abc").is_err());
    }

    #[test]
    fn future_dates_are_refused() {
        let mut i = sample_input(day("2026-11-26"));
        i.branch.as_mut().unwrap().operating_permit_date = Some("2027-01-01".into());
        let errs = i.parse(day("2026-11-26")).unwrap_err();
        assert_eq!(errs[0].field, "branch.operating_permit_date");
        assert_eq!(errs[0].code, "future_date");
    }
}
