"""Contract loading: YAML text (our libyaml 0.2.5 port) or Python data -> the contract model,
as serde reads it; and non-contract YAML documents (fixtures, config)."""
