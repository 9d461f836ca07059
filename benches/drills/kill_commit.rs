//! Drill 3: the portal SIGKILLed in the middle of committing a 10,000-row attendee CSV through
//! the organizer work page (upload → preview → commit, over HTTP). After a restart the seminar
//! must hold all of the file's credits or none, and a file left uncommitted must commit again.
//! One reference run measures the commit's normal duration; then several runs kill at
//! different moments: as soon as the commit statement shows up in pg_stat_activity, and at
//! fractions of the reference duration.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use sqlx::PgPool;

use crate::attendees::{self, BOUNDARY, ROWS};
use crate::common::*;
use crate::Outcome;

/// `None`: kill when the statement is seen running; `Some(f)`: kill `f` × the reference commit
/// duration after sending the commit.
const KILLS: [Option<f64>; 6] = [None, Some(0.3), Some(0.6), Some(0.9), Some(1.0), Some(1.5)];

pub async fn run() -> anyhow::Result<Outcome> {
    let db = DrillDb::create("commit").await?;
    let result = drill(&db).await;
    db.drop_now().await;
    result
}

#[derive(Clone)]
struct Upload {
    jar: Jar,
    csrf: String,
    commit_url: String,
}

/// Opens the upload page, uploads the CSV and returns what the commit needs.
async fn preview(
    client: &reqwest::Client,
    base: &str,
    work: &str,
    csv: &[u8],
) -> anyhow::Result<Upload> {
    let mut jar = Jar::default();
    let (status, html) = get(client, &mut jar, &format!("{base}{work}/credits/upload")).await?;
    if status != 200 {
        bail!("upload page answered {status}");
    }
    let csrf = csrf_of(&html)?;
    let response = client
        .post(format!("{base}{work}/credits/upload?csrf_token={csrf}"))
        .header("cookie", jar.header())
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(attendees::multipart_body(csv))
        .send()
        .await?;
    jar.take(&response);
    let status = response.status();
    let html = response.text().await?;
    if status != 200 {
        bail!("preview answered {status}");
    }
    let ok = between(&html, "<span id=\"rows-ok\">", "<").unwrap_or("?");
    if ok != ROWS.to_string() {
        bail!("preview: {ok} valid rows, expected {ROWS}");
    }
    let id = between(&html, "/credits/uploads/", "/").context("the upload id")?;
    Ok(Upload { commit_url: format!("{work}/credits/uploads/{id}/commit"), jar, csrf })
}

async fn commit(client: &reqwest::Client, base: &str, upload: &Upload) -> anyhow::Result<u16> {
    let mut jar = upload.jar.clone();
    let (status, _) = post_form(
        client,
        &mut jar,
        &format!("{base}{}", upload.commit_url),
        &[("csrf_token", &upload.csrf)],
    )
    .await?;
    Ok(status)
}

/// (credit rows, distinct attendees) of the seminar.
async fn counts(pool: &PgPool, seminar: i64) -> anyhow::Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT registry_number) FROM credits WHERE seminar_id = $1",
    )
    .bind(seminar)
    .fetch_one(pool)
    .await?)
}

async fn commit_running(pool: &PgPool, db: &str) -> bool {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM pg_stat_activity
         WHERE datname = $1 AND state = 'active' AND query LIKE '%jsonb_array_elements%'
           AND pid <> pg_backend_pid()",
    )
    .bind(db)
    .fetch_one(pool)
    .await
    .map(|n| n > 0)
    .unwrap_or(false)
}

/// The killed portal's backends: any session of the drill database other than ours.
async fn orphan_backends(pool: &PgPool, db: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid() AND state <> 'idle'
           AND application_name NOT LIKE 'drill%'",
    )
    .bind(db)
    .fetch_one(pool)
    .await
    .unwrap_or(0)
}

async fn drill(db: &DrillDb) -> anyhow::Result<Outcome> {
    let pool = db.pool().await?;
    attendees::seed(&pool).await?;
    let dir = TempDir::new("mamis-drill-commit");
    let spec = PortalSpec {
        database_url: &db.url,
        dir: dir.path(),
        name: "portal",
        args: &["serve", "--no-demo"],
        env: &[("MAIL_WORKER", "0".into())],
    };
    let csv = attendees::attendee_csv();
    let client = client();
    let today = mamis::clock::Clock::system().today();
    let mut portal = Portal::start(&spec, Duration::from_secs(60)).await?;

    // The reference: an undisturbed commit.
    let (seminar, work) = attendees::seminar(&pool, "障害訓練研修会 0", today).await?;
    let upload = preview(&client, &portal.base, &work, &csv).await?;
    let started = Instant::now();
    let status = commit(&client, &portal.base, &upload).await?;
    let reference = started.elapsed();
    if status != 303 {
        bail!("reference commit answered {status}");
    }
    let full = counts(&pool, seminar).await?;
    if full.1 != ROWS as i64 {
        bail!("reference commit stored {} attendees, expected {ROWS}", full.1);
    }
    println!(
        "  reference commit: {} ms, {} credit rows for {} attendees",
        ms(reference),
        full.0,
        full.1
    );

    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let (mut none_count, mut all_count) = (0, 0);
    for (n, kill) in KILLS.iter().enumerate() {
        let (seminar, work) =
            attendees::seminar(&pool, &format!("障害訓練研修会 {}", n + 1), today).await?;
        let upload = preview(&client, &portal.base, &work, &csv).await?;
        let base = portal.base.clone();
        let c = client.clone();
        let sent = Instant::now();
        let sent_upload = upload.clone();
        let request = tokio::spawn(async move { commit(&c, &base, &sent_upload).await });
        let mut seen_running = false;
        match kill {
            None => {
                seen_running =
                    wait_for(Duration::from_secs(30), Duration::from_millis(5), || async {
                        commit_running(&pool, &db.name).await.then_some(())
                    })
                    .await
                    .is_some();
            }
            Some(f) => {
                let at = reference.mul_f64(*f);
                while sent.elapsed() < at {
                    seen_running |= commit_running(&pool, &db.name).await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
        let killed_after = sent.elapsed();
        portal.kill9().await?;
        let answered = request.await?.ok();
        // The database finishes (and rolls back) the dead client's statement on its own.
        let settled = wait_for(Duration::from_secs(60), Duration::from_millis(50), || async {
            (orphan_backends(&pool, &db.name).await == 0).then_some(())
        })
        .await
        .is_some();
        let after_kill = counts(&pool, seminar).await?;

        portal = Portal::start(&spec, Duration::from_secs(60)).await?;
        let after_restart = counts(&pool, seminar).await?;
        let outcome = if after_restart == (0, 0) {
            none_count += 1;
            "none"
        } else if after_restart == full {
            all_count += 1;
            "all"
        } else {
            "PARTIAL"
        };
        let mut recommitted = String::new();
        if outcome == "none" {
            // The same preview, committed again on the restarted portal (sessions live in the
            // database, so the organizer's cookie still works).
            let status = commit(&client, &portal.base, &upload).await?;
            let again = counts(&pool, seminar).await?;
            recommitted = format!(" recommit={status}→{}", again.0);
            if status != 303 || again != full {
                problems.push(format!("run {}: the recommit gave {status} and {:?}", n + 1, again));
            }
        }
        if outcome == "PARTIAL" || after_kill != after_restart || !settled {
            problems.push(format!(
                "run {}: after kill {:?}, after restart {:?}, settled={settled}",
                n + 1,
                after_kill,
                after_restart
            ));
        }
        let line = format!(
            "kill@{}ms({}) statement_seen={seen_running} http_answer={} credits={} → {outcome}{recommitted}",
            ms(killed_after),
            kill.map_or("on statement".to_string(), |f| format!("{:.0}%", f * 100.0)),
            answered.map_or("none".to_string(), |s| s.to_string()),
            after_restart.0,
        );
        println!("  run {}: {line}", n + 1);
        lines.push(line);
    }
    drop(portal);
    pool.close().await;
    let figures = format!(
        "rows={ROWS} reference_commit_ms={} full_credit_rows={} runs={} all={all_count} none={none_count} partial={}",
        ms(reference),
        full.0,
        KILLS.len(),
        KILLS.len() - all_count - none_count
    );
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}
