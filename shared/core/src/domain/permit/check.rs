//! The checks a permit's definition must pass before it is served: names that resolve, types that
//! fit, deadlines that add up. Each problem names the part of the file it is about; the
//! workflow's checks against this definition are `crate::catalogue`'s.

use super::rules::SUBMISSION;
use super::template::{known_fact, placeholders};
use super::{
    ClockKind, Effect, FieldDef, FieldType, Function, Paragraph, PermitDef, RuleCheck, StepKind,
    Verdict,
};
use crate::domain::roles::{Roles, is_code};
use std::collections::BTreeSet;

fn field_path_ok(p: &str) -> bool {
    !p.is_empty() && p.split('.').all(is_code)
}

fn check_field(f: &FieldDef, at: &str, p: &mut Vec<String>) {
    if !field_path_ok(&f.path) {
        p.push(format!(
            "{at}: field path `{}` must be dotted snake_case",
            f.path
        ));
    }
    if f.label.trim().is_empty() {
        p.push(format!("{at}: field `{}` has no label", f.path));
    }
    let text = matches!(
        f.kind,
        FieldType::Text | FieldType::Reference | FieldType::Name | FieldType::Address
    );
    if (f.min_length.is_some() || f.max_length.is_some() || f.multiline) && !text {
        p.push(format!(
            "{at}: field `{}`: lengths apply to text fields only",
            f.path
        ));
    }
    if f.min_len() > f.max_len() {
        p.push(format!(
            "{at}: field `{}`: min_length above max_length",
            f.path
        ));
    }
    let number = matches!(
        f.kind,
        FieldType::Integer | FieldType::Decimal | FieldType::Money
    );
    if (f.min.is_some() || f.max.is_some() || f.unit.is_some()) && !number {
        p.push(format!(
            "{at}: field `{}`: min/max/unit apply to numbers only",
            f.path
        ));
    }
    if f.decimals.is_some() && f.kind != FieldType::Decimal {
        p.push(format!(
            "{at}: field `{}`: decimals apply to decimal fields",
            f.path
        ));
    }
    if let (Some(a), Some(b)) = (f.min, f.max)
        && a > b
    {
        p.push(format!("{at}: field `{}`: min above max", f.path));
    }
    match (f.kind, f.options.is_empty()) {
        (FieldType::Choice, true) => {
            p.push(format!("{at}: choice field `{}` needs options", f.path));
        }
        (FieldType::Choice, false) => {
            let mut seen = BTreeSet::new();
            for o in &f.options {
                if !seen.insert(o.code.as_str()) {
                    p.push(format!(
                        "{at}: field `{}`: option `{}` twice",
                        f.path, o.code
                    ));
                }
            }
        }
        (_, false) => p.push(format!(
            "{at}: field `{}`: options apply to choices",
            f.path
        )),
        _ => {}
    }
    if (f.not_future.is_some() || f.not_past) && f.kind != FieldType::Date {
        p.push(format!(
            "{at}: field `{}`: not_future/not_past apply to dates",
            f.path
        ));
    }
}

fn check_paths<'a>(fields: impl Iterator<Item = &'a FieldDef>, at: &str, p: &mut Vec<String>) {
    let paths: Vec<&str> = fields.map(|f| f.path.as_str()).collect();
    let mut seen = BTreeSet::new();
    for path in &paths {
        if !seen.insert(*path) {
            p.push(format!("{at}: field `{path}` is defined twice"));
        }
        if paths.iter().any(|o| o.starts_with(&format!("{path}."))) {
            p.push(format!(
                "{at}: `{path}` is a field and also groups other fields"
            ));
        }
    }
}

fn check_text(def: &PermitDef, at: &str, text: &str, p: &mut Vec<String>) {
    for name in placeholders(text) {
        if !known_fact(def, name) {
            p.push(format!("{at}: unknown placeholder `{{{name}}}`"));
        }
    }
}

fn check_paragraphs<'a>(
    def: &PermitDef,
    at: &str,
    ps: impl IntoIterator<Item = &'a Paragraph>,
    p: &mut Vec<String>,
) {
    for para in ps {
        for part in para.parts() {
            check_text(def, at, part, p);
        }
    }
}

/// Every problem of `def` (empty when it may be served). `roles` is the office's registry.
pub fn problems(def: &PermitDef, roles: &Roles) -> Vec<String> {
    let mut p = vec![];
    if !super::PermitCode::is_valid(def.code.as_str()) {
        p.push(format!(
            "code `{}`: lowercase letters, digits and single hyphens",
            def.code
        ));
    }
    let prefix = &def.registration.prefix;
    if !(2..=5).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        p.push(format!(
            "registration.prefix `{prefix}`: 2-5 capital letters"
        ));
    }
    for (what, c) in [
        ("registration.counter", &def.registration.counter),
        ("letters.number.counter", &def.letters.number.counter),
    ] {
        if !c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') || c.is_empty() {
            p.push(format!("{what} `{c}`: lowercase letters and hyphens"));
        }
    }
    if let Some(a) = &def.technical_agency
        && roles.agency(a).is_none()
    {
        p.push(format!(
            "technical_agency `{a}` is not an agency of the roles file"
        ));
    }
    // The form.
    for s in &def.form.sections {
        for f in &s.fields {
            check_field(f, &format!("form section `{}`", s.title), &mut p);
            if f.kind == FieldType::RequirementList || !f.outcomes.is_empty() {
                p.push(format!(
                    "form: field `{}`: requirement lists and outcomes belong to decisions",
                    f.path
                ));
            }
        }
    }
    check_paths(def.fields(), "form", &mut p);
    let typed =
        |path: &str, kinds: &[FieldType]| def.field(path).is_some_and(|f| kinds.contains(&f.kind));
    if def.field(&def.holder).is_none() {
        p.push(format!("holder `{}` is not a form field", def.holder));
    }
    if !typed(&def.contact.email, &[FieldType::Email]) {
        p.push(format!(
            "contact.email `{}` is not an e-mail field of the form",
            def.contact.email
        ));
    }
    if let Some(ph) = &def.contact.phone
        && !typed(ph, &[FieldType::Phone, FieldType::Mobile])
    {
        p.push(format!(
            "contact.phone `{ph}` is not a phone field of the form"
        ));
    }
    if let Some(nb) = &def.contact.notify_by {
        match def.field(nb) {
            Some(f) if f.kind == FieldType::Choice => {
                if f.options.is_empty()
                    || f.options
                        .iter()
                        .any(|o| !matches!(o.code.as_str(), "email" | "sms" | "both"))
                {
                    p.push(format!(
                        "contact.notify_by `{nb}`: its options are `email`, `sms` and `both`"
                    ));
                }
                if !def
                    .contact
                    .phone
                    .as_deref()
                    .is_some_and(|ph| typed(ph, &[FieldType::Mobile]))
                {
                    p.push(format!(
                        "contact.notify_by `{nb}` needs contact.phone to be a mobile field"
                    ));
                }
            }
            _ => p.push(format!(
                "contact.notify_by `{nb}` is not a choice field of the form"
            )),
        }
    }
    for (code, n) in &def.notices {
        if let Some(t) = &n.sms
            && t.trim().is_empty()
        {
            p.push(format!("notice `{code}`: an empty sms text"));
        }
    }
    // Rules.
    let mut codes = BTreeSet::new();
    for r in &def.rules {
        let at = format!("rule `{}`", r.code);
        if !is_code(&r.code) || !codes.insert(r.code.as_str()) {
            p.push(format!("{at}: codes are snake_case and unique"));
        }
        if r.message.trim().is_empty() || r.source.trim().is_empty() {
            p.push(format!("{at}: needs a message and a source"));
        }
        match r.check {
            RuleCheck::AtLeast | RuleCheck::AtMost => {
                match r.field.as_deref() {
                    None => p.push(format!("{at}: needs `field`")),
                    Some(f) if def.field(f).is_none() => {
                        p.push(format!("{at}: field `{f}` is not a form field"));
                    }
                    Some(f)
                        if !typed(
                            f,
                            &[FieldType::Integer, FieldType::Decimal, FieldType::Money],
                        ) =>
                    {
                        p.push(format!("{at}: field `{f}` is not a number"));
                    }
                    Some(_) => {}
                }
                if r.value.is_none() {
                    p.push(format!("{at}: needs `value`"));
                }
            }
            RuleCheck::MinInterval | RuleCheck::MaxInterval => {
                for (side, v) in [("from", &r.from), ("to", &r.to)] {
                    match v.as_deref() {
                        None => p.push(format!("{at}: needs `{side}`")),
                        Some(SUBMISSION) => {}
                        Some(f) if def.field(f).is_none() => {
                            p.push(format!("{at}: `{side}` field `{f}` is not a form field"));
                        }
                        Some(f) if !typed(f, &[FieldType::Date]) => {
                            p.push(format!("{at}: `{side}` field `{f}` is not a date"));
                        }
                        Some(_) => {}
                    }
                }
                if r.months.is_some() == r.days.is_some() {
                    p.push(format!("{at}: give either `months` or `days`"));
                }
                if let Some(f) = &r.field
                    && def.field(f).is_none()
                {
                    p.push(format!("{at}: field `{f}` is not a form field"));
                }
            }
        }
        if r.message.contains("{qualifies_on}")
            && !(r.check == RuleCheck::MinInterval && r.to.as_deref() == Some(SUBMISSION))
        {
            p.push(format!(
                "{at}: {{qualifies_on}} only exists for a min_interval to @submission"
            ));
        }
    }
    // Requirements.
    let mut codes = BTreeSet::new();
    for r in &def.requirements {
        let at = format!("requirement `{}`", r.code);
        if !is_code(&r.code) || !codes.insert(r.code.as_str()) {
            p.push(format!("{at}: codes are snake_case and unique"));
        }
        if r.kinds.is_empty() || r.max_bytes == 0 {
            p.push(format!(
                "{at}: needs at least one kind and a max_bytes above 0"
            ));
        }
        if let super::Required::When { when } = &r.required
            && def.field(&when.field).is_none()
        {
            p.push(format!(
                "{at}: condition on `{}`, which is not a form field",
                when.field
            ));
        }
        if let Some(s) = &r.step {
            match def.step(s.as_str()) {
                Some(st) if st.kind == StepKind::ApplicantUpload => {}
                _ => p.push(format!(
                    "{at}: step `{s}` is not an upload step of the applicant"
                )),
            }
        }
    }
    if !def
        .application_requirements()
        .any(|r| matches!(r.required, super::Required::Always(true)))
    {
        p.push("at least one requirement must be required with every application".into());
    }
    // Clocks and steps.
    for (k, c) in [
        ("applicant", &def.clocks.applicant),
        ("agency", &def.clocks.agency),
    ] {
        if c.days == 0 {
            p.push(format!("clocks.{k}: days must be above 0"));
        }
        if let Some(f) = &c.from {
            match def.field(f) {
                _ if k != "applicant" => {
                    p.push(format!("clocks.{k}: only the applicant's clock has `from`"));
                }
                None => p.push(format!(
                    "clocks.{k}: `from` field `{f}` is not a form field"
                )),
                Some(field) if field.kind != FieldType::Date || !field.required => p.push(format!(
                    "clocks.{k}: `from` field `{f}` must be a required date"
                )),
                Some(_) => {}
            }
        }
    }
    if let Some(da) = &def.deemed_approval {
        check_deemed(def, da, &mut p);
    }
    let mut codes = BTreeSet::new();
    let mut agency_days = 0;
    let mut surveys = 0;
    for s in &def.steps {
        let at = format!("step `{}`", s.code);
        if !is_code(s.code.as_str()) || !codes.insert(s.code.as_str()) {
            p.push(format!("{at}: codes are snake_case and unique"));
        }
        match roles.get(s.role.code()) {
            None => p.push(format!("{at}: unknown role `{}`", s.role)),
            Some(r) if r.staff == s.kind.is_applicant() => p.push(format!(
                "{at}: a {:?} step needs {} role, not `{}`",
                s.kind,
                if s.kind.is_applicant() {
                    "the applicant's"
                } else {
                    "a staff"
                },
                s.role
            )),
            Some(_) => {}
        }
        if !s.function.handles(s.kind) {
            p.push(format!(
                "{at}: function `{}` does not handle {:?} steps (no function handles this step)",
                s.function.name(),
                s.kind
            ));
        }
        if s.outcomes.is_empty() {
            p.push(format!("{at}: needs at least one outcome"));
        }
        let mut oc = BTreeSet::new();
        for o in &s.outcomes {
            if !is_code(&o.code) || !oc.insert(o.code.as_str()) {
                p.push(format!("{at}: outcome codes are snake_case and unique"));
            }
            if s.kind.is_applicant() && !o.effects.is_empty() {
                p.push(format!(
                    "{at}: outcome `{}`: the applicant's steps have no effects",
                    o.code
                ));
            }
            for e in &o.effects {
                let field_of = |f: &str, kinds: &[FieldType]| {
                    s.field(f).is_some_and(|x| kinds.contains(&x.kind))
                };
                let mut need = |f: &str, kinds: &[FieldType], what: &str| {
                    if !field_of(f, kinds) {
                        p.push(format!(
                            "{at}: outcome `{}`: `{f}` is not a {what} field of the step",
                            o.code
                        ));
                    }
                };
                match e {
                    Effect::Recommend {
                        verdict,
                        number_field,
                        date_field,
                    } => {
                        if let Some(f) = number_field {
                            need(f, &[FieldType::Text, FieldType::Reference], "text");
                        }
                        if let Some(f) = date_field {
                            need(f, &[FieldType::Date], "date");
                        }
                        if *verdict == Verdict::Refusal && def.letters.refusal.is_none() {
                            p.push(format!(
                                "{at}: outcome `{}` refuses, but letters.refusal is missing",
                                o.code
                            ));
                        }
                    }
                    Effect::RecordIssuance {
                        number_field,
                        date_field,
                    } => {
                        need(
                            number_field,
                            &[FieldType::Text, FieldType::Reference],
                            "text",
                        );
                        need(date_field, &[FieldType::Date], "date");
                    }
                    Effect::AssessFee {
                        amount_field,
                        basis_field,
                    } => {
                        need(amount_field, &[FieldType::Money], "money");
                        if let Some(b) = basis_field {
                            need(b, &[FieldType::Text], "text");
                        }
                        if !matches!(def.fee.kind, super::FeeKind::Retribution) {
                            p.push(format!("{at}: a fee is assessed, but the permit is free"));
                        }
                    }
                    Effect::IssueBill => {
                        if def.bill.is_none() {
                            p.push(format!("{at}: issue_bill needs the permit's `bill`"));
                        }
                    }
                    Effect::ConfirmPayment {
                        reference_field,
                        date_field,
                    } => {
                        if let Some(f) = reference_field {
                            need(f, &[FieldType::Text, FieldType::Reference], "text");
                        }
                        if let Some(f) = date_field {
                            need(f, &[FieldType::Date], "date");
                        }
                    }
                    Effect::DraftLetter {
                        notes_field: Some(f),
                    } => need(f, &[FieldType::Text], "text"),
                    Effect::RequestRevision | Effect::DraftLetter { .. } | Effect::SignLetter => {}
                }
                if e.needs_documents() && s.function != Function::Sign {
                    p.push(format!(
                        "{at}: outcome `{}` makes a document: only the `sign` function renders documents",
                        o.code
                    ));
                }
            }
        }
        for f in &s.fields {
            check_field(f, &at, &mut p);
            for o in &f.outcomes {
                if s.outcome(o).is_none() {
                    p.push(format!(
                        "{at}: field `{}` names unknown outcome `{o}`",
                        f.path
                    ));
                }
            }
            if matches!(f.path.as_str(), "version" | "outcome" | "reason") {
                p.push(format!(
                    "{at}: `{}` is a name the decision itself uses",
                    f.path
                ));
            }
            if f.personal {
                p.push(format!("{at}: decision fields hold no personal data"));
            }
        }
        check_paths(s.fields.iter(), &at, &mut p);
        match (s.kind, s.sla.clock, s.sla.days) {
            (StepKind::Decision, Some(ClockKind::Agency), Some(d)) if d > 0 => agency_days += d,
            // Fiktif positif's recording step runs after the agency's time is over: days of its
            // own, on no clock.
            (StepKind::Decision, None, Some(d))
                if d > 0
                    && def
                        .deemed_approval
                        .as_ref()
                        .is_some_and(|da| da.step == s.code) => {}
            (StepKind::Decision, _, _) => p.push(format!(
                "{at}: a staff step needs sla {{\"clock\": \"agency\", \"days\": N > 0}}"
            )),
            (_, Some(ClockKind::Agency), _) => {
                p.push(format!(
                    "{at}: the applicant's steps do not run the agency's clock"
                ));
            }
            (_, Some(ClockKind::Applicant), _) => {}
            (_, None, Some(d)) if d > 0 => {}
            (_, None, _) => p.push(format!(
                "{at}: needs days of its own or the applicant's clock"
            )),
        }
        if s.kind == StepKind::Survey {
            surveys += 1;
        }
        if s.kind == StepKind::ApplicantUpload
            && !def
                .requirements
                .iter()
                .any(|r| r.step.as_ref() == Some(&s.code))
        {
            p.push(format!(
                "{at}: an upload step needs requirements with `step` = its code"
            ));
        }
        for n in &s.notices {
            if !def.notices.contains_key(n) {
                p.push(format!("{at}: unknown notice `{n}`"));
            }
        }
    }
    if surveys > 1 {
        p.push("at most one survey step".into());
    }
    if agency_days != def.clocks.agency.days {
        p.push(format!(
            "staff step targets sum to {agency_days} working days, the agency clock is {}",
            def.clocks.agency.days
        ));
    }
    // Texts.
    for key in ["submitted", "permit_issued"] {
        if !def.notices.contains_key(key) {
            p.push(format!("notices: `{key}` is required"));
        }
    }
    for (code, n) in &def.notices {
        let at = format!("notice `{code}`");
        if !is_code(code) {
            p.push(format!("{at}: codes are snake_case"));
        }
        check_text(def, &at, &n.subject, &mut p);
        check_paragraphs(def, &at, &n.lines, &mut p);
        if let Some(t) = &n.sms {
            check_text(def, &format!("{at} (sms)"), t, &mut p);
        }
    }
    for (v, t) in [
        ("grant", Some(&def.letters.grant)),
        ("refusal", def.letters.refusal.as_ref()),
    ] {
        let Some(t) = t else { continue };
        let at = format!("letters.{v}");
        check_text(def, &at, &t.title, &mut p);
        check_paragraphs(def, &at, [&t.opening], &mut p);
        check_paragraphs(def, &at, &t.body, &mut p);
        for f in &t.facts {
            check_text(def, &at, &f.value, &mut p);
        }
    }
    for d in &def.letters.dasar_hukum {
        check_text(def, "letters.dasar_hukum", d, &mut p);
    }
    for t in &def.letters.tembusan {
        check_text(def, "letters.tembusan", t, &mut p);
    }
    match (&def.letters.refusal, &def.letters.objection) {
        (Some(_), None) => p.push(
            "letters.objection: a permit that refuses must say how to object (UU 30/2014 Pasal 77)"
                .into(),
        ),
        (_, Some(o)) => {
            check_text(def, "letters.objection", &o.addressee, &mut p);
            if o.working_days == 0 {
                p.push("letters.objection.working_days: at least 1".into());
            }
        }
        (None, None) => {}
    }
    if let Some(b) = &def.bill {
        for f in &b.facts {
            check_text(def, "bill", &f.value, &mut p);
        }
        check_paragraphs(def, "bill", &b.instructions, &mut p);
        if !def
            .steps
            .iter()
            .flat_map(|s| &s.outcomes)
            .any(|o| o.has(|e| matches!(e, Effect::AssessFee { .. })))
        {
            p.push("bill: no step assesses the fee it bills".into());
        }
    }
    p
}

/// Fiktif positif: stages of staff steps (each in one stage), days above the warning, and a
/// staff decision step that records OSS's issuance and is in no stage.
fn check_deemed(def: &PermitDef, da: &super::DeemedApprovalDef, p: &mut Vec<String>) {
    let at = "deemed_approval";
    if da.source.trim().is_empty() {
        p.push(format!("{at}: needs a source (the articles)"));
    }
    if da.stages.is_empty() {
        p.push(format!("{at}: needs at least one stage"));
    }
    let mut seen = BTreeSet::new();
    for st in &da.stages {
        if st.days == 0 || st.days <= da.warn_days {
            p.push(format!(
                "{at}: stage `{}` needs more days than warn_days",
                st.code
            ));
        }
        if st.steps.is_empty() {
            p.push(format!("{at}: stage `{}` has no steps", st.code));
        }
        for s in &st.steps {
            match def.step(s.as_str()) {
                None => p.push(format!("{at}: stage `{}`: no step `{s}`", st.code)),
                Some(d) if !d.is_staff() => p.push(format!(
                    "{at}: stage `{}`: step `{s}` is not a staff step",
                    st.code
                )),
                Some(_) => {}
            }
            if !seen.insert(s.as_str()) {
                p.push(format!("{at}: step `{s}` is in two stages"));
            }
        }
    }
    match def.step(da.step.as_str()) {
        None => p.push(format!("{at}: no step `{}`", da.step)),
        Some(d) => {
            if !d.is_staff() || d.kind != StepKind::Decision {
                p.push(format!("{at}: step `{}` must be a staff decision", da.step));
            }
            if seen.contains(da.step.as_str()) {
                p.push(format!("{at}: step `{}` cannot be in a stage", da.step));
            }
            let records = d.outcomes.iter().any(|o| {
                o.effects
                    .iter()
                    .any(|e| matches!(e, super::Effect::RecordIssuance { .. }))
            });
            if !records {
                p.push(format!(
                    "{at}: step `{}` must record the issuance (effect record_issuance)",
                    da.step
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn shipped(code: &str) -> Value {
        let (_, permit, ..) = crate::catalogue::SHIPPED
            .iter()
            .find(|(c, ..)| *c == code)
            .unwrap();
        serde_json::from_str(permit).unwrap()
    }

    /// The problems of permit `code` after `edit`.
    fn problems_after(code: &str, edit: impl FnOnce(&mut Value)) -> Vec<String> {
        let mut v = shipped(code);
        edit(&mut v);
        let def: PermitDef = serde_json::from_value(v).unwrap();
        problems(&def, &Roles::shipped())
    }

    fn has(p: &[String], want: &str) -> bool {
        p.iter().any(|x| x.contains(want))
    }

    fn step_index(v: &Value, code: &str) -> usize {
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .position(|s| s["code"] == code)
            .unwrap()
    }

    #[test]
    fn the_shipped_permits_have_no_problems() {
        for (code, ..) in crate::catalogue::SHIPPED {
            assert_eq!(problems_after(code, |_| {}), Vec::<String>::new(), "{code}");
        }
    }

    #[test]
    fn steps_need_known_roles_functions_that_handle_them_and_outcomes() {
        let p = problems_after("kantor-kas-ksp", |v| {
            v["steps"][0]["role"] = json!("tukang_parkir");
            v["steps"][1]["function"] = json!("survey");
            v["steps"][2]["outcomes"] = json!([]);
            v["steps"][3]["code"] = v["steps"][4]["code"].clone();
        });
        assert!(
            has(
                &p,
                "step `front_office_verification`: unknown role `tukang_parkir`"
            ),
            "{p:?}"
        );
        assert!(has(&p, "no function handles this step"), "{p:?}");
        assert!(has(&p, "needs at least one outcome"), "{p:?}");
        assert!(has(&p, "codes are snake_case and unique"), "{p:?}");
    }

    #[test]
    fn an_applicant_step_needs_the_applicant_role() {
        let p = problems_after("kantor-kas-ksp", |v| {
            let i = step_index(v, "survey");
            v["steps"][i]["role"] = json!("front_office");
        });
        assert!(has(&p, "step `survey`: a Survey step needs"), "{p:?}");
    }

    #[test]
    fn effects_need_what_they_act_on() {
        // A refusal without a refusal letter; a fee on a free permit; a document made by a
        // function that does not render documents; a field an effect names that the step lacks.
        let p = problems_after("kantor-kas-ksp", |v| {
            v["letters"].as_object_mut().unwrap().remove("refusal");
            let i = step_index(v, "recommendation");
            v["steps"][i]["outcomes"][0]["effects"] = json!([
                {"type": "recommend", "verdict": "grant", "number_field": "nomor_tidak_ada"},
                {"type": "assess_fee", "amount_field": "recommendation_number"}
            ]);
            let d = step_index(v, "letter_drafting");
            v["steps"][d]["function"] = json!("verify");
        });
        assert!(has(&p, "refuses, but letters.refusal is missing"), "{p:?}");
        assert!(
            has(&p, "a fee is assessed, but the permit is free"),
            "{p:?}"
        );
        assert!(has(&p, "`nomor_tidak_ada` is not a"), "{p:?}");
        assert!(
            has(&p, "only the `sign` function renders documents"),
            "{p:?}"
        );
        let p = problems_after("pbg", |v| {
            v.as_object_mut().unwrap().remove("bill");
        });
        assert!(has(&p, "issue_bill needs the permit's `bill`"), "{p:?}");
    }

    #[test]
    fn rules_name_form_fields_of_the_right_type() {
        let p = problems_after("kantor-cabang-pembantu-ksp", |v| {
            v["rules"][1]["field"] = json!("sub_branch.members");
        });
        assert!(
            has(
                &p,
                "rule `min_members`: field `sub_branch.members` is not a form field"
            ),
            "{p:?}"
        );
        let p = problems_after("kantor-kas-ksp", |v| {
            v["rules"][1]["field"] = json!("cash_office.head_name");
            v["rules"][0]["from"] = json!("cash_office.address");
            v["rules"][0]["days"] = json!(10);
        });
        assert!(
            has(&p, "field `cash_office.head_name` is not a number"),
            "{p:?}"
        );
        assert!(
            has(&p, "`from` field `cash_office.address` is not a date"),
            "{p:?}"
        );
        assert!(has(&p, "give either `months` or `days`"), "{p:?}");
    }

    #[test]
    fn the_notice_channels_need_a_mobile_field_and_the_three_choices() {
        let field = |v: &mut Value, path: &str| -> usize {
            let secs = v["form"]["sections"].as_array().unwrap();
            for (si, sec) in secs.iter().enumerate() {
                if sec["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["path"] == path)
                {
                    return si;
                }
            }
            panic!("{path}")
        };
        let p = problems_after("kantor-kas-ksp", |v| {
            let si = field(v, "contact.phone");
            for f in v["form"]["sections"][si]["fields"].as_array_mut().unwrap() {
                if f["path"] == "contact.phone" {
                    f["type"] = json!("phone");
                }
                if f["path"] == "contact.notify_by" {
                    f["options"][0]["code"] = json!("fax");
                }
            }
            v["notices"]["file_complete"]["sms"] = json!("Berkas {nomor_berkas} lengkap.");
        });
        assert!(has(&p, "needs contact.phone to be a mobile field"), "{p:?}");
        assert!(
            has(&p, "its options are `email`, `sms` and `both`"),
            "{p:?}"
        );
        assert!(
            has(&p, "notice `file_complete` (sms): unknown placeholder"),
            "{p:?}"
        );
        let p = problems_after("pbg", |v| {
            v["contact"]["notify_by"] = json!("owner.name");
        });
        assert!(
            has(&p, "contact.notify_by `owner.name` is not a choice field"),
            "{p:?}"
        );
    }

    #[test]
    fn templates_may_only_name_known_facts() {
        let p = problems_after("kantor-kas-ksp", |v| {
            v["letters"]["grant"]["facts"][0]["value"] = json!("{application.nama_ketua}");
        });
        assert!(
            has(&p, "unknown placeholder `{application.nama_ketua}`"),
            "{p:?}"
        );
    }

    #[test]
    fn a_refusing_permit_says_how_to_object() {
        let p = problems_after("kantor-kas-ksp", |v| {
            v["letters"].as_object_mut().unwrap().remove("objection");
            v["letters"]["tembusan"][0] = json!("{agency.kepala}");
        });
        assert!(has(&p, "letters.objection: a permit that refuses"), "{p:?}");
        assert!(
            has(
                &p,
                "letters.tembusan: unknown placeholder `{agency.kepala}`"
            ),
            "{p:?}"
        );
        let p = problems_after("kantor-kas-ksp", |v| {
            v["letters"]["objection"]["working_days"] = json!(0);
        });
        assert!(has(&p, "working_days: at least 1"), "{p:?}");
    }

    #[test]
    fn requirements_and_clocks() {
        let p = problems_after("kantor-cabang-pembantu-ksp", |v| {
            let reqs = v["requirements"].as_array_mut().unwrap();
            let i = reqs
                .iter()
                .position(|r| r["code"] == "regional_head_approval")
                .unwrap();
            reqs[i]["required"] = json!({"when": {"field": "punya_cabang", "equals": false}});
            v["clocks"]["agency"]["days"] = json!(0);
        });
        assert!(
            has(&p, "condition on `punya_cabang`, which is not a form field"),
            "{p:?}"
        );
        assert!(has(&p, "clocks.agency: days must be above 0"), "{p:?}");
    }

    #[test]
    fn decision_fields_hold_no_personal_data_and_staff_steps_have_an_sla() {
        let p = problems_after("kantor-kas-ksp", |v| {
            let i = step_index(v, "technical_verification");
            v["steps"][i]["fields"][0]["personal"] = json!(true);
            v["steps"][i]["sla"] = json!({});
        });
        assert!(has(&p, "decision fields hold no personal data"), "{p:?}");
        assert!(has(&p, "a staff step needs sla"), "{p:?}");
    }
}
