//! The work page's list of registered attendees for big seminars (issue 10, part 6): one page
//! at a time in フリガナ order (an index walk, so the first pages of a 20,000-attendee Web
//! seminar cost what a 100-attendee one does), searchable by name, フリガナ or 医籍登録番号,
//! and the whole list as CSV.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use crate::clock::Jst;
use crate::db::credits::{Summary, SUMMARY_COLUMNS};

/// Attendees per page of the list (the anchors are every `PER_PAGE`th attendee).
pub const PER_PAGE: i64 = 100;

/// The list's counts and the first attendee (フリガナ, 医籍登録番号) of every page.
#[derive(Clone, Debug, Default)]
pub struct Shape {
    pub summary: Summary,
    pub anchors: Vec<(String, String)>,
}

#[derive(sqlx::FromRow)]
struct ShapeRow {
    summary: String,
    anchors: String,
}

/// The list's shape as CTEs `cur`, `stale`, `counted`, `anchored` (and `stored`, which keeps a
/// recomputed shape): $1 the seminar, $2 attendees per page, $3 now.
fn shape_ctes() -> String {
    format!(
        "WITH cur AS (
             SELECT COALESCE(v.version, 0) AS version, l.version AS cached_version,
                    l.summary, l.anchors
             FROM (SELECT $1::bigint AS id) s
             LEFT JOIN seminar_credit_versions v ON v.seminar_id = s.id
             LEFT JOIN seminar_credit_lists l ON l.seminar_id = s.id
         ),
         stale AS (SELECT cached_version IS DISTINCT FROM version AS yes FROM cur),
         counted AS (
             SELECT {SUMMARY_COLUMNS} FROM credits
             WHERE seminar_id = $1 AND (SELECT yes FROM stale)
         ),
         anchored AS (
             SELECT COALESCE(jsonb_agg(jsonb_build_array(furigana, registry_number) ORDER BY n),
                             '[]'::jsonb) AS anchors
             FROM (
                 SELECT furigana, registry_number,
                        row_number() OVER (ORDER BY furigana, registry_number) AS n
                 FROM (SELECT DISTINCT ON (furigana, registry_number) furigana, registry_number
                       FROM credits
                       WHERE seminar_id = $1 AND (SELECT yes FROM stale)
                       ORDER BY furigana, registry_number) people
             ) numbered
             WHERE (n - 1) % $2 = 0
         ),
         stored AS (
             INSERT INTO seminar_credit_lists AS l
                 (seminar_id, version, summary, anchors, computed_at)
             SELECT $1, cur.version, to_jsonb(counted), anchored.anchors, $3
             FROM cur, counted, anchored, stale
             WHERE stale.yes
             ON CONFLICT (seminar_id) DO UPDATE SET version = EXCLUDED.version,
                 summary = EXCLUDED.summary, anchors = EXCLUDED.anchors,
                 computed_at = EXCLUDED.computed_at
             -- A newer shape stored meanwhile stays.
             WHERE l.version <= EXCLUDED.version
         )"
    )
}

static SHAPE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{}
         SELECT (CASE WHEN stale.yes THEN to_jsonb(counted) ELSE cur.summary END)::text
                    AS summary,
                (CASE WHEN stale.yes THEN anchored.anchors ELSE cur.anchors END)::text
                    AS anchors
         FROM cur, stale, counted, anchored",
        shape_ctes()
    )
});

/// The list's shape for the seminar's current credits: kept in `seminar_credit_lists` for
/// one version of them (see migration 0033), recomputed when the credits changed since. One
/// statement either way: the counting parts run only when the kept shape is stale (their
/// condition is a one-time filter).
pub async fn shape(conn: &mut PgConnection, seminar_id: i64, now: Jst) -> sqlx::Result<Shape> {
    let row: ShapeRow = sqlx::query_as(&SHAPE_SQL)
        .bind(seminar_id)
        .bind(PER_PAGE)
        .bind(now)
        .fetch_one(conn)
        .await?;
    let decode = |e: serde_json::Error| sqlx::Error::Decode(e.into());
    Ok(Shape {
        summary: serde_json::from_str(&row.summary).map_err(decode)?,
        anchors: serde_json::from_str(&row.anchors).map_err(decode)?,
    })
}

/// One page of the whole list with the list's counts: what the work page's credit list shows
/// when nobody searches.
#[derive(Clone, Debug, Default)]
pub struct ListPage {
    pub summary: Summary,
    /// The page shown: the one asked for, kept within 1..=pages.
    pub page: i64,
    pub rows: Vec<ListedCredit>,
}

/// One credit of the page with the list's counts and the page number beside it (the credit
/// columns are NULL in the single row of an empty page). Rows, not JSON: building 200 rows'
/// JSON cost the database more than finding them.
#[derive(sqlx::FromRow)]
struct ListPageRow {
    summary: String,
    page: i64,
    registry_number: Option<String>,
    kanji_name: Option<String>,
    furigana: Option<String>,
    birth_date: Option<NaiveDate>,
    sex: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    category: Option<String>,
    units: Option<Decimal>,
    match_status: Option<crate::domain::credit_match::MatchStatus>,
    late: Option<bool>,
    withdrawn_at: Option<DateTime<Utc>>,
    review_reason: Option<String>,
    corrected: Option<bool>,
}

impl ListPageRow {
    fn credit(self) -> Option<ListedCredit> {
        Some(ListedCredit {
            registry_number: self.registry_number?,
            kanji_name: self.kanji_name?,
            furigana: self.furigana?,
            birth_date: self.birth_date?,
            sex: self.sex?,
            email: self.email?,
            phone: self.phone,
            fax: self.fax,
            category: self.category?,
            units: self.units?,
            match_status: self.match_status?,
            late: self.late?,
            withdrawn_at: self.withdrawn_at,
            review_reason: self.review_reason,
            corrected: self.corrected?,
        })
    }
}

/// The shape as above, then the page's attendees from its anchor (an index range walked from
/// there, however deep) and every credit of theirs, one row each: one statement, one round
/// trip. The
/// anchor's two values are scalar subqueries, so the walk stays an ordered index scan.
static LIST_PAGE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{},
         shaped AS (
             SELECT CASE WHEN stale.yes THEN to_jsonb(counted) ELSE cur.summary END AS summary,
                    CASE WHEN stale.yes THEN anchored.anchors ELSE cur.anchors END AS anchors
             FROM cur, stale, counted, anchored
         ),
         chosen AS (
             SELECT summary, anchors,
                    LEAST(GREATEST($4::bigint, 1), GREATEST(jsonb_array_length(anchors), 1))
                        AS page
             FROM shaped
         ),
         people AS (
             SELECT DISTINCT ON (furigana, registry_number) furigana, registry_number
             FROM credits
             WHERE seminar_id = $1
               AND (furigana, registry_number) >=
                   ((SELECT anchors -> (page - 1)::int ->> 0 FROM chosen),
                    (SELECT anchors -> (page - 1)::int ->> 1 FROM chosen))
             ORDER BY furigana, registry_number
             LIMIT $2
         ),
         listed AS (
             SELECT {LISTED_COLUMNS}
             FROM people p
             JOIN credits c ON c.seminar_id = $1 AND c.registry_number = p.registry_number
         )
         SELECT chosen.summary::text AS summary, chosen.page, l.*
         FROM chosen LEFT JOIN listed l ON TRUE
         ORDER BY l.furigana, l.registry_number, l.category",
        shape_ctes()
    )
});

/// Page `page` (from 1; kept within the list) of the whole list, with its counts.
pub async fn list_page(
    conn: &mut PgConnection,
    seminar_id: i64,
    page: i64,
    now: Jst,
) -> sqlx::Result<ListPage> {
    let rows: Vec<ListPageRow> = sqlx::query_as(&LIST_PAGE_SQL)
        .bind(seminar_id)
        .bind(PER_PAGE)
        .bind(now)
        .bind(page)
        .fetch_all(conn)
        .await?;
    let Some(first) = rows.first() else { return Ok(ListPage::default()) };
    let summary =
        serde_json::from_str(&first.summary).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let page = first.page;
    Ok(ListPage { summary, page, rows: rows.into_iter().filter_map(ListPageRow::credit).collect() })
}

/// One page of the whole list from its first attendee (an index range, however deep).
pub async fn page_from(
    conn: &mut PgConnection,
    seminar_id: i64,
    anchor: &(String, String),
    per_page: i64,
) -> sqlx::Result<Vec<ListedCredit>> {
    sqlx::query_as(&format!(
        "WITH people AS (
             SELECT DISTINCT ON (furigana, registry_number) furigana, registry_number
             FROM credits
             WHERE seminar_id = $1 AND (furigana, registry_number) >= ($2, $3)
             ORDER BY furigana, registry_number
             LIMIT $4
         )
         SELECT {LISTED_COLUMNS}
         FROM people p
         JOIN credits c ON c.seminar_id = $1 AND c.registry_number = p.registry_number
         ORDER BY p.furigana, p.registry_number, c.category"
    ))
    .bind(seminar_id)
    .bind(&anchor.0)
    .bind(&anchor.1)
    .bind(per_page)
    .fetch_all(conn)
    .await
}

/// One attendee of the page with every credit of theirs (withdrawn ones included).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedCredit {
    pub registry_number: String,
    pub kanji_name: String,
    pub furigana: String,
    pub birth_date: NaiveDate,
    pub sex: String,
    pub email: String,
    pub phone: Option<String>,
    pub fax: Option<String>,
    pub category: String,
    pub units: Decimal,
    pub match_status: crate::domain::credit_match::MatchStatus,
    pub late: bool,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub review_reason: Option<String>,
    pub corrected: bool,
}

const LISTED_COLUMNS: &str = "c.registry_number, c.kanji_name, c.furigana, c.birth_date, c.sex,
    c.email, c.phone, c.fax, c.category, c.units, c.match_status, c.late, c.withdrawn_at,
    c.review_reason, (c.corrected_at IS NOT NULL OR c.corrected_to IS NOT NULL) AS corrected";

/// A search as the database compares it: `%text%` for names, a prefix for the number.
fn patterns(search: &str) -> (String, String) {
    let escaped = search.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    (format!("%{escaped}%"), format!("{escaped}%"))
}

/// The credits of one page of attendees (`per_page` attendees from `offset`), in フリガナ
/// order; `search` narrows by 漢字氏名 / フリガナ (contains) or 医籍登録番号 (starts with).
pub async fn page(
    conn: &mut PgConnection,
    seminar_id: i64,
    search: Option<&str>,
    per_page: i64,
    offset: i64,
) -> sqlx::Result<Vec<ListedCredit>> {
    let (contains, prefix) = patterns(search.unwrap_or(""));
    sqlx::query_as(&format!(
        "WITH people AS (
             SELECT DISTINCT ON (furigana, registry_number) furigana, registry_number
             FROM credits
             WHERE seminar_id = $1
               AND ($2::text IS NULL OR kanji_name LIKE $3 OR furigana LIKE $3
                    OR registry_number LIKE $4)
             ORDER BY furigana, registry_number
             LIMIT $5 OFFSET $6
         )
         SELECT {LISTED_COLUMNS}
         FROM people p
         JOIN credits c ON c.seminar_id = $1 AND c.registry_number = p.registry_number
         ORDER BY p.furigana, p.registry_number, c.category"
    ))
    .bind(seminar_id)
    .bind(search)
    .bind(&contains)
    .bind(&prefix)
    .bind(per_page)
    .bind(offset)
    .fetch_all(conn)
    .await
}

/// How many attendees (distinct 医籍登録番号, withdrawn ones included) the list holds, or the
/// search finds.
pub async fn count(
    conn: &mut PgConnection,
    seminar_id: i64,
    search: Option<&str>,
) -> sqlx::Result<i64> {
    let (contains, prefix) = patterns(search.unwrap_or(""));
    sqlx::query_scalar(
        "SELECT count(DISTINCT registry_number) FROM credits
         WHERE seminar_id = $1
           AND ($2::text IS NULL OR kanji_name LIKE $3 OR furigana LIKE $3
                OR registry_number LIKE $4)",
    )
    .bind(seminar_id)
    .bind(search)
    .bind(&contains)
    .bind(&prefix)
    .fetch_one(conn)
    .await
}

/// Every credit of the seminar in list order, for the CSV export.
pub async fn all(conn: &mut PgConnection, seminar_id: i64) -> sqlx::Result<Vec<ListedCredit>> {
    sqlx::query_as(&format!(
        "SELECT {LISTED_COLUMNS} FROM credits c WHERE c.seminar_id = $1
         ORDER BY c.furigana, c.registry_number, c.category"
    ))
    .bind(seminar_id)
    .fetch_all(conn)
    .await
}
