//! Headless Chromium from Debian's packages (`chromium`, `chromium-driver`), driven over
//! WebDriver with fantoccini, behind a blocking API for the tests of the HTML report and
//! the sandbox dashboard. Where Chromium or its driver is missing, [`Browser::start`] says
//! so, and the test reports `ignored` with the reason ([`Unavailable`]), unless
//! `ALLINPAY_REQUIRE_CHROMIUM` is set (CI sets it), where it fails.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// Why no browser could be started.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// A program is not installed.
    #[error("{0} is not installed (.ci/browser.sh installs chromium and chromium-driver)")]
    Missing(&'static str),
    /// The driver or the browser did not start.
    #[error("the browser did not start: {0}")]
    Start(String),
}

/// A failed browser command.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrowserError(String);

fn err(e: impl std::fmt::Display) -> BrowserError {
    BrowserError(e.to_string())
}

/// Whether a missing browser must fail the test (`ALLINPAY_REQUIRE_CHROMIUM`).
pub fn required() -> bool {
    std::env::var_os("ALLINPAY_REQUIRE_CHROMIUM").is_some()
}

fn which(program: &'static str, fallback: &str) -> Result<String, Unavailable> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    });
    match found {
        Some(p) => Ok(p.display().to_string()),
        None if Path::new(fallback).is_file() => Ok(fallback.to_owned()),
        None => Err(Unavailable::Missing(program)),
    }
}

/// A headless Chromium session; the driver is stopped on drop.
pub struct Browser {
    rt: tokio::runtime::Runtime,
    client: Option<Client>,
    driver: Child,
    /// Chromium's `--user-data-dir`, removed on drop (each start makes a new one).
    profile: std::path::PathBuf,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").finish_non_exhaustive()
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless Chromium session with
    /// its console log kept. The flags keep Chromium off the network (this machine has
    /// none): no background networking, component updates, sync or QUIC.
    pub fn start() -> Result<Browser, Unavailable> {
        let chromium = which("chromium", "/usr/bin/chromium")?;
        let driver_path = which("chromedriver", "/usr/bin/chromedriver")?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| Unavailable::Start(e.to_string()))?
            .port();
        let mut driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| Unavailable::Start(format!("{driver_path}: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Unavailable::Start(e.to_string()))?;
        let profile =
            std::env::temp_dir().join(format!("allinpay-chromium-{}-{port}", std::process::id()));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = rt.block_on(async {
            loop {
                let attempt =
                    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                        .capabilities(caps.clone())
                        .connect(&url)
                        .await;
                match attempt {
                    Ok(c) => return Ok(c),
                    Err(e) if Instant::now() > deadline => {
                        return Err(Unavailable::Start(e.to_string()))
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        match client {
            Ok(client) => Ok(Browser {
                rt,
                client: Some(client),
                driver,
                profile,
            }),
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                let _ = std::fs::remove_dir_all(&profile);
                Err(e)
            }
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the client lives until drop")
    }

    /// Opens `url` (`file://…` or `http://127.0.0.1:…`).
    pub fn goto(&self, url: &str) -> Result<(), BrowserError> {
        self.rt.block_on(self.client().goto(url)).map_err(err)
    }

    /// Runs `script` in the page and returns its value.
    pub fn eval(&self, script: &str) -> Result<Value, BrowserError> {
        self.rt
            .block_on(self.client().execute(script, Vec::new()))
            .map_err(err)
    }

    /// The text of the first element `css` selects.
    pub fn text(&self, css: &str) -> Result<String, BrowserError> {
        self.rt.block_on(async {
            let e = self.client().find(Locator::Css(css)).await.map_err(err)?;
            e.text().await.map_err(err)
        })
    }

    /// Whether an element `css` selects is displayed.
    pub fn visible(&self, css: &str) -> Result<bool, BrowserError> {
        self.rt.block_on(async {
            let e = self.client().find(Locator::Css(css)).await.map_err(err)?;
            e.is_displayed().await.map_err(err)
        })
    }

    /// Clicks the first element `css` selects.
    pub fn click(&self, css: &str) -> Result<(), BrowserError> {
        self.rt.block_on(async {
            let e = self.client().find(Locator::Css(css)).await.map_err(err)?;
            e.click().await.map_err(err)
        })
    }

    /// Types `text` into the first element `css` selects.
    pub fn type_into(&self, css: &str, text: &str) -> Result<(), BrowserError> {
        self.rt.block_on(async {
            let e = self.client().find(Locator::Css(css)).await.map_err(err)?;
            e.send_keys(text).await.map_err(err)
        })
    }

    /// The text of an open `alert`/`confirm` dialog, if one is open.
    pub fn dialog(&self) -> Option<String> {
        self.rt.block_on(self.client().get_alert_text()).ok()
    }

    /// The console entries of level SEVERE since the last call (JavaScript errors, failed
    /// loads).
    pub fn console_errors(&self) -> Result<Vec<String>, BrowserError> {
        let log = self
            .rt
            .block_on(self.client().issue_cmd(BrowserLog))
            .map_err(err)?;
        Ok(log
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// A PNG of the whole viewport, written to `path`.
    pub fn screenshot(&self, path: &Path) -> Result<(), BrowserError> {
        let png = self.rt.block_on(self.client().screenshot()).map_err(err)?;
        std::fs::write(path, png).map_err(err)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = self.rt.block_on(c.close());
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// chromedriver's console log (`POST /session/{id}/se/log`, type `browser`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

/// A libtest-mimic trial that runs `body` with a started browser: `ignored` with the
/// reason when none can be started, failed instead under `ALLINPAY_REQUIRE_CHROMIUM`.
/// `body` fails the trial by returning `Err` or panicking.
pub fn trial(
    name: &str,
    body: impl FnOnce(&Browser) -> Result<(), String> + Send + 'static,
) -> libtest_mimic::Trial {
    libtest_mimic::Trial::ignorable_test(name, move || {
        let browser = match Browser::start() {
            Ok(b) => b,
            Err(e) if required() => {
                return Err(format!("{e}, and ALLINPAY_REQUIRE_CHROMIUM is set").into())
            }
            Err(e) => return Ok(libtest_mimic::Completion::ignored_with(e.to_string())),
        };
        body(&browser)?;
        Ok(libtest_mimic::Completion::Completed)
    })
}
