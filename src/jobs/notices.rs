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

use crate::clock::{format_jp_date, Clock};
use crate::db::outbox;
use crate::domain::category::Programme;
use crate::domain::notices::{self, NoticeKind};

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

const FOOTER: &str = "\n――\nMAMIS 認定医ポータル（日本医師会）\nこのメールは送信専用です。ご不明な点は所属の都道府県医師会へお問い合わせください。\n";

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
            let (subject, body) = match kind {
                NoticeKind::FourMonths => {
                    let missing = missing_for_renewal(&mut tx, &c, today).await?;
                    mail(kind, &c, base, Some(&missing))
                }
                _ => mail(kind, &c, base, None),
            };
            outbox::enqueue(&mut tx, email, &subject, &body, now).await?;
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

/// Subject and body of a notice mail. `missing` is given for the four-month guidance.
fn mail(
    kind: NoticeKind,
    c: &Candidate,
    base: &str,
    missing: Option<&[String]>,
) -> (String, String) {
    let programme = Programme::from_code(&c.programme).map(Programme::label).unwrap_or("認定");
    let until = format_jp_date(c.valid_until);
    let head = format!(
        "{} 様\n\n{}（認定証番号 {}）の有効期限は {} です。\n\n",
        c.kanji_name, programme, c.certificate_number, until
    );
    match kind {
        NoticeKind::OneYear => (
            format!("【MAMIS】{programme}の有効期限まで1年となりました"),
            format!(
                "{head}有効期限まで1年となりました。更新には有効期間内の研修単位が必要です。\
                 マイページで取得済みの単位をご確認のうえ、計画的に研修会へご参加ください。\n\n\
                 マイページ：{base}/mypage\n{FOOTER}"
            ),
        ),
        NoticeKind::FourMonths => {
            let missing = missing.unwrap_or(&[]);
            let status = if missing.is_empty() {
                "MAMISに登録された単位で、更新の単位要件を満たしています。".to_string()
            } else {
                format!(
                    "現在の単位では更新の要件を満たしていません（不足：{}）。\
                     有効期限までに不足分の研修会へご参加ください。",
                    missing.join("、")
                )
            };
            (
                format!("【MAMIS】{programme}の更新のご案内"),
                format!(
                    "{head}有効期限まで約4か月となりました。更新申請のご案内です。\n\n{status}\n\
                     ※2025年3月以前の単位（手帳のシール・受講証明書）は含まれていません。\
                     更新申請の際に申告してください。\n\n\
                     更新申請：{base}/mypage/applications\nマイページ：{base}/mypage\n{FOOTER}"
                ),
            )
        }
        NoticeKind::OneMonth => (
            format!("【MAMIS】{programme}の有効期限まで1か月です（最終のご案内）"),
            format!(
                "{head}有効期限まで1か月となりました。更新申請がお済みでない場合は、\
                 お早めに手続きをお願いします。有効期限を過ぎると、6か月以内は遅延理由書を\
                 添えて更新申請ができますが、それ以降は新規申請となります。\n\n\
                 更新申請：{base}/mypage/applications\n{FOOTER}"
            ),
        ),
    }
}
