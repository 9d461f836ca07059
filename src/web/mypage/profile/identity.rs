//! Identity change requests (登録情報の変更申請): the form, filing and withdrawing
//! (`app::changes`).

#[allow(unused_imports)]
use super::*;

use crate::app::changes::{self, ALREADY_PENDING};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct IdentityForm {
    kanji_name: String,
    furigana: String,
    birth_date: String,
    sex: String,
    registry_number: String,
    reason: String,
}

impl IdentityForm {
    fn of(p: &Physician) -> Self {
        IdentityForm {
            kanji_name: p.kanji_name.clone(),
            furigana: p.furigana.clone(),
            birth_date: p.birth_date.format("%Y-%m-%d").to_string(),
            sex: sex_label(&p.sex).to_string(),
            registry_number: opt(&p.registry_number),
            reason: String::new(),
        }
    }
}

/// Parses the form and keeps only what differs from the record (compared in normal form, so
/// 「山田 太郎」 and 「山田　太郎」 are the same name).
pub fn parse_identity(
    form: &IdentityForm,
    p: &Physician,
    today: NaiveDate,
) -> Result<(IdentityChanges, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let kanji_name = parse_kanji_name(&form.kanji_name).map_err(|e| errors.add("kanji_name", e));
    let furigana = parse_furigana(&form.furigana).map_err(|e| errors.add("furigana", e));
    let birth_date =
        parse_birth_date(&form.birth_date, today).map_err(|e| errors.add("birth_date", e));
    let sex = Sex::parse(&form.sex).map_err(|e| errors.add("sex", e));
    let registry_number =
        RegistryNumber::parse(&form.registry_number).map_err(|e| errors.add("registry_number", e));
    let reason = parse_free_text(&form.reason, 500, Some("変更の理由を入力してください。"))
        .map_err(|e| errors.add("reason", e));
    let (
        Ok(kanji_name),
        Ok(furigana),
        Ok(birth_date),
        Ok(sex),
        Ok(registry_number),
        Ok(Some(reason)),
    ) = (kanji_name, furigana, birth_date, sex, registry_number, reason)
    else {
        return Err(errors);
    };
    let same_name = parse_kanji_name(&p.kanji_name).is_ok_and(|n| n == kanji_name);
    let same_furigana = parse_furigana(&p.furigana).is_ok_and(|f| f == furigana);
    let changes = IdentityChanges {
        kanji_name: (!same_name).then_some(kanji_name),
        furigana: (!same_furigana).then_some(furigana),
        birth_date: (birth_date != p.birth_date).then_some(birth_date),
        sex: (sex.code() != p.sex).then(|| sex.code().to_string()),
        registry_number: (p.registry_number.as_deref() != Some(registry_number.as_str()))
            .then(|| registry_number.as_str().to_string()),
    };
    Ok((changes, reason))
}

#[derive(Template)]
#[template(path = "profile/request.html")]
struct RequestPage {
    layout: Layout,
    form: IdentityForm,
    errors: FieldErrors,
    /// A message about the whole form (nothing changed, a request already pending).
    problem: Option<&'static str>,
    pending: Option<RequestView>,
}

async fn pending_view(state: &AppState, p: &Physician) -> AppResult<Option<RequestView>> {
    let latest = db::change_requests::for_physician(&state.pool, p.id, 1).await?;
    Ok(latest
        .first()
        .filter(|r| r.status == ChangeRequestStatus::Pending)
        .map(|r| request_view(p, r)))
}

pub async fn request_form(
    State(state): State<AppState>,
    ctx: extract::Physician,
) -> AppResult<Response> {
    let user = &ctx.user;
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    let page = RequestPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        form: IdentityForm::of(&p),
        errors: FieldErrors::default(),
        problem: None,
        pending: pending_view(&state, &p).await?,
    };
    render(&page)
}

pub async fn request_submit(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Form(form): Form<IdentityForm>,
) -> AppResult<Response> {
    let user = ctx.user.clone();
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    let pending = pending_view(&state, &p).await?;
    let (status, errors, problem) = match parse_identity(&form, &p, ctx.now.date_naive()) {
        // A stale form while a request is pending: that is what the physician must know.
        _ if pending.is_some() => {
            (StatusCode::CONFLICT, FieldErrors::default(), Some(ALREADY_PENDING))
        }
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok((changes, _)) if changes.is_empty() => (
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::default(),
            Some("現在の登録内容から変更された項目がありません。変更したい項目を書き換えてください。"),
        ),
        Ok((changes, reason)) => {
            let (who, now) = (ctx.who(), ctx.now);
            if changes::file(&state, &who, now, &p, user.id, &changes, &reason).await? {
                ctx.flash("変更を申請しました。事務局が確認し、結果をメールでお知らせします。")
                    .await?;
                return Ok(see_other("/mypage/profile"));
            }
            // Filed meanwhile from another tab: the unique index let only one through.
            (StatusCode::CONFLICT, FieldErrors::default(), Some(ALREADY_PENDING))
        }
    };
    let pending = match pending {
        Some(view) => Some(view),
        None => pending_view(&state, &p).await?,
    };
    let page = RequestPage { layout: ctx.layout(), form, errors, problem, pending };
    Ok((status, render(&page)?).into_response())
}

pub async fn request_withdraw(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.user.clone();
    let Some(p) = own_physician(&state, user.id).await? else {
        return no_record(&ctx).await;
    };
    changes::withdraw(&state, &ctx.who(), ctx.now, &p, user.id, id).await?;
    ctx.flash("変更申請を取り下げました。").await?;
    Ok(see_other("/mypage/profile"))
}
