//! The whole route table, walked as anonymous and as every role (issue 11): each answer is
//! checked against the audience the policy gives the path (`domain::audience`). A handler that
//! forgot its check would answer 200 where this expects a refusal.

use mamis::domain::audience::{admits, of_path, open_to_anonymous, Audience};
use reqwest::StatusCode;

use crate::common::{Browser, TestApp};

/// (method, path) of every route, read from the router's sources (every file under src/web/).
fn routes() -> Vec<(&'static str, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut files = Vec::new();
    let mut dirs = vec![dir];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for file in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "rs")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for chunk in text.split(".route(").skip(1) {
            let Some(rest) = chunk.trim_start().strip_prefix('"') else { continue };
            let path = &rest[..rest.find('"').unwrap()];
            let end = ["\n        .", "\n}", "\n    }"]
                .iter()
                .filter_map(|m| rest.find(m))
                .min()
                .unwrap_or(rest.len());
            let handlers = &rest[..end];
            for (method, marker) in [("GET", "get("), ("POST", "post(")] {
                if handlers.contains(marker) {
                    out.push((method, path.to_string()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A concrete URL for a route: ids 1, tokens of the right length that match nothing.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|part| match part {
            p if p.starts_with('{') && p.contains("token") => "0".repeat(64),
            p if p.starts_with('{') => "1".to_string(),
            p => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn refused(status: StatusCode) -> bool {
    status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_audience_says() {
    let app = TestApp::spawn().await;
    let routes = routes();
    assert!(routes.len() > 120, "the route table was read ({} routes)", routes.len());
    let mut checked = 0;
    for login in [None, Some("doctor"), Some("chiyoda"), Some("tokyo"), Some("jma"), Some("admin")]
    {
        let mut browser: Browser = match login {
            None => {
                let mut b = app.browser();
                b.get("/login").await; // a CSRF token, so that POSTs reach the handlers
                b
            }
            Some(id) if id == "admin" => {
                let mut b = app.browser();
                b.get("/admin/login").await;
                let page = b
                    .post(
                        "/admin/login",
                        &[("login_id", id), ("password", crate::common::PASSWORD)],
                    )
                    .await;
                assert_eq!(page.status, StatusCode::SEE_OTHER, "admin signs in");
                b.get("/admin").await;
                b
            }
            Some(id) => app.signed_in(id).await,
        };
        let actor = match login {
            None => None,
            Some(id) => {
                let account: i64 =
                    sqlx::query_scalar("SELECT id FROM accounts WHERE login_id = $1")
                        .bind(id)
                        .fetch_one(&app.pool)
                        .await
                        .unwrap();
                Some(
                    mamis::db::accounts::load_current(&app.pool, account)
                        .await
                        .unwrap()
                        .unwrap()
                        .actor(),
                )
            }
        };
        for (method, route) in &routes {
            let audience = of_path(route);
            if *route == "/logout" || (*method == "POST" && audience == Audience::Public) {
                continue; // signing out ends the walk; public forms are the security tests' part
            }
            let url = concrete(route);
            let admitted = match &actor {
                None => open_to_anonymous(audience),
                Some(actor) => admits(actor, audience),
            };
            if *method == "POST" && admitted {
                continue; // a state change by someone allowed is the feature tests' part
            }
            let page = if *method == "GET" {
                browser.get(&url).await
            } else {
                browser.post(&url, &[]).await
            };
            let who = login.unwrap_or("anonymous");
            assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{who} {method} {url}");
            if admitted {
                let to_login = page.location().is_some_and(|l| l.contains("login"));
                assert!(
                    !to_login || audience == Audience::Public,
                    "{who} {method} {url}: sent to login"
                );
            } else if actor.is_none() {
                let to_login = page.status == StatusCode::SEE_OTHER
                    && page.location().is_some_and(|l| l.contains("login"));
                assert!(
                    to_login || refused(page.status),
                    "{who} {method} {url}: {} (expected sign-in)",
                    page.status
                );
            } else {
                assert!(
                    refused(page.status),
                    "{who} {method} {url}: {} (expected 403/404 for {audience:?})",
                    page.status
                );
            }
            checked += 1;
        }
        // The walk did not sign anyone out on the way.
        if login.is_some() {
            let home = browser.get("/").await;
            assert!(
                home.location().is_some_and(|l| !l.contains("login")),
                "{login:?} still signed in"
            );
        }
    }
    assert!(checked > 600, "{checked} answers checked");
}
