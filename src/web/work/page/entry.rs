//! Registering or correcting one attendee at a time on the work page.

use super::*;
use crate::app::credits;
use crate::domain::attendee_csv::AttendeeRow;

/// Form field of each attendee column, in `PERSON_COLUMNS` order.
pub(super) const FIELDS: [&str; 8] =
    ["kanji_name", "furigana", "birth_date", "sex", "registry_number", "email", "phone", "fax"];

pub struct UnitInput {
    pub field: &'static str,
    pub label: &'static str,
    pub granted: String,
    pub value: String,
}

#[derive(Default)]
pub struct EntryInput {
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: String,
    pub sex: String,
    pub registry_number: String,
    pub email: String,
    pub phone: String,
    pub fax: String,
    /// Set when correcting an attendee already registered.
    pub original_registry_number: String,
}

#[derive(Template)]
#[template(path = "work/entry.html")]
pub(super) struct EntryPage {
    layout: Layout,
    seminar: SeminarView,
    form: EntryInput,
    units: Vec<UnitInput>,
    errors: FieldErrors,
    warnings: Vec<String>,
    correcting: bool,
}

#[derive(Deserialize)]
pub(super) struct EntryQuery {
    registry_number: Option<String>,
}

pub(super) fn unit_inputs(
    grants: &[(Category, Units)],
    values: &HashMap<String, String>,
) -> Vec<UnitInput> {
    grants
        .iter()
        .map(|(c, u)| UnitInput {
            field: c.code(),
            label: c.label(),
            granted: u.to_string(),
            value: values.get(c.code()).cloned().unwrap_or_else(|| u.to_string()),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn entry_page(
    ctx: &Ctx,
    work: &WorkPage,
    grants: &[(Category, Units)],
    form: EntryInput,
    unit_values: &HashMap<String, String>,
    errors: FieldErrors,
    warnings: Vec<String>,
) -> AppResult<Response> {
    let failed = !errors.is_empty();
    let page = EntryPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: seminar_view(work, grants, ctx.now.date_naive()),
        correcting: !form.original_registry_number.is_empty(),
        form,
        units: unit_inputs(grants, unit_values),
        errors,
        warnings,
    };
    let status = if failed { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, render(&page)?).into_response())
}

pub(super) async fn entry_form(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Query(query): Query<EntryQuery>,
) -> AppResult<Response> {
    let grants = &work.grants;
    let mut form = EntryInput::default();
    let mut units = HashMap::new();
    if let Some(number) = query.registry_number.filter(|n| !n.is_empty()) {
        let mut conn = state.pool.acquire().await?;
        let rows: Vec<credit_db::CreditRow> =
            credit_db::for_attendee(&mut conn, work.seminar.id, &number)
                .await?
                .into_iter()
                .filter(|r| r.withdrawn_at.is_none())
                .collect();
        let Some(first) = rows.first() else {
            return Err(AppError::NotFound);
        };
        form = EntryInput {
            kanji_name: first.kanji_name.clone(),
            furigana: first.furigana.clone(),
            birth_date: first.birth_date.format("%Y-%m-%d").to_string(),
            sex: crate::domain::person::Sex::from_code(&first.sex)
                .map(|s| s.label().to_string())
                .unwrap_or_default(),
            registry_number: first.registry_number.clone(),
            email: first.email.clone(),
            phone: first.phone.clone().unwrap_or_default(),
            fax: first.fax.clone().unwrap_or_default(),
            original_registry_number: first.registry_number.clone(),
        };
        for (category, _) in grants {
            let value = rows
                .iter()
                .find(|r| r.category == category.code())
                .map(|r| r.units.normalize().to_string())
                .unwrap_or_else(|| "0".to_string());
            units.insert(category.code().to_string(), value);
        }
    }
    entry_page(&ctx, &work, grants, form, &units, FieldErrors::default(), Vec::new()).await
}

/// The posted form: the person's fields as typed and the units per granted category.
fn read_entry(
    fields: Vec<(String, String)>,
    grants: &[(Category, Units)],
) -> (EntryInput, HashMap<String, String>) {
    let fields: HashMap<String, String> = fields.into_iter().collect();
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let form = EntryInput {
        kanji_name: field("kanji_name"),
        furigana: field("furigana"),
        birth_date: field("birth_date"),
        sex: field("sex"),
        registry_number: field("registry_number"),
        email: field("email"),
        phone: field("phone"),
        fax: field("fax"),
        original_registry_number: field("original_registry_number"),
    };
    let unit_values = grants.iter().map(|(c, _)| (c.code().to_string(), field(c.code()))).collect();
    (form, unit_values)
}

/// The CSV row's errors on the form's fields (a column names its field; units their category).
fn field_errors(row_errors: Vec<RowError>) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for e in row_errors {
        let field = PERSON_COLUMNS
            .iter()
            .position(|c| Some(c.name) == e.column)
            .map(|i| FIELDS[i])
            .or_else(|| {
                Category::ALL
                    .into_iter()
                    .find(|c| Some(attendee_csv::unit_column(*c)) == e.column)
                    .map(Category::code)
            })
            .unwrap_or("units");
        errors.add(field, e.message);
    }
    errors
}

/// A correction is audited with the attendee's credits before; a changed 医籍登録番号
/// withdraws the old entry (the new one is matched afresh); categories set to 0 are withdrawn.
async fn withdraw_corrected(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    work: &WorkPage,
    attendee: &AttendeeRow,
    old: &str,
) -> AppResult<serde_json::Value> {
    let rows = credit_db::for_attendee(tx, work.seminar.id, old).await?;
    let before = json!({ "registry_number": old, "credits": credits::snapshot(&rows) });
    let via = json!("work_page");
    let (who, seminar) = (ctx.who(), &work.seminar);
    if old != attendee.registry_number.as_str() {
        credits::withdraw(tx, &who, ctx.now, seminar, old, None, &via).await?;
    } else {
        let keep: Vec<Category> = attendee.units.iter().map(|(c, _)| *c).collect();
        credits::withdraw(tx, &who, ctx.now, seminar, old, Some(&keep), &via).await?;
    }
    Ok(before)
}

/// Marks the corrected attendee and audits the correction with the credits after it.
async fn record_correction(
    tx: &mut sqlx::PgConnection,
    ctx: &Ctx,
    work: &WorkPage,
    old: &str,
    new: &str,
) -> AppResult<()> {
    let changed = (old != new).then_some(old);
    credit_corrections::mark_corrected(tx, work.seminar.id, new, changed, ctx.now).await?;
    let rows = credit_db::for_attendee(tx, work.seminar.id, new).await?;
    let entry = audit::Entry {
        action: "credits.correction",
        entity_type: "seminar",
        entity_id: Some(work.seminar.id.to_string()),
        before: Some(json!({ "registry_number": old })),
        after: Some(json!({ "registry_number": new, "credits": credits::snapshot(&rows) })),
    };
    audit::record(tx, &ctx.who(), ctx.now, entry).await?;
    Ok(())
}

/// Registers (or corrects, when `original` names the attendee's earlier number) one attendee
/// in one transaction, as a one-row upload committed at once: (counts, late).
async fn register_one(
    state: &AppState,
    ctx: &Ctx,
    work: &WorkPage,
    attendee: &AttendeeRow,
    original: Option<&str>,
) -> AppResult<(CommitCounts, bool)> {
    let content = UploadContent {
        header: Vec::new(),
        preview: Vec::new(),
        rows: vec![StoredAttendee::from(attendee)],
    };
    let content_json = serde_json::to_string(&content).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = state.pool.begin().await?;
    credit_db::lock_seminar(&mut tx, work.seminar.id).await?;
    let before = match original {
        Some(old) => Some(withdraw_corrected(&mut tx, ctx, work, attendee, old).await?),
        None => None,
    };
    let new_upload = credit_db::NewUpload {
        seminar_id: work.seminar.id,
        file_name: "（画面から入力）",
        encoding: "form",
        rows_total: 1,
        rows_ok: 1,
        rows_error: 0,
        content_json: &content_json,
    };
    let upload_id = credit_db::create_upload(&mut tx, &new_upload, ctx.now).await?;
    let action = if original.is_some() { "credits.correct" } else { "credits.entry" };
    let via = json!("work_page");
    let step = credits::Step { action, before, via: &via };
    let done =
        credits::commit_audited(&mut tx, &ctx.who(), ctx.now, &work.seminar, upload_id, &[], step)
            .await?;
    if let Some(old) = original {
        record_correction(&mut tx, ctx, work, old, attendee.registry_number.as_str()).await?;
    }
    tx.commit().await?;
    let done =
        done.ok_or_else(|| AppError::Internal(anyhow::anyhow!("fresh upload already committed")))?;
    Ok((done.counts, done.late))
}

fn entry_message(
    attendee: &AttendeeRow,
    counts: &CommitCounts,
    late: bool,
    warnings: Vec<String>,
) -> String {
    let mut message = format!(
        "{}さん（医籍登録番号 {}）の単位を登録しました。",
        attendee.kanji_name,
        attendee.registry_number.as_str()
    );
    if counts.mismatched > 0 {
        message
            .push_str("生年月日がMAMISの登録と一致しないため、事務局が確認するまで保留されます。");
    }
    if late {
        message.push_str("登録期限を過ぎているため、期限後の登録として記録しました。");
    }
    for warning in warnings {
        message.push_str(&warning);
    }
    message
}

pub(super) async fn entry(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    if let Some(refused) = registration_refused(&ctx, &work)? {
        return Ok(refused);
    }
    let grants = &work.grants;
    let (form, unit_values) = read_entry(fields, grants);
    let raw = RawAttendee {
        kanji_name: &form.kanji_name,
        furigana: &form.furigana,
        birth_date: &form.birth_date,
        sex: &form.sex,
        registry_number: &form.registry_number,
        email: &form.email,
        phone: &form.phone,
        fax: &form.fax,
        units: grants
            .iter()
            .map(|(c, _)| (*c, unit_values.get(c.code()).map(String::as_str).unwrap_or("")))
            .collect(),
    };
    let (result, warnings) = parse_attendee(0, &raw, grants, ctx.now.date_naive());
    let warnings: Vec<String> = warnings.into_iter().map(|w| w.message).collect();
    let attendee = match result {
        Ok(attendee) => attendee,
        Err(row_errors) => {
            let errors = field_errors(row_errors);
            return entry_page(&ctx, &work, grants, form, &unit_values, errors, warnings).await;
        }
    };
    let original = crate::domain::person::RegistryNumber::parse(&form.original_registry_number)
        .ok()
        .map(|n| n.as_str().to_string());
    let (counts, late) = register_one(&state, &ctx, &work, &attendee, original.as_deref()).await?;
    ctx.flash(&entry_message(&attendee, &counts, late, warnings)).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_told_by_content() {
        assert_eq!(encoding_of(b"\xEF\xBB\xBFa,b"), "utf-8-bom");
        assert_eq!(encoding_of("漢字".as_bytes()), "utf-8");
        assert_eq!(encoding_of(b"\x8a\xbf\x8e\x9a"), "shift_jis");
    }

    #[test]
    fn fields_follow_the_columns() {
        assert_eq!(FIELDS.len(), PERSON_COLUMNS.len());
        assert_eq!(PERSON_COLUMNS[attendee_csv::REGISTRY].name, "医籍登録番号");
        assert_eq!(FIELDS[attendee_csv::REGISTRY], "registry_number");
    }

    #[test]
    fn a_jst_time_is_shown_in_japanese() {
        let at: crate::clock::Jst = crate::clock::parse_jst("2025-05-01 09:05").unwrap();
        assert_eq!(jp_time(at.to_utc()), "2025年5月1日 9:05");
    }
}
