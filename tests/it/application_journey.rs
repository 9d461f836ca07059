//! The whole renewal through the pages of both sides: the physician applies, the prefecture
//! returns it, the physician corrects and resubmits, the prefecture records the fee and the
//! 手帳 and forwards it, JMA approves in the cycle, and the physician downloads the certificate
//! with the new validity.

use crate::common::applications::{self as fx, staff_step, Declared};
use crate::common::{Browser, TestApp};

async fn declare(b: &mut Browser, id: i64, category: &str, units: &str) {
    let page = fx::declare(b, id, Declared::handbook(category, units, "2024-06-01")).await;
    assert!(page.status.is_redirection(), "{}", page.body);
}
use reqwest::StatusCode;

#[tokio::test]
async fn renewal_from_application_to_downloadable_certificate() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    let mut doctor = app.signed_in("doctor").await;
    let path = "/mypage/applications/new?programme=occupational&kind=renewal";
    doctor.get(path).await;
    let page = doctor.post(path, &[]).await;
    let id: i64 = page
        .location()
        .expect("redirect to the draft")
        .trim_start_matches("/mypage/applications/")
        .parse()
        .unwrap();

    doctor.get(&format!("/mypage/applications/{id}")).await;
    declare(&mut doctor, id, "lifelong_renewal", "1").await;
    declare(&mut doctor, id, "lifelong_practical", "1").await;
    declare(&mut doctor, id, "lifelong_specialized", "17").await;
    doctor.get(&format!("/mypage/applications/{id}")).await;
    let refused = doctor.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "19 units are not enough");
    declare(&mut doctor, id, "lifelong_specialized", "1").await;
    doctor.get(&format!("/mypage/applications/{id}")).await;
    let page = doctor.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);

    // The prefecture returns it with a comment.
    let mut tokyo = app.signed_in("tokyo").await;
    assert!(tokyo
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}")));
    let page = staff_step(
        &app,
        &mut tokyo,
        id,
        "return",
        &[("comment", "手帳の写しを添付してください。")],
    )
    .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    assert!(doctor
        .get(&format!("/mypage/applications/{id}"))
        .await
        .body
        .contains("手帳の写しを添付してください。"));

    // The physician resubmits from their page; it is back in the prefecture's queue.
    doctor.get(&format!("/mypage/applications/{id}")).await;
    let page = doctor.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
    assert!(tokyo
        .get("/office/applications")
        .await
        .body
        .contains(&format!("/office/applications/{id}")));

    for action in ["fee", "handbook", "approve"] {
        let page = staff_step(&app, &mut tokyo, id, action, &[]).await;
        assert!(page.status.is_redirection(), "{action}: {}", page.body);
    }
    let mut jma = app.signed_in("jma").await;
    let page =
        staff_step(&app, &mut jma, id, "decide", &[("decision", "approve"), ("reason", "")]).await;
    assert!(page.status.is_redirection(), "{}", page.body);

    let (from, until): (chrono::NaiveDate, chrono::NaiveDate) = sqlx::query_as(
        "SELECT valid_from, valid_until FROM certifications_on('infinity') WHERE certificate_number = '0123456'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((from.to_string(), until.to_string()), ("2026-08-01".into(), "2031-07-31".into()));
    let cert: i64 =
        sqlx::query_scalar("SELECT id FROM certifications WHERE certificate_number = '0123456'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let pdf = doctor
        .client
        .get(format!("{}/mypage/certificates/{cert}.pdf", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
}
