//! Drill 1: PostgreSQL stopped and started again under load. During the outage requests must
//! end quickly with the portal's 503 page (never a 500, never a hang); afterwards they must
//! succeed again without restarting the portal, and the signed-in session must survive.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::common::*;
use crate::private_pg::PrivatePg;
use crate::Outcome;

const CLIENTS: usize = 6;
const BEFORE: Duration = Duration::from_secs(3);
const OUTAGE: Duration = Duration::from_secs(8);
const AFTER: Duration = Duration::from_secs(15);
/// Longest acceptable answer while the database is down (the pool's acquire timeout is 5 s).
const MAX_OUTAGE_LATENCY: Duration = Duration::from_secs(10);
/// Success must resume within this long after PostgreSQL accepts connections again.
const RECOVERY_BOUND: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
struct Sample {
    phase: u8,
    path: &'static str,
    /// 0: no HTTP answer (connection error or client timeout).
    status: u16,
    outage_page: bool,
    latency: Duration,
    /// When the answer came, from the start of the load.
    done_at: Duration,
}

pub async fn run() -> anyhow::Result<Outcome> {
    let pg = tokio::task::spawn_blocking(|| -> anyhow::Result<PrivatePg> {
        let pg = PrivatePg::init()?;
        pg.start()?;
        Ok(pg)
    })
    .await??;
    let pg = Arc::new(pg);
    let url = pg.url("drill_pg_restart");
    let dir = TempDir::new("mamis-drill-pg-restart");
    let spec = PortalSpec {
        database_url: &url,
        dir: dir.path(),
        name: "portal",
        args: &["serve"],
        env: &[("MAIL_WORKER", "0".into())],
    };
    // The empty database gets the demo data (the `doctor` login).
    let portal = Portal::start(&spec, Duration::from_secs(90)).await?;
    let client = client();
    let jar = login(&client, &portal.base, "doctor").await?;

    let phase = Arc::new(AtomicU8::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for n in 0..CLIENTS {
        let (phase, stop, samples) = (phase.clone(), stop.clone(), samples.clone());
        let (base, cookie) = (portal.base.clone(), jar.header());
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()?;
        workers.push(tokio::spawn(async move {
            let mut i = n;
            while !stop.load(Ordering::SeqCst) {
                let path = if i % 2 == 0 { "/mypage" } else { "/readyz" };
                i += 1;
                let at_phase = phase.load(Ordering::SeqCst);
                let started = Instant::now();
                let (status, outage_page) = match http
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let body = r.text().await.unwrap_or_default();
                        (status, body.contains(OUTAGE_TEXT))
                    }
                    Err(_) => (0, false),
                };
                samples.lock().unwrap().push(Sample {
                    phase: at_phase,
                    path,
                    status,
                    outage_page,
                    latency: started.elapsed(),
                    done_at: t0.elapsed(),
                });
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }

    tokio::time::sleep(BEFORE).await;
    // Answers from now on may meet the shutdown or the outage.
    let stop_began = t0.elapsed();
    phase.store(1, Ordering::SeqCst);
    let pg_stop = pg.clone();
    tokio::task::spawn_blocking(move || pg_stop.stop_fast()).await??;
    tokio::time::sleep(OUTAGE).await;
    let pg_start = pg.clone();
    tokio::task::spawn_blocking(move || pg_start.start()).await??;
    let restarted_at = t0.elapsed();
    phase.store(2, Ordering::SeqCst);
    tokio::time::sleep(AFTER).await;
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        let _ = w.await;
    }
    let samples = samples.lock().unwrap().clone();

    // Classified by when the answer came: before the stop began, while the database was
    // going down or down, after it was started again.
    let before: Vec<&Sample> = samples.iter().filter(|s| s.done_at < stop_began).collect();
    let ok_before = before.iter().filter(|s| s.status == 200).count();
    let bad_before = before.len() - ok_before;
    let during: Vec<&Sample> =
        samples.iter().filter(|s| s.done_at >= stop_began && s.done_at < restarted_at).collect();
    let after: Vec<&Sample> = samples.iter().filter(|s| s.done_at >= restarted_at).collect();
    // Sent during the outage, answered after the restart (they waited for a connection).
    let bridged: Vec<&Sample> = after.iter().copied().filter(|s| s.phase == 1).collect();
    let bridged_ok = bridged.iter().filter(|s| s.status == 200).count();
    let during_503 = during.iter().filter(|s| s.status == 503).count();
    let during_mypage_503_page =
        during.iter().filter(|s| s.path == "/mypage" && s.status == 503 && s.outage_page).count();
    let during_mypage_503 =
        during.iter().filter(|s| s.path == "/mypage" && s.status == 503).count();
    let during_500 = during.iter().filter(|s| s.status >= 500 && s.status != 503).count();
    let during_no_answer = during.iter().filter(|s| s.status == 0).count();
    let during_other: Vec<u16> = during
        .iter()
        .filter(|s| s.status != 503 && s.status != 0 && s.status < 500)
        .map(|s| s.status)
        .collect();
    let max_latency = samples
        .iter()
        .filter(|s| s.done_at >= stop_began && s.phase >= 1)
        .map(|s| s.latency)
        .max()
        .unwrap_or_default();
    let bridged_bad = after.iter().filter(|s| s.status != 200 && s.status != 503).count();
    let ok_after = after.iter().filter(|s| s.status == 200).count();
    // Recovery: from PostgreSQL's restart to the first moment after which every answer (of both
    // paths) is 200.
    let last_bad_after = after.iter().filter(|s| s.status != 200).map(|s| s.done_at).max();
    let recovered_in = match last_bad_after {
        Some(at) => at.saturating_sub(restarted_at),
        None => Duration::ZERO,
    };
    let first_ok = |path: &str| {
        after
            .iter()
            .filter(|s| s.path == path && s.status == 200)
            .map(|s| s.done_at.saturating_sub(restarted_at))
            .min()
    };
    let session_kept = after.iter().any(|s| s.path == "/mypage" && s.status == 200);
    let stable_tail =
        after.iter().filter(|s| s.done_at > restarted_at + RECOVERY_BOUND).all(|s| s.status == 200);

    let mut problems = Vec::new();
    if ok_before == 0 || bad_before > 0 {
        problems.push(format!("before the outage: {ok_before} ok, {bad_before} not ok"));
    }
    if during.is_empty() || during_503 == 0 {
        problems.push("no 503 seen during the outage".into());
    }
    if during_500 > 0 || during_no_answer > 0 || bridged_bad > 0 {
        problems.push(format!(
            "during: {during_500} 5xx other than 503, {during_no_answer} unanswered, {bridged_bad} other than 200/503 after the restart"
        ));
    }
    if during_mypage_503_page < during_mypage_503 {
        problems.push("a /mypage 503 without the Japanese outage page".into());
    }
    if max_latency > MAX_OUTAGE_LATENCY {
        problems.push(format!("an answer took {} ms during the outage", ms(max_latency)));
    }
    if recovered_in > RECOVERY_BOUND || !stable_tail || ok_after == 0 {
        problems.push(format!("no steady recovery within {RECOVERY_BOUND:?}"));
    }
    if !session_kept {
        problems.push("the signed-in session did not survive the restart".into());
    }
    let figures = format!(
        "ok_before={ok_before} during={} (503={during_503}, mypage_503_with_page={during_mypage_503_page}/{during_mypage_503}, 5xx_other={during_500}, unanswered={during_no_answer}, other={:?}) across_restart={} (200={bridged_ok}) max_latency_during_ms={} ok_after={ok_after} first_ok_after_restart_ms: mypage={} readyz={} all_ok_after_ms={} portal_restarted=no",
        during.len(),
        during_other,
        bridged.len(),
        ms(max_latency),
        first_ok("/mypage").map(ms).map_or("-".into(), |v| v.to_string()),
        first_ok("/readyz").map(ms).map_or("-".into(), |v| v.to_string()),
        ms(recovered_in),
    );
    drop(portal);
    let pg = Arc::try_unwrap(pg).ok().context("PostgreSQL handle still shared")?;
    tokio::task::spawn_blocking(move || drop(pg)).await?;
    Ok(Outcome { pass: problems.is_empty(), figures, problems })
}
