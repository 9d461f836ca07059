//! Starting an application: the form for one programme and kind, and its creation.

#[allow(unused_imports)]
use super::*;

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub(crate) programme: String,
    #[serde(default)]
    pub(crate) kind: String,
}

pub struct ReceiverOption {
    pub id: i64,
    pub name: String,
    /// Why this association receives it.
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "applications/new.html")]
struct NewPage {
    layout: Layout,
    programme_code: &'static str,
    programme: &'static str,
    kind_code: &'static str,
    kind: &'static str,
    certificate: Option<String>,
    receivers: Vec<ReceiverOption>,
    error: Option<String>,
    open_id: Option<i64>,
}

fn parse_new(query: &NewQuery) -> AppResult<(Programme, &'static str)> {
    let programme = Programme::from_code(&query.programme).ok_or(AppError::NotFound)?;
    let kind = match query.kind.as_str() {
        "new" => "new",
        "renewal" => "renewal",
        _ => return Err(AppError::NotFound),
    };
    Ok((programme, kind))
}

fn open_message(id: i64) -> String {
    format!(
        "この区分の申請（申請番号 {id}）がすでにあります。申請は区分ごとに1件ずつです。提出前の申請は、その申請の画面から続けるか、取り下げてから新しく作成してください。"
    )
}

/// The one association that receives the application (`app::applications::physician::receiver`):
/// shown, not chosen.
pub(super) async fn receiver_options(
    conn: &mut sqlx::PgConnection,
    physician: &Physician,
) -> AppResult<Vec<ReceiverOption>> {
    Ok(commands::receiver(conn, physician)
        .await?
        .map(|r| ReceiverOption { id: r.id, name: r.name, reason: r.reason })
        .into_iter()
        .collect())
}

async fn new_page(
    state: &AppState,
    ctx: &extract::Physician,
    physician: &Physician,
    query: &NewQuery,
    error: Option<String>,
    open_id: Option<i64>,
    status: StatusCode,
) -> AppResult<Response> {
    let (programme, kind) = parse_new(query)?;
    let today = ctx.now.date_naive();
    let mut conn = state.pool.acquire().await?;
    let cert = store::current_certification(&mut conn, physician.id, programme.code()).await?;
    let error = error.or_else(|| commands::refusal(kind, cert.as_ref(), today));
    let error = error.or_else(|| {
        physician.prefecture_code.is_none().then(|| {
            "登録情報に都道府県がないため申請できません。登録情報を確認してください。".into()
        })
    });
    let receivers = receiver_options(&mut conn, physician).await?;
    drop(conn);
    let page = NewPage {
        layout: ctx.layout().with_notice(ctx.take_flash().await?),
        programme_code: programme.code(),
        programme: programme.label(),
        kind_code: kind,
        kind: kind_label(kind),
        certificate: cert.filter(|_| kind == "renewal").map(|c| {
            format!(
                "認定証番号 {}（有効期間 {} ～ {}）",
                c.certificate_number,
                format_jp_date(c.valid_from),
                format_jp_date(c.valid_until)
            )
        }),
        receivers,
        error,
        open_id,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Query(query): Query<NewQuery>,
) -> AppResult<Response> {
    let Some(physician) = my_physician(&state, &ctx).await? else {
        return Ok(see_other("/welcome"));
    };
    new_page(&state, &ctx, &physician, &query, None, None, StatusCode::OK).await
}

/// Starts the application (`app::applications::physician::create`). The receiving association
/// is the rule's, whatever the form sent.
pub async fn create(
    State(state): State<AppState>,
    ctx: extract::Physician,
    Query(query): Query<NewQuery>,
) -> AppResult<Response> {
    let physician = registered(&state, &ctx).await?;
    let (programme, kind) = parse_new(&query)?;
    let start =
        commands::create(&state.pool, &applicant(&ctx, &physician), programme, kind).await?;
    let (error, open, status) = match start {
        commands::Start::Created(id) => {
            ctx.flash("申請を作成しました。内容を入力し、要件を満たしたら提出してください。")
                .await?;
            return Ok(see_other(&format!("/mypage/applications/{id}")));
        }
        commands::Start::Refused => (None, None, StatusCode::UNPROCESSABLE_ENTITY),
        commands::Start::AlreadyOpen(open) => {
            (Some(open_message(open.unwrap_or_default())), open, StatusCode::CONFLICT)
        }
    };
    new_page(&state, &ctx, &physician, &query, error, open, status).await
}
