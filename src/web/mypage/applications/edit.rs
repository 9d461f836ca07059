//! Changing an application: its details, declared credits, submission and withdrawal. Each
//! handler parses the form, calls its use case (`app::applications::physician`) and answers
//! with the application page (errors beside their fields) or back to it with a notice.

#[allow(unused_imports)]
use super::*;
use crate::app::applications::physician::NotSubmitted;

fn back(id: i64) -> Response {
    see_other(&format!("/mypage/applications/{id}"))
}

/// The application page again, with the errors beside their fields.
async fn refused(
    state: &AppState,
    ctx: &extract::Physician,
    physician: &Physician,
    id: i64,
    forms: (CreditForm, Option<DetailsForm>),
    errors: Errors,
    status: StatusCode,
) -> AppResult<Response> {
    let (credit, details) = forms;
    show_page(state, ctx, physician, id, credit, details, errors, status).await
}

pub async fn save_details(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
    Form(form): Form<DetailsForm>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let a = applicant(&ctx, &physician);
    if let Err(errors) = commands::save_details(&state.pool, &a, id, &form).await? {
        let forms = (CreditForm::default(), Some(form));
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return refused(&state, &ctx, &physician, id, forms, errors, status).await;
    }
    ctx.flash("申請の内容を保存しました。").await?;
    Ok(back(id))
}

pub async fn add_credit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
    Form(form): Form<CreditForm>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let a = applicant(&ctx, &physician);
    let (cut_over, today) = (cut_over(&state), ctx.now.date_naive());
    let parse = |programme: &str| parse_credit(&form, programme, cut_over, today);
    let credit = match commands::add_credit(&state.pool, &a, id, parse).await? {
        Ok(credit) => credit,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refused(&state, &ctx, &physician, id, (form, None), errors, status).await;
        }
    };
    // A 和暦 date is echoed in the Western calendar it was stored as.
    let typed = form.attended_on.trim();
    let notice = if !typed.is_ascii() || typed.starts_with(char::is_alphabetic) {
        format!(
            "単位を追加しました（受講日「{typed}」を{}として登録しました）。",
            format_jp_date(credit.attended_on)
        )
    } else {
        "単位を追加しました。".to_string()
    };
    ctx.flash(&notice).await?;
    Ok(back(id))
}

pub async fn remove_credit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path((id, credit_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    commands::remove_credit(&state.pool, &applicant(&ctx, &physician), id, credit_id).await?;
    ctx.flash("単位を削除しました。").await?;
    Ok(back(id))
}

/// The unmet rules, one line each, for the summary at the check.
fn unmet_errors(rules: &[Rule]) -> Errors {
    let mut errors = Errors::default();
    for r in rules {
        let v = rule_view(r);
        let mut text = r.label.clone();
        if let (Some(req), Some(got)) = (&v.required, &v.counted) {
            text.push_str(&format!("：必要 {req}、算入 {got}"));
        }
        if let Some(s) = &v.shortfall {
            text.push_str(&format!("（{s}）"));
        }
        if let Some(n) = &v.note {
            text.push_str(&format!("　{n}"));
        }
        errors.push("check-heading", text);
    }
    errors
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (errors, status) = match commands::submit(&state, &applicant(&ctx, &physician), id).await? {
        Ok(()) => {
            ctx.flash("申請を提出しました。受付のお知らせをメールでお送りしました。").await?;
            return Ok(back(id));
        }
        Err(NotSubmitted::State(why)) => (Errors::one("check-heading", why), StatusCode::CONFLICT),
        Err(NotSubmitted::Unmet(rules)) => (unmet_errors(&rules), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let forms = (CreditForm::default(), None);
    refused(&state, &ctx, &physician, id, forms, errors, status).await
}

#[derive(Template)]
#[template(path = "applications/withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    id: i64,
    programme: &'static str,
    kind: &'static str,
    declared: usize,
    files: usize,
}

/// Withdrawing loses the declared credits and files: it is confirmed on a page of its own.
pub async fn withdraw_page(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let mut conn = state.pool.acquire().await?;
    let app = own_application(&mut conn, &physician, id).await?;
    if let Err(why) = application::transition(app.state(), Actor::Physician, Event::Withdraw) {
        return Err(AppError::Conflict(why.into()));
    }
    let page = WithdrawPage {
        layout: ctx.layout(),
        id,
        programme: programme_label(&app.programme),
        kind: kind_label(&app.kind),
        declared: store::declared_credits(&mut conn, id).await?.len(),
        files: store::files(&mut conn, id).await?.len(),
    };
    render(&page)
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    commands::withdraw(&state.pool, &applicant(&ctx, &physician), id).await?;
    ctx.flash("申請を取り下げました。").await?;
    Ok(see_other("/mypage/applications"))
}
