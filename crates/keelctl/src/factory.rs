//! The `Factory` (kubectl's `cmdutil.Factory`): turns global flags into the
//! configuration, clients, discovery and REST mapping a command needs, each
//! built only when first asked for.

use crate::error::{CmdError, CmdResult};
use crate::flags::GlobalFlags;
use keelson_client::config::{Kubeconfig, LoadingRules};
use keelson_client::discovery::DiscoveryClient;
use keelson_client::restmapper::DiscoveryRestMapper;
use keelson_client::{Config, RestClient};
use std::sync::{Arc, Mutex};

/// Lazily built clients for one command invocation.
pub struct Factory {
    /// The global flags as given.
    pub flags: GlobalFlags,
    config: Option<Config>,
    client: Option<RestClient>,
    mapper: Option<DiscoveryRestMapper>,
    /// Distinct server warnings printed so far (kubectl deduplicates them).
    warnings: Arc<Mutex<Vec<String>>>,
}

impl Factory {
    /// A factory for these flags; nothing is read until asked for.
    pub fn new(flags: GlobalFlags) -> Factory {
        Factory {
            flags,
            config: None,
            client: None,
            mapper: None,
            warnings: Arc::default(),
        }
    }

    /// Where kubeconfig files come from: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`.
    pub fn loading_rules(&self) -> LoadingRules {
        let rules = LoadingRules::from_env();
        match &self.flags.kubeconfig {
            Some(path) => rules.with_explicit_path(path),
            None => rules,
        }
    }

    /// The merged kubeconfig, before overrides (for `config view` and friends).
    pub fn raw_kubeconfig(&self) -> CmdResult<Kubeconfig> {
        self.loading_rules()
            .load()
            .map_err(|e| CmdError::new(e.to_string()))
    }

    /// The resolved client configuration.
    pub fn config(&mut self) -> CmdResult<&Config> {
        if self.config.is_none() {
            let overrides = self.flags.overrides().map_err(CmdError::new)?;
            let mut config =
                Config::load(&self.loading_rules(), &overrides).map_err(CmdError::from)?;
            config.verbosity = self.flags.verbosity;
            // kubectl 1.37 does not throttle its own requests (the server's
            // priority and fairness does); client-go's 5 QPS turned a
            // 20-object apply into two seconds of waiting.
            config.qps = 0.0;
            self.config = Some(config);
        }
        Ok(self.config.as_ref().expect("set above"))
    }

    /// The namespace the command acts in and whether `-n` chose it.
    pub fn namespace(&mut self) -> CmdResult<(String, bool)> {
        let c = self.config()?;
        Ok((c.namespace.clone(), c.namespace_explicit))
    }

    /// A REST client for the configuration (cheap to clone; pooled connections).
    pub fn client(&mut self) -> CmdResult<RestClient> {
        if self.client.is_none() {
            let config = self.config()?.clone();
            let client = RestClient::new(config).map_err(|e| CmdError::new(e.to_string()))?;
            let seen = self.warnings.clone();
            client.set_warning_handler(move |text| {
                let Ok(mut seen) = seen.lock() else { return };
                if !seen.iter().any(|w| w == text) {
                    seen.push(text.to_string());
                    eprintln!("Warning: {text}");
                }
            });
            self.client = Some(client);
        }
        Ok(self.client.clone().expect("set above"))
    }

    /// A discovery client with kubectl's disk cache (`--cache-dir`, `$KUBECACHEDIR`, `~/.kube/cache`).
    pub fn discovery(&mut self) -> CmdResult<DiscoveryClient> {
        let config = self.config()?.clone();
        let mut discovery =
            DiscoveryClient::for_config(config).map_err(|e| CmdError::new(e.to_string()))?;
        if let Some(dir) = &self.flags.cache_dir {
            discovery = discovery.cache_dir(dir.clone());
        }
        Ok(discovery)
    }

    /// The REST mapper over discovery, loaded on first use.
    pub fn rest_mapper(&mut self) -> CmdResult<&mut DiscoveryRestMapper> {
        if self.mapper.is_none() {
            let discovery = self.discovery()?;
            self.mapper = Some(DiscoveryRestMapper::new(discovery));
        }
        Ok(self.mapper.as_mut().expect("set above"))
    }

    /// How many distinct server warnings were printed (`--warnings-as-errors`).
    pub fn warning_count(&self) -> usize {
        self.warnings.lock().map(|w| w.len()).unwrap_or(0)
    }
}
