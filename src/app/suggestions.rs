//! 「あなたの更新に足りない単位」 for a signed-in physician (issue 14): per certification in
//! force and not yet renewed, what its renewal still needs (`domain::suggestions::needs`) and
//! the coming seminars that would fill it, ranked by `domain::suggestions::rank`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::db::{self, finder::FoundSeminar};
use crate::domain::category::{Category, Format, Programme};
use crate::domain::record_status::CertificationStatus;
use crate::domain::suggestions::{self, Candidate, Need, Standing, Suggestion};

/// How many coming seminars are weighed per certification (soonest first).
const CANDIDATES: i64 = 400;
/// How many are shown.
pub const SHOWN: usize = 10;

pub struct ForCertification {
    pub programme: Programme,
    pub valid_until: NaiveDate,
    pub needs: Vec<Need>,
    /// False once the Web units that count have reached the cap.
    pub web_counts: bool,
    pub suggested: Vec<(Suggestion, FoundSeminar)>,
}

/// The physician's renewals that still need units, with their suggestions.
pub async fn for_physician(
    pool: &PgPool,
    physician_id: i64,
    prefecture: Option<i16>,
    today: NaiveDate,
) -> sqlx::Result<Vec<ForCertification>> {
    let certifications = db::physicians::certifications(pool, physician_id, today).await?;
    let sums = db::credit_views::sums_within_validity(pool, physician_id, today).await?;
    let mut out = Vec::new();
    for c in certifications {
        let Some(programme) = Programme::from_code(&c.programme) else { continue };
        if c.status != CertificationStatus::Active
            || c.next_term_id.is_some()
            || c.valid_until < today
        {
            continue;
        }
        let standing = Standing {
            programme,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            credits: sums
                .iter()
                .filter(|s| s.certification_id == c.id)
                .filter_map(|s| {
                    Some((
                        Category::from_code(&s.category)?,
                        Format::from_code(&s.format)?,
                        s.units,
                    ))
                })
                .collect(),
        };
        let needs = suggestions::needs(&standing, today);
        if needs.is_empty() {
            continue;
        }
        let found = db::finder::candidates(
            pool,
            today,
            c.valid_until,
            programme.code(),
            prefecture,
            CANDIDATES,
        )
        .await?;
        let candidates: Vec<Candidate> = found.iter().map(candidate).collect();
        let ranked = suggestions::rank(&standing, today, &candidates);
        let suggested = ranked
            .into_iter()
            .take(SHOWN)
            .filter_map(|s| {
                let seminar = found.iter().find(|f| f.id == s.id)?.clone();
                Some((s, seminar))
            })
            .collect();
        out.push(ForCertification {
            programme,
            valid_until: c.valid_until,
            web_counts: suggestions::web_still_counts(&standing, today),
            needs,
            suggested,
        });
    }
    Ok(out)
}

fn candidate(s: &FoundSeminar) -> Candidate {
    Candidate {
        id: s.id,
        starts_on: s.starts_on,
        ends_on: s.ends_on,
        format: Format::from_code(&s.format).unwrap_or(Format::InPerson),
        units: s
            .units()
            .into_iter()
            .filter_map(|u| Some((Category::from_code(&u.category)?, u.units)))
            .filter(|(_, units)| *units > Decimal::ZERO)
            .collect(),
    }
}
