//! How much memory the walkthrough's session needs to explore a whole run: the same
//! exploration the simulation thread does in the background, with its checkpoints.
//! Prints the steps, the checkpoints kept and the process's peak resident memory. Run:
//!
//!     cargo run --release --example explore_memory [SCENARIO]
//!
//! (default: scenarios/bench/big-file.json, a 64 MiB file that every checkpoint would
//! copy if checkpoints did not share the disk's data).

use kernel_sim::session::Session;

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/bench/big-file.json".to_owned());
    let loaded = match iosim::load_scenario(&path, &[]) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprint!("{}", error.render());
            std::process::exit(2);
        }
    };
    let kernel = iosim::build::build(&loaded.scenario, loaded.scenario.seed);
    let started = std::time::Instant::now();
    let session = Session::explored(kernel);
    let (checkpoints, interval) = session.checkpoint_spacing();
    println!(
        "{path}: {} steps, {} events, {checkpoints} checkpoints every {interval} steps, explored in {:.2} s",
        session.known(),
        session.explored_trace().len(),
        started.elapsed().as_secs_f64()
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    match status.lines().find(|l| l.starts_with("VmHWM:")) {
        Some(line) => println!("peak resident memory: {}", line["VmHWM:".len()..].trim()),
        None => println!("peak resident memory: unknown (no /proc/self/status)"),
    }
}
