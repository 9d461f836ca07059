//! The physician's credits on the my page and the printable history: totals within the
//! validity period per category and format against what renewal needs (Web capped at 5),
//! the attendance history, and never another physician's credits (DOMAIN §9).

use crate::common;

use crate::common::TestApp;
use chrono::NaiveDate;
use mamis::db::seminars::{create, NewSeminar};
use reqwest::StatusCode;
use rust_decimal::Decimal;

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// An approved seminar (Tokyo) granting `units` (category code, units).
async fn seminar(
    app: &TestApp,
    programme: &str,
    title: &str,
    ends_on: &str,
    format: &str,
    units: &[(&str, &str)],
) -> i64 {
    let units: Vec<(&str, Decimal)> = units.iter().map(|(c, u)| (*c, u.parse().unwrap())).collect();
    let mut conn = app.pool.acquire().await.unwrap();
    create(
        &mut conn,
        &NewSeminar {
            programme,
            title,
            starts_on: date(ends_on),
            ends_on: date(ends_on),
            format,
            venue: if format == "web" {
                "Web（オンライン）"
            } else {
                "東京都医師会館"
            },
            organizer_association_id: None,
            organizer_name: "産業保健研究会",
            contact_name: "鈴木 一郎",
            contact_email: "seminar@example.jp",
            contact_phone: Some("03-1111-2222"),
            contact_fax: None,
            approving_prefecture_code: 13,
            status: "approved",
            submitted_by: None,
            paper_approved: true,
            recruiting: false,
            capacity: None,
            units: &units,
        },
        app.clock.now(),
    )
    .await
    .unwrap()
}

/// A credit row as the organizer's upload leaves it.
async fn credit(
    app: &TestApp,
    seminar_id: i64,
    physician_id: Option<i64>,
    registry_number: &str,
    (category, units, format): (&str, &str, &str),
    match_status: &str,
) {
    sqlx::query(
        "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
             email, phone, category, units, format, physician_id, match_status, registered_at,
             updated_at)
         VALUES ($1, $2, '受講 者', 'ジュコウ シャ', '1970-05-15', 'male', 'a@example.jp',
                 '03-0000-0000', $3, $4::numeric, $5, $6, $7, now(), now())",
    )
    .bind(seminar_id)
    .bind(registry_number)
    .bind(category)
    .bind(units)
    .bind(format)
    .bind(physician_id)
    .bind(match_status)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn physician_id(app: &TestApp, registry_number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM physicians WHERE registry_number = $1")
        .bind(registry_number)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// A second registered physician with an account and an occupational certification.
async fn other_physician(app: &TestApp) -> i64 {
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    let account = mamis::db::accounts::create(
        &mut tx,
        &mamis::db::accounts::NewAccount {
            login_id: "doctor2",
            password_hash: &hash,
            role: mamis::domain::role::Role::Physician,
            display_name: "佐藤 花子",
            email: Some("sato.hanako@example.jp"),
            must_change_password: false,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    let id = mamis::db::physicians::create(
        &mut tx,
        &mamis::db::physicians::NewPhysician {
            account_id: Some(account),
            kanji_name: "佐藤 花子",
            furigana: "サトウ ハナコ",
            birth_date: date("1975-01-20"),
            sex: "female",
            registry_number: Some("654321"),
            phone: Some("03-2222-3333"),
            fax: None,
            postal_code: None,
            address: None,
            workplace: None,
            prefecture_code: Some(13),
            is_member: false,
            member_association_id: None,
            registration_completed_at: Some(app.clock.now()),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    mamis::db::physicians::create_certification(
        &mut tx,
        &mamis::db::physicians::NewCertification {
            programme: "occupational",
            certificate_number: "0999999",
            registry_number: "654321",
            birth_date: date("1975-01-20"),
            physician_id: Some(id),
            valid_from: date("2022-04-01"),
            valid_until: date("2027-03-31"),
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// The doctor's occupational credits: 15 in person, 10 Web (5 count), plus credits that must
/// not count: before the validity period, withdrawn, unmatched, and another physician's.
async fn load_credits(app: &TestApp) -> i64 {
    let doctor = physician_id(app, "123456").await;
    let a = seminar(
        app,
        "occupational",
        "春の産業医研修会",
        "2025-04-20",
        "in_person",
        &[("lifelong_renewal", "2"), ("lifelong_practical", "5"), ("lifelong_specialized", "8")],
    )
    .await;
    for (category, units) in
        [("lifelong_renewal", "2"), ("lifelong_practical", "5"), ("lifelong_specialized", "8")]
    {
        credit(app, a, Some(doctor), "123456", (category, units, "in_person"), "matched").await;
    }
    let b = seminar(
        app,
        "occupational",
        "Web産業医講座",
        "2025-05-10",
        "web",
        &[("lifelong_renewal", "4"), ("lifelong_specialized", "6")],
    )
    .await;
    credit(app, b, Some(doctor), "123456", ("lifelong_renewal", "4", "web"), "matched").await;
    credit(app, b, Some(doctor), "123456", ("lifelong_specialized", "6", "web"), "matched").await;
    // Before the certification's validity (2021-08-01 – 2026-07-31): history only.
    let c = seminar(
        app,
        "occupational",
        "前回期間の研修会",
        "2021-07-20",
        "in_person",
        &[("lifelong_renewal", "3")],
    )
    .await;
    credit(app, c, Some(doctor), "123456", ("lifelong_renewal", "3", "in_person"), "matched").await;
    // Withdrawn by the organizer.
    let d = seminar(
        app,
        "occupational",
        "取消された研修会",
        "2025-05-20",
        "in_person",
        &[("lifelong_specialized", "4")],
    )
    .await;
    credit(app, d, Some(doctor), "123456", ("lifelong_specialized", "4", "in_person"), "matched")
        .await;
    sqlx::query("UPDATE credits SET withdrawn_at = now() WHERE seminar_id = $1")
        .bind(d)
        .execute(&app.pool)
        .await
        .unwrap();
    // Held for a birth-date review: never shown silently.
    let e = seminar(
        app,
        "occupational",
        "照合待ちの研修会",
        "2025-05-25",
        "in_person",
        &[("lifelong_renewal", "6")],
    )
    .await;
    credit(app, e, None, "123456", ("lifelong_renewal", "6", "in_person"), "birth_date_mismatch")
        .await;
    // Sports: 3 of the 5 units of 再研修.
    let f = seminar(
        app,
        "sports",
        "健康スポーツ医学再研修会",
        "2025-06-01",
        "in_person",
        &[("sports_retraining", "3")],
    )
    .await;
    credit(app, f, Some(doctor), "123456", ("sports_retraining", "3", "in_person"), "matched")
        .await;
    doctor
}

#[tokio::test]
async fn my_page_counts_credits_within_validity_with_the_web_cap_of_five() {
    let app = TestApp::spawn_at("2025-07-01 10:00").await;
    load_credits(&app).await;
    let mut doctor = app.signed_in("doctor").await;
    let page = doctor.get("/mypage").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;

    // 15 in person + 5 of the 10 Web units = 20: met. The 3 units before the validity period,
    // the withdrawn 4 and the 6 held for review would each change the figure.
    assert!(body.contains("算入される単位：20単位"), "{body}");
    assert!(body.contains("Web 10単位のうち5単位を算入"), "{body}");
    assert!(body.contains("更新に必要な単位を満たしています"), "{body}");
    // Sports: 3 of 5 units of 再研修.
    assert!(body.contains("算入される単位：3単位"), "{body}");
    assert!(body.contains("（あと2単位）"), "{body}");

    // The history lists every matched credit, including the earlier period's, by seminar.
    for title in
        ["春の産業医研修会", "Web産業医講座", "前回期間の研修会", "健康スポーツ医学再研修会"]
    {
        assert!(body.contains(title), "history lists {title}");
    }
    assert!(!body.contains("取消された研修会"), "a withdrawn credit is not the doctor's");
    // The held one is no credit of the doctor's either: only the notice names it.
    assert_eq!(body.matches("照合待ちの研修会").count(), 1, "{body}");
    assert!(body.contains("確認中の単位があります"));
    assert!(body.contains("生涯研修 専門：8単位"));
    assert!(body.contains("2025年5月10日"));
    assert!(body.contains("産業保健研究会"));
    // Newest first.
    let newest = body.find("健康スポーツ医学再研修会<br>").unwrap();
    let oldest = body.find("前回期間の研修会<br>").unwrap();
    assert!(newest < oldest, "history is newest first");
}

#[tokio::test]
async fn web_units_beyond_the_cap_do_not_reach_the_total() {
    let app = TestApp::spawn_at("2025-07-01 10:00").await;
    let doctor = physician_id(&app, "123456").await;
    let s = seminar(
        &app,
        "occupational",
        "Web講座だけ",
        "2025-05-10",
        "web",
        &[("lifelong_renewal", "9"), ("lifelong_specialized", "9")],
    )
    .await;
    credit(&app, s, Some(doctor), "123456", ("lifelong_renewal", "9", "web"), "matched").await;
    credit(&app, s, Some(doctor), "123456", ("lifelong_specialized", "9", "web"), "matched").await;
    let mut browser = app.signed_in("doctor").await;
    let body = browser.get("/mypage").await.body;
    assert!(body.contains("算入される単位：5単位"), "18 Web units count as 5: {body}");
    assert!(body.contains("Web 18単位のうち5単位を算入"));
    assert!(body.contains("（あと15単位）"));
    assert!(body.contains("× まだ足りません"), "実地 is missing");
}

#[tokio::test]
async fn another_physicians_credits_are_never_shown() {
    let app = TestApp::spawn_at("2025-07-01 10:00").await;
    load_credits(&app).await;
    let other = other_physician(&app).await;
    let s = seminar(
        &app,
        "occupational",
        "佐藤さんだけの研修会",
        "2025-06-15",
        "in_person",
        &[("lifelong_renewal", "7")],
    )
    .await;
    credit(&app, s, Some(other), "654321", ("lifelong_renewal", "7", "in_person"), "matched").await;

    let mut doctor = app.signed_in("doctor").await;
    let body = doctor.get("/mypage").await.body;
    assert!(!body.contains("佐藤さんだけの研修会"));
    assert!(body.contains("算入される単位：20単位"), "the other's 7 units are not added");
    let print = doctor.get("/mypage/credits/print").await.body;
    assert!(!print.contains("佐藤さんだけの研修会"));

    let mut sato = app.signed_in("doctor2").await;
    let body = sato.get("/mypage").await.body;
    assert!(body.contains("佐藤さんだけの研修会"));
    assert!(body.contains("算入される単位：7単位"), "{body}");
    for title in ["春の産業医研修会", "Web産業医講座", "健康スポーツ医学再研修会"]
    {
        assert!(!body.contains(title), "the doctor's {title} is not shown to another");
    }
    let print = sato.get("/mypage/credits/print").await.body;
    assert!(!print.contains("春の産業医研修会"));

    // Staff have no my page at all.
    let mut staff = app.signed_in("tokyo").await;
    assert_eq!(staff.get("/mypage/credits/print").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn printable_history_lists_the_same_seminars_and_totals() {
    let app = TestApp::spawn_at("2025-07-01 10:00").await;
    load_credits(&app).await;
    let mut doctor = app.signed_in("doctor").await;
    let page = doctor.get("/mypage/credits/print").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(!body.contains("登録された受講記録はまだありません"));
    for title in
        ["春の産業医研修会", "Web産業医講座", "前回期間の研修会", "健康スポーツ医学再研修会"]
    {
        assert!(body.contains(title), "print lists {title}");
    }
    assert!(body.contains("生涯研修 更新：4単位"), "Web 更新 of the Web講座");
    assert!(body.contains("<td data-label=\"形式\">Web</td>"));
    assert!(body.contains("<td data-label=\"形式\">対面</td>"));
    assert!(body.contains("算入される単位：20単位"));
    assert!(body.contains("123456"));
    assert!(body.contains("2025年7月1日 10:00"), "print time from the portal's clock");
}

#[tokio::test]
async fn a_physician_without_credits_sees_that_none_are_registered_yet() {
    let app = TestApp::spawn_at("2025-07-01 10:00").await;
    let mut doctor = app.signed_in("doctor").await;
    let body = doctor.get("/mypage").await.body;
    assert!(body.contains("研修会の記録はまだありません"));
    assert!(body.contains("算入される単位：0単位"));
    let print = doctor.get("/mypage/credits/print").await.body;
    assert!(print.contains("登録された受講記録はまだありません"));
}
