//! `kontext-hostile [PORT]`: serves the hostile scenarios on 127.0.0.1 and prints
//! `listening on http://127.0.0.1:PORT` (the binding test suites read that line).

fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let server = kontext_mgmt_hostile::Server::start_on(port).await?;
        println!("listening on {}", server.url());
        // Serve until killed.
        std::future::pending::<()>().await;
        Ok(())
    })
}
