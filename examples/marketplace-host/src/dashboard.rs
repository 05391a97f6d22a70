//! `GET /dashboard`: one server-rendered page (maud) for the operator, with inline SVG charts
//! (plotters) and no JavaScript: exposure share against population share per group over
//! time, the funnel per group (impression → view → proposal → shortlist → hire → completed),
//! rating gaps with Benjamini–Hochberg adjusted p-values, disparate impact, and the fairness
//! policy in force. Every number is the engine's audit (`Engine::audit`) of the chosen
//! freelancer attribute; the page only lays it out. `GET /login` is the form that sets the
//! session cookie the page reads.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use fairmatch::FairnessOptions;
use fairmatch::engine::{AuditOptions, AuditReport};

use crate::auth::{PageCaller, Role};
use crate::charts::{self, css_color, group_label};
use crate::clock::{DAY, Ts, rfc3339, to_datetime};
use crate::error::{ApiError, ApiResult};
use crate::host::Host;
use crate::service::accounts::{self, LoginBody};
use crate::service::admin::parse_window;

/// `GET /dashboard` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The freelancer attribute whose values are the groups (default `region`, or the first
    /// attribute any freelancer disclosed).
    pub attribute: Option<String>,
    /// The window: `30d`, `12w`, `all`, … (default `12w`).
    pub window: Option<String>,
}

const STAGES: [&str; 6] = [
    "impression",
    "view",
    "proposal",
    "shortlist",
    "hire",
    "completed",
];

/// Headline counts of the marketplace.
#[derive(Debug, Clone, Default)]
struct Totals {
    freelancers: i64,
    open_jobs: i64,
    active_contracts: i64,
    completed_contracts: i64,
    lists_served: i64,
    published_reviews: i64,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
struct Data {
    attribute: String,
    attributes: Vec<String>,
    window: String,
    groups: Vec<String>,
    period_labels: Vec<String>,
    exposure: ExposureSeries,
    report: AuditReport,
    policy: Option<FairnessOptions>,
    totals: Totals,
    now: Ts,
}

/// Freelancer attribute names any profile discloses, sorted.
async fn attribute_names(host: &Host) -> ApiResult<Vec<String>> {
    let rows = sqlx::query_scalar::<_, String>("SELECT profile FROM freelancers")
        .fetch_all(&host.db)
        .await?;
    let mut names = BTreeSet::new();
    for r in rows {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(&r)
            && let Some(serde_json::Value::Object(a)) = m.get("attributes")
        {
            names.extend(a.keys().cloned());
        }
    }
    Ok(names.into_iter().collect())
}

async fn totals(host: &Host) -> ApiResult<Totals> {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&host.db).await
    };
    Ok(Totals {
        freelancers: count("SELECT COUNT(*) FROM freelancers").await?,
        open_jobs: count("SELECT COUNT(*) FROM jobs WHERE status = 'open'").await?,
        active_contracts: count(
            "SELECT COUNT(*) FROM contracts WHERE status IN ('active', 'delivered', 'changes_requested')",
        )
        .await?,
        completed_contracts: count("SELECT COUNT(*) FROM contracts WHERE status = 'completed'").await?,
        lists_served: count("SELECT COUNT(*) FROM rec_requests").await?,
        published_reviews: count("SELECT COUNT(*) FROM reviews WHERE published_at IS NOT NULL").await?,
    })
}

/// The periods of the exposure chart: day-aligned, daily up to a month, weekly beyond,
/// at most 26 of them, ending with the current day.
fn periods(now: Ts, window: Option<Ts>) -> Vec<(Ts, Ts)> {
    let end = (now.div_euclid(DAY) + 1) * DAY;
    let span = window.unwrap_or(26 * 7 * DAY);
    let step = if span <= 31 * DAY { DAY } else { 7 * DAY };
    let n = (span.div_euclid(step)).clamp(1, 26);
    (0..n)
        .map(|i| {
            let from = end - (n - i) * step;
            (from, from + step)
        })
        .collect()
}

/// Per group: its exposure share per period (`None`: nobody shown) and its population share.
type ExposureSeries = Vec<(String, Vec<Option<f64>>, f64)>;

/// The audits behind the page: the whole window, period labels, the exposure series, and
/// the groups in display order.
type Audits = (AuditReport, Vec<String>, ExposureSeries, Vec<String>);

/// Blocking: the audits behind the page.
fn audits(host: &Host, attribute: &str, window: Option<Ts>, now: Ts) -> ApiResult<Audits> {
    let report = crate::service::admin::run_audit(host, attribute, window)?;
    let mut groups: Vec<String> = report.groups.iter().map(|g| g.group.clone()).collect();
    groups.sort_by(|a, b| (a.is_empty(), a).cmp(&(b.is_empty(), b)));
    let spans = periods(now, window);
    let mut per_group: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(spans.len()); groups.len()];
    let mut labels = Vec::with_capacity(spans.len());
    for (from, to) in &spans {
        labels.push(to_datetime(*from).format("%b %d").to_string());
        let mut opts = AuditOptions::new(attribute);
        opts.from = Some(to_datetime(*from));
        opts.to = Some(to_datetime(*to));
        let r = host.engine.audit(&opts).map_err(ApiError::internal)?;
        let shown: u64 = r.groups.iter().map(|g| g.impressions).sum();
        for (gi, g) in groups.iter().enumerate() {
            let share = r
                .groups
                .iter()
                .find(|x| &x.group == g)
                .map_or(0.0, |x| x.exposure_share);
            per_group[gi].push((shown > 0).then_some(share));
        }
    }
    let exposure = groups
        .iter()
        .zip(per_group)
        .map(|(g, s)| {
            let pop = report
                .groups
                .iter()
                .find(|x| &x.group == g)
                .map_or(0.0, |x| x.population_share);
            (g.clone(), s, pop)
        })
        .collect();
    Ok((report, labels, exposure, groups))
}

async fn collect(host: &Arc<Host>, q: DashboardQuery) -> ApiResult<Data> {
    let attributes = attribute_names(host).await?;
    let attribute = q
        .attribute
        .filter(|a| !a.trim().is_empty())
        .or_else(|| attributes.iter().find(|a| *a == "region").cloned())
        .or_else(|| attributes.first().cloned())
        .unwrap_or_else(|| "region".to_owned());
    let window_text = q.window.unwrap_or_else(|| "12w".to_owned());
    let window = parse_window(Some(&window_text))?;
    let now = host.now();
    let h = host.clone();
    let attr = attribute.clone();
    let (report, period_labels, exposure, groups) =
        tokio::task::spawn_blocking(move || audits(&h, &attr, window, now)).await??;
    Ok(Data {
        attribute,
        attributes,
        window: window_text,
        groups,
        period_labels,
        exposure,
        report,
        policy: host.policy(),
        totals: totals(host).await?,
        now,
    })
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "–".into()
    }
}

fn num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "–".into()
    }
}

fn pvalue(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

/// One sentence about a policy.
fn describe(p: &Option<FairnessOptions>) -> String {
    let Some(p) = p else {
        return "No re-ranking: freelancers are listed in score order. Requests may still \
                name a policy with the `fairness` parameter."
            .into();
    };
    let kind = serde_json::to_value(&p.policy)
        .ok()
        .and_then(|v| v.get("type").and_then(|t| t.as_str().map(str::to_owned)))
        .unwrap_or_else(|| "policy".into());
    let name = match kind.as_str() {
        "fair" => "FA*IR (Zehlike et al. 2017)",
        "det_greedy" | "det_cons" | "det_relaxed" | "det_const_sort" => {
            "Geyik et al. (2019) proportional re-ranking"
        }
        "fair_co" => "FairCo amortised exposure control (Morik et al. 2020)",
        "exploration" => "cold-start exploration",
        "mmr" => "maximal marginal relevance",
        "round_robin" => "attribute round-robin",
        "chain" => "a chain of policies",
        _ => "a re-ranking policy",
    };
    let groups = if p.groups.is_empty() {
        String::new()
    } else {
        format!(
            " over the groups {} of attribute `{}`",
            p.groups.join(", "),
            p.attribute.clone().unwrap_or_default()
        )
    };
    format!(
        "Every freelancer recommendation runs {name} (`{kind}`){groups}, re-ranking the best {} candidates.",
        p.pool
            .map_or_else(|| "max(5·k, 100)".to_owned(), |n| n.to_string())
    )
}

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body { (body) }
        }
    }
}

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header a{color:#9cc9ff;margin-right:10px;text-decoration:none}
header a.on{color:#fff;font-weight:600;text-decoration:underline}
main{max-width:920px;margin:0 auto;padding:18px}
section{background:#fff;border-radius:8px;padding:16px 20px;margin:14px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 8px}
p.note{color:#5b6476;font-size:13px;margin:6px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;background:none;box-shadow:none;padding:0}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:20px}
.card span{font-size:12px;color:#5b6476}
table{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
th,td{padding:5px 8px;border-bottom:1px solid #e3e6eb;text-align:right}
th:first-child,td:first-child{text-align:left}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.sig{font-weight:700;color:#b3261e}
pre{background:#f4f5f7;padding:10px;border-radius:6px;overflow:auto;font-size:12px}
svg{max-width:100%;height:auto}
form label{display:block;margin:10px 0 4px}
form input{width:100%;padding:8px;box-sizing:border-box}
form button{margin-top:14px;padding:8px 18px}
.error{color:#b3261e}
.legend{font-size:13px;margin:2px 0 6px}
.legend span{margin-right:16px;white-space:nowrap}
";

fn swatch(i: usize) -> Markup {
    html! { span.sw style=(format!("background:{}", css_color(i))) {} }
}

/// The colour legend of the groups, in chart order.
fn legend(groups: &[String]) -> Markup {
    html! {
        div.legend {
            @for (i, g) in groups.iter().enumerate() { span { (swatch(i)) (group_label(g)) } }
        }
    }
}

fn render(d: &Data) -> Result<Markup, String> {
    let r = &d.report;
    let color_of = |g: &str| d.groups.iter().position(|x| x == g).unwrap_or(0);
    let exposure_svg = charts::exposure_over_time(&d.period_labels, &d.exposure)?;
    let funnel_groups: Vec<(String, Vec<u64>)> = d
        .groups
        .iter()
        .filter_map(|g| r.groups.iter().find(|x| &x.group == g))
        .map(|g| {
            let f = &g.funnel;
            (
                g.group.clone(),
                vec![
                    f.impressions,
                    f.viewed,
                    f.applied,
                    f.shortlisted,
                    f.hired,
                    f.completed,
                ],
            )
        })
        .collect();
    let funnel_svg = charts::funnel(&STAGES, &funnel_groups)?;
    let significant = |x: &fairmatch::engine::RatingGap| {
        x.welch_p_adjusted < 0.05 || x.mann_whitney_p_adjusted < 0.05
    };
    let gaps: Vec<(usize, String, f64, bool)> = r
        .rating_gaps
        .iter()
        .map(|x| {
            (
                color_of(&x.group),
                x.group.clone(),
                x.mean_gap,
                significant(x),
            )
        })
        .collect();
    let gaps_svg = if gaps.is_empty() {
        String::new()
    } else {
        charts::rating_gaps(&gaps)?
    };
    let policy_json = serde_json::to_string_pretty(&d.policy).unwrap_or_default();
    let link =
        |attribute: &str, window: &str| format!("/dashboard?attribute={attribute}&window={window}");
    Ok(page(
        "fairmatch · marketplace audit",
        html! {
            header {
                h1 { "Marketplace audit" }
                div {
                    "Group by: "
                    @for a in &d.attributes {
                        a class=(if *a == d.attribute { "on" } else { "" }) href=(link(a, &d.window)) { (a) }
                    }
                }
                div {
                    "Window: "
                    @for w in ["7d", "30d", "12w", "26w", "all"] {
                        a class=(if w == d.window { "on" } else { "" }) href=(link(&d.attribute, w)) { (w) }
                    }
                }
            }
            main {
                section.cards {
                    div.card { b { (d.totals.freelancers) } span { "freelancers" } }
                    div.card { b { (d.totals.open_jobs) } span { "open jobs" } }
                    div.card { b { (d.totals.active_contracts) } span { "running contracts" } }
                    div.card { b { (d.totals.completed_contracts) } span { "completed contracts" } }
                    div.card { b { (d.totals.lists_served) } span { "ranked lists served" } }
                    div.card { b { (d.totals.published_reviews) } span { "published reviews" } }
                    div.card { b { (num(r.exposure_gini, 3)) } span { "Gini of exposure" } }
                    div.card { b { (num(r.hire_rate_ratio, 2)) } span { "hire-rate ratio (min/max)" } }
                }
                section {
                    h2 { "Fairness policy in force" }
                    p { (describe(&d.policy)) }
                    pre { (policy_json) }
                    p.note { "Set it with PUT /admin/fairness-policy; a request may override it with ?fairness=." }
                }
                section {
                    h2 { "Exposure share vs population share, by " (d.attribute) }
                    (PreEscaped(exposure_svg))
                    (legend(&d.groups))
                    p.note {
                        "Solid: each group's share of position-weighted exposure per period (log position model). "
                        "Dashed: its share of live freelancers now. A line under its dashed line is seen less than its size."
                    }
                    table {
                        tr { th { "group" } th { "freelancers" } th { "population share" } th { "impressions" } th { "exposure share" } th { "exposure / population" } }
                        @for g in &d.groups {
                            @if let Some(x) = r.groups.iter().find(|x| &x.group == g) {
                                tr {
                                    td { (swatch(color_of(g))) (group_label(g)) }
                                    td { (x.population) }
                                    td { (pct(x.population_share)) }
                                    td { (x.impressions) }
                                    td { (pct(x.exposure_share)) }
                                    td { (num(x.exposure_ratio, 2)) }
                                }
                            }
                        }
                    }
                }
                section {
                    h2 { "Funnel by " (d.attribute) }
                    (PreEscaped(funnel_svg))
                    (legend(&d.groups))
                    table {
                        tr { th { "group" } @for s in STAGES { th { (s) } } th { "hire rate" } th { "disparate impact" } }
                        @for g in &d.groups {
                            @if let Some(x) = r.groups.iter().find(|x| &x.group == g) {
                                tr {
                                    td { (swatch(color_of(g))) (group_label(g)) }
                                    td { (x.funnel.impressions) } td { (x.funnel.viewed) } td { (x.funnel.applied) }
                                    td { (x.funnel.shortlisted) } td { (x.funnel.hired) } td { (x.funnel.completed) }
                                    td { (pct(x.hire_rate)) }
                                    td { (r.disparate_impact.get(g).map_or("–".to_owned(), |v| num(*v, 2))) }
                                }
                            }
                        }
                    }
                    p.note {
                        "Disparate impact: a group's hire rate per impression over the reference group's ("
                        (r.reference_group.as_deref().map(group_label).unwrap_or("none")) "); below 0.8 fails the four-fifths rule."
                        @if !r.undefined.is_empty() { " Undefined: " (r.undefined.join("; ")) "." }
                    }
                }
                section {
                    h2 { "Rating gaps by " (d.attribute) }
                    @if gaps.is_empty() {
                        p.note { "No group has published reviews against which to compare yet." }
                    } @else {
                        (PreEscaped(gaps_svg))
                    }
                    table {
                        tr { th { "group" } th { "reviews (group / rest)" } th { "mean gap" } th { "Welch p" } th { "BH-adjusted" } th { "Mann–Whitney p" } th { "BH-adjusted" } th { "rank-biserial" } }
                        @for x in &r.rating_gaps {
                            tr class=(if significant(x) { "sig" } else { "" }) {
                                td { (swatch(color_of(&x.group))) (group_label(&x.group)) }
                                td { (x.n.0) " / " (x.n.1) }
                                td { (format!("{:+.2}", x.mean_gap)) }
                                td { (pvalue(x.welch_p)) } td { (pvalue(x.welch_p_adjusted)) }
                                td { (pvalue(x.mann_whitney_p)) } td { (pvalue(x.mann_whitney_p_adjusted)) }
                                td { (num(x.rank_biserial, 3)) }
                            }
                        }
                    }
                    p.note {
                        "Each group against all others; p-values adjusted with Benjamini–Hochberg over the groups tested. "
                        "Bold red rows (outlined bars) differ at an adjusted p below 0.05."
                    }
                }
                p.note {
                    "Generated " (rfc3339(d.now)) " from the engine's audit (window " (d.window) "). "
                    "JSON: " a href=(format!("/admin/audit?attribute={}&window={}", d.attribute, d.window)) { "/admin/audit" }
                    " · " a href="/metrics" { "/metrics" } " · " a href="/openapi.json" { "/openapi.json" }
                }
            }
        },
    ))
}

/// The audit dashboard (admins; the session cookie or the bearer token). Without a session
/// it redirects to `/login`.
#[utoipa::path(get, path = "/dashboard", tag = "admin", params(DashboardQuery),
    responses((status = 200, content_type = "text/html", body = String),
              (status = 303, description = "no session: to /login"),
              (status = 403, content_type = "text/html", body = String)))]
pub async fn dashboard(
    State(host): State<Arc<Host>>,
    PageCaller(caller): PageCaller,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let Some(caller) = caller else {
        return Redirect::to("/login?next=/dashboard").into_response();
    };
    if caller.role != Role::Admin {
        let body = page(
            "fairmatch · forbidden",
            html! { main { section { h2 { "Admins only" } p { "The dashboard is for admin accounts." } } } },
        );
        return (StatusCode::FORBIDDEN, Html(body.into_string())).into_response();
    }
    let data = match collect(&host, q).await {
        Ok(d) => d,
        Err(e) => return error_page(e),
    };
    match render(&data) {
        Ok(m) => Html(m.into_string()).into_response(),
        Err(e) => error_page(ApiError::internal(e)),
    }
}

fn error_page(e: ApiError) -> Response {
    let body = page(
        "fairmatch · error",
        html! { main { section { h2 { "Cannot show the dashboard" } p.error { (e.message) } @if let Some(f) = &e.field { p { "Parameter: " (f) } } } } },
    );
    (e.status, Html(body.into_string())).into_response()
}

/// `GET /login` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Where to go after logging in (a path on this host).
    pub next: Option<String>,
}

/// The login form's fields.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LoginForm {
    /// The email.
    pub email: String,
    /// The password.
    pub password: String,
    /// Where to go next (a local path).
    #[serde(default)]
    pub next: Option<String>,
}

fn login_markup(next: &str, error: Option<&str>) -> String {
    page(
        "fairmatch · log in",
        html! {
            header { h1 { "fairmatch marketplace" } }
            main {
                section {
                    h2 { "Log in" }
                    @if let Some(e) = error { p.error { (e) } }
                    form method="post" action="/login" {
                        input type="hidden" name="next" value=(next);
                        label for="email" { "Email" }
                        input id="email" name="email" type="email" autocomplete="username" required;
                        label for="password" { "Password" }
                        input id="password" name="password" type="password" autocomplete="current-password" required;
                        button type="submit" { "Log in" }
                    }
                }
            }
        },
    )
    .into_string()
}

/// Only local paths are followed after a login (no open redirect).
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.to_owned(),
        _ => "/dashboard".to_owned(),
    }
}

/// The login form of the HTML pages.
#[utoipa::path(get, path = "/login", tag = "admin", params(LoginQuery),
    responses((status = 200, content_type = "text/html", body = String)))]
pub async fn login_page(Query(q): Query<LoginQuery>) -> Html<String> {
    Html(login_markup(&local_path(q.next.as_deref()), None))
}

/// Logs in from the form: sets the session cookie and redirects to `next`.
#[utoipa::path(post, path = "/login", tag = "admin",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "logged in"), (status = 401, content_type = "text/html", body = String),
              (status = 429, content_type = "text/html", body = String)))]
pub async fn login_form(
    State(host): State<Arc<Host>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = local_path(f.next.as_deref());
    let body = LoginBody {
        email: f.email,
        password: f.password,
    };
    match accounts::login(&host, body, Some(addr.ip())).await {
        Ok(t) => {
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                crate::api::session_cookie(&t.token, host.rules.token_ttl),
            );
            res
        }
        Err(e) => (e.status, Html(login_markup(&next, Some(&e.message)))).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_day_aligned_and_bounded() {
        let now = 100 * DAY + 3_600;
        let p = periods(now, Some(7 * DAY));
        assert_eq!(p.len(), 7);
        assert_eq!(p.last().unwrap().1, 101 * DAY);
        assert!(p.iter().all(|(a, b)| a % DAY == 0 && b - a == DAY));
        let p = periods(now, Some(12 * 7 * DAY));
        assert_eq!(p.len(), 12);
        assert_eq!(periods(now, None).len(), 26);
    }

    #[test]
    fn only_local_redirects() {
        assert_eq!(
            local_path(Some("/dashboard?attribute=region")),
            "/dashboard?attribute=region"
        );
        assert_eq!(local_path(Some("//evil.example")), "/dashboard");
        assert_eq!(local_path(Some("https://evil.example")), "/dashboard");
        assert_eq!(local_path(None), "/dashboard");
    }
}
