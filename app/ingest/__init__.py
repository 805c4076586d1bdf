"""Corpus ingestion: loaders, chunking, manifest, pipeline, web snapshots."""
