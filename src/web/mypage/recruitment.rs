//! Attendee recruitment (受講者募集): seminars inviting applications, and the physician's
//! application and its cancellation.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::{self, audit};
use crate::domain::category::{Category, Format};
use crate::domain::person::Sex;
use crate::domain::policy::Action;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::views::{date_range, programme_label, units_text};
use crate::web::{render, see_other};

use crate::web::mypage::missing_credits::my_physician;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/seminars", get(open_seminars))
        .route("/seminars/{id}/apply", get(apply_form).post(apply))
        .route("/seminars/{id}/cancel", post(cancel_application))
}

const SEMINARS_PER_PAGE: i64 = 50;

pub struct OpenSeminarView {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
    pub units: Vec<(&'static str, String)>,
    pub capacity: Option<i32>,
    pub remaining: Option<i64>,
    pub full: bool,
    pub applied: bool,
}

fn open_view(
    s: db::recruitment::OpenSeminar,
    units: &[db::recruitment::UnitsOf],
    applied: bool,
) -> OpenSeminarView {
    let remaining = s.capacity.map(|c| (i64::from(c) - s.applicants).max(0));
    OpenSeminarView {
        id: s.id,
        programme: programme_label(&s.programme),
        dates: date_range(s.starts_on, s.ends_on),
        format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
        units: units
            .iter()
            .filter(|u| u.seminar_id == s.id)
            .map(|u| {
                (
                    Category::from_code(&u.category).map(Category::label).unwrap_or("その他"),
                    units_text(u.units),
                )
            })
            .collect(),
        full: remaining == Some(0),
        remaining,
        capacity: s.capacity,
        title: s.title,
        venue: s.venue,
        organizer: s.organizer_name,
        applied,
    }
}

#[derive(Template)]
#[template(path = "mypage/seminars.html")]
struct SeminarsPage {
    layout: Layout,
    seminars: Vec<OpenSeminarView>,
    signed_in_physician: bool,
    page: i64,
    pages: i64,
    total: i64,
    query: SeminarQuery,
    prefectures: Vec<crate::web::layout::PrefectureOption>,
    /// The filters as a query string for the pager links (starts with '&', or empty).
    filter_query: String,
    filtered: bool,
    /// Dates that could not be read, shown beside their field.
    errors: crate::domain::field_errors::FieldErrors,
    /// 和暦 dates read back in the Western calendar.
    from_echo: Option<String>,
    until_echo: Option<String>,
}

/// The recruitment list's GET form: page, prefecture, programme, dates (Western or 和暦).
#[derive(Clone, Default, Deserialize)]
pub struct SeminarQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    pub prefecture: String,
    #[serde(default)]
    pub programme: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
}

fn open_filter(
    query: &SeminarQuery,
    errors: &mut crate::domain::field_errors::FieldErrors,
) -> db::recruitment::OpenFilter {
    use crate::domain::era::parse_typed_date;
    let date =
        |text: &str, field: &'static str, errors: &mut crate::domain::field_errors::FieldErrors| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = parse_typed_date(text);
            if parsed.is_none() {
                errors.add(
                    field,
                    "日付を「2025-06-01」または「令和7年6月1日」のように入力してください。",
                );
            }
            parsed
        };
    db::recruitment::OpenFilter {
        prefecture: crate::domain::prefecture::parse(query.prefecture.trim()),
        programme: crate::domain::category::Programme::from_code(query.programme.trim())
            .map(|p| p.code()),
        from: date(&query.from, "from", errors),
        until: date(&query.until, "until", errors),
    }
}

pub async fn open_seminars(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SeminarQuery>,
) -> AppResult<Response> {
    let (today, reads) = (ctx.now.date_naive(), state.read_pool(&ctx));
    let mut errors = crate::domain::field_errors::FieldErrors::default();
    let filter = open_filter(&query, &mut errors);
    let total = db::recruitment::open_count(reads, today, &filter).await?;
    let pages = ((total + SEMINARS_PER_PAGE - 1) / SEMINARS_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let seminars = db::recruitment::open_seminars(
        reads,
        today,
        &filter,
        SEMINARS_PER_PAGE,
        (page - 1) * SEMINARS_PER_PAGE,
    )
    .await?;
    let ids: Vec<i64> = seminars.iter().map(|s| s.id).collect();
    let units = db::recruitment::units_of(reads, &ids).await?;
    let physician = match &ctx.user {
        Some(user) if crate::domain::policy::allows(&user.actor(), Action::ViewMyPage) => {
            db::physicians::for_account(reads, user.id).await?
        }
        _ => None,
    };
    let applied = match &physician {
        Some(p) => db::recruitment::applied_among(reads, p.id, &ids).await?,
        None => Vec::new(),
    };
    let page = SeminarsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminars: seminars
            .into_iter()
            .map(|s| {
                let applied = applied.contains(&s.id);
                open_view(s, &units, applied)
            })
            .collect(),
        signed_in_physician: physician.is_some(),
        page,
        pages,
        total,
        prefectures: crate::web::layout::prefecture_options(&query.prefecture),
        filter_query: [
            ("prefecture", &query.prefecture),
            ("programme", &query.programme),
            ("from", &query.from),
            ("until", &query.until),
        ]
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("&{k}={}", crate::error::urlencode(v.trim())))
        .collect(),
        filtered: filter != db::recruitment::OpenFilter::default(),
        errors,
        from_echo: crate::domain::era::western_echo(&query.from),
        until_echo: crate::domain::era::western_echo(&query.until),
        query,
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "mypage/apply.html")]
struct ApplyPage {
    layout: Layout,
    seminar: OpenSeminarView,
    name: String,
    furigana: String,
    birth_date: String,
    sex: &'static str,
    registry_number: Option<String>,
    email: String,
    phone: String,
    fax: String,
    error: Option<String>,
}

async fn apply_page(
    state: &AppState,
    ctx: &Ctx,
    seminar_id: i64,
    status: StatusCode,
    error: Option<String>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(state, ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let mut conn = state.pool.acquire().await?;
    let seminar = db::recruitment::open_seminar(&mut conn, seminar_id, ctx.now.date_naive())
        .await?
        .ok_or(AppError::NotFound)?;
    let applied = db::recruitment::has_applied(&mut conn, seminar_id, physician.id).await?;
    drop(conn);
    let units = db::recruitment::units_of(&state.pool, &[seminar_id]).await?;
    let email = ctx.user.as_ref().and_then(|u| u.email.clone()).unwrap_or_default();
    let page = ApplyPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        seminar: open_view(seminar, &units, applied),
        name: physician.kanji_name,
        furigana: physician.furigana,
        birth_date: format_jp_date(physician.birth_date),
        sex: Sex::from_code(&physician.sex).map(Sex::label).unwrap_or("―"),
        registry_number: physician.registry_number,
        email,
        phone: physician.phone.unwrap_or_default(),
        fax: physician.fax.unwrap_or_default(),
        error,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn apply_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    apply_page(&state, &ctx, id, StatusCode::OK, None).await
}

pub async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let today = ctx.now.date_naive();
    let mut tx = state.pool.begin().await?;
    // Locked: two physicians taking the last seat wait for each other here.
    let seminar = db::seminars::get_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let Some(open) = db::recruitment::open_seminar(&mut tx, id, today).await? else {
        return Err(AppError::NotFound);
    };
    let refused = if physician.registry_number.is_none() {
        Some("医籍登録番号が登録されていないため、申し込めません。登録情報をご確認ください。")
    } else if db::recruitment::has_applied(&mut tx, id, physician.id).await? {
        Some("この研修会には、すでに申し込んでいます。")
    } else if open.capacity.is_some_and(|c| open.applicants >= i64::from(c)) {
        Some("定員に達したため、申込みを締め切りました。")
    } else {
        None
    };
    if let Some(message) = refused {
        drop(tx);
        return apply_page(&state, &ctx, id, StatusCode::CONFLICT, Some(message.into())).await;
    }
    if !db::recruitment::apply(&mut tx, id, physician.id, ctx.now).await? {
        return Err(AppError::Conflict("この研修会には、すでに申し込んでいます。".into()));
    }
    audit::record(
        &mut tx,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "seminar.apply",
            entity_type: "seminar_applicant",
            entity_id: Some(format!("{id}:{}", physician.id)),
            before: None,
            after: Some(json!({"seminar_id": id, "physician_id": physician.id})),
        },
    )
    .await?;
    if let Some(email) = ctx.user.as_ref().and_then(|u| u.email.as_deref()) {
        let message = crate::mail::messages::physician::SeminarApplicationReceived {
            name: physician.kanji_name.clone(),
            seminar_title: seminar.title.clone(),
            period: date_range(seminar.starts_on, seminar.ends_on),
            venue: seminar.venue.clone(),
            organizer: seminar.organizer_name.clone(),
            sig: crate::mail::Signature::portal_for(
                seminar.organizer_name.clone(),
                "研修会の受講申込みの受付のお知らせ",
            ),
        };
        crate::mail::queue(&mut tx, email, &message, ctx.now).await?;
    }
    tx.commit().await?;
    state.mail_notify.notify_one();
    ctx.flash("受講の申込みを受け付けました。").await?;
    Ok(see_other(&format!("/seminars/{id}/apply")))
}

pub async fn cancel_application(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let mut tx = state.pool.begin().await?;
    db::seminars::get_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if db::recruitment::open_seminar(&mut tx, id, ctx.now.date_naive()).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if db::recruitment::cancel(&mut tx, id, physician.id, ctx.now).await? {
        audit::record(
            &mut tx,
            &ctx.who(),
            ctx.now,
            audit::Entry {
                action: "seminar.cancel_application",
                entity_type: "seminar_applicant",
                entity_id: Some(format!("{id}:{}", physician.id)),
                before: None,
                after: Some(json!({"seminar_id": id, "physician_id": physician.id})),
            },
        )
        .await?;
        tx.commit().await?;
        ctx.flash("受講の申込みを取り消しました。").await?;
    }
    Ok(see_other(&format!("/seminars/{id}/apply")))
}
