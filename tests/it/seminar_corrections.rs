//! Issue 10, part 5: seminar applications worth sending. A returned outside application is
//! corrected through the private link mailed to its contact and keeps its number and history;
//! a seminar held before the committee that would approve it is refused with the cycle it can
//! still reach; a form posted twice creates one seminar.

use reqwest::StatusCode;

use crate::common::seminar_forms::{application, fields, hidden_key, sha256_hex, CONTACT, NOW};
use crate::common::TestApp;

async fn seminars_titled(app: &TestApp, title: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, status FROM seminars WHERE title = $1 ORDER BY id")
        .bind(title)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_returned_application_is_corrected_through_its_link_and_keeps_its_number() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "産業医研修会（リンクで修正）";
    let mut organizer = app.browser();
    organizer.get("/seminars/apply").await;
    let page = organizer.post("/seminars/apply", &fields(&application(title, "2025/10/18"))).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = seminars_titled(&app, title).await[0].0;

    let mut tokyo = app.signed_in("tokyo").await;
    tokyo.get(&format!("/office/seminars/{id}")).await;
    let page = tokyo
        .post(
            &format!("/office/seminars/{id}/return"),
            &[("comment", "講師の所属を記入してください。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM mail_outbox WHERE to_address = $1 AND subject LIKE '%差し戻されました%'",
    )
    .bind(CONTACT)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let start =
        mail.find("/seminars/correct/").expect("a correction link") + "/seminars/correct/".len();
    let token: String = mail[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 64);
    let stored: String =
        sqlx::query_scalar("SELECT token_hash FROM seminar_correction_links WHERE seminar_id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, sha256_hex(&token), "only the hash is kept");

    // The link opens the application filled in, with the reason.
    let mut b = app.browser();
    let form = b.get(&format!("/seminars/correct/{token}")).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains(&format!("<span id=\"seminar-number\">{id}</span>")));
    assert!(form.body.contains("講師の所属を記入してください。"));
    assert!(form.body.contains("東京産業保健会館 大ホール"));
    assert!(form.body.contains("value=\"職場のメンタルヘルス対策\""), "the programme comes back");
    assert_eq!(b.get("/seminars/correct/00ff").await.status, StatusCode::NOT_FOUND);

    let mut corrected = application(title, "2025/10/18");
    corrected.retain(|(k, _)| *k != "venue");
    corrected.push(("venue", "東京産業保健会館（講師：○○大学 産業医学講座）".into()));
    let page = b.post(&format!("/seminars/correct/{token}"), &fields(&corrected)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let done = b.get("/seminars/apply/done").await;
    assert!(done.body.contains(&format!("<dd>{id}</dd>")), "the same number: {}", done.body);

    let all = seminars_titled(&app, title).await;
    assert_eq!(all, vec![(id, "submitted".to_string())], "one application, submitted again");
    let venue: String = sqlx::query_scalar("SELECT venue FROM seminars WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(venue.contains("産業医学講座"));
    // The history runs on: applied, returned, resubmitted.
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE entity_type = 'seminar' AND entity_id = $1 ORDER BY id",
    )
    .bind(id.to_string())
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions, ["seminar.submitted", "seminar.returned", "seminar.resubmitted"]);
    let show = tokyo.get(&format!("/office/seminars/{id}")).await;
    assert!(show.body.contains("修正して再申請"));
    assert!(show.body.contains("id=\"lectures\""), "staff see the programme");
    assert!(show.body.contains("職場のメンタルヘルス対策") && show.body.contains("150分"));
    // The link is used up.
    assert_eq!(b.get(&format!("/seminars/correct/{token}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_seminar_before_the_committee_that_would_approve_it_is_refused() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "委員会より前の研修会";
    let mut b = app.browser();
    b.get("/seminars/apply").await;
    let page = b.post("/seminars/apply", &fields(&application(title, "2025/09/20"))).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("2025年度 第3回、2025年9月30日"), "{}", page.body);
    assert!(page.body.contains("2025年10月1日以降に開催する研修会"));
    assert!(seminars_titled(&app, title).await.is_empty());

    // The staff form refuses it alike.
    let mut chiyoda = app.signed_in("chiyoda").await;
    chiyoda.get("/office/seminars/new").await;
    let mut own = application(title, "2025/09/20");
    own.retain(|(k, _)| !matches!(*k, "organizer_name" | "approving_prefecture"));
    let page = chiyoda.post("/office/seminars/new", &fields(&own)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("第3回"));
    assert!(seminars_titled(&app, title).await.is_empty());
}

#[tokio::test]
async fn the_programme_must_cover_each_granted_category_an_hour_a_unit() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "時間の足りない研修会";
    let mut short = application(title, "2025/10/18");
    // 専門 2.5 units need 150 minutes; the programme gives 90.
    for slot in short.iter_mut().filter(|(k, _)| *k == "lecture_minutes").skip(1) {
        slot.1 = "90".into();
    }
    let mut b = app.browser();
    b.get("/seminars/apply").await;
    let page = b.post("/seminars/apply", &fields(&short)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("講義が150分以上必要です（プログラムでは90分です）"),
        "{}",
        page.body
    );
    assert!(page.body.contains("value=\"職場のメンタルヘルス対策\""), "rows typed stay");
    let mut none = application(title, "2025/10/18");
    none.retain(|(k, _)| !k.starts_with("lecture_"));
    let page = b.post("/seminars/apply", &fields(&none)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page
        .body
        .contains("プログラム（講義ごとの演題・講師・時間・研修区分）を入力してください"));
    assert!(seminars_titled(&app, title).await.is_empty());
}

#[tokio::test]
async fn a_form_posted_twice_creates_one_seminar() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "二度送信の研修会";
    let mut b = app.browser();
    let form = b.get("/seminars/apply").await;
    let key = hidden_key(&form.body);
    assert!(key.len() >= 16);
    let mut posted = application(title, "2025/10/18");
    posted.push(("idempotency_key", key.clone()));
    let first = b.post("/seminars/apply", &fields(&posted)).await;
    let second = b.post("/seminars/apply", &fields(&posted)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(second.location(), Some("/seminars/apply/done"));
    let created = seminars_titled(&app, title).await;
    assert_eq!(created.len(), 1, "{created:?}");
    let done = b.get("/seminars/apply/done").await;
    assert!(done.body.contains(&format!("<dd>{}</dd>", created[0].0)));
    assert_eq!(
        app.count(
            "SELECT count(*) FROM mail_outbox WHERE subject LIKE '%研修会の申請を受け付けました%'"
        )
        .await,
        1
    );

    // At the same moment from the staff form: still one.
    let mut chiyoda = app.signed_in("chiyoda").await;
    let form = chiyoda.get("/office/seminars/new").await;
    let key = hidden_key(&form.body);
    let own_title = "二度送信の研修会（医師会）";
    let mut own = application(own_title, "2025/10/18");
    own.retain(|(k, _)| !matches!(*k, "organizer_name" | "approving_prefecture"));
    own.push(("idempotency_key", key));
    let token = chiyoda.csrf.clone().unwrap();
    let mut body: Vec<(&str, &str)> = fields(&own);
    body.push(("csrf_token", &token));
    let url = format!("{}/office/seminars/new", app.base);
    let (a, b2) = tokio::join!(
        chiyoda.client.post(&url).form(&body).send(),
        chiyoda.client.post(&url).form(&body).send()
    );
    assert_eq!(a.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(b2.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(seminars_titled(&app, own_title).await.len(), 1);
}

fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----mamis-seminar-files-q81";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (file_name, data) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_application_carries_pdf_attachments_that_staff_download() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "資料つきの研修会";
    let mut b = app.browser();
    let form = b.get("/seminars/apply").await;
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let token = b.csrf.clone().unwrap();
    let posted = application(title, "2025/10/18");
    let url = format!("{}/seminars/apply?csrf_token={token}", app.base);
    let pdf_file = crate::common::pdf_file();
    let pdf: &[u8] = &pdf_file;

    // A file that is no PDF keeps the whole application out.
    let (content_type, body) = multipart(
        &fields(&posted),
        &[("programme.pdf", pdf), ("photo.png", b"\x89PNG\r\n\x1a\nxx")],
    );
    let r =
        b.client.post(&url).header("content-type", content_type).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(page.contains("「photo.png」はPDFではないため添付できません。"), "{page}");
    assert!(seminars_titled(&app, title).await.is_empty());

    let (content_type, body) = multipart(&fields(&posted), &[("programme.pdf", pdf)]);
    let r =
        b.client.post(&url).header("content-type", content_type).body(body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = seminars_titled(&app, title).await[0].0;

    let mut tokyo = app.signed_in("tokyo").await;
    let show = tokyo.get(&format!("/office/seminars/{id}")).await;
    assert!(show.body.contains("programme.pdf"), "{}", show.body);
    let file_id: i64 = sqlx::query_scalar(
        "SELECT id FROM uploaded_files WHERE owner_type = 'seminar_application' AND owner_id = $1",
    )
    .bind(id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let r = tokyo
        .client
        .get(format!("{}/office/seminars/{id}/attachments/{file_id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf);
    // Another prefecture's staff cannot.
    let mut chiyoda = app.signed_in("chiyoda").await;
    let other = chiyoda.get(&format!("/office/seminars/{id}/attachments/{file_id}")).await;
    assert_ne!(other.status, StatusCode::OK);
}

#[tokio::test]
async fn a_paper_entry_posted_twice_creates_one_seminar_and_mails_one_work_page() {
    let app = TestApp::spawn_at(NOW).await;
    let title = "二度送信の書面承認研修会";
    let mut jma = app.signed_in("jma").await;
    let form = jma.get("/office/seminars/paper").await;
    let key = hidden_key(&form.body);
    let mut entry = application(title, "2025-06-14");
    entry.push(("idempotency_key", key));
    let token = jma.csrf.clone().unwrap();
    let mut body: Vec<(&str, &str)> = fields(&entry);
    body.push(("csrf_token", &token));
    let url = format!("{}/office/seminars/paper", app.base);
    // A double click: both at once.
    let (a, b) = tokio::join!(
        jma.client.post(&url).form(&body).send(),
        jma.client.post(&url).form(&body).send()
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.status(), StatusCode::SEE_OTHER);
    let created = seminars_titled(&app, title).await;
    assert_eq!(created.len(), 1, "{created:?}");
    let seminar = format!("/office/seminars/{}", created[0].0);
    for r in [&a, &b] {
        assert_eq!(r.headers()["location"].to_str().unwrap(), seminar, "both land on it");
    }
    // And again later (a reload of the posted form).
    let again = jma.post("/office/seminars/paper", &fields(&entry)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(seminars_titled(&app, title).await.len(), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM mail_outbox WHERE to_address = '{CONTACT}'
               AND subject LIKE '%作業ページのご案内%'"
        ))
        .await,
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM work_pages").await, 1);
}

#[tokio::test]
async fn a_work_page_mail_never_names_a_credit_deadline_already_past() {
    let app = TestApp::spawn_at(NOW).await;
    let mut jma = app.signed_in("jma").await;
    let pool = app.pool.clone();
    let mail_for = |title: &'static str| {
        let pool = pool.clone();
        async move {
            let body: String = sqlx::query_scalar(
                "SELECT body_text FROM mail_outbox WHERE subject LIKE '%作業ページのご案内%'
               AND body_text LIKE '%' || $1 || '%'",
            )
            .bind(title)
            .fetch_one(&pool)
            .await
            .unwrap();
            body
        }
    };
    // Held 4/5 and entered from paper on 7/10: the deadline (5/5) has gone.
    for (title, day) in [("四月に開いた研修会", "2025-04-05"), ("七月に開く研修会", "2025-07-20")]
    {
        let form = jma.get("/office/seminars/paper").await;
        let mut entry = application(title, day);
        entry.push(("idempotency_key", hidden_key(&form.body)));
        let page = jma.post("/office/seminars/paper", &fields(&entry)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let past = mail_for("四月に開いた研修会").await;
    assert!(
        past.contains("単位の登録期限（研修会の最終日から1か月：2025年5月5日）は過ぎています"),
        "{past}"
    );
    assert!(!past.contains("2025年5月5日まで）に登録してください"), "{past}");
    let ahead = mail_for("七月に開く研修会").await;
    assert!(ahead.contains("1か月以内（2025年8月20日まで）に登録してください"), "{ahead}");
    assert!(!ahead.contains("過ぎています"));
}
