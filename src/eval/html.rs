//! `kefu eval --html FILE`: the report as one self-contained page (inline
//! CSS and SVG, no scripts, nothing fetched), so it can be mailed, attached
//! to a pull request or opened from a CI artifact as is.

use std::fmt::Write;

use super::metrics::{pct, DecisionReport, Group, SweepPoint};
use super::report::EvalReport;
use crate::html::{escape, Page};

const STYLE: &str = "body{font:14px/1.45 system-ui,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;\
margin:2em auto;max-width:1100px;color:#1f2328;padding:0 1em}h1{font-size:1.5em}h2{margin-top:2em;\
border-bottom:1px solid #d0d7de;padding-bottom:.2em}table{border-collapse:collapse;margin:.5em 0}\
td,th{padding:.25em .7em;border-bottom:1px solid #eaeef2;text-align:right;vertical-align:top}\
th{background:#f6f8fa}td.l,th.l{text-align:left}.cards{display:flex;flex-wrap:wrap;gap:1em}\
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;min-width:9em}.card b{display:block;\
font-size:1.6em}.muted{color:#59636e}svg text{font:11px system-ui,sans-serif;fill:#1f2328}\
.legend span{display:inline-block;margin-right:1.2em}.sw{display:inline-block;width:.9em;height:.9em;\
margin-right:.3em;vertical-align:-.1em;border-radius:2px}pre{background:#f6f8fa;padding:.8em;overflow:auto}";

const PRECISION: &str = "#0969da";
const COVERAGE: &str = "#1a7f37";
const HANDOFF: &str = "#bc4c00";
const WRONG: &str = "#cf222e";
const CLARIFY: &str = "#bf8700";
const PERSON: &str = "#8c959f";

/// The whole page.
pub fn render(r: &EvalReport) -> String {
    let mut h = String::new();
    let title = escape(&r.title);
    let _ = write!(
        h,
        "<h1>kefu eval</h1><p>{title}<br><span class=\"muted\">{} questions \
         ({} in scope, {} out of scope); ranking: {}</span></p>",
        r.questions,
        r.in_scope,
        r.out_of_scope,
        escape(&r.ranking)
    );
    cards(&mut h, r);
    h.push_str("<h2>Ranking</h2><table><tr><th class=\"l\">ranking</th><th>top-1</th><th>recall@3</th><th>recall@5</th><th>MRR</th></tr>");
    let measured = (format!("<b>{} (measured)</b>", escape(&r.ranking)), &r.retrieval);
    for (name, q) in r
        .rankings
        .iter()
        .map(|row| (escape(&row.name), &row.retrieval))
        .chain(std::iter::once(measured))
    {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td></tr>",
            pct(q.top1),
            pct(q.recall_at_3),
            pct(q.recall_at_5),
            q.mrr
        );
    }
    h.push_str("</table>");

    h.push_str(
        "<h2>Precision against coverage</h2><p class=\"muted\">Each point is an answer threshold: \
                answering more questions without a person (right) costs precision (down).</p>",
    );
    h.push_str(&precision_coverage_chart(r));
    h.push_str("<h2>Threshold sweep</h2>");
    h.push_str(&threshold_chart(r));

    h.push_str("<h2>Decisions by category</h2>");
    h.push_str(&legend(&[
        (COVERAGE, "answered right"),
        (WRONG, "answered wrong"),
        (CLARIFY, "clarified"),
        (PERSON, "handed off"),
    ]));
    groups_table(&mut h, "category", &r.by_category);
    h.push_str("<h2>By language</h2>");
    groups_table(&mut h, "locale", &r.by_locale);

    if let Some(c) = &r.calibration {
        let _ = write!(
            h,
            "<h2>Calibration</h2><p>For answered precision ≥ {} on {}: answer ≥ {:.2}, clarify ≥ {:.2}.</p>",
            pct(c.target_precision),
            escape(&c.fitted_on),
            c.thresholds.answer,
            c.thresholds.clarify
        );
        h.push_str("<table><tr><th class=\"l\">measured on</th><th>answered precision</th><th>coverage</th><th>out-of-scope handed off</th></tr>");
        for (label, d) in [(&c.fitted_on, &c.on_fitted), (&c.estimate_from, &c.estimate)] {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(label),
                pct(d.answered_precision),
                pct(d.coverage),
                pct(d.out_of_scope_handoff_recall)
            );
        }
        let _ = write!(h, "</table><pre>{}</pre>", escape(&c.config));
    }

    let _ = write!(
        h,
        "<h2>Worst misses</h2><p class=\"muted\">Most confident first: these reach users.</p>\
         <table><tr><th class=\"l\">question</th><th class=\"l\">expected</th><th>rank</th><th>confidence</th>\
         <th class=\"l\">decision</th><th class=\"l\">top candidates</th></tr>"
    );
    for m in &r.misses {
        let candidates: Vec<String> = m
            .candidates
            .iter()
            .map(|c| {
                format!(
                    "{} <span class=\"muted\">{} · {:.2}</span>",
                    escape(c.article_id.as_str()),
                    escape(&c.title),
                    c.fused
                )
            })
            .collect();
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}<br><span class=\"muted\">{}</span></td><td>{}</td>\
             <td>{:.2}</td><td class=\"l\">{:?}</td><td class=\"l\">{}</td></tr>",
            escape(&m.query),
            escape(&m.expected),
            escape(&m.expected_title),
            m.rank.map_or("–".to_string(), |r| r.to_string()),
            m.confidence,
            m.decision,
            candidates.join("<br>")
        );
    }
    h.push_str("</table>");
    Page {
        lang: "en",
        title: &format!("kefu eval: {}", r.title),
        head: &format!("<style>{STYLE}</style>"),
        body: &h,
    }
    .render()
}

fn cards(h: &mut String, r: &EvalReport) {
    let mut cards = vec![
        ("top-1", pct(r.retrieval.top1)),
        ("MRR", format!("{:.3}", r.retrieval.mrr)),
        ("answered precision", pct(r.decisions.answered_precision)),
        ("coverage", pct(r.decisions.coverage)),
    ];
    if r.out_of_scope > 0 {
        cards.push(("out-of-scope handed off", pct(r.decisions.out_of_scope_handoff_recall)));
    }
    if let Some(a) = r.out_of_scope_auroc {
        cards.push(("out-of-scope AUROC", format!("{a:.3}")));
    }
    if let Some(l) = &r.latency {
        cards.push(("p50 / p99 latency", format!("{:.0}/{:.0} ms", l.p50_ms, l.p99_ms)));
    }
    h.push_str("<div class=\"cards\">");
    for (label, value) in cards {
        let _ = write!(h, "<div class=\"card\"><b>{value}</b>{label}</div>");
    }
    h.push_str("</div>");
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from("<p class=\"legend\">");
    for (color, label) in items {
        let _ = write!(
            s,
            "<span><i class=\"sw\" style=\"background:{color}\"></i>{label}</span>"
        );
    }
    s.push_str("</p>");
    s
}

/// A plot area of `W`×`H` pixels inside margins, with both axes in [0, 1]
/// (the y axis from `y_min`).
struct Plot {
    svg: String,
    y_min: f64,
}

const W: f64 = 560.0;
const H: f64 = 300.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 12.0;

impl Plot {
    fn new(x_label: &str, y_label: &str, y_min: f64) -> Plot {
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" role=\"img\">",
            LEFT + W + 16.0,
            TOP + H + 44.0
        );
        for i in 0..=5 {
            let v = i as f64 / 5.0;
            let x = LEFT + v * W;
            let yv = y_min + v * (1.0 - y_min);
            let y = TOP + H - v * H;
            let _ = write!(
                svg,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#eaeef2\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.0}%</text>\
                 <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{:.0}%</text>",
                LEFT + W,
                LEFT - 6.0,
                y + 4.0,
                100.0 * yv,
                TOP + H + 16.0,
                100.0 * v
            );
        }
        let _ = write!(
            svg,
            "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{W}\" height=\"{H}\" fill=\"none\" stroke=\"#8c959f\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x_label}</text>\
             <text transform=\"translate(12 {}) rotate(-90)\" text-anchor=\"middle\">{y_label}</text>",
            LEFT + W / 2.0,
            TOP + H + 36.0,
            TOP + H / 2.0
        );
        Plot { svg, y_min }
    }

    fn point(&self, x: f64, y: f64) -> (f64, f64) {
        let y = ((y - self.y_min) / (1.0 - self.y_min)).clamp(0.0, 1.0);
        (LEFT + x.clamp(0.0, 1.0) * W, TOP + H - y * H)
    }

    fn line(&mut self, points: &[(f64, f64)], color: &str) {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| {
                let (px, py) = self.point(x, y);
                format!("{px:.1},{py:.1}")
            })
            .collect();
        let _ = write!(
            self.svg,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
    }

    fn vertical(&mut self, x: f64, label: &str) {
        let (px, _) = self.point(x, 0.0);
        let _ = write!(
            self.svg,
            "<line x1=\"{px}\" x2=\"{px}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"#59636e\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            TOP + H,
            px + 3.0,
            TOP + 12.0,
            escape(label)
        );
    }

    fn horizontal(&mut self, y: f64, label: &str) {
        let (_, py) = self.point(0.0, y);
        let _ = write!(
            self.svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{py}\" y2=\"{py}\" stroke=\"#59636e\" stroke-dasharray=\"4 3\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            LEFT + W,
            LEFT + 4.0,
            py - 4.0,
            escape(label)
        );
    }

    fn dot(&mut self, x: f64, y: f64, color: &str, label: &str) {
        let (px, py) = self.point(x, y);
        // Labels of points near the right edge go to their left, inside the plot.
        let (tx, anchor) = if x > 0.7 {
            (px - 8.0, "end")
        } else {
            (px + 8.0, "start")
        };
        let _ = write!(
            self.svg,
            "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"5\" fill=\"{color}\"/>\
             <text x=\"{tx:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            py + 16.0,
            escape(label)
        );
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// The sweep point nearest a threshold.
fn at(sweep: &[SweepPoint], threshold: f32) -> Option<&SweepPoint> {
    sweep.iter().min_by(|a, b| {
        (a.threshold - threshold)
            .abs()
            .total_cmp(&(b.threshold - threshold).abs())
    })
}

fn precision_coverage_chart(r: &EvalReport) -> String {
    let lowest = r.sweep.iter().map(|p| p.answered_precision).fold(1.0, f64::min);
    let y_min = ((lowest * 10.0).floor() / 10.0).clamp(0.0, 0.9);
    let mut plot = Plot::new("coverage (in-scope questions answered)", "answered precision", y_min);
    let points: Vec<(f64, f64)> = r
        .sweep
        .iter()
        .filter(|p| p.coverage > 0.0)
        .map(|p| (p.coverage, p.answered_precision))
        .collect();
    plot.line(&points, PRECISION);
    if let Some(c) = &r.calibration {
        plot.horizontal(c.target_precision, &format!("target {}", pct(c.target_precision)));
    }
    if let Some(p) = at(&r.sweep, r.thresholds.answer) {
        plot.dot(
            p.coverage,
            p.answered_precision,
            HANDOFF,
            &format!("answer ≥ {:.2}", r.thresholds.answer),
        );
    }
    plot.finish()
}

fn threshold_chart(r: &EvalReport) -> String {
    let mut plot = Plot::new("answer threshold (confidence)", "share", 0.0);
    let series = |f: fn(&SweepPoint) -> f64| -> Vec<(f64, f64)> {
        r.sweep.iter().map(|p| (f64::from(p.threshold), f(p))).collect()
    };
    plot.line(&series(|p| p.answered_precision), PRECISION);
    plot.line(&series(|p| p.coverage), COVERAGE);
    if r.out_of_scope > 0 {
        plot.line(&series(|p| p.out_of_scope_handoff_recall), HANDOFF);
    }
    plot.vertical(f64::from(r.thresholds.answer), "answer");
    plot.vertical(f64::from(r.thresholds.clarify), "clarify");
    let mut items = vec![(PRECISION, "answered precision"), (COVERAGE, "coverage")];
    if r.out_of_scope > 0 {
        items.push((HANDOFF, "out-of-scope handed off"));
    }
    format!("{}{}", legend(&items), plot.finish())
}

fn bar(d: &DecisionReport) -> String {
    let parts = [
        (d.answered_right, COVERAGE),
        (d.answered_wrong + d.answered_out_of_scope, WRONG),
        (
            d.clarified_right + d.clarified_wrong + d.clarified_out_of_scope,
            CLARIFY,
        ),
        (
            d.handed_off_as_required + d.handed_off_in_scope + d.handed_off_out_of_scope,
            PERSON,
        ),
    ];
    let total = d.total().max(1) as f64;
    let width = 220.0;
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"14\">");
    let mut x = 0.0;
    for (n, color) in parts {
        let w = n as f64 / total * width;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"0\" width=\"{w:.1}\" height=\"14\" fill=\"{color}\"><title>{n}</title></rect>"
        );
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

fn groups_table(h: &mut String, heading: &str, groups: &[Group]) {
    let _ = write!(
        h,
        "<table><tr><th class=\"l\">{heading}</th><th>questions</th><th>top-1</th><th>recall@3</th><th>MRR</th>\
         <th>answered precision</th><th class=\"l\">decisions</th></tr>"
    );
    for g in groups {
        let [top1, recall_at_3, mrr] = g.retrieval.cells();
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{top1}</td><td>{recall_at_3}</td><td>{mrr}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            escape(&g.name),
            g.questions,
            pct(g.decisions.answered_precision),
            bar(&g.decisions)
        );
    }
    h.push_str("</table>");
}
