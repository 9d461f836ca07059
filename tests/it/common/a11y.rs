//! axe-core in the real browser: every page a browser journey reaches is audited once (WCAG 2.2
//! A/AA rules), and the journey fails on any violation and on any colour-contrast result axe
//! could not decide ("incomplete"), which is where invisible buttons hid before (issue 13).
//! axe-core comes from the npm registry into `.ci/tools/node_modules` (`.ci/setup.sh`).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;

use fantoccini::Client;
use serde_json::Value;

pub const AXE_HINT: &str = "install the page checkers with `npm ci --prefix .ci/tools` \
     (bash .ci/test does it), or point AXE_CORE at axe.min.js";

fn axe_path() -> PathBuf {
    if let Some(path) = std::env::var_os("AXE_CORE").filter(|v| !v.is_empty()) {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".ci/tools/node_modules/axe-core/axe.min.js")
}

fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = axe_path();
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("axe-core not found at {}: {e}; {AXE_HINT}", path.display()))
    })
}

/// Documents already audited, by `performance.timeOrigin` and URL (one entry per page load).
static AUDITED: Mutex<Option<HashSet<String>>> = Mutex::new(None);

const RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
  resultTypes: ['violations', 'incomplete'],
}).then(r => {
  const brief = x => ({ id: x.id, help: x.help,
    nodes: x.nodes.slice(0, 5).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '')) });
  done({
    violations: r.violations.map(brief),
    contrast: r.incomplete.filter(x => x.id === 'color-contrast').map(brief),
  });
}).catch(e => done({ error: String(e) }));
"#;

/// Audits the page in the browser unless this page load was audited already; panics with the
/// findings. Called by the journey helpers (`wait_for_path`, `wait_for_text`, `element`).
pub async fn audit(client: &Client) {
    let Ok(Value::String(key)) =
        client.execute("return performance.timeOrigin + ' ' + location.href;", vec![]).await
    else {
        return;
    };
    if key.contains("about:blank") || key.contains("data:") {
        return;
    }
    {
        let mut audited = AUDITED.lock().unwrap();
        if !audited.get_or_insert_with(HashSet::new).insert(key.clone()) {
            return;
        }
    }
    let loaded = client
        .execute("return typeof axe !== 'undefined';", vec![])
        .await
        .unwrap_or(Value::Bool(false));
    if loaded != Value::Bool(true) {
        client
            .execute(&format!("{};\nreturn true;", axe_source()), vec![])
            .await
            .unwrap_or_else(|e| panic!("could not load axe-core into {key}: {e}"));
    }
    // The whole page in the viewport: axe cannot judge the contrast of what lies partly outside.
    let (width, height) = client.get_window_size().await.unwrap_or((1280, 900));
    let page_height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(900)
        .clamp(u64::from(height as u32), 8000);
    let _ = client.set_window_size(width as u32, page_height as u32).await;
    for _ in 0..40 {
        let inner = client.execute("return window.innerHeight;", vec![]).await;
        if inner.ok().and_then(|v| v.as_u64()).is_some_and(|h| h + 200 >= page_height) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let result = client.execute_async(RUN, vec![]).await;
    let _ = client.set_window_size(width as u32, height as u32).await;
    let result = result.unwrap_or_else(|e| panic!("axe-core did not run on {key}: {e}"));
    if let Some(error) = result.get("error") {
        panic!("axe-core failed on {key}: {error}");
    }
    let violations = result["violations"].as_array().cloned().unwrap_or_default();
    let contrast = result["contrast"].as_array().cloned().unwrap_or_default();
    let list = artifact_dir().join("../axe-pages.txt");
    let line =
        format!("{} violations={} undecided_contrast={}\n", key, violations.len(), contrast.len());
    let _ = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(list)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if !violations.is_empty() || !contrast.is_empty() {
        panic!(
            "accessibility findings on {key}:\nviolations: {}\nundecided colour contrast: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default(),
            serde_json::to_string_pretty(&contrast).unwrap_or_default()
        );
    }
}

/// Where the CI keeps the screenshots it shows people (`target/ci-artifacts/screenshots`).
pub fn artifact_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-artifacts/screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot directory");
    dir
}

/// A full-page screenshot of the current page at `width` px, kept as a CI artefact.
pub async fn keep_screenshot(client: &Client, name: &str, width: u32) {
    client.set_window_size(width, 900).await.expect("resize the window");
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(900)
        .clamp(400, 8000) as u32;
    client.set_window_size(width, height).await.expect("resize the window");
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(artifact_dir().join(format!("{name}-{width}.png")), png)
        .expect("write the screenshot");
    client.set_window_size(1280, 900).await.expect("resize the window back");
}
