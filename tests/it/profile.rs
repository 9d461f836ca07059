//! The physician's own profile (contact changes, e-mail change by link, identity change
//! requests, history) and staff decisions on those requests.

use crate::common::{TestApp, PASSWORD};
use chrono::NaiveDate;
use mamis::clock::Jst;
use mamis::db::{accounts, audit, physicians};
use mamis::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn account_id(app: &TestApp, login_id: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM accounts WHERE login_id = $1")
        .bind(login_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Details {
    kanji_name: String,
    furigana: String,
    birth_date: NaiveDate,
    sex: String,
    registry_number: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    postal_code: Option<String>,
    prefecture_code: Option<i16>,
    address: Option<String>,
    workplace: Option<String>,
}

async fn doctor_details(app: &TestApp) -> Details {
    sqlx::query_as(
        "SELECT kanji_name, furigana, birth_date, sex, registry_number, phone, fax, postal_code,
                prefecture_code, address, workplace
         FROM physicians p JOIN accounts a ON a.id = p.account_id WHERE a.login_id = 'doctor'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

async fn mails(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT to_address, subject, body_text FROM mail_outbox ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn audit_rows(app: &TestApp, action: &str) -> Vec<(Option<Value>, Option<Value>)> {
    sqlx::query_as("SELECT before, after FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

/// The demo physician's contact form as it stands, with some fields replaced.
fn contact_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("phone", "03-1234-5678"),
        ("fax", ""),
        ("postal_code", "100-0001"),
        ("prefecture", "13"),
        ("address", "東京都千代田区千代田1-1"),
        ("workplace", "千代田産業保健クリニック"),
    ];
    for (key, value) in changes {
        for field in form.iter_mut() {
            if field.0 == *key {
                field.1 = value;
            }
        }
    }
    form
}

/// The identity request form with the demo physician's current values, some replaced.
fn identity_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("kanji_name", "山田 太郎"),
        ("furigana", "ヤマダ タロウ"),
        ("birth_date", "1970-05-15"),
        ("sex", "男"),
        ("registry_number", "123456"),
        ("reason", ""),
    ];
    for (key, value) in changes {
        for field in form.iter_mut() {
            if field.0 == *key {
                field.1 = value;
            }
        }
    }
    form
}

async fn pending_request_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM change_requests WHERE status = 'pending'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The doctor asks to change name and registry number; returns the request id.
async fn file_request(app: &TestApp, registry_number: &str) -> i64 {
    let mut b = app.signed_in("doctor").await;
    let form = b.get("/mypage/profile/request").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let page = b
        .post(
            "/mypage/profile/request",
            &identity_form(&[
                ("kanji_name", "山田　太朗"),
                ("registry_number", registry_number),
                ("reason", "登録時に名前と医籍登録番号を誤って入力したため"),
            ]),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    pending_request_id(app).await
}

/// A physician who is not the demo one (Tokyo, registry number given).
async fn other_physician(app: &TestApp, login_id: &str, name: &str, registry: &str) -> i64 {
    let hash = mamis::password::hash(PASSWORD).unwrap();
    let now: Jst = app.clock.now();
    let mut tx = app.pool.begin().await.unwrap();
    let id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            login_id,
            password_hash: &hash,
            role: Role::Physician,
            display_name: name,
            email: Some("suzuki.ichiro@example.jp"),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    physicians::create(
        &mut tx,
        &physicians::NewPhysician {
            account_id: Some(id),
            kanji_name: name,
            furigana: "スズキ イチロウ",
            birth_date: NaiveDate::from_ymd_opt(1980, 1, 2).unwrap(),
            sex: "male",
            registry_number: Some(registry),
            phone: Some("03-5555-6666"),
            fax: None,
            postal_code: Some("160-0022"),
            address: Some("東京都新宿区新宿1-1"),
            workplace: Some("新宿クリニック"),
            prefecture_code: Some(13),
            is_member: false,
            member_association_id: None,
            registration_completed_at: Some(now),
        },
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Staff of 大阪府医師会.
async fn osaka_staff(app: &TestApp) {
    let hash = mamis::password::hash(PASSWORD).unwrap();
    let now = app.clock.now();
    let mut tx = app.pool.begin().await.unwrap();
    let id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            login_id: "osaka",
            password_hash: &hash,
            role: Role::PrefecturalStaff,
            display_name: "大阪府医師会 事務局",
            email: Some("office@osaka.example.jp"),
            must_change_password: false,
        },
        now,
    )
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT $1, id, $2 FROM associations WHERE kind = 'prefectural' AND prefecture_code = 27",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn contact_change_is_saved_and_audited_with_only_the_changed_fields() {
    let app = TestApp::spawn().await;
    let mut b = app.signed_in("doctor").await;
    let page = b.get("/mypage/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("東京都千代田区千代田1-1"), "{}", page.body);
    assert!(page.body.contains("123456") && page.body.contains("1970年5月15日"), "{}", page.body);
    assert!(page.body.contains("yamada.taro@example.jp"), "{}", page.body);

    let form = b.get("/mypage/profile/edit").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("value=\"東京都千代田区千代田1-1\""), "{}", form.body);

    let saved = b
        .post(
            "/mypage/profile/edit",
            &contact_form(&[
                ("address", "東京都千代田区丸の内2-2"),
                ("fax", "０３－９８７６－５４３２"),
            ]),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(saved.location(), Some("/mypage/profile"));

    let d = doctor_details(&app).await;
    assert_eq!(d.address.as_deref(), Some("東京都千代田区丸の内2-2"));
    assert_eq!(d.fax.as_deref(), Some("03-9876-5432"));
    assert_eq!(d.phone.as_deref(), Some("03-1234-5678"));

    let rows = audit_rows(&app, "physician.update_contact").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(json!({ "address": "東京都千代田区千代田1-1", "fax": null })));
    assert_eq!(
        rows[0].1,
        Some(json!({ "address": "東京都千代田区丸の内2-2", "fax": "03-9876-5432" }))
    );

    let page = b.get("/mypage/profile").await;
    assert!(page.body.contains("連絡先・住所などを変更しました。"), "{}", page.body);
    assert!(page.body.contains("東京都千代田区丸の内2-2"), "{}", page.body);

    // The history shows it in plain words.
    let history = b.get("/mypage/history").await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("連絡先・住所などの変更"), "{}", history.body);
    assert!(
        history.body.contains("住所：東京都千代田区千代田1-1 → 東京都千代田区丸の内2-2"),
        "{}",
        history.body
    );
    assert!(history.body.contains("ご本人"), "{}", history.body);
}

#[tokio::test]
async fn invalid_phone_is_shown_next_to_the_field_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let before = doctor_details(&app).await;
    let mut b = app.signed_in("doctor").await;
    b.get("/mypage/profile/edit").await;
    let page = b
        .post(
            "/mypage/profile/edit",
            &contact_form(&[("phone", "12-34"), ("address", "東京都港区芝公園4-2-8")]),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(
        page.body.contains(
            "<p class=\"field-error\" id=\"phone-error\">電話番号の桁数を確認してください（市外局番から10～11桁）。</p>"
        ),
        "{}",
        page.body
    );
    assert!(page.body.contains("aria-describedby=\"phone-hint phone-error\""), "{}", page.body);
    assert!(page.body.contains("value=\"12-34\""), "what was typed stays: {}", page.body);
    assert!(page.body.contains("value=\"東京都港区芝公園4-2-8\""), "{}", page.body);

    // Neither phone nor fax: the rule "at least one" speaks up.
    let none = b.post("/mypage/profile/edit", &contact_form(&[("phone", "")])).await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("電話番号かFAX番号のどちらかを入力してください。"), "{}", none.body);

    assert_eq!(doctor_details(&app).await, before, "nothing saved");
    assert!(audit_rows(&app, "physician.update_contact").await.is_empty());
}

#[tokio::test]
async fn email_change_takes_effect_only_after_the_mailed_link() {
    let app = TestApp::spawn().await;
    let doctor = account_id(&app, "doctor").await;
    let email_sql = format!("SELECT email FROM accounts WHERE id = {doctor}");
    let mut b = app.signed_in("doctor").await;
    assert_eq!(b.get("/mypage/profile/email").await.status, StatusCode::OK);

    let same = b.post("/mypage/profile/email", &[("email", "YAMADA.taro@example.jp")]).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(same.body.contains("id=\"email-error\""), "{}", same.body);

    let asked =
        b.post("/mypage/profile/email", &[("email", "taro.yamada@clinic.example.jp")]).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
    let email: String = sqlx::query_scalar(&email_sql).fetch_one(&app.pool).await.unwrap();
    assert_eq!(email, "yamada.taro@example.jp", "not changed before the link is opened");

    let mails = mails(&app).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    let (to, _, body) = mails.iter().find(|m| m.0 == "taro.yamada@clinic.example.jp").unwrap();
    assert_eq!(to, "taro.yamada@clinic.example.jp");
    assert!(
        mails.iter().any(|m| m.0 == "yamada.taro@example.jp" && !m.2.contains("token=")),
        "the old address is told, without the link: {mails:?}"
    );
    let marker = format!("{}/mypage/profile/email/confirm?token=", app.base);
    let start = body.find(&marker).expect("a confirmation link") + app.base.len();
    let end = body[start..].find(char::is_whitespace).map_or(body.len(), |i| start + i);
    let path = body[start..end].to_string();

    let opened = b.get(&path).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    assert_eq!(opened.location(), Some("/mypage/profile"));
    let (email, verified): (String, bool) = sqlx::query_as(&format!(
        "SELECT email, email_verified_at IS NOT NULL FROM accounts WHERE id = {doctor}"
    ))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(email, "taro.yamada@clinic.example.jp");
    assert!(verified);
    let rows = audit_rows(&app, "account.email_change").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(json!({ "email": "yamada.taro@example.jp" })));
    assert_eq!(rows[0].1, Some(json!({ "email": "taro.yamada@clinic.example.jp" })));

    // The link works once.
    let again = b.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("すでに使用されています"), "{}", again.body);
    assert_eq!(audit_rows(&app, "account.email_change").await.len(), 1);
}

#[tokio::test]
async fn identity_change_approved_by_tokyo_changes_the_details_and_tells_the_physician() {
    let app = TestApp::spawn().await;
    let before = doctor_details(&app).await;
    let id = file_request(&app, "第６５４３２１号").await;

    // Only the changed fields are stored, in normal form; nothing changes yet.
    let (changes, status): (Value, String) =
        sqlx::query_as("SELECT changes, status FROM change_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(changes, json!({ "kanji_name": "山田\u{3000}太朗", "registry_number": "654321" }));
    assert_eq!(status, "pending");
    assert_eq!(doctor_details(&app).await, before);
    assert_eq!(audit_rows(&app, "change_request.create").await.len(), 1);

    let mut tokyo = app.signed_in("tokyo").await;
    let list = tokyo.get("/office/changes").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("/office/changes/{id}")), "{}", list.body);
    assert!(list.body.contains("氏名、医籍登録番号"), "{}", list.body);
    let detail = tokyo.get(&format!("/office/changes/{id}")).await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.body.contains("123456") && detail.body.contains("654321"), "{}", detail.body);
    assert!(detail.body.contains("登録時に名前と医籍登録番号を誤って入力したため"));

    let approved = tokyo
        .post(&format!("/office/changes/{id}/approve"), &[("comment", "確認しました。")])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);

    let after = doctor_details(&app).await;
    assert_eq!(after.kanji_name, "山田\u{3000}太朗");
    assert_eq!(after.registry_number.as_deref(), Some("654321"));
    assert_eq!(
        (after.furigana, after.birth_date, after.sex),
        (before.furigana, before.birth_date, before.sex)
    );
    let (status, decided_by): (String, Option<i64>) =
        sqlx::query_as("SELECT status, decided_by FROM change_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "approved");
    assert_eq!(decided_by, Some(account_id(&app, "tokyo").await));
    let rows = audit_rows(&app, "physician.identity_change").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(json!({ "kanji_name": "山田 太郎", "registry_number": "123456" })));
    assert_eq!(
        rows[0].1,
        Some(json!({ "kanji_name": "山田\u{3000}太朗", "registry_number": "654321" }))
    );
    assert_eq!(audit_rows(&app, "change_request.approve").await.len(), 1);

    let mails = mails(&app).await;
    let outcome = mails
        .iter()
        .find(|m| m.0 == "yamada.taro@example.jp" && m.1.contains("承認されました"))
        .unwrap_or_else(|| panic!("the physician is told: {mails:?}"));
    assert!(outcome.2.contains("医籍登録番号：123456 → 654321"), "{}", outcome.2);
    assert!(outcome.2.contains("確認しました。"), "{}", outcome.2);

    // A second decision on the same request is refused, whoever tries.
    for staff in ["tokyo", "jma"] {
        let mut b = app.signed_in(staff).await;
        b.get(&format!("/office/changes/{id}")).await;
        let again = b.post(&format!("/office/changes/{id}/approve"), &[("comment", "")]).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{staff}: {}", again.body);
        assert!(again.body.contains("すでにほかの担当者"), "{}", again.body);
        let reject =
            b.post(&format!("/office/changes/{id}/reject"), &[("comment", "やはり不可")]).await;
        assert_eq!(reject.status, StatusCode::CONFLICT, "{staff}");
    }
    assert_eq!(audit_rows(&app, "physician.identity_change").await.len(), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM change_requests WHERE status = 'approved'").await,
        1
    );
    assert!(!tokyo.get("/office/changes").await.body.contains(&format!("/office/changes/{id}\"")));

    // The physician sees it in their history, made by staff.
    let mut doctor = app.signed_in("doctor").await;
    let history = doctor.get("/mypage/history").await;
    assert!(
        history.body.contains("氏名・生年月日などの変更（申請の承認により反映）"),
        "{}",
        history.body
    );
    assert!(history.body.contains("医籍登録番号：123456 → 654321"), "{}", history.body);
    assert!(history.body.contains("事務局"), "{}", history.body);
    assert!(history.body.contains("氏名・生年月日などの変更を申請"), "{}", history.body);
    let profile = doctor.get("/mypage/profile").await;
    assert!(profile.body.contains("承認されました"), "{}", profile.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_staff_deciding_at_once_one_wins_and_the_other_is_told() {
    let app = TestApp::spawn().await;
    let id = file_request(&app, "654321").await;
    for round in 0..3 {
        if round > 0 {
            // Back to pending for another race.
            sqlx::query(
                "UPDATE change_requests SET status = 'pending', decided_by = NULL,
                        decided_at = NULL, decision_comment = NULL WHERE id = $1",
            )
            .bind(id)
            .execute(&app.pool)
            .await
            .unwrap();
        }
        let mut tokyo = app.signed_in("tokyo").await;
        let mut jma = app.signed_in("jma").await;
        tokyo.get(&format!("/office/changes/{id}")).await;
        jma.get(&format!("/office/changes/{id}")).await;
        let approve = format!("/office/changes/{id}/approve");
        let reject = format!("/office/changes/{id}/reject");
        let (a, b) = tokio::join!(
            tokyo.post(&approve, &[("comment", "")]),
            jma.post(&reject, &[("comment", "確認できませんでした。")]),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT], "round {round}");
        let loser = if a.status == StatusCode::CONFLICT { &a } else { &b };
        assert!(loser.body.contains("すでにほかの担当者"), "{}", loser.body);
    }
    let decisions = app
        .count(
            "SELECT count(*) FROM audit_log
             WHERE action IN ('change_request.approve', 'change_request.reject')",
        )
        .await;
    assert_eq!(decisions, 3, "one decision per round, never two");
}

#[tokio::test]
async fn rejection_needs_a_comment_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let before = doctor_details(&app).await;
    let id = file_request(&app, "654321").await;
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/changes/{id}")).await;
    let missing = jma.post(&format!("/office/changes/{id}/reject"), &[("comment", "  ")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("id=\"comment-error\""), "{}", missing.body);
    assert_eq!(pending_request_id(&app).await, id);

    let rejected = jma
        .post(
            &format!("/office/changes/{id}/reject"),
            &[("comment", "戸籍の写しで確認できませんでした。")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(doctor_details(&app).await, before);
    assert_eq!(
        app.count("SELECT count(*) FROM change_requests WHERE status = 'rejected'").await,
        1
    );
    let rows = audit_rows(&app, "change_request.reject").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(json!({ "status": "pending" })));
    let mails = mails(&app).await;
    assert!(
        mails.iter().any(|m| m.0 == "yamada.taro@example.jp"
            && m.2.contains("戸籍の写しで確認できませんでした。")),
        "{mails:?}"
    );
}

#[tokio::test]
async fn attack_other_prefecture_request_gets_the_same_404_as_a_missing_one() {
    let app = TestApp::spawn().await;
    let id = file_request(&app, "654321").await;
    osaka_staff(&app).await;
    let mut osaka = app.signed_in("osaka").await;
    let list = osaka.get("/office/changes").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("山田"), "{}", list.body);
    assert!(!list.body.contains(&format!("/office/changes/{id}")), "{}", list.body);
    // Issue 12: the same 404 as for a request that does not exist (no existence oracle).
    assert_eq!(osaka.get(&format!("/office/changes/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(osaka.get("/office/changes/999999").await.status, StatusCode::NOT_FOUND);
    let approve = osaka.post(&format!("/office/changes/{id}/approve"), &[("comment", "")]).await;
    assert_eq!(approve.status, StatusCode::NOT_FOUND);
    let reject = osaka.post(&format!("/office/changes/{id}/reject"), &[("comment", "不可")]).await;
    assert_eq!(reject.status, StatusCode::NOT_FOUND);
    assert_eq!(pending_request_id(&app).await, id, "still pending");
    assert_eq!(doctor_details(&app).await.registry_number.as_deref(), Some("123456"));

    // JMA sees every prefecture; municipal staff and physicians have no such list.
    let mut jma = app.signed_in("jma").await;
    assert!(jma.get("/office/changes").await.body.contains(&format!("/office/changes/{id}")));
    for login in ["chiyoda", "doctor", "admin"] {
        let mut b = app.signed_in(login).await;
        assert_eq!(b.get("/office/changes").await.status, StatusCode::FORBIDDEN, "{login}");
        assert_eq!(b.get(&format!("/office/changes/{id}")).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn approval_refuses_a_registry_number_another_physician_holds_without_naming_them() {
    let app = TestApp::spawn().await;
    other_physician(&app, "suzuki", "鈴木 一郎", "777777").await;
    let id = file_request(&app, "777777").await;
    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/changes/{id}")).await;
    let refused = tokyo.post(&format!("/office/changes/{id}/approve"), &[("comment", "")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("すでに別の医師の登録に使われている"), "{}", refused.body);
    assert!(!refused.body.contains("鈴木") && !refused.body.contains("suzuki"), "{}", refused.body);
    assert_eq!(doctor_details(&app).await.registry_number.as_deref(), Some("123456"));
    assert_eq!(doctor_details(&app).await.kanji_name, "山田 太郎");
    assert_eq!(pending_request_id(&app).await, id);
    assert!(audit_rows(&app, "physician.identity_change").await.is_empty());
}

#[tokio::test]
async fn one_pending_request_at_a_time_and_it_can_be_withdrawn() {
    let app = TestApp::spawn().await;
    let id = file_request(&app, "654321").await;
    let mut b = app.signed_in("doctor").await;
    let form = b.get("/mypage/profile/request").await;
    assert!(form.body.contains("審査中の申請"), "{}", form.body);
    let second = b
        .post(
            "/mypage/profile/request",
            &identity_form(&[("sex", "女"), ("reason", "性別の登録誤りのため")]),
        )
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert!(
        second.body.contains("審査中の変更申請があるため、新しい申請はできません。"),
        "{}",
        second.body
    );
    assert_eq!(app.count("SELECT count(*) FROM change_requests").await, 1);

    // Another physician cannot withdraw it.
    other_physician(&app, "suzuki", "鈴木 一郎", "777777").await;
    let mut suzuki = app.signed_in("suzuki").await;
    suzuki.get("/mypage/profile").await;
    let foreign = suzuki.post(&format!("/mypage/profile/request/{id}/withdraw"), &[]).await;
    assert_eq!(foreign.status, StatusCode::CONFLICT);
    assert_eq!(pending_request_id(&app).await, id);

    let withdrawn = b.post(&format!("/mypage/profile/request/{id}/withdraw"), &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER, "{}", withdrawn.body);
    assert_eq!(
        app.count("SELECT count(*) FROM change_requests WHERE status = 'withdrawn'").await,
        1
    );
    assert_eq!(audit_rows(&app, "change_request.withdraw").await.len(), 1);
    b.get("/mypage/profile/request").await;

    // Nothing changed, no reason, a bad date: told on the form, nothing stored.
    let unchanged =
        b.post("/mypage/profile/request", &identity_form(&[("reason", "念のため")])).await;
    assert_eq!(unchanged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unchanged.body.contains("変更された項目がありません"), "{}", unchanged.body);
    let no_reason = b.post("/mypage/profile/request", &identity_form(&[("sex", "女")])).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("id=\"reason-error\""), "{}", no_reason.body);
    assert!(no_reason.body.contains("value=\"女\" checked"), "{}", no_reason.body);
    let bad_date = b
        .post(
            "/mypage/profile/request",
            &identity_form(&[("birth_date", "1970-13-40"), ("reason", "誤り")]),
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_date.body.contains("id=\"birth_date-error\""), "{}", bad_date.body);
    assert!(bad_date.body.contains("value=\"1970-13-40\""), "{}", bad_date.body);
    assert_eq!(app.count("SELECT count(*) FROM change_requests").await, 1);

    let again = b
        .post(
            "/mypage/profile/request",
            &identity_form(&[("sex", "女"), ("reason", "性別の登録誤りのため")]),
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let changes: Value =
        sqlx::query_scalar("SELECT changes FROM change_requests WHERE status = 'pending'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(changes, json!({ "sex": "female" }));
}

#[tokio::test]
async fn profile_pages_belong_to_the_signed_in_physician_only() {
    let app = TestApp::spawn().await;
    let pages = [
        "/mypage/profile",
        "/mypage/profile/edit",
        "/mypage/profile/email",
        "/mypage/profile/request",
        "/mypage/history",
    ];
    for login in ["tokyo", "jma", "chiyoda", "admin"] {
        let mut b = app.signed_in(login).await;
        for path in pages {
            let page = b.get(path).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{login} {path}");
        }
        let post = b.post("/mypage/profile/edit", &contact_form(&[])).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{login}");
    }
    let anonymous = app.browser().get("/mypage/profile").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().unwrap_or("").starts_with("/login"), "{:?}", anonymous.location());

    // Another physician sees only their own record.
    other_physician(&app, "suzuki", "鈴木 一郎", "777777").await;
    let mut suzuki = app.signed_in("suzuki").await;
    let page = suzuki.get("/mypage/profile").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("鈴木 一郎") && page.body.contains("777777"), "{}", page.body);
    assert!(!page.body.contains("山田") && !page.body.contains("123456"), "{}", page.body);
    let saved = suzuki
        .post("/mypage/profile/edit", &contact_form(&[("address", "東京都新宿区西新宿2-8-1")]))
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(doctor_details(&app).await.address.as_deref(), Some("東京都千代田区千代田1-1"));
    let history = suzuki.get("/mypage/history").await;
    assert!(!history.body.contains("東京都千代田区千代田1-1"), "{}", history.body);
}

#[tokio::test]
async fn history_marks_proxy_entries_by_staff() {
    let app = TestApp::spawn().await;
    let doctor = account_id(&app, "doctor").await;
    let tokyo = account_id(&app, "tokyo").await;
    let physician: i64 = sqlx::query_scalar("SELECT id FROM physicians WHERE account_id = $1")
        .bind(doctor)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    let who = audit::Who {
        actor_account_id: Some(tokyo),
        on_behalf_of_account_id: Some(doctor),
        ..Default::default()
    };
    let entry = audit::Entry {
        action: "physician.update_contact",
        entity_type: "physician",
        entity_id: Some(physician.to_string()),
        before: Some(json!({ "workplace": "千代田産業保健クリニック" })),
        after: Some(json!({ "workplace": "丸の内メディカルセンター" })),
    };
    audit::record(&mut conn, &who, app.clock.now(), entry).await.unwrap();
    drop(conn);

    let mut b = app.signed_in("doctor").await;
    let history = b.get("/mypage/history").await;
    assert!(history.body.contains("東京都医師会（事務局）による代理入力"), "{}", history.body);
    assert!(
        history.body.contains("所属施設：千代田産業保健クリニック → 丸の内メディカルセンター"),
        "{}",
        history.body
    );
    // Logins are not changes and stay out of the history.
    assert!(!history.body.contains("auth."), "{}", history.body);
}
