"""Reading the normalized records: the catalog platforms sync, certificates and payments."""
