//! The seminar the token belongs to, its registered attendees (paged) and withdrawal.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;

use crate::app::credits as use_case;
use crate::db::credit_list::{self, ListedCredit};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::deadline;
use crate::domain::person::RegistryNumber;
use crate::state::AppState;
use crate::web::api::auth::ApiClient;
use crate::web::api::batches::grant;
use crate::web::api::problem::{ApiError, ApiResult, Problem};
use crate::web::api::types::{
    AttendeeOut, CreditOut, CreditPage, CreditQuery, SeminarInfo, Withdrawn,
};

/// The seminar this token belongs to, what it grants and whether it takes credits today.
#[utoipa::path(
    get,
    path = "/api/v1/seminar",
    tag = "seminar",
    responses(
        (status = 200, description = "The token's seminar", body = SeminarInfo),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn seminar(client: ApiClient) -> Json<SeminarInfo> {
    let s = &client.seminar;
    let today = client.now.date_naive();
    let refusal = use_case::registration_refusal(s, today);
    let programme = Programme::from_code(&s.programme);
    let format = Format::from_code(&s.format);
    Json(SeminarInfo {
        id: s.id,
        title: s.title.clone(),
        programme: s.programme.clone(),
        programme_label: programme.map(Programme::label).unwrap_or("").to_string(),
        format: s.format.clone(),
        format_label: format.map(Format::label).unwrap_or("").to_string(),
        starts_on: s.starts_on.to_string(),
        ends_on: s.ends_on.to_string(),
        venue: s.venue.clone(),
        organizer: s.organizer_name.clone(),
        status_label: s.status.label().to_string(),
        accepting: refusal.is_none(),
        refusal,
        due_date: deadline::due_date(s.ends_on).to_string(),
        late: use_case::is_late(s, today),
        grants: client.grants.iter().map(|(c, u)| grant(*c, *u)).collect(),
    })
}

fn credit_out(row: &ListedCredit) -> CreditOut {
    let category = Category::from_code(&row.category);
    CreditOut {
        category: row.category.clone(),
        label: category.map(Category::label).unwrap_or("").to_string(),
        units: row.units.normalize().to_string(),
        match_status: row.match_status.code().to_string(),
        match_label: row.match_status.for_organizer().to_string(),
        late: row.late,
        withdrawn: row.withdrawn_at.is_some(),
    }
}

/// Rows of one attendee after another → one entry per attendee.
fn attendees(rows: Vec<ListedCredit>) -> Vec<AttendeeOut> {
    let mut out: Vec<AttendeeOut> = Vec::new();
    for row in rows {
        match out.last_mut() {
            Some(last) if last.registry_number == row.registry_number => {
                last.credits.push(credit_out(&row))
            }
            _ => out.push(AttendeeOut {
                registry_number: row.registry_number.clone(),
                kanji_name: row.kanji_name.clone(),
                furigana: row.furigana.clone(),
                birth_date: row.birth_date.to_string(),
                credits: vec![credit_out(&row)],
            }),
        }
    }
    out
}

/// The seminar's registered attendees in フリガナ order, with each credit's state (withdrawn
/// ones included, marked), a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/credits",
    tag = "credits",
    params(CreditQuery),
    responses(
        (status = 200, description = "One page of attendees", body = CreditPage),
        (status = 400, description = "A parameter is not valid", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    client: ApiClient,
    query: Result<Query<CreditQuery>, QueryRejection>,
) -> ApiResult<Json<CreditPage>> {
    let Query(query) = query?;
    let page = query.page.unwrap_or(1);
    let per_page = query.per_page.unwrap_or(credit_list::PER_PAGE);
    if page < 1 || !(1..=1000).contains(&per_page) {
        return Err(ApiError::bad_request(
            "page は1以上、per_page は1から1000までの数にしてください。",
        ));
    }
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if let Some(q) = search {
        crate::web::middleware::input::form_text(q).map_err(ApiError::from)?;
    }
    let offset = (page - 1)
        .checked_mul(per_page)
        .ok_or_else(|| ApiError::bad_request("page が大きすぎます。"))?;
    let mut conn = state.pool.acquire().await?;
    let total = credit_list::count(&mut conn, client.seminar.id, search).await?;
    let rows = credit_list::page(&mut conn, client.seminar.id, search, per_page, offset).await?;
    Ok(Json(CreditPage { page, per_page, total, attendees: attendees(rows) }))
}

/// Withdraws every credit in force of one attendee (as 「取り消す」 on the work page: the
/// credits leave the physician's my page, and a later batch does not bring them back unless
/// the commit's `revive` names the attendee).
#[utoipa::path(
    delete,
    path = "/api/v1/credits/{registry_number}",
    tag = "credits",
    params(("registry_number" = String, Path, description = "医籍登録番号")),
    responses(
        (status = 200, description = "Withdrawn", body = Withdrawn),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No credit in force for this number", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The seminar takes no changes now", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw(
    State(state): State<AppState>,
    client: ApiClient,
    number: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Withdrawn>> {
    let Path(number) = number?;
    let number = RegistryNumber::parse(&number)
        .map(|n| n.as_str().to_string())
        .map_err(|e| ApiError::not_found(format!("医籍登録番号が正しくありません（{e}）。")))?;
    if client.seminar.status != crate::domain::seminar::Status::Approved {
        let refusal = use_case::registration_refusal(&client.seminar, client.now.date_naive());
        return Err(ApiError::conflict(refusal.unwrap_or_default()));
    }
    let mut tx = state.pool.begin().await?;
    let via = client.via();
    let withdrawn =
        use_case::withdraw(&mut tx, &client.who, client.now, &client.seminar, &number, None, &via)
            .await?;
    tx.commit().await?;
    if withdrawn == 0 {
        return Err(ApiError::not_found(format!(
            "医籍登録番号 {number} の登録中の単位はありません。"
        )));
    }
    Ok(Json(Withdrawn {
        message: format!("医籍登録番号 {number} の単位（{withdrawn} 件）を取り消しました。"),
        registry_number: number,
        withdrawn: withdrawn as i64,
    }))
}
