//! The browser set-up itself: a page loads from a `data:` URL, its text is read, a click
//! runs its script, and a script error reaches `console_errors`.

use allinpay_browser_test::trial;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let trials = vec![trial(
        "a_page_loads_clicks_and_reports_script_errors",
        |b| {
            b.goto("data:text/html,<p id=t>ready</p><button id=b onclick=\"document.getElementById('t').textContent='clicked'\">go</button>")
            .map_err(|e| e.to_string())?;
            assert_eq!(b.text("#t").map_err(|e| e.to_string())?, "ready");
            assert!(b.console_errors().map_err(|e| e.to_string())?.is_empty());
            b.click("#b").map_err(|e| e.to_string())?;
            assert_eq!(b.text("#t").map_err(|e| e.to_string())?, "clicked");
            b.goto("data:text/html,<script>undefinedFunction()</script>")
                .map_err(|e| e.to_string())?;
            let errors = b.console_errors().map_err(|e| e.to_string())?;
            assert!(
                errors.iter().any(|e| e.contains("undefinedFunction")),
                "{errors:?}"
            );
            Ok(())
        },
    )];
    libtest_mimic::run(&args, trials).exit();
}
