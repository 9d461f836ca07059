//! Every page a role can open renders: no 500 anywhere, for every role and for visitors.

use crate::common::TestApp;
use reqwest::StatusCode;

const PAGES: [&str; 44] = [
    "/",
    "/login",
    "/register",
    "/forgot",
    "/seminars",
    "/seminars/apply",
    "/mypage",
    "/mypage/profile",
    "/mypage/profile/edit",
    "/mypage/profile/email",
    "/mypage/profile/request",
    "/mypage/history",
    "/mypage/credits/print",
    "/mypage/missing-credits",
    "/mypage/applications",
    "/account/password",
    "/office",
    "/office/physicians",
    "/office/physicians?q=123456",
    "/office/links",
    "/office/changes",
    "/office/members/import",
    "/office/members/template.csv",
    "/office/certifications/import",
    "/office/seminars",
    "/office/seminars/new",
    "/office/seminars/paper",
    "/office/committee",
    "/office/watch",
    "/office/reports",
    "/office/missing-credits",
    "/office/exports",
    "/office/notices",
    "/office/applications/request-letter",
    "/office/applications/deadlines",
    "/office/paper-certificates",
    "/office/cycles",
    "/office/applications",
    "/admin",
    "/admin/maintenance",
    "/admin/announcements",
    "/audit",
    "/audit?action=auth&actor=doctor",
    "/no-such-page",
];

#[tokio::test]
async fn no_page_fails_for_any_role() {
    let app = TestApp::spawn().await;
    let mut browsers = vec![("visitor", app.browser())];
    for login in ["doctor", "chiyoda", "tokyo", "jma", "admin"] {
        browsers.push((login, app.signed_in(login).await));
    }
    for (who, b) in browsers.iter_mut() {
        for path in PAGES {
            let page = b.get(path).await;
            assert!(
                !page.status.is_server_error(),
                "{who} {path}: {} {}",
                page.status,
                &page.body[..page.body.len().min(400)]
            );
            if page.status == StatusCode::OK && page.body.starts_with("<!doctype html>") {
                assert!(page.body.contains("lang=\"ja\""), "{who} {path}");
            }
        }
    }
}
