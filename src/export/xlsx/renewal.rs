//! The renewal credit-check tool (単位確認) with live formulas.

#[allow(unused_imports)]
use super::*;

/// One renewal applicant (occupational) with units per column of the sheet: 更新 対面, 更新 Web,
/// 実地 対面, 専門 対面, 専門 Web — from the portal (MAMIS) and declared (手帳).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct RenewalCheckRow {
    pub application_id: i64,
    pub kanji_name: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub fee_paid: bool,
    /// Staff ticked the 手帳 original as received: the declared units are confirmed.
    pub handbook_received: bool,
    pub mamis_renewal_in_person: Decimal,
    pub mamis_renewal_web: Decimal,
    pub mamis_practical: Decimal,
    pub mamis_specialized_in_person: Decimal,
    pub mamis_specialized_web: Decimal,
    pub handbook_renewal_in_person: Decimal,
    pub handbook_renewal_web: Decimal,
    pub handbook_practical: Decimal,
    pub handbook_specialized_in_person: Decimal,
    pub handbook_specialized_web: Decimal,
}

impl RenewalCheckRow {
    fn mamis(&self) -> [Decimal; 5] {
        [
            self.mamis_renewal_in_person,
            self.mamis_renewal_web,
            self.mamis_practical,
            self.mamis_specialized_in_person,
            self.mamis_specialized_web,
        ]
    }

    fn handbook(&self) -> [Decimal; 5] {
        [
            self.handbook_renewal_in_person,
            self.handbook_renewal_web,
            self.handbook_practical,
            self.handbook_specialized_in_person,
            self.handbook_specialized_web,
        ]
    }
}

/// Column positions of the credit-check sheet (0-based).
pub mod col {
    pub const NO: u16 = 0;
    pub const NAME: u16 = 1;
    pub const NUMBER: u16 = 2;
    pub const FULFILLED: u16 = 3;
    /// First column of each five-column block: 更新 対面, 更新 Web, 実地 対面, 専門 対面, 専門 Web.
    pub const MAMIS: u16 = 4;
    pub const HANDBOOK: u16 = 9;
    pub const SUBTOTAL: u16 = 14;
    pub const TOTAL_IN_PERSON: u16 = 19;
    pub const TOTAL_WEB: u16 = 20;
    pub const TOTAL: u16 = 21;
    pub const REQUIREMENT: u16 = 22;
    pub const PAID: u16 = 23;
    pub const VALID_UNTIL: u16 = 24;
    /// Whether staff confirmed the 手帳 units against the original (else the physician's
    /// declaration).
    pub const HANDBOOK_STATUS: u16 = 25;
    /// The columns repeated on every printed page: No, name, certificate number.
    pub const TITLE_LAST: u16 = NUMBER;
}

/// The first data row (0-based): a title, a note and three header rows come first.
pub const RENEWAL_FIRST_ROW: u32 = 5;
/// Empty rows after the applicants, formatted and with the formulas, for applicants staff add
/// by hand (a paper application, a late one).
pub const RENEWAL_SPARE_ROWS: u32 = 20;
/// The 手帳 block's heading: the units are what the physician declared until staff check the
/// original handbook.
pub const HANDBOOK_HEADING: &str = "生涯研修(手帳・医師の申告)";
pub const HANDBOOK_DECLARED: &str = "申告（原本未確認）";
pub const HANDBOOK_CONFIRMED: &str = "原本確認済み";

pub(super) fn cell(col: u16, row: u32) -> String {
    format!("{}{}", column_number_to_name(col), row + 1)
}

/// The sheet's header: group titles over category titles over formats.
pub(super) fn renewal_headers(ws: &mut Worksheet, s: &Styles, top: u32) -> Result<(), XlsxError> {
    let (r0, r1, r2) = (top, top + 1, top + 2);
    for (c, title) in [
        (col::NO, "No"),
        (col::NAME, "生涯研修修了者名"),
        (col::NUMBER, "認定証番号"),
        (col::FULFILLED, "要件・入金充足"),
        (col::REQUIREMENT, "単位要件"),
        (col::PAID, "入金"),
        (col::VALID_UNTIL, "有効期限"),
        (col::HANDBOOK_STATUS, "手帳の原本"),
    ] {
        let style = if c == col::PAID { &s.input_header } else { &s.header };
        ws.merge_range(r0, c, r2, c, title, style)?;
    }
    for (first, title, style) in [
        (col::MAMIS, "生涯研修(MAMIS)", &s.header),
        (col::HANDBOOK, HANDBOOK_HEADING, &s.input_header),
        (col::SUBTOTAL, "生涯研修(小計)", &s.header),
    ] {
        ws.merge_range(r0, first, r0, first + 4, title, style)?;
        ws.merge_range(r1, first, r1, first + 1, "更新", style)?;
        ws.write_string_with_format(r1, first + 2, "実地", style)?;
        ws.merge_range(r1, first + 3, r1, first + 4, "専門", style)?;
        for (offset, format) in ["対面", "Web", "対面のみ", "対面", "Web"].into_iter().enumerate()
        {
            ws.write_string_with_format(r2, first + offset as u16, format, style)?;
        }
    }
    ws.merge_range(r0, col::TOTAL_IN_PERSON, r0, col::TOTAL, "合計", &s.header)?;
    ws.merge_range(r1, col::TOTAL_IN_PERSON, r2, col::TOTAL_IN_PERSON, "対面", &s.header)?;
    let web = format!("Web\n(最大{})", limits::RENEWAL_WEB_CAP);
    ws.merge_range(r1, col::TOTAL_WEB, r2, col::TOTAL_WEB, &web, &s.header)?;
    ws.merge_range(r1, col::TOTAL, r2, col::TOTAL, "計", &s.header)?;
    Ok(())
}

/// The live formulas of one applicant's row (0-based `row`), in sheet order: 小計 ×5, 合計 対面,
/// Web (capped), 計, 単位要件, 要件・入金充足.
pub fn renewal_formulas(row: u32) -> RenewalFormulas {
    let c = |col: u16| cell(col, row);
    let subtotal: Vec<String> =
        (0..5).map(|i| format!("={}+{}", c(col::MAMIS + i), c(col::HANDBOOK + i))).collect();
    let sub = |i: u16| c(col::SUBTOTAL + i);
    let in_person = format!("={}+{}+{}", sub(0), sub(2), sub(3));
    let web = format!("=MIN({},{}+{})", limits::RENEWAL_WEB_CAP, sub(1), sub(4));
    let total = format!("={}+{}", c(col::TOTAL_IN_PERSON), c(col::TOTAL_WEB));
    let requirement = format!(
        "=IF(AND({total}>={min_total},{ri}+{rw}>={each},{p}>={each},{si}+{sw}>={each}),\"{MET}\",\"{NOT_MET}\")",
        total = c(col::TOTAL),
        min_total = limits::RENEWAL_TOTAL,
        each = limits::RENEWAL_EACH,
        ri = sub(0),
        rw = sub(1),
        p = sub(2),
        si = sub(3),
        sw = sub(4),
    );
    let fulfilled = format!(
        "=IF(AND({}=\"{MET}\",{}=\"{PAID_MARK}\"),\"{MET}\",\"{NOT_MET}\")",
        c(col::REQUIREMENT),
        c(col::PAID)
    );
    RenewalFormulas { subtotal, in_person, web, total, requirement, fulfilled }
}

pub struct RenewalFormulas {
    pub subtotal: Vec<String>,
    pub in_person: String,
    pub web: String,
    pub total: String,
    pub requirement: String,
    pub fulfilled: String,
}

/// The cached results of the row's formulas (so that viewers that do not recalculate show the
/// right values too): 小計, 対面, Web counted, 計, 単位要件. 計 and 単位要件 are the requirement
/// engine's answer (`requirements::occupational_renewal`), the one rule; a property test shows
/// that the sheet's formulas, recalculated, give the same.
pub(super) fn renewal_results(
    row: &RenewalCheckRow,
) -> ([Decimal; 5], Decimal, Decimal, Decimal, bool) {
    use crate::domain::category::{Category, Format, Programme};
    use crate::domain::requirements::{self, Credit, Input, Kind, Route, Source};
    let (m, h) = (row.mamis(), row.handbook());
    let sub: [Decimal; 5] = std::array::from_fn(|i| m[i] + h[i]);
    let columns = [
        (Category::LifelongRenewal, Format::InPerson),
        (Category::LifelongRenewal, Format::Web),
        (Category::LifelongPractical, Format::InPerson),
        (Category::LifelongSpecialized, Format::InPerson),
        (Category::LifelongSpecialized, Format::Web),
    ];
    // The rows hold only units within the validity period; date them inside it.
    let credits = columns
        .iter()
        .zip(sub)
        .filter(|(_, units)| *units > Decimal::ZERO)
        .map(|(&(category, format), units)| Credit {
            category,
            format,
            units,
            date: row.valid_from,
            source: Source::Portal,
            evidenced: false,
        })
        .collect();
    let rules = requirements::occupational_renewal(&Input {
        programme: Programme::Occupational,
        kind: Kind::Renewal,
        credits,
        valid_from: Some(row.valid_from),
        valid_until: Some(row.valid_until),
        applied_on: row.valid_from,
        route: Route::Credits,
        practical_activity_recorded: true,
        late_reason_given: true,
    });
    let in_person = sub[0] + sub[2] + sub[3];
    let total = rules
        .iter()
        .find(|r| r.label == requirements::RENEWAL_TOTAL_LABEL)
        .and_then(|r| r.counted)
        .unwrap_or(in_person);
    let met = rules.iter().all(|r| r.met);
    (sub, in_person, total - in_person, total, met)
}

pub(super) fn number_result(value: Decimal) -> String {
    value.normalize().to_string()
}

/// The occupational renewal credit-check workbook for one prefecture's applicants.
pub fn renewal_check(
    prefecture_code: i16,
    made_on: NaiveDate,
    rows: &[RenewalCheckRow],
) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name("単位確認")?;
    let pref = prefecture::name(prefecture_code).unwrap_or("");
    ws.write_string_with_format(
        0,
        0,
        format!(
            "{} 更新申請 単位確認（{pref}） {}作成",
            Programme::Occupational.label(),
            date_text(made_on)
        ),
        &s.title,
    )?;
    ws.write_string_with_format(
        1,
        0,
        format!(
            "黄色セルが医師会事務局入力部分です（手帳の単位・入金）。手帳の単位は医師の申告です。手帳の原本で確かめてから確定してください。小計・合計・単位要件は数式で計算されます（合計{}単位以上、更新・実地・専門各{}単位以上、Webは更新・専門のみ最大{}単位まで算入）。数式のセルは保護されています（パスワードなし）。",
            limits::RENEWAL_TOTAL,
            limits::RENEWAL_EACH,
            limits::RENEWAL_WEB_CAP
        ),
        &s.note,
    )?;
    renewal_headers(ws, &s, 2)?;

    for (i, r) in rows.iter().enumerate() {
        let row = RENEWAL_FIRST_ROW + i as u32;
        ws.write_number_with_format(row, col::NO, (i + 1) as f64, &s.mark)?;
        ws.write_string_with_format(row, col::NAME, &r.kanji_name, &s.text)?;
        ws.write_string_with_format(row, col::NUMBER, &r.certificate_number, &s.text)?;
        for (offset, value) in r.mamis().into_iter().enumerate() {
            ws.write_number_with_format(row, col::MAMIS + offset as u16, units(value), &s.number)?;
        }
        for (offset, value) in r.handbook().into_iter().enumerate() {
            ws.write_number_with_format(
                row,
                col::HANDBOOK + offset as u16,
                units(value),
                &s.input,
            )?;
        }
        let f = renewal_formulas(row);
        let (sub, in_person, web, total, met) = renewal_results(r);
        for (offset, formula) in f.subtotal.iter().enumerate() {
            let formula = Formula::new(formula).set_result(number_result(sub[offset]));
            ws.write_formula_with_format(row, col::SUBTOTAL + offset as u16, formula, &s.formula)?;
        }
        for (c, formula, value) in [
            (col::TOTAL_IN_PERSON, &f.in_person, in_person),
            (col::TOTAL_WEB, &f.web, web),
            (col::TOTAL, &f.total, total),
        ] {
            let formula = Formula::new(formula).set_result(number_result(value));
            ws.write_formula_with_format(row, c, formula, &s.formula)?;
        }
        let mark = if met { MET } else { NOT_MET };
        ws.write_formula_with_format(
            row,
            col::REQUIREMENT,
            Formula::new(&f.requirement).set_result(mark),
            &s.mark,
        )?;
        if r.fee_paid {
            ws.write_string_with_format(row, col::PAID, PAID_MARK, &s.input_mark)?;
        } else {
            ws.write_blank(row, col::PAID, &s.input_mark)?;
        }
        let fulfilled = if met && r.fee_paid { MET } else { NOT_MET };
        ws.write_formula_with_format(
            row,
            col::FULFILLED,
            Formula::new(&f.fulfilled).set_result(fulfilled),
            &s.mark,
        )?;
        ws.write_string_with_format(row, col::VALID_UNTIL, date_text(r.valid_until), &s.mark)?;
        let handbook = if r.handbook_received { HANDBOOK_CONFIRMED } else { HANDBOOK_DECLARED };
        ws.write_string_with_format(row, col::HANDBOOK_STATUS, handbook, &s.mark)?;
    }

    let spare_first = RENEWAL_FIRST_ROW + rows.len() as u32;
    for k in 0..RENEWAL_SPARE_ROWS {
        spare_row(ws, &s, spare_first + k, rows.len() as u32 + k + 1)?;
    }
    let last = spare_first + RENEWAL_SPARE_ROWS - 1;
    let non_negative =
        DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0));
    ws.add_data_validation(
        RENEWAL_FIRST_ROW,
        col::HANDBOOK,
        last,
        col::HANDBOOK + 4,
        &non_negative,
    )?;
    ws.add_data_validation(spare_first, col::MAMIS, last, col::MAMIS + 4, &non_negative)?;
    let paid = DataValidation::new().allow_list_strings(&[PAID_MARK])?;
    ws.add_data_validation(RENEWAL_FIRST_ROW, col::PAID, last, col::PAID, &paid)?;
    let handbook =
        DataValidation::new().allow_list_strings(&[HANDBOOK_DECLARED, HANDBOOK_CONFIRMED])?;
    ws.add_data_validation(
        spare_first,
        col::HANDBOOK_STATUS,
        last,
        col::HANDBOOK_STATUS,
        &handbook,
    )?;

    ws.set_column_width(col::NO, 5)?;
    ws.set_column_width(col::NAME, 18)?;
    ws.set_column_width(col::NUMBER, 11)?;
    ws.set_column_width(col::FULFILLED, 8)?;
    for c in col::MAMIS..col::REQUIREMENT {
        ws.set_column_width(c, 6.5)?;
    }
    ws.set_column_width(col::REQUIREMENT, 7)?;
    ws.set_column_width(col::PAID, 6)?;
    ws.set_column_width(col::VALID_UNTIL, 11)?;
    ws.set_column_width(col::HANDBOOK_STATUS, 15)?;
    ws.set_row_height(4, 28)?;
    ws.set_freeze_panes(RENEWAL_FIRST_ROW, col::MAMIS)?;
    print_one_page_wide(ws, last, col::HANDBOOK_STATUS)?;
    ws.set_repeat_rows(2, RENEWAL_FIRST_ROW - 1)?;
    ws.set_repeat_columns(col::NO, col::TITLE_LAST)?;
    // Staff type into the yellow cells only; the formulas cannot be overwritten by mistake.
    // No password: a clerk who must change the sheet can unprotect it (校閲 → シート保護の解除).
    ws.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    workbook.save_to_buffer()
}

/// Landscape A4, every column on one page's width (as many pages down as it takes), page
/// numbers at the foot.
pub(super) fn print_one_page_wide(
    ws: &mut Worksheet,
    last_row: u32,
    last_col: u16,
) -> Result<(), XlsxError> {
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_area(0, 0, last_row, last_col)?;
    ws.set_footer("&C&P / &N ページ");
    Ok(())
}

/// The cached result of a spare row's formulas: a string (an empty one would be written as 0,
/// which viewers that do not recalculate would show).
pub(super) const BLANK_RESULT: &str = " ";

/// An empty applicant row: the input cells yellow and unlocked, the formulas in place but
/// blank until a name is typed.
pub(super) fn spare_row(
    ws: &mut Worksheet,
    s: &Styles,
    row: u32,
    number: u32,
) -> Result<(), XlsxError> {
    ws.write_number_with_format(row, col::NO, f64::from(number), &s.mark)?;
    ws.write_blank(row, col::NAME, &s.input_text)?;
    ws.write_blank(row, col::NUMBER, &s.input_text)?;
    for offset in 0..5 {
        ws.write_blank(row, col::MAMIS + offset, &s.input)?;
        ws.write_blank(row, col::HANDBOOK + offset, &s.input)?;
    }
    let name = cell(col::NAME, row);
    let guarded = |formula: &str| {
        Formula::new(format!("=IF({name}=\"\",\"\",{})", &formula[1..])).set_result(BLANK_RESULT)
    };
    let f = renewal_formulas(row);
    for (offset, formula) in f.subtotal.iter().enumerate() {
        ws.write_formula_with_format(
            row,
            col::SUBTOTAL + offset as u16,
            guarded(formula),
            &s.formula,
        )?;
    }
    for (c, formula) in
        [(col::TOTAL_IN_PERSON, &f.in_person), (col::TOTAL_WEB, &f.web), (col::TOTAL, &f.total)]
    {
        ws.write_formula_with_format(row, c, guarded(formula), &s.formula)?;
    }
    ws.write_formula_with_format(row, col::REQUIREMENT, guarded(&f.requirement), &s.mark)?;
    ws.write_formula_with_format(row, col::FULFILLED, guarded(&f.fulfilled), &s.mark)?;
    ws.write_blank(row, col::PAID, &s.input_mark)?;
    ws.write_blank(row, col::VALID_UNTIL, &s.input_text)?;
    ws.write_blank(row, col::HANDBOOK_STATUS, &s.input_text)?;
    Ok(())
}
