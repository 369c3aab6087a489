"""The event data model as the gateway sees it: JSON text decoded the serde_json way,
Python values read as their JSON text, Rust renderings of values in messages, dates."""
