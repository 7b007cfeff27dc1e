//! Reports for the office's heads (the `reports` function): the SLA report per period and step.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;
use crate::catalogue::Catalogue;
use crate::domain::deadlines::StepRecord;
use crate::domain::permit::{PermitDef, StepCode, StepKind};
use crate::domain::roles::Capability;
use crate::domain::time::{wita, wita_date};
use crate::domain::validation::{self, FieldError};
use crate::domain::{Caller, Role};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Who may read the office's reports: the roles with capability `reports` (`infra/roles.json`).
pub fn may_read_reports(caller: &Caller) -> ApiResult<()> {
    if caller.can(Capability::Reports) {
        Ok(())
    } else {
        Err(ApiError::ForbiddenOther(
            "Laporan hanya dapat dibuka oleh kepala seksi, kepala bidang dan kepala dinas.".into(),
        ))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// For CSV: `steps` (default) or `overdue`.
    pub table: Option<String>,
    /// Only this permit's cases.
    pub permit: Option<String>,
}

/// A period of WITA dates, both inclusive.
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub csv: bool,
    pub table: String,
    pub permit: Option<String>,
}

impl PeriodQuery {
    pub fn parse(self) -> ApiResult<Period> {
        let mut e = validation::Errors::default();
        let from = e.field("from", self.from, validation::date);
        let to = e.field("to", self.to, validation::date);
        let csv = match self.format.as_deref() {
            None | Some("json") => false,
            Some("csv") => true,
            Some(_) => {
                e.push(FieldError::new(
                    "format",
                    "invalid_choice",
                    "Gunakan json atau csv.",
                ));
                false
            }
        };
        let table = self.table.unwrap_or_else(|| "steps".into());
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            e.push(FieldError::new(
                "to",
                "invalid_period",
                "Tanggal akhir tidak boleh sebelum tanggal awal.",
            ));
        }
        match (e.is_empty(), from, to) {
            (true, Some(from), Some(to)) => Ok(Period {
                from,
                to,
                csv,
                table,
                permit: self.permit,
            }),
            _ => Err(ApiError::Validation(e.0)),
        }
    }
}

impl Period {
    /// The permits the report covers (`permit=` one of them, else all).
    pub fn permits<'a>(&self, catalogue: &'a Catalogue) -> ApiResult<Vec<&'a PermitDef>> {
        match &self.permit {
            None => Ok(catalogue.iter().map(|p| &p.def).collect()),
            Some(code) => catalogue.def(code).map(|d| vec![d]).ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    "permit",
                    "unknown_permit",
                    "Jenis izin tidak dikenal.",
                )])
            }),
        }
    }
}

impl Period {
    /// `[from 00:00 WITA, to + 1 day 00:00 WITA)` in UTC.
    pub fn instants(&self) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
        let start = |d: NaiveDate| {
            wita()
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .single()
                .expect("WITA has no gaps")
                .with_timezone(&Utc)
        };
        (
            start(self.from),
            start(self.to.succ_opt().unwrap_or(self.to)),
        )
    }
}

/// Median (the mean of the two middle values for an even count) of sorted values.
pub fn median(sorted: &[u32]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        _ => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

/// Nearest-rank percentile: the value at rank ⌈p/100 · n⌉ of sorted values.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[derive(Debug, Serialize)]
pub struct StepRow {
    pub permit: String,
    pub permit_name: String,
    pub step: StepCode,
    pub sop: String,
    pub title: String,
    pub role: Role,
    pub role_label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_days: Option<u32>,
    pub handled: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_days: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_days: Option<u32>,
    pub on_time: usize,
    /// Share handled on time, in percent (one decimal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_time_percent: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct OverdueRow {
    pub case_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
    pub permit: String,
    pub permit_name: String,
    pub step: StepCode,
    pub title: String,
    pub sop: String,
    pub role: Role,
    pub role_label: String,
    pub due_on: NaiveDate,
    pub working_days_late: u32,
}

/// The per-step rows of decided stays: every step with a deadline of each permit (the survey,
/// voluntary, is left out).
pub fn step_rows(records: &[StepRecord], permits: &[&PermitDef]) -> Vec<StepRow> {
    permits
        .iter()
        .flat_map(|def| {
            def.steps
                .iter()
                .filter(|st| st.kind != StepKind::Survey)
                .map(move |st| (*def, st))
        })
        .map(|(def, st)| {
            let mine = |r: &&StepRecord| r.permit == def.code && r.step == st.code;
            let mut days: Vec<u32> = records
                .iter()
                .filter(mine)
                .map(|r| r.working_days)
                .collect();
            days.sort_unstable();
            let on_time = records.iter().filter(mine).filter(|r| r.on_time).count();
            let handled = days.len();
            StepRow {
                permit: def.code.to_string(),
                permit_name: def.short_name.clone(),
                step: st.code.clone(),
                sop: st.sop.clone(),
                title: st.title.clone(),
                role: st.role.clone(),
                role_label: st.role.label(),
                target_days: st.sla.days,
                handled,
                median_days: median(&days),
                p90_days: percentile(&days, 90.0),
                on_time,
                on_time_percent: (handled > 0)
                    .then(|| (on_time as f64 * 1000.0 / handled as f64).round() / 10.0),
            }
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    let s = neutralized(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A cell a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return: CSV injection, OWASP) is prefixed with `'`, so that it stays text; a
/// number (`-3`, `-2.5`) is left as it is.
fn neutralized(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The byte order mark that makes spreadsheet programs read the file as UTF-8.
const UTF8_BOM: &str = "\u{feff}";

/// CSV (RFC 4180, UTF-8 with a byte order mark, CRLF line ends) from a header and rows; cells
/// that a spreadsheet would evaluate are neutralized ([`neutralized`]).
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from(UTF8_BOM);
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn csv_response(body: String, file_name: &str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&super::documents::attachment(file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// GET /reports/sla?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv[&table=overdue]]
pub async fn sla(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    may_read_reports(&caller)?;
    let period = q.parse()?;
    let (from, to) = period.instants();
    let permits = period.permits(&s.catalogue)?;
    let records = s.store.step_records_between(from, to).await?;
    let rows = step_rows(&records, &permits);
    let today = wita_date(s.clock.now());
    let yesterday = today.pred_opt().unwrap_or(today);
    let mut overdue = vec![];
    let codes: std::collections::BTreeSet<&StepCode> = permits
        .iter()
        .flat_map(|d| d.steps.iter())
        .filter(|st| st.kind != StepKind::Survey)
        .map(|st| &st.code)
        .collect();
    for code in codes {
        for case in s.store.cases_due_by(code, yesterday, 1000).await? {
            if case.step.as_ref() != Some(code) {
                continue;
            }
            let Some(def) = permits.iter().find(|d| d.code == case.permit_code) else {
                continue;
            };
            let (Some(due), Some(st)) = (case.step_due_on(), def.step(code.as_str())) else {
                continue;
            };
            overdue.push(OverdueRow {
                case_id: case.id.to_string(),
                registration_number: case.registration_number.as_ref().map(|r| r.to_string()),
                permit: def.code.to_string(),
                permit_name: def.short_name.clone(),
                step: code.clone(),
                title: st.title.clone(),
                sop: st.sop.clone(),
                role: st.role.clone(),
                role_label: st.role.label(),
                due_on: due,
                working_days_late: s.calendar.working_days_between(due, today).value,
            });
        }
    }
    overdue.sort_by(|a, b| (a.due_on, &a.case_id).cmp(&(b.due_on, &b.case_id)));
    if period.csv {
        let name = format!(
            "laporan-sla-{}-{}-{}.csv",
            period.table, period.from, period.to
        );
        let body = match period.table.as_str() {
            "overdue" => csv(
                &[
                    "nomor_pendaftaran",
                    "izin",
                    "tahap",
                    "sop",
                    "peran",
                    "batas_waktu",
                    "hari_kerja_terlambat",
                ],
                &overdue
                    .iter()
                    .map(|o| {
                        vec![
                            opt(o.registration_number.clone()),
                            o.permit_name.clone(),
                            o.title.clone(),
                            o.sop.clone(),
                            o.role.label(),
                            o.due_on.to_string(),
                            o.working_days_late.to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            "steps" => csv(
                &[
                    "izin",
                    "tahap",
                    "sop",
                    "peran",
                    "target_hari_kerja",
                    "ditangani",
                    "median_hari_kerja",
                    "p90_hari_kerja",
                    "tepat_waktu",
                    "persen_tepat_waktu",
                ],
                &rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.permit_name.clone(),
                            r.title.clone(),
                            r.sop.clone(),
                            r.role.label(),
                            opt(r.target_days),
                            r.handled.to_string(),
                            opt(r.median_days),
                            opt(r.p90_days),
                            r.on_time.to_string(),
                            opt(r.on_time_percent),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "table",
                    "invalid_choice",
                    "Gunakan steps atau overdue.",
                )]));
            }
        };
        return Ok(csv_response(body, &name));
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "permit": period.permit,
        "generated_at": s.clock.now(),
        "steps": rows,
        "overdue": overdue,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_worked_example() {
        // Ten stays of 1..10 working days: median (5 + 6) / 2 = 5.5; p90 = rank ⌈0.9·10⌉ = 9th
        // value = 9.
        let v: Vec<u32> = (1..=10).collect();
        assert_eq!(median(&v), Some(5.5));
        assert_eq!(percentile(&v, 90.0), Some(9));
        // Odd count: 1, 2, 9 → median 2, p90 rank ⌈2.7⌉ = 3 → 9.
        assert_eq!(median(&[1, 2, 9]), Some(2.0));
        assert_eq!(percentile(&[1, 2, 9], 90.0), Some(9));
        assert_eq!(median(&[]), None);
        assert_eq!(percentile(&[], 90.0), None);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let out = csv(&["a", "b"], &[vec!["x,y".into(), "say \"hi\"".into()]]);
        assert_eq!(out, "\u{feff}a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
    }

    #[test]
    fn formulas_stay_text_and_numbers_stay_numbers() {
        let out = csv(
            &["x"],
            &[
                vec!["=1+1".into()],
                vec!["@SUM(A1:A2)".into()],
                vec!["+62 812".into()],
                vec!["-cmd|' /C calc'!A0".into()],
                vec!["\t=1".into()],
                vec!["-3".into()],
                vec!["-2.5".into()],
                vec!["87.04".into()],
                vec!["a=b".into()],
            ],
        );
        let lines: Vec<&str> = out.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "x",
                "'=1+1",
                "'@SUM(A1:A2)",
                "'+62 812",
                "'-cmd|' /C calc'!A0",
                "'\t=1",
                "-3",
                "-2.5",
                "87.04",
                "a=b",
                ""
            ]
        );
    }
}

/// Who may read the complaints report: the heads and the complaints officer.
fn may_read_complaints(caller: &Caller) -> ApiResult<()> {
    if caller.can(Capability::Complaints) {
        return Ok(());
    }
    may_read_reports(caller)
}

#[derive(Debug, Serialize)]
pub struct Count {
    pub code: String,
    pub label: String,
    pub count: usize,
}

fn counts<K: Ord + Copy>(
    items: impl Iterator<Item = K>,
    all: &[K],
    code: impl Fn(K) -> String,
    label: impl Fn(K) -> String,
) -> Vec<Count> {
    let mut m = std::collections::BTreeMap::new();
    for k in items {
        *m.entry(k).or_insert(0usize) += 1;
    }
    all.iter()
        .map(|k| Count {
            code: code(*k),
            label: label(*k),
            count: m.get(k).copied().unwrap_or(0),
        })
        .collect()
}

/// GET /reports/complaints?from&to[&format=csv[&table=late]] — complaints filed in the period:
/// counts per channel, kind, follow-up type and outcome, median resolution time (calendar days,
/// filed to closed), the open and the late ones. No personal data, no complaint text.
pub async fn complaints(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    use crate::domain::complaints::{Channel, ComplaintStatus, FollowUpType, Kind};
    may_read_complaints(&caller)?;
    let period = q.parse()?;
    let (from, to) = period.instants();
    let list = s.store.complaints_filed_between(from, to).await?;
    let today = wita_date(s.clock.now());
    let per_channel = counts(
        list.iter().map(|c| c.channel),
        &Channel::ALL,
        |c| c.code().into(),
        |c| c.label().into(),
    );
    let per_kind = counts(
        list.iter().map(|c| c.kind),
        &[Kind::Complaint, Kind::Suggestion, Kind::Input],
        |k| {
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        },
        |k| k.label().into(),
    );
    let per_follow_up = counts(
        list.iter().flat_map(|c| {
            let mut t: Vec<FollowUpType> =
                c.follow_ups.iter().flat_map(|f| f.types.clone()).collect();
            t.sort();
            t.dedup();
            t
        }),
        &FollowUpType::ALL,
        |t| t.code().into(),
        |t| t.label().into(),
    );
    let outcome_of = |c: &crate::domain::complaints::Complaint| -> &'static str {
        use crate::domain::complaints::ClosedAs;
        match (c.status, c.closure(), c.outcome()) {
            (ComplaintStatus::Open, _, _) => "open",
            (_, Some(ClosedAs::Incomplete), _) => "closed_incomplete",
            (_, Some(ClosedAs::OutsideAuthority), _) => "outside_authority",
            (_, _, Some("satisfied")) => "satisfied",
            (_, _, Some("unreachable")) => "unreachable",
            _ => "closed",
        }
    };
    let outcome_labels = [
        ("satisfied", "Selesai, pengadu puas"),
        ("unreachable", "Selesai, pengadu tidak dapat dihubungi"),
        (
            "closed_incomplete",
            "Ditutup, tidak dilengkapi pengadu (tidak ditindaklanjuti)",
        ),
        (
            "outside_authority",
            "Ditutup, di luar kewenangan (diteruskan ke instansi lain)",
        ),
        ("open", "Dalam penanganan"),
    ];
    let per_outcome: Vec<Count> = outcome_labels
        .iter()
        .map(|(code, label)| Count {
            code: (*code).into(),
            label: (*label).into(),
            count: list.iter().filter(|c| outcome_of(c) == *code).count(),
        })
        .collect();
    let dissatisfied_rounds = list
        .iter()
        .map(|c| {
            c.satisfaction
                .iter()
                .filter(|r| r.outcome == "dissatisfied")
                .count()
        })
        .sum::<usize>();
    let with_dinas_koperasi = list
        .iter()
        .filter(|c| c.follow_ups.iter().any(|f| f.with_dinas_koperasi))
        .count();
    let mut days: Vec<u32> = list
        .iter()
        .filter_map(|c| {
            c.closed_at
                .map(|t| (t - c.filed_at).num_days().max(0) as u32)
        })
        .collect();
    days.sort_unstable();
    let late: Vec<Value> = list
        .iter()
        .filter_map(|c| {
            let due = c.due_on?;
            let done = c.closed_at.map(wita_date);
            let is_late = match done {
                Some(d) => d > due,
                None => today > due,
            };
            is_late.then(|| {
                json!({
                    "tracking_code": c.tracking_code,
                    "channel": c.channel.label(),
                    "due_on": due,
                    "closed_on": done,
                    "open": c.status == ComplaintStatus::Open,
                })
            })
        })
        .collect();
    if period.csv {
        let name = format!(
            "laporan-pengaduan-{}-{}-{}.csv",
            period.table, period.from, period.to
        );
        let body = match period.table.as_str() {
            "steps" | "summary" => {
                let mut rows = vec![];
                for (dim, list) in [
                    ("saluran", &per_channel),
                    ("jenis", &per_kind),
                    ("tindak_lanjut", &per_follow_up),
                    ("hasil", &per_outcome),
                ] {
                    for c in list {
                        rows.push(vec![
                            dim.to_string(),
                            c.code.clone(),
                            c.label.clone(),
                            c.count.to_string(),
                        ]);
                    }
                }
                rows.push(vec![
                    "jumlah".into(),
                    "total".into(),
                    "Jumlah pengaduan".into(),
                    list.len().to_string(),
                ]);
                csv(&["dimensi", "kode", "uraian", "jumlah"], &rows)
            }
            "late" => csv(
                &[
                    "kode_pelacakan",
                    "saluran",
                    "batas_waktu",
                    "tanggal_selesai",
                ],
                &late
                    .iter()
                    .map(|l| {
                        vec![
                            l["tracking_code"].as_str().unwrap_or("").to_string(),
                            l["channel"].as_str().unwrap_or("").to_string(),
                            l["due_on"].as_str().unwrap_or("").to_string(),
                            l["closed_on"].as_str().unwrap_or("").to_string(),
                        ]
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "table",
                    "invalid_choice",
                    "Gunakan summary atau late.",
                )]));
            }
        };
        return Ok(csv_response(body, &name));
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "total": list.len(),
        "per_channel": per_channel,
        "per_kind": per_kind,
        "per_follow_up": per_follow_up,
        "per_outcome": per_outcome,
        "dissatisfied_rounds": dissatisfied_rounds,
        "with_dinas_koperasi": with_dinas_koperasi,
        "median_resolution_days": median(&days),
        "open": list.iter().filter(|c| c.status == ComplaintStatus::Open).count(),
        "late": late,
    }))
    .into_response())
}

/// GET /reports/ikm?from&to[&format=csv] — the satisfaction index of the period
/// (PermenPANRB 14/2017): NRR per element, IKM, band, respondents, suggestions (without names).
pub async fn ikm(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    may_read_reports(&caller)?;
    let period = q.parse()?;
    let (from, to) = period.instants();
    period.permits(&s.catalogue)?;
    let mut responses = s.store.surveys_between(from, to).await?;
    if let Some(p) = &period.permit {
        responses.retain(|r| r.permit.as_str() == p);
    }
    let index = crate::domain::survey::ikm(&responses);
    let suggestions: Vec<&str> = responses
        .iter()
        .filter_map(|r| r.suggestion.as_deref())
        .collect();
    if period.csv {
        let mut rows: Vec<Vec<String>> = vec![];
        if let Some(i) = &index {
            for e in &i.elements {
                rows.push(vec![
                    e.code.to_uppercase(),
                    e.name.to_string(),
                    format!("{:.4}", e.nrr),
                    format!("{:.4}", e.weighted),
                ]);
            }
            rows.push(vec![
                "IKM".into(),
                format!(
                    "Mutu {} ({})",
                    i.band_label,
                    serde_json::to_value(i.band)
                        .ok()
                        .and_then(|b| b.as_str().map(String::from))
                        .unwrap_or_default()
                ),
                format!("{:.2}", i.ikm),
                String::new(),
            ]);
            rows.push(vec![
                "RESPONDEN".into(),
                "Jumlah responden".into(),
                i.respondents.to_string(),
                String::new(),
            ]);
        }
        return Ok(csv_response(
            csv(&["unsur", "uraian", "nilai", "nilai_tertimbang"], &rows),
            &format!("laporan-ikm-{}-{}.csv", period.from, period.to),
        ));
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "permit": period.permit,
        "source": "Peraturan Menteri PANRB Nomor 14 Tahun 2017",
        "respondents": responses.len(),
        "index": index,
        "suggestions": suggestions,
    }))
    .into_response())
}

/// Most events one security report lists.
const SECURITY_REPORT_LIMIT: usize = 5000;

/// The security log: refused requests (401, 403) in a period, oldest first — who (subject and
/// roles), what (method, route, path, problem code) and when, with request id and source.
pub async fn security(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Json<Value>> {
    if !caller.can(Capability::SecurityLog) {
        return Err(ApiError::ForbiddenOther(
            "Log keamanan hanya dapat dibuka oleh kepala bidang dan kepala dinas.".into(),
        ));
    }
    let period = q.parse()?;
    let (from, to) = period.instants();
    let events = s
        .security_log
        .security_events(from, to, SECURITY_REPORT_LIMIT + 1)
        .await?;
    let truncated = events.len() > SECURITY_REPORT_LIMIT;
    let items: Vec<Value> = events
        .into_iter()
        .take(SECURITY_REPORT_LIMIT)
        .map(|e| {
            json!({
                "id": e.id,
                "at": e.at,
                "sub": e.sub,
                "roles": e.roles,
                "method": e.method,
                "route": e.route,
                "path": e.path,
                "status": e.status,
                "code": e.code,
                "request_id": e.request_id,
                "source_ip": e.source_ip,
            })
        })
        .collect();
    Ok(Json(json!({
        "from": period.from,
        "to": period.to,
        "count": items.len(),
        "truncated": truncated,
        "items": items,
    })))
}
