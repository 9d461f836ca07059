//! Headless Chromium through chromedriver for the browser journeys: starting the driver,
//! cleaning up after it, and helpers that wait (poll) instead of sleeping.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

pub const INSTALL_HINT: &str = "install the browser and its driver with \
     `apt-get install -y chromium chromium-driver` (Debian), \
     or point CHROMEDRIVER / CHROME_BIN at existing binaries";

/// How long any single wait in a journey may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

pub fn chromedriver_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("CHROMEDRIVER").filter(|v| !v.is_empty()) {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "CHROMEDRIVER={} does not exist; {INSTALL_HINT}", path.display());
        return path;
    }
    let default = Path::new("/usr/bin/chromedriver");
    if default.is_file() {
        return default.to_path_buf();
    }
    find_in_path("chromedriver").unwrap_or_else(|| {
        panic!("chromedriver was not found (not in /usr/bin nor on PATH); {INSTALL_HINT}")
    })
}

pub fn chrome_binary() -> PathBuf {
    let path = std::env::var_os("CHROME_BIN")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(path.is_file(), "the browser {} was not found; {INSTALL_HINT}", path.display());
    path
}

pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().unwrap().port()
}

/// A running chromedriver and the scratch directory of its browser profile. Dropping it kills
/// chromedriver (and anything it started) and removes the directory, also when a test fails.
pub struct Driver {
    child: Child,
    port: u16,
    scratch: PathBuf,
}

impl Driver {
    pub async fn start() -> Driver {
        let binary = chromedriver_binary();
        let scratch = std::env::temp_dir().join(format!(
            "mamis-browser-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(scratch.join("profile")).expect("create the browser scratch dir");
        let log = std::fs::File::create(scratch.join("chromedriver.log")).unwrap();
        let port = free_port();
        let mut command = Command::new(&binary);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log);
        {
            // Own process group, so that the browser processes can be killed together with it.
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command.spawn().unwrap_or_else(|e| {
            panic!("could not start {}: {e}; {INSTALL_HINT}", binary.display())
        });
        let mut driver = Driver { child, port, scratch };
        driver.wait_until_ready().await;
        driver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.scratch.join("chromedriver.log")).unwrap_or_default()
    }

    pub async fn wait_until_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("chromedriver exited early ({status}):\n{}", self.log());
            }
            let status = http
                .get(format!("{}/status", self.url()))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = status {
                let text = response.text().await.unwrap_or_default();
                let body: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
                if body["value"]["ready"] == json!(true) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not answer on port {} within {PATIENCE:?}:\n{}",
                self.port,
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn connect(&self) -> Client {
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", self.scratch.join("profile").display()),
        ];
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome_binary().to_string_lossy(),
                "args": args,
            },
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!() };
        // Both rustls backends are compiled in (see Cargo.toml); rustls needs to be told which.
        let _ = rustls::crypto::ring::default_provider().install_default();
        ClientBuilder::rustls()
            .expect("a WebDriver HTTP client")
            .capabilities(capabilities)
            .connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("no browser session from chromedriver: {e}\n{}", self.log()))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Negative PID: the whole process group (chromedriver and the browser it launched).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// The visible text of the page, or a note why it could not be read (for failure messages).
pub async fn page_text(client: &Client) -> String {
    match client.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_else(|e| format!("<unreadable body: {e}>")),
        Err(e) => format!("<no body: {e}>"),
    }
}

/// Waits until the browser shows a page at `path` (query string ignored).
pub async fn wait_for_path(client: &Client, path: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let url = client.current_url().await.expect("the current URL");
        if url.path() == path {
            super::a11y::audit(client).await;
            return;
        }
        if Instant::now() >= deadline {
            panic!(
                "still at {url} after {PATIENCE:?}, expected {path}; the page says:\n{}",
                page_text(client).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the element at `css` exists and its text contains `needle`; returns the text.
pub async fn wait_for_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if text.contains(needle) {
                    super::a11y::audit(client).await;
                    return text;
                }
            }
        }
        if Instant::now() >= deadline {
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            panic!(
                "no {css} containing 「{needle}」 at {url} after {PATIENCE:?}; the page says:\n{}",
                page_text(client).await
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn element(client: &Client, locator: Locator<'_>) -> Element {
    let described = format!("{locator:?}");
    match client.wait().at_most(PATIENCE).for_element(locator).await {
        Ok(element) => {
            super::a11y::audit(client).await;
            element
        }
        Err(e) => {
            panic!("no element {described}: {e}; the page says:\n{}", page_text(client).await)
        }
    }
}

/// Types `text` into the input with id `id` (after clearing it) and checks that the browser
/// holds exactly what was typed, so that a lost or altered character fails here.
pub async fn fill(client: &Client, id: &str, text: &str) {
    let input = element(client, Locator::Id(id)).await;
    input.clear().await.unwrap_or_else(|e| panic!("clear #{id}: {e}"));
    input.send_keys(text).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    let value = input.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(value, text, "#{id} holds what was typed");
}
