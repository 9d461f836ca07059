//! Paper certificates the prefecture forwards.

#[allow(unused_imports)]
use super::*;

// ---------------------------------------------------------------------------------------------
// Paper certificates the prefecture forwards.

pub struct PaperView {
    pub certification_id: i64,
    pub name: String,
    pub address: String,
    pub programme: &'static str,
    pub number: String,
    pub validity: String,
    pub prefecture: &'static str,
    pub sent_at: Option<String>,
}

#[derive(Template)]
#[template(path = "office/applications/paper.html")]
struct PaperPage {
    layout: Layout,
    rows: Vec<PaperView>,
    can_tick: bool,
}

pub async fn paper_list(State(state): State<AppState>, ctx: extract::Staff) -> AppResult<Response> {
    let user = &ctx.user;
    let prefecture = match user.role {
        Role::PrefecturalStaff => Some(own_prefecture(user)?),
        Role::JmaStaff => None,
        _ => return Err(AppError::Forbidden),
    };
    let rows = review_db::paper_certificates(&state.pool, prefecture)
        .await?
        .into_iter()
        .map(|r| PaperView {
            certification_id: r.certification_id,
            name: r.kanji_name.unwrap_or_default(),
            address: format!(
                "〒{} {}",
                r.postal_code.unwrap_or_default(),
                r.address.unwrap_or_default()
            ),
            programme: programme_label(&r.programme),
            number: r.certificate_number,
            validity: format!(
                "{}〜{}",
                format_jp_date(r.valid_from),
                format_jp_date(r.valid_until)
            ),
            prefecture: prefecture::name(r.prefecture_code).unwrap_or("不明"),
            sent_at: when(r.sent_at),
        })
        .collect();
    let page = PaperPage {
        rows,
        can_tick: prefecture.is_some(),
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
    };
    render(&page)
}

pub async fn paper_sent(
    State(state): State<AppState>,
    ctx: extract::Staff,
    Path(certification_id): Path<i64>,
) -> AppResult<Response> {
    let user = &ctx.user;
    let prefecture = own_prefecture(user)?;
    let mut tx = state.pool.begin().await?;
    let paper = review_db::paper_for_update(&mut tx, certification_id)
        .await?
        .filter(|p| p.prefecture_code == prefecture)
        .ok_or(AppError::NotFound)?;
    if paper.sent_at.is_some()
        || !review_db::mark_paper_sent(&mut tx, certification_id, user.id, ctx.now).await?
    {
        return Err(AppError::Conflict(
            "この認定証は、ほかの担当者がすでに発送済みにしました。".into(),
        ));
    }
    let entry = audit::Entry {
        action: "paper_certificate.sent",
        entity_type: "certification",
        entity_id: Some(certification_id.to_string()),
        before: None,
        after: Some(json!({ "sent": true })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("発送済みにしました。").await?;
    Ok(see_other("/office/paper-certificates"))
}
