//! The daily renewal-notice job (DOMAIN §7). For every active certification linked to a
//! physician, the notice due today (`domain::notices`) is recorded in `notices_sent` and, when
//! the physician has a verified e-mail address, mailed through the outbox — both in one
//! transaction, and the mail only when this run's insert happened. Two instances running the
//! job at once therefore send each notice exactly once: the second insert waits for the
//! first transaction and then finds the row.
//!
//! Physicians without a verified address get no mail, but the notice is recorded all the
//! same: the postcard and renewal-guidance lists cover them.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use crate::clock::{format_jp_date, Clock, Jst};
use crate::domain::category::Programme;
use crate::domain::notices::{self, NoticeKind};
use crate::mail::{
    self,
    messages::physician::{RenewalFourMonths, RenewalHead, RenewalOneMonth, RenewalOneYear},
    Signature,
};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Certifications with a notice due today.
    pub candidates: usize,
    /// Notices recorded by this run (not already recorded by an earlier or concurrent one).
    pub recorded: usize,
    /// Of those, mailed.
    pub mailed: usize,
}

use crate::db::notices::{self as store, Candidate};

pub async fn run_daily(pool: &PgPool, clock: &Clock, base_url: &str) -> anyhow::Result<Report> {
    let now = clock.now();
    let today = now.date_naive();
    // A slightly wide window (a year and a few days); `notices::due` decides exactly.
    let candidates = store::candidates(pool, today).await?;

    let mut report = Report::default();
    let base = base_url.trim_end_matches('/');
    for c in candidates {
        let Some(kind) = notices::due(c.valid_until, today) else { continue };
        report.candidates += 1;
        let mut tx = pool.begin().await?;
        let inserted = store::record(&mut tx, c.id, kind.code(), c.valid_until, now).await?;
        if !inserted {
            tx.rollback().await?;
            continue;
        }
        report.recorded += 1;
        if let Some(email) = c.email.as_deref().filter(|e| !e.trim().is_empty()) {
            let missing = match kind {
                NoticeKind::FourMonths => missing_for_renewal(&mut tx, &c, today).await?,
                _ => Vec::new(),
            };
            queue_notice(&mut tx, email, kind, &c, base, missing, now).await?;
            report.mailed += 1;
        }
        tx.commit().await?;
    }
    Ok(report)
}

/// What the portal's credits still lack for renewal (`app::checks::renewal_shortfall`).
async fn missing_for_renewal(
    conn: &mut PgConnection,
    c: &Candidate,
    today: NaiveDate,
) -> sqlx::Result<Vec<String>> {
    crate::app::checks::renewal_shortfall(
        conn,
        c.physician_id,
        &c.programme,
        (c.valid_from, c.valid_until),
        today,
    )
    .await
}

/// Queues the notice mail of `kind`. `missing` is what the four-month guidance reports.
async fn queue_notice(
    conn: &mut PgConnection,
    to: &str,
    kind: NoticeKind,
    c: &Candidate,
    base: &str,
    missing: Vec<String>,
    now: Jst,
) -> sqlx::Result<i64> {
    let programme = Programme::from_code(&c.programme).map(Programme::label).unwrap_or("認定");
    let head = RenewalHead {
        name: c.kanji_name.clone(),
        programme: programme.to_string(),
        certificate_number: c.certificate_number.clone(),
        valid_until: format_jp_date(c.valid_until),
    };
    let contact = match c.prefecture_code {
        Some(code) => mail::messages::prefecture_association(code),
        None => "所属の都道府県医師会".to_string(),
    };
    let sig = Signature::portal_for(contact, format!("{programme}の有効期限のお知らせ"));
    let mypage_url = format!("{base}/mypage");
    let applications_url = format!("{base}/mypage/applications");
    match kind {
        NoticeKind::OneYear => {
            mail::queue(conn, to, &RenewalOneYear { head, mypage_url, sig }, now).await
        }
        NoticeKind::FourMonths => {
            let message = RenewalFourMonths { head, missing, applications_url, mypage_url, sig };
            mail::queue(conn, to, &message, now).await
        }
        NoticeKind::OneMonth => {
            mail::queue(conn, to, &RenewalOneMonth { head, applications_url, sig }, now).await
        }
    }
}
