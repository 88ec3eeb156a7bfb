"""OpenAI as a message parser (structured outputs), and the offline-first parser that asks it
only when the offline reading is unsure."""

from sm2_adapters.openai.catalog import CatalogEntry, CatalogService, seed_catalog
from sm2_adapters.openai.combined import CombinedParser
from sm2_adapters.openai.parser import OpenAIParser

__all__ = ["CatalogEntry", "CatalogService", "CombinedParser", "OpenAIParser", "seed_catalog"]
