//! Test harness: every test gets its own freshly created PostgreSQL database (migrated, with
//! the demo data set) and the real application on a random port. The database is dropped when
//! the test ends, even when it fails.
#![allow(dead_code)]

pub mod a11y;
pub mod chrome;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};

use mamis::clock::{parse_jst, Clock};
use mamis::config::Config;
use mamis::state::AppState;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use sqlx::PgPool;

pub const PASSWORD: &str = mamis::demo::DEMO_PASSWORD;

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| Config::DEFAULT_DATABASE_URL.to_string())
}

fn with_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("DATABASE_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// A real one-page PDF (uploads are parsed, not only sniffed).
pub fn pdf_file() -> Vec<u8> {
    use lopdf::{dictionary, Document, Object};
    let mut doc = Document::with_version("1.4");
    let pages = doc.new_object_id();
    let media_box: Vec<Object> = vec![0.into(), 0.into(), 10.into(), 10.into()];
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "MediaBox" => media_box,
    });
    let kids: Vec<Object> = vec![page.into()];
    doc.objects.insert(
        pages,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 1 }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A real 2×2 PNG.
pub fn png_file() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::new(2, 2)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// The HTML polyglot of issue 12: PDF magic bytes, then a page with a script.
pub const POLYGLOT: &[u8] =
    b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n";

/// A database that exists for one test.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "mamis_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            uuid::Uuid::new_v4().simple().to_string().get(..8).unwrap_or("x")
        );
        let admin_url = with_database(&server_url(), "postgres");
        let admin = sqlx::PgPool::connect(&admin_url).await.expect("PostgreSQL is reachable");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
        admin.close().await;
        let url = with_database(&server_url(), &name);
        TestDb { name, url, admin_url }
    }

    pub async fn pool(&self, max: u32) -> PgPool {
        mamis::db::connect(&self.url, max).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin_url = self.admin_url.clone();
        // Drop runs inside the test's runtime; use a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                    admin.close().await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub base: String,
    pub pool: PgPool,
    pub state: AppState,
    pub clock: Clock,
    server: tokio::task::JoinHandle<()>,
    pub db: TestDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// The portal with the demo data, its clock pinned at `now` (JST), e.g. "2025-04-10 10:00".
    pub async fn spawn_at(now: &str) -> TestApp {
        let db = TestDb::create().await;
        let pool = db.pool(10).await;
        mamis::db::migrate(&pool).await.unwrap();
        let clock = Clock::fixed(parse_jst(now).expect("a JST time"));
        mamis::demo::load(&pool, clock.now()).await.unwrap();
        Self::start(db, pool, clock, Config::for_tests("unused")).await
    }

    pub async fn spawn() -> TestApp {
        Self::spawn_at("2025-04-10 10:00").await
    }

    pub async fn start(db: TestDb, pool: PgPool, clock: Clock, mut config: Config) -> TestApp {
        config.database_url = db.url.clone();
        config.count_queries = true;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        config.base_url = base.clone();
        let state = AppState::new(pool.clone(), config, clock.clone());
        let serve_state = state.clone();
        let server = tokio::spawn(async move {
            mamis::serve(listener, serve_state).await.unwrap();
        });
        TestApp { base, pool, state, clock, server, db }
    }

    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Browser {
            client: Client::builder()
                .cookie_provider(jar.clone())
                .redirect(Policy::none())
                .build()
                .unwrap(),
            jar,
            base: self.base.clone(),
            csrf: None,
        }
    }

    /// A browser signed in as `login_id` (demo password).
    pub async fn signed_in(&self, login_id: &str) -> Browser {
        let mut b = self.browser();
        let r = b.login(login_id, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login of {login_id} failed");
        b
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }
}

/// With `MAMIS_HTML_DUMP=<dir>` (set by .ci/run), keeps the first HTML page of each route and
/// status the HTTP tests fetch, for the W3C checker that runs after the suite.
fn keep_html_for_checker(
    url: &url::Url,
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) {
    let Some(dir) = std::env::var_os("MAMIS_HTML_DUMP").filter(|v| !v.is_empty()) else {
        return;
    };
    let html = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html || body.is_empty() {
        return;
    }
    // Route shape: ids and tokens folded, so each page is kept once.
    let route: String = url
        .path()
        .split('/')
        .map(|part| {
            if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
                "N"
            } else if part.len() >= 20 && part.chars().all(|c| c.is_ascii_alphanumeric()) {
                "T"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("_");
    let route: String = route
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '.' })
        .collect();
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{}{route}.html", status.as_u16()));
    if let Ok(mut f) = std::fs::OpenOptions::new().write(true).create_new(true).open(file) {
        let _ = std::io::Write::write_all(&mut f, body.as_bytes());
    }
}

/// A cookie-keeping HTTP client that remembers the last CSRF token it saw on a page.
pub struct Browser {
    pub client: Client,
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub base: String,
    pub csrf: Option<String>,
}

pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }
}

impl Browser {
    pub async fn get(&mut self, path: &str) -> Page {
        let r = self.client.get(format!("{}{}", self.base, path)).send().await.unwrap();
        self.page(r).await
    }

    async fn page(&mut self, r: Response) -> Page {
        let status = r.status();
        let headers = r.headers().clone();
        let url = r.url().clone();
        let body = r.text().await.unwrap();
        keep_html_for_checker(&url, status, &headers, &body);
        if let Some(token) = csrf_in(&body) {
            self.csrf = Some(token);
        }
        Page { status, headers, body }
    }

    /// POSTs a form with the remembered CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        let r =
            self.client.post(format!("{}{}", self.base, path)).form(&form).send().await.unwrap();
        self.page(r).await
    }

    /// POSTs a form exactly as given (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let r =
            self.client.post(format!("{}{}", self.base, path)).form(fields).send().await.unwrap();
        self.page(r).await
    }

    /// Logs in through the form and, on success, opens the landing page (fresh CSRF token).
    pub async fn login(&mut self, login_id: &str, password: &str) -> Page {
        self.get("/login").await;
        let page = self.post("/login", &[("login_id", login_id), ("password", password)]).await;
        if page.status == StatusCode::SEE_OTHER {
            if let Some(location) = page.location().map(str::to_string) {
                self.get(&location).await;
            }
        }
        page
    }

    /// The session cookie's value as the browser holds it.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        let cookies = header.to_str().ok()?.to_string();
        cookies.split("; ").find_map(|c| c.strip_prefix("mamis_session=").map(str::to_string))
    }
}
