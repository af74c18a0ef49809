"""The shipped content (strategies, prompts, resources, explainer): models, parsing, checks, search."""
