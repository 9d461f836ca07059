//! Proxy entry (代理入力): prefectural staff act for a physician who consented; every action is
//! marked in the audit log with both people; without consent, or from another prefecture, no.

use crate::common;

use crate::common::TestApp;
use reqwest::StatusCode;

async fn doctor_physician_id(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM physicians WHERE registry_number = '123456'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn staff_act_for_a_consenting_physician_and_the_audit_log_says_so() {
    let app = TestApp::spawn().await;
    let id = doctor_physician_id(&app).await;
    let mut staff = app.signed_in("tokyo").await;

    let found = staff.get("/office/physicians?q=%E7%AC%AC123456%E5%8F%B7").await;
    assert!(found.body.contains("山田 太郎"), "search by 第123456号: {}", found.body);

    let page = staff.get(&format!("/office/physicians/{id}")).await;
    assert!(page.body.contains("代理入力の同意は記録されていません"));
    // Without consent, acting is refused.
    let page = staff.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("ご本人の同意の記録が必要です"));

    let page = staff
        .post(
            &format!("/office/physicians/{id}/consent"),
            &[("method", "written"), ("note", "同意書受領")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = staff.get(&format!("/office/physicians/{id}")).await;
    assert!(page.body.contains("書面"));
    let page = staff.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    assert_eq!(page.location(), Some("/mypage"));

    let mypage = staff.get("/mypage").await;
    assert_eq!(mypage.status, StatusCode::OK);
    assert!(mypage.body.contains("代理入力中"));
    assert!(mypage.body.contains("山田 太郎"));

    // A change made for the physician is recorded with both accounts.
    staff.get("/mypage/profile/edit").await;
    let page = staff
        .post(
            "/mypage/profile/edit",
            &[
                ("phone", "03-9999-0000"),
                ("fax", ""),
                ("postal_code", "100-0001"),
                ("prefecture", "13"),
                ("address", "東京都千代田区千代田2-2"),
                ("workplace", "代理入力クリニック"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let marked = app
        .count(
            "SELECT count(*) FROM audit_log l
             JOIN accounts s ON s.id = l.actor_account_id AND s.login_id = 'tokyo'
             JOIN accounts p ON p.id = l.on_behalf_of_account_id AND p.login_id = 'doctor'
             WHERE l.action = 'physician.update_contact'",
        )
        .await;
    assert_eq!(marked, 1, "the change names the staff member and the physician");

    // A physician's password stays theirs.
    assert_eq!(staff.get("/account/password").await.status, StatusCode::FORBIDDEN);

    let page = staff.post("/proxy/stop", &[]).await;
    assert_eq!(page.location(), Some(format!("/office/physicians/{id}").as_str()));
    assert_eq!(staff.get("/mypage").await.status, StatusCode::FORBIDDEN);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'proxy.%' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["proxy.consent_recorded", "proxy.start", "proxy.stop"]);
}

#[tokio::test]
async fn staff_of_another_prefecture_jma_and_municipal_staff_cannot_act() {
    let app = TestApp::spawn().await;
    let id = doctor_physician_id(&app).await;
    // An Osaka prefectural staff member.
    let hash = mamis::password::hash(common::PASSWORD).unwrap();
    sqlx::query(
        "WITH a AS (INSERT INTO accounts (login_id, password_hash, role, display_name, created_at, updated_at)
                    VALUES ('osaka', $1, 'prefectural_staff', '大阪府医師会 事務局', now(), now()) RETURNING id)
         INSERT INTO staff_memberships (account_id, association_id, since)
         SELECT a.id, s.id, now() FROM a, associations s WHERE s.kind = 'prefectural' AND s.prefecture_code = 27",
    )
    .bind(&hash)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut osaka = app.signed_in("osaka").await;
    assert_eq!(osaka.get(&format!("/office/physicians/{id}")).await.status, StatusCode::NOT_FOUND);
    let found = osaka.get("/office/physicians?q=123456").await;
    assert!(!found.body.contains("山田"), "another prefecture's physician is not listed");
    let page =
        osaka.post(&format!("/office/physicians/{id}/consent"), &[("method", "phone")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    // JMA may look but does not do proxy entry; municipal staff may not even look.
    let mut jma = app.signed_in("jma").await;
    assert_eq!(jma.get(&format!("/office/physicians/{id}")).await.status, StatusCode::OK);
    assert_eq!(
        jma.post(&format!("/office/physicians/{id}/proxy"), &[]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut chiyoda = app.signed_in("chiyoda").await;
    assert_eq!(chiyoda.get("/office/physicians?q=123456").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        chiyoda.get(&format!("/office/physicians/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT count(*) FROM proxy_consents").await, 0);
}

#[tokio::test]
async fn revoking_consent_ends_an_ongoing_proxy_session() {
    let app = TestApp::spawn().await;
    let id = doctor_physician_id(&app).await;
    let mut staff = app.signed_in("tokyo").await;
    staff.get(&format!("/office/physicians/{id}")).await;
    staff.post(&format!("/office/physicians/{id}/consent"), &[("method", "phone")]).await;
    staff.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    assert!(staff.get("/mypage").await.body.contains("代理入力中"));
    sqlx::query("UPDATE proxy_consents SET revoked_at = now()").execute(&app.pool).await.unwrap();
    // The next request is the staff member's own again.
    assert_eq!(staff.get("/mypage").await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.get("/office").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_request_filed_by_proxy_is_approved_by_someone_else() {
    let app = TestApp::spawn().await;
    let id = doctor_physician_id(&app).await;
    let mut staff = app.signed_in("tokyo").await;
    staff.get(&format!("/office/physicians/{id}")).await;
    staff.post(&format!("/office/physicians/{id}/consent"), &[("method", "written")]).await;
    staff.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    staff.get("/mypage/profile/request").await;
    let page = staff
        .post(
            "/mypage/profile/request",
            &[
                ("kanji_name", "山田 太朗"),
                ("furigana", "ヤマダ タロウ"),
                ("birth_date", "1970-05-15"),
                ("sex", "男"),
                ("registry_number", "123456"),
                ("reason", "戸籍の表記に合わせるため"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    staff.post("/proxy/stop", &[]).await;
    let request: i64 =
        sqlx::query_scalar("SELECT id FROM change_requests").fetch_one(&app.pool).await.unwrap();
    staff.get(&format!("/office/changes/{request}")).await;
    let page =
        staff.post(&format!("/office/changes/{request}/approve"), &[("comment", "確認")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("別の担当者が承認してください"));
    let mut jma = app.signed_in("jma").await;
    jma.get(&format!("/office/changes/{request}")).await;
    let page =
        jma.post(&format!("/office/changes/{request}/approve"), &[("comment", "確認")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let name: String = sqlx::query_scalar("SELECT kanji_name FROM physicians WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "山田\u{3000}太朗");
}

/// Issue 12: `tokyo` recorded a consent nobody heard of, changed the physician's e-mail to its
/// own under proxy entry, then reset the password. Each step is refused now.
#[tokio::test]
async fn attack_proxy_entry_takes_over_the_account_is_refused_at_each_step() {
    let app = TestApp::spawn().await;
    let id = doctor_physician_id(&app).await;
    let mut staff = app.signed_in("tokyo").await;
    staff.get(&format!("/office/physicians/{id}")).await;
    staff.post(&format!("/office/physicians/{id}/consent"), &[("method", "phone")]).await;

    // 1. The physician is mailed about the consent at once.
    let mails: Vec<(String, String, String)> =
        sqlx::query_as("SELECT to_address, subject, body_text FROM mail_outbox ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let (to, _, body) = mails
        .iter()
        .find(|(_, subject, _)| subject == "【MAMIS】代理入力の同意が記録されました")
        .expect("a consent mail");
    assert_eq!(to, "yamada.taro@example.jp");
    assert!(body.contains("東京都医師会") && body.contains("電話"), "{body}");
    assert!(body.contains("/mypage/consents"), "{body}");

    // 2. Under proxy entry: no e-mail change, no reset, no password change.
    staff.post(&format!("/office/physicians/{id}/proxy"), &[]).await;
    assert_eq!(staff.get("/mypage/profile/email").await.status, StatusCode::BAD_REQUEST);
    let r = staff.post("/mypage/profile/email", &[("email", "tokyo-office@example.jp")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("代理入力中は"), "{}", r.body);
    assert_eq!(staff.get("/forgot").await.status, StatusCode::BAD_REQUEST);
    let r = staff.post("/forgot", &[("email", "yamada.taro@example.jp")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(staff.get("/account/password").await.status, StatusCode::FORBIDDEN);
    let email: String = sqlx::query_scalar("SELECT email FROM accounts WHERE login_id = 'doctor'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(email, "yamada.taro@example.jp");

    // 3. A proxy action names the association in the physician's history.
    staff.get("/mypage/profile/edit").await;
    let r = staff
        .post(
            "/mypage/profile/edit",
            &[
                ("phone", "03-9999-0000"),
                ("fax", ""),
                ("postal_code", "100-0001"),
                ("prefecture", "13"),
                ("address", "東京都千代田区千代田2-2"),
                ("workplace", "代理入力クリニック"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut doctor = app.signed_in("doctor").await;
    let history = doctor.get("/mypage/history").await;
    assert!(history.body.contains("東京都医師会（事務局）による代理入力"), "{}", history.body);

    // 4. The physician sees every consent (who, when, how) and revokes it.
    let consents = doctor.get("/mypage/consents").await;
    assert_eq!(consents.status, StatusCode::OK);
    assert!(consents.body.contains("東京都医師会") && consents.body.contains("電話"));
    assert!(consents.body.contains("2025年4月10日 10:00"), "{}", consents.body);
    let consent_id: i64 =
        sqlx::query_scalar("SELECT id FROM proxy_consents").fetch_one(&app.pool).await.unwrap();
    let r = doctor.post(&format!("/mypage/consents/{consent_id}/revoke"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(doctor.get("/mypage/consents").await.body.contains("取り消し済み"));
    // Staff's proxy session ends with the consent.
    let page = staff.get("/mypage").await;
    assert_ne!(page.status, StatusCode::OK);
}

/// Issue 12: `%` and `_` matched everyone; 高崎 did not find 髙﨑, たかさき not タカサキ.
#[tokio::test]
async fn attack_search_wildcards_match_nothing_and_names_fold() {
    let app = TestApp::spawn().await;
    sqlx::query(
        "INSERT INTO physicians (kanji_name, furigana, birth_date, sex, registry_number, phone,
                                 prefecture_code, created_at, updated_at)
         VALUES ('髙﨑　花子', 'タカサキ　ハナコ', '1975-01-02', 'female', '765432',
                 '03-0000-1111', 13, now(), now())",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let mut tokyo = app.signed_in("tokyo").await;
    for q in ["高崎", "髙﨑", "たかさき", "ﾀｶｻｷ", "タカサキ ハナコ", "高崎花子"]
    {
        let url = format!(
            "/office/physicians?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let page = tokyo.get(&url).await;
        assert!(page.body.contains("髙﨑　花子"), "{q}: {}", page.body);
    }
    for q in ["%25", "_", "%25%25", "%5C"] {
        let page = tokyo.get(&format!("/office/physicians?q={q}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("髙﨑") && !page.body.contains("山田"), "{q}: {}", page.body);
    }
}
