//! Form data: an application (or a decision's fields) parsed against its field definitions.
//! Every problem is reported at once, each beside its field; the values are stored normalised
//! (dates `YYYY-MM-DD`, telephone numbers `+62…`, numbers as numbers).

use super::rules;
use super::{FieldDef, FieldType, PermitDef};
use crate::domain::validation::{self, Errors, FieldError};
use crate::domain::values::{ERASED, Email, Mobile, Nib, Phone, parse_nik};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use std::collections::BTreeSet;

/// Validated values, as a JSON object nested by the fields' dotted paths.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FormData(pub Map<String, Value>);

impl FormData {
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut cur = self.0.get(parts.next()?)?;
        for p in parts {
            cur = cur.as_object()?.get(p)?;
        }
        Some(cur)
    }

    pub fn str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    pub fn date(&self, path: &str) -> Option<NaiveDate> {
        self.str(path).and_then(|s| s.parse().ok())
    }

    pub fn set(&mut self, path: &str, v: Value) {
        let parts: Vec<&str> = path.split('.').collect();
        let mut cur = &mut self.0;
        for p in &parts[..parts.len() - 1] {
            let e = cur
                .entry(p.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !e.is_object() {
                *e = Value::Object(Map::new());
            }
            cur = e.as_object_mut().expect("made an object");
        }
        cur.insert(parts[parts.len() - 1].to_string(), v);
    }

    /// Whether a field holds the erasure marker of the retention schedule.
    pub fn is_erased(&self, path: &str) -> bool {
        self.str(path) == Some(ERASED)
    }

    /// Replaces a field's value with the erasure marker (UU 27/2022 Pasal 43).
    pub fn erase(&mut self, path: &str) {
        if self.get(path).is_some() {
            self.set(path, Value::String(ERASED.to_string()));
        }
    }
}

fn invalid_type() -> FieldError {
    FieldError::new("", "invalid_type", "Tipe data tidak sesuai.")
}

fn reference(raw: String, f: &FieldDef) -> Result<String, FieldError> {
    let t = validation::text(raw, f.min_len(), f.max_len())?;
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

fn string(v: Value) -> Result<String, FieldError> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(invalid_type()),
    }
}

fn number_bounds(n: f64, f: &FieldDef) -> Result<(), FieldError> {
    if let Some(min) = f.min
        && n < min
    {
        return Err(FieldError::new(
            "",
            "out_of_range",
            format!("Nilai paling sedikit {}.", show_number(min)),
        ));
    }
    if let Some(max) = f.max
        && n > max
    {
        return Err(FieldError::new(
            "",
            "out_of_range",
            format!("Nilai paling besar {}.", show_number(max)),
        ));
    }
    Ok(())
}

fn show_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Parses one value of field `f`. `requirements` are the permit's requirement codes (for
/// `requirement_list`).
pub fn parse_value(
    f: &FieldDef,
    v: Value,
    today: NaiveDate,
    requirements: &dyn Fn(&str) -> bool,
) -> Result<Value, FieldError> {
    match f.kind {
        FieldType::Text | FieldType::Name | FieldType::Address => {
            validation::text(string(v)?, f.min_len(), f.max_len()).map(Value::String)
        }
        FieldType::Reference => reference(string(v)?, f).map(Value::String),
        FieldType::Integer | FieldType::Money => {
            let n = match &v {
                Value::Number(n) => n.as_i64().ok_or_else(invalid_type)?,
                _ => return Err(invalid_type()),
            };
            if f.kind == FieldType::Money && n < 0 {
                return Err(FieldError::new(
                    "",
                    "out_of_range",
                    "Nilai rupiah tidak boleh negatif.",
                ));
            }
            number_bounds(n as f64, f)?;
            Ok(Value::Number(n.into()))
        }
        FieldType::Decimal => {
            let n = v
                .as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(invalid_type)?;
            number_bounds(n, f)?;
            let places = i32::from(f.decimals.unwrap_or(2));
            let scale = 10f64.powi(places);
            let rounded = (n * scale).round() / scale;
            Number::from_f64(rounded)
                .map(Value::Number)
                .ok_or_else(invalid_type)
        }
        FieldType::Date => {
            let d = validation::date(string(v)?)?;
            if f.not_future() && d > today {
                return Err(FieldError::new(
                    "",
                    "future_date",
                    "Tanggal tidak boleh setelah hari ini.",
                ));
            }
            if f.not_past && d < today {
                return Err(FieldError::new(
                    "",
                    "past_date",
                    "Tanggal tidak boleh sebelum hari ini.",
                ));
            }
            Ok(Value::String(d.to_string()))
        }
        FieldType::Email => Email::parse(&string(v)?).map(|e| Value::String(e.into())),
        FieldType::Phone => Phone::parse(&string(v)?).map(|p| Value::String(p.into())),
        FieldType::Mobile => Mobile::parse(&string(v)?).map(|p| Value::String(p.into())),
        FieldType::Nib => Nib::parse(&string(v)?).map(|n| Value::String(n.into())),
        FieldType::Nik => parse_nik(&string(v)?).map(Value::String),
        FieldType::Choice => {
            let s = string(v)?;
            if f.options.iter().any(|o| o.code == s) {
                Ok(Value::String(s))
            } else {
                let codes: Vec<&str> = f.options.iter().map(|o| o.code.as_str()).collect();
                Err(FieldError::new(
                    "",
                    "invalid_choice",
                    format!("Pilihan tidak dikenal; gunakan: {}.", codes.join(", ")),
                ))
            }
        }
        FieldType::Boolean => match v {
            Value::Bool(b) => Ok(Value::Bool(b)),
            _ => Err(invalid_type()),
        },
        FieldType::RequirementList => {
            let Value::Array(items) = v else {
                return Err(invalid_type());
            };
            let mut out: Vec<Value> = vec![];
            for it in items {
                let code = string(it)?;
                if !requirements(&code) {
                    return Err(FieldError::new(
                        "",
                        "unknown_requirement",
                        format!("Jenis persyaratan tidak dikenal: {code}."),
                    ));
                }
                if !out.iter().any(|x| x.as_str() == Some(code.as_str())) {
                    out.push(Value::String(code));
                }
            }
            Ok(Value::Array(out))
        }
    }
}

/// A value that counts as "not given" (JSON null, or absent).
fn given(v: Option<&Value>) -> Option<Value> {
    match v {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.clone()),
    }
}

/// The paths that are objects grouping fields (`branch` for `branch.address`).
fn prefixes<'a>(paths: impl Iterator<Item = &'a str>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in paths {
        let mut acc = String::new();
        let parts: Vec<&str> = p.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            if !acc.is_empty() {
                acc.push('.');
            }
            acc.push_str(part);
            out.insert(acc.clone());
        }
    }
    out
}

/// Reports keys of `input` that are no field (`unknown_field`) and groups that are not objects
/// (`invalid_type`); `skip` are top-level keys handled elsewhere (e.g. `permit`).
fn check_shape(
    input: &Map<String, Value>,
    at: &str,
    fields: &BTreeSet<&str>,
    groups: &BTreeSet<String>,
    skip: &[&str],
    e: &mut Errors,
) {
    for (k, v) in input {
        if at.is_empty() && skip.contains(&k.as_str()) {
            continue;
        }
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        if fields.contains(path.as_str()) {
            continue;
        }
        if groups.contains(&path) {
            match v {
                Value::Object(m) => check_shape(m, &path, fields, groups, skip, e),
                Value::Null => {}
                _ => e.push(FieldError::new(
                    path,
                    "invalid_type",
                    "Tipe data tidak sesuai.",
                )),
            }
            continue;
        }
        e.push(FieldError::new(
            path,
            "unknown_field",
            "Isian tidak dikenal.",
        ));
    }
}

fn lookup<'a>(input: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = input.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// Parses an application for `def` (the request body without `permit`); `today` is the
/// current WITA date, which the rules take as the day of submission. Rule errors follow the
/// last field they read, so the errors read in the form's order.
pub fn parse_application(
    def: &PermitDef,
    input: &Value,
    today: NaiveDate,
) -> Result<FormData, Vec<FieldError>> {
    let Some(obj) = input.as_object() else {
        return Err(vec![FieldError::new(
            "",
            "invalid_type",
            "Isi permohonan harus berupa objek JSON.",
        )]);
    };
    let mut e = Errors::default();
    let paths: BTreeSet<&str> = def.fields().map(|f| f.path.as_str()).collect();
    let groups = prefixes(paths.iter().copied());
    let mut out = FormData::default();
    let has_requirement = |c: &str| def.requirement(c).is_some();
    let fields: Vec<&FieldDef> = def.fields().collect();
    let schedule = rules::schedule(def);
    let mut failed: BTreeSet<&str> = BTreeSet::new();
    for (i, f) in fields.iter().enumerate() {
        let raw = given(lookup(obj, &f.path));
        match raw {
            None if f.required => {
                e.push(FieldError::required(&f.path));
                failed.insert(&f.path);
            }
            None => {}
            Some(v) => match parse_value(f, v, today, &has_requirement) {
                Ok(v) => out.set(&f.path, v),
                Err(mut err) => {
                    err.field = f.path.clone();
                    e.push(err);
                    failed.insert(&f.path);
                }
            },
        }
        for r in schedule.after(i) {
            if r.reads().iter().any(|p| failed.contains(p)) {
                continue;
            }
            if let Err(err) = rules::check(r, &out, today) {
                e.push(err);
            }
        }
    }
    check_shape(obj, "", &paths, &groups, &["permit", "office"], &mut e);
    if e.is_empty() { Ok(out) } else { Err(e.0) }
}

/// The request body of a decision: `version`, `outcome`, `reason`, and the step's fields.
#[derive(Debug, Clone)]
pub struct DecisionFields {
    pub version: u64,
    pub outcome: String,
    pub reason: Option<String>,
    pub values: FormData,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Catalogue, resolve_example};
    use crate::domain::calendar::Calendar;
    use crate::domain::roles::Roles;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A permit's definition and its example resolved for `today`.
    fn permit(code: &str, today: NaiveDate) -> (PermitDef, Value) {
        let c = Catalogue::shipped(&Roles::shipped(), &Calendar::shipped()).unwrap();
        let p = c.get(code).unwrap();
        (p.def.clone(), resolve_example(&p.example, today))
    }

    fn codes(errs: &[FieldError]) -> Vec<(&str, &str)> {
        errs.iter()
            .map(|e| (e.field.as_str(), e.code.as_ref()))
            .collect()
    }

    #[test]
    fn a_complete_form_parses_and_is_normalised() {
        let today = day("2026-11-26");
        let (def, body) = permit("kantor-kas-ksp", today);
        let a = parse_application(&def, &body, today).unwrap();
        assert_eq!(a.str("nib"), Some("9120001234567"));
        assert_eq!(a.str("contact.phone"), Some("+6281234567890"));
        assert_eq!(a.get("cash_office.member_count"), Some(&json!(25)));
        assert_eq!(
            a.date("branch.business_started_on"),
            Some(day("2026-03-26"))
        );
        assert!(
            a.get("permit").is_none(),
            "the permit code is the case's, not the form's"
        );
    }

    #[test]
    fn all_errors_are_reported_at_once_in_the_forms_order() {
        let today = day("2026-11-26");
        let (def, mut body) = permit("kantor-kas-ksp", today);
        body["nib"] = json!("12345");
        body["cash_office"]["member_count"] = json!(19);
        body["contact"]["email"] = json!("bukan-email");
        body.as_object_mut().unwrap().remove("cooperative_name");
        let errs = parse_application(&def, &body, today).unwrap_err();
        assert_eq!(
            codes(&errs),
            [
                ("cooperative_name", "required"),
                ("nib", "nib_format"),
                ("cash_office.member_count", "min_members"),
                ("contact.email", "invalid_email"),
            ]
        );
        assert!(
            errs[2].detail.contains("20"),
            "the rule's own Indonesian message: {}",
            errs[2].detail
        );
    }

    #[test]
    fn future_dates_are_refused_unless_the_field_allows_them() {
        let today = day("2026-11-26");
        let (def, mut body) = permit("kantor-kas-ksp", today);
        body["branch"]["operating_permit_date"] = json!("2027-01-01");
        let errs = parse_application(&def, &body, today).unwrap_err();
        assert_eq!(
            codes(&errs),
            [("branch.operating_permit_date", "future_date")]
        );
        // The KCP's work plan starts in the future: its dates may.
        let (def, body) = permit("kantor-cabang-pembantu-ksp", today);
        let a = parse_application(&def, &body, today).unwrap();
        assert!(a.date("work_plan.starts_on").unwrap() > today);
    }

    #[test]
    fn unknown_fields_and_wrong_shapes_are_named() {
        let today = day("2026-11-26");
        let (def, mut body) = permit("kantor-kas-ksp", today);
        body["cash_office"]["jam_buka"] = json!("08.00");
        body["branch"] = json!("Jl. Bhayangkara");
        body["sembarang"] = json!(1);
        let errs = parse_application(&def, &body, today).unwrap_err();
        let got = codes(&errs);
        for want in [
            ("branch.address", "required"),
            ("cash_office.jam_buka", "unknown_field"),
            ("branch", "invalid_type"),
            ("sembarang", "unknown_field"),
        ] {
            assert!(got.contains(&want), "{want:?} in {got:?}");
        }
        let errs = parse_application(&def, &json!(["bukan", "objek"]), today).unwrap_err();
        assert_eq!(codes(&errs), [("", "invalid_type")]);
    }

    #[test]
    fn the_field_types_of_pbg() {
        let today = day("2026-11-26");
        let (def, mut body) = permit("pbg", today);
        let a = parse_application(&def, &body, today).unwrap();
        assert_eq!(a.get("building.floor_area"), Some(&json!(180.5)));
        // A decimal is rounded to its places; a NIK is 16 digits; a choice one of its options;
        // a number below its minimum is named with the minimum.
        body["building"]["floor_area"] = json!(180.549);
        let a = parse_application(&def, &body, today).unwrap();
        assert_eq!(a.get("building.floor_area"), Some(&json!(180.55)));
        body["owner"]["nik"] = json!("64740101018000");
        body["building"]["function"] = json!("gudang");
        body["building"]["floor_area"] = json!(-3);
        let errs = parse_application(&def, &body, today).unwrap_err();
        assert_eq!(
            codes(&errs),
            [
                ("owner.nik", "nik_format"),
                ("building.function", "invalid_choice"),
                ("building.floor_area", "out_of_range"),
            ]
        );
        assert!(errs[1].detail.contains("hunian"), "{}", errs[1].detail);
    }
}
