//! Withdrawing an attendee's credits (the list itself is `web::work::credits`).

use super::*;
use crate::app::credits;

/// Withdrawing takes the credits off the attendees' my pages: confirmed on a page of its own
/// that names the attendee and each credit that will stop counting.
pub(super) async fn withdraw_page(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, registry_number)): Path<(String, String)>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    let mut conn = state.pool.acquire().await?;
    let rows = credit_db::for_attendee(&mut conn, work.seminar.id, &registry_number).await?;
    let active: Vec<_> = rows.iter().filter(|r| r.withdrawn_at.is_none()).collect();
    let Some(first) = active.first() else {
        ctx.flash(&format!("医籍登録番号 {registry_number} の登録中の単位はありません。")).await?;
        return Ok(see_other(&format!("{}/credits", work.base())));
    };
    let lost = active
        .iter()
        .map(|r| {
            let category =
                Category::from_code(&r.category).map_or(r.category.as_str(), |c| c.label());
            format!("{category} {}単位", r.units.normalize())
        })
        .collect();
    let base = work.base();
    let page = crate::web::confirm::ConfirmPage {
        layout: ctx.layout(),
        title: "受講者の単位を取り消しますか".into(),
        lead: format!(
            "{} さん（医籍登録番号 {registry_number}）のこの研修会の単位を取り消します。",
            first.kanji_name
        ),
        lost,
        note: Some(
            "取り消すと、この方のマイページと申請の要件確認に、これらの単位は表示も算入もされなくなります。間違えて取り消したときは、もう一度登録してください。"
                .into(),
        ),
        action: format!("{base}/credits/{registry_number}/withdraw"),
        button: format!("{} さんの単位を取り消す", first.kanji_name),
        cancel_href: format!("{base}/credits"),
        cancel_label: "取り消さずに受講者の一覧へ戻る".into(),
    };
    render(&page)
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    work: WorkPage,
    Path((_, registry_number)): Path<(String, String)>,
    Form(confirmed): Form<crate::web::confirm::Confirmed>,
) -> AppResult<Response> {
    if !accepting(&work.seminar) {
        return not_accepting(&ctx, &work);
    }
    if !confirmed.yes() {
        return Ok(see_other(&format!("{}/credits/{registry_number}/withdraw", work.base())));
    }
    let mut tx = state.pool.begin().await?;
    let via = json!("work_page");
    let withdrawn = credits::withdraw(
        &mut tx,
        &ctx.who(),
        ctx.now,
        &work.seminar,
        &registry_number,
        None,
        &via,
    )
    .await?;
    tx.commit().await?;
    let message = if withdrawn == 0 {
        format!("医籍登録番号 {registry_number} の登録中の単位はありません。")
    } else {
        format!("医籍登録番号 {registry_number} の単位（{withdrawn} 件）を取り消しました。")
    };
    ctx.flash(&message).await?;
    Ok(see_other(&format!("{}/credits", work.base())))
}
