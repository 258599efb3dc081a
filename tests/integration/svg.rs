//! The SVG timeline: pinned for a small scenario, well-formed XML with the lanes, axis
//! and legend, windowed for long runs, and drawn by a real browser (headless Chromium,
//! installed by `.ci/run`) as a picture that is not blank.

use crate::load;
use iosim::export::svg::{self, Window};
use std::process::Command;

fn svg_of(path: &str, sets: &[&str], from: Option<u64>, to: Option<u64>) -> String {
    let loaded = load(path, sets);
    let seed = loaded.scenario.seed;
    let kernel = iosim::run(&loaded.scenario, seed).unwrap();
    let end = kernel.trace().last().unwrap().time;
    svg::render(
        &kernel,
        &loaded.scenario.name,
        seed,
        Window::choose(from, to, end).unwrap(),
    )
}

/// The texts of an SVG document, in order.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn the_tour_svg_is_pinned() {
    let svg = svg_of("scenarios/tour.json", &[], None, None);
    let committed = std::fs::read_to_string("docs/tour.svg").unwrap();
    assert!(
        committed == svg,
        "docs/tour.svg is out of date: cargo run --release -- svg tour -o docs/tour.svg"
    );
    insta::assert_snapshot!("tour_svg", svg);
}

#[test]
fn the_svg_has_every_lane_an_axis_and_a_legend() {
    let svg = svg_of("scenarios/iocp-thread-pool.json", &[], None, None);
    let t = texts(&svg);
    for lane in [
        "cpu0",
        "cpu3",
        "thread Main",
        "thread W1",
        "thread W4",
        "disk0: disk driver",
        "disk0",
        "IRQ14 line",
        "IRPs in flight",
    ] {
        assert!(t.iter().any(|x| x == lane), "lane {lane} in {t:?}");
    }
    for legend in [
        "ISR",
        "DPC",
        "device transfer",
        "thread runs",
        "IRP lifetime",
        "thread waits",
        "thread ready",
        "driver at work",
    ] {
        assert!(t.iter().any(|x| x == legend), "legend {legend}");
    }
    assert!(
        t.iter().any(|x| x == "0 ms"),
        "an axis starting at 0: {t:?}"
    );
    let title = t.iter().find(|x| x.contains("–")).unwrap();
    assert!(title.starts_with("0–"), "{title}");
}

/// The fills of an SVG's bars whose tooltip starts with `kind`, with their opacity.
fn fills(svg: &str, kind: &str) -> Vec<(String, Option<String>, String)> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| {
            let title = n.children().find(|c| c.has_tag_name("title"))?.text()?;
            title.starts_with(kind).then(|| {
                (
                    n.attribute("fill").unwrap_or_default().to_string(),
                    n.attribute("fill-opacity").map(str::to_string),
                    title.to_string(),
                )
            })
        })
        .collect()
}

#[test]
fn each_thread_runs_in_the_walkthroughs_colour_and_its_ready_and_waiting_periods_show() {
    use kernel_sim::ThreadId;
    use tui::palette::thread_hex;
    let svg = svg_of("scenarios/iocp-thread-pool.json", &[], None, None);
    let runs = fills(&svg, "thread runs");
    // Main is thread 0, W1 thread 1: each run wears its thread's colour, the same
    // function the walkthrough's thread_color indexes.
    for (name, t) in [("Main", 0), ("W1", 1), ("W2", 2)] {
        let theirs: Vec<_> = runs
            .iter()
            .filter(|(_, _, title)| title.starts_with(&format!("thread runs {name}:")))
            .collect();
        assert!(!theirs.is_empty(), "{name} runs on a CPU lane");
        assert!(
            theirs
                .iter()
                .all(|(fill, _, _)| *fill == thread_hex(ThreadId(t))),
            "{name}: {theirs:?}"
        );
    }
    let colours: std::collections::BTreeSet<_> = runs.iter().map(|r| &r.0).collect();
    assert!(colours.len() >= 4, "threads told apart: {colours:?}");
    assert!(!fills(&svg, "thread waits").is_empty(), "waits drawn");
    // In the tour, T2 starts while T1 has the only CPU: it stands ready, drawn pale in
    // its colour on its lane (and so does T1, when T2 has the CPU).
    let svg = svg_of("scenarios/tour.json", &[], None, None);
    let ready = fills(&svg, "thread ready");
    assert!(!ready.is_empty(), "ready periods drawn");
    assert!(ready.iter().any(|r| r.2.starts_with("thread ready T2:")));
    for (fill, opacity, title) in &ready {
        let t = if title.starts_with("thread ready T2:") {
            1
        } else {
            0
        };
        assert_eq!(*fill, thread_hex(ThreadId(t)), "{title}");
        assert_eq!(opacity.as_deref(), Some("0.35"));
    }
}

#[test]
fn a_long_run_is_windowed_not_squeezed() {
    let sets = crate::scaled_bench(40);
    let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
    let bench = "scenarios/bench/iocp-throughput.json";
    let t = texts(&svg_of(bench, &sets, None, None));
    let title = t.iter().find(|x| x.contains("–")).unwrap();
    assert!(title.starts_with("0–20 ms, of a run of"), "{title}");
    let t = texts(&svg_of(bench, &sets, Some(5_000_000), Some(6_000_000)));
    assert!(
        t.iter().any(|x| x.starts_with("5–6 ms, of a run of")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|x| x == "5.5 ms"),
        "ticks inside the window: {t:?}"
    );
    let t = texts(&svg_of(bench, &sets, Some(212_500), Some(262_500)));
    assert!(
        t.iter()
            .any(|x| x.starts_with("212.5–262.5 µs, of a run of")),
        "a window of microseconds says so: {t:?}"
    );
}

#[test]
fn headless_chromium_draws_the_svg() {
    let dir = std::env::temp_dir().join(format!("iosim-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg_path = dir.join("tour.svg");
    let png_path = dir.join("tour.png");
    std::fs::write(&svg_path, svg_of("scenarios/tour.json", &[], None, None)).unwrap();
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok())
        .expect("Chromium is installed (.ci/run installs it)");
    let status = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1280,320",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("file://{}", svg_path.display()))
        .output()
        .expect("running Chromium");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let px = info.color_type.samples();
    let pixels = &pixels[..info.buffer_size()];
    let background = &pixels[..px];
    let drawn = pixels.chunks(px).filter(|p| *p != background).count();
    let total = pixels.len() / px;
    // The lanes' bars, labels and axis cover a good part of the picture, not a speck.
    assert!(drawn * 20 > total, "only {drawn} of {total} pixels drawn");
    // T1's and T2's colours, the walkthrough's, are there on their bars.
    for t in [0, 1] {
        let hex = tui::palette::thread_hex(kernel_sim::ThreadId(t));
        let rgb: Vec<u8> = (1..7)
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let painted = pixels.chunks(px).filter(|p| p[..3] == rgb[..]).count();
        assert!(
            painted > 200,
            "{painted} pixels of thread {t}'s colour {hex}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
