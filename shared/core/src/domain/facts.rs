//! The facts of a case that notices, letters and bills show (`permit::template`): the form's
//! values as a person reads them, the decisions' fields, the verdict, the letter, the bill.

use super::case::Case;
use super::notices::Agency;
use super::permit::template::{Facts, rupiah, show_value, terbilang};
use super::permit::{PermitDef, Verdict};
use super::time::{format_date_id, format_instant_id};

pub struct CaseFacts<'a> {
    pub case: &'a Case,
    pub def: &'a PermitDef,
    pub agency: &'a Agency,
}

impl CaseFacts<'_> {
    fn form(&self, path: &str) -> Option<String> {
        let f = self.def.field(path)?;
        show_value(f.kind, self.case.application.get(path)?, f)
    }

    fn decision(&self, step: &str, field: &str) -> Option<String> {
        let f = self.def.step(step)?.field(field)?;
        let d = self.case.decisions.iter().rev().find(|d| d.step == step)?;
        show_value(f.kind, d.details.get(field)?, f)
    }
}

impl Facts for CaseFacts<'_> {
    fn fact(&self, name: &str) -> Option<String> {
        let c = self.case;
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        match name {
            "registration_number" => Some(
                c.registration_number
                    .as_ref()
                    .map_or_else(|| "(belum bernomor)".to_string(), |r| r.to_string()),
            ),
            "holder" => self.form(&self.def.holder),
            "permit.name" => some(&self.def.name),
            "permit.short_name" => some(&self.def.short_name),
            "permit.product" => some(&self.def.product),
            "agency.name" => some(&self.agency.name),
            "agency.government" => some(&self.agency.government),
            "agency.head_position" => some(&self.agency.head_position),
            "agency.city" => some(&self.agency.city),
            "recommendation.number" => c.recommendation.as_ref()?.number.clone(),
            "recommendation.date" => c.recommendation.as_ref()?.date.map(format_date_id),
            "recommendation.reason" => c.recommendation.as_ref()?.reason.clone(),
            "recommendation.verb" => Some(
                match c.recommendation.as_ref().map(|r| r.outcome) {
                    Some(Verdict::Grant) => "merekomendasikan penerbitan izin",
                    Some(Verdict::Refusal) => "merekomendasikan penolakan izin",
                    None => "menerbitkan rekomendasi",
                }
                .to_string(),
            ),
            "revision.reason" => c.revision.as_ref().map(|r| r.reason.clone()),
            "revision.missing" => {
                let r = c.revision.as_ref()?;
                if r.missing.is_empty() {
                    return None;
                }
                let lines: Vec<String> = r
                    .missing
                    .iter()
                    .map(|code| {
                        let name = self
                            .def
                            .requirement(code)
                            .map_or(code.as_str(), |r| r.name.as_str());
                        format!("- {name}")
                    })
                    .collect();
                Some(lines.join("\n"))
            }
            "letter.number" => c.letter.signed.as_ref().map(|s| s.number.clone()),
            "letter.signer" => c.letter.signed.as_ref().map(|s| s.signer.name.clone()),
            "letter.signed_at" => c
                .letter
                .signed
                .as_ref()
                .map(|s| format_instant_id(s.signed_at)),
            "issuance.number" => c.issuance.as_ref().map(|i| i.number.clone()),
            "issuance.effective_on" => c.issuance.as_ref().map(|i| format_date_id(i.effective_on)),
            "fee.amount" => c.fee.as_ref().map(|f| rupiah(f.amount)),
            "fee.amount_words" => c.fee.as_ref().map(|f| terbilang(f.amount.max(0) as u64)),
            "fee.basis" => c.fee.as_ref()?.basis.clone(),
            "bill.number" => c.bill.as_ref().map(|b| b.number.clone()),
            "bill.amount" => c.bill.as_ref().map(|b| rupiah(b.amount)),
            "bill.amount_words" => c.bill.as_ref().map(|b| terbilang(b.amount.max(0) as u64)),
            "bill.issued_on" => c
                .bill
                .as_ref()
                .map(|b| format_date_id(super::time::wita_date(b.issued_at))),
            "bill.due_on" => c.bill.as_ref().map(|b| format_date_id(b.due_on)),
            "payment.reference" => c.payment.as_ref()?.reference.clone(),
            "payment.paid_on" => c.payment.as_ref()?.paid_on.map(format_date_id),
            // The reason of the latest decision (e.g. why a payment slip was sent back).
            "last_reason" => c.decisions.last()?.reason.clone(),
            other => {
                if let Some(path) = other.strip_prefix("application.") {
                    self.form(path)
                } else if let Some(rest) = other.strip_prefix("decision.") {
                    let (step, field) = rest.split_once('.')?;
                    self.decision(step, field)
                } else {
                    None
                }
            }
        }
    }
}
