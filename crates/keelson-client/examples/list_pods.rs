//! Lists pods with the typed client (client-go's ClientSet): the namespace of
//! the current context, or the one given as the first argument (`-A` for all).
//!
//! ```sh
//! KUBECONFIG=/path/to/kubeconfig cargo run -p keelson-client --example list_pods -- kube-system
//! ```

use k8s_openapi::api::core::v1::Pod;
use keelson_client::api::{Api, ListParams};
use keelson_client::RestClient;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = RestClient::try_default()?;
    let pods: Api<Pod> = match std::env::args().nth(1).as_deref() {
        Some("-A") => Api::all(client),
        Some(ns) => Api::namespaced(client, ns),
        None => Api::default_namespaced(client),
    };
    // Pages of 500, as kubectl fetches them.
    let mut lp = ListParams::default().limit(500);
    let mut count = 0;
    println!("{:<20} {:<40} {:<10}", "NAMESPACE", "NAME", "PHASE");
    loop {
        let page = pods.list(&lp).await?;
        for pod in &page.items {
            count += 1;
            println!(
                "{:<20} {:<40} {:<10}",
                pod.metadata.namespace.as_deref().unwrap_or(""),
                pod.metadata.name.as_deref().unwrap_or(""),
                pod.status
                    .as_ref()
                    .and_then(|s| s.phase.as_deref())
                    .unwrap_or("")
            );
        }
        match page.metadata.continue_.as_deref().filter(|c| !c.is_empty()) {
            Some(token) => lp = lp.continue_token(token),
            None => break,
        }
    }
    eprintln!("{count} pod(s)");
    Ok(())
}
