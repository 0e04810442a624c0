//! `run`: the vectors, or generated messages (`--generate`), against the built-in
//! implementation or an adapter (docs/adapter.md).

use std::path::PathBuf;
use std::time::Duration;

use allinpay_conformance::adapter::{Adapter, Builtin, Implementation};
use allinpay_conformance::cases::{self, Case};
use allinpay_conformance::class::HardeningPolicy;
use allinpay_conformance::fuzz;
use allinpay_conformance::generate::{self, GenOptions};
use allinpay_conformance::report::{self, HtmlContext, KnownFailures, Report, ReportFormat};
use allinpay_conformance::runner::run_cases_answered;
use allinpay_conformance::verdict::Judge;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::datetime::DateTime14;

use super::{write_stdout, CliError};

/// Report formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Junit,
    Html,
}

/// `--hardening fail|warn`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum HardeningArg {
    Fail,
    Warn,
}

impl From<HardeningArg> for HardeningPolicy {
    fn from(h: HardeningArg) -> Self {
        match h {
            HardeningArg::Fail => HardeningPolicy::Fail,
            HardeningArg::Warn => HardeningPolicy::Warn,
        }
    }
}

impl From<FormatArg> for ReportFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => ReportFormat::Text,
            FormatArg::Json => ReportFormat::Json,
            FormatArg::Junit => ReportFormat::Junit,
            FormatArg::Html => ReportFormat::Html,
        }
    }
}

/// `allinpay-conformance run`: the vectors against the built-in implementation or an adapter.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("seeded").args(["generate", "fuzz"]).multiple(false)))]
pub struct RunArgs {
    /// The vectors directory (default: this repository's `vectors/`).
    #[arg(long)]
    vectors: Option<PathBuf>,
    /// Output: a human table, a JSON report (the input of --baseline), JUnit XML or one
    /// self-contained HTML page.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Also write the HTML report to FILE, whatever --format prints.
    #[arg(long, value_name = "FILE")]
    report_html: Option<PathBuf>,
    /// Run an external implementation: the command (shell-words quoting) is started once and
    /// spoken to in the line protocol of docs/adapter.md.
    #[arg(long, value_name = "CMD ARGS")]
    adapter: Option<String>,
    /// Print the case ids (after --filter) without running anything.
    #[arg(long)]
    list: bool,
    /// Run only the cases whose id matches GLOB (`*` any text, `?` one character); an exact
    /// id reruns one case. Repeatable (any match selects).
    #[arg(long, value_name = "GLOB")]
    filter: Vec<String>,
    /// Seconds an adapter gets to answer one case before it is killed and restarted.
    #[arg(long, value_name = "SECONDS", default_value = "5")]
    timeout: f64,
    /// Known failures: lines `ID-GLOB  reason` (`#` comments); reported, not run or failed.
    #[arg(long, value_name = "FILE", visible_alias = "known-failures")]
    deviations: Option<PathBuf>,
    /// Run the cases listed in --deviations anyway (their failures count).
    #[arg(long, requires = "deviations")]
    include_deviations: bool,
    /// A previous `--format json` report: only cases that passed there and fail now (or
    /// new cases that fail) make the run fail.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Treat `acceptable` results (a tolerated quirk) as failures; the built-in
    /// implementation then runs in strict mode.
    #[arg(long)]
    strict: bool,
    /// What hardening failures do (docs/adapter.md, "Conformance and hardening"): fail the
    /// run, as conformance failures do, or only warn.
    #[arg(long, value_enum, default_value = "fail")]
    hardening: HardeningArg,
    /// Generative conformance (docs/adapter.md, "Generative runs"): N random messages per
    /// message type (default 100) from the spec tables, each signed, verified and parsed,
    /// compared with the built-in implementation; disagreements are shrunk.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "100")]
    generate: Option<u32>,
    /// Also draw values outside their field's format, length or value set (an amount `01`,
    /// an orderNo with a space): the cases holding one are robustness findings (flag Wild),
    /// reported but not failing the run.
    #[arg(long, requires = "generate")]
    generate_wild: bool,
    /// Fuzz the adapter (docs/adapter.md, "Fuzzing the adapter"): mutated wire messages a
    /// merchant receives, sent to its verify and parse and judged against the built-in
    /// implementation, for DURATION (`30s`, `5m`, `1h`) or N inputs; findings are shrunk.
    /// Exit 1 on a critical or robustness finding.
    #[arg(long, value_name = "DURATION|N", requires = "adapter")]
    fuzz: Option<String>,
    /// The seed of a generative or fuzz run (default: from the clock, printed in the
    /// report).
    #[arg(long, value_name = "S", requires = "seeded")]
    seed: Option<u64>,
    /// Run only case K (0-based) of each selected message of a generative run.
    #[arg(long, value_name = "K", requires = "generate")]
    case: Option<u32>,
}

/// Runs the subcommand: `Ok(exit code)` (0 all passed, 1 failures), `Err(one line)` for
/// unusable arguments or input (exit 2).
pub fn run(args: RunArgs) -> Result<u8, CliError> {
    if let Some(n) = args.generate {
        return run_generated(&args, n);
    }
    if let Some(budget) = &args.fuzz {
        return run_fuzz(&args, budget);
    }
    let dir = args
        .vectors
        .clone()
        .unwrap_or_else(allinpay_conformance::vectors_dir);
    let files = cases::load_dir(&dir).map_err(|e| e.to_string())?;
    let all: Vec<&Case> = files.iter().flat_map(|f| f.cases.iter()).collect();
    let selected: Vec<&Case> = if args.filter.is_empty() {
        all
    } else {
        all.into_iter()
            .filter(|c| args.filter.iter().any(|g| cases::glob_match(g, &c.id)))
            .collect()
    };
    if selected.is_empty() {
        return Err(CliError(format!(
            "no case matches --filter {:?} (see --list)",
            args.filter.join(" ")
        )));
    }
    if args.list {
        write_stdout(&report::list(&selected, args.format.into()));
        return Ok(0);
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(CliError(format!(
            "--timeout {} must be a number of seconds in (0, 3600]",
            args.timeout
        )));
    }
    let deviations = match &args.deviations {
        Some(p) => KnownFailures::load(p)?,
        None => KnownFailures::default(),
    };
    let baseline = match &args.baseline {
        Some(p) => Some(report::Baseline::load(p)?),
        None => None,
    };
    let judge = Judge {
        strict: args.strict,
        exact_violations: false,
    };
    let mut imp: Box<dyn Implementation> = match &args.adapter {
        Some(cmd) => Box::new(Adapter::start(cmd, Duration::from_secs_f64(args.timeout))?),
        None => Box::new(Builtin {
            mode: if args.strict {
                Mode::Strict
            } else {
                Mode::Lenient
            },
        }),
    };
    let (results, answers) = run_cases_answered(
        &selected,
        imp.as_mut(),
        judge,
        &deviations,
        args.include_deviations,
    );
    let mut report = Report::new(
        imp.describe(),
        args.strict,
        results,
        &deviations,
        baseline.as_ref(),
    )
    .with_hardening(args.hardening.into());
    drop(imp);
    report.explain(&answers);
    report.context = html_context(&args);
    finish(&report, &args)
}

/// What the HTML report's header says of the options.
fn html_context(args: &RunArgs) -> HtmlContext {
    let mut options = Vec::new();
    if let Some(p) = &args.deviations {
        options.push(("known failures".to_owned(), p.display().to_string()));
    }
    if let Some(p) = &args.baseline {
        options.push(("baseline".to_owned(), p.display().to_string()));
    }
    if !args.filter.is_empty() {
        options.push(("filter".to_owned(), args.filter.join(" ")));
    }
    if let Some(n) = args.generate {
        options.push(("generate".to_owned(), n.to_string()));
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = DateTime14::from_unix_cst(i64::try_from(secs).unwrap_or(0));
    HtmlContext {
        adapter: args.adapter.clone(),
        options,
        date: format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (UTC+8)",
            t.year, t.month, t.day, t.hour, t.minute, t.second
        ),
    }
}

/// Prints the report in `--format`, writes `--report-html`, and gives the exit code.
fn finish(report: &Report, args: &RunArgs) -> Result<u8, CliError> {
    if let Some(path) = &args.report_html {
        std::fs::write(path, report.render(ReportFormat::Html))
            .map_err(|e| CliError(format!("--report-html {}: {e}", path.display())))?;
    }
    write_stdout(&report.render(args.format.into()));
    Ok(u8::from(report.failed() > 0))
}

/// `run --generate N`: the generative run (`generate/`), reported like `run`.
fn run_generated(args: &RunArgs, n: u32) -> Result<u8, CliError> {
    if n == 0 || n > generate::MAX_N {
        return Err(CliError(format!(
            "--generate {n} must be between 1 and {}",
            generate::MAX_N
        )));
    }
    if args.list {
        return Err(CliError(
            "--list does not apply to --generate (the cases are generated)".into(),
        ));
    }
    if args.deviations.is_some() || args.vectors.is_some() {
        return Err(CliError(
            "--deviations and --vectors do not apply to --generate".into(),
        ));
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(CliError(format!(
            "--timeout {} must be a number of seconds in (0, 3600]",
            args.timeout
        )));
    }
    let baseline = match &args.baseline {
        Some(p) => Some(report::Baseline::load(p)?),
        None => None,
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
    });
    let mode = if args.strict {
        Mode::Strict
    } else {
        Mode::Lenient
    };
    let opts = GenOptions {
        n,
        seed,
        case: args.case,
        filter: args.filter.clone(),
        mode,
        adapter: args.adapter.clone(),
        strict: args.strict,
        wild: args.generate_wild,
    };
    if let Some(k) = args.case {
        if k >= n {
            return Err(CliError(format!(
                "--case {k} is not below --generate {n} (cases are numbered from 0)"
            )));
        }
    }
    let mut imp: Box<dyn Implementation> = match &args.adapter {
        Some(cmd) => Box::new(Adapter::start(cmd, Duration::from_secs_f64(args.timeout))?),
        None => Box::new(Builtin { mode }),
    };
    let (results, answers) = generate::run_answered(&opts, imp.as_mut())?;
    let describe = format!(
        "{}; generated: {n} messages per type{}, seed {seed}{}",
        imp.describe(),
        if args.generate_wild {
            ", out-of-format values too (--generate-wild)"
        } else {
            ""
        },
        args.case.map(|k| format!(", case {k}")).unwrap_or_default()
    );
    let mut report = Report::new(
        describe,
        args.strict,
        results,
        &KnownFailures::default(),
        baseline.as_ref(),
    )
    .with_hardening(args.hardening.into());
    drop(imp);
    report.explain(&answers);
    report.context = html_context(args);
    report
        .context
        .options
        .push(("seed".to_owned(), seed.to_string()));
    finish(&report, args)
}

/// `run --adapter CMD --fuzz DURATION|N`: the fuzz run (`fuzz/`), its findings and summary
/// on stdout, the progress line on stderr.
fn run_fuzz(args: &RunArgs, budget: &str) -> Result<u8, CliError> {
    let Some(budget) = fuzz::Budget::parse(budget) else {
        return Err(CliError(format!(
            "--fuzz {budget:?} must be a duration (30s, 5m, 1h, 500ms) or a number of inputs (1 to {})",
            fuzz::MAX_INPUTS
        )));
    };
    let Some(cmd) = &args.adapter else {
        return Err(CliError("--fuzz needs --adapter".into()));
    };
    if args.list
        || args.deviations.is_some()
        || args.baseline.is_some()
        || !args.filter.is_empty()
        || args.report_html.is_some()
    {
        return Err(CliError(
            "--list, --filter, --deviations, --baseline and --report-html do not apply to --fuzz"
                .into(),
        ));
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(CliError(format!(
            "--timeout {} must be a number of seconds in (0, 3600]",
            args.timeout
        )));
    }
    let json = match args.format {
        FormatArg::Text => false,
        FormatArg::Json => true,
        _ => {
            return Err(CliError(
                "--format: a fuzz run's report is text or json".into(),
            ))
        }
    };
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
    });
    let vectors = args
        .vectors
        .clone()
        .unwrap_or_else(allinpay_conformance::vectors_dir);
    // The corpora and regressions of this repository's fuzz targets, when it is at hand.
    let corpus =
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz")).filter(|p| p.is_dir());
    let opts = fuzz::FuzzOptions {
        budget,
        seed,
        mode: if args.strict {
            Mode::Strict
        } else {
            Mode::Lenient
        },
        adapter: cmd.clone(),
        vectors,
        corpus,
        progress: true,
    };
    let seeds =
        fuzz::load_seeds(&opts.vectors, opts.corpus.as_deref()).map_err(|e| e.to_string())?;
    if seeds.is_empty() {
        return Err(CliError(format!(
            "no starting message: {} holds no valid verify or parse case of a message a merchant receives",
            opts.vectors.display()
        )));
    }
    let mut adapter = Adapter::start(cmd, Duration::from_secs_f64(args.timeout))?;
    adapter.keep_restarting();
    let summary = fuzz::run(&opts, &seeds, &mut adapter);
    let describe = adapter.describe();
    drop(adapter);
    if json {
        write_stdout(&format!("{:#}\n", summary.json(&opts, &describe)));
    } else {
        write_stdout(&summary.render(&opts, &describe));
    }
    Ok(u8::from(summary.failed()))
}
