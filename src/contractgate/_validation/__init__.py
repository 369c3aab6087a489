"""The validation wing: YAML text -> contract -> generated code -> verdict (private)."""
