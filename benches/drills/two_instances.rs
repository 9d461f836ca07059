//! Drill 4: two portal instances on different ports sharing one database.
//! Sessions: signed in on A, the cookie works on B's /mypage; signed out on B, A refuses it.
//! Daily notice job: both instances run it at start (`serve`) while two `mamis jobs` run at the
//! same time, with MAMIS_NOW pinned to a day on which the demo physician (plus 300 seeded
//! certifications of theirs) is owed notices. The outbox must hold each notice once, and as
//! many as one run alone queues on a twin of the database.

use std::time::{Duration, Instant};

use anyhow::bail;
use sqlx::PgPool;

use crate::common::*;
use crate::Outcome;

const NOW: &str = "2026-04-10 10:00";
const EXTRA_CERTIFICATIONS: i64 = 300;

pub async fn run() -> anyhow::Result<Outcome> {
    let db = DrillDb::create("two").await?;
    let twin = db.sibling("twin");
    let result = drill(&db, &twin).await;
    twin.drop_now().await;
    db.drop_now().await;
    result
}

async fn run_to_end(spec: &PortalSpec<'_>) -> anyhow::Result<()> {
    let mut child = Portal::spawn(spec, free_port())?;
    let status = tokio::time::timeout(Duration::from_secs(60), child.child.wait()).await??;
    if !status.success() {
        bail!("mamis {:?} failed: {}", spec.args, tail(&child.log));
    }
    Ok(())
}

/// (notice mails queued, distinct ones, notices recorded)
async fn notice_counts(pool: &PgPool) -> anyhow::Result<(i64, i64, i64)> {
    let (mails, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT (to_address, subject, body_text)) FROM mail_outbox
         WHERE subject LIKE '【MAMIS】%'",
    )
    .fetch_one(pool)
    .await?;
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notices_sent").fetch_one(pool).await?;
    Ok((mails, distinct, recorded))
}

async fn drill(db: &DrillDb, twin: &DrillDb) -> anyhow::Result<Outcome> {
    let dir = TempDir::new("mamis-drill-two");
    let pinned = [("MAMIS_NOW", NOW.to_string()), ("MAIL_WORKER", "0".to_string())];

    // The demo data set (the living demo: generated physicians hold certificate numbers from
    // 1,000,001), then more certifications of the demo physician, numbered apart, all owed a
    // notice.
    let demo = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "demo",
        args: &["demo"],
        env: &pinned,
    };
    run_to_end(&demo).await?;
    let pool = db.pool().await?;
    sqlx::query(
        "WITH c AS (INSERT INTO certifications (programme, certificate_number, registry_number,
                         birth_date, physician_id, created_at, updated_at)
                     SELECT CASE WHEN g % 2 = 0 THEN 'occupational' ELSE 'sports' END,
                            (90000000 + g)::text, p.registry_number, p.birth_date, p.id, now(),
                            now()
                     FROM physicians p CROSS JOIN generate_series(1, $1::bigint) AS g
                     WHERE p.registry_number = '123456'
                     RETURNING id, certificate_number)
         INSERT INTO certification_terms (certification_id, valid_from, valid_until, origin,
             created_at)
         SELECT id, DATE '2021-04-01',
                DATE '2026-04-11' + ((certificate_number::bigint - 90000000) % 360)::int,
                'imported', now()
         FROM c",
    )
    .bind(EXTRA_CERTIFICATIONS)
    .execute(&pool)
    .await?;
    let before = notice_counts(&pool).await?;
    pool.close().await;
    // The twin: the same data, for one run alone.
    let admin = PgPool::connect(&with_database(&server_url(), "postgres")).await?;
    sqlx::query(&format!("CREATE DATABASE {} TEMPLATE {}", twin.name, db.name))
        .execute(&admin)
        .await?;
    admin.close().await;
    let pool = db.pool().await?;

    // Two instances and two one-shot job runs, all at once.
    let started = Instant::now();
    let spec_a = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "a",
        args: &["serve"],
        env: &pinned,
    };
    let spec_b = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "b",
        args: &["serve"],
        env: &pinned,
    };
    let jobs1 = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "jobs1",
        args: &["jobs"],
        env: &pinned,
    };
    let jobs2 = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "jobs2",
        args: &["jobs"],
        env: &pinned,
    };
    let mut a = Portal::spawn(&spec_a, free_port())?;
    let mut b = Portal::spawn(&spec_b, free_port())?;
    let (j1, j2) = tokio::join!(run_to_end(&jobs1), run_to_end(&jobs2));
    j1?;
    j2?;
    a.wait_ready(Duration::from_secs(60)).await?;
    b.wait_ready(Duration::from_secs(60)).await?;
    // The instances' daily loops run right after start: wait until the counts stand still.
    let mut last = notice_counts(&pool).await?;
    let mut still_since = Instant::now();
    while still_since.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = notice_counts(&pool).await?;
        if now != last {
            last = now;
            still_since = Instant::now();
        }
    }
    let concurrent_ms = ms(started.elapsed());
    let (mails, distinct, recorded) = notice_counts(&pool).await?;
    let (mails, distinct, recorded) = (mails - before.0, distinct - before.1, recorded - before.2);

    let single = PortalSpec {
        database_url: &twin.url,
        dir: dir.path(),
        name: "single",
        args: &["jobs"],
        env: &pinned,
    };
    run_to_end(&single).await?;
    let twin_pool = twin.pool().await?;
    let (s_mails, _, s_recorded) = notice_counts(&twin_pool).await?;
    let (s_mails, s_recorded) = (s_mails - before.0, s_recorded - before.2);
    twin_pool.close().await;

    // Sessions across instances.
    let client = client();
    let mut jar = login(&client, &a.base, "doctor").await?;
    let signed_in = jar.clone();
    let (on_b, html) = get(&client, &mut jar, &format!("{}/mypage", b.base)).await?;
    let csrf = csrf_of(&html).unwrap_or_default();
    let (logout, _) =
        post_form(&client, &mut jar, &format!("{}/logout", b.base), &[("csrf_token", &csrf)])
            .await?;
    let mut old = signed_in.clone();
    let (on_a_after, _) = get(&client, &mut old, &format!("{}/mypage", a.base)).await?;

    let mut problems = Vec::new();
    if on_b != 200 {
        problems.push(format!("A's session on B's /mypage: {on_b}"));
    }
    if logout != 303 {
        problems.push(format!("logout on B: {logout}"));
    }
    if on_a_after == 200 {
        problems.push("A still accepts the session signed out on B".into());
    }
    if s_mails == 0 {
        problems.push("a single run queued no notice: the pinned day owes none".into());
    }
    if mails != distinct || mails != s_mails || recorded != s_recorded {
        problems.push(format!(
            "concurrent runs: {mails} mails ({distinct} distinct), {recorded} recorded; one run: {s_mails} mails, {s_recorded} recorded"
        ));
    }
    let figures = format!(
        "session: A→B_mypage={on_b} B_logout={logout} A_after_logout={on_a_after}; notices (4 runs at once: 2×serve + 2×jobs, MAMIS_NOW={NOW}): mails={mails} distinct={distinct} recorded={recorded} single_run_mails={s_mails} single_run_recorded={s_recorded} concurrent_phase_ms={concurrent_ms}"
    );
    drop(a);
    drop(b);
    pool.close().await;
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}
