//! Everything the physician's my page shows, in one statement (issue 15): the physician with
//! their link counts as columns, and each list the page shows (credit sums per certification,
//! applications, the prefecture's internal deadlines, terms, certifications, attendance
//! history, held credits) as a JSON array built by the very statement its own function runs
//! (`credit_views::sums_sql` …), so each list is defined once and the page is one round trip.

use std::sync::LazyLock;

use chrono::NaiveDate;
use sqlx::PgPool;

use crate::db::applications::{self, Application};
use crate::db::credit_views::{self, CertificationSum, HistoryRow};
use crate::db::held_credits::{self, HeldSeminar};
use crate::db::physicians::{self, Certification, WithLinkCounts};
use crate::db::terms::{self, PhysicianTerm};
use crate::db::{application_review, physicians::with_link_counts_sql};

/// One internal deadline of the physician's prefecture: the committee it serves and the date.
#[derive(Clone, Copy, Debug, serde::Deserialize)]
struct Deadline {
    committee_date: NaiveDate,
    internal_deadline: NaiveDate,
}

pub struct MyPage {
    pub physician: WithLinkCounts,
    pub sums: Vec<CertificationSum>,
    pub applications: Vec<Application>,
    /// (committee date, internal deadline) from `today` on.
    pub deadlines: Vec<(NaiveDate, NaiveDate)>,
    pub terms: Vec<PhysicianTerm>,
    pub certifications: Vec<Certification>,
    pub history: Vec<HistoryRow>,
    pub held: Vec<HeldSeminar>,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    physician: WithLinkCounts,
    sums: String,
    applications: String,
    deadlines: String,
    terms: String,
    certifications: String,
    history: String,
    held: String,
}

/// `(SELECT json_agg(x) FROM (<statement>) x)` as text, `[]` when it has no rows; json_agg
/// takes the rows in the statement's own order.
fn list(statement: String) -> String {
    format!("(SELECT COALESCE(json_agg(x), '[]')::text FROM ({statement}) x)")
}

/// $1 the account, $2 today.
static SQL: LazyLock<String> = LazyLock::new(|| {
    let me = "me.id";
    format!(
        "WITH me AS ({})
         SELECT me.*,
                {} AS sums,
                {} AS applications,
                {} AS deadlines,
                {} AS terms,
                {} AS certifications,
                {} AS history,
                {} AS held
         FROM me",
        with_link_counts_sql("$1"),
        list(credit_views::sums_sql(me, "$2")),
        list(applications::for_physician_sql(me)),
        list(application_review::internal_deadlines_sql("me.prefecture_code", "$2")),
        list(terms::of_physician_sql(me)),
        list(physicians::certifications_sql(me, "$2")),
        list(credit_views::history_sql(me)),
        list(held_credits::held_for_physician_sql(me)),
    )
});

/// The my page of the account's physician as of `today`; None when the account has no
/// physician.
pub async fn load(
    pool: &PgPool,
    account_id: i64,
    today: NaiveDate,
) -> sqlx::Result<Option<MyPage>> {
    let Some(row): Option<Row> =
        sqlx::query_as(&SQL).bind(account_id).bind(today).fetch_optional(pool).await?
    else {
        return Ok(None);
    };
    fn parse<T: serde::de::DeserializeOwned>(json: &str) -> sqlx::Result<Vec<T>> {
        serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
    }
    let deadlines: Vec<Deadline> = parse(&row.deadlines)?;
    Ok(Some(MyPage {
        physician: row.physician,
        sums: parse(&row.sums)?,
        applications: parse(&row.applications)?,
        deadlines: deadlines.into_iter().map(|d| (d.committee_date, d.internal_deadline)).collect(),
        terms: parse(&row.terms)?,
        certifications: parse(&row.certifications)?,
        history: parse(&row.history)?,
        held: parse(&row.held)?,
    }))
}
