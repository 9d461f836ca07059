//! Writes the national data set into an empty database in one transaction: the small demo
//! set first (its logins keep working), then the bulk with COPY and explicit ids.

use chrono::{Days, NaiveDate};
use sqlx::{PgConnection, PgPool};

use super::applications::{self, Actor, Cycle, Holder};
use super::names::PREFECTURES;
use super::people::{self, Person};
use super::progress::Progress;
use super::seminars::{self, Attendee, Organizer};
use super::staff::{write_staff, Staff};
use super::{ids, Scale};
use crate::clock::Jst;
use crate::db::bulk::{self, CopyRows, NextIds};
use crate::db::{accounts, tokens};
use crate::domain::category::Programme;
use crate::{demo, password};

/// Flush a COPY buffer at about this size.
const CHUNK_BYTES: usize = 8 << 20;

/// What the data set is built around.
pub struct Options {
    /// The demo physician's terms.
    pub dates: demo::Dates,
    /// Give the demo physician credits from seminars held in their term (the living demo).
    pub demo_physician_credits: bool,
}

/// Loads the data set around the demo fixture; returns row counts per table. Refuses a
/// database with accounts.
pub async fn load(
    pool: &PgPool,
    now: Jst,
    scale: &Scale,
    seed: u64,
    progress: &Progress,
) -> anyhow::Result<Vec<(String, i64)>> {
    let options = Options { dates: demo::Dates::fixture(), demo_physician_credits: false };
    load_with(pool, now, scale, seed, progress, &options).await
}

/// [`load`] with options.
pub async fn load_with(
    pool: &PgPool,
    now: Jst,
    scale: &Scale,
    seed: u64,
    progress: &Progress,
    options: &Options,
) -> anyhow::Result<Vec<(String, i64)>> {
    if accounts::count(pool).await? > 0 {
        anyhow::bail!(
            "the database already has accounts; the national data set is only loaded into an \
             empty database (create a fresh one, e.g. `createdb`, and point DATABASE_URL at it)"
        );
    }
    // One argon2 hash for every account: hashing 100,000 times would take hours.
    let hash = password::hash_async(demo::DEMO_PASSWORD.to_string()).await?;
    let today = now.date_naive();
    let mut tx = pool.begin().await?;
    let doctor = demo::load_into(&mut tx, now, &hash, &options.dates).await?;
    let next = bulk::next_ids(&mut tx).await?;

    let stage = progress.stage("physicians", u64::from(scale.physicians));
    let physicians = people::physicians(seed, scale.physicians);
    let staff = write_staff(&mut tx, &next, scale, &hash, now).await?;
    write_physicians(&mut tx, &next, &physicians, &staff, &hash, today).await?;
    stage.inc(u64::from(scale.physicians));
    stage.finish(u64::from(scale.physicians));

    let stage = progress.stage("certifications", u64::from(scale.physicians) * 13 / 10);
    let certifications = people::certifications(seed, scale.physicians, today);
    let mut rows = CopyRows::with_capacity(certifications.len() * 120);
    for (i, c) in certifications.iter().enumerate() {
        let p = &physicians[c.physician_no as usize - 1];
        let registered = registration_day(c.physician_no, today);
        rows.plain(next.certification + i as i64)
            .plain(c.programme.code())
            .plain(c.certificate_number)
            .plain(p.registry_number)
            .plain(p.birth_date)
            .plain(next.physician + i64::from(c.physician_no) - 1)
            .at(registered, "09:00")
            .at(registered, "09:00")
            .at(registered, "09:00")
            .plain(&c.verify_code)
            .end();
    }
    bulk::copy(&mut tx, bulk::CERTIFICATIONS, &mut rows).await?;
    let mut rows = CopyRows::with_capacity(certifications.len() * 60);
    for (i, c) in certifications.iter().enumerate() {
        let registered = registration_day(c.physician_no, today);
        rows.plain(next.certification + i as i64)
            .plain(c.valid_from)
            .plain(c.valid_until)
            .plain(crate::domain::terms::Origin::Imported.code())
            .at(registered, "09:00")
            .end();
    }
    bulk::copy(&mut tx, bulk::CERTIFICATION_TERMS, &mut rows).await?;
    stage.finish(certifications.len() as u64);

    let stage = progress.stage("seminars", u64::from(scale.seminars));
    let cycles: Vec<Cycle> = bulk::review_cycles(&mut tx)
        .await?
        .into_iter()
        .map(|(id, intake_deadline, committee_date)| Cycle { id, intake_deadline, committee_date })
        .collect();
    let seminars = seminars::seminars(seed, scale.seminars, today);
    write_seminars(&mut tx, &next, &seminars, &staff, &cycles, seed, today).await?;
    stage.finish(seminars.len() as u64);

    let stage = progress.stage("credits", scale.credits);
    let unregistered = people::unregistered(seed, scale.unregistered);
    let held: Vec<&seminars::Seminar> = seminars.iter().filter(|s| s.ends_on < today).collect();
    let mut copy = bulk::begin(&mut tx, bulk::CREDITS).await?;
    let mut rows = CopyRows::with_capacity(CHUNK_BYTES + (1 << 20));
    for (i, s) in held.iter().enumerate() {
        let quota = scale.credits / held.len() as u64
            + u64::from((i as u64) < scale.credits % held.len() as u64);
        let before = rows.rows;
        credit_rows(&mut rows, s, quota, &next, &physicians, &unregistered, seed, today);
        stage.inc(rows.rows - before);
        if rows.len() > CHUNK_BYTES {
            rows.flush(&mut copy).await?;
        }
    }
    if options.demo_physician_credits {
        let term_from = options.dates.occupational.0;
        doctor_credits(&mut rows, &held, next.seminar, doctor, term_from, today);
    }
    rows.flush(&mut copy).await?;
    copy.finish().await?;
    stage.finish(rows.rows);

    let stage = progress.stage("applications", u64::from(scale.applications));
    let prefecture_of = people::prefecture_indexes(scale.physicians);
    let mut holders: Vec<Holder> = prefecture_of
        .iter()
        .map(|&p| Holder {
            uses_municipal: super::staff::MUNICIPAL_RECEPTION
                .contains(&i16::from(PREFECTURES[p].code)),
            occupational: None,
            sports: None,
        })
        .collect();
    for (i, c) in certifications.iter().enumerate() {
        let holder = &mut holders[c.physician_no as usize - 1];
        match c.programme {
            Programme::Occupational => holder.occupational = Some(i),
            Programme::Sports => holder.sports = Some(i),
        }
    }
    let apps = applications::applications(seed, scale.applications, &holders, &cycles, today);
    let mut app_rows = CopyRows::with_capacity(apps.len() * 300);
    let mut event_rows = CopyRows::with_capacity(apps.len() * 5 * 100);
    for a in &apps {
        let id = next.application + i64::from(a.no) - 1;
        let pref = prefecture_of[a.physician];
        let place = a.no as usize % PREFECTURES[pref].cities.len();
        let (municipal_association, municipal_staff) = staff.municipal[pref][place];
        let (prefectural_association, prefectural_staff) = staff.prefectural[pref];
        let physician_account = next.account + a.physician as i64;
        let last = a.events.last().map(|e| e.on).unwrap_or(a.created_on);
        app_rows
            .plain(id)
            .plain(next.physician + a.physician as i64)
            .plain(a.programme.code())
            .plain(if a.renews.is_some() { "renewal" } else { "new" })
            .opt(a.renews.map(|c| next.certification + c as i64))
            .plain(PREFECTURES[pref].code)
            .plain(if a.via_municipal { municipal_association } else { prefectural_association })
            .plain(a.status)
            .opt_text(a.returned_by_tier)
            .opt_text(a.return_comment.as_deref())
            .opt_text(a.practical_activity.as_deref())
            .opt_at(a.fee_paid_on, "11:00")
            .opt(a.fee_paid_on.map(|_| prefectural_staff))
            .opt(a.cycle_id)
            .opt_at(a.submitted_on, "10:00")
            .opt_at(a.forwarded_on, "15:00")
            .opt_at(a.decided_on, "17:00")
            .opt(matches!(a.status, "approved" | "rejected").then_some(staff.jma_account))
            .plain(a.events.len())
            .at(a.created_on, "09:00")
            .at(last, "17:00")
            .end();
        for (k, e) in a.events.iter().enumerate() {
            let (actor, tier) = match e.actor {
                Actor::Physician => (physician_account, "physician"),
                Actor::Municipal => (municipal_staff, "municipal"),
                Actor::Prefectural => (prefectural_staff, "prefectural"),
                Actor::Jma => (staff.jma_account, "jma"),
            };
            event_rows
                .plain(id)
                .at(e.on, &format!("{:02}:{:02}", 9 + k / 6, (k % 6) * 10))
                .plain(actor)
                .plain(tier)
                .plain(e.action)
                .opt_text(e.comment.as_deref())
                .end();
        }
    }
    bulk::copy(&mut tx, bulk::APPLICATIONS, &mut app_rows).await?;
    bulk::copy(&mut tx, bulk::APPLICATION_EVENTS, &mut event_rows).await?;
    stage.finish(app_rows.rows + event_rows.rows);

    bulk::reset_sequences(&mut tx).await?;
    tx.commit().await?;
    let stage = progress.stage("analyze", 1);
    let mut conn = pool.acquire().await?;
    bulk::analyze(&mut conn).await?;
    stage.finish(0);
    Ok(bulk::counts(&mut conn).await?)
}

/// The day physician n completed registration: in the weeks before the 2025-03-29 deadline.
fn registration_day(n: u32, today: NaiveDate) -> NaiveDate {
    let day =
        NaiveDate::from_ymd_opt(2025, 3, 1).expect("valid date") + Days::new(u64::from(n % 28));
    day.min(today)
}

async fn write_physicians(
    conn: &mut PgConnection,
    next: &NextIds,
    physicians: &[Person],
    staff: &Staff,
    hash: &str,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let mut accounts = CopyRows::with_capacity(physicians.len() * 220);
    let mut rows = CopyRows::with_capacity(physicians.len() * 400);
    let mut terms = CopyRows::with_capacity(physicians.len() * 50);
    for (i, p) in physicians.iter().enumerate() {
        let n = i as u32 + 1;
        let account = next.account + i as i64;
        let day = registration_day(n, today);
        accounts
            .plain(account)
            .plain(ids::physician_login_id(n))
            .text(hash)
            .plain("physician")
            .text(&p.kanji_name)
            .text(&p.email)
            .at(day, "10:10")
            .plain("f")
            .at(day, "10:00")
            .at(day, "10:15")
            .end();
        let pref = usize::from(p.prefecture_code) - 1;
        let member = n % 10 < 7;
        rows.plain(next.physician + i as i64)
            .plain(account)
            .text(&p.kanji_name)
            .text(&p.furigana)
            .plain(p.birth_date)
            .plain(p.sex)
            .plain(p.registry_number)
            .text(&p.phone)
            .text(&p.postal_code)
            .text(&p.address)
            .text(&p.workplace)
            .plain(p.prefecture_code)
            .plain(if member { "t" } else { "f" })
            .opt(member.then_some(staff.prefectural[pref].0))
            .plain("2025-01")
            .at(day, "10:05")
            .at(day, "10:15")
            .at(day, "10:15")
            .at(day, "10:00")
            .at(day, "10:15")
            .end();
        terms.plain(account).plain("2025-01").at(day, "10:05").end();
    }
    bulk::copy(conn, bulk::ACCOUNTS, &mut accounts).await?;
    bulk::copy(conn, bulk::PHYSICIANS, &mut rows).await?;
    bulk::copy(conn, bulk::TERMS_ACCEPTANCES, &mut terms).await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn write_seminars(
    conn: &mut PgConnection,
    next: &NextIds,
    seminars: &[seminars::Seminar],
    staff: &Staff,
    cycles: &[Cycle],
    seed: u64,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let portal_applications = NaiveDate::from_ymd_opt(2025, 9, 1).expect("valid date");
    let mut rows = CopyRows::with_capacity(seminars.len() * 600);
    let mut units = CopyRows::with_capacity(seminars.len() * 80);
    let mut pages = CopyRows::with_capacity(seminars.len() * 120);
    for s in seminars {
        let id = next.seminar + i64::from(s.no) - 1;
        let pref = usize::from(s.prefecture_code) - 1;
        let association = match s.organizer {
            Organizer::Prefectural => Some(staff.prefectural[pref].0),
            Organizer::Municipal(k) => Some(staff.municipal[pref][k].0),
            Organizer::Outside => None,
        };
        // Applied in the portal and approved at a committee that met before the seminar,
        // or entered from paper by JMA staff.
        let cycle = (s.starts_on >= portal_applications)
            .then(|| {
                cycles
                    .iter()
                    .filter(|c| c.committee_date <= (s.starts_on - Days::new(7)).min(today))
                    .max_by_key(|c| c.committee_date)
            })
            .flatten();
        let jma_day = match cycle {
            Some(c) => c.committee_date,
            None => (s.starts_on - Days::new(30)).min(today),
        };
        let submitted = cycle.map(|c| c.intake_deadline - Days::new(20));
        let created = submitted.unwrap_or(jma_day - Days::new(3));
        rows.plain(id)
            .plain(s.programme.code())
            .text(&s.title)
            .plain(s.starts_on)
            .plain(s.ends_on)
            .plain(s.format.code())
            .text(&s.venue)
            .opt(association)
            .text(&s.organizer_name)
            .text(&s.contact_name)
            .text(&s.contact_email)
            .text(&s.contact_phone)
            .plain(s.prefecture_code)
            .plain("approved")
            .opt_at(submitted, "10:00")
            .opt(cycle.map(|_| staff.prefectural[pref].1))
            .opt_at(cycle.map(|c| c.intake_deadline - Days::new(5)), "15:00")
            .opt(cycle.map(|c| c.id))
            .plain(staff.jma_account)
            .at(jma_day, "17:00")
            .plain(if cycle.is_none() { "t" } else { "f" })
            .at(created, "09:00")
            .at(jma_day, "17:00")
            .end();
        for (category, tenths) in &s.units {
            units
                .plain(id)
                .plain(category.code())
                .plain(format_args!("{}.{}", tenths / 10, tenths % 10))
                .end();
        }
        let token = ids::work_page_token(seed, s.no);
        pages
            .plain(id)
            .plain(tokens::hash(&token))
            .at(jma_day, "17:05")
            .plain(staff.jma_account)
            .end();
    }
    bulk::copy(conn, bulk::SEMINARS, &mut rows).await?;
    bulk::copy(conn, bulk::SEMINAR_UNITS, &mut units).await?;
    bulk::copy(conn, bulk::WORK_PAGES, &mut pages).await?;
    Ok(())
}

/// The demo physician's credits: every category of the last few occupational seminars held in
/// Tokyo in the physician's term (as the demo fixture's person: 山田 太郎, 123456).
fn doctor_credits(
    rows: &mut CopyRows,
    held: &[&seminars::Seminar],
    first_seminar: i64,
    doctor: i64,
    term_from: NaiveDate,
    today: NaiveDate,
) {
    let mut chosen: Vec<&seminars::Seminar> = held
        .iter()
        .copied()
        .filter(|s| s.programme == Programme::Occupational && s.starts_on >= term_from)
        .collect();
    chosen.sort_by_key(|s| (s.prefecture_code != 13, std::cmp::Reverse(s.ends_on)));
    for (n, s) in chosen.iter().take(6).enumerate() {
        let registered = (s.ends_on + Days::new(3 + n as u64)).min(today);
        for (category, tenths) in &s.units {
            let p = &demo::DOCTOR;
            rows.plain(first_seminar + i64::from(s.no) - 1)
                .plain(p.registry_number)
                .text(p.kanji_name)
                .text(p.furigana)
                .plain(p.birth_date())
                .plain(p.sex)
                .text(p.email)
                .text(p.phone)
                .plain(category.code())
                .plain(format_args!("{}.{}", tenths / 10, tenths % 10))
                .plain(s.format.code())
                .plain(doctor)
                .plain("matched")
                .at(registered, "14:00")
                .at(registered, "14:00")
                .end();
        }
    }
}

/// The credit rows one seminar's organizer registered: `quota` rows, attendee by attendee,
/// one per category the seminar grants.
#[allow(clippy::too_many_arguments)]
fn credit_rows(
    rows: &mut CopyRows,
    s: &seminars::Seminar,
    quota: u64,
    next: &NextIds,
    physicians: &[Person],
    unregistered: &[Person],
    seed: u64,
    today: NaiveDate,
) {
    let per_attendee = s.units.len() as u64;
    let needed = quota.div_ceil(per_attendee) as usize;
    let list = seminars::attendees(seed, s.no, needed, physicians.len(), unregistered.len());
    let seminar_id = next.seminar + i64::from(s.no) - 1;
    let registered = (s.ends_on + Days::new(1 + u64::from(s.no % 25))).min(today);
    let mut left = quota;
    for attendee in list {
        let (person, physician_id, birth_date, status) = match attendee {
            Attendee::Matched(i) => {
                let p = &physicians[i];
                (p, Some(next.physician + i as i64), p.birth_date, "matched")
            }
            Attendee::Mismatch(i) => {
                let p = &physicians[i];
                (p, None, seminars::mistyped_birth_date(p, s.no), "birth_date_mismatch")
            }
            Attendee::Unmatched(u) => {
                let p = &unregistered[u];
                (p, None, p.birth_date, "unmatched")
            }
        };
        for (category, tenths) in &s.units {
            if left == 0 {
                return;
            }
            left -= 1;
            rows.plain(seminar_id)
                .plain(person.registry_number)
                .text(&person.kanji_name)
                .text(&person.furigana)
                .plain(birth_date)
                .plain(person.sex)
                .text(&person.email)
                .text(&person.phone)
                .plain(category.code())
                .plain(format_args!("{}.{}", tenths / 10, tenths % 10))
                .plain(s.format.code())
                .opt(physician_id)
                .plain(status)
                .at(registered, "14:00")
                .at(registered, "14:00")
                .end();
        }
    }
}
