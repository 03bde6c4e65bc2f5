//! Lists nodes with the REST client (client-go's `RESTClient`).
//!
//! ```sh
//! KUBECONFIG=/path/to/kubeconfig cargo run -p keelson-client --example list_nodes
//! ```
//!
//! Set `KEELSON_V=6` (up to 9) to see the requests as kubectl's `-v` shows them.

use keelson_client::{Config, DynamicObject, ObjectList, RestClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut config = Config::infer()?;
    config.verbosity = std::env::var("KEELSON_V")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let client = RestClient::new(config)?;

    let nodes: ObjectList<DynamicObject> = client
        .get()
        .resource("nodes")
        .param("limit", "500")
        .into()
        .await?;
    println!("{:<30} {:<10}", "NAME", "READY");
    for node in &nodes.items {
        let ready = node.data["status"]["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
            .and_then(|c| c["status"].as_str())
            .unwrap_or("Unknown");
        println!("{:<30} {:<10}", node.name(), ready);
    }
    if nodes.items.is_empty() {
        println!("(no nodes)");
    }
    Ok(())
}
