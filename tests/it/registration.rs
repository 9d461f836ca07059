//! Member first login to 登録完了, non-member self-registration, linking certification data,
//! and what the my page shows around the 2025-03-29 17:00 cut-off.

use crate::common;

use crate::common::{Browser, TestApp};
use chrono::NaiveDate;
use mamis::clock::parse_jst;
use mamis::db::{accounts, physicians};
use mamis::domain::role::Role;
use reqwest::StatusCode;

const MEMBER_PASSWORD: &str = "Hagaki-Init-01";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A member as an import leaves them: account with the postcard password, details on file,
/// registration not complete; plus certification data from the old system to link.
async fn member(app: &TestApp) -> i64 {
    let now = app.clock.now();
    let hash = mamis::password::hash(MEMBER_PASSWORD).unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    let account_id = accounts::create(
        &mut tx,
        &accounts::NewAccount {
            login_id: "m20250001",
            password_hash: &hash,
            role: Role::Physician,
            display_name: "髙橋 﨑子",
            email: None,
            must_change_password: true,
        },
        now,
    )
    .await
    .unwrap();
    physicians::create(
        &mut tx,
        &physicians::NewPhysician {
            account_id: Some(account_id),
            kanji_name: "髙橋\u{3000}﨑子",
            furigana: "タカハシ\u{3000}サキコ",
            birth_date: date(1975, 6, 3),
            sex: "female",
            registry_number: Some("234567"),
            phone: None,
            fax: None,
            postal_code: Some("530-0001"),
            address: Some("大阪府大阪市北区梅田1-1"),
            workplace: None,
            prefecture_code: Some(27),
            is_member: true,
            member_association_id: None,
            registration_completed_at: None,
        },
        now,
    )
    .await
    .unwrap();
    for (programme, number, birth) in
        [("occupational", "0345678", date(1975, 6, 3)), ("sports", "0456789", date(1975, 6, 30))]
    {
        physicians::create_certification(
            &mut tx,
            &physicians::NewCertification {
                programme,
                certificate_number: number,
                registry_number: "234567",
                birth_date: birth,
                physician_id: None,
                valid_from: date(2022, 8, 1),
                valid_until: date(2027, 7, 31),
            },
            now,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    account_id
}

async fn last_mail_link(app: &TestApp, to: &str, path: &str) -> String {
    let body: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = $1 AND body_text LIKE '%' || $2 || '%'
         ORDER BY id DESC LIMIT 1",
    )
    .bind(to)
    .bind(path)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let start = body.find(&format!("{}{}", app.base, path)).expect("link in mail") + app.base.len();
    body[start..].split_whitespace().next().unwrap().to_string()
}

fn details<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kanji_name", "髙橋 﨑子"),
        ("furigana", "ﾀｶﾊｼ ｻｷｺ"),
        ("birth_date", "1975/6/3"),
        ("sex", "女"),
        ("registry_number", "第２３４５６７号"),
        ("phone", ""),
        ("fax", "06-1234-5678"),
        ("postal_code", "5300001"),
        ("prefecture", "27"),
        ("address", "大阪府大阪市北区梅田1-1"),
        ("workplace", "梅田産業医事務所"),
    ];
    for (k, v) in extra {
        if let Some(f) = fields.iter_mut().find(|(name, _)| name == k) {
            f.1 = v;
        } else {
            fields.push((k, v));
        }
    }
    fields
}

async fn member_completes_first_login(app: &TestApp) -> Browser {
    let mut b = app.browser();
    let page = b.login("m20250001", MEMBER_PASSWORD).await;
    assert_eq!(page.location(), Some("/mypage"));
    let page = b.get("/mypage").await;
    assert_eq!(page.location(), Some("/welcome"), "incomplete registration goes to the steps");
    assert_eq!(b.get("/welcome").await.location(), Some("/welcome/terms"));
    let terms = b.get("/welcome/terms").await;
    assert!(terms.body.contains("利用規約"));
    // Not agreeing is explained and changes nothing.
    let page = b.post("/welcome/terms", &[("version", "2025-01")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("「同意する」にチェックを入れてください"));
    let page = b.post("/welcome/terms", &[("agree", "yes"), ("version", "2025-01")]).await;
    assert_eq!(page.location(), Some("/welcome/password"));

    b.get("/welcome/password").await;
    let page = b
        .post(
            "/welcome/password",
            &[("new_password", MEMBER_PASSWORD), ("confirm_password", MEMBER_PASSWORD)],
        )
        .await;
    assert!(page.body.contains("初期パスワードとは異なる"), "the postcard password is refused");
    let page = b
        .post(
            "/welcome/password",
            &[("new_password", "Sakiko-Own-77"), ("confirm_password", "Sakiko-Own-77")],
        )
        .await;
    assert_eq!(page.location(), Some("/welcome/email"));
    assert_eq!(app.count("SELECT count(*) FROM member_postcards").await, 0);

    b.get("/welcome/email").await;
    let page = b.post("/welcome/email", &[("email", "sakiko@example")]).await;
    assert!(page.body.contains("メールアドレスの形式が正しくありません"));
    let page = b.post("/welcome/email", &[("email", "ｓａｋｉｋｏ@example.jp")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let sent = b.get(page.location().unwrap()).await;
    assert!(sent.body.contains("sakiko@example.jp あてに確認のメールをお送りしました"));
    // The details step is not reachable before the address is confirmed.
    assert_eq!(b.get("/welcome/details").await.location(), Some("/welcome/email"));

    let link = last_mail_link(app, "sakiko@example.jp", "/verify-email").await;
    let page = b.get(&link).await;
    assert_eq!(page.location(), Some("/welcome/details"));
    assert_eq!(b.get(&link).await.status, StatusCode::GONE, "the link works once");

    let form = b.get("/welcome/details").await;
    assert!(form.body.contains("value=\"髙橋　﨑子\""), "details on file are shown for review");
    let page = b.post("/welcome/details", &details(&[])).await;
    assert_eq!(page.location(), Some("/mypage"));
    b
}

#[tokio::test]
async fn member_goes_from_postcard_to_completed_registration() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let account_id = member(&app).await;
    let mut b = member_completes_first_login(&app).await;

    let home = b.get("/mypage").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("マイページの登録が完了しました。"));
    assert!(home.body.contains("髙橋　﨑子"), "kanji kept exactly");
    // The matching certification is linked and shown; the birth-date mismatch is not.
    assert!(home.body.contains("0345678"));
    assert!(!home.body.contains("0456789"));
    assert!(home.body.contains("反映待ち"), "a mismatch waits for staff");
    assert_eq!(
        app.count("SELECT count(*) FROM link_reviews WHERE status = 'open'").await,
        1,
        "the mismatch is queued for staff"
    );

    let row: (Option<String>, String, Option<String>, bool) = sqlx::query_as(
        "SELECT p.furigana IS NOT NULL AND p.registration_completed_at IS NOT NULL
                  AND p.terms_version = '2025-01' AND p.details_confirmed_at IS NOT NULL
                  AND a.email_verified_at IS NOT NULL AND NOT a.must_change_password
                  AND EXISTS (SELECT 1 FROM terms_acceptances t WHERE t.account_id = a.id)
                  AND true AS ok_text,
                p.fax, a.email, true
         FROM physicians p JOIN accounts a ON a.id = p.account_id WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_one(&app.pool)
    .await
    .map(|(ok, fax, email, t): (bool, Option<String>, Option<String>, bool)| {
        (Some(ok.to_string()), fax.unwrap_or_default(), email, t)
    })
    .unwrap();
    assert_eq!(row.0.as_deref(), Some("true"));
    assert_eq!(row.1, "06-1234-5678");
    assert_eq!(row.2.as_deref(), Some("sakiko@example.jp"));

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE actor_account_id = $1 ORDER BY id")
            .bind(account_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for expected in [
        "auth.login",
        "physician.accept_terms",
        "account.password_set_at_first_login",
        "account.email_confirmation_sent",
        "account.email_verified",
        "physician.confirm_details",
        "physician.registration_completed",
    ] {
        assert!(actions.iter().any(|a| a == expected), "{expected} missing from {actions:?}");
    }
    let completion_mail = app
        .count("SELECT count(*) FROM mail_outbox WHERE subject = '【MAMIS】マイページ登録完了のお知らせ'")
        .await;
    assert_eq!(completion_mail, 1);
}

#[tokio::test]
async fn member_details_errors_are_shown_next_to_fields_and_kept() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    member(&app).await;
    let mut b = app.browser();
    b.login("m20250001", MEMBER_PASSWORD).await;
    b.get("/welcome/terms").await;
    b.post("/welcome/terms", &[("agree", "yes"), ("version", "2025-01")]).await;
    b.get("/welcome/password").await;
    b.post(
        "/welcome/password",
        &[("new_password", "Sakiko-Own-77"), ("confirm_password", "Sakiko-Own-77")],
    )
    .await;
    b.get("/welcome/email").await;
    b.post("/welcome/email", &[("email", "sakiko@example.jp")]).await;
    let link = last_mail_link(&app, "sakiko@example.jp", "/verify-email").await;
    b.get(&link).await;
    b.get("/welcome/details").await;
    let page = b
        .post(
            "/welcome/details",
            &details(&[("fax", ""), ("furigana", "Takahashi"), ("registry_number", "123456")]),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("電話番号かFAX番号のどちらかを入力してください。"));
    assert!(page.body.contains("フリガナはカタカナで入力してください。"));
    assert!(page.body.contains("value=\"Takahashi\""), "what was typed is kept");
    assert!(page.body.contains("aria-describedby=\"furigana-hint furigana-error\""));
    assert_eq!(
        app.count("SELECT count(*) FROM physicians WHERE registration_completed_at IS NULL").await,
        1,
        "nothing completed"
    );
    // 123456 belongs to the demo physician: refused without naming them.
    let page = b.post("/welcome/details", &details(&[("registry_number", "123456")])).await;
    assert!(page.body.contains("すでに別の利用者の登録に使われています"));
    assert!(!page.body.contains("yamada") && !page.body.contains("1970-05-15"));
}

async fn self_register(
    app: &TestApp,
    email: &str,
    login_id: &str,
    registry: &str,
) -> (Browser, common::Page) {
    let mut b = app.browser();
    let start = b.get("/register").await;
    assert!(start.body.contains("利用規約"));
    let page = b.post("/register", &[("email", email)]).await;
    assert!(page.body.contains("「同意する」にチェックを入れてください"), "terms first");
    let page = b.post("/register", &[("agree", "yes"), ("email", email)]).await;
    assert!(page.body.contains("ご案内のメールをお送りしました"), "{}", page.body);
    let link = last_mail_link(app, email, "/register/continue").await;
    let form = b.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains(email));
    let token = link.split("token=").nth(1).unwrap().to_string();
    let mut fields = details(&[("registry_number", registry), ("phone", "03-5555-0000")]);
    fields.extend([
        ("token", token.as_str()),
        ("login_id", login_id),
        ("password", "Own-Passw0rd!"),
        ("confirm_password", "Own-Passw0rd!"),
    ]);
    let page = b.post("/register/continue", &fields).await;
    (b, page)
}

#[tokio::test]
async fn non_member_registers_and_is_signed_in() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let (mut b, page) = self_register(&app, "hikaiin@example.jp", "takahashi.s", "234567").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/mypage"));
    let home = b.get("/mypage").await;
    assert!(home.body.contains("利用者登録が完了しました。"));
    assert!(home.body.contains("髙橋　﨑子"));
    // The new login works from another browser.
    let mut other = app.browser();
    assert_eq!(other.login("takahashi.s", "Own-Passw0rd!").await.location(), Some("/mypage"));
    let is_member: bool =
        sqlx::query_scalar("SELECT is_member FROM physicians WHERE registry_number = '234567'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(!is_member);
    assert_eq!(
        app.count("SELECT count(*) FROM audit_log WHERE action = 'physician.self_registration'")
            .await,
        1
    );
}

#[tokio::test]
async fn registration_link_works_once_and_expires() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let (_, page) = self_register(&app, "once@example.jp", "once.only", "345678").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let link = last_mail_link(&app, "once@example.jp", "/register/continue").await;
    assert_eq!(app.browser().get(&link).await.status, StatusCode::GONE);

    let mut b = app.browser();
    b.get("/register").await;
    b.post("/register", &[("agree", "yes"), ("email", "late@example.jp")]).await;
    let link = last_mail_link(&app, "late@example.jp", "/register/continue").await;
    app.clock.advance(chrono::Duration::hours(25));
    let page = b.get(&link).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("有効期限"));
}

#[tokio::test]
async fn duplicate_registry_number_is_refused_without_revealing_the_other_account() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let (_, page) = self_register(&app, "dup@example.jp", "dup.user", "123456").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("すでに別の利用者の登録に使われています"));
    assert!(page.body.contains("コールセンター"), "says whom to contact");
    assert!(!page.body.contains("yamada") && !page.body.contains("doctor"));
    assert!(page.body.contains("value=\"dup.user\""), "the form keeps what was typed");
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE login_id = 'dup.user'").await, 0);
    // The link is still good for a corrected attempt.
    let link = last_mail_link(&app, "dup@example.jp", "/register/continue").await;
    assert_eq!(app.browser().get(&link).await.status, StatusCode::OK);
}

#[tokio::test]
async fn registering_with_a_known_address_reveals_nothing_on_screen() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.browser();
    b.get("/register").await;
    let known = b.post("/register", &[("agree", "yes"), ("email", "yamada.taro@example.jp")]).await;
    let fresh = b.post("/register", &[("agree", "yes"), ("email", "new.person@example.jp")]).await;
    let strip = |s: &str, email: &str| s.replace(email, "EMAIL");
    assert_eq!(known.status, fresh.status);
    assert_eq!(
        strip(&known.body, "yamada.taro@example.jp"),
        strip(&fresh.body, "new.person@example.jp")
    );
    let subject: String = sqlx::query_scalar(
        "SELECT subject FROM mail_outbox WHERE to_address = 'yamada.taro@example.jp'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(subject, "【MAMIS】利用者登録について");
}

async fn complete_member_at(app: &TestApp, at: &str) -> Browser {
    app.clock.set(parse_jst(at).unwrap());
    member(app).await;
    member_completes_first_login(app).await
}

#[tokio::test]
async fn registered_before_the_cutoff_sees_data_from_april_7() {
    let app = TestApp::spawn_at("2025-03-29 16:00").await;
    let mut b = complete_member_at(&app, "2025-03-29 16:00").await;
    let home = b.get("/mypage").await;
    assert!(home.body.contains("2025年4月7日から表示されます"), "{}", home.body);
    assert!(!home.body.contains("0345678"));
    app.clock.set(parse_jst("2025-04-07 09:00").unwrap());
    let mut b2 = app.browser();
    b2.login("m20250001", "Sakiko-Own-77").await;
    let home = b2.get("/mypage").await;
    assert!(home.body.contains("0345678"), "{}", home.body);
    drop(b);
}

#[tokio::test]
async fn registered_after_the_cutoff_waits_for_linking() {
    let app = TestApp::spawn_at("2025-03-29 17:30").await;
    let mut b = complete_member_at(&app, "2025-03-29 17:30").await;
    let home = b.get("/mypage").await;
    assert!(home.body.contains("認定医情報の反映待ち"), "{}", home.body);
    assert!(!home.body.contains("0345678"));
}

#[tokio::test]
async fn my_page_says_when_to_apply_for_renewal() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.signed_in("doctor").await;
    let home = b.get("/mypage").await;
    // The demo occupational certification expires 2026-07-31.
    // The briefing's two-month window before May's committee (issue 9).
    assert!(home.body.contains("2026年3月～4月に更新申請をしてください"), "{}", home.body);
    assert!(home.body.contains("2026年5月末の運営委員会"));
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM certifications WHERE certificate_number = '0123456'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(home.body.contains(&format!("/mypage/certificates/{id}.pdf")), "download link");
}

#[tokio::test]
async fn credit_history_prints_for_the_physician_only() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.signed_in("doctor").await;
    let page = b.get("/mypage/credits/print").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("研修会受講履歴"));
    assert!(page.body.contains("123456") && page.body.contains("0123456"));
    let mut staff = app.signed_in("tokyo").await;
    assert_eq!(staff.get("/mypage/credits/print").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn credits_waiting_for_a_physician_attach_when_they_register() {
    let app = TestApp::spawn_at("2025-06-10 10:00").await;
    // An approved seminar whose organizer registered two attendees before they had accounts:
    // one with the right birth date, one whose birth date differs (held for staff).
    sqlx::query(
        "WITH s AS (INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
                        organizer_name, contact_name, contact_email, contact_phone,
                        approving_prefecture_code, status, created_at, updated_at)
                    VALUES ('occupational', '産業医研修会', '2025-05-10', '2025-05-10', 'in_person',
                        '大阪市', '大阪産業医会', '担当', 'o@example.jp', '06-0000-0000', 27,
                        'approved', now(), now()) RETURNING id)
         INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
                              email, phone, category, units, format, match_status, registered_at,
                              updated_at)
         SELECT s.id, v.reg, '髙橋　﨑子', 'タカハシ　サキコ', v.born::date, 'female', 'x@example.jp',
                '06-1111-1111', v.cat, 2, 'in_person', 'unmatched', now(), now()
         FROM s, (VALUES ('234567', '1975-06-03', 'lifelong_renewal'),
                         ('234567', '1975-06-03', 'lifelong_practical'),
                         ('345678', '1975-06-03', 'lifelong_renewal')) AS v(reg, born, cat)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (_, page) = self_register(&app, "late@example.jp", "takahashi.s", "234567").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let attached = app
        .count(
            "SELECT count(*) FROM credits c JOIN physicians p ON p.id = c.physician_id
             WHERE p.registry_number = '234567' AND c.match_status = 'matched'",
        )
        .await;
    assert_eq!(attached, 2, "both of this physician's credits attach on registration");
    assert_eq!(
        app.count("SELECT count(*) FROM credits WHERE registry_number = '345678' AND physician_id IS NULL").await,
        1,
        "someone else's credit stays where it was"
    );
}

/// Issue 12: /register sent 12 mails to one address.
#[tokio::test]
async fn attack_register_mail_flood_to_one_address_is_limited() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.browser();
    b.get("/register").await;
    let mut refused = 0;
    for _ in 0..12 {
        let page = b.post("/register", &[("agree", "yes"), ("email", "victim@example.jp")]).await;
        if page.status == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
            assert!(page.body.contains("1時間ほどたってから"), "{}", page.body);
        }
    }
    assert_eq!(refused, 9);
    let sent = app.count("SELECT count(*) FROM mail_outbox WHERE to_address = 'victim@example.jp'");
    assert_eq!(sent.await, 3);
}

/// Issue 12: /register/continue told, without limit, which registry numbers are taken.
#[tokio::test]
async fn attack_register_continue_registry_number_oracle_is_limited() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.browser();
    b.get("/register").await;
    b.post("/register", &[("agree", "yes"), ("email", "prober@example.jp")]).await;
    let link = last_mail_link(&app, "prober@example.jp", "/register/continue").await;
    b.get(&link).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let mut statuses = Vec::new();
    for n in 0..15 {
        let registry = format!("{}", 100000 + n);
        let mut fields = details(&[("registry_number", &registry), ("phone", "03-5555-0000")]);
        fields.extend([
            ("token", token.as_str()),
            ("login_id", "x"),
            ("password", "short"),
            ("confirm_password", "short"),
        ]);
        statuses.push(b.post("/register/continue", &fields).await.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 5);
}

/// Issue 12: `<script>` was accepted as a 漢字氏名 (escaped on output, but not a name).
#[tokio::test]
async fn attack_markup_as_a_kanji_name_is_refused_next_to_the_field() {
    let app = TestApp::spawn_at("2025-04-10 10:00").await;
    let mut b = app.browser();
    b.get("/register").await;
    b.post("/register", &[("agree", "yes"), ("email", "markup@example.jp")]).await;
    let link = last_mail_link(&app, "markup@example.jp", "/register/continue").await;
    b.get(&link).await;
    let token = link.split("token=").nth(1).unwrap().to_string();
    let mut fields = details(&[
        ("kanji_name", "<script>alert(1)</script>"),
        ("registry_number", "234567"),
        ("phone", "03-5555-0000"),
    ]);
    fields.extend([
        ("token", token.as_str()),
        ("login_id", "markup.user"),
        ("password", "Own-Passw0rd!"),
        ("confirm_password", "Own-Passw0rd!"),
    ]);
    let page = b.post("/register/continue", &fields).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("氏名には漢字・ひらがな・カタカナ・英字を使ってください"),
        "{}",
        page.body
    );
    assert_eq!(app.count("SELECT count(*) FROM accounts WHERE login_id = 'markup.user'").await, 0);
}
