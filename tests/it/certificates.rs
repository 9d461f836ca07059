//! The certificate PDF (its holder only) and the public verification page its QR code opens:
//! valid, expired, or one 「確認できません」 page for every kind of wrong URL.

use crate::common;

use crate::common::{TestApp, PASSWORD};
use chrono::NaiveDate;
use mamis::clock::Jst;
use mamis::db::{accounts, physicians, verification};
use mamis::domain::role::Role;
use mamis::export::certificate_pdf::verify_path;
use reqwest::StatusCode;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn certification_id(app: &TestApp, programme: &str, number: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM certifications WHERE programme = $1 AND certificate_number = $2",
    )
    .bind(programme)
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// The verification path of a certification, as its certificate's QR code carries it.
async fn verification_path(app: &TestApp, programme: &str, number: &str) -> String {
    let id = certification_id(app, programme, number).await;
    let code = verification::code_for(&app.pool, id).await.unwrap().unwrap();
    verify_path(programme, number, &code)
}

struct Download {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn download(b: &common::Browser, path: &str) -> Download {
    let r = b.client.get(format!("{}{}", b.base, path)).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let body = r.bytes().await.unwrap().to_vec();
    Download { status, headers, body }
}

fn header<'a>(d: &'a Download, name: &str) -> &'a str {
    d.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// A second physician with a certification of their own (sports, 0999999), registered.
async fn other_physician(app: &TestApp) -> i64 {
    let hash = mamis::password::hash(PASSWORD).unwrap();
    let now: Jst = app.clock.now();
    let mut tx = app.pool.begin().await.unwrap();
    let account = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            login_id: "takahashi",
            password_hash: &hash,
            role: Role::Physician,
            display_name: "髙橋 﨑子",
            email: Some("takahashi.sakiko@example.jp"),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    let physician = physicians::create(
        &mut tx,
        &physicians::NewPhysician {
            account_id: Some(account),
            kanji_name: "髙橋\u{3000}﨑子",
            furigana: "タカハシ\u{3000}サキコ",
            birth_date: date(1975, 6, 3),
            sex: "female",
            registry_number: Some("234567"),
            phone: Some("03-5555-6666"),
            fax: None,
            postal_code: Some("160-0022"),
            address: Some("東京都新宿区新宿1-1"),
            workplace: None,
            prefecture_code: Some(13),
            is_member: false,
            member_association_id: None,
            registration_completed_at: Some(now),
        },
        now,
    )
    .await
    .unwrap();
    let id = physicians::create_certification(
        &mut tx,
        &physicians::NewCertification {
            programme: "sports",
            certificate_number: "0999999",
            registry_number: "234567",
            birth_date: date(1975, 6, 3),
            physician_id: Some(physician),
            valid_from: date(2023, 4, 1),
            valid_until: date(2028, 3, 31),
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn the_holder_downloads_a_certificate_pdf_whose_qr_link_confirms_validity() {
    let app = TestApp::spawn().await;
    let doctor = app.signed_in("doctor").await;
    let id = certification_id(&app, "occupational", "0123456").await;

    let pdf = download(&doctor, &format!("/mypage/certificates/{id}.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF-"));
    assert_eq!(header(&pdf, "content-type"), "application/pdf");
    let disposition = header(&pdf, "content-disposition");
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    // 認定証_認定産業医_0123456.pdf
    assert!(
        disposition.contains("filename*=UTF-8''%E8%AA%8D%E5%AE%9A%E8%A8%BC_%E8%AA%8D%E5%AE%9A%E7%94%A3%E6%A5%AD%E5%8C%BB_0123456.pdf"),
        "{disposition}"
    );
    assert_eq!(header(&pdf, "x-content-type-options"), "nosniff");
    assert_eq!(header(&pdf, "cache-control"), "no-store");
    assert!(pdf.body.len() < 150_000, "PDF is {} bytes", pdf.body.len());

    // The QR code is also a link annotation; its URI is the verification URL.
    let expected =
        format!("{}{}", app.base, verification_path(&app, "occupational", "0123456").await);
    let text = String::from_utf8_lossy(&pdf.body);
    assert!(text.contains(&format!("({expected})")), "the PDF links to {expected}");

    let mut visitor = app.browser();
    let page = visitor.get(expected.strip_prefix(&app.base).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("有効な認定です"), "{}", page.body);
    assert!(page.body.contains("認定産業医"));
    assert!(page.body.contains("0123456"));
    assert!(page.body.contains("2021年8月1日 ～ 2026年7月31日"));
    // The holder's name as printed (DOMAIN §6), so a paper copy can be checked; nothing else.
    assert!(page.body.contains("山田 太郎"), "the holder's name as printed");
    for private in ["ヤマダ", "1970", "123456号", "千代田"] {
        assert!(!page.body.contains(private), "the verification page shows {private}");
    }
    let cookies: Vec<&str> =
        page.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(
        !cookies.iter().any(|c| c.starts_with("mamis_session=")),
        "verification needs no session: {cookies:?}"
    );
}

#[tokio::test]
async fn nobody_but_the_holder_gets_the_certificate() {
    let app = TestApp::spawn().await;
    let own = other_physician(&app).await;
    let doctors = certification_id(&app, "occupational", "0123456").await;
    let path = format!("/mypage/certificates/{doctors}.pdf");

    let other = app.signed_in("takahashi").await;
    assert_eq!(download(&other, &path).await.status, StatusCode::NOT_FOUND);
    // Their own one works, and prints a name with 髙 and 﨑.
    let theirs = download(&other, &format!("/mypage/certificates/{own}.pdf")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.starts_with(b"%PDF-"));

    for staff in ["tokyo", "jma", "admin"] {
        let b = app.signed_in(staff).await;
        assert_eq!(download(&b, &path).await.status, StatusCode::FORBIDDEN, "{staff}");
    }

    let anonymous = download(&app.browser(), &path).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(header(&anonymous, "location").starts_with("/login"));

    let doctor = app.signed_in("doctor").await;
    for missing in ["999999.pdf", &format!("{doctors}"), &format!("{doctors}.html"), "x.pdf"] {
        let d = download(&doctor, &format!("/mypage/certificates/{missing}")).await;
        assert_eq!(d.status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test]
async fn after_the_last_valid_day_the_verification_page_says_expired() {
    let app = TestApp::spawn_at("2026-08-01 09:00").await;
    let path = verification_path(&app, "occupational", "0123456").await;
    let page = app.browser().get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("有効期限切れです"), "{}", page.body);
    assert!(!page.body.contains("有効な認定です"));
    assert!(page.body.contains("2021年8月1日 ～ 2026年7月31日"));

    // The sports certification (until 2027-03-31) is still valid that day.
    let path = verification_path(&app, "sports", "0234567").await;
    let page = app.browser().get(&path).await;
    assert!(page.body.contains("有効な認定です"), "{}", page.body);
}

#[tokio::test]
async fn every_wrong_verification_url_gets_the_same_unconfirmed_page() {
    let app = TestApp::spawn().await;
    let good = verification_path(&app, "occupational", "0123456").await;
    let code = good.rsplit('/').next().unwrap().to_string();
    let mut wrong_code = code.clone();
    let last = if wrong_code.ends_with('0') { "1" } else { "0" };
    wrong_code.replace_range(31.., last);

    let wrong = [
        verify_path("occupational", "0123456", &wrong_code),
        verify_path("occupational", "7654321", &code),
        verify_path("sports", "0123456", &code),
        verify_path("occupational", "0123456", &code.to_uppercase()),
        verify_path("occupational", "0123456", &code[..16]),
        verify_path("dentist", "0123456", &code),
        verify_path("occupational", "０１２３４５６", &code),
    ];
    let mut b = app.browser();
    let first = b.get(&wrong[0]).await;
    assert_eq!(first.status, StatusCode::NOT_FOUND);
    assert!(first.body.contains("確認できません"), "{}", first.body);
    assert!(!first.body.contains("0123456"), "the page does not echo the number");
    for path in &wrong[1..] {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(page.body, first.body, "{path} answers differently");
    }

    // A revoked certification is not confirmed either, even with its right code.
    sqlx::query(
        "UPDATE certifications SET status = 'revoked' WHERE certificate_number = '0123456'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let revoked = b.get(&good).await;
    assert_eq!(revoked.status, StatusCode::NOT_FOUND);
    assert_eq!(revoked.body, first.body);
}

#[tokio::test]
async fn verification_codes_are_random_per_certification() {
    let app = TestApp::spawn().await;
    let a = verification_path(&app, "occupational", "0123456").await;
    let b = verification_path(&app, "sports", "0234567").await;
    let code = |p: &str| p.rsplit('/').next().unwrap().to_string();
    assert_eq!(code(&a).len(), 32);
    assert_ne!(code(&a), code(&b));
    assert!(!code(&a).contains("0123456"));
}

#[tokio::test]
async fn a_variant_kanji_name_prints_and_an_unprintable_one_gets_a_clear_page_not_a_500() {
    let app = TestApp::spawn().await;
    let doctor = app.signed_in("doctor").await;
    let id = certification_id(&app, "occupational", "0123456").await;
    let rename = |name: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query("UPDATE physicians SET kanji_name = $1 WHERE registry_number = '123456'")
                .bind(name)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    // 𠮷 (U+20BB7), approved through a change request in real life.
    rename("髙﨑 𠮷太郎").await;
    let pdf = download(&doctor, &format!("/mypage/certificates/{id}.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with(b"%PDF-"));

    // A character no font has: a page that says so, and an entry staff see.
    rename("山田 \u{1FA7A}").await;
    let page = download(&doctor, &format!("/mypage/certificates/{id}.pdf")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = String::from_utf8_lossy(&page.body);
    assert!(text.contains("認定証を作成できませんでした"), "{text}");
    assert!(text.contains("U+1FA7A"), "{text}");
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'certificate.unprintable_name'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_certificate_carries_its_issue_date_and_the_jma_presidents_name() {
    let app = TestApp::spawn().await;
    // Only an association's own staff set its president; municipal staff, physicians and the
    // administrator may not.
    for login in ["doctor", "chiyoda", "admin"] {
        let mut b = app.signed_in(login).await;
        assert_eq!(b.get("/office/association").await.status, StatusCode::FORBIDDEN, "{login}");
        let page = b.post("/office/association", &[("president_name", "偽 名")]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{login}");
    }
    let mut jma = app.signed_in("jma").await;
    let page = jma.get("/office/association").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("認定証の発行者"), "{}", page.body);
    let page = jma.post("/office/association", &[("president_name", "医師 一郎")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM audit_log WHERE action = 'association.president_changed'
             AND after->>'president_name' = '医師 一郎'"
        )
        .await,
        1
    );

    let doctor = app.signed_in("doctor").await;
    let id = certification_id(&app, "occupational", "0123456").await;
    let pdf = download(&doctor, &format!("/mypage/certificates/{id}.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = mamis::export::pdf::page_text(&pdf.body, 1).unwrap();
    assert!(text.contains("会長") && text.contains("医師 一郎"), "{text}");
    // The demo term came from the old system: issued on its first day.
    assert!(text.contains("発行日"), "{text}");
    assert_eq!(text.matches("2021年8月1日").count(), 2, "validity and issue date: {text}");
}
