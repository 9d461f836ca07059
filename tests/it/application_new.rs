//! New certification for both programmes through the physician's pages and the three tiers:
//! occupational by 基礎 credits (all eight 前期 items), sports by an exemption with evidence.

use crate::common::applications::{self as fx, id_of, Declared};
use crate::common::{Browser, TestApp};

async fn declare(b: &mut Browser, id: i64, category: &str, units: &str) {
    let page = fx::declare(b, id, Declared::certificate(category, units, "2024-10-01")).await;
    assert!(page.status.is_redirection(), "{category}: {}", page.body);
}
use reqwest::StatusCode;

/// A registered physician without any certification, in Tokyo.
async fn newcomer(app: &TestApp) {
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, email,
                        email_verified_at, created_at, updated_at)
                    SELECT 'newdoc', password_hash, 'physician', '鈴木 一郎', 'suzuki@example.jp',
                           now(), now(), now()
                    FROM accounts WHERE login_id = 'doctor' RETURNING id)
         INSERT INTO physicians (account_id, kanji_name, furigana, birth_date, sex, registry_number,
                                 phone, prefecture_code, address, registration_completed_at,
                                 details_confirmed_at, created_at, updated_at)
         SELECT a.id, '鈴木　一郎', 'スズキ　イチロウ', '1985-01-20', 'male', '777777', '03-1111-2222',
                13, '東京都文京区本駒込2-28-16', now(), now(), now(), now() FROM a",
    )
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn start(b: &mut Browser, programme: &str) -> i64 {
    id_of(&fx::start(b, programme, "new").await)
}

async fn staff(app: &TestApp, b: &mut Browser, id: i64, action: &str, extra: &[(&str, &str)]) {
    let page = fx::staff_step(app, b, id, action, extra).await;
    assert!(page.status.is_redirection(), "{action}: {}", page.body);
}

async fn through_the_tiers(app: &TestApp, id: i64, handbook: bool) {
    let mut tokyo = app.signed_in("tokyo").await;
    staff(app, &mut tokyo, id, "fee", &[]).await;
    if handbook {
        staff(app, &mut tokyo, id, "handbook", &[]).await;
    }
    staff(app, &mut tokyo, id, "approve", &[]).await;
    let mut jma = app.signed_in("jma").await;
    staff(app, &mut jma, id, "decide", &[("decision", "approve"), ("reason", "")]).await;
}

async fn new_certificate(app: &TestApp, programme: &str) -> (String, String, String) {
    sqlx::query_as(
        "SELECT c.certificate_number, c.valid_from::text, c.valid_until::text
         FROM certifications_on('infinity') c JOIN physicians p ON p.id = c.physician_id
         WHERE p.registry_number = '777777' AND c.programme = $1",
    )
    .bind(programme)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn new_occupational_certification_by_basic_credits() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    newcomer(&app).await;
    let mut b = app.signed_in("newdoc").await;
    let id = start(&mut b, "occupational").await;
    b.get(&format!("/mypage/applications/{id}")).await;
    for (category, units) in [
        ("basic_early_general", "2"),
        ("basic_early_health_management", "2"),
        ("basic_early_mental_health", "1"),
        ("basic_early_health_promotion", "1"),
        ("basic_early_work_environment", "2"),
        ("basic_early_work_management", "2"),
        ("basic_early_hazardous_work", "2"),
        ("basic_practical", "10"),
        ("basic_late", "26"),
    ] {
        declare(&mut b, id, category, units).await;
    }
    b.get(&format!("/mypage/applications/{id}")).await;
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "産業医活動の実際 is missing");
    assert!(refused.body.contains("産業医活動の実際"), "the missing item is named");
    declare(&mut b, id, "basic_early_practice", "2").await;
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);

    through_the_tiers(&app, id, false).await;
    let (number, from, until) = new_certificate(&app, "occupational").await;
    assert_eq!(number.len(), 7, "{number}");
    assert!(number.chars().all(|c| c.is_ascii_digit()));
    // Forwarded on 2026-04-10: the May committee (2026-05-31), valid for five years.
    assert_eq!((from.as_str(), until.as_str()), ("2026-05-31", "2031-05-30"));
}

#[tokio::test]
async fn new_sports_certification_by_exemption_with_evidence() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    newcomer(&app).await;
    let mut b = app.signed_in("newdoc").await;
    let id = start(&mut b, "sports").await;
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    let receiving = page
        .body
        .split("name=\"receiving_association_id\"")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("a receiving association option")
        .to_string();
    let page = b
        .post(
            &format!("/mypage/applications/{id}/details"),
            &[
                ("route", "sports_exemption"),
                ("route_document_date", ""),
                ("receiving_association_id", &receiving),
                ("late_reason", ""),
                ("practical_activity", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "which exemption is asked");
    assert!(page.body.contains("免除の資格を4つのうちから選んでください"), "{}", page.body);
    for exemption in ["jos_sports_doctor", "jos_course", "jspo_sports_doctor", "jspo_basic"] {
        assert!(page.body.contains(&format!("value=\"{exemption}\"")), "{exemption} offered");
    }
    let page = b
        .post(
            &format!("/mypage/applications/{id}/details"),
            &[
                ("route", "sports_exemption"),
                ("route_document_date", ""),
                ("receiving_association_id", &receiving),
                ("late_reason", ""),
                ("practical_activity", ""),
                ("exemption", "jspo_sports_doctor"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(
        page.body.contains("免除の資格：日本スポーツ協会 公認スポーツドクター"),
        "{}",
        page.body
    );
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "the exemption needs evidence");

    b.get(&format!("/mypage/applications/{id}")).await;
    let path = format!("/mypage/applications/{id}/files");
    let r = fx::upload_to(&mut b, &path, "jspo.pdf", &crate::common::pdf_file()).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);

    through_the_tiers(&app, id, false).await;
    let (number, from, until) = new_certificate(&app, "sports").await;
    assert_eq!(number.len(), 7);
    assert_eq!((from.as_str(), until.as_str()), ("2026-05-31", "2031-05-30"));
}

/// A PDF to upload as evidence.
fn evidence_pdf() -> Vec<u8> {
    crate::common::pdf_file()
}

/// Uploads `pdf` to `path` (a multipart form with one file field), as the page's form does.
async fn upload(b: &mut Browser, path: &str, pdf: &[u8]) -> StatusCode {
    fx::upload_to(b, path, "cert.pdf", pdf).await.status
}

async fn declared_ids(app: &TestApp, id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM declared_credits WHERE application_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn declare_certificate(
    b: &mut Browser,
    id: i64,
    category: &str,
    units: &str,
    on: &str,
) -> u16 {
    b.get(&format!("/mypage/applications/{id}")).await;
    fx::declare(b, id, Declared::certificate(category, units, on)).await.status.as_u16()
}

#[tokio::test]
async fn sports_new_needs_both_course_certificates_each_with_its_upload() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    newcomer(&app).await;
    let mut b = app.signed_in("newdoc").await;
    let id = start(&mut b, "sports").await;
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(!page.body.contains("value=\"handbook\""), "no 手帳 option for sports");
    // A 手帳 sticker is not sports evidence, even when posted.
    let refused = b
        .post(
            &format!("/mypage/applications/{id}/credits"),
            &[
                ("category", "sports_early"),
                ("format", "web"),
                ("units", "0.5"),
                ("attended_on", "2019-05-01"),
                ("source", "handbook"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("手帳ではなく修了証で"), "{}", refused.body);

    // 前期 declared as a certificate: a course needs no units.
    assert_eq!(declare_certificate(&mut b, id, "sports_early", "", "2019-05-01").await, 303);
    b.get(&format!("/mypage/applications/{id}")).await;
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "後期 missing, 前期 without upload"
    );
    assert_eq!(declare_certificate(&mut b, id, "sports_late", "", "2019-09-01").await, 303);
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(page.body.contains("<strong>未提出</strong>"), "each certificate asks for its upload");
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "no uploads yet");
    for credit in declared_ids(&app, id).await {
        b.get(&format!("/mypage/applications/{id}")).await;
        let status = upload(
            &mut b,
            &format!("/mypage/applications/{id}/credits/{credit}/file"),
            &evidence_pdf(),
        )
        .await;
        assert!(status.is_redirection(), "{status}");
    }
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    assert!(!page.body.contains("<strong>未提出</strong>"), "{}", page.body);
    let page = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
}

#[tokio::test]
async fn sports_renewal_with_a_declared_certificate_and_no_upload_is_refused() {
    // The demo physician's sports certification runs 2022-04-01 – 2027-03-31.
    let app = TestApp::spawn_at("2026-11-10 10:00").await;
    let mut b = app.signed_in("doctor").await;
    let path = "/mypage/applications/new?programme=sports&kind=renewal";
    assert_eq!(b.get(path).await.status, StatusCode::OK);
    let page = b.post(path, &[]).await;
    let id: i64 = page
        .location()
        .expect("redirect to the draft")
        .trim_start_matches("/mypage/applications/")
        .parse()
        .unwrap();
    assert_eq!(declare_certificate(&mut b, id, "sports_retraining", "5", "2024-06-01").await, 303);
    let page = b.get(&format!("/mypage/applications/{id}")).await;
    let receiving = page
        .body
        .split("name=\"receiving_association_id\"")
        .nth(1)
        .and_then(|s| s.split("value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("the receiving association")
        .to_string();
    let page = b
        .post(
            &format!("/mypage/applications/{id}/details"),
            &[
                ("route", "credits"),
                ("receiving_association_id", &receiving),
                ("practical_activity", "市民マラソン大会の救護（2024年）"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    b.get(&format!("/mypage/applications/{id}")).await;
    let refused = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("修了証の写し"), "{}", refused.body);
    let credit = declared_ids(&app, id).await[0];
    b.get(&format!("/mypage/applications/{id}")).await;
    let status = upload(
        &mut b,
        &format!("/mypage/applications/{id}/credits/{credit}/file"),
        &evidence_pdf(),
    )
    .await;
    assert!(status.is_redirection(), "{status}");
    b.get(&format!("/mypage/applications/{id}")).await;
    let page = b.post(&format!("/mypage/applications/{id}/submit"), &[]).await;
    assert!(page.status.is_redirection(), "{}", page.body);
}

/// A phone photo of a 修了証 is several MB: the row's upload takes up to 10 MB like the others.
#[tokio::test]
async fn a_certificate_photo_of_several_megabytes_is_accepted_on_its_row() {
    let app = TestApp::spawn_at("2026-04-10 10:00").await;
    newcomer(&app).await;
    let mut b = app.signed_in("newdoc").await;
    let id = start(&mut b, "sports").await;
    assert_eq!(declare_certificate(&mut b, id, "sports_early", "", "2019-05-01").await, 303);
    let mut noise = image::RgbImage::new(1100, 1000);
    let mut x: u32 = 12345;
    for p in noise.pixels_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *p = image::Rgb([(x >> 8) as u8, (x >> 16) as u8, (x >> 24) as u8]);
    }
    let mut png = Vec::new();
    noise.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    assert!(png.len() > 3 * 1024 * 1024, "{} bytes", png.len());
    let credit = declared_ids(&app, id).await[0];
    b.get(&format!("/mypage/applications/{id}")).await;
    let status =
        upload(&mut b, &format!("/mypage/applications/{id}/credits/{credit}/file"), &png).await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(
        app.count("SELECT count(*) FROM uploaded_files WHERE declared_credit_id IS NOT NULL").await,
        1
    );
}
