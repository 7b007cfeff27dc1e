//! Declarative rules over an application's fields (`permit.json` `rules`), each with its source
//! and its Indonesian error. Checked when the form is parsed (with today as the day of
//! submission) and again at submission.
//!
//! Month arithmetic is chrono's calendar months: 31 May + 6 months is 30 November (the last day
//! of the shorter month). `inclusive` periods count both ends: 1 January – 31 December is twelve
//! months.

use super::form::FormData;
use super::{PermitDef, RuleCheck, RuleDef};
use crate::domain::time::format_date_id;
use crate::domain::validation::FieldError;
use chrono::{Days, Months, NaiveDate};

/// The pseudo-field of the day of submission (WITA).
pub const SUBMISSION: &str = "@submission";

impl RuleDef {
    /// The fields the rule reads.
    pub fn reads(&self) -> Vec<&str> {
        let mut v = vec![];
        for f in [&self.field, &self.from, &self.to].into_iter().flatten() {
            if f != SUBMISSION && !v.contains(&f.as_str()) {
                v.push(f.as_str());
            }
        }
        v
    }

    /// Where the error shows.
    pub fn error_field(&self) -> &str {
        self.field
            .as_deref()
            .or(self.from.as_deref().filter(|f| *f != SUBMISSION))
            .or(self.to.as_deref())
            .unwrap_or("")
    }
}

/// When each rule is checked while a form is parsed: after the last field it reads.
pub struct Schedule<'a> {
    by_field: Vec<Vec<&'a RuleDef>>,
}

impl<'a> Schedule<'a> {
    pub fn after(&self, field_index: usize) -> impl Iterator<Item = &&'a RuleDef> {
        self.by_field.get(field_index).into_iter().flatten()
    }
}

pub fn schedule(def: &PermitDef) -> Schedule<'_> {
    let paths: Vec<&str> = def.fields().map(|f| f.path.as_str()).collect();
    let mut by_field: Vec<Vec<&RuleDef>> = vec![vec![]; paths.len()];
    for r in &def.rules {
        let last = r
            .reads()
            .iter()
            .filter_map(|p| paths.iter().position(|x| x == p))
            .max();
        if let Some(i) = last {
            by_field[i].push(r);
        }
    }
    Schedule { by_field }
}

fn end_of(r: &RuleDef, form: &FormData, side: &Option<String>, on: NaiveDate) -> Option<NaiveDate> {
    match side.as_deref() {
        Some(SUBMISSION) => Some(on),
        Some(p) => form.date(p),
        None => None,
    }
    .map(|d| {
        if r.inclusive && side.as_deref() == r.to.as_deref() {
            d.checked_add_days(Days::new(1)).unwrap_or(d)
        } else {
            d
        }
    })
}

/// `from` plus the rule's months or days.
fn shifted(r: &RuleDef, from: NaiveDate) -> NaiveDate {
    let d = match r.months {
        Some(m) => from.checked_add_months(Months::new(m)),
        None => from.checked_add_days(Days::new(u64::from(r.days.unwrap_or(0)))),
    };
    d.unwrap_or(NaiveDate::MAX)
}

/// Checks one rule; `on` is the day of submission. A rule whose fields are absent (optional and
/// not given) holds.
pub fn check(r: &RuleDef, form: &FormData, on: NaiveDate) -> Result<(), FieldError> {
    let fail = |qualifies_on: Option<NaiveDate>| {
        let msg = match qualifies_on {
            Some(d) => r.message.replace("{qualifies_on}", &format_date_id(d)),
            None => r.message.clone(),
        };
        FieldError::new(r.error_field(), r.code.clone(), msg)
    };
    match r.check {
        RuleCheck::AtLeast | RuleCheck::AtMost => {
            let Some(n) = r
                .field
                .as_deref()
                .and_then(|p| form.get(p))
                .and_then(|v| v.as_f64())
            else {
                return Ok(());
            };
            let limit = r.value.unwrap_or(0.0);
            let ok = if r.check == RuleCheck::AtLeast {
                n >= limit
            } else {
                n <= limit
            };
            if ok { Ok(()) } else { Err(fail(None)) }
        }
        RuleCheck::MinInterval | RuleCheck::MaxInterval => {
            let (Some(from), Some(to)) = (end_of(r, form, &r.from, on), end_of(r, form, &r.to, on))
            else {
                return Ok(());
            };
            let reached = shifted(r, from);
            if r.check == RuleCheck::MinInterval {
                if reached <= to {
                    Ok(())
                } else {
                    let q = (r.to.as_deref() == Some(SUBMISSION)).then_some(reached);
                    Err(fail(q))
                }
            } else if to <= reached {
                Ok(())
            } else {
                Err(fail(None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rule(v: serde_json::Value) -> RuleDef {
        serde_json::from_value(v).unwrap()
    }

    fn form(v: serde_json::Value) -> FormData {
        FormData(v.as_object().unwrap().clone())
    }

    /// Persyaratan 2 of the seed: six calendar months of activity before submission.
    fn six_months() -> RuleDef {
        rule(json!({"code": "branch_too_young", "check": "min_interval",
            "from": "branch.business_started_on", "to": "@submission", "months": 6,
            "source": "Persyaratan 2", "message": "baru terpenuhi pada {qualifies_on}"}))
    }

    fn started(d: &str) -> FormData {
        form(json!({"branch": {"business_started_on": d}}))
    }

    #[test]
    fn six_months_worked_examples() {
        let r = six_months();
        // Began 26 May 2026: six months are complete on 26 November 2026.
        assert!(check(&r, &started("2026-05-26"), day("2026-11-26")).is_ok());
        assert!(check(&r, &started("2026-05-27"), day("2026-11-26")).is_err());
        // Five months only: the error names the day it will hold.
        let e = check(&r, &started("2026-06-26"), day("2026-11-26")).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_ref()),
            ("branch.business_started_on", "branch_too_young")
        );
        assert!(e.detail.contains("26 Desember 2026"), "{}", e.detail);
        // 31 May + 6 months = 30 November (end of the shorter month).
        assert!(check(&r, &started("2026-05-31"), day("2026-11-30")).is_ok());
        assert!(check(&r, &started("2026-05-31"), day("2026-11-29")).is_err());
        // Across a year end: 31 August 2025 qualifies on 28 February 2026.
        assert!(check(&r, &started("2025-08-31"), day("2026-02-28")).is_ok());
        assert!(check(&r, &started("2025-08-31"), day("2026-02-27")).is_err());
    }

    #[test]
    fn at_least_twenty_members() {
        let r = rule(json!({"code": "min_members", "check": "at_least",
            "field": "cash_office.member_count", "value": 20, "source": "Persyaratan 3",
            "message": "paling sedikit 20"}));
        let f = |n: i64| form(json!({"cash_office": {"member_count": n}}));
        assert!(check(&r, &f(20), day("2026-01-01")).is_ok());
        assert_eq!(
            check(&r, &f(19), day("2026-01-01")).unwrap_err().code,
            "min_members"
        );
        assert!(check(&r, &f(-1), day("2026-01-01")).is_err());
    }

    #[test]
    fn periods_of_a_year_worked_examples() {
        // KCP Persyaratan 6: a work plan of at least one year, both ends counted.
        let plan = rule(
            json!({"code": "work_plan_too_short", "check": "min_interval",
            "from": "work_plan.starts_on", "to": "work_plan.ends_on", "months": 12,
            "inclusive": true, "source": "Persyaratan 6", "message": "x"}),
        );
        let p = |a: &str, b: &str| form(json!({"work_plan": {"starts_on": a, "ends_on": b}}));
        assert!(check(&plan, &p("2027-01-01", "2027-12-31"), day("2026-12-01")).is_ok());
        assert!(check(&plan, &p("2027-01-01", "2027-12-30"), day("2026-12-01")).is_err());
        // KCP Persyaratan 4: the financial report of the last year ends at most 12 months
        // before submission.
        let recent = rule(
            json!({"code": "financial_report_outdated", "check": "max_interval",
            "from": "financial_report.period_end", "to": "@submission", "months": 12,
            "source": "Persyaratan 4", "message": "x"}),
        );
        let r = |d: &str| form(json!({"financial_report": {"period_end": d}}));
        assert!(check(&recent, &r("2025-12-31"), day("2026-12-01")).is_ok());
        assert!(check(&recent, &r("2025-12-31"), day("2026-12-31")).is_ok());
        assert!(check(&recent, &r("2025-12-31"), day("2027-01-01")).is_err());
    }
}
