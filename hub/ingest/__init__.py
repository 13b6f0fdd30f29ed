"""Push ingestion: partners send common-schema records to the hub over HTTP."""
