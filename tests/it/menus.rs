//! The office menu is built from the policy: every link a clerk is offered opens (200), for each
//! tier, and a tier is not offered another's work (issue 11: chiyoda was offered 「医師の検索・
//! 代理入力」 and got 403).

use reqwest::StatusCode;

use crate::common::TestApp;

fn menu_links(html: &str) -> Vec<String> {
    let start = html.find("<ul class=\"tiles\">").expect("the menu");
    let end = html[start..].find("</ul>").unwrap() + start;
    html[start..end]
        .split("href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn every_office_menu_link_opens_for_the_clerk_it_is_offered_to() {
    let app = TestApp::spawn().await;
    for (login, must_have, must_not) in [
        ("chiyoda", "/office/applications", "/office/physicians"),
        ("tokyo", "/office/physicians", "/office/cycles"),
        ("jma", "/office/cycles", "/office/seminars/new"),
    ] {
        let mut clerk = app.signed_in(login).await;
        let home = clerk.get("/office").await;
        let links = menu_links(&home.body);
        assert!(links.len() >= 3, "{login}: a menu ({links:?})");
        assert!(links.iter().any(|l| l == must_have), "{login}: offered {must_have}");
        assert!(!links.iter().any(|l| l == must_not), "{login}: not offered {must_not}");
        for link in &links {
            let page = clerk.get(link).await;
            assert_eq!(page.status, StatusCode::OK, "{login}: {link} opens");
        }
    }
}

/// The applications list's SQL scope agrees with the policy, for every staff account of the
/// living demo (200 physicians, 80 applications across prefectures and receptions): a clerk's
/// list holds exactly the (non-draft) applications whose page the policy lets them open.
#[tokio::test]
async fn every_clerks_application_list_is_what_the_policy_lets_them_open() {
    use mamis::db::application_review::{self as review, Search};
    use mamis::domain::policy::{allows, scope, Action, List};
    use std::collections::BTreeSet;

    let db = crate::common::TestDb::create().await;
    let pool = db.pool(5).await;
    mamis::db::migrate(&pool).await.unwrap();
    let now = mamis::clock::parse_jst("2026-11-26 10:00").unwrap();
    mamis::demo::load_living(&pool, now).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE status <> 'draft'")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut applications = Vec::new();
    for id in ids {
        let mut conn = pool.acquire().await.unwrap();
        applications.push(review::get(&mut conn, id).await.unwrap().unwrap());
    }
    let staff: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM accounts WHERE role IN ('municipal_staff', 'prefectural_staff', 'jma_staff')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(staff.len() > 10, "staff of several tiers ({})", staff.len());
    let mut nonempty = 0;
    for account in staff {
        let actor =
            mamis::db::accounts::load_current(&pool, account).await.unwrap().unwrap().actor();
        let (rows, total) = review::search(
            &pool,
            scope(&actor, List::Applications),
            &Search::default(),
            100_000,
            0,
        )
        .await
        .unwrap();
        let listed: BTreeSet<i64> = rows.iter().map(|r| r.id).collect();
        assert_eq!(listed.len() as i64, total, "the total counts the list");
        let allowed: BTreeSet<i64> = applications
            .iter()
            .filter(|a| allows(&actor, Action::ViewApplication(a.policy_target())))
            .map(|a| a.id)
            .collect();
        assert_eq!(listed, allowed, "{:?} {account}: list = policy", actor.role);
        nonempty += usize::from(!listed.is_empty());
    }
    assert!(nonempty > 3, "several clerks see applications ({nonempty})");
}
