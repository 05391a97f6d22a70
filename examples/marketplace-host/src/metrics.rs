//! Prometheus metrics (`GET /metrics`, OpenMetrics text through the `prometheus-client`
//! crate): request counts and latency per route, recommendations served, impressions, the
//! funnel (outcomes by kind), live-match pushes and their fan-out time, and the engine's size.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

/// Latency buckets in seconds (0.5 ms … 10 s).
const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Every metric the host exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    http_requests: Family<Labels, Counter>,
    http_latency: Family<Labels, Histogram, fn() -> Histogram>,
    recommendations: Family<Labels, Counter>,
    impressions: Counter,
    outcomes: Family<Labels, Counter>,
    live_events: Counter,
    live_fanout: Histogram,
    engine_sync_failures: Counter,
    freelancers: Gauge,
    jobs: Gauge,
    live_subscribers: Gauge,
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("fairmatch_host");
        let http_requests = Family::<Labels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by method, route and status",
            http_requests.clone(),
        );
        let http_latency =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by method and route",
            http_latency.clone(),
        );
        let recommendations = Family::<Labels, Counter>::default();
        registry.register(
            "recommendations_served",
            "Recommendation lists served, by direction",
            recommendations.clone(),
        );
        let impressions = Counter::default();
        registry.register(
            "impressions_recorded",
            "Items shown in served lists",
            impressions.clone(),
        );
        let outcomes = Family::<Labels, Counter>::default();
        registry.register(
            "outcomes_recorded",
            "Funnel outcomes recorded, by kind (viewed, applied, shortlisted, hired, completed, reviewed)",
            outcomes.clone(),
        );
        let live_events = Counter::default();
        registry.register(
            "live_match_events",
            "Live-match events pushed to connected freelancers",
            live_events.clone(),
        );
        let live_fanout = latency_histogram();
        registry.register(
            "live_match_fanout_seconds",
            "Time from a job opening to its last live-match event",
            live_fanout.clone(),
        );
        let engine_sync_failures = Counter::default();
        registry.register(
            "engine_sync_failures",
            "Committed writes the engine rejected afterwards (should stay 0)",
            engine_sync_failures.clone(),
        );
        let freelancers = Gauge::default();
        registry.register(
            "engine_freelancers",
            "Freelancers in the engine",
            freelancers.clone(),
        );
        let jobs = Gauge::default();
        registry.register("engine_jobs", "Jobs in the engine", jobs.clone());
        let live_subscribers = Gauge::default();
        registry.register(
            "live_match_subscribers",
            "Connected live-match streams",
            live_subscribers.clone(),
        );
        Self {
            registry,
            http_requests,
            http_latency,
            recommendations,
            impressions,
            outcomes,
            live_events,
            live_fanout,
            engine_sync_failures,
            freelancers,
            jobs,
            live_subscribers,
        }
    }

    /// Counts one finished request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http_requests
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.to_owned()),
                ("status", status.to_string()),
            ])
            .inc();
        self.http_latency
            .get_or_create(&vec![
                ("method", method.to_owned()),
                ("route", route.to_owned()),
            ])
            .observe(seconds);
    }

    /// Counts a served list of `shown` items.
    pub fn recommendation(&self, direction: &str, shown: usize) {
        self.recommendations
            .get_or_create(&vec![("direction", direction.to_owned())])
            .inc();
        self.impressions.inc_by(shown as u64);
    }

    /// Counts one funnel outcome.
    pub fn outcome(&self, kind: fairmatch::OutcomeKind) {
        let name = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        self.outcomes.get_or_create(&vec![("kind", name)]).inc();
    }

    /// Counts live-match events and the fan-out time of one opened job.
    pub fn live_fanout(&self, events: usize, seconds: f64) {
        self.live_events.inc_by(events as u64);
        self.live_fanout.observe(seconds);
    }

    /// Sets the number of connected live-match streams.
    pub fn live_subscribers(&self, n: usize) {
        self.live_subscribers.set(n as i64);
    }

    /// Counts an engine input the engine rejected after its commit.
    pub fn sync_failure(&self) {
        self.engine_sync_failures.inc();
    }

    /// Engine failures so far.
    pub fn sync_failures(&self) -> u64 {
        self.engine_sync_failures.get()
    }

    /// Sets the engine's size.
    pub fn engine_size(&self, freelancers: usize, jobs: usize) {
        self.freelancers.set(freelancers as i64);
        self.jobs.set(jobs as i64);
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_histograms() {
        let m = Metrics::new();
        m.request("GET", "/jobs/{id}", 200, 0.003);
        m.recommendation("freelancers_for_job", 10);
        m.outcome(fairmatch::OutcomeKind::Hired);
        let text = m.render();
        assert!(text.contains(
            "fairmatch_host_http_requests_total{method=\"GET\",route=\"/jobs/{id}\",status=\"200\"} 1"
        ), "{text}");
        assert!(text.contains("fairmatch_host_impressions_recorded_total 10"));
        assert!(text.contains("fairmatch_host_outcomes_recorded_total{kind=\"hired\"} 1"));
        assert!(text.contains("fairmatch_host_http_request_duration_seconds_bucket"));
        assert!(text.ends_with("# EOF\n"));
    }
}
