//! Reports for the office's heads (the `reports` function): the SLA report per period and step.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::QueryParams;
use crate::catalogue::Catalogue;
use crate::domain::deadlines::StepRecord;
use crate::domain::office::OfficeCode;
use crate::domain::permit::{PermitDef, StepCode, StepKind};
use crate::domain::roles::Capability;
use crate::domain::time::{wita_date, wita_start_of};
use crate::domain::validation::{self, FieldError};
use crate::domain::{Caller, Role};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Whose records a report covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportScope {
    /// One office's (its heads', or a cross-office viewer's choice: `office=`).
    Office(OfficeCode),
    /// Every office of the deployment, counted together (a cross-office viewer's default).
    AllOffices,
}

impl ReportScope {
    pub fn covers(&self, office: &OfficeCode) -> bool {
        match self {
            ReportScope::Office(o) => o == office,
            ReportScope::AllOffices => true,
        }
    }

    /// The offices covered, for the index queries that are per office.
    pub fn offices(&self, s: &AppState) -> Vec<OfficeCode> {
        match self {
            ReportScope::Office(o) => vec![o.clone()],
            ReportScope::AllOffices => s.offices.iter().map(|o| o.code().clone()).collect(),
        }
    }

    /// `office` of the answer: the code, or `null` for all offices.
    pub fn code(&self) -> Option<&OfficeCode> {
        match self {
            ReportScope::Office(o) => Some(o),
            ReportScope::AllOffices => None,
        }
    }
}

/// Whose reports the caller reads, and of which office (`office=`): the heads of an office
/// (capability `reports`) their own office's — another office's is a 404, as an unknown
/// one; a cross-office viewer (capability `reports_all_offices`: a province's or the
/// ministry's monitoring) any office's, or all offices together by default. Nobody else.
pub fn may_read_reports(
    s: &AppState,
    caller: &Caller,
    requested: Option<&str>,
) -> ApiResult<ReportScope> {
    // `office=` with nothing after it names no office.
    let requested = requested.map(str::trim).filter(|c| !c.is_empty());
    if caller.can(Capability::ReportsAllOffices) {
        return match requested {
            None => Ok(ReportScope::AllOffices),
            Some(c) => crate::domain::office::OfficeCode::parse(c)
                .filter(|c| s.offices.get(c).is_some())
                .map(ReportScope::Office)
                .ok_or_else(|| {
                    ApiError::Validation(vec![FieldError::new(
                        "office",
                        "unknown_office",
                        "Kantor tidak dikenal (lihat GET /offices).",
                    )])
                }),
        };
    }
    if !caller.can(Capability::Reports) {
        return Err(ApiError::ForbiddenOther(
            "Laporan hanya dapat dibuka oleh kepala seksi, kepala bidang dan kepala dinas.".into(),
        ));
    }
    own_office(caller, requested)
}

/// The caller's own office, where `requested` names it or nothing; another office: 404.
fn own_office(caller: &Caller, requested: Option<&str>) -> ApiResult<ReportScope> {
    let requested = requested.map(str::trim).filter(|c| !c.is_empty());
    let own = ApiError::office_of(caller)?;
    match requested {
        None => Ok(ReportScope::Office(own)),
        Some(c) if c == own.as_str() => Ok(ReportScope::Office(own)),
        Some(_) => Err(ApiError::NotFound),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
    /// For CSV and XLSX: which table (the SLA's `steps` (default) or `overdue`, the
    /// complaints' `summary` (default) or `late`).
    pub table: Option<String>,
    /// Only this permit's cases.
    pub permit: Option<String>,
    /// Only this office's (a cross-office viewer's choice; an office's heads: their own).
    pub office: Option<String>,
}

/// A period of WITA dates, both inclusive.
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub format: ReportFormat,
    pub table: String,
    pub permit: Option<String>,
    pub office: Option<String>,
}

impl PeriodQuery {
    pub fn parse(self) -> ApiResult<Period> {
        let mut e = validation::Errors::default();
        let from = e.field("from", self.from, validation::date);
        let to = e.field("to", self.to, validation::date);
        let format = match self.format.as_deref() {
            None | Some("json") => ReportFormat::Json,
            Some("csv") => ReportFormat::Csv,
            Some("xlsx") => ReportFormat::Xlsx,
            Some(_) => {
                e.push(FieldError::new(
                    "format",
                    "invalid_choice",
                    "Gunakan json, csv atau xlsx.",
                ));
                ReportFormat::Json
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
                format,
                table,
                permit: self.permit,
                office: self.office,
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
        (
            wita_start_of(self.from),
            wita_start_of(self.to.succ_opt().unwrap_or(self.to)),
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

/// How a report is served: `format=json` (the default), `csv` or `xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
}

impl ReportFormat {
    /// The file name's extension of a download (`None` for JSON).
    fn extension(self) -> Option<&'static str> {
        match self {
            ReportFormat::Json => None,
            ReportFormat::Csv => Some("csv"),
            ReportFormat::Xlsx => Some("xlsx"),
        }
    }
}

/// One cell of a report table, typed: CSV writes its text, XLSX a cell of the same type.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text as entered or named in the catalogue: a string cell in XLSX (never a formula).
    Text(String),
    /// A WITA date: ISO 8601 in CSV, an Excel date in XLSX.
    Date(NaiveDate),
    Int(i64),
    /// A decimal: with `places`, exactly that many digits in CSV and XLSX's value rounded to
    /// them (number format `0.00…`); without, the shortest text that reads back as the value.
    Decimal {
        value: f64,
        places: Option<usize>,
    },
    /// No value (an unset target, no stays to measure): an empty field or cell.
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }

    pub fn int(n: impl Into<i64>) -> Cell {
        Cell::Int(n.into())
    }

    pub fn opt_int(n: Option<impl Into<i64>>) -> Cell {
        n.map_or(Cell::Empty, Cell::int)
    }

    pub fn count(n: usize) -> Cell {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    pub fn opt_date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// A decimal written as briefly as it reads back (`2`, `2.5`, `50`).
    pub fn opt_decimal(v: Option<f64>) -> Cell {
        v.map_or(Cell::Empty, |value| Cell::Decimal {
            value,
            places: None,
        })
    }

    /// A decimal with a fixed number of digits after the point (`3.0000`, `87.04`).
    pub fn fixed(value: f64, places: usize) -> Cell {
        Cell::Decimal {
            value,
            places: Some(places),
        }
    }

    /// The cell as CSV writes it, before quoting and neutralization.
    fn plain(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Date(d) => Cow::Owned(d.to_string()),
            Cell::Int(n) => Cow::Owned(n.to_string()),
            Cell::Decimal {
                value,
                places: None,
            } => Cow::Owned(value.to_string()),
            Cell::Decimal {
                value,
                places: Some(p),
            } => Cow::Owned(format!("{value:.p$}")),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

/// A report table: the one model both CSV and XLSX are written from, so their columns agree.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The worksheet's name in XLSX (Indonesian, at most 31 characters).
    pub sheet: &'static str,
    /// The header row (the same in CSV and XLSX).
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The number format of date cells in XLSX.
pub const XLSX_DATE_FORMAT: &str = "dd/mm/yyyy";
/// The media type of an XLSX file.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Table {
    pub fn new(sheet: &'static str, headers: &[&'static str]) -> Table {
        debug_assert!(sheet.chars().count() <= 31, "sheet name too long: {sheet}");
        Table {
            sheet,
            headers: headers.to_vec(),
            rows: vec![],
        }
    }

    /// Adds a row: one cell per header.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.headers.len(), "{row:?}");
        self.rows.push(row);
    }

    /// CSV (RFC 4180, UTF-8 with a byte order mark, CRLF line ends); cells that a spreadsheet
    /// would evaluate are neutralized ([`neutralized`]).
    pub fn to_csv(&self) -> String {
        let mut out = String::from(UTF8_BOM);
        out.push_str(&self.headers.join(","));
        out.push_str("\r\n");
        for r in &self.rows {
            let line: Vec<String> = r.iter().map(|c| csv_field(&c.plain())).collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// An XLSX workbook of one worksheet: the header row bold and frozen, dates as Excel dates
    /// ([`XLSX_DATE_FORMAT`]), numbers as numbers, text as string cells exactly as given (a text
    /// starting with `=` stays text: no neutralization is needed), columns as wide as their
    /// longest cell (within 8–60 characters).
    pub fn to_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name(self.sheet)?;
        let bold = Format::new().set_bold();
        let date = Format::new().set_num_format(XLSX_DATE_FORMAT);
        let mut fixed: std::collections::BTreeMap<usize, Format> = Default::default();
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column(c), *h, &bold)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1)
                .map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
            for (c, cell) in row.iter().enumerate() {
                let c = column(c);
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Date(d) => {
                        let d = ExcelDateTime::from_ymd(
                            u16::try_from(d.year()).map_err(|_| {
                                rust_xlsxwriter::XlsxError::DateTimeRangeError(d.to_string())
                            })?,
                            d.month() as u8,
                            d.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(r, c, d, &date)?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Cell::Decimal {
                        value,
                        places: None,
                    } => {
                        sheet.write_number(r, c, *value)?;
                    }
                    Cell::Decimal {
                        value,
                        places: Some(p),
                    } => {
                        let format = fixed.entry(*p).or_insert_with(|| {
                            Format::new().set_num_format(format!("0.{}", "0".repeat(*p)))
                        });
                        let scale = 10f64.powi(i32::try_from(*p).unwrap_or(15));
                        sheet.write_number_with_format(
                            r,
                            c,
                            (value * scale).round() / scale,
                            format,
                        )?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        for (c, w) in self.column_widths().into_iter().enumerate() {
            sheet.set_column_width(column(c), w)?;
        }
        book.save_to_buffer()
    }

    /// Each column's width in characters: its longest cell or header, plus 2, within 8–60.
    pub fn column_widths(&self) -> Vec<f64> {
        self.headers
            .iter()
            .enumerate()
            .map(|(c, h)| {
                let longest = self
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| match cell {
                        Cell::Date(_) => XLSX_DATE_FORMAT.len(),
                        other => other.plain().chars().count(),
                    })
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0);
                (longest + 2).clamp(8, 60) as f64
            })
            .collect()
    }

    /// The table as a download of `format`, named `{stem}.csv` or `{stem}.xlsx`.
    pub fn response(&self, format: ReportFormat, stem: &str) -> ApiResult<Response> {
        let (body, content_type) = match format {
            ReportFormat::Csv => (
                self.to_csv().into_bytes(),
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            ReportFormat::Xlsx => (
                self.to_xlsx()
                    .map_err(|e| ApiError::Internal(format!("xlsx: {e}")))?,
                HeaderValue::from_static(XLSX_CONTENT_TYPE),
            ),
            ReportFormat::Json => {
                return Err(ApiError::Internal("a table is no JSON report".into()));
            }
        };
        let name = format!("{stem}.{}", format.extension().unwrap_or("bin"));
        let mut resp = body.into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, content_type);
        if let Ok(v) = HeaderValue::from_str(&super::documents::attachment(&name)) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(resp)
    }
}

/// A column index as the XLSX writer takes it (report tables have a handful of columns).
fn column(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
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

/// The SLA report's per-step table (`table=steps`).
pub fn sla_steps_table(rows: &[StepRow]) -> Table {
    let mut t = Table::new(
        "SLA per tahap",
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
    );
    for r in rows {
        t.push(vec![
            Cell::text(&r.permit_name),
            Cell::text(&r.title),
            Cell::text(&r.sop),
            Cell::text(r.role.label()),
            Cell::opt_int(r.target_days),
            Cell::count(r.handled),
            Cell::opt_decimal(r.median_days),
            Cell::opt_int(r.p90_days),
            Cell::count(r.on_time),
            Cell::opt_decimal(r.on_time_percent),
        ]);
    }
    t
}

/// The SLA report's overdue cases (`table=overdue`).
pub fn sla_overdue_table(overdue: &[OverdueRow]) -> Table {
    let mut t = Table::new(
        "Berkas terlambat",
        &[
            "nomor_pendaftaran",
            "izin",
            "tahap",
            "sop",
            "peran",
            "batas_waktu",
            "hari_kerja_terlambat",
        ],
    );
    for o in overdue {
        t.push(vec![
            Cell::opt_text(o.registration_number.clone()),
            Cell::text(&o.permit_name),
            Cell::text(&o.title),
            Cell::text(&o.sop),
            Cell::text(o.role.label()),
            Cell::Date(o.due_on),
            Cell::int(o.working_days_late),
        ]);
    }
    t
}

/// GET /reports/sla?from=YYYY-MM-DD&to=YYYY-MM-DD[&format=csv|xlsx[&table=overdue]]
pub async fn sla(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    let period = q.parse()?;
    let scope = may_read_reports(&s, &caller, period.office.as_deref())?;
    let (from, to) = period.instants();
    let permits = period.permits(&s.catalogue)?;
    let mut records = s.store.step_records_between(from, to).await?;
    records.retain(|r| scope.covers(&r.office));
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
    let offices = scope.offices(&s);
    let pairs: Vec<(&OfficeCode, &StepCode)> = offices
        .iter()
        .flat_map(|o| codes.iter().map(move |c| (o, *c)))
        .collect();
    for (office, code) in pairs {
        for case in s.store.cases_due_by(office, code, yesterday, 1000).await? {
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
                working_days_late: s.calendar_of(&case).working_days_between(due, today).value,
            });
        }
    }
    overdue.sort_by(|a, b| (a.due_on, &a.case_id).cmp(&(b.due_on, &b.case_id)));
    if period.format != ReportFormat::Json {
        let table = match period.table.as_str() {
            "overdue" => sla_overdue_table(&overdue),
            "steps" => sla_steps_table(&rows),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "table",
                    "invalid_choice",
                    "Gunakan steps atau overdue.",
                )]));
            }
        };
        let stem = format!("laporan-sla-{}-{}-{}", period.table, period.from, period.to);
        return table.response(period.format, &stem);
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "office": scope.code(),
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

    /// A one-column table of text cells.
    fn texts(cells: &[&str]) -> Table {
        let mut t = Table::new("Uji", &["x"]);
        for c in cells {
            t.push(vec![Cell::text(*c)]);
        }
        t
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut t = Table::new("Uji", &["a", "b"]);
        t.push(vec![Cell::text("x,y"), Cell::text("say \"hi\"")]);
        assert_eq!(t.to_csv(), "\u{feff}a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\n");
    }

    #[test]
    fn formulas_stay_text_and_numbers_stay_numbers() {
        let out = texts(&[
            "=1+1",
            "@SUM(A1:A2)",
            "+62 812",
            "-cmd|' /C calc'!A0",
            "\t=1",
            "-3",
            "-2.5",
            "87.04",
            "a=b",
        ])
        .to_csv();
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

    #[test]
    fn typed_cells_are_written_in_csv_as_before() {
        let mut t = Table::new("Uji", &["d", "i", "m", "p", "f2", "f4", "e", "n"]);
        t.push(vec![
            Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()),
            Cell::int(-3),
            Cell::opt_decimal(Some(2.0)),
            Cell::opt_decimal(Some(66.7)),
            Cell::fixed(87.04, 2),
            Cell::fixed(1.0 / 3.0, 4),
            Cell::opt_int(None::<u32>),
            Cell::opt_decimal(None),
        ]);
        assert_eq!(
            t.to_csv(),
            "\u{feff}d,i,m,p,f2,f4,e,n\r\n2026-03-10,-3,2,66.7,87.04,0.3333,,\r\n"
        );
    }

    fn step_row() -> StepRow {
        StepRow {
            permit: "kantor-kas-ksp".into(),
            permit_name: "Izin Pembukaan Kantor Kas KSP".into(),
            step: StepCode::new("front_office_verification"),
            sop: "g".into(),
            title: "Verifikasi pendaftaran oleh petugas front office".into(),
            role: Role::new("front_office"),
            role_label: Role::new("front_office").label(),
            target_days: Some(1),
            handled: 2,
            median_days: Some(2.0),
            p90_days: Some(3),
            on_time: 1,
            on_time_percent: Some(50.0),
        }
    }

    /// The SLA table's CSV is byte for byte what the report wrote before the table model.
    #[test]
    fn sla_steps_csv_is_unchanged() {
        let mut unmeasured = step_row();
        unmeasured.handled = 0;
        unmeasured.on_time = 0;
        unmeasured.median_days = None;
        unmeasured.p90_days = None;
        unmeasured.on_time_percent = None;
        unmeasured.target_days = None;
        assert_eq!(
            sla_steps_table(&[step_row(), unmeasured]).to_csv(),
            "\u{feff}izin,tahap,sop,peran,target_hari_kerja,ditangani,median_hari_kerja,\
             p90_hari_kerja,tepat_waktu,persen_tepat_waktu\r\n\
             Izin Pembukaan Kantor Kas KSP,Verifikasi pendaftaran oleh petugas front office,g,\
             Petugas Front Office,1,2,2,3,1,50\r\n\
             Izin Pembukaan Kantor Kas KSP,Verifikasi pendaftaran oleh petugas front office,g,\
             Petugas Front Office,,0,,,0,\r\n"
        );
    }

    #[test]
    fn the_tables_have_typed_columns_and_short_sheet_names() {
        let due = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let overdue = sla_overdue_table(&[OverdueRow {
            case_id: "c1".into(),
            registration_number: None,
            permit: "kantor-kas-ksp".into(),
            permit_name: "=1+1".into(),
            step: StepCode::new("front_office_verification"),
            title: "Verifikasi".into(),
            sop: "g".into(),
            role: Role::new("front_office"),
            role_label: Role::new("front_office").label(),
            due_on: due,
            working_days_late: 2,
        }]);
        assert_eq!(
            overdue.rows[0],
            [
                Cell::Empty,
                Cell::text("=1+1"),
                Cell::text("Verifikasi"),
                Cell::text("g"),
                Cell::text("Petugas Front Office"),
                Cell::Date(due),
                Cell::Int(2),
            ]
        );
        let late = complaints_late_table(&[LateComplaint {
            tracking_code: "ADU-AAAAA-BBBBB".into(),
            channel: "Portal Perizinan Digital",
            due_on: due,
            closed_on: None,
            open: true,
        }]);
        assert_eq!(late.rows[0][2], Cell::Date(due));
        assert_eq!(late.rows[0][3], Cell::Empty);
        let counts = vec![Count {
            code: "portal".into(),
            label: "Portal".into(),
            count: 2,
        }];
        let summary = complaints_summary_table(&[("saluran", &counts)], 2);
        assert_eq!(
            summary.to_csv(),
            "\u{feff}dimensi,kode,uraian,jumlah\r\nsaluran,portal,Portal,2\r\n\
             jumlah,total,Jumlah pengaduan,2\r\n"
        );
        assert!(ikm_table(None).rows.is_empty());
        for t in [
            sla_steps_table(&[]),
            overdue,
            late,
            summary,
            ikm_table(None),
        ] {
            assert!(t.sheet.chars().count() <= 31, "{}", t.sheet);
            assert!(t.rows.iter().all(|r| r.len() == t.headers.len()));
        }
    }

    #[test]
    fn column_widths_follow_the_longest_cell() {
        let mut t = Table::new("Uji", &["a", "tanggal", "uraian"]);
        t.push(vec![
            Cell::Int(1),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()),
            Cell::text("x".repeat(100)),
        ]);
        assert_eq!(t.column_widths(), [8.0, 12.0, 60.0]);
    }

    /// One part of an XLSX file (a zip archive), as text.
    fn xlsx_part(xlsx: &[u8], name: &str) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("a zip archive");
        let mut part = zip.by_name(name).expect(name);
        let mut out = String::new();
        part.read_to_string(&mut out).expect("UTF-8 XML");
        out
    }

    #[test]
    fn xlsx_has_a_frozen_bold_header_typed_cells_and_text_that_is_never_a_formula() {
        let mut t = Table::new(
            "Berkas terlambat",
            &["izin", "batas_waktu", "jumlah", "nilai"],
        );
        t.push(vec![
            Cell::text("=1+1"),
            Cell::Date(NaiveDate::from_ymd_opt(2026, 3, 10).unwrap()),
            Cell::Int(7),
            Cell::fixed(1.0 / 3.0, 4),
        ]);
        let xlsx = t.to_xlsx().expect("an XLSX file");
        assert!(xlsx.starts_with(b"PK"), "a zip archive");
        let book = xlsx_part(&xlsx, "xl/workbook.xml");
        assert!(book.contains(r#"<sheet name="Berkas terlambat""#), "{book}");
        let sheet = xlsx_part(&xlsx, "xl/worksheets/sheet1.xml");
        assert!(
            sheet.contains(
                r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
            ),
            "{sheet}"
        );
        assert!(!sheet.contains("<f>"), "no formula: {sheet}");
        // A1 (the header) and A2 (the text) are shared strings; B2 is 10 March 2026 as an
        // Excel serial date (46091), C2 and D2 numbers (D2 rounded to its four digits).
        assert!(sheet.contains(r#"<c r="A2" t="s""#), "{sheet}");
        assert!(sheet.contains("<v>46091</v>"), "{sheet}");
        assert!(sheet.contains("<c r=\"C2\"><v>7</v></c>"), "{sheet}");
        assert!(sheet.contains("<v>0.3333</v>"), "{sheet}");
        let strings = xlsx_part(&xlsx, "xl/sharedStrings.xml");
        assert!(
            strings.contains("<t>=1+1</t>"),
            "exact, not neutralized: {strings}"
        );
        assert!(!strings.contains("'=1+1"), "{strings}");
        let styles = xlsx_part(&xlsx, "xl/styles.xml");
        assert!(styles.contains(r#"formatCode="dd/mm/yyyy""#), "{styles}");
        assert!(styles.contains(r#"formatCode="0.0000""#), "{styles}");
        assert!(styles.contains("<b/>"), "a bold header: {styles}");
    }

    #[test]
    fn unknown_formats_list_xlsx() {
        let q = PeriodQuery {
            from: Some("2026-03-01".into()),
            to: Some("2026-03-31".into()),
            format: Some("ods".into()),
            table: None,
            permit: None,
            office: None,
        };
        let Err(ApiError::Validation(e)) = q.parse() else {
            panic!("ods is refused");
        };
        assert_eq!(e[0].field, "format");
        assert_eq!(e[0].code, "invalid_choice");
        assert!(e[0].detail.contains("xlsx"), "{}", e[0].detail);
        for (f, want) in [
            (None, ReportFormat::Json),
            (Some("csv"), ReportFormat::Csv),
            (Some("xlsx"), ReportFormat::Xlsx),
        ] {
            let q = PeriodQuery {
                from: Some("2026-03-01".into()),
                to: Some("2026-03-31".into()),
                format: f.map(String::from),
                table: None,
                permit: None,
                office: None,
            };
            assert_eq!(q.parse().ok().map(|p| p.format), Some(want));
        }
    }
}

/// Who may read the complaints report: the heads and the complaints officer.
fn may_read_complaints(
    s: &AppState,
    caller: &Caller,
    requested: Option<&str>,
) -> ApiResult<ReportScope> {
    if caller.can(Capability::Complaints) && !caller.can(Capability::Reports) {
        return own_office(caller, requested);
    }
    may_read_reports(s, caller, requested)
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

/// GET /reports/complaints?from&to[&format=csv|xlsx[&table=late]] — complaints filed in the period:
/// counts per channel, kind, follow-up type and outcome, median resolution time (calendar days,
/// filed to closed), the open and the late ones. No personal data, no complaint text.
pub async fn complaints(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    use crate::domain::complaints::{Channel, ComplaintStatus, FollowUpType, Kind};
    let period = q.parse()?;
    let scope = may_read_complaints(&s, &caller, period.office.as_deref())?;
    let (from, to) = period.instants();
    let mut list = s.store.complaints_filed_between(from, to).await?;
    list.retain(|c| scope.covers(&c.office));
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
            (_, Some(ClosedAs::Spam), _) => "closed_spam",
            (_, Some(ClosedAs::Duplicate), _) => "closed_duplicate",
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
        (
            "closed_spam",
            "Ditutup, spam (bukan pengaduan, tidak ditindaklanjuti)",
        ),
        (
            "closed_duplicate",
            "Ditutup, sama dengan pengaduan yang sudah tercatat",
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
    let late: Vec<LateComplaint> = list
        .iter()
        .filter_map(|c| {
            let due = c.due_on?;
            let done = c.closed_at.map(wita_date);
            let is_late = match done {
                Some(d) => d > due,
                None => today > due,
            };
            is_late.then(|| LateComplaint {
                // The tracking code is the complainant's key to their complaint: the office's
                // own staff only (a cross-office viewer counts, it does not follow up).
                tracking_code: if caller.can(Capability::ReportsAllOffices) {
                    "-".into()
                } else {
                    c.tracking_code.clone()
                },
                channel: c.channel.label(),
                due_on: due,
                closed_on: done,
                open: c.status == ComplaintStatus::Open,
            })
        })
        .collect();
    if period.format != ReportFormat::Json {
        let table = match period.table.as_str() {
            "steps" | "summary" => complaints_summary_table(
                &[
                    ("saluran", &per_channel),
                    ("jenis", &per_kind),
                    ("tindak_lanjut", &per_follow_up),
                    ("hasil", &per_outcome),
                ],
                list.len(),
            ),
            "late" => complaints_late_table(&late),
            _ => {
                return Err(ApiError::Validation(vec![FieldError::new(
                    "table",
                    "invalid_choice",
                    "Gunakan summary atau late.",
                )]));
            }
        };
        let stem = format!(
            "laporan-pengaduan-{}-{}-{}",
            period.table, period.from, period.to
        );
        return table.response(period.format, &stem);
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "office": scope.code(),
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

/// GET /reports/ikm?from&to[&format=csv|xlsx] — the satisfaction index of the period
/// (PermenPANRB 14/2017): NRR per element, IKM, band, respondents, suggestions (without names).
pub async fn ikm(
    State(s): State<AppState>,
    caller: Caller,
    QueryParams(q): QueryParams<PeriodQuery>,
) -> ApiResult<Response> {
    let period = q.parse()?;
    let scope = may_read_reports(&s, &caller, period.office.as_deref())?;
    let (from, to) = period.instants();
    period.permits(&s.catalogue)?;
    let mut responses = s.store.surveys_between(from, to).await?;
    responses.retain(|r| scope.covers(&r.office));
    if let Some(p) = &period.permit {
        responses.retain(|r| r.permit.as_str() == p);
    }
    let index = crate::domain::survey::ikm(&responses);
    // The respondents' own words may name people: an office's heads read their own office's;
    // a cross-office viewer reads the index only.
    let suggestions: Vec<&str> = if caller.can(Capability::ReportsAllOffices) {
        vec![]
    } else {
        responses
            .iter()
            .filter_map(|r| r.suggestion.as_deref())
            .collect()
    };
    if period.format != ReportFormat::Json {
        let stem = format!("laporan-ikm-{}-{}", period.from, period.to);
        return ikm_table(index.as_ref()).response(period.format, &stem);
    }
    Ok(Json(json!({
        "period": {"from": period.from, "to": period.to},
        "permit": period.permit,
        "office": scope.code(),
        "source": "Peraturan Menteri PANRB Nomor 14 Tahun 2017",
        "respondents": responses.len(),
        "index": index,
        "suggestions": suggestions,
    }))
    .into_response())
}

/// A complaint past its 60 days (closed late, or still open after them).
#[derive(Debug, Serialize)]
pub struct LateComplaint {
    pub tracking_code: String,
    pub channel: &'static str,
    pub due_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub open: bool,
}

/// The complaints report's counts per dimension (`table=summary`), then the total.
pub fn complaints_summary_table(dimensions: &[(&str, &Vec<Count>)], total: usize) -> Table {
    let mut t = Table::new(
        "Ringkasan pengaduan",
        &["dimensi", "kode", "uraian", "jumlah"],
    );
    for (dim, counts) in dimensions {
        for c in counts.iter() {
            t.push(vec![
                Cell::text(*dim),
                Cell::text(&c.code),
                Cell::text(&c.label),
                Cell::count(c.count),
            ]);
        }
    }
    t.push(vec![
        Cell::text("jumlah"),
        Cell::text("total"),
        Cell::text("Jumlah pengaduan"),
        Cell::count(total),
    ]);
    t
}

/// The complaints report's late complaints (`table=late`).
pub fn complaints_late_table(late: &[LateComplaint]) -> Table {
    let mut t = Table::new(
        "Pengaduan terlambat",
        &[
            "kode_pelacakan",
            "saluran",
            "batas_waktu",
            "tanggal_selesai",
        ],
    );
    for l in late {
        t.push(vec![
            Cell::text(&l.tracking_code),
            Cell::text(l.channel),
            Cell::Date(l.due_on),
            Cell::opt_date(l.closed_on),
        ]);
    }
    t
}

/// The IKM report's table: NRR and weighted NRR per element, the index with its band, the
/// respondents; no rows without respondents.
pub fn ikm_table(index: Option<&crate::domain::survey::Ikm>) -> Table {
    let mut t = Table::new(
        "Indeks Kepuasan Masyarakat",
        &["unsur", "uraian", "nilai", "nilai_tertimbang"],
    );
    let Some(i) = index else {
        return t;
    };
    for e in &i.elements {
        t.push(vec![
            Cell::text(e.code.to_uppercase()),
            Cell::text(e.name),
            Cell::fixed(e.nrr, 4),
            Cell::fixed(e.weighted, 4),
        ]);
    }
    let band = serde_json::to_value(i.band)
        .ok()
        .and_then(|b| b.as_str().map(String::from))
        .unwrap_or_default();
    t.push(vec![
        Cell::text("IKM"),
        Cell::text(format!("Mutu {} ({band})", i.band_label)),
        Cell::fixed(i.ikm, 2),
        Cell::Empty,
    ]);
    t.push(vec![
        Cell::text("RESPONDEN"),
        Cell::text("Jumlah responden"),
        Cell::count(i.respondents),
        Cell::Empty,
    ]);
    t
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
    let office = ApiError::office_of(&caller)?;
    let period = q.parse()?;
    let (from, to) = period.instants();
    let mut events = s
        .security_log
        .security_events(from, to, SECURITY_REPORT_LIMIT + 1)
        .await?;
    // Whether the window held more than a page (of every office's: conservative).
    let truncated = events.len() > SECURITY_REPORT_LIMIT;
    // Another office's staff are not this office's to watch; refusals of no office (anonymous
    // callers, applicants: the shared portal) are every office's. A staff member's refusal
    // recorded before offices (no office on the event) is the founding office's.
    let founding = crate::domain::office::founding_code();
    events.retain(|e| {
        let of = e
            .office
            .clone()
            .or_else(|| e.roles.iter().any(Role::is_staff).then(|| founding.clone()));
        of.is_none_or(|o| o == office)
    });
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
