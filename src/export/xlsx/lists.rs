//! Lists: the per-prefecture count of certified physicians, address labels, renewal targets.

#[allow(unused_imports)]
use super::*;

/// Active certifications of one prefecture (None: physicians without a prefecture or not yet
/// linked to one) and programme.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PrefectureCount {
    pub prefecture_code: Option<i16>,
    pub programme: String,
    pub certifications: i64,
}

pub(super) fn simple_sheet<'a>(
    workbook: &'a mut Workbook,
    name: &str,
    title: &str,
    headers: &[(&str, f64)],
    s: &Styles,
) -> Result<&'a mut Worksheet, XlsxError> {
    let ws = workbook.add_worksheet();
    ws.set_name(name)?;
    ws.write_string_with_format(0, 0, title, &s.title)?;
    for (c, (header, width)) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *header, &s.header)?;
        ws.set_column_width(c as u16, *width)?;
    }
    ws.set_freeze_panes(3, 0)?;
    ws.set_repeat_rows(2, 2)?;
    Ok(ws)
}

/// 認定医の都道府県別集計表: active certifications per prefecture and programme, with totals
/// as formulas. `only` limits the table to one prefecture (prefectural staff).
pub fn prefecture_summary(
    made_on: NaiveDate,
    only: Option<i16>,
    counts: &[PrefectureCount],
) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut workbook = Workbook::new();
    let mut headers: Vec<(&str, f64)> = vec![("コード", 7.0), ("都道府県", 12.0)];
    headers.extend(Programme::ALL.iter().map(|p| (p.label(), 20.0)));
    headers.push(("計", 10.0));
    let ws = simple_sheet(
        &mut workbook,
        "都道府県別集計",
        &format!("認定医の都道府県別集計表（{} 現在・有効な認定）", date_text(made_on)),
        &headers,
        &s,
    )?;
    let count = |code: Option<i16>, programme: Programme| -> i64 {
        counts
            .iter()
            .filter(|c| c.prefecture_code == code && c.programme == programme.code())
            .map(|c| c.certifications)
            .sum()
    };
    let mut lines: Vec<(Option<i16>, String)> = match only {
        Some(code) => vec![(Some(code), prefecture::name(code).unwrap_or("").to_string())],
        None => {
            (1..=47).map(|c| (Some(c), prefecture::name(c).unwrap_or("").to_string())).collect()
        }
    };
    if only.is_none() {
        lines.push((None, "都道府県未設定".to_string()));
    }
    let first = 3u32;
    let programmes = Programme::ALL.len() as u16;
    let total_col = 2 + programmes;
    for (i, (code, name)) in lines.iter().enumerate() {
        let row = first + i as u32;
        match code {
            Some(code) => ws.write_number_with_format(row, 0, f64::from(*code), &s.mark)?,
            None => ws.write_string_with_format(row, 0, "―", &s.mark)?,
        };
        ws.write_string_with_format(row, 1, name, &s.text)?;
        let mut sum = 0;
        for (p, programme) in Programme::ALL.into_iter().enumerate() {
            let n = count(*code, programme);
            sum += n;
            ws.write_number_with_format(row, 2 + p as u16, n as f64, &s.text)?;
        }
        let formula = format!("=SUM({}:{})", cell(2, row), cell(total_col - 1, row));
        ws.write_formula_with_format(
            row,
            total_col,
            Formula::new(formula).set_result(sum.to_string()),
            &s.formula,
        )?;
    }
    let last = first + lines.len() as u32 - 1;
    let total_row = last + 1;
    ws.merge_range(total_row, 0, total_row, 1, "合計", &s.header)?;
    for c in 2..=total_col {
        let sum: i64 = if c == total_col {
            lines
                .iter()
                .map(|(code, _)| Programme::ALL.iter().map(|p| count(*code, *p)).sum::<i64>())
                .sum()
        } else {
            let programme = Programme::ALL[usize::from(c - 2)];
            lines.iter().map(|(code, _)| count(*code, programme)).sum()
        };
        let formula = format!("=SUM({}:{})", cell(c, first), cell(c, last));
        ws.write_formula_with_format(
            total_row,
            c,
            Formula::new(formula).set_result(sum.to_string()),
            &s.formula,
        )?;
    }
    workbook.save_to_buffer()
}

/// A certification expiring in the chosen period, with its holder's contact details.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExpiringRow {
    pub programme: String,
    pub certificate_number: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub kanji_name: Option<String>,
    pub furigana: Option<String>,
    pub birth_date: NaiveDate,
    pub registry_number: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub workplace: Option<String>,
    pub prefecture_code: Option<i16>,
    pub email: Option<String>,
    pub registered: bool,
    pub open_application: bool,
}

pub(super) fn programme_label(code: &str) -> &'static str {
    Programme::from_code(code).map(Programme::label).unwrap_or("")
}

pub(super) fn period_text(from: NaiveDate, until: NaiveDate) -> String {
    format!("有効期限 {} 〜 {}", date_text(from), date_text(until))
}

/// 住所ラベル: postal code, address and 「氏名 様」 per certification expiring in the period.
pub fn address_labels(
    from: NaiveDate,
    until: NaiveDate,
    rows: &[ExpiringRow],
) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut workbook = Workbook::new();
    let ws = simple_sheet(
        &mut workbook,
        "住所ラベル",
        &format!("住所ラベル（{}）", period_text(from, until)),
        &[
            ("郵便番号", 11.0),
            ("住所", 48.0),
            ("宛名", 22.0),
            ("認定の種類", 20.0),
            ("認定証番号", 11.0),
            ("有効期限", 11.0),
        ],
        &s,
    )?;
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        let postal = r.postal_code.as_deref().map(|p| format!("〒{p}")).unwrap_or_default();
        let name = r.kanji_name.as_deref().map(|n| format!("{n} 様")).unwrap_or_default();
        ws.write_string_with_format(row, 0, &postal, &s.text)?;
        let address = prefecture::full_address(r.prefecture_code, r.address.as_deref());
        ws.write_string_with_format(row, 1, &address, &s.text)?;
        ws.write_string_with_format(row, 2, &name, &s.text)?;
        ws.write_string_with_format(row, 3, programme_label(&r.programme), &s.text)?;
        ws.write_string_with_format(row, 4, &r.certificate_number, &s.text)?;
        ws.write_string_with_format(row, 5, date_text(r.valid_until), &s.mark)?;
    }
    workbook.save_to_buffer()
}

/// 更新申請書印刷対象者の一覧: physicians whose certification expires in the period.
pub fn renewal_targets(
    from: NaiveDate,
    until: NaiveDate,
    rows: &[ExpiringRow],
) -> Result<Vec<u8>, XlsxError> {
    let s = Styles::new();
    let mut workbook = Workbook::new();
    let ws = simple_sheet(
        &mut workbook,
        "更新申請対象者",
        &format!("更新申請書印刷対象者の一覧（{}）", period_text(from, until)),
        &[
            ("No", 6.0),
            ("認定の種類", 20.0),
            ("認定証番号", 11.0),
            ("氏名", 18.0),
            ("フリガナ", 20.0),
            ("生年月日", 11.0),
            ("医籍登録番号", 12.0),
            ("都道府県", 10.0),
            ("郵便番号", 10.0),
            ("住所", 40.0),
            ("勤務先", 28.0),
            ("メールアドレス", 28.0),
            ("有効期間開始", 12.0),
            ("有効期限", 11.0),
            ("マイページ", 11.0),
            ("申請状況", 11.0),
        ],
        &s,
    )?;
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        let text = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
        ws.write_number_with_format(row, 0, (i + 1) as f64, &s.mark)?;
        ws.write_string_with_format(row, 1, programme_label(&r.programme), &s.text)?;
        let cells = [
            r.certificate_number.clone(),
            r.kanji_name.clone().unwrap_or_else(|| "（未登録）".to_string()),
            text(&r.furigana),
            date_text(r.birth_date),
            r.registry_number.clone(),
            r.prefecture_code.and_then(prefecture::name).unwrap_or("").to_string(),
            text(&r.postal_code),
            text(&r.address),
            text(&r.workplace),
            text(&r.email),
            date_text(r.valid_from),
            date_text(r.valid_until),
            if r.registered { "登録済み" } else { "未登録" }.to_string(),
            if r.open_application { "申請中" } else { "未申請" }.to_string(),
        ];
        for (offset, value) in cells.iter().enumerate() {
            ws.write_string_with_format(row, 2 + offset as u16, value, &s.text)?;
        }
    }
    workbook.save_to_buffer()
}
