//! Small SVG charts (plotters, SVG backend, no system fonts): lines over rounds, bars with
//! confidence intervals, and a labelled scatter for trade-offs.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::LabError;
use super::eval::Estimate;

fn err(e: impl std::fmt::Display) -> LabError {
    LabError::Data(format!("plot: {e}"))
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-3);
    (lo - pad, hi + pad)
}

type Root<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type XyChart<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A white 760×440 SVG canvas.
fn canvas(path: &Path) -> Result<Root<'_>, LabError> {
    let root = SVGBackend::new(path, (760, 440)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    Ok(root)
}

/// Axes with a caption and axis descriptions.
fn xy_chart<'a, 'b>(
    root: &'a Root<'b>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    x_desc: &str,
    y_desc: &str,
) -> Result<XyChart<'a, 'b>, LabError> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    Ok(chart)
}

/// One line per series over x.
pub fn lines(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<(), LabError> {
    let root = canvas(path)?;
    let (x0, x1) = bounds(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)));
    let (y0, y1) = bounds(series.iter().flat_map(|s| s.1.iter().map(|p| p.1)));
    let mut chart = xy_chart(&root, title, x0..x1, y0..y1, x_desc, y_desc)?;
    for (i, (name, pts)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                pts.iter().copied().filter(|p| p.1.is_finite()),
                color.stroke_width(2),
            ))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Vertical bars with 95 % interval whiskers, one per name.
pub fn bars(
    path: &Path,
    title: &str,
    y_desc: &str,
    bars: &[(String, Estimate)],
) -> Result<(), LabError> {
    let root = canvas(path)?;
    let (_, y1) = bounds(bars.iter().map(|b| b.1.hi.max(b.1.mean)));
    let n = bars.len() as f64;
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..y1.max(1e-3))
        .map_err(err)?;
    chart
        .configure_mesh()
        .y_desc(y_desc)
        .x_labels(bars.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .disable_x_mesh()
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;
    for (i, (_, e)) in bars.iter().enumerate() {
        let x = i as f64;
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x - 0.35, 0.0), (x + 0.35, e.mean.max(0.0))],
                color.filled(),
            )))
            .map_err(err)?;
        if e.lo.is_finite() && e.hi.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, e.lo), (x, e.hi)],
                    BLACK.stroke_width(2),
                )))
                .map_err(err)?;
            for y in [e.lo, e.hi] {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x - 0.1, y), (x + 0.1, y)],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)
}

/// Labelled points (e.g. NDCG loss vs exposure Gini per policy).
pub fn scatter(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(String, f64, f64)],
) -> Result<(), LabError> {
    let root = canvas(path)?;
    let (x0, x1) = bounds(points.iter().map(|p| p.1));
    let (y0, y1) = bounds(points.iter().map(|p| p.2));
    // room on the right for the last label
    let mut chart = xy_chart(
        &root,
        title,
        x0..x1 + (x1 - x0) * 0.25,
        y0..y1,
        x_desc,
        y_desc,
    )?;
    for (i, (name, x, y)) in points.iter().enumerate() {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        labelled_point(&mut chart, name, (*x, *y), 5, Palette99::pick(i).to_rgba())?;
    }
    root.present().map_err(err)
}

/// Estimates against the values they estimate: each point `(name, truth, estimate, lo, hi)`
/// with its interval as a vertical bar, and the line y = x (a point on it is exact; an
/// interval that crosses it covers the truth). Written to `path`.
pub fn estimates_vs_truth(
    path: &Path,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(String, f64, f64, f64, f64)],
) -> Result<(), LabError> {
    let root = canvas(path)?;
    let all = points
        .iter()
        .flat_map(|p| [p.1, p.2, p.3, p.4])
        .collect::<Vec<_>>();
    let (lo, hi) = bounds(all.iter().copied());
    let mut chart = xy_chart(
        &root,
        title,
        lo..hi + (hi - lo) * 0.25,
        lo..hi,
        x_desc,
        y_desc,
    )?;
    chart
        .draw_series(LineSeries::new([(lo, lo), (hi, hi)], BLACK.mix(0.5)))
        .map_err(err)?
        .label("y = x (exact)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK.mix(0.5)));
    for (i, (name, x, y, l, h)) in points.iter().enumerate() {
        if ![*x, *y, *l, *h].iter().all(|v| v.is_finite()) {
            continue;
        }
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(*x, *l), (*x, *h)],
                color.stroke_width(2),
            )))
            .map_err(err)?;
        labelled_point(&mut chart, name, (*x, *y), 4, color)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// A filled circle of `radius` at `at` with `name` written beside it.
fn labelled_point(
    chart: &mut XyChart<'_, '_>,
    name: &str,
    at: (f64, f64),
    radius: u32,
    color: RGBAColor,
) -> Result<(), LabError> {
    chart
        .draw_series(std::iter::once(Circle::new(at, radius, color.filled())))
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(Text::new(
            name.to_owned(),
            at,
            ("sans-serif", 12).into_font(),
        )))
        .map_err(err)?;
    Ok(())
}
