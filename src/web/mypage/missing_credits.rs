//! The physician reports a missing credit from the my page (briefing Q4).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::json;

use crate::clock::format_jp_date;
use crate::db::{self, audit};
use crate::domain::deadline;
use crate::domain::policy::Action;
use crate::domain::seminar::Status as SeminarStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::Layout;
use crate::web::views::{date_range, programme_label, MissingView};
use crate::web::{render, see_other};

pub fn routes() -> Router<AppState> {
    Router::new().route("/mypage/missing-credits", get(missing_form).post(missing_submit))
}

#[derive(Default, Deserialize)]
pub struct MissingQuery {
    #[serde(default)]
    q: String,
}

#[derive(Clone, Default, Deserialize)]
pub struct MissingForm {
    #[serde(default)]
    pub(crate) seminar_id: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) date: String,
    #[serde(default)]
    pub(crate) note: String,
    #[serde(default)]
    pub(crate) q: String,
}

pub struct ChoiceView {
    pub id: i64,
    pub title: String,
    pub dates: String,
    pub organizer: String,
    pub programme: &'static str,
    pub checked: bool,
}

/// The missing-credit form's errors, keyed by field id.
type MissingErrors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "mypage/missing.html")]
struct MissingPage {
    layout: Layout,
    q: String,
    searched: bool,
    choices: Vec<ChoiceView>,
    form: MissingForm,
    errors: MissingErrors,
    reports: Vec<MissingView>,
}

const NOTE_MAX: usize = 1000;

async fn missing_page(
    state: &AppState,
    ctx: &Ctx,
    physician_id: i64,
    form: MissingForm,
    errors: MissingErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    db::reports::close_resolved(&mut *state.pool.acquire().await?, ctx.now).await?;
    let q = form.q.trim().to_string();
    let chosen: Option<i64> = form.seminar_id.trim().parse().ok();
    let choices = if q.is_empty() {
        Vec::new()
    } else {
        db::reports::search_approved_seminars(&state.pool, &q, today, 30)
            .await?
            .into_iter()
            .map(|s| ChoiceView {
                checked: chosen == Some(s.id),
                id: s.id,
                dates: date_range(s.starts_on, s.ends_on),
                title: s.title,
                organizer: s.organizer_name,
                programme: programme_label(&s.programme),
            })
            .collect()
    };
    let reports = db::reports::missing_for_physician(&state.pool, physician_id)
        .await?
        .into_iter()
        .map(MissingView::from)
        .collect();
    let page = MissingPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        searched: !q.is_empty(),
        q,
        choices,
        form,
        errors,
        reports,
    };
    Ok((status, render(&page)?).into_response())
}

pub(crate) async fn my_physician(
    state: &AppState,
    ctx: &Ctx,
) -> AppResult<Option<db::physicians::Physician>> {
    let user = ctx.require(Action::ViewMyPage)?;
    let physician =
        db::physicians::for_account(&state.pool, user.id).await?.ok_or(AppError::NotFound)?;
    Ok(physician.registration_completed_at.is_some().then_some(physician))
}

pub async fn missing_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<MissingQuery>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let form = MissingForm { q: query.q, ..Default::default() };
    missing_page(&state, &ctx, physician.id, form, MissingErrors::default(), StatusCode::OK).await
}

pub async fn missing_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<MissingForm>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    let today = ctx.now.date_naive();
    let mut errors = MissingErrors::default();
    let note = form.note.trim();
    if note.chars().count() > NOTE_MAX {
        errors.add("note", "補足は1,000文字以内で入力してください。");
    }
    let mut conn = state.pool.begin().await?;
    let chosen = form.seminar_id.trim();
    let (seminar, title, date) = if !chosen.is_empty() {
        let seminar = match chosen.parse::<i64>() {
            Ok(id) => db::seminars::get(&mut conn, id).await?,
            Err(_) => None,
        };
        match seminar.filter(|s| s.status == SeminarStatus::Approved && s.starts_on <= today) {
            Some(s) => {
                let (title, date) = (s.title.clone(), s.ends_on);
                (Some(s), title, Some(date))
            }
            None => {
                errors.add("choice", "選んだ研修会が見つかりません。もう一度検索してください。");
                (None, String::new(), None)
            }
        }
    } else {
        let title = form.title.trim().to_string();
        if title.is_empty() {
            errors.add("title", "研修会名を入力するか、上の検索から研修会を選んでください。");
        } else if title.chars().count() > 200 {
            errors.add("title", "研修会名は200文字以内で入力してください。");
        }
        let date = crate::domain::era::parse_typed_date(&form.date);
        match date {
            None => {
                errors.add("date", "開催日を「2025-05-10」または「令和7年5月10日」のように入力してください。")
            }
            Some(d) if d > today => {
                errors.add("date", "開催日が未来の日付になっています。")
            }
            Some(d) if d < state.config.portal_credits_from => {
                errors.add("date", format!(
                    "{}より前に開催された研修会の単位はポータルには登録されません。手帳のシールまたは修了証でご確認ください。",
                    format_jp_date(state.config.portal_credits_from)
                ))
            }
            Some(_) => {}
        }
        (None, title, date)
    };
    if let Some(s) = &seminar {
        if db::reports::has_open_missing(&mut conn, physician.id, s.id).await? {
            errors.add(
                "choice",
                "この研修会については、すでに報告しています。回答をお待ちください。",
            );
        }
    }
    let (Some(date), true) = (date, errors.is_empty()) else {
        drop(conn);
        return missing_page(
            &state,
            &ctx,
            physician.id,
            form,
            errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let note = (!note.is_empty()).then_some(note);
    let id = db::reports::create_missing(
        &mut conn,
        &db::reports::NewMissingReport {
            physician_id: physician.id,
            seminar_id: seminar.as_ref().map(|s| s.id),
            seminar_title: &title,
            seminar_date: date,
            note,
        },
        ctx.now,
    )
    .await?;
    audit::record(
        &mut conn,
        &ctx.who(),
        ctx.now,
        audit::Entry {
            action: "missing_credit.report",
            entity_type: "missing_credit_report",
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(json!({
                "physician_id": physician.id,
                "seminar_id": seminar.as_ref().map(|s| s.id),
                "seminar_title": title,
                "seminar_date": date,
                "note": note,
            })),
        },
    )
    .await?;
    // The organizer hears of it at once (the details are on the work page, not in the mail).
    if let Some(s) = &seminar {
        let message = crate::mail::messages::organizer::MissingCreditReported {
            organizer: s.organizer_name.clone(),
            seminar_title: s.title.clone(),
            period: date_range(s.starts_on, s.ends_on),
            deadline: format_jp_date(deadline::due_date(s.ends_on)),
            sig: crate::mail::Signature::portal_for(
                crate::mail::messages::prefecture_association(s.approving_prefecture_code),
                "受講者からの単位未反映のご報告のお知らせ",
            ),
        };
        crate::mail::queue(&mut conn, &s.contact_email, &message, ctx.now).await?;
    }
    conn.commit().await?;
    if seminar.is_some() {
        state.mail_notify.notify_one();
    }
    let message = match &seminar {
        Some(s) if today <= deadline::due_date(s.ends_on) => format!(
            "報告を受け付けました。この研修会の単位の登録期限は{}です。期限までに登録されることもありますので、しばらくお待ちください。",
            format_jp_date(deadline::due_date(s.ends_on))
        ),
        _ => "報告を受け付けました。研修会の主催者と都道府県医師会にお知らせします。単位が登録されると、この報告は自動的に終了します。".to_string(),
    };
    ctx.flash(&message).await?;
    Ok(see_other("/mypage/missing-credits"))
}
