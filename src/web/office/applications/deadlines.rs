//! Prefectures' internal deadlines for each open review cycle.

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------------------------
// Prefectures' internal deadlines.

pub struct DeadlineView {
    pub cycle_id: i64,
    pub label: String,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "office/applications/deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    prefecture: String,
    rows: Vec<DeadlineView>,
}

/// A prefectural clerk's own prefecture (their applications' scope); others have none.
pub(super) fn own_prefecture(user: &CurrentAccount) -> AppResult<i16> {
    match scope_of(user) {
        Scope::Prefecture(code) => Ok(code),
        _ => Err(AppError::Forbidden),
    }
}

async fn deadline_rows(
    state: &AppState,
    prefecture: i16,
    today: NaiveDate,
) -> AppResult<Vec<Cycle>> {
    Ok(review_db::open_cycles(&mut *state.pool.acquire().await?, prefecture, today).await?)
}

pub async fn deadlines(State(state): State<AppState>, ctx: extract::Staff) -> AppResult<Response> {
    let user = &ctx.user;
    let prefecture = own_prefecture(user)?;
    let rows = deadline_rows(&state, prefecture, ctx.now.date_naive())
        .await?
        .iter()
        .map(|c| DeadlineView {
            cycle_id: c.id,
            label: cycle_label(c),
            value: c
                .internal_deadline
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            error: None,
        })
        .collect();
    let page = DeadlinesPage {
        prefecture: prefecture_association_name(prefecture),
        rows,
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    crate::domain::era::parse_typed_date(text)
}

pub async fn save_deadlines(
    State(state): State<AppState>,
    ctx: extract::Staff,
    body: Bytes,
) -> AppResult<Response> {
    let user = &ctx.user;
    let prefecture = own_prefecture(user)?;
    let today = ctx.now.date_naive();
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let cycles = deadline_rows(&state, prefecture, today).await?;
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    for c in &cycles {
        let key = format!("deadline_{}", c.id);
        let Some(value) = fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.trim().to_string())
        else {
            continue;
        };
        let mut error = None;
        let parsed =
            if value.is_empty() { Ok(None) } else { parse_date(&value).map(Some).ok_or(()) };
        match parsed {
            Err(()) => error = Some("日付を「2026-04-20」の形で入力してください。".to_string()),
            Ok(Some(d)) if d > c.intake_deadline => {
                error =
                    Some("日本医師会の受付締切と同じ日か、それより前にしてください。".to_string())
            }
            Ok(d) => {
                if d != c.internal_deadline {
                    changes.push((c.id, c.internal_deadline, d));
                }
            }
        }
        rows.push(DeadlineView { cycle_id: c.id, label: cycle_label(c), value, error });
    }
    if rows.iter().any(|r| r.error.is_some()) {
        let page = DeadlinesPage {
            prefecture: prefecture_association_name(prefecture),
            rows,
            layout: ctx.layout(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    let mut tx = state.pool.begin().await?;
    for (cycle_id, before, after) in &changes {
        review_db::set_deadline(&mut tx, prefecture, *cycle_id, *after).await?;
        let entry = audit::Entry {
            action: "prefecture_deadline.set",
            entity_type: "prefecture_deadline",
            entity_id: Some(format!("{prefecture}:{cycle_id}")),
            before: Some(json!({ "internal_deadline": before })),
            after: Some(json!({ "internal_deadline": after })),
        };
        audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    }
    tx.commit().await?;
    ctx.flash(&format!("締切を保存しました（変更 {}件）。", changes.len())).await?;
    Ok(see_other("/office/applications/deadlines"))
}
