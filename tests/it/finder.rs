//! The public seminar finder (issue 14): every filter, paging, a seminar's page with its
//! programme, and the signed-in physician's suggestions (実地 first for a physician short of
//! 実地; Web seminars no longer suggested once 5 Web units count).

use reqwest::StatusCode;

use crate::common::TestApp;

pub struct NewSeminar<'a> {
    pub title: &'a str,
    pub programme: &'a str,
    pub prefecture: i16,
    pub starts: &'a str,
    pub format: &'a str,
    pub units: &'a [(&'a str, &'a str)],
    pub recruiting: bool,
    pub status: &'a str,
}

impl Default for NewSeminar<'_> {
    fn default() -> Self {
        NewSeminar {
            title: "",
            programme: "occupational",
            prefecture: 13,
            starts: "2025-06-14",
            format: "in_person",
            units: &[("lifelong_renewal", "1")],
            recruiting: false,
            status: "approved",
        }
    }
}

pub async fn seminar(app: &TestApp, s: NewSeminar<'_>) -> i64 {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO seminars (programme, title, starts_on, ends_on, format, venue,
             organizer_name, contact_name, contact_email, contact_phone,
             approving_prefecture_code, status, paper_approved, recruiting, created_at, updated_at)
         VALUES ($1, $2, $3::date, $3::date, $4, '検索テスト会館', '検索テスト医師会', '担当',
                 'x@example.jp', '03-0000-0000', $5, $6, TRUE, $7, now(), now())
         RETURNING id",
    )
    .bind(s.programme)
    .bind(s.title)
    .bind(s.starts)
    .bind(s.format)
    .bind(s.prefecture)
    .bind(s.status)
    .bind(s.recruiting)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for (category, units) in s.units {
        sqlx::query(
            "INSERT INTO seminar_units (seminar_id, category, units) VALUES ($1, $2, $3::numeric)",
        )
        .bind(id)
        .bind(category)
        .bind(units)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    id
}

/// Titles of `titles` in the order the page shows them (absent ones left out).
fn order_in(body: &str, titles: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> =
        titles.iter().filter_map(|t| body.find(t).map(|i| (i, t.to_string()))).collect();
    found.sort();
    found.into_iter().map(|(_, t)| t).collect()
}

#[tokio::test]
async fn every_filter_narrows_the_finder() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let base = NewSeminar::default;
    seminar(
        &app,
        NewSeminar {
            title: "検索A 東京 実地 対面",
            units: &[("lifelong_practical", "2")],
            ..base()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "検索B 大阪 更新 Web",
            prefecture: 27,
            format: "web",
            starts: "2025-06-21",
            units: &[("lifelong_renewal", "1.5"), ("lifelong_specialized", "1")],
            ..base()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "検索C 東京 再研修",
            programme: "sports",
            starts: "2025-07-05",
            units: &[("sports_retraining", "3")],
            ..base()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "検索D 北海道 基礎前期",
            prefecture: 1,
            starts: "2025-08-01",
            units: &[("basic_early_mental_health", "1"), ("basic_early_general", "2")],
            ..base()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "検索E 講習会 前期",
            programme: "sports",
            prefecture: 1,
            starts: "2025-08-02",
            units: &[("sports_early", "1")],
            ..base()
        },
    )
    .await;
    seminar(&app, NewSeminar { title: "検索F 開催済み", starts: "2025-05-01", ..base() }).await;
    seminar(&app, NewSeminar { title: "検索G 審査中", status: "prefecture_approved", ..base() })
        .await;
    let all_titles = [
        "検索A 東京 実地 対面",
        "検索B 大阪 更新 Web",
        "検索C 東京 再研修",
        "検索D 北海道 基礎前期",
        "検索E 講習会 前期",
        "検索F 開催済み",
        "検索G 審査中",
    ];
    let mut b = app.browser();
    let check = |body: &str, want: &[&str]| {
        let shown: Vec<String> = order_in(body, &all_titles);
        assert_eq!(shown, want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{body}");
    };
    let all = b.get("/seminars/find").await;
    assert_eq!(all.status, StatusCode::OK);
    // Approved and still to come only, soonest first, with the units each grants.
    check(
        &all.body,
        &[
            "検索A 東京 実地 対面",
            "検索B 大阪 更新 Web",
            "検索C 東京 再研修",
            "検索D 北海道 基礎前期",
            "検索E 講習会 前期",
        ],
    );
    assert!(all.body.contains("生涯研修 実地：2単位"), "{}", all.body);
    assert!(all.body.contains("健康スポーツ医学講習会 前期：修了"));
    assert!(!all.body.contains("あなたの更新に足りない単位"), "anonymous: no suggestions");

    for (query, want) in [
        ("programme=sports", &["検索C 東京 再研修", "検索E 講習会 前期"][..]),
        ("category=lifelong_practical", &["検索A 東京 実地 対面"][..]),
        ("category=lifelong_specialized", &["検索B 大阪 更新 Web"][..]),
        ("category=basic_early", &["検索D 北海道 基礎前期"][..]),
        ("category=sports_course", &["検索E 講習会 前期"][..]),
        ("category=sports_retraining", &["検索C 東京 再研修"][..]),
        ("prefecture=13", &["検索A 東京 実地 対面", "検索C 東京 再研修"][..]),
        ("prefecture=%E5%A4%A7%E9%98%AA", &["検索B 大阪 更新 Web"][..]),
        ("format=web", &["検索B 大阪 更新 Web"][..]),
        ("from=2025-07-01&until=2025-08-01", &["検索C 東京 再研修", "検索D 北海道 基礎前期"][..]),
        (
            "until=%E4%BB%A4%E5%92%8C7%E5%B9%B46%E6%9C%8830%E6%97%A5",
            &["検索A 東京 実地 対面", "検索B 大阪 更新 Web"][..],
        ),
        ("from=2025-01-01&prefecture=13&programme=occupational", &["検索A 東京 実地 対面"][..]),
        ("prefecture=1&format=in_person&programme=sports", &["検索E 講習会 前期"][..]),
    ] {
        let page = b.get(&format!("/seminars/find?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        let shown = order_in(&page.body, &all_titles);
        assert_eq!(shown, want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{query}");
    }
    let counted = b.get("/seminars/find?prefecture=13&category=lifelong_practical").await;
    assert!(counted.body.contains("条件に合う研修会：1件"), "{}", counted.body);

    // Unreadable input is explained beside its field; the page still answers.
    for (query, field) in [
        ("from=%E3%81%84%E3%81%A4%E3%81%8B", "from"),
        ("until=2025-02-30", "until"),
        ("category=nothing", "category"),
        ("format=radio", "format"),
        ("programme=sports&category=lifelong_renewal", "category"),
    ] {
        let page = b.get(&format!("/seminars/find?{query}")).await;
        assert_eq!(page.status, StatusCode::OK, "{query}");
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{query}: {}", page.body);
    }
}

#[tokio::test]
async fn the_finder_pages_twenty_at_a_time_keeping_its_filters() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let titles: Vec<String> = (1..=23).map(|n| format!("頁テスト{n:02}")).collect();
    for (n, title) in titles.iter().enumerate() {
        let starts = format!("2025-07-{:02}", n + 1);
        seminar(
            &app,
            NewSeminar { title, prefecture: 47, starts: &starts, ..NewSeminar::default() },
        )
        .await;
    }
    let mut b = app.browser();
    let first = b.get("/seminars/find?prefecture=47").await;
    assert!(first.body.contains("条件に合う研修会：23件"));
    assert!(first.body.contains("頁テスト20") && !first.body.contains("頁テスト21"));
    assert!(first.body.contains("/seminars/find?page=2&#38;prefecture=47"), "{}", first.body);
    let second = b.get("/seminars/find?page=2&prefecture=47").await;
    assert!(second.body.contains("頁テスト21") && second.body.contains("頁テスト23"));
    assert!(!second.body.contains("頁テスト20"));
    // A page past the end shows the last one.
    let beyond = b.get("/seminars/find?page=99&prefecture=47").await;
    assert!(beyond.body.contains("頁テスト23"));
}

#[tokio::test]
async fn a_seminar_page_shows_its_programme_and_how_to_apply() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let id = seminar(
        &app,
        NewSeminar {
            title: "プログラムのある研修会",
            recruiting: true,
            units: &[("lifelong_practical", "1"), ("lifelong_specialized", "1.5")],
            ..NewSeminar::default()
        },
    )
    .await;
    for (position, subject, minutes, category) in [
        (1, "職場巡視の実際", 60, "lifelong_practical"),
        (2, "化学物質の自律的管理", 90, "lifelong_specialized"),
    ] {
        sqlx::query(
            "INSERT INTO seminar_lectures (seminar_id, position, subject, lecturer, minutes, category)
             VALUES ($1, $2, $3, '講師 一郎', $4, $5)",
        )
        .bind(id)
        .bind(position)
        .bind(subject)
        .bind(minutes)
        .bind(category)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let mut b = app.browser();
    let page = b.get(&format!("/seminars/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in [
        "プログラムのある研修会",
        "職場巡視の実際",
        "化学物質の自律的管理",
        "90分",
        "生涯研修 専門：1.5単位",
        &format!("/login?next=/seminars/{id}/apply"),
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    let list = b.get("/seminars/find").await;
    assert!(list.body.contains(&format!("href=\"/seminars/{id}\"")));
    let pending =
        seminar(&app, NewSeminar { title: "未承認", status: "submitted", ..NewSeminar::default() })
            .await;
    assert_eq!(b.get(&format!("/seminars/{pending}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(b.get("/seminars/999999").await.status, StatusCode::NOT_FOUND);
}

/// The demo physician (login `doctor`): id and prefecture.
pub async fn doctor(app: &TestApp) -> (i64, i16) {
    sqlx::query_as(
        "SELECT p.id, p.prefecture_code FROM physicians p JOIN accounts a ON a.id = p.account_id
         WHERE a.login_id = 'doctor'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// Replaces the doctor's portal credits with `credits` (category, format, units), earned at a
/// seminar held within their term.
async fn doctor_credits(app: &TestApp, credits: &[(&str, &str, &str)]) {
    let (physician, _) = doctor(app).await;
    sqlx::query("UPDATE credits SET withdrawn_at = now() WHERE physician_id = $1")
        .bind(physician)
        .execute(&app.pool)
        .await
        .unwrap();
    for (n, (category, format, units)) in credits.iter().enumerate() {
        let title = format!("受講済み研修会{n}");
        let held = seminar(
            app,
            NewSeminar {
                title: &title,
                starts: "2025-05-01",
                format,
                units: &[],
                ..NewSeminar::default()
            },
        )
        .await;
        sqlx::query(
            "INSERT INTO credits (seminar_id, registry_number, kanji_name, furigana, birth_date, sex,
                 email, phone, category, units, format, physician_id, match_status, registered_at,
                 updated_at)
             SELECT $1, p.registry_number, p.kanji_name, p.furigana, p.birth_date, p.sex,
                    'doctor@example.jp', '03-0000-0000', $3, $4::numeric, $5, p.id, 'matched',
                    now(), now()
             FROM physicians p WHERE p.id = $2",
        )
        .bind(held)
        .bind(physician)
        .bind(category)
        .bind(units)
        .bind(format)
        .execute(&app.pool)
        .await
        .unwrap();
    }
}

/// The suggestions section of the finder as the doctor sees it.
async fn suggestions(app: &TestApp) -> String {
    let mut b = app.signed_in("doctor").await;
    let page = b.get("/seminars/find").await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.body.find("id=\"suggestions\"").expect("the suggestions section");
    let end = page.body[start..].find("</section>").unwrap() + start;
    page.body[start..end].to_string()
}

#[tokio::test]
async fn a_physician_short_of_practical_sees_practical_seminars_first() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (_, prefecture) = doctor(&app).await;
    doctor_credits(
        &app,
        &[("lifelong_renewal", "in_person", "10"), ("lifelong_specialized", "in_person", "5")],
    )
    .await;
    let renewal = seminar(
        &app,
        NewSeminar {
            title: "提案 更新4単位（早い）",
            prefecture,
            starts: "2025-06-05",
            units: &[("lifelong_renewal", "4")],
            recruiting: true,
            ..NewSeminar::default()
        },
    )
    .await;
    let practical = seminar(
        &app,
        NewSeminar {
            title: "提案 実地1単位（遅い）",
            prefecture,
            starts: "2025-06-25",
            units: &[("lifelong_practical", "1")],
            recruiting: true,
            ..NewSeminar::default()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "提案 Web実地（数えない）",
            format: "web",
            starts: "2025-06-01",
            units: &[("lifelong_practical", "2")],
            ..NewSeminar::default()
        },
    )
    .await;
    let other = if prefecture == 47 { 46 } else { 47 };
    seminar(
        &app,
        NewSeminar {
            title: "提案 遠くの実地",
            prefecture: other,
            starts: "2025-06-02",
            units: &[("lifelong_practical", "2")],
            ..NewSeminar::default()
        },
    )
    .await;
    let section = suggestions(&app).await;
    assert!(section.contains("生涯研修 実地（対面のみ）：あと1単位"), "{section}");
    assert!(section.contains("生涯研修 合計：あと5単位"), "{section}");
    assert_eq!(
        order_in(
            &section,
            &[
                "提案 更新4単位（早い）",
                "提案 実地1単位（遅い）",
                "提案 Web実地（数えない）",
                "提案 遠くの実地"
            ]
        ),
        vec!["提案 実地1単位（遅い）", "提案 更新4単位（早い）"],
        "{section}"
    );
    // Where the organizer recruits, the suggestion links to the apply flow.
    assert!(section.contains(&format!("/seminars/{practical}/apply")));
    assert!(section.contains(&format!("/seminars/{renewal}/apply")));
    // The my page links to it.
    let mut b = app.signed_in("doctor").await;
    let mypage = b.get("/mypage").await;
    assert!(mypage.body.contains("href=\"/seminars/find#suggestions\""), "{}", mypage.body);
}

#[tokio::test]
async fn web_seminars_stop_being_suggested_at_the_web_cap() {
    let app = TestApp::spawn_at("2025-05-20 10:00").await;
    let (_, prefecture) = doctor(&app).await;
    let web = seminar(
        &app,
        NewSeminar {
            title: "提案 Web専門2単位",
            format: "web",
            prefecture: 27,
            starts: "2025-06-05",
            units: &[("lifelong_specialized", "2")],
            ..NewSeminar::default()
        },
    )
    .await;
    seminar(
        &app,
        NewSeminar {
            title: "提案 対面専門2単位",
            prefecture,
            starts: "2025-06-10",
            units: &[("lifelong_specialized", "2")],
            ..NewSeminar::default()
        },
    )
    .await;
    let titles = ["提案 Web専門2単位", "提案 対面専門2単位"];
    let met_each = [
        ("lifelong_renewal", "in_person", "3"),
        ("lifelong_practical", "in_person", "3"),
        ("lifelong_specialized", "in_person", "3"),
    ];
    // 4 Web units counted: one more still counts, after the larger in-person gain.
    let mut below = met_each.to_vec();
    below.push(("lifelong_renewal", "web", "4"));
    doctor_credits(&app, &below).await;
    let section = suggestions(&app).await;
    assert_eq!(order_in(&section, &titles), vec!["提案 対面専門2単位", "提案 Web専門2単位"]);
    assert!(section.contains(&format!("/seminars/{web}\"")));
    assert!(!section.contains("Web研修は算入の上限"));
    // 5 Web units counted: the Web seminar is no longer suggested, the page says why.
    let mut at_cap = met_each.to_vec();
    at_cap.push(("lifelong_renewal", "web", "5"));
    doctor_credits(&app, &at_cap).await;
    let section = suggestions(&app).await;
    assert_eq!(order_in(&section, &titles), vec!["提案 対面専門2単位"], "{section}");
    assert!(section.contains("Web研修は算入の上限（5単位）まで数えている"), "{section}");
}
