//! System administrator: maintenance windows and login-page announcements.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;

use crate::clock::{format_jp_datetime, parse_jst, Jst};
use crate::db::{self, audit};
use crate::domain::downtime;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::extract;
use crate::web::layout::Layout;
use crate::web::{render, see_other};

pub struct WindowView {
    pub id: i64,
    pub starts: String,
    pub ends: String,
    pub reason: String,
    pub state: &'static str,
}

#[derive(Default, Deserialize)]
pub struct WindowForm {
    #[serde(default)]
    pub(crate) starts_at: String,
    #[serde(default)]
    pub(crate) ends_at: String,
    #[serde(default)]
    pub(crate) reason: String,
    /// Set by the confirmation step of a window that starts at once.
    #[serde(default)]
    pub(crate) confirm: String,
}

/// The window form's errors, keyed by field id.
pub type WindowErrors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "admin/maintenance.html")]
struct WindowsPage {
    layout: Layout,
    windows: Vec<WindowView>,
    form: WindowForm,
    errors: WindowErrors,
    /// What a window starting at once will do, asked to be confirmed.
    confirm: Option<String>,
}

async fn windows_page(
    state: &AppState,
    ctx: &Ctx,
    form: WindowForm,
    errors: WindowErrors,
    confirm: Option<String>,
) -> AppResult<Response> {
    let now = ctx.now;
    let windows = db::maintenance::all_windows(&state.pool)
        .await?
        .into_iter()
        .rev()
        .map(|w| WindowView {
            id: w.id,
            starts: format_jp_datetime(w.starts_at),
            ends: format_jp_datetime(w.ends_at),
            state: if w.contains(now) {
                "停止中"
            } else if w.starts_at > now {
                "予定"
            } else {
                "終了"
            },
            reason: w.reason,
        })
        .collect();
    let status = if !errors.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = WindowsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        windows,
        form,
        errors,
        confirm,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn windows(State(state): State<AppState>, ctx: extract::Admin) -> AppResult<Response> {
    windows_page(&state, &ctx, WindowForm::default(), WindowErrors::default(), None).await
}

pub(crate) fn required_time(text: &str) -> Result<Jst, &'static str> {
    if text.trim().is_empty() {
        return Err("日時を入力してください。");
    }
    parse_jst(text).ok_or("日時は「2025-04-07 09:00」の形で入力してください。")
}

pub async fn create_window(
    State(state): State<AppState>,
    ctx: extract::Admin,
    Form(form): Form<WindowForm>,
) -> AppResult<Response> {
    let mut errors = WindowErrors::default();
    let starts = required_time(&form.starts_at).map_err(|e| errors.add("starts_at", e)).ok();
    let ends = required_time(&form.ends_at).map_err(|e| errors.add("ends_at", e)).ok();
    let reason = form.reason.trim().to_string();
    if reason.is_empty() {
        errors.add("reason", "停止の理由を入力してください（ログイン画面に表示されます）。");
    } else if reason.chars().count() > 200 {
        errors.add("reason", "理由は200文字以内で入力してください。");
    }
    if let (Some(s), Some(e)) = (starts, ends) {
        if let Err(message) = downtime::validate(s, e) {
            errors.add("ends_at", message);
        }
    }
    let (Some(starts), Some(ends), true) = (starts, ends, errors.is_empty()) else {
        return windows_page(&state, &ctx, form, errors, None).await;
    };
    if let Some(effect) = downtime::immediate_effect(starts, ends, ctx.now) {
        if form.confirm != "yes" {
            return windows_page(&state, &ctx, form, errors, Some(effect)).await;
        }
    }
    let mut tx = state.pool.begin().await?;
    let id = db::maintenance::create_window(&mut tx, starts, ends, &reason, ctx.now).await?;
    let entry = audit::Entry {
        action: "maintenance_window.create",
        entity_type: "maintenance_window",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({ "starts_at": starts, "ends_at": ends, "reason": reason })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    state.windows.invalidate();
    ctx.flash("停止予定を登録しました。").await?;
    Ok(see_other("/admin/maintenance"))
}

/// Deleting a window cancels a planned stop (or ends one under way): confirmed on a page of
/// its own that names the window.
pub async fn delete_window_page(
    State(state): State<AppState>,
    ctx: extract::Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let window = db::maintenance::window(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    drop(tx);
    let running = window.contains(ctx.now);
    let page = crate::web::confirm::ConfirmPage {
        layout: ctx.layout(),
        title: "停止予定を削除しますか".into(),
        lead: format!(
            "{} から {} までの停止予定（{}）を削除します。",
            format_jp_datetime(window.starts_at),
            format_jp_datetime(window.ends_at),
            window.reason
        ),
        lost: vec![
            "この停止予定（日時と理由）".into(),
            "ログイン画面とマイページなどに表示しているお知らせ".into(),
        ],
        note: Some(if running {
            "いま停止中です。削除すると、すぐにすべての画面が使えるようになります。".into()
        } else {
            "削除すると、この日時にポータルは停止しません。".into()
        }),
        action: format!("/admin/maintenance/{id}/delete"),
        button: "この停止予定を削除する".into(),
        cancel_href: "/admin/maintenance".into(),
        cancel_label: "削除せずに停止予定の一覧へ戻る".into(),
    };
    render(&page)
}

pub async fn delete_window(
    State(state): State<AppState>,
    ctx: extract::Admin,
    Path(id): Path<i64>,
    Form(confirmed): Form<crate::web::confirm::Confirmed>,
) -> AppResult<Response> {
    if !confirmed.yes() {
        return Ok(see_other(&format!("/admin/maintenance/{id}/delete")));
    }
    let mut tx = state.pool.begin().await?;
    let window = db::maintenance::window(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::maintenance::delete_window(&mut tx, id).await?;
    let entry = audit::Entry {
        action: "maintenance_window.delete",
        entity_type: "maintenance_window",
        entity_id: Some(id.to_string()),
        before: Some(json!({
            "starts_at": window.starts_at, "ends_at": window.ends_at, "reason": window.reason
        })),
        after: None,
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    state.windows.invalidate();
    ctx.flash("停止予定を削除しました。").await?;
    Ok(see_other("/admin/maintenance"))
}

pub struct AnnouncementView {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub period: String,
}

#[derive(Default, Deserialize)]
pub struct AnnouncementForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    published_from: String,
    #[serde(default)]
    published_until: String,
}

/// The announcement form's errors, keyed by field id.
pub type AnnouncementErrors = crate::domain::field_errors::FieldErrors;

#[derive(Template)]
#[template(path = "admin/announcements.html")]
struct AnnouncementsPage {
    layout: Layout,
    announcements: Vec<AnnouncementView>,
    form: AnnouncementForm,
    errors: AnnouncementErrors,
}

async fn announcements_page(
    state: &AppState,
    ctx: &Ctx,
    form: AnnouncementForm,
    errors: AnnouncementErrors,
) -> AppResult<Response> {
    let announcements = db::maintenance::all_announcements(&state.pool)
        .await?
        .into_iter()
        .map(|a| AnnouncementView {
            id: a.id,
            period: format!(
                "{} ～ {}",
                format_jp_datetime(a.published_from.fixed_offset()),
                a.published_until
                    .map(|u| format_jp_datetime(u.fixed_offset()))
                    .unwrap_or_else(|| "（終了日なし）".into())
            ),
            title: a.title,
            body: a.body,
        })
        .collect();
    let status = if !errors.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = AnnouncementsPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        announcements,
        form,
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn announcements(
    State(state): State<AppState>,
    ctx: extract::Admin,
) -> AppResult<Response> {
    announcements_page(&state, &ctx, AnnouncementForm::default(), AnnouncementErrors::default())
        .await
}

pub async fn create_announcement(
    State(state): State<AppState>,
    ctx: extract::Admin,
    Form(form): Form<AnnouncementForm>,
) -> AppResult<Response> {
    let mut errors = AnnouncementErrors::default();
    let title = form.title.trim().to_string();
    let body = form.body.trim().to_string();
    if title.is_empty() {
        errors.add("title", "件名を入力してください。");
    } else if title.chars().count() > 100 {
        errors.add("title", "件名は100文字以内で入力してください。");
    }
    if body.is_empty() {
        errors.add("body", "本文を入力してください。");
    } else if body.chars().count() > 2000 {
        errors.add("body", "本文は2000文字以内で入力してください。");
    }
    let from = if form.published_from.trim().is_empty() {
        Some(ctx.now)
    } else {
        required_time(&form.published_from).map_err(|e| errors.add("published_from", e)).ok()
    };
    let until = if form.published_until.trim().is_empty() {
        None
    } else {
        required_time(&form.published_until).map_err(|e| errors.add("published_until", e)).ok()
    };
    if let (Some(f), Some(u)) = (from, until) {
        if u <= f {
            errors.add("published_until", "掲載終了は掲載開始より後にしてください。");
        }
    }
    let (Some(from), true) = (from, errors.is_empty()) else {
        return announcements_page(&state, &ctx, form, errors).await;
    };
    let mut tx = state.pool.begin().await?;
    let id =
        db::maintenance::create_announcement(&mut tx, &title, &body, from, until, ctx.now).await?;
    let entry = audit::Entry {
        action: "announcement.create",
        entity_type: "announcement",
        entity_id: Some(id.to_string()),
        before: None,
        after: Some(json!({
            "title": title, "body": body, "published_from": from, "published_until": until
        })),
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("お知らせを登録しました。").await?;
    Ok(see_other("/admin/announcements"))
}

pub async fn delete_announcement(
    State(state): State<AppState>,
    ctx: extract::Admin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let mut tx = state.pool.begin().await?;
    let before = db::maintenance::announcement(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::maintenance::delete_announcement(&mut tx, id).await?;
    let entry = audit::Entry {
        action: "announcement.delete",
        entity_type: "announcement",
        entity_id: Some(id.to_string()),
        before: Some(json!({ "title": before.title, "body": before.body })),
        after: None,
    };
    audit::record(&mut tx, &ctx.who(), ctx.now, entry).await?;
    tx.commit().await?;
    ctx.flash("お知らせを削除しました。").await?;
    Ok(see_other("/admin/announcements"))
}
