//! `cargo xtask fuzz [ITERATIONS]`: the randomized decoder harness (`kontext_mgmt::fuzz`) at
//! length, on every core; prints the number of executions. A panic fails the run.

fn main() {
    let total: u64 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = std::env::args().nth(2).and_then(|n| n.parse().ok()).unwrap_or_else(|| fastrand::u64(..));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|i| {
            let share = total / threads + u64::from(i < total % threads);
            std::thread::spawn(move || kontext_mgmt::fuzz::run(share, seed.wrapping_add(i)))
        })
        .collect();
    let mut ran = 0;
    for w in workers {
        ran += w.join().unwrap_or_else(|_| {
            eprintln!("fuzz: a decoder panicked (seed {seed})");
            std::process::exit(1)
        });
    }
    println!(
        "fuzz: {ran} executions without a panic in {:.1}s (seed {seed}, {threads} threads)",
        started.elapsed().as_secs_f64()
    );
}
