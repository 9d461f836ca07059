//! The public seminar finder (issue 14): /seminars/find lists approved seminars still to come
//! by programme, category, prefecture, dates and format, with the units each grants; a signed-in
//! physician also sees 「あなたの更新に足りない単位」 and the seminars that would fill it;
//! /seminars/{id} is a seminar's own page with its programme (timetable).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use crate::db::{self, finder::FoundSeminar};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::field_errors::FieldErrors;
use crate::domain::finder::{self, CategoryChoice, FinderQuery};
use crate::domain::policy::{allows, Action};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::ctx::Ctx;
use crate::web::layout::{prefecture_options, Layout, PrefectureOption};
use crate::web::render;
use crate::web::views::{date_range, units_text};

pub fn routes() -> Router<AppState> {
    Router::new().route("/seminars/find", get(find)).route("/seminars/{id}", get(seminar_page))
}

const PER_PAGE: i64 = 20;

/// A seminar as the finder and the suggestions show it.
pub struct SeminarRow {
    pub id: i64,
    pub title: String,
    pub programme: &'static str,
    pub dates: String,
    pub prefecture: &'static str,
    pub venue: String,
    pub format: &'static str,
    pub organizer: String,
    /// (category, 「2単位」 or 「修了」).
    pub units: Vec<(&'static str, String)>,
    pub recruiting: bool,
}

impl SeminarRow {
    pub fn new(s: &FoundSeminar) -> Self {
        SeminarRow {
            id: s.id,
            title: s.title.clone(),
            programme: Programme::from_code(&s.programme).map(Programme::label).unwrap_or("―"),
            dates: date_range(s.starts_on, s.ends_on),
            prefecture: crate::domain::prefecture::name(s.prefecture_code).unwrap_or("―"),
            venue: s.venue.clone(),
            format: Format::from_code(&s.format).map(Format::label).unwrap_or("―"),
            organizer: s.organizer_name.clone(),
            units: s
                .units()
                .into_iter()
                .filter_map(|u| {
                    let c = Category::from_code(&u.category)?;
                    let text = if c.is_course() {
                        "修了".into()
                    } else {
                        format!("{}単位", units_text(u.units))
                    };
                    Some((c.label(), text))
                })
                .collect(),
            recruiting: s.recruiting,
        }
    }
}

/// One <option> of a select.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn choices(options: &[(&'static str, &'static str)], selected: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice { value, label, selected: *value == selected.trim() })
        .collect()
}

/// A suggested seminar with the requirements it helps meet.
pub struct SuggestionView {
    pub seminar: SeminarRow,
    pub fills: String,
}

/// One certification's renewal shortfall and its suggestions.
pub struct ShortfallView {
    pub programme: &'static str,
    pub valid_until: String,
    /// 「生涯研修 実地（対面のみ）：あと1単位（1単位以上のうち0単位）」
    pub needs: Vec<String>,
    pub web_counts: bool,
    pub suggestions: Vec<SuggestionView>,
}

#[derive(Template)]
#[template(path = "finder/find.html")]
struct FindPage {
    layout: Layout,
    query: FinderQuery,
    programmes: Vec<Choice>,
    categories: Vec<Choice>,
    formats: Vec<Choice>,
    prefectures: Vec<PrefectureOption>,
    errors: FieldErrors,
    from_echo: Option<String>,
    until_echo: Option<String>,
    seminars: Vec<SeminarRow>,
    total: i64,
    page: i64,
    pages: i64,
    filter_query: String,
    filtered: bool,
    /// Some for a signed-in physician (empty when nothing is short).
    shortfalls: Option<Vec<ShortfallView>>,
}

pub async fn find(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<FinderQuery>,
) -> AppResult<Response> {
    let today = ctx.now.date_naive();
    let (filter, page, errors) = finder::parse(&query);
    let first_day = finder::first_day(&filter, today);
    let total = db::finder::count(&state.pool, first_day, &filter).await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let page = i64::from(page).clamp(1, pages);
    let found =
        db::finder::search(&state.pool, first_day, &filter, PER_PAGE, (page - 1) * PER_PAGE)
            .await?;
    let shortfalls = shortfalls(&state, &ctx).await?;
    let page = FindPage {
        layout: ctx.layout(),
        programmes: choices(
            &[("occupational", "認定産業医"), ("sports", "認定健康スポーツ医")],
            &query.programme,
        ),
        categories: CategoryChoice::ALL
            .iter()
            .map(|c| Choice {
                value: c.code(),
                label: c.label(),
                selected: c.code() == query.category.trim(),
            })
            .collect(),
        formats: choices(&[("in_person", "対面"), ("web", "Web")], &query.format),
        prefectures: prefecture_options(&query.prefecture),
        errors,
        from_echo: crate::domain::era::western_echo(&query.from),
        until_echo: crate::domain::era::western_echo(&query.until),
        seminars: found.iter().map(SeminarRow::new).collect(),
        total,
        page,
        pages,
        filter_query: filter_query(&query),
        filtered: !filter.is_empty(),
        shortfalls,
        query,
    };
    render(&page)
}

/// The filters as a query string for the pager links (starts with '&', or empty).
fn filter_query(query: &FinderQuery) -> String {
    [
        ("programme", &query.programme),
        ("category", &query.category),
        ("prefecture", &query.prefecture),
        ("from", &query.from),
        ("until", &query.until),
        ("format", &query.format),
    ]
    .iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| format!("&{k}={}", crate::error::urlencode(v.trim())))
    .collect()
}

/// The signed-in physician's renewal shortfalls and suggestions; None for anyone else.
async fn shortfalls(state: &AppState, ctx: &Ctx) -> AppResult<Option<Vec<ShortfallView>>> {
    let Some(user) = ctx.user.as_ref().filter(|u| allows(&u.actor(), Action::ViewMyPage)) else {
        return Ok(None);
    };
    let Some(physician) = db::physicians::for_account(&state.pool, user.id).await? else {
        return Ok(None);
    };
    let today = ctx.now.date_naive();
    let found = crate::app::suggestions::for_physician(
        &state.pool,
        physician.id,
        physician.prefecture_code,
        today,
    )
    .await?;
    let views = found
        .into_iter()
        .map(|c| ShortfallView {
            programme: c.programme.label(),
            valid_until: crate::clock::format_jp_date(c.valid_until),
            needs: c
                .needs
                .iter()
                .map(|n| {
                    format!(
                        "{}：あと{}単位（{}単位以上のうち{}単位）",
                        n.label,
                        units_text(n.short),
                        units_text(n.required),
                        units_text(n.counted)
                    )
                })
                .collect(),
            web_counts: c.web_counts,
            suggestions: c
                .suggested
                .iter()
                .map(|(s, seminar)| SuggestionView {
                    seminar: SeminarRow::new(seminar),
                    fills: s.fills.join("・"),
                })
                .collect(),
        })
        .collect();
    Ok(Some(views))
}

/// One lecture of the programme.
pub struct LectureView {
    pub subject: String,
    pub lecturer: String,
    pub minutes: i32,
    pub category: &'static str,
}

#[derive(Template)]
#[template(path = "finder/seminar.html")]
struct SeminarPage {
    layout: Layout,
    seminar: SeminarRow,
    lectures: Vec<LectureView>,
    /// Still to come (a past seminar's page stays, marked as held).
    upcoming: bool,
    signed_in: bool,
}

pub async fn seminar_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let seminar = db::finder::approved(&state.pool, id).await?.ok_or(AppError::NotFound)?;
    let mut conn = state.pool.acquire().await?;
    let lectures = db::seminar_lectures::for_seminar(&mut conn, id).await?;
    drop(conn);
    let page = SeminarPage {
        layout: ctx.layout(),
        upcoming: seminar.starts_on >= ctx.now.date_naive(),
        seminar: SeminarRow::new(&seminar),
        lectures: lectures
            .into_iter()
            .map(|l| LectureView {
                category: Category::from_code(&l.category).map(Category::label).unwrap_or("―"),
                subject: l.subject,
                lecturer: l.lecturer,
                minutes: l.minutes,
            })
            .collect(),
        signed_in: ctx.user.is_some(),
    };
    render(&page)
}
